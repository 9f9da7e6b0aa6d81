//! JetStream workloads: `natrium bench js pub` (here) and `js fetch`
//! ([`fetch`]), plus what the key-value and object store workloads share
//! with them ([`connect`], [`finish`]).
//!
//! One connection, one JetStream context. The `js pub` run is:
//!
//! 1. [`stream::prepare`]: check that JetStream answers, then create the
//!    stream (or reuse it, or with `--purge` delete and recreate it);
//! 2. [`window::publish_all`]: publish `--msgs` messages with at most
//!    `--window` acks outstanding, checking every ack;
//! 3. read the stream's state and check it grew by `--msgs` messages;
//! 4. delete the stream unless `--keep`, whether the run succeeded or not.
//!
//! [`summary`] holds the JetStream part of the report.

pub mod consume;
pub mod fetch;
pub mod stream;
pub mod summary;
pub mod window;

use std::future::Future;
use std::sync::Arc;

use async_nats::connection::State;
use async_nats::jetstream::{self, ContextBuilder};
use async_nats::{Client, Subject};

use self::stream::{Prepared, Wanted};
use self::summary::JetStreamSummary;
use super::conn::{self, Role};
use super::report::{LatencyStats, Report};
use super::watch::{guard, Monitor, Progress};
use super::{BenchError, Settings};
use crate::cli::js::JsPubArgs;

/// Runs `natrium bench js pub`.
pub async fn run_pub(settings: &Settings, args: &JsPubArgs) -> Result<Report, BenchError> {
    super::check_publish_subject(&settings.subject)?;
    let monitor = Monitor::new();
    let (client, js) = connect(settings, "js-pub", Role::Requester, &monitor, args.window).await?;
    conn::check_payload(&client, settings.size)?;
    let prepared = prepare(settings, args, &js, &monitor).await?;
    let result = measure(settings, args, &js, &prepared, &monitor).await;
    let cleanup = stream::delete(&js, &args.stream);
    finish(client, &monitor, args.keep, result, cleanup).await
}

/// Step 1, for `js pub` and `js fetch`: the stream of `args` on the subject
/// of `settings`, made ready (guarded: a lost server fails it at once).
async fn prepare(
    settings: &Settings,
    args: &JsPubArgs,
    js: &jetstream::Context,
    monitor: &Monitor,
) -> Result<Prepared, BenchError> {
    let wanted = Wanted {
        url: &settings.server,
        name: &args.stream,
        subject: &settings.subject,
        storage: args.storage,
        purge: args.purge,
    };
    let work = stream::prepare(js, wanted);
    guard(monitor, None, settings.idle_timeout, work).await
}

/// Checks the URL and opens the run's one connection, named
/// `natrium-bench-{what}-1`, and its JetStream context (API calls time out
/// after `--timeout`; at most `window` publishes await their ack).
pub(crate) async fn connect(
    settings: &Settings,
    what: &str,
    role: Role,
    monitor: &Arc<Monitor>,
    window: usize,
) -> Result<(Client, jetstream::Context), BenchError> {
    conn::check_url(settings)?;
    let name = format!("natrium-bench-{what}-1");
    let client = conn::connect(settings, name, role, monitor).await?;
    let js = ContextBuilder::new()
        .timeout(settings.idle_timeout)
        .max_ack_inflight(window)
        .build(client.clone());
    Ok((client, js))
}

/// Ends a run: runs `cleanup` (deleting the stream or bucket) unless `keep`,
/// or unless the server is gone (then there is nothing to delete and no
/// reason to wait for a timeout), whether the run succeeded or not. Returns
/// the run's failure first, else the cleanup's, else the report.
pub(crate) async fn finish(
    client: Client,
    monitor: &Monitor,
    keep: bool,
    result: Result<Report, BenchError>,
    cleanup: impl Future<Output = Result<(), BenchError>>,
) -> Result<Report, BenchError> {
    let connected = client.connection_state() == State::Connected;
    let cleanup = if keep || !connected {
        Ok(())
    } else {
        cleanup.await
    };
    monitor.disarm();
    drop(client);
    let report = result?;
    cleanup?;
    Ok(report)
}

/// Steps 2 and 3: publish, then check the stream's state.
async fn measure(
    settings: &Settings,
    args: &JsPubArgs,
    js: &jetstream::Context,
    prepared: &Prepared,
    monitor: &Arc<Monitor>,
) -> Result<Report, BenchError> {
    let mut progress = Progress::new(false);
    let counter = progress.add("acks".into(), settings.msgs);
    let subject = Subject::from(settings.subject.as_str());
    let job = window::Job {
        js,
        subject,
        payload: super::static_payload(settings.size),
        count: settings.msgs,
        window: args.window,
        stream: &args.stream,
        counter: progress.counter(counter),
    };
    let outcome = guard(
        monitor,
        Some(&progress),
        settings.idle_timeout,
        window::publish_all(job),
    )
    .await?;
    let state = stream::state(js, &args.stream).await?;
    let expected = prepared.messages_before + settings.msgs;
    if !prepared.limited && state.messages != expected {
        return Err(BenchError::JetStream(format!(
            "stream '{}' holds {} messages after the run, expected {expected} \
             ({} before + {} acked)",
            args.stream, state.messages, prepared.messages_before, settings.msgs
        )));
    }
    let mut report = Report::new(
        "js-pub",
        &settings.server,
        &settings.subject,
        settings.msgs,
        settings.size,
    )
    .with_throughput(&[outcome.sample], &[]);
    report.jetstream = Some(JetStreamSummary {
        stream: args.stream.clone(),
        storage: args.storage.as_str(),
        window: args.window,
        setup: prepared.setup,
        kept: args.keep,
        first_seq: outcome.first_seq,
        last_seq: outcome.last_seq,
        stream_msgs: state.messages,
        stream_bytes: state.bytes,
        ack_latency: LatencyStats::new(&outcome.histogram, &outcome.sample),
    });
    Ok(report)
}
