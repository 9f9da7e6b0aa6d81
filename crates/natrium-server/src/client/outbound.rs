//! A connection's outbound buffer and the task that writes it to the socket.
//!
//! Publishers append deliveries straight into the subscriber's buffer under a
//! short lock; the subscriber's writer task swaps the buffer out and writes it
//! in one batch. Waking the writer is deferred to the end of the publisher's
//! read batch (see [`PendingFlush`]) so a burst of messages costs one wake-up,
//! not one per message. A buffer that grows past `max_pending` marks the
//! subscriber a slow consumer; a write that misses `write_deadline` does too.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::io::AsyncWriteExt;
use tokio::sync::Notify;

use crate::client::{Client, CloseReason};

/// Buffers larger than this are released after a write, so one burst does not
/// pin memory for the life of the connection.
const RETAINED_CAPACITY: usize = 256 * 1024;

pub struct Outbound {
    state: Mutex<OutboundState>,
    wake: Notify,
    max_pending: usize,
}

#[derive(Default)]
pub struct OutboundState {
    pub buf: Vec<u8>,
    /// A wake-up is already owed to the writer; don't queue another.
    signaled: bool,
    pub closed: bool,
    pub out_msgs: u64,
    pub out_bytes: u64,
}

/// What an append found.
#[derive(Debug, PartialEq, Eq)]
pub enum Appended {
    /// Appended; the caller owes the writer a wake-up.
    NeedsWake,
    /// Appended; a wake-up is already owed.
    Queued,
    /// The connection is closed; nothing was appended.
    Closed,
    /// Appending pushed the buffer past `max_pending`.
    SlowConsumer,
}

impl Outbound {
    pub fn new(max_pending: usize) -> Self {
        Outbound {
            state: Mutex::new(OutboundState::default()),
            wake: Notify::new(),
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
        if state.buf.len() > self.max_pending {
            return Appended::SlowConsumer;
        }
        if state.signaled {
            Appended::Queued
        } else {
            state.signaled = true;
            Appended::NeedsWake
        }
    }

    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Stops accepting data; the writer flushes what is queued and exits.
    pub fn close(&self) {
        self.state.lock().closed = true;
        self.wake.notify_one();
    }

    pub fn pending_bytes(&self) -> usize {
        self.state.lock().buf.len()
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
        state.closed
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
                Ok(Ok(())) => {}
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
                batch = Vec::new();
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
