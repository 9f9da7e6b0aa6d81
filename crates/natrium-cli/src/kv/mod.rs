//! `natrium kv ...`: the JetStream key-value store, through async-nats's
//! `jetstream::kv`.
//!
//! The commands fall into three files by what they touch:
//!
//! * [`admin`]: whole buckets (add, info, ls, del without a key), and
//!   [`compact`];
//! * [`entries`]: single keys (put, get, create, update, del, purge);
//! * [`changes`]: sequences of entries (history, watch).
//!
//! Every command opens its bucket through [`open`], which first fetches the
//! bucket's stream information, so a missing bucket or a server without
//! JetStream ends the command with one clear line before anything else.

pub mod admin;
pub mod changes;
pub mod compact;
pub mod entries;

use anyhow::anyhow;
use async_nats::jetstream::{self, kv};
use serde_json::Value;

use crate::bucket::{self, Kind};
use crate::cli::kv::KvCommand;
use crate::connection::Connection;

/// Runs one `natrium kv` command.
pub async fn run(connection: &Connection, command: KvCommand) -> anyhow::Result<()> {
    match command {
        KvCommand::Add(args) => admin::add(connection, args).await,
        KvCommand::Info(args) => admin::info(connection, args).await,
        KvCommand::Ls(args) => admin::ls(connection, args).await,
        KvCommand::Compact(args) => compact::compact(connection, args).await,
        KvCommand::Put(args) => entries::put(connection, args).await,
        KvCommand::Get(args) => entries::get(connection, args).await,
        KvCommand::Create(args) => entries::create(connection, args).await,
        KvCommand::Update(args) => entries::update(connection, args).await,
        KvCommand::Del(args) => match args.key {
            Some(key) => entries::delete(connection, &args.bucket, &key).await,
            None => admin::remove(connection, &args.bucket, args.force).await,
        },
        KvCommand::Purge(args) => entries::purge(connection, args).await,
        KvCommand::History(args) => changes::history(connection, args).await,
        KvCommand::Watch(args) => changes::watch(connection, args).await,
    }
}

/// An open bucket.
pub struct Bucket {
    pub name: String,
    pub store: kv::Store,
    /// The server's JSON about the bucket's stream, as fetched on opening.
    pub info: Value,
    pub js: jetstream::Context,
}

/// Connects and opens bucket `name`, or says in one line why it cannot.
pub async fn open(connection: &Connection, name: &str) -> anyhow::Result<Bucket> {
    let js = bucket::jetstream(connection).await?;
    let info = bucket::stream_info(&js, Kind::KeyValue, name).await?;
    let store = js
        .get_key_value(name)
        .await
        .map_err(|err| anyhow!("cannot open key-value bucket {name}: {err}"))?;
    Ok(Bucket {
        name: name.to_string(),
        store,
        info,
        js,
    })
}

/// Accepts a key that names one entry: dot-separated tokens of letters,
/// digits, `-`, `_`, `=`, `/` and `\`, none empty.
pub fn check_key(key: &str) -> anyhow::Result<()> {
    if key_tokens_valid(key, false) {
        Ok(())
    } else {
        Err(invalid_key(key))
    }
}

/// Accepts a key or a filter of keys (tokens may also be `*`, the last `>`).
pub fn check_key_filter(filter: &str) -> anyhow::Result<()> {
    if key_tokens_valid(filter, true) {
        Ok(())
    } else {
        Err(anyhow!(
            "invalid key filter {filter:?}: use a key, or wildcards like `colour.*` or `settings.>`"
        ))
    }
}

fn key_tokens_valid(key: &str, wildcards: bool) -> bool {
    let tokens: Vec<&str> = key.split('.').collect();
    tokens.iter().enumerate().all(|(at, token)| {
        let plain = !token.is_empty()
            && token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_=/\\".contains(c));
        let wildcard = wildcards && (*token == "*" || (*token == ">" && at + 1 == tokens.len()));
        plain || wildcard
    })
}

/// Why a key was refused, in one line.
pub fn invalid_key(key: &str) -> anyhow::Error {
    anyhow!(
        "invalid key {key:?}: use letters, digits and - _ = / separated by dots, \
         not starting or ending with a dot"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_filters() {
        assert!(check_key("colour").is_ok());
        assert!(check_key("a.b/c=d").is_ok());
        assert!(check_key("a.*").is_err());
        assert!(check_key(".a").is_err());
        assert!(check_key("a..b").is_err());
        assert!(check_key("").is_err());
        assert!(check_key_filter(">").is_ok());
        assert!(check_key_filter("a.*.c").is_ok());
        assert!(check_key_filter("a.>.c").is_err());
    }
}
