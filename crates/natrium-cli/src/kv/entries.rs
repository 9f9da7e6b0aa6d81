//! Single-key commands: `kv put`, `get`, `create`, `update`, `del KEY` and
//! `purge`.
//!
//! Writes print the new revision alone on stdout, so a script can capture it
//! (`rev=$(natrium kv put B k v)`) and hand it to `kv update`. Refusals that
//! a caller can act on (the key exists, the revision moved on) say what the
//! current revision is.

use std::io::{IsTerminal, Read, Write};

use anyhow::{anyhow, bail, Context as _};
use async_nats::jetstream::kv::{CreateErrorKind, Entry, Operation, PutErrorKind, UpdateErrorKind};
use async_nats::jetstream::stream::RawMessageErrorKind;
use bytes::Bytes;

use super::{check_key, invalid_key, open, Bucket};
use crate::bucket::{self, print_line};
use crate::cli::kv::{GetArgs, KeyForceArgs, PutArgs, UpdateArgs};
use crate::connection::Connection;

/// Values longer than this are cut in the human output of `kv get`.
const SHOWN_BYTES: usize = 120;

pub async fn put(connection: &Connection, args: PutArgs) -> anyhow::Result<()> {
    check_key(&args.key)?;
    let value = value_or_stdin(args.value)?;
    let bucket = open(connection, &args.bucket).await?;
    let revision = bucket
        .store
        .put(&args.key, value)
        .await
        .map_err(|err| match err.kind() {
            PutErrorKind::InvalidKey => invalid_key(&args.key),
            _ => anyhow!("cannot put {} in bucket {}: {err}", args.key, args.bucket),
        })?;
    print_line(&revision.to_string())
}

pub async fn create(connection: &Connection, args: PutArgs) -> anyhow::Result<()> {
    check_key(&args.key)?;
    let value = value_or_stdin(args.value)?;
    let bucket = open(connection, &args.bucket).await?;
    match bucket.store.create(&args.key, value).await {
        Ok(revision) => print_line(&revision.to_string()),
        Err(err) => Err(match err.kind() {
            CreateErrorKind::InvalidKey => invalid_key(&args.key),
            CreateErrorKind::AlreadyExists => {
                let revision = latest_revision(&bucket, &args.key).await;
                anyhow!(
                    "key {} already exists in bucket {}{}: change it with `natrium kv update {} {} VALUE REVISION`",
                    args.key,
                    args.bucket,
                    revision.map(|r| format!(" at revision {r}")).unwrap_or_default(),
                    args.bucket,
                    args.key
                )
            }
            _ => anyhow!(
                "cannot create {} in bucket {}: {err}",
                args.key,
                args.bucket
            ),
        }),
    }
}

pub async fn update(connection: &Connection, args: UpdateArgs) -> anyhow::Result<()> {
    check_key(&args.key)?;
    let (value, revision_text) = match args.value_and_revision.as_slice() {
        [value, revision] => (Some(value.clone()), revision),
        [revision] => (None, revision),
        _ => bail!("give VALUE and REVISION, or only REVISION with the value on stdin"),
    };
    let expected: u64 = revision_text
        .parse()
        .map_err(|_| anyhow!("REVISION must be a whole number, not {revision_text:?}"))?;
    let value = value_or_stdin(value)?;
    let bucket = open(connection, &args.bucket).await?;
    match bucket.store.update(&args.key, value, expected).await {
        Ok(revision) => print_line(&revision.to_string()),
        Err(err) => Err(match err.kind() {
            UpdateErrorKind::InvalidKey => invalid_key(&args.key),
            UpdateErrorKind::WrongLastRevision => match latest_revision(&bucket, &args.key).await {
                Some(current) => anyhow!(
                    "key {} in bucket {} is at revision {current}, not {expected}: \
                         read it again with `natrium kv get {} {}` and retry",
                    args.key,
                    args.bucket,
                    args.bucket,
                    args.key
                ),
                None => anyhow!(
                    "key {} in bucket {} is not at revision {expected} (it has no value): \
                         use `natrium kv create` for new keys",
                    args.key,
                    args.bucket
                ),
            },
            _ => anyhow!(
                "cannot update {} in bucket {}: {err}",
                args.key,
                args.bucket
            ),
        }),
    }
}

pub async fn get(connection: &Connection, args: GetArgs) -> anyhow::Result<()> {
    check_key(&args.key)?;
    let bucket = open(connection, &args.bucket).await?;
    let entry = match args.revision {
        Some(revision) => entry_at(&bucket, &args.key, revision).await?,
        None => bucket.store.entry(&args.key).await.map_err(|err| {
            anyhow!(
                "cannot read {} from bucket {}: {err}",
                args.key,
                args.bucket
            )
        })?,
    };
    let entry = match entry {
        Some(entry) if entry.operation == Operation::Put => entry,
        Some(entry) => bail!(
            "key {} in bucket {} was deleted (revision {}): see `natrium kv history {} {}`",
            args.key,
            args.bucket,
            entry.revision,
            args.bucket,
            args.key
        ),
        None => match args.revision {
            Some(revision) => bail!(
                "bucket {} has no revision {revision} of key {}: see `natrium kv history {} {}`",
                args.bucket,
                args.key,
                args.bucket,
                args.key
            ),
            None => bail!("key {} not found in bucket {}", args.key, args.bucket),
        },
    };
    if args.raw {
        let mut out = std::io::stdout().lock();
        return out
            .write_all(&entry.value)
            .and_then(|()| out.flush())
            .map_err(|err| anyhow!("cannot write to stdout: {err}"));
    }
    if args.json {
        return crate::output::print_json(&super::changes::entry_json(&entry));
    }
    println!(
        "{} > {} revision: {} created @ {}",
        entry.bucket,
        entry.key,
        entry.revision,
        bucket::timestamp(entry.created)
    );
    println!();
    let text = bucket::printable(&entry.value);
    if text.len() > SHOWN_BYTES {
        let cut = (0..=SHOWN_BYTES)
            .rev()
            .find(|at| text.is_char_boundary(*at))
            .unwrap_or(0);
        println!(
            "Showing the first {SHOWN_BYTES} bytes of {}, use --raw for all of it",
            crate::output::count(text.len() as u64)
        );
        println!();
        println!("{}", &text[..cut]);
    } else {
        println!("{text}");
    }
    println!();
    Ok(())
}

pub async fn delete(connection: &Connection, bucket_name: &str, key: &str) -> anyhow::Result<()> {
    check_key(key)?;
    let bucket = open(connection, bucket_name).await?;
    bucket
        .store
        .delete(key)
        .await
        .map_err(|err| anyhow!("cannot delete {key} from bucket {bucket_name}: {err}"))?;
    println!("Deleted key {key} from bucket {bucket_name}");
    Ok(())
}

pub async fn purge(connection: &Connection, args: KeyForceArgs) -> anyhow::Result<()> {
    check_key(&args.key)?;
    bucket::require_force(
        args.force,
        &format!(
            "purge key {} and its history from bucket {}",
            args.key, args.bucket
        ),
    )?;
    let bucket = open(connection, &args.bucket).await?;
    bucket.store.purge(&args.key).await.map_err(|err| {
        anyhow!(
            "cannot purge {} from bucket {}: {err}",
            args.key,
            args.bucket
        )
    })?;
    println!("Purged key {} from bucket {}", args.key, args.bucket);
    Ok(())
}

/// The value argument, or all of stdin when it is absent (and not a terminal).
fn value_or_stdin(value: Option<String>) -> anyhow::Result<Bytes> {
    if let Some(value) = value {
        return Ok(Bytes::from(value));
    }
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        bail!("no VALUE given: pass it as an argument or pipe it on stdin");
    }
    let mut value = Vec::new();
    stdin
        .read_to_end(&mut value)
        .context("cannot read the value from stdin")?;
    Ok(Bytes::from(value))
}

/// The key's latest revision, if it can be read (used to explain refusals).
async fn latest_revision(bucket: &Bucket, key: &str) -> Option<u64> {
    match bucket.store.entry(key).await {
        Ok(Some(entry)) => Some(entry.revision),
        _ => None,
    }
}

/// The entry of `key` at `revision`, or `None` when that revision is not
/// there or belongs to another key. Read with the stream's message-get API
/// (async-nats's own lookup prints to stdout on a key mismatch).
async fn entry_at(bucket: &Bucket, key: &str, revision: u64) -> anyhow::Result<Option<Entry>> {
    let message = match bucket.store.stream.get_raw_message(revision).await {
        Ok(message) => message,
        Err(err) => match err.kind() {
            RawMessageErrorKind::NoMessageFound => return Ok(None),
            RawMessageErrorKind::JetStream(error) if error.code() == 404 => return Ok(None),
            _ => bail!(
                "cannot read revision {revision} of bucket {}: {err}",
                bucket.name
            ),
        },
    };
    if message.subject.as_str() != format!("{}{key}", bucket.store.prefix) {
        return Ok(None);
    }
    let operation = message
        .headers
        .get("KV-Operation")
        .and_then(|op| op.as_str().parse().ok())
        .unwrap_or(Operation::Put);
    Ok(Some(Entry {
        bucket: bucket.name.clone(),
        key: key.to_string(),
        value: message.payload,
        revision: message.sequence,
        delta: 0,
        created: message.time,
        operation,
        seen_current: false,
    }))
}
