//! Delivers one published message to the subscriptions that match it.
//!
//! Every plain subscription gets a copy; each queue group gets exactly one,
//! sent to a member picked at random (as nats-server does) so load spreads
//! across members. Writing goes straight into each subscriber's outbound
//! buffer; wake-ups are collected in a [`PendingFlush`] for the end of batch.

use std::sync::Arc;

use natrium_protocol::writer;
use natrium_subjects::Matches;

use crate::account::imports::Forward;
use crate::client::outbound::{Appended, PendingFlush};
use crate::client::subscription::{Admission, InlineService, Subscription, SubscriptionRef};
use crate::client::{Client, CloseReason};

/// A message as published, borrowing from the publisher's read buffer (or
/// from wherever an internal publisher keeps its header block and payload).
pub struct Message<'a> {
    pub subject: &'a [u8],
    pub reply: Option<&'a [u8]>,
    /// The header block (`NATS/1.0\r\n...\r\n\r\n`), when there is one.
    pub headers: Option<&'a [u8]>,
    pub payload: &'a [u8],
}

impl Message<'_> {
    /// Headers and payload together, as counted in `in_bytes`/`out_bytes`.
    pub fn size(&self) -> usize {
        self.headers.map_or(0, <[u8]>::len) + self.payload.len()
    }
}

/// Per-publisher state that delivery needs.
pub struct Publisher<'a> {
    pub client: &'a Arc<Client>,
    /// The publisher's CONNECT `echo`: false means its own subscriptions are skipped.
    pub echo: bool,
    /// Picks queue-group members.
    pub rng: &'a mut FastRng,
    /// Whether inline services run on this publisher's task (client
    /// connections); others deliver to the service's client as usual.
    pub inline: bool,
}

/// Outcome counters of one delivery.
#[derive(Default)]
pub struct Delivered {
    pub count: usize,
    /// Subscriptions that reached their auto-unsubscribe limit.
    pub expired: Vec<Arc<Subscription>>,
    /// Subscribers that became slow consumers.
    pub slow: Vec<Arc<Client>>,
    /// Subscribers so far behind that the publisher should pause for them.
    pub stalled: Vec<Arc<Client>>,
    /// Inline services the message is for, to run once delivery is done.
    pub inline: Vec<Arc<dyn InlineService>>,
    /// Imports the message matched: [`crate::account::imports::follow`]
    /// carries it into their accounts once this delivery is done.
    pub forwards: Vec<Arc<Forward>>,
}

/// Delivers `message` to every match. Returns how many subscribers got it.
pub fn deliver(
    matches: &Matches<SubscriptionRef>,
    message: &Message<'_>,
    publisher: &mut Publisher<'_>,
    pending: &mut PendingFlush,
    outcome: &mut Delivered,
) {
    walk(matches, publisher, |sub, publisher| {
        deliver_one(sub, message, publisher, pending, outcome)
    });
}

/// Offers a message to every plain match and, per queue group, to members
/// from a random start until one `take`s it (returns true).
#[inline]
pub(crate) fn walk(
    matches: &Matches<SubscriptionRef>,
    publisher: &mut Publisher<'_>,
    mut take: impl FnMut(&Arc<Subscription>, &mut Publisher<'_>) -> bool,
) {
    for sub in &matches.plain {
        take(&sub.0, publisher);
    }
    for group in &matches.queues {
        let members = &group.members;
        if members.is_empty() {
            continue;
        }
        let start = publisher.rng.below(members.len());
        // Walk from a random start to the first member that can take it.
        for offset in 0..members.len() {
            if take(&members[(start + offset) % members.len()].0, publisher) {
                break;
            }
        }
    }
}

/// Returns whether the subscription took the message.
#[inline]
pub(crate) fn deliver_one(
    sub: &Arc<Subscription>,
    message: &Message<'_>,
    publisher: &Publisher<'_>,
    pending: &mut PendingFlush,
    outcome: &mut Delivered,
) -> bool {
    if !publisher.echo && Arc::ptr_eq(&sub.client, publisher.client) {
        return false;
    }
    let last = match sub.admit(message.subject) {
        Admission::Deliver => false,
        Admission::DeliverLast => true,
        Admission::Skip => return false,
    };
    if let Some(forward) = &sub.forward {
        outcome.forwards.push(forward.clone());
        return true;
    }
    if let (Some(service), true) = (&sub.inline, publisher.inline) {
        outcome.inline.push(service.clone());
        outcome.count += 1;
        return true;
    }
    if let (Some(reply), Some(allowance)) = (message.reply, sub.client.reply_allowance.get()) {
        allowance.record(reply);
    }
    // Clients that did not negotiate headers get the payload without them.
    let headers = message.headers.filter(|_| sub.client.supports_headers());
    let size = headers.map_or(0, <[u8]>::len) + message.payload.len();
    let reply_len = message.reply.map_or(0, <[u8]>::len);
    let bound = writer::msg_size_bound(message.subject.len(), sub.sid.len(), reply_len, size);
    let appended = sub.client.outbound.append(1, bound, |buf| {
        writer::write_msg_parts(
            buf,
            message.subject,
            &sub.sid,
            message.reply,
            headers,
            message.payload,
        )
    });
    match appended {
        Appended::Queued { wake, stall } => {
            if wake {
                pending.push(&sub.client);
            }
            let known = outcome
                .stalled
                .last()
                .is_some_and(|c| Arc::ptr_eq(c, &sub.client));
            if stall && !known {
                outcome.stalled.push(sub.client.clone());
            }
        }
        Appended::Closed => return false,
        Appended::SlowConsumer => outcome.slow.push(sub.client.clone()),
    }
    if last {
        outcome.expired.push(sub.clone());
    }
    outcome.count += 1;
    true
}

/// Finishes a delivery: removes expired subscriptions and closes slow consumers.
pub fn settle(outcome: &mut Delivered) -> usize {
    for sub in outcome.expired.drain(..) {
        sub.remove();
    }
    let mut slow = 0;
    for client in outcome.slow.drain(..) {
        // In-process subscribers are part of the server: they stall
        // publishers but are never disconnected.
        if !client.is_internal() {
            client.close(CloseReason::SlowConsumerPendingBytes);
            slow += 1;
        }
    }
    slow
}

/// A tiny xorshift generator: queue-member picks need speed, not quality.
pub struct FastRng(u64);

impl FastRng {
    pub fn new(seed: u64) -> Self {
        FastRng(seed | 1)
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}
