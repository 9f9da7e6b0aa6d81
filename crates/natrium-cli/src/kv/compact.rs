//! `kv compact`: reclaim the space of deleted keys.
//!
//! async-nats has no call for it, so it is done the way the nats CLI does
//! it, with the stream API: read the latest entry of every key (headers
//! only), and for each delete or purge marker purge that key's subject.
//! Markers younger than [`KEEP_RECENT_MARKERS`] are kept as the key's only
//! revision, so that watchers still learn about the deletion; older ones
//! go too.

use std::time::Duration;

use anyhow::anyhow;
use async_nats::jetstream::consumer::push::OrderedConfig;
use async_nats::jetstream::consumer::{DeliverPolicy, ReplayPolicy};
use async_nats::jetstream::kv::Operation;
use futures::StreamExt;

use super::open;
use crate::bucket;
use crate::cli::kv::BucketForceArgs;
use crate::connection::Connection;

/// Delete and purge markers younger than this survive `kv compact` (the
/// nats CLI's default).
const KEEP_RECENT_MARKERS: Duration = Duration::from_secs(30 * 60);

/// Purges the history of every deleted key: markers older than
/// [`KEEP_RECENT_MARKERS`] go too, younger ones stay as the only revision.
pub async fn compact(connection: &Connection, args: BucketForceArgs) -> anyhow::Result<()> {
    bucket::require_force(
        args.force,
        &format!(
            "remove the history of deleted keys from bucket {}",
            args.bucket
        ),
    )?;
    let removed = compact_bucket(connection, &args.bucket).await?;
    println!(
        "Compacted bucket {}: removed the old revisions of {removed} deleted key(s)",
        args.bucket
    );
    Ok(())
}

/// Compacts bucket `name`; how many deleted keys lost their history.
pub async fn compact_bucket(connection: &Connection, name: &str) -> anyhow::Result<usize> {
    let bucket = open(connection, name).await?;
    let failed = |err: &dyn std::fmt::Display| anyhow!("cannot compact bucket {name}: {err}");
    // The latest entry of every key, headers only: enough to spot markers.
    let consumer = bucket
        .store
        .stream
        .create_consumer(OrderedConfig {
            deliver_subject: bucket.js.client().new_inbox(),
            filter_subject: format!("{}>", bucket.store.prefix),
            headers_only: true,
            deliver_policy: DeliverPolicy::LastPerSubject,
            replay_policy: ReplayPolicy::Instant,
            ..OrderedConfig::default()
        })
        .await
        .map_err(|err| failed(&err))?;
    let mut markers = Vec::new();
    if consumer.cached_info().num_pending > 0 {
        let mut latest = consumer.messages().await.map_err(|err| failed(&err))?;
        while let Some(message) = latest.next().await {
            let message = message.map_err(|err| failed(&err))?;
            let info = message.info().map_err(|err| failed(&err))?;
            let operation = message
                .headers
                .as_ref()
                .and_then(|headers| headers.get("KV-Operation"))
                .and_then(|op| op.as_str().parse().ok())
                .unwrap_or(Operation::Put);
            if operation != Operation::Put {
                let age = time::OffsetDateTime::now_utc() - info.published;
                markers.push((message.subject.to_string(), age < KEEP_RECENT_MARKERS));
            }
            if info.pending == 0 {
                break;
            }
        }
    }
    for (subject, recent) in &markers {
        let purge = bucket.store.stream.purge().filter(subject.clone());
        let result = if *recent {
            purge.keep(1).await
        } else {
            purge.await
        };
        result.map_err(|err| failed(&err))?;
    }
    Ok(markers.len())
}
