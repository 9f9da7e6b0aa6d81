//! A connection's outbound buffer: where deliveries wait for the writer.
//!
//! Publishers append deliveries straight into the subscriber's buffer (a
//! [`ChunkQueue`]) under a short lock; the subscriber's writer task
//! ([`crate::client::writer`]) takes everything queued and writes it in one
//! vectored write. Waking the writer is deferred to the end of the
//! publisher's read batch (see [`PendingFlush`]) so a burst of messages costs
//! one wake-up, not one per message.
//!
//! Back-pressure follows nats-server: pending bytes count what is queued plus
//! what the writer is still writing. Past 75% of `max_pending` the subscriber
//! is "stalling" and publishers feeding it pause for a few milliseconds (see
//! [`stall_duration`]) so a reader that is merely behind can catch up; past
//! `max_pending` it is a slow consumer and is disconnected.
//!
//! Publishers also pause, the same way, once a subscriber has [`PACE_BYTES`]
//! queued (pacing): a fast publisher and a slower reader then meet at a few
//! MiB of backlog instead of 48 of the default 64 MiB, which is memory the
//! server would hold (and the allocator keep) for nothing. nats-server gets
//! the same bound by having the publisher write to the subscriber's socket
//! itself. Pauses end as soon as the writer catches up; only the 75% stall
//! counts in the statistics, and pacing never disconnects anyone.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::client::chunks::ChunkQueue;
use crate::client::Client;

pub struct Outbound {
    state: Mutex<OutboundState>,
    wake: Notify,
    /// Wakes publishers stalled on this subscriber once it drained.
    drained: Notify,
    max_pending: usize,
    /// Pending bytes past which publishers pause (at most the stall threshold).
    pace: AtomicUsize,
}

/// Backlog of a network subscriber at which its publishers pause.
pub const PACE_BYTES: usize = 4 * 1024 * 1024;

#[derive(Default)]
struct OutboundState {
    queue: ChunkQueue,
    /// A wake-up is already owed to the writer; don't queue another.
    signaled: bool,
    /// Bytes the writer has taken and not finished writing.
    in_flight: usize,
    /// Pending bytes passed the stall threshold; publishers should pause.
    stalling: bool,
    closed: bool,
    out_msgs: u64,
    out_bytes: u64,
}

/// What an append found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Appended. `wake`: the caller owes the writer a wake-up (none was
    /// pending). `stall`: the subscriber is behind; its publisher should pause.
    Queued { wake: bool, stall: bool },
    /// The connection is closed; nothing was appended.
    Closed,
    /// Appending pushed pending bytes past `max_pending`.
    SlowConsumer,
}

impl Appended {
    pub fn needs_wake(self) -> bool {
        matches!(self, Appended::Queued { wake: true, .. })
    }
}

/// The shortest and longest pause of a publisher feeding a stalling subscriber.
const STALL_MIN: Duration = Duration::from_millis(2);
const STALL_MAX: Duration = Duration::from_millis(5);

/// How long a publisher pauses for a subscriber with `pending` of `max` bytes
/// queued: the minimum up to half full, growing by the minimum for every
/// further tenth of the half, capped at the maximum (nats-server's rule).
pub fn stall_duration(pending: usize, max: usize) -> Duration {
    if pending >= max {
        return STALL_MAX;
    }
    let half = max / 2;
    if pending <= half || half < 10 {
        return STALL_MIN;
    }
    let steps = ((pending - half) / (half / 10)) as u32;
    (STALL_MIN + STALL_MIN * steps).min(STALL_MAX)
}

impl Outbound {
    pub fn new(max_pending: usize) -> Self {
        Outbound {
            state: Mutex::new(OutboundState::default()),
            wake: Notify::new(),
            drained: Notify::new(),
            max_pending,
            pace: AtomicUsize::new((max_pending / 4 * 3).min(PACE_BYTES)),
        }
    }

    /// Publishers pause only at the stall threshold (in-process subscribers
    /// take their backlog in whole batches; pacing them gains nothing).
    pub fn disable_pacing(&self) {
        self.pace.store(self.stall_threshold(), Ordering::Relaxed);
    }

    fn pace_threshold(&self) -> usize {
        self.pace.load(Ordering::Relaxed)
    }

    /// Appends with `write` under the lock; `size_hint` is the most it will
    /// write (so the frame lands in one chunk). `messages` counts toward out_msgs.
    #[inline]
    pub fn append(
        &self,
        messages: u64,
        size_hint: usize,
        write: impl FnOnce(&mut Vec<u8>),
    ) -> Appended {
        let mut state = self.state.lock();
        if state.closed {
            return Appended::Closed;
        }
        let written = state.queue.append(size_hint, write);
        if messages > 0 {
            state.out_msgs += messages;
            state.out_bytes += written as u64;
        }
        let pending = state.queue.len() + state.in_flight;
        if pending > self.max_pending {
            return Appended::SlowConsumer;
        }
        if pending > self.pace_threshold() {
            state.stalling = true;
        }
        let wake = !state.signaled;
        state.signaled = true;
        Appended::Queued {
            wake,
            stall: state.stalling,
        }
    }

    fn stall_threshold(&self) -> usize {
        self.max_pending / 4 * 3
    }

    /// Pauses a publisher while this subscriber is behind (pacing or
    /// stalling), for at most the stall duration its backlog calls for.
    /// Returns whether it waited for a stall (past 75% of `max_pending`).
    pub async fn wait_until_drained(&self) -> bool {
        let drained = self.drained.notified();
        tokio::pin!(drained);
        // Registered before checking, so a drain between check and wait is seen.
        drained.as_mut().enable();
        let pending = {
            let state = self.state.lock();
            if !state.stalling || state.closed {
                return false;
            }
            state.queue.len() + state.in_flight
        };
        let _ = tokio::time::timeout(stall_duration(pending, self.max_pending), drained).await;
        pending > self.stall_threshold()
    }

    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Stops accepting data; the writer flushes what is queued and exits.
    pub fn close(&self) {
        self.state.lock().closed = true;
        self.wake.notify_one();
        self.drained.notify_waiters();
    }

    pub fn pending_bytes(&self) -> usize {
        let state = self.state.lock();
        state.queue.len() + state.in_flight
    }

    pub fn counters(&self) -> (u64, u64) {
        let state = self.state.lock();
        (state.out_msgs, state.out_bytes)
    }

    /// Moves everything queued into `batch` (empty) for writing; returns
    /// whether the connection is closed.
    pub(crate) fn take(&self, batch: &mut VecDeque<Vec<u8>>) -> bool {
        let mut state = self.state.lock();
        state.in_flight = state.queue.take(batch);
        state.signaled = false;
        state.closed
    }

    /// The taken batch was written (or consumed): recycle its chunks and
    /// release stalled publishers once below the threshold.
    pub(crate) fn finish(&self, batch: &mut VecDeque<Vec<u8>>) {
        let mut state = self.state.lock();
        state.queue.recycle(batch);
        state.in_flight = 0;
        if state.stalling && state.queue.len() <= self.pace_threshold() {
            state.stalling = false;
            drop(state);
            self.drained.notify_waiters();
        }
    }

    /// Resolves when data was appended or the connection closed.
    pub(crate) async fn wait_for_data(&self) {
        self.wake.notified().await;
    }
}

/// Clients whose writers are owed a wake-up at the end of the current batch.
#[derive(Default)]
pub struct PendingFlush {
    clients: Vec<Arc<Client>>,
}

impl PendingFlush {
    pub fn push(&mut self, client: &Arc<Client>) {
        self.clients.push(client.clone());
    }

    pub fn flush(&mut self) {
        for client in self.clients.drain(..) {
            client.outbound.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stall_durations_follow_the_backlog() {
        let max = 100_000;
        assert_eq!(stall_duration(10_000, max), STALL_MIN);
        assert_eq!(stall_duration(50_000, max), STALL_MIN);
        assert_eq!(stall_duration(55_000, max), STALL_MIN * 2);
        assert_eq!(stall_duration(70_000, max), STALL_MAX);
        assert_eq!(stall_duration(max, max), STALL_MAX);
    }

    #[test]
    fn appends_report_wakes_stalls_and_slow_consumers() {
        let outbound = Outbound::new(100);
        outbound.disable_pacing();
        let append = |n: usize| outbound.append(1, n, |b| b.extend_from_slice(&vec![0; n]));
        assert_eq!(
            append(10),
            Appended::Queued {
                wake: true,
                stall: false
            }
        );
        assert_eq!(
            append(10),
            Appended::Queued {
                wake: false,
                stall: false
            }
        );
        assert_eq!(
            append(60),
            Appended::Queued {
                wake: false,
                stall: true
            }
        );
        assert_eq!(append(30), Appended::SlowConsumer);
        outbound.close();
        assert_eq!(append(1), Appended::Closed);
    }

    #[test]
    fn a_network_subscriber_paces_its_publishers_at_a_few_mib() {
        let outbound = Outbound::new(64 * 1024 * 1024);
        let frame = vec![0; 64 * 1024];
        let append = || outbound.append(1, frame.len(), |b| b.extend_from_slice(&frame));
        let mut queued = 0;
        while queued + frame.len() <= PACE_BYTES {
            assert!(matches!(append(), Appended::Queued { stall: false, .. }));
            queued += frame.len();
        }
        assert!(matches!(append(), Appended::Queued { stall: true, .. }));
        // Written out: publishers go on.
        let mut batch = VecDeque::new();
        outbound.take(&mut batch);
        outbound.finish(&mut batch);
        assert!(!outbound.state.lock().stalling);
        assert!(matches!(append(), Appended::Queued { stall: false, .. }));
    }
}
