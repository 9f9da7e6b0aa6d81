//! A connection's outbound buffer and the task that writes it to the socket.
//!
//! Publishers append deliveries straight into the subscriber's buffer under a
//! short lock; the subscriber's writer task swaps the buffer out and writes it
//! in one batch. Waking the writer is deferred to the end of the publisher's
//! read batch (see [`PendingFlush`]) so a burst of messages costs one wake-up,
//! not one per message.
//!
//! Back-pressure follows nats-server: pending bytes count what is queued plus
//! what the writer is still writing. Past 75% of `max_pending` the subscriber
//! is "stalling" and publishers feeding it pause for a few milliseconds (see
//! [`stall_duration`]) so a reader that is merely behind can catch up; past
//! `max_pending` it is a slow consumer and is disconnected. A write that
//! misses `write_deadline` also makes it a slow consumer.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::io::AsyncWriteExt;
use tokio::sync::Notify;

use crate::client::{Client, CloseReason};

/// After a write, a batch buffer larger than this shrinks back to it: one
/// burst does not pin memory for the life of the connection, while a busy
/// connection keeps its two swap buffers instead of regrowing them every
/// cycle (allocations this large are fresh mmaps: regrowing page-faults).
const RETAINED_CAPACITY: usize = 2 * 1024 * 1024;

pub struct Outbound {
    state: Mutex<OutboundState>,
    wake: Notify,
    /// Wakes publishers stalled on this subscriber once it drained.
    drained: Notify,
    max_pending: usize,
}

#[derive(Default)]
pub struct OutboundState {
    pub buf: Vec<u8>,
    /// A wake-up is already owed to the writer; don't queue another.
    signaled: bool,
    /// Bytes the writer has taken and not finished writing.
    in_flight: usize,
    /// Pending bytes passed the stall threshold; publishers should pause.
    stalling: bool,
    pub closed: bool,
    pub out_msgs: u64,
    pub out_bytes: u64,
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
        }
    }

    /// Appends with `write` under the lock. `messages` counts toward out_msgs.
    #[inline]
    pub fn append(&self, messages: u64, write: impl FnOnce(&mut Vec<u8>)) -> Appended {
        let mut state = self.state.lock();
        if state.closed {
            return Appended::Closed;
        }
        let before = state.buf.len();
        write(&mut state.buf);
        if messages > 0 {
            state.out_msgs += messages;
            state.out_bytes += (state.buf.len() - before) as u64;
        }
        let pending = state.buf.len() + state.in_flight;
        if pending > self.max_pending {
            return Appended::SlowConsumer;
        }
        if pending > self.stall_threshold() {
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

    /// Pauses a publisher while this subscriber is stalling, for at most the
    /// stall duration its backlog calls for. Returns whether it waited.
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
            state.buf.len() + state.in_flight
        };
        let _ = tokio::time::timeout(stall_duration(pending, self.max_pending), drained).await;
        true
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
        state.buf.len() + state.in_flight
    }

    pub fn counters(&self) -> (u64, u64) {
        let state = self.state.lock();
        (state.out_msgs, state.out_bytes)
    }

    /// Swaps the queued bytes into `spare`; returns whether the connection closed.
    fn take(&self, spare: &mut Vec<u8>) -> bool {
        let mut state = self.state.lock();
        std::mem::swap(&mut state.buf, spare);
        state.signaled = false;
        state.in_flight = spare.len();
        state.closed
    }

    /// For in-process readers: takes what is queued (see [`Outbound::take`]).
    pub(crate) fn take_batch(&self, spare: &mut Vec<u8>) -> bool {
        self.take(spare)
    }

    /// For in-process readers: the taken batch was consumed.
    pub(crate) fn written_batch(&self) {
        self.written();
    }

    /// For in-process readers: resolves when data was appended or it closed.
    pub(crate) async fn wait_for_data(&self) {
        self.wake.notified().await;
    }

    /// The writer finished a batch: release stalled publishers once below the threshold.
    fn written(&self) {
        let mut state = self.state.lock();
        state.in_flight = 0;
        if state.stalling && state.buf.len() <= self.stall_threshold() {
            state.stalling = false;
            drop(state);
            self.drained.notify_waiters();
        }
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

/// The writer task of one connection.
pub async fn write_loop<W>(client: Arc<Client>, mut socket: W, write_deadline: Duration)
where
    W: tokio::io::AsyncWrite + Unpin,
{
    let mut batch = Vec::new();
    loop {
        let closed = client.outbound.take(&mut batch);
        if !batch.is_empty() {
            let write = tokio::time::timeout(write_deadline, socket.write_all(&batch));
            let written = if closed {
                // Closing: flush what is left (such as a final -ERR), bounded.
                write.await
            } else {
                // A connection closed mid-write (a slow consumer) stops at once
                // instead of waiting out the write deadline on a stalled peer.
                tokio::select! {
                    biased;
                    written = write => written,
                    _ = client.closed() => break,
                }
            };
            match written {
                Ok(Ok(())) => client.outbound.written(),
                Ok(Err(_)) => {
                    client.close(CloseReason::WriteError);
                    break;
                }
                Err(_) => {
                    client.close(CloseReason::SlowConsumerWriteDeadline);
                    break;
                }
            }
            batch.clear();
            if batch.capacity() > RETAINED_CAPACITY {
                batch.shrink_to(RETAINED_CAPACITY);
            }
            continue;
        }
        if closed {
            break;
        }
        client.outbound.wake.notified().await;
    }
    let _ = socket.shutdown().await;
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
        assert_eq!(
            outbound.append(1, |b| b.extend_from_slice(&[0; 10])),
            Appended::Queued {
                wake: true,
                stall: false
            }
        );
        assert_eq!(
            outbound.append(1, |b| b.extend_from_slice(&[0; 10])),
            Appended::Queued {
                wake: false,
                stall: false
            }
        );
        assert_eq!(
            outbound.append(1, |b| b.extend_from_slice(&[0; 60])),
            Appended::Queued {
                wake: false,
                stall: true
            }
        );
        assert_eq!(
            outbound.append(1, |b| b.extend_from_slice(&[0; 30])),
            Appended::SlowConsumer
        );
        outbound.close();
        assert_eq!(outbound.append(1, |b| b.push(0)), Appended::Closed);
    }
}
