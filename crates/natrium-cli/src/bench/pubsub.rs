//! Throughput workloads: `bench pub`, `bench sub` and `bench pubsub`.
//!
//! One function drives all three, with zero publishers (`sub`), zero
//! subscribers (`pub`) or both (`pubsub`). The order of operations is what
//! makes the numbers meaningful:
//!
//! 1. subscribers connect, subscribe, and flush, so the server has
//!    registered every SUB before anything is published;
//! 2. publishers connect, then all start together behind a barrier, so
//!    connection setup is not measured;
//! 3. each publisher sends its share of `--msgs` as fast as the client
//!    allows and flushes once; each subscriber counts until it has every
//!    message (`--msgs` from all publishers together).
//!
//! A subscriber's span runs from its first to its last message, a
//! publisher's from its start to the end of its final flush.
//!
//! With [`Tenants`] (`pubsub --tenants N`) each publisher/subscriber pair
//! logs in as its own user (one per account, `<prefix><i>`), so the run
//! measures N isolated accounts side by side: each subscriber expects only
//! its own publisher's messages.

use std::sync::Arc;
use std::time::Instant;

use async_nats::{Client, Subject, Subscriber};
use bytes::Bytes;
use futures::StreamExt;
use tokio::sync::Barrier;
use tokio::task::JoinSet;

use super::conn::{self, client_error, Role};
use super::report::{Report, Sample};
use super::watch::{guard, Monitor, Progress};
use super::{split, BenchError, Settings};

/// How often (in messages) a publisher reports progress to the watchdog.
const PROGRESS_EVERY: u64 = 1024;

/// Which client a finished task was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Pub(usize),
    Sub(usize),
}

/// One user per account for `pubsub --tenants`: pair `i` (from 1) logs in
/// as `<user_prefix><i>` with `password`.
#[derive(Debug, Clone)]
pub struct Tenants {
    pub count: usize,
    pub user_prefix: String,
    pub password: String,
}

impl Tenants {
    /// The settings pair `index` (from 0) connects with.
    fn settings(&self, settings: &Settings, index: usize) -> Settings {
        let mut mine = settings.clone();
        mine.connection.auth = crate::connection::Auth::UserPassword {
            user: format!("{}{}", self.user_prefix, index + 1),
            password: self.password.clone(),
        };
        mine
    }
}

/// Connects one client per tenant (pair `i` as its tenant's user).
async fn connect_tenants(
    settings: &Settings,
    tenants: &Tenants,
    prefix: &str,
    roles: impl Iterator<Item = Role>,
    monitor: &Arc<Monitor>,
) -> Result<Vec<Client>, BenchError> {
    let pending = roles.enumerate().map(|(i, role)| {
        let mine = tenants.settings(settings, i);
        async move { conn::connect(&mine, format!("{prefix}-{}", i + 1), role, monitor).await }
    });
    futures::future::try_join_all(pending).await
}

/// Runs `publishers` publishers and `subscribers` subscribers on one subject
/// (with `tenants`, one pair per tenant instead).
pub async fn run(
    settings: &Settings,
    publishers: usize,
    subscribers: usize,
    quiet: bool,
    tenants: Option<&Tenants>,
) -> Result<Report, BenchError> {
    let (publishers, subscribers) = match tenants {
        Some(tenants) => (tenants.count, tenants.count),
        None => (publishers, subscribers),
    };
    let kind = match (publishers, subscribers) {
        (_, 0) => "pub",
        (0, _) => "sub",
        _ => "pubsub",
    };
    conn::check_url(settings)?;
    if publishers > 0 {
        super::check_publish_subject(&settings.subject)?;
    } else {
        super::check_subscribe_subject(&settings.subject)?;
    }
    let subject = Subject::from_static(Box::leak(settings.subject.clone().into_boxed_str()));
    let payload = super::static_payload(settings.size);
    let shares = split(settings.msgs, publishers);

    // Each subscriber gets every message, or in tenant mode its pair's share.
    let expectations: Vec<u64> = match tenants {
        Some(_) => shares.clone(),
        None => vec![settings.msgs; subscribers],
    };
    let monitor = Monitor::new();
    let mut progress = Progress::new(publishers == 0);
    let sub_counters: Vec<usize> = expectations
        .iter()
        .enumerate()
        .map(|(i, expected)| progress.add(format!("subscriber {}", i + 1), *expected))
        .collect();
    let pub_counters: Vec<usize> = shares
        .iter()
        .enumerate()
        .map(|(i, share)| progress.add(format!("publisher {}", i + 1), *share))
        .collect();
    let progress = Arc::new(progress);

    // 1. Subscribers first, with their interest confirmed by the server.
    let expected = settings.msgs;
    let sub_clients = match tenants {
        Some(tenants) => {
            let roles = expectations
                .iter()
                .map(|&expected| Role::Subscriber { expected });
            connect_tenants(settings, tenants, "natrium-bench-sub", roles, &monitor).await?
        }
        None => {
            conn::connect_many(
                settings,
                "natrium-bench-sub",
                subscribers,
                Role::Subscriber { expected },
                &monitor,
            )
            .await?
        }
    };
    let mut subscriptions = Vec::with_capacity(subscribers);
    for client in &sub_clients {
        let subscription = client
            .subscribe(subject.clone())
            .await
            .map_err(|e| client_error("subscribe", e))?;
        subscriptions.push(subscription);
    }
    for client in &sub_clients {
        client.flush().await.map_err(|e| client_error("flush", e))?;
    }

    // 2. Publishers, connected before anyone starts.
    let pub_clients = match tenants {
        Some(tenants) => {
            let roles = std::iter::repeat_n(Role::Publisher, publishers);
            connect_tenants(settings, tenants, "natrium-bench-pub", roles, &monitor).await?
        }
        None => {
            conn::connect_many(
                settings,
                "natrium-bench-pub",
                publishers,
                Role::Publisher,
                &monitor,
            )
            .await?
        }
    };
    if let Some(client) = pub_clients.first() {
        conn::check_payload(client, settings.size)?;
    }

    if publishers == 0 && !quiet {
        eprintln!(
            "{subscribers} subscriber(s) ready on '{}', waiting for {} messages each (Ctrl-C to stop)",
            settings.subject, expected
        );
    }

    // 3. Go.
    let mut tasks = JoinSet::new();
    for (i, ((subscription, counter), expected)) in subscriptions
        .into_iter()
        .zip(sub_counters)
        .zip(expectations)
        .enumerate()
    {
        let progress = Arc::clone(&progress);
        tasks.spawn(async move {
            let sample = count_messages(subscription, expected, &progress, counter).await?;
            Ok::<_, BenchError>((Side::Sub(i), sample))
        });
    }
    let barrier = Arc::new(Barrier::new(publishers.max(1)));
    for (i, ((client, share), counter)) in pub_clients
        .iter()
        .zip(&shares)
        .zip(pub_counters)
        .enumerate()
    {
        let job = PublishJob {
            client: client.clone(),
            subject: subject.clone(),
            payload: payload.clone(),
            count: *share,
            barrier: Arc::clone(&barrier),
            progress: Arc::clone(&progress),
            counter,
        };
        tasks.spawn(async move { Ok((Side::Pub(i), job.run().await?)) });
    }

    let collect = async {
        let mut done = Vec::with_capacity(publishers + subscribers);
        while let Some(joined) = tasks.join_next().await {
            let finished = joined.map_err(|e| client_error("benchmark task", e))??;
            done.push(finished);
        }
        Ok(done)
    };
    let mut done = guard(&monitor, Some(&progress), settings.idle_timeout, collect).await?;
    monitor.disarm();
    drop((sub_clients, pub_clients));

    done.sort_by_key(|(side, _)| *side);
    let (pubs, subs): (Vec<_>, Vec<_>) = done
        .into_iter()
        .partition(|(side, _)| matches!(side, Side::Pub(_)));
    let pubs: Vec<Sample> = pubs.into_iter().map(|(_, s)| s).collect();
    let subs: Vec<Sample> = subs.into_iter().map(|(_, s)| s).collect();
    Ok(Report::new(
        kind,
        &settings.server,
        &settings.subject,
        settings.msgs,
        settings.size,
    )
    .with_throughput(&pubs, &subs))
}

/// One publisher's work.
struct PublishJob {
    client: Client,
    subject: Subject,
    payload: Bytes,
    count: u64,
    barrier: Arc<Barrier>,
    progress: Arc<Progress>,
    counter: usize,
}

impl PublishJob {
    /// Publishes `count` messages back to back, then flushes once.
    async fn run(self) -> Result<Sample, BenchError> {
        let counter = self.progress.counter(self.counter);
        self.barrier.wait().await;
        let start = Instant::now();
        for i in 0..self.count {
            // Both clones are pointer copies: `subject` and `payload` are static.
            self.client
                .publish(self.subject.clone(), self.payload.clone())
                .await
                .map_err(|e| client_error("publish", e))?;
            if i % PROGRESS_EVERY == 0 {
                counter.set(i);
            }
        }
        self.client
            .flush()
            .await
            .map_err(|e| client_error("flush", e))?;
        let end = Instant::now();
        counter.set(self.count);
        Ok(Sample {
            msgs: self.count,
            bytes: self.count * self.payload.len() as u64,
            start,
            end,
        })
    }
}

/// Receives `expected` messages, timing from the first to the last.
async fn count_messages(
    mut subscription: Subscriber,
    expected: u64,
    progress: &Progress,
    counter: usize,
) -> Result<Sample, BenchError> {
    let counter = progress.counter(counter);
    let closed = || BenchError::Client("subscription closed before all messages arrived".into());
    if expected == 0 {
        let now = Instant::now();
        return Ok(Sample {
            msgs: 0,
            bytes: 0,
            start: now,
            end: now,
        });
    }
    let first = subscription.next().await.ok_or_else(closed)?;
    let start = Instant::now();
    let mut bytes = first.payload.len() as u64;
    let mut received = 1;
    counter.set(received);
    while received < expected {
        let message = subscription.next().await.ok_or_else(closed)?;
        bytes += message.payload.len() as u64;
        received += 1;
        counter.set(received);
    }
    Ok(Sample {
        msgs: received,
        bytes,
        start,
        end: Instant::now(),
    })
}
