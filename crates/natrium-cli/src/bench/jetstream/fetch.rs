//! `natrium bench js fetch`: consume a stream with a pull consumer.
//!
//! The run is:
//!
//! 1. prepare the stream and fill it with `--msgs` messages exactly as
//!    `js pub` does (same checks), but without reporting that phase: only
//!    the sequences of the filled messages are kept;
//! 2. [`consume::create`] a durable pull consumer starting at the first of
//!    them, then time [`consume::consume_all`] and wait for the server to
//!    have every ack ([`consume::settle`], not timed);
//! 3. delete the stream unless `--keep`, whether the run succeeded or not.
//!
//! [`FetchSummary`] is the `fetch` object of the report; the rate is the
//! report's `sub` group (one consumer).

use std::fmt::Write as _;
use std::sync::Arc;

use async_nats::jetstream;
use serde::Serialize;

use super::super::conn::{self, Role};
use super::super::report::{group_digits, Report};
use super::super::watch::{guard, Monitor, Progress};
use super::super::{BenchError, Settings};
use super::stream;
use super::{connect, consume, finish};
use crate::cli::js::JsFetchArgs;

/// The consumer and the messages it took.
#[derive(Debug, Clone, Serialize)]
pub struct FetchSummary {
    pub stream: String,
    /// `file` or `memory`.
    pub storage: &'static str,
    /// `created`, `recreated` (with --purge) or `reused`.
    pub setup: &'static str,
    pub consumer: String,
    /// Messages asked for per fetch, and fetch requests sent.
    pub batch: usize,
    pub fetches: u64,
    /// Stream sequences of the first and last message consumed.
    pub first_seq: u64,
    pub last_seq: u64,
    /// Whether the stream was left in place at the end (--keep).
    pub kept: bool,
}

impl FetchSummary {
    /// Appends the human-readable lines.
    pub fn human(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "\nStream '{}' ({} storage, {}), consumer '{}': sequences {}..{} fetched \
             {} at a time in {} fetches, each acked once; stream {}",
            self.stream,
            self.storage,
            self.setup,
            self.consumer,
            group_digits(self.first_seq),
            group_digits(self.last_seq),
            group_digits(self.batch as u64),
            group_digits(self.fetches),
            if self.kept { "kept" } else { "then deleted" }
        );
    }
}

/// Runs `natrium bench js fetch`.
pub async fn run(settings: &Settings, args: &JsFetchArgs) -> Result<Report, BenchError> {
    let fill = &args.fill;
    super::super::check_publish_subject(&settings.subject)?;
    let monitor = Monitor::new();
    let role = Role::Subscriber {
        expected: args.batch as u64,
    };
    let (client, js) = connect(settings, "js-fetch", role, &monitor, fill.window).await?;
    conn::check_payload(&client, settings.size)?;
    let result = async {
        let prepared = super::prepare(settings, fill, &js, &monitor).await?;
        let filled = super::measure(settings, fill, &js, &prepared, &monitor).await?;
        let (first_seq, setup) = match &filled.jetstream {
            Some(summary) => (summary.first_seq, summary.setup),
            None => return Err(BenchError::Client("the fill reported no sequences".into())),
        };
        measure(settings, args, &js, &client, &monitor, first_seq, setup).await
    }
    .await;
    let cleanup = stream::delete(&js, &fill.stream);
    finish(client, &monitor, fill.keep, result, cleanup).await
}

/// Step 2: create the consumer, consume and ack everything, settle.
async fn measure(
    settings: &Settings,
    args: &JsFetchArgs,
    js: &jetstream::Context,
    client: &async_nats::Client,
    monitor: &Arc<Monitor>,
    first_seq: u64,
    setup: &'static str,
) -> Result<Report, BenchError> {
    let fill = &args.fill;
    let consumer = consume::create(js, &fill.stream, &args.consumer, first_seq).await?;
    let mut progress = Progress::new(false);
    let counter = progress.add("consumer".into(), settings.msgs);
    let job = consume::Job {
        client,
        consumer: &consumer,
        first_seq,
        count: settings.msgs,
        batch: args.batch,
        counter: progress.counter(counter),
    };
    let work = async {
        let outcome = consume::consume_all(job).await?;
        consume::settle(&consumer, settings.msgs).await?;
        Ok(outcome)
    };
    let outcome = guard(monitor, Some(&progress), settings.idle_timeout, work).await?;
    let mut report = Report::new(
        "js-fetch",
        &settings.server,
        &settings.subject,
        settings.msgs,
        settings.size,
    )
    .with_throughput(&[], &[outcome.sample]);
    report.fetch = Some(FetchSummary {
        stream: fill.stream.clone(),
        storage: fill.storage.as_str(),
        setup,
        consumer: args.consumer.clone(),
        batch: args.batch,
        fetches: outcome.fetches,
        first_seq,
        last_seq: first_seq + settings.msgs.saturating_sub(1),
        kept: fill.keep,
    });
    Ok(report)
}
