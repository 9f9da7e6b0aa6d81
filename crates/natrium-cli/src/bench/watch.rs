//! Keeps a benchmark from hanging.
//!
//! A load generator that waits forever is worse than one that fails: if the
//! server under test crashes, disconnects a slow consumer, or silently drops
//! messages, the expected count is never reached. Two watchers race the
//! workload (see [`guard`]):
//!
//! * [`Monitor`] receives async-nats connection events and fails the run as
//!   soon as a connection is lost or the client drops messages;
//! * [`Progress`] holds one counter per client task; the stall watcher fails
//!   the run when no counter moved for `--timeout`, naming who is behind.
//!
//! Counters are padded to their own cache line so that tasks updating them on
//! different cores do not slow each other down.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_nats::{Event, ServerError};
use tokio::sync::watch;

use super::BenchError;

/// Collects connection events from every client of a run.
#[derive(Debug)]
pub struct Monitor {
    failure: watch::Sender<Option<String>>,
    armed: AtomicBool,
    server_errors: Mutex<Vec<String>>,
}

impl Monitor {
    /// A new, armed monitor.
    pub fn new() -> Arc<Monitor> {
        let (failure, _) = watch::channel(None);
        Arc::new(Monitor {
            failure,
            armed: AtomicBool::new(true),
            server_errors: Mutex::new(Vec::new()),
        })
    }

    /// Handles one async-nats event for the connection called `name`.
    pub fn on_event(&self, name: &str, event: Event) {
        match event {
            Event::Disconnected | Event::Closed => {
                let mut reason = format!("connection {name} lost its server");
                if let Ok(errors) = self.server_errors.lock() {
                    if let Some(last) = errors.last() {
                        reason.push_str(&format!(" (server said: {last})"));
                    }
                }
                self.fail(reason);
            }
            Event::SlowConsumer(_) => self.fail(format!(
                "connection {name} dropped messages (client-side slow consumer)"
            )),
            Event::ServerError(error) => {
                let text = match error {
                    ServerError::SlowConsumer(_) => "slow consumer".to_string(),
                    other => other.to_string(),
                };
                if let Ok(mut errors) = self.server_errors.lock() {
                    errors.push(text);
                }
            }
            Event::ClientError(error) => self.fail(format!("connection {name}: {error}")),
            Event::Connected | Event::LameDuckMode | Event::Draining => {}
        }
    }

    /// Records the first failure, unless the run is already over.
    pub fn fail(&self, reason: String) {
        if !self.armed.load(Ordering::Acquire) {
            return;
        }
        self.failure.send_if_modified(|current| {
            if current.is_none() {
                *current = Some(reason);
                true
            } else {
                false
            }
        });
    }

    /// Stops reporting failures: called once results are in, before the
    /// connections are closed on purpose.
    pub fn disarm(&self) {
        self.armed.store(false, Ordering::Release);
    }

    /// Resolves with the first failure reason.
    pub async fn failed(&self) -> String {
        let mut receiver = self.failure.subscribe();
        loop {
            if let Some(reason) = receiver.borrow_and_update().clone() {
                return reason;
            }
            if receiver.changed().await.is_err() {
                // The sender lives in `self`, so this cannot happen; never resolve.
                std::future::pending::<()>().await;
            }
        }
    }
}

/// A counter on its own cache line.
#[derive(Debug, Default)]
#[repr(align(128))]
pub struct Counter(AtomicU64);

impl Counter {
    /// Publishes the task's current count (single writer per counter).
    #[inline]
    pub fn set(&self, value: u64) {
        self.0.store(value, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// One entry per client task: its label, target and live counter.
#[derive(Debug)]
pub struct Progress {
    labels: Vec<String>,
    expected: Vec<u64>,
    counters: Vec<Counter>,
    wait_for_first: bool,
}

impl Progress {
    /// `wait_for_first`: do not count idle time before the first message
    /// (a standalone subscriber waits for a publisher started elsewhere).
    pub fn new(wait_for_first: bool) -> Progress {
        Progress {
            labels: Vec::new(),
            expected: Vec::new(),
            counters: Vec::new(),
            wait_for_first,
        }
    }

    /// Adds a client task and returns the index of its counter.
    pub fn add(&mut self, label: String, expected: u64) -> usize {
        self.labels.push(label);
        self.expected.push(expected);
        self.counters.push(Counter::default());
        self.counters.len() - 1
    }

    /// The counter at `index`.
    pub fn counter(&self, index: usize) -> &Counter {
        &self.counters[index]
    }

    /// Resolves when no counter has moved for `idle`, describing who is behind.
    pub async fn stalled(&self, idle: Duration) -> String {
        let tick = (idle / 4).clamp(Duration::from_millis(10), Duration::from_millis(250));
        let mut last_total = self.total();
        let mut last_change = Instant::now();
        loop {
            tokio::time::sleep(tick).await;
            let total = self.total();
            if total != last_total || (self.wait_for_first && total == 0) {
                last_total = total;
                last_change = Instant::now();
            } else if last_change.elapsed() >= idle {
                return self.describe(idle);
            }
        }
    }

    fn total(&self) -> u64 {
        self.counters.iter().map(Counter::get).sum()
    }

    fn describe(&self, idle: Duration) -> String {
        let behind: Vec<String> = self
            .labels
            .iter()
            .zip(&self.expected)
            .zip(&self.counters)
            .filter(|((_, expected), counter)| counter.get() < **expected)
            .map(|((label, expected), counter)| format!("{label} at {}/{expected}", counter.get()))
            .collect();
        format!(
            "no progress for {:.1}s: {} (messages lost? raise --timeout if the server is just slow)",
            idle.as_secs_f64(),
            behind.join(", ")
        )
    }
}

/// Runs `work` until it finishes, a connection fails, or progress stalls.
pub async fn guard<T>(
    monitor: &Monitor,
    progress: Option<&Progress>,
    idle: Duration,
    work: impl Future<Output = Result<T, BenchError>>,
) -> Result<T, BenchError> {
    let stalled = async {
        match progress {
            Some(progress) => progress.stalled(idle).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        result = work => result,
        reason = monitor.failed() => Err(BenchError::Aborted(reason)),
        reason = stalled => Err(BenchError::Stalled(reason)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stall_names_the_laggard() {
        let mut progress = Progress::new(false);
        let a = progress.add("subscriber 1".into(), 10);
        let b = progress.add("subscriber 2".into(), 10);
        progress.counter(a).set(10);
        progress.counter(b).set(7);
        let reason = progress.stalled(Duration::from_millis(50)).await;
        assert!(reason.contains("subscriber 2 at 7/10"), "{reason}");
        assert!(!reason.contains("subscriber 1"), "{reason}");
    }

    #[tokio::test]
    async fn monitor_reports_first_failure_only_when_armed() {
        let monitor = Monitor::new();
        monitor.fail("first".into());
        monitor.fail("second".into());
        assert_eq!(monitor.failed().await, "first");

        let quiet = Monitor::new();
        quiet.disarm();
        quiet.fail("ignored".into());
        let result = tokio::time::timeout(Duration::from_millis(20), quiet.failed()).await;
        assert!(result.is_err());
    }
}
