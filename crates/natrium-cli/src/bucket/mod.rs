//! What the key-value and object store commands share: finding a bucket's
//! stream, listing buckets, and turning JetStream failures into one line
//! that says what to do.
//!
//! A bucket is a stream named `KV_<bucket>` or `OBJ_<bucket>`. Every command
//! first asks the server for that stream's information with a plain API
//! request ([`stream_info`]) and keeps the server's JSON as it came: `--json`
//! prints exactly that document, and a missing bucket or a server without
//! JetStream is told apart here, once, rather than dug out of the many error
//! types async-nats returns for each operation.
//!
//! [`listing`] lists the buckets of a kind; [`text`] renders times, values
//! and stream JSON fields the same way for both stores.

mod listing;
mod text;

use anyhow::anyhow;
use async_nats::jetstream::stream::StorageType;
use async_nats::jetstream::{self, context::RequestErrorKind, ErrorCode};
use serde_json::Value;

pub use self::listing::{list, print_buckets};
pub use self::text::*;
use crate::cli::js::Storage;
use crate::connection::Connection;

/// The two kinds of bucket, which differ in stream prefix and wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    KeyValue,
    Object,
}

impl Kind {
    /// Prefix of the bucket's stream name.
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::KeyValue => "KV_",
            Kind::Object => "OBJ_",
        }
    }

    /// How the bucket is called in messages.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::KeyValue => "key-value bucket",
            Kind::Object => "object store bucket",
        }
    }

    /// The natrium command that lists buckets of this kind.
    pub fn list_command(self) -> &'static str {
        match self {
            Kind::KeyValue => "natrium kv ls",
            Kind::Object => "natrium object ls",
        }
    }

    /// The kind as the nats CLI titles its listings.
    pub fn title(self) -> &'static str {
        match self {
            Kind::KeyValue => "Key-Value",
            Kind::Object => "Object Store",
        }
    }

    /// The bucket name of one of this kind's streams (its JSON).
    pub fn bucket_of(self, info: &Value) -> &str {
        let stream = info["config"]["name"].as_str().unwrap_or_default();
        stream.strip_prefix(self.prefix()).unwrap_or(stream)
    }

    /// The stream holding `bucket`.
    pub fn stream(self, bucket: &str) -> String {
        format!("{}{bucket}", self.prefix())
    }
}

/// Connects and opens a JetStream context.
pub async fn jetstream(connection: &Connection) -> anyhow::Result<jetstream::Context> {
    let client = connection.connect().await?;
    Ok(connection.jetstream(client))
}

/// Bucket names are what both stores accept: letters, digits, `-` and `_`.
pub fn check_name(kind: Kind, bucket: &str) -> anyhow::Result<()> {
    let valid = !bucket.is_empty()
        && bucket
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        Err(anyhow!(
            "invalid {} name {bucket:?}: use letters, digits, - and _",
            kind.noun()
        ))
    }
}

/// The server's JSON about the stream of `bucket`, or a one-line reason
/// (no such bucket, no JetStream, no answer).
pub async fn stream_info(
    js: &jetstream::Context,
    kind: Kind,
    bucket: &str,
) -> anyhow::Result<Value> {
    find_stream(js, kind, bucket)
        .await?
        .ok_or_else(|| not_found(kind, bucket))
}

/// Like [`stream_info`], but a missing bucket is `None`, not an error.
pub async fn find_stream(
    js: &jetstream::Context,
    kind: Kind,
    bucket: &str,
) -> anyhow::Result<Option<Value>> {
    check_name(kind, bucket)?;
    let subject = format!("STREAM.INFO.{}", kind.stream(bucket));
    let reply: Value = js
        .request(subject, &())
        .await
        .map_err(|err| request_failure(err.kind(), &err))?;
    match api_error(&reply) {
        Some(error) if error.error_code() == ErrorCode::STREAM_NOT_FOUND => Ok(None),
        Some(error) => Err(server_error(&error)),
        None => Ok(Some(reply)),
    }
}

/// The line for a bucket that does not exist.
pub fn not_found(kind: Kind, bucket: &str) -> anyhow::Error {
    anyhow!(
        "{} {bucket} not found: list them with `{}`",
        kind.noun(),
        kind.list_command()
    )
}

/// The `error` member of an API reply, when it has one.
pub(crate) fn api_error(reply: &Value) -> Option<jetstream::Error> {
    reply
        .get("error")
        .and_then(|error| serde_json::from_value(error.clone()).ok())
}

/// An error the JetStream API answered with, as one line.
pub fn server_error(error: &jetstream::Error) -> anyhow::Error {
    let code = error.error_code();
    if code == ErrorCode::JETSTREAM_NOT_ENABLED
        || code == ErrorCode::JETSTREAM_NOT_ENABLED_FOR_ACCOUNT
    {
        return no_jetstream();
    }
    anyhow!("the server refused: {error}")
}

/// A JetStream request that got no usable answer, as one line.
pub(crate) fn request_failure(
    kind: RequestErrorKind,
    err: &dyn std::fmt::Display,
) -> anyhow::Error {
    match kind {
        RequestErrorKind::NoResponders => no_jetstream(),
        RequestErrorKind::TimedOut => anyhow!(
            "JetStream did not answer in time: is the server overloaded? retry, or raise --timeout"
        ),
        _ => anyhow!("JetStream request failed: {err}"),
    }
}

fn no_jetstream() -> anyhow::Error {
    anyhow!("JetStream is not enabled on this server: start it with `natrium-server -js` (or `nats-server -js`)")
}

/// The stream storage for a `--storage` choice.
pub fn storage_type(storage: Storage) -> StorageType {
    match storage {
        Storage::File => StorageType::File,
        Storage::Memory => StorageType::Memory,
    }
}

/// Refuses an irreversible action unless `--force` was given.
pub fn require_force(force: bool, action: &str) -> anyhow::Result<()> {
    if force {
        Ok(())
    } else {
        Err(anyhow!(
            "refusing to {action} without --force: it cannot be undone (natrium never prompts)"
        ))
    }
}

/// Parses repeated `KEY=VALUE` flags (object and bucket metadata).
pub fn parse_metadata(
    pairs: &[String],
) -> anyhow::Result<std::collections::HashMap<String, String>> {
    pairs
        .iter()
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => {
                Ok((key.trim().to_string(), value.to_string()))
            }
            _ => Err(anyhow!(
                "invalid metadata {pair:?}: use KEY=VALUE, e.g. --metadata owner=ops"
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_metadata() {
        assert!(check_name(Kind::KeyValue, "CONFIG_1-a").is_ok());
        assert!(check_name(Kind::Object, "a.b").is_err());
        assert!(check_name(Kind::Object, "").is_err());
        assert_eq!(parse_metadata(&["a=b=c".into()]).unwrap()["a"], "b=c");
        assert!(parse_metadata(&["novalue".into()]).is_err());
        let stream = serde_json::json!({"config": {"name": "OBJ_files"}});
        assert_eq!(Kind::Object.bucket_of(&stream), "files");
    }
}
