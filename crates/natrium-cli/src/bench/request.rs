//! Latency workloads: `bench request` and `bench reply`.
//!
//! A requester sends one request at a time on its own connection and waits
//! for the reply; each round trip (publish to reply received) goes into an
//! HDR histogram, and the per-requester histograms are merged at the end.
//!
//! Rather than `Client::request`, which creates an inbox, a oneshot channel
//! and a map entry per request, each requester subscribes once to its own
//! inbox and publishes with that reply subject: the measured path is then
//! the server's, plus the least the client can add.
//!
//! Responders (in-process with `--reply-in-process`, or `bench reply`) join
//! the queue group `natrium-bench` and echo each request's payload back, so
//! several of them share the load and a reply is as large as its request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use async_nats::{Client, StatusCode, Subject, Subscriber};
use bytes::Bytes;
use futures::StreamExt;
use hdrhistogram::Histogram;
use tokio::sync::{watch, Barrier};
use tokio::task::JoinSet;

use super::conn::{self, client_error, Role};
use super::report::{Latency, LatencyStats, Report, Sample, Throughput};
use super::watch::{guard, Monitor, Progress};
use super::{split, BenchError, Settings};

/// Queue group shared by all responders.
pub const QUEUE_GROUP: &str = "natrium-bench";

/// Histogram range: 10 ns to 60 s, 3 significant digits.
const HISTOGRAM_LOW_NS: u64 = 10;
const HISTOGRAM_HIGH_NS: u64 = 60_000_000_000;

/// `bench request` options beyond the common ones.
#[derive(Debug, Clone)]
pub struct RequestOptions {
    /// Concurrent requesters.
    pub clients: usize,
    /// Start an in-process responder connection.
    pub reply_in_process: bool,
    /// Unrecorded requests per requester before measuring.
    pub warmup: u64,
}

/// Runs `options.clients` requesters for `settings.msgs` requests in total.
pub async fn run_requesters(
    settings: &Settings,
    options: &RequestOptions,
) -> Result<Report, BenchError> {
    conn::check_url(settings)?;
    super::check_publish_subject(&settings.subject)?;
    let subject = Subject::from_static(Box::leak(settings.subject.clone().into_boxed_str()));
    let payload = super::static_payload(settings.size);
    let monitor = Monitor::new();

    // Responder first, subscribed and confirmed before any request.
    let (stop, stopped) = watch::channel(false);
    let mut responders = JoinSet::new();
    let mut responder_clients = Vec::new();
    if options.reply_in_process {
        let client = conn::connect(
            settings,
            "natrium-bench-reply-1".into(),
            Role::Responder,
            &monitor,
        )
        .await?;
        let requests = client
            .queue_subscribe(subject.clone(), QUEUE_GROUP.into())
            .await
            .map_err(|e| client_error("subscribe", e))?;
        client.flush().await.map_err(|e| client_error("flush", e))?;
        let job = Responder {
            client: client.clone(),
            requests,
            served: Arc::new(AtomicU64::new(0)),
            limit: 0,
            stop: Arc::new(stop),
            stopped,
        };
        responders.spawn(job.run());
        responder_clients.push(client);
    }

    let shares = split(settings.msgs, options.clients);
    let mut progress = Progress::new(false);
    let counters: Vec<usize> = shares
        .iter()
        .enumerate()
        .map(|(i, share)| progress.add(format!("requester {}", i + 1), *share))
        .collect();
    let progress = Arc::new(progress);

    let clients = conn::connect_many(
        settings,
        "natrium-bench-request",
        options.clients,
        Role::Requester,
        &monitor,
    )
    .await?;
    if let Some(client) = clients.first() {
        conn::check_payload(client, settings.size)?;
    }
    let barrier = Arc::new(Barrier::new(options.clients));
    let mut tasks = JoinSet::new();
    for (i, ((client, share), counter)) in clients.iter().zip(&shares).zip(counters).enumerate() {
        let inbox = Subject::from(client.new_inbox());
        let replies = client
            .subscribe(inbox.clone())
            .await
            .map_err(|e| client_error("subscribe", e))?;
        client.flush().await.map_err(|e| client_error("flush", e))?;
        let job = Requester {
            client: client.clone(),
            subject: subject.clone(),
            inbox,
            replies,
            payload: payload.clone(),
            warmup: options.warmup,
            count: *share,
            settings: settings.clone(),
            barrier: Arc::clone(&barrier),
            progress: Arc::clone(&progress),
            counter,
        };
        tasks.spawn(async move { job.run().await.map(|result| (i, result)) });
    }

    let collect = async {
        let mut done = Vec::with_capacity(options.clients);
        while let Some(joined) = tasks.join_next().await {
            done.push(joined.map_err(|e| client_error("requester task", e))??);
        }
        Ok(done)
    };
    let mut done = guard(&monitor, Some(&progress), settings.idle_timeout, collect).await?;
    monitor.disarm();
    responders.abort_all();
    drop((clients, responder_clients));

    done.sort_by_key(|(i, _)| *i);
    let mut total = new_histogram()?;
    let mut per_client = Vec::with_capacity(done.len());
    let mut spans = Vec::with_capacity(done.len());
    for (_, (histogram, span)) in &done {
        total
            .add(histogram)
            .map_err(|e| client_error("merging histograms", e))?;
        per_client.push(LatencyStats::new(histogram, span));
        spans.push(*span);
    }
    let whole = whole_span(&spans);
    let mut report = Report::new(
        "request",
        &settings.server,
        &settings.subject,
        settings.msgs,
        settings.size,
    );
    report.latency = Some(Latency {
        clients: options.clients,
        total: LatencyStats::new(&total, &whole),
        per_client,
    });
    Ok(report)
}

/// Runs `clients` responders until `settings.msgs` replies (0: until Ctrl-C).
pub async fn run_responders(
    settings: &Settings,
    clients: usize,
    quiet: bool,
) -> Result<Report, BenchError> {
    conn::check_url(settings)?;
    super::check_subscribe_subject(&settings.subject)?;
    let monitor = Monitor::new();
    let connections = conn::connect_many(
        settings,
        "natrium-bench-reply",
        clients,
        Role::Responder,
        &monitor,
    )
    .await?;
    let (stop, stopped) = watch::channel(false);
    let stop = Arc::new(stop);
    let served = Arc::new(AtomicU64::new(0));
    let mut tasks = JoinSet::new();
    for client in &connections {
        let requests = client
            .queue_subscribe(settings.subject.clone(), QUEUE_GROUP.into())
            .await
            .map_err(|e| client_error("subscribe", e))?;
        client.flush().await.map_err(|e| client_error("flush", e))?;
        let job = Responder {
            client: client.clone(),
            requests,
            served: Arc::clone(&served),
            limit: settings.msgs,
            stop: Arc::clone(&stop),
            stopped: stopped.clone(),
        };
        tasks.spawn(job.run());
    }
    if !quiet {
        let until = if settings.msgs == 0 {
            "Ctrl-C".to_string()
        } else {
            format!("{} replies or Ctrl-C", settings.msgs)
        };
        eprintln!(
            "{clients} responder(s) on '{}' (queue group {QUEUE_GROUP}), serving until {until}",
            settings.subject
        );
    }

    let collect = async {
        let interrupted = async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        let mut all_stopped = stop.subscribe();
        tokio::select! {
            _ = interrupted => {}
            _ = all_stopped.wait_for(|stopped| *stopped) => {}
        }
        stop.send_replace(true);
        let mut samples = Vec::with_capacity(clients);
        while let Some(joined) = tasks.join_next().await {
            samples.push(joined.map_err(|e| client_error("responder task", e))??);
        }
        Ok(samples)
    };
    let samples = guard(&monitor, None, settings.idle_timeout, collect).await?;
    monitor.disarm();
    drop(connections);

    let mut report = Report::new(
        "reply",
        &settings.server,
        &settings.subject,
        settings.msgs,
        settings.size,
    );
    report.responders = Some(Throughput::from_samples(&samples));
    Ok(report)
}

/// One requester's work.
struct Requester {
    client: Client,
    subject: Subject,
    inbox: Subject,
    replies: Subscriber,
    payload: Bytes,
    warmup: u64,
    count: u64,
    settings: Settings,
    barrier: Arc<Barrier>,
    progress: Arc<Progress>,
    counter: usize,
}

impl Requester {
    /// Warms up, waits for the others, then times `count` round trips.
    async fn run(mut self) -> Result<(Histogram<u64>, Sample), BenchError> {
        let mut histogram = new_histogram()?;
        let progress = Arc::clone(&self.progress);
        let counter = progress.counter(self.counter);
        for warm in 1..=self.warmup {
            tokio::time::timeout(self.settings.idle_timeout, self.round_trip())
                .await
                .map_err(|_| BenchError::NoResponders {
                    subject: self.settings.subject.clone(),
                })??;
            // Moving the counter keeps the stall watcher quiet during warm-up.
            counter.set(warm);
        }
        counter.set(0);
        self.barrier.wait().await;
        let start = Instant::now();
        for done in 1..=self.count {
            let nanos = self.round_trip().await?;
            histogram.saturating_record(nanos.max(HISTOGRAM_LOW_NS));
            counter.set(done);
        }
        let end = Instant::now();
        let sample = Sample {
            msgs: self.count,
            bytes: self.count * self.payload.len() as u64,
            start,
            end,
        };
        Ok((histogram, sample))
    }

    /// One request and its reply; returns the round trip in nanoseconds.
    async fn round_trip(&mut self) -> Result<u64, BenchError> {
        let sent = Instant::now();
        self.client
            .publish_with_reply(
                self.subject.clone(),
                self.inbox.clone(),
                self.payload.clone(),
            )
            .await
            .map_err(|e| client_error("publish", e))?;
        let reply = self.replies.next().await.ok_or_else(|| {
            BenchError::Client("reply subscription closed before all replies arrived".into())
        })?;
        let nanos = u64::try_from(sent.elapsed().as_nanos()).unwrap_or(u64::MAX);
        if reply.status == Some(StatusCode::NO_RESPONDERS) {
            return Err(BenchError::NoResponders {
                subject: self.settings.subject.clone(),
            });
        }
        Ok(nanos)
    }
}

/// One responder's work: echo every request until told to stop.
struct Responder {
    client: Client,
    requests: Subscriber,
    /// Replies sent by all responders of this process.
    served: Arc<AtomicU64>,
    /// Stop everyone after this many replies in total (0: never).
    limit: u64,
    stop: Arc<watch::Sender<bool>>,
    stopped: watch::Receiver<bool>,
}

impl Responder {
    async fn run(mut self) -> Result<Sample, BenchError> {
        let mut first = None;
        let mut last = Instant::now();
        let mut msgs = 0;
        let mut bytes = 0;
        loop {
            let request = tokio::select! {
                request = self.requests.next() => request,
                _ = self.stopped.wait_for(|stopped| *stopped) => None,
            };
            let Some(request) = request else { break };
            let Some(reply) = request.reply else { continue };
            first.get_or_insert_with(Instant::now);
            bytes += request.payload.len() as u64;
            self.client
                .publish(reply, request.payload)
                .await
                .map_err(|e| client_error("reply", e))?;
            msgs += 1;
            last = Instant::now();
            let total = self.served.fetch_add(1, Ordering::Relaxed) + 1;
            if self.limit > 0 && total >= self.limit {
                self.client
                    .flush()
                    .await
                    .map_err(|e| client_error("flush", e))?;
                self.stop.send_replace(true);
            }
        }
        Ok(Sample {
            msgs,
            bytes,
            start: first.unwrap_or(last),
            end: last,
        })
    }
}

fn new_histogram() -> Result<Histogram<u64>, BenchError> {
    Histogram::new_with_bounds(HISTOGRAM_LOW_NS, HISTOGRAM_HIGH_NS, 3)
        .map_err(|e| client_error("creating histogram", e))
}

/// The span from the earliest start to the latest end, with all messages.
fn whole_span(spans: &[Sample]) -> Sample {
    let now = Instant::now();
    Sample {
        msgs: spans.iter().map(|s| s.msgs).sum(),
        bytes: spans.iter().map(|s| s.bytes).sum(),
        start: spans.iter().map(|s| s.start).min().unwrap_or(now),
        end: spans.iter().map(|s| s.end).max().unwrap_or(now),
    }
}
