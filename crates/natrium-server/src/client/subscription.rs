//! A subscription: one `SUB` of one connection.
//!
//! Subscriptions are shared between the subject index (which finds them) and
//! the connection (which owns them and removes them on `UNSUB` or close).
//! Delivery counts are atomics because any publisher's task may deliver.
//!
//! An in-process service may subscribe with an [`InlineService`]: a client
//! connection that publishes to it then runs the service on its own task
//! instead of queueing the message for the service's thread (one thread
//! hop less for cheap reads such as JetStream direct gets).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crate::account::imports::Forward;
use crate::account::Account;
use crate::client::delivery::Message;
use crate::client::Client;

/// A service answered on the publishing connection's task.
pub trait InlineService: Send + Sync {
    /// Handles one message. It runs after the publisher's delivery finished
    /// (no delivery locks held), so it may publish replies itself.
    fn handle(&self, message: &Message<'_>);
}

pub struct Subscription {
    pub client: Arc<Client>,
    pub account: Arc<Account>,
    pub subject: Box<[u8]>,
    pub queue: Option<Box<[u8]>>,
    pub sid: Box<[u8]>,
    /// Auto-unsubscribe limit from `UNSUB <sid> <max>`; 0 means none.
    pub max: AtomicU64,
    pub delivered: AtomicU64,
    /// Set once removed, so a delivery racing with the removal is dropped.
    pub closed: AtomicBool,
    /// Subjects this subscription may not receive although its wildcard
    /// covers them (the user's subscribe-deny patterns); usually empty.
    pub denied: Box<[Box<[u8]>]>,
    /// Set for in-process services answered on the publisher's task; other
    /// publishers (internal ones) deliver to the subscriber as usual.
    pub inline: Option<Arc<dyn InlineService>>,
    /// Set for an import: matched messages are carried into another account
    /// instead of being written to a connection.
    pub forward: Option<Arc<Forward>>,
}

/// What a delivery to a subscription with an auto-unsubscribe limit decided.
#[derive(Debug, PartialEq, Eq)]
pub enum Admission {
    Deliver,
    /// Deliver this one; it is the last, so remove the subscription after.
    DeliverLast,
    Skip,
}

impl Subscription {
    pub fn new(
        client: Arc<Client>,
        account: Arc<Account>,
        subject: &[u8],
        queue: Option<&[u8]>,
        sid: &[u8],
        denied: Vec<Box<[u8]>>,
    ) -> Self {
        Subscription {
            client,
            account,
            subject: subject.into(),
            queue: queue.map(Into::into),
            sid: sid.into(),
            max: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            denied: denied.into_boxed_slice(),
            inline: None,
            forward: None,
        }
    }

    /// The same subscription, forwarding what it matches (an import).
    pub fn with_forward(mut self, forward: Arc<Forward>) -> Self {
        self.forward = Some(forward);
        self
    }

    /// Removes a subscription that no connection tracks (a forward).
    pub fn remove_from_index(self: &Arc<Self>) {
        if self.mark_closed() {
            self.account.unsubscribe(self);
        }
    }

    /// The same subscription, answered by `service` on publishers' tasks.
    pub fn with_inline(mut self, service: Arc<dyn InlineService>) -> Self {
        self.inline = Some(service);
        self
    }

    /// Counts one delivery of `subject` and decides whether it may happen.
    pub fn admit(&self, subject: &[u8]) -> Admission {
        if self.closed.load(Ordering::Relaxed) {
            return Admission::Skip;
        }
        if !self.denied.is_empty()
            && self
                .denied
                .iter()
                .any(|pattern| natrium_subjects::subject_matches_filter(subject, pattern))
        {
            return Admission::Skip;
        }
        let delivered = self.delivered.fetch_add(1, Ordering::Relaxed) + 1;
        match self.max.load(Ordering::Relaxed) {
            0 => Admission::Deliver,
            max if delivered < max => Admission::Deliver,
            max if delivered == max => Admission::DeliverLast,
            _ => Admission::Skip,
        }
    }

    /// Removes this subscription from its account and its connection.
    pub fn remove(self: &Arc<Self>) {
        if !self.mark_closed() {
            return;
        }
        self.account.unsubscribe(self);
        self.client.forget_subscription(&self.sid);
    }

    /// Marks the subscription removed; true for the first caller only.
    pub fn mark_closed(&self) -> bool {
        !self.closed.swap(true, Ordering::AcqRel)
    }

    pub fn subject_str(&self) -> String {
        String::from_utf8_lossy(&self.subject).into_owned()
    }
}

/// The subject index's handle on a subscription: identity is the allocation,
/// so the same subscription can be found and removed exactly.
#[derive(Clone)]
pub struct SubscriptionRef(pub Arc<Subscription>);

impl PartialEq for SubscriptionRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
