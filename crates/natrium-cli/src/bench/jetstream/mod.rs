//! JetStream workloads: `natrium bench js pub`.
//!
//! One connection, one JetStream context. The run is:
//!
//! 1. [`stream::prepare`]: check that JetStream answers, then create the
//!    stream (or reuse it, or with `--purge` delete and recreate it);
//! 2. [`window::publish_all`]: publish `--msgs` messages with at most
//!    `--window` acks outstanding, checking every ack;
//! 3. read the stream's state and check it grew by `--msgs` messages;
//! 4. delete the stream unless `--keep`, whether the run succeeded or not.
//!
//! [`summary`] holds the JetStream part of the report.

pub mod stream;
pub mod summary;
pub mod window;

use std::sync::Arc;

use async_nats::jetstream::{self, ContextBuilder};
use async_nats::Subject;

use self::stream::{Prepared, Wanted};
use self::summary::JetStreamSummary;
use super::conn::{self, Role};
use super::report::{LatencyStats, Report};
use super::watch::{guard, Monitor, Progress};
use super::{BenchError, Settings};
use crate::cli::js::JsPubArgs;

/// Runs `natrium bench js pub`.
pub async fn run_pub(settings: &Settings, args: &JsPubArgs) -> Result<Report, BenchError> {
    conn::check_url(&settings.server)?;
    super::check_publish_subject(&settings.subject)?;
    let monitor = Monitor::new();
    let client = conn::connect(
        settings,
        "natrium-bench-js-pub-1".into(),
        Role::Requester,
        &monitor,
    )
    .await?;
    conn::check_payload(&client, settings.size)?;
    let js = ContextBuilder::new()
        .timeout(settings.idle_timeout)
        .max_ack_inflight(args.window)
        .build(client.clone());
    let wanted = Wanted {
        url: &settings.server,
        name: &args.stream,
        subject: &settings.subject,
        storage: args.storage,
        purge: args.purge,
    };
    let prepared = guard(
        &monitor,
        None,
        settings.idle_timeout,
        stream::prepare(&js, wanted),
    )
    .await?;

    let result = measure(settings, args, &js, &prepared, &monitor).await;
    // Without a server there is nothing to delete; do not wait for a timeout.
    let connected = client.connection_state() == async_nats::connection::State::Connected;
    let cleanup = if args.keep || !connected {
        Ok(())
    } else {
        stream::delete(&js, &args.stream).await
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
