//! Consuming a stream with a durable pull consumer and `fetch`, for
//! `natrium bench js fetch`.
//!
//! [`create`] makes the consumer (explicit acks, starting at the first
//! message of the run, no limit on unacknowledged messages so that the
//! measurement is of delivery and acking rather than of a pending cap that
//! an asynchronous ack may hit a moment early). [`consume_all`] then loops
//! on `fetch().max_messages(batch)` (a no-wait pull: it returns what is
//! there, up to the batch) until every message is in, acking each with a
//! plain ack and checking it:
//!
//! * delivered for the first time (no redelivery);
//! * its stream sequence is the next one expected, so every message
//!   arrives once and in stream order.
//!
//! [`settle`] finally waits until the server has every ack (nothing pending
//! or awaiting an ack), so a run cannot pass with lost acks.

use std::time::{Duration, Instant};

use async_nats::jetstream::consumer::pull::Config as PullConfig;
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, PullConsumer};
use async_nats::jetstream::{self, ErrorCode};
use async_nats::Client;
use futures::StreamExt;

use super::super::report::Sample;
use super::super::watch::Counter;
use super::super::BenchError;

/// Interval between consumer info requests while waiting for the last acks.
const SETTLE_POLL: Duration = Duration::from_millis(10);

/// What one consuming run needs.
pub struct Job<'a> {
    pub client: &'a Client,
    pub consumer: &'a PullConsumer,
    /// Stream sequence of the first message expected.
    pub first_seq: u64,
    pub count: u64,
    pub batch: usize,
    /// Messages consumed so far, for the stall watcher.
    pub counter: &'a Counter,
}

/// The result of a run in which every message was valid.
#[derive(Debug)]
pub struct Outcome {
    /// From the first fetch to the last ack flushed to the server.
    pub sample: Sample,
    /// Fetch requests sent.
    pub fetches: u64,
}

/// Creates the durable pull consumer `name` on `stream`, starting at
/// `first_seq`; a consumer of that name left by an earlier run is replaced.
pub async fn create(
    js: &jetstream::Context,
    stream: &str,
    name: &str,
    first_seq: u64,
) -> Result<PullConsumer, BenchError> {
    let failed = |what: &str, err: &dyn std::fmt::Display| {
        BenchError::JetStream(format!(
            "consumer '{name}' on stream '{stream}' {what} failed: {err}"
        ))
    };
    let handle = js
        .get_stream_no_info(stream)
        .await
        .map_err(|e| failed("stream lookup", &e))?;
    if let Err(err) = handle.delete_consumer(name).await {
        let missing = matches!(
            err.kind(),
            jetstream::stream::ConsumerErrorKind::JetStream(inner)
                if inner.error_code() == ErrorCode::CONSUMER_NOT_FOUND
        );
        if !missing {
            return Err(failed("delete", &err));
        }
    }
    let config = PullConfig {
        durable_name: Some(name.to_string()),
        ack_policy: AckPolicy::Explicit,
        deliver_policy: DeliverPolicy::ByStartSequence {
            start_sequence: first_seq,
        },
        max_ack_pending: -1,
        ..Default::default()
    };
    handle
        .create_consumer(config)
        .await
        .map_err(|e| failed("create", &e))
}

/// Fetches and acks `job.count` messages, checking each.
pub async fn consume_all(job: Job<'_>) -> Result<Outcome, BenchError> {
    let mut expected = job.first_seq;
    let mut received = 0u64;
    let mut bytes = 0u64;
    let mut fetches = 0u64;
    let start = Instant::now();
    while received < job.count {
        let want = usize::try_from(job.count - received).map_or(job.batch, |n| n.min(job.batch));
        let mut batch = job
            .consumer
            .fetch()
            .max_messages(want)
            .messages()
            .await
            .map_err(|e| BenchError::JetStream(format!("fetch {} failed: {e}", fetches + 1)))?;
        fetches += 1;
        while let Some(message) = batch.next().await {
            let number = received + 1;
            let bad = |what: String| {
                BenchError::JetStream(format!(
                    "bad message {number} of {} (fetch {fetches}): {what}",
                    job.count
                ))
            };
            let message = message.map_err(|e| bad(e.to_string()))?;
            let info = message
                .info()
                .map_err(|e| bad(format!("no JetStream info: {e}")))?;
            if info.stream_sequence != expected {
                return Err(bad(format!(
                    "stream sequence {}, expected {expected} (lost, repeated or out of order)",
                    info.stream_sequence
                )));
            }
            if info.delivered != 1 {
                return Err(bad(format!("delivered {} times", info.delivered)));
            }
            message
                .ack()
                .await
                .map_err(|e| bad(format!("ack failed: {e}")))?;
            expected += 1;
            bytes += message.payload.len() as u64;
            received = number;
            job.counter.set(received);
            if received == job.count {
                break;
            }
        }
    }
    job.client
        .flush()
        .await
        .map_err(|e| BenchError::Client(format!("flushing the acks failed: {e}")))?;
    let end = Instant::now();
    Ok(Outcome {
        sample: Sample {
            msgs: job.count,
            bytes,
            start,
            end,
        },
        fetches,
    })
}

/// Waits until the consumer has nothing pending and no message awaiting an
/// ack (the acks are published without waiting for the server).
pub async fn settle(consumer: &PullConsumer, count: u64) -> Result<(), BenchError> {
    loop {
        let info = consumer
            .get_info()
            .await
            .map_err(|e| BenchError::JetStream(format!("consumer info failed: {e}")))?;
        if info.num_pending > 0 {
            return Err(BenchError::JetStream(format!(
                "{} messages still pending after consuming {count}",
                info.num_pending
            )));
        }
        if info.num_ack_pending == 0 {
            return Ok(());
        }
        tokio::time::sleep(SETTLE_POLL).await;
    }
}
