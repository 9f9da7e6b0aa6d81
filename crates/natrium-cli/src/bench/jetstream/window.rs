//! Publishing with acknowledgements, a bounded number in flight.
//!
//! [`publish_all`] keeps up to `window` publishes awaiting their ack in a
//! [`FuturesOrdered`]: every ack future is polled as soon as its reply
//! arrives (so its latency is stamped then), but results come out in
//! publish order, which lets each ack be checked against the previous one
//! without storing them all:
//!
//! * no error, and the ack names the expected stream;
//! * not a duplicate;
//! * its sequence is strictly greater than the previous publish's.
//!
//! Latency is from just before `publish` to the ack, in nanoseconds, in an
//! HDR histogram.

use std::time::{Duration, Instant};

use async_nats::jetstream::context::{PublishAckFuture, PublishErrorKind};
use async_nats::jetstream::publish::PublishAck;
use async_nats::jetstream::{self, context::PublishError};
use async_nats::Subject;
use bytes::Bytes;
use futures::stream::FuturesOrdered;
use futures::{FutureExt, StreamExt};
use hdrhistogram::Histogram;

use super::super::report::Sample;
use super::super::watch::Counter;
use super::super::BenchError;

/// Histogram range: 10 ns to 10 min, 3 significant digits.
const HISTOGRAM_LOW_NS: u64 = 10;
const HISTOGRAM_HIGH_NS: u64 = 600_000_000_000;

/// What one publishing run needs.
pub struct Job<'a> {
    pub js: &'a jetstream::Context,
    pub subject: Subject,
    pub payload: Bytes,
    pub count: u64,
    pub window: usize,
    pub stream: &'a str,
    /// Acks received so far, for the stall watcher.
    pub counter: &'a Counter,
}

/// The result of a run whose every ack was valid.
#[derive(Debug)]
pub struct Outcome {
    pub histogram: Histogram<u64>,
    /// From the first publish to the last ack.
    pub sample: Sample,
    pub first_seq: u64,
    pub last_seq: u64,
}

/// Checks acks in publish order.
struct Checker<'a> {
    stream: &'a str,
    count: u64,
    checked: u64,
    first_seq: u64,
    last_seq: u64,
    histogram: Histogram<u64>,
}

impl Checker<'_> {
    fn check(
        &mut self,
        (result, latency): (Result<PublishAck, PublishError>, Duration),
    ) -> Result<(), BenchError> {
        let number = self.checked + 1;
        let ack = result.map_err(|err| ack_error(number, self.count, self.stream, &err))?;
        let bad = |what: String| {
            BenchError::JetStream(format!(
                "bad ack for publish {number} of {}: {what}",
                self.count
            ))
        };
        if ack.stream != self.stream {
            return Err(bad(format!(
                "stored in stream '{}', expected '{}'",
                ack.stream, self.stream
            )));
        }
        if ack.duplicate {
            return Err(bad(format!(
                "flagged duplicate (sequence {})",
                ack.sequence
            )));
        }
        if self.checked > 0 && ack.sequence <= self.last_seq {
            return Err(bad(format!(
                "sequence {} is not above the previous publish's {}",
                ack.sequence, self.last_seq
            )));
        }
        if self.checked == 0 {
            self.first_seq = ack.sequence;
        }
        self.last_seq = ack.sequence;
        self.checked = number;
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.histogram
            .saturating_record(nanos.max(HISTOGRAM_LOW_NS));
        Ok(())
    }
}

/// Publishes `job.count` messages, at most `job.window` unacknowledged.
pub async fn publish_all(job: Job<'_>) -> Result<Outcome, BenchError> {
    let histogram = Histogram::new_with_bounds(HISTOGRAM_LOW_NS, HISTOGRAM_HIGH_NS, 3)
        .map_err(|e| BenchError::Client(format!("creating histogram failed: {e}")))?;
    let mut checker = Checker {
        stream: job.stream,
        count: job.count,
        checked: 0,
        first_seq: 0,
        last_seq: 0,
        histogram,
    };
    let mut in_flight = FuturesOrdered::new();
    let mut sent = 0u64;
    let start = Instant::now();
    while checker.checked < job.count {
        // Take every ack already in, so that each is stamped when it arrived.
        while let Some(Some(done)) = in_flight.next().now_or_never() {
            checker.check(done)?;
        }
        job.counter.set(checker.checked);
        if in_flight.len() < job.window && sent < job.count {
            let sent_at = Instant::now();
            let ack = job
                .js
                .publish(job.subject.clone(), job.payload.clone())
                .await
                .map_err(|err| ack_error(sent + 1, job.count, job.stream, &err))?;
            in_flight.push_back(timed(ack, sent_at));
            sent += 1;
            continue;
        }
        match in_flight.next().await {
            Some(done) => checker.check(done)?,
            None if checker.checked < job.count => {
                return Err(BenchError::Client(
                    "ran out of publishes to wait for".into(),
                ))
            }
            None => break,
        }
    }
    job.counter.set(checker.checked);
    let end = Instant::now();
    Ok(Outcome {
        histogram: checker.histogram,
        sample: Sample {
            msgs: job.count,
            bytes: job.count * job.payload.len() as u64,
            start,
            end,
        },
        first_seq: checker.first_seq,
        last_seq: checker.last_seq,
    })
}

/// Waits for one ack and measures its round trip from `sent_at`.
async fn timed(
    ack: PublishAckFuture,
    sent_at: Instant,
) -> (Result<PublishAck, PublishError>, Duration) {
    let result = ack.await;
    (result, sent_at.elapsed())
}

fn ack_error(number: u64, count: u64, stream: &str, err: &PublishError) -> BenchError {
    let what = match err.kind() {
        PublishErrorKind::StreamNotFound => {
            format!(
                "no stream stores this subject (stream '{stream}' missing or listening elsewhere)"
            )
        }
        PublishErrorKind::TimedOut => {
            "no ack before the timeout (raise --timeout if the server is just slow)".into()
        }
        _ => err.to_string(),
    };
    BenchError::JetStream(format!("publish {number} of {count} failed: {what}"))
}
