//! Sequences of entries: `kv history` (every revision kept for one key) and
//! `kv watch` (changes as they happen).
//!
//! A watch announces itself on stderr once the server has accepted it, so a
//! script (or a test) knows that puts made after that line will be seen.
//! `--count N` ends it after N printed changes.

use anyhow::{anyhow, bail};
use async_nats::jetstream::kv::{Entry, Operation};
use base64::Engine as _;
use futures::StreamExt;
use serde_json::{json, Value};

use super::open;
use crate::bucket::{self, print_line};
use crate::cli::kv::{HistoryArgs, WatchArgs};
use crate::connection::Connection;
use crate::output;

pub async fn history(connection: &Connection, args: HistoryArgs) -> anyhow::Result<()> {
    super::check_key(&args.key)?;
    let bucket = open(connection, &args.bucket).await?;
    let failed = |err: &dyn std::fmt::Display| {
        anyhow!(
            "cannot read the history of {} in bucket {}: {err}",
            args.key,
            args.bucket
        )
    };
    let mut revisions = bucket
        .store
        .history(&args.key)
        .await
        .map_err(|err| failed(&err))?;
    let mut entries = Vec::new();
    while let Some(entry) = revisions.next().await {
        entries.push(entry.map_err(|err| failed(&err))?);
    }
    if entries.is_empty() {
        bail!("key {} not found in bucket {}", args.key, args.bucket);
    }
    if args.json {
        let all: Vec<Value> = entries.iter().map(entry_json).collect();
        return output::print_json(&all);
    }
    let mut table = output::table(
        &format!("History for {} > {}", args.bucket, args.key),
        &["Key", "Revision", "Op", "Created", "Length", "Value"],
    );
    for entry in &entries {
        table.row([
            entry.key.clone(),
            entry.revision.to_string(),
            operation_name(entry.operation).to_string(),
            bucket::timestamp(entry.created),
            output::count(entry.value.len() as u64),
            bucket::preview(&entry.value),
        ]);
    }
    table.print();
    Ok(())
}

pub async fn watch(connection: &Connection, args: WatchArgs) -> anyhow::Result<()> {
    super::check_key_filter(&args.key)?;
    let bucket = open(connection, &args.bucket).await?;
    let failed =
        |err: &dyn std::fmt::Display| anyhow!("watching bucket {} failed: {err}", args.bucket);
    let mut changes = if args.updates_only {
        bucket.store.watch(&args.key).await
    } else {
        bucket.store.watch_with_history(&args.key).await
    }
    .map_err(|err| failed(&err))?;
    eprintln!(
        "Watching bucket {} for changes to {}",
        args.bucket, args.key
    );
    let mut printed = 0u64;
    while let Some(entry) = changes.next().await {
        let entry = entry.map_err(|err| failed(&err))?;
        let deleted = entry.operation != Operation::Put;
        if deleted && args.ignore_deletes {
            continue;
        }
        print_line(&watch_line(&entry))?;
        printed += 1;
        if args.count > 0 && printed >= args.count {
            break;
        }
    }
    Ok(())
}

/// One change as `kv watch` prints it:
/// `[time] PUT BUCKET > KEY revision N: VALUE`, or without the value for
/// deletes and purges.
fn watch_line(entry: &Entry) -> String {
    let head = format!(
        "[{}] {} {} > {} revision {}",
        bucket::timestamp(entry.created),
        operation_name(entry.operation),
        entry.bucket,
        entry.key,
        entry.revision
    );
    match entry.operation {
        Operation::Put => format!("{head}: {}", bucket::printable(&entry.value)),
        Operation::Delete | Operation::Purge => head,
    }
}

/// The nats CLI's name of an operation.
pub fn operation_name(operation: Operation) -> &'static str {
    match operation {
        Operation::Put => "PUT",
        Operation::Delete => "DELETE",
        Operation::Purge => "PURGE",
    }
}

/// An entry as JSON: the value as text when it is UTF-8, else as base64
/// under `value_base64`.
pub fn entry_json(entry: &Entry) -> Value {
    let mut value = json!({
        "bucket": entry.bucket,
        "key": entry.key,
        "revision": entry.revision,
        "operation": operation_name(entry.operation),
        "created": bucket::rfc3339(entry.created),
        "length": entry.value.len(),
    });
    match std::str::from_utf8(&entry.value) {
        Ok(text) => value["value"] = json!(text),
        Err(_) => {
            value["value_base64"] =
                json!(base64::engine::general_purpose::STANDARD.encode(&entry.value))
        }
    }
    value
}
