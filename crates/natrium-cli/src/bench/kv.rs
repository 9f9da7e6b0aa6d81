//! `natrium bench kv`: put and get rates of a JetStream key-value bucket.
//!
//! Key-value use is one request at a time (a put waits for its ack, a get
//! for its answer), so both phases are sequential loops over one connection
//! and each operation's round trip goes into an HDR histogram. The run is:
//!
//! 1. check that JetStream answers, create the bucket (async-nats
//!    `create_key_value`; an existing bucket of the same configuration is
//!    reused);
//! 2. time `--msgs` puts, put `i` writing key `i mod --keys` with a value
//!    that carries `i` ([`value`]), so that a value read back tells which put
//!    wrote it;
//! 3. time `--msgs` gets over the same keys in the same order, each checked
//!    against the last put to its key ([`last_put`]);
//! 4. delete the bucket unless `--keep`, whether the run succeeded or not.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use async_nats::jetstream::kv::{self, Store};
use bytes::{Bytes, BytesMut};
use hdrhistogram::Histogram;
use serde::Serialize;

use super::conn::{self, Role};
use super::jetstream::{connect, finish, stream};
use super::report::{
    group_digits, latency_csv_row, latency_histogram, latency_line, record_latency, LatencyStats,
    Report, Sample,
};
use super::watch::{guard, Monitor, Progress};
use super::{BenchError, Settings};
use crate::cli::store::KvArgs;

/// The bucket and the two phases.
#[derive(Debug, Clone, Serialize)]
pub struct KvSummary {
    pub bucket: String,
    /// `file` or `memory`.
    pub storage: &'static str,
    /// Distinct keys written.
    pub keys: u64,
    /// Revision of the last put.
    pub last_revision: u64,
    /// Whether the bucket was left in place at the end (--keep).
    pub kept: bool,
    /// Put round trips (`requests` counts puts).
    pub put: LatencyStats,
    /// Get round trips (`requests` counts gets).
    pub get: LatencyStats,
}

impl KvSummary {
    /// Appends the human-readable lines.
    pub fn human(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "\nBucket '{}' ({} storage) over {} keys, last revision {}, {}",
            self.bucket,
            self.storage,
            group_digits(self.keys),
            group_digits(self.last_revision),
            if self.kept { "kept" } else { "then deleted" }
        );
        for (title, stats) in [("Put", &self.put), ("Get", &self.get)] {
            let _ = writeln!(
                out,
                "{title}: {} ops in {:.3} s = {} ops/s",
                group_digits(stats.requests),
                stats.seconds,
                group_digits(stats.requests_per_sec.round() as u64)
            );
            latency_line(out, &format!("{title} latency"), stats);
        }
    }

    /// Appends one CSV row per phase (same columns as request latency).
    pub fn csv(&self, kind: &str, size: usize, out: &mut String) {
        latency_csv_row(out, [kind, "put", "all"], size, &self.put);
        latency_csv_row(out, [kind, "get", "all"], size, &self.get);
    }
}

/// Runs `natrium bench kv`.
pub async fn run(settings: &Settings, args: &KvArgs) -> Result<Report, BenchError> {
    let monitor = Monitor::new();
    let (client, js) = connect(settings, "kv", Role::Requester, &monitor, 1).await?;
    conn::check_payload(&client, settings.size)?;
    let result = async {
        stream::check_available(&js, &settings.server).await?;
        let config = kv::Config {
            bucket: args.bucket.name.clone(),
            storage: stream::storage_type(args.bucket.storage),
            ..Default::default()
        };
        let store = js.create_key_value(config).await.map_err(|e| {
            BenchError::JetStream(format!("bucket '{}' create failed: {e}", args.bucket.name))
        })?;
        measure(settings, args, &store, &monitor).await
    }
    .await;
    let cleanup = async {
        js.delete_key_value(&args.bucket.name)
            .await
            .map(|_| ())
            .map_err(|e| conn::client_error(&format!("deleting bucket '{}'", args.bucket.name), e))
    };
    finish(client, &monitor, args.bucket.keep, result, cleanup).await
}

/// Steps 2 and 3.
async fn measure(
    settings: &Settings,
    args: &KvArgs,
    store: &Store,
    monitor: &Arc<Monitor>,
) -> Result<Report, BenchError> {
    let count = settings.msgs;
    let keys: Vec<String> = (0..args.keys.min(count)).map(|k| format!("k{k}")).collect();
    let key = |i: u64| keys[(i % args.keys) as usize].as_str();
    let mut progress = Progress::new(false);
    let puts = progress.add("puts".into(), count);
    let gets = progress.add("gets".into(), count);

    let mut last_revision = 0;
    let timed_puts = async {
        let mut histogram = latency_histogram()?;
        let start = Instant::now();
        for i in 0..count {
            let sent = Instant::now();
            last_revision = store
                .put(key(i), value(i, settings.size))
                .await
                .map_err(|e| op_error("put", i, count, &e))?;
            record_latency(&mut histogram, sent.elapsed());
            progress.counter(puts).set(i + 1);
        }
        Ok(span(histogram, count, settings.size, start))
    };
    let put = guard(monitor, Some(&progress), settings.idle_timeout, timed_puts).await?;

    let timed_gets = async {
        let mut histogram = latency_histogram()?;
        let start = Instant::now();
        for i in 0..count {
            let sent = Instant::now();
            let got = store
                .get(key(i))
                .await
                .map_err(|e| op_error("get", i, count, &e))?;
            record_latency(&mut histogram, sent.elapsed());
            let wanted = last_put(i % args.keys, args.keys, count);
            if got != Some(value(wanted, settings.size)) {
                return Err(BenchError::JetStream(format!(
                    "get {} of {count} (key {}) did not return the value of put {}",
                    i + 1,
                    key(i),
                    wanted + 1
                )));
            }
            progress.counter(gets).set(i + 1);
        }
        Ok(span(histogram, count, settings.size, start))
    };
    let get = guard(monitor, Some(&progress), settings.idle_timeout, timed_gets).await?;

    let mut report = Report::new(
        "kv",
        &settings.server,
        &settings.subject,
        count,
        settings.size,
    );
    report.kv = Some(KvSummary {
        bucket: args.bucket.name.clone(),
        storage: args.bucket.storage.as_str(),
        keys: keys.len() as u64,
        last_revision,
        kept: args.bucket.keep,
        put,
        get,
    });
    Ok(report)
}

/// The value of put `i`: `size` bytes, the first (up to 8) holding `i`
/// little-endian, the rest a fixed pattern.
fn value(i: u64, size: usize) -> Bytes {
    let mut data = BytesMut::with_capacity(size);
    let index = i.to_le_bytes();
    let head = size.min(index.len());
    data.extend_from_slice(&index[..head]);
    data.extend((head..size).map(|at| b'a' + (at % 26) as u8));
    data.freeze()
}

/// The index of the last of `count` puts to key `key` of `keys`.
fn last_put(key: u64, keys: u64, count: u64) -> u64 {
    key + (count - 1 - key) / keys * keys
}

fn span(histogram: Histogram<u64>, count: u64, size: usize, start: Instant) -> LatencyStats {
    let sample = Sample {
        msgs: count,
        bytes: count * size as u64,
        start,
        end: Instant::now(),
    };
    LatencyStats::new(&histogram, &sample)
}

fn op_error(what: &str, i: u64, count: u64, err: &dyn std::fmt::Display) -> BenchError {
    BenchError::JetStream(format!("{what} {} of {count} failed: {err}", i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_put_is_the_last_round() {
        // 10 puts over 4 keys: key 0 <- 0, 4, 8; key 1 <- 1, 5, 9; key 3 <- 3, 7.
        assert_eq!(last_put(0, 4, 10), 8);
        assert_eq!(last_put(1, 4, 10), 9);
        assert_eq!(last_put(3, 4, 10), 7);
        assert_eq!(last_put(2, 1000, 5), 2);
    }

    #[test]
    fn values_carry_their_put() {
        assert_eq!(value(7, 16).len(), 16);
        assert_ne!(value(7, 16), value(8, 16));
        assert_eq!(value(0x0102, 2).as_ref(), &[2, 1]);
        assert!(value(3, 0).is_empty());
    }
}
