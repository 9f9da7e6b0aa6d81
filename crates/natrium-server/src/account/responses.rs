//! Replies to requests that crossed accounts through a service import.
//!
//! A request forwarded into the exporting account carries a fresh reply
//! subject (`_R_.<token>`) instead of the requester's; this table remembers
//! where answers to it go back to. A response is routed back only while
//! its request is in flight: once (singleton responses), or until the
//! export's response threshold passes (streamed and chunked responses).
//! Nothing else published on `_R_.` reaches the importing account.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use rand::Rng;

use super::Account;
use crate::options::ResponseType;

/// The prefix of reply subjects given to forwarded requests.
pub const RESPONSE_PREFIX: &str = "_R_.";
/// How often expired entries are swept out.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Where the answers to one forwarded request go.
struct Pending {
    account: Weak<Account>,
    reply: Box<[u8]>,
    singleton: bool,
    expires: Instant,
    /// Set when the export tracks latency and this request was sampled.
    tracked: Option<Box<Tracked>>,
}

/// A sampled request of a latency-tracked service export.
pub struct Tracked {
    /// Where the exporter wants the measurements (`latency.subject`).
    pub subject: String,
    /// The requesting client, as the metric describes it.
    pub requestor: serde_json::Value,
    pub started: Instant,
    pub started_at: std::time::SystemTime,
}

/// What a response's way back found.
pub struct Routed {
    pub account: Arc<Account>,
    pub reply: Box<[u8]>,
    /// The first response of a tracked request: its measurement.
    pub tracked: Option<Box<Tracked>>,
}

/// Requests in flight by reply subject, and when they are next swept.
type PendingTable = (HashMap<Box<[u8]>, Pending>, Option<Instant>);

#[derive(Default)]
pub struct Responses {
    pending: Mutex<PendingTable>,
    next: AtomicU64,
}

impl Responses {
    /// Registers a forwarded request; returns the reply subject to give it.
    pub fn register(
        &self,
        requester: &Arc<Account>,
        reply: &[u8],
        response: ResponseType,
        threshold: Duration,
        tracked: Option<Box<Tracked>>,
    ) -> Vec<u8> {
        let count = self.next.fetch_add(1, Ordering::Relaxed);
        let token: u32 = rand::thread_rng().gen();
        let subject = format!("{RESPONSE_PREFIX}{token:08x}.{count:x}").into_bytes();
        let now = Instant::now();
        let mut guard = self.pending.lock();
        let (pending, next_sweep) = &mut *guard;
        if next_sweep.is_none_or(|at| now >= at) {
            pending.retain(|_, entry| entry.expires > now);
            *next_sweep = Some(now + SWEEP_EVERY);
        }
        pending.insert(
            subject.clone().into_boxed_slice(),
            Pending {
                account: Arc::downgrade(requester),
                reply: reply.into(),
                singleton: response == ResponseType::Singleton,
                expires: now + threshold,
                tracked,
            },
        );
        subject
    }

    /// Where a response published on `subject` goes: the requester's account
    /// and its own reply subject. `None` when no request is in flight there.
    pub fn route(&self, subject: &[u8]) -> Option<Routed> {
        let mut guard = self.pending.lock();
        let pending = &mut guard.0;
        let entry = pending.get_mut(subject)?;
        if entry.expires <= Instant::now() {
            pending.remove(subject);
            return None;
        }
        let account = entry.account.upgrade()?;
        if entry.singleton {
            let entry = pending.remove(subject)?;
            return Some(Routed {
                account,
                reply: entry.reply,
                tracked: entry.tracked,
            });
        }
        Some(Routed {
            account,
            reply: entry.reply.clone(),
            tracked: entry.tracked.take(),
        })
    }

    /// Requests in flight (for monitoring).
    pub fn len(&self) -> usize {
        self.pending.lock().0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
