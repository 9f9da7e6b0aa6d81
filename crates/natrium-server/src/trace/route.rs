//! The delivery path of a traced message.
//!
//! It walks the matches exactly as [`crate::client::delivery::deliver`]
//! does (every plain subscription, one member per queue group from a random
//! start) and carries the message across imports as
//! [`crate::account::imports::follow`] does, but records every step in the
//! [`Trace`]. Actual writes go through the same `deliver_one`, so a traced
//! message reaches subscribers byte for byte as an untraced one would;
//! with `Nats-Trace-Only` nothing is written and only the route is reported.
//!
//! Crossing accounts follows nats-server's rule: a stream import reports
//! `se` for each delivery in the importer and goes on reporting only if the
//! import has `allow_trace`; a service import reports `si` and goes on
//! reporting only if the export has `allow_trace` (otherwise the exporter
//! gets the message with `Nats-Trace-Dest: trace disabled`). The server's
//! own in-process services get no events; streams get a `js` event, and
//! the report then waits for JetStream's outcome ([`super::Waiting`]).

use std::sync::Arc;

use natrium_subjects::Matches;

use super::{Trace, AUTO_UNSUBSCRIBED, CLIENT_CLOSED, NO_ECHO, SUBSCRIPTION_CLOSED};
use crate::account::imports::{Forward, MAX_HOPS};
use crate::client::delivery::{self, Delivered, Message, Publisher};
use crate::client::outbound::PendingFlush;
use crate::client::subscription::{Subscription, SubscriptionRef};

/// Delivers (or, trace-only, pretends to deliver) `message` to `matches`,
/// then follows the imports it matched, recording each step.
pub fn deliver(
    trace: &mut Trace,
    matches: &Matches<SubscriptionRef>,
    message: &Message<'_>,
    publisher: &mut Publisher<'_>,
    pending: &mut PendingFlush,
    outcome: &mut Delivered,
) {
    deliver_here(trace, matches, message, publisher, pending, outcome);
    follow(trace, message, publisher, pending, outcome, 0);
}

fn deliver_here(
    trace: &mut Trace,
    matches: &Matches<SubscriptionRef>,
    message: &Message<'_>,
    publisher: &mut Publisher<'_>,
    pending: &mut PendingFlush,
    outcome: &mut Delivered,
) {
    delivery::walk(matches, publisher, |sub, publisher| {
        one(trace, sub, message, publisher, pending, outcome)
    });
}

/// One matching subscription; returns whether it took (or would take) the message.
fn one(
    trace: &mut Trace,
    sub: &Arc<Subscription>,
    message: &Message<'_>,
    publisher: &mut Publisher<'_>,
    pending: &mut PendingFlush,
    outcome: &mut Delivered,
) -> bool {
    if let Some(forward) = &sub.forward {
        if !sub.closed.load(std::sync::atomic::Ordering::Relaxed) {
            outcome.forwards.push(forward.clone());
        }
        return true;
    }
    if sub.client.is_internal() {
        return internal(trace, sub, message, publisher, pending, outcome);
    }
    if !publisher.echo && Arc::ptr_eq(&sub.client, publisher.client) {
        trace.egress(sub, Some(NO_ECHO));
        return false;
    }
    if sub.closed.load(std::sync::atomic::Ordering::Relaxed) {
        trace.egress(sub, Some(SUBSCRIPTION_CLOSED));
        return false;
    }
    if sub.client.is_closed() {
        trace.egress(sub, Some(CLIENT_CLOSED));
        return false;
    }
    if sub
        .denied
        .iter()
        .any(|pattern| natrium_subjects::subject_matches_filter(message.subject, pattern))
    {
        trace.egress(sub, Some(super::SUBSCRIPTION_DENIES));
        return false;
    }
    if !deliver_or_pretend(trace, sub, message, publisher, pending, outcome) {
        trace.egress(sub, Some(AUTO_UNSUBSCRIBED));
        return false;
    }
    trace.egress(sub, None);
    true
}

/// Delivers; with `Nats-Trace-Only` only counts the delivery that would
/// have been made (so a request nobody would get still gets no responders).
fn deliver_or_pretend(
    trace: &Trace,
    sub: &Arc<Subscription>,
    message: &Message<'_>,
    publisher: &mut Publisher<'_>,
    pending: &mut PendingFlush,
    outcome: &mut Delivered,
) -> bool {
    if trace.only {
        outcome.count += 1;
        return true;
    }
    delivery::deliver_one(sub, message, publisher, pending, outcome)
}

/// An in-process subscriber: a stream is reported (with JetStream's outcome
/// once it has handled the message); the server's own services are not, as
/// nats-server reports no egress to them.
fn internal(
    trace: &mut Trace,
    sub: &Arc<Subscription>,
    message: &Message<'_>,
    publisher: &mut Publisher<'_>,
    pending: &mut PendingFlush,
    outcome: &mut Delivered,
) -> bool {
    let jetstream = sub.account.jetstream();
    let Some((js, (stream, subject, nointerest))) = jetstream
        .as_ref()
        .and_then(|js| Some((js, js.traced_stream(sub, message.subject)?)))
    else {
        return deliver_or_pretend(trace, sub, message, publisher, pending, outcome);
    };
    let Some(index) = trace.jetstream(stream, subject, nointerest) else {
        return deliver_or_pretend(trace, sub, message, publisher, pending, outcome);
    };
    if trace.only {
        return deliver_or_pretend(trace, sub, message, publisher, pending, outcome);
    }
    // Registered before the write: the stream may handle it at once.
    let waiting = trace.wait_for_stream();
    js.expect_trace(&trace.dest, waiting.clone(), index);
    if delivery::deliver_one(sub, message, publisher, pending, outcome) {
        return true;
    }
    js.forget_trace(&waiting, index);
    waiting.stored(index, b"", b"");
    false
}

/// Carries the message through the imports it matched, as
/// [`crate::account::imports::follow`] does, reporting each crossing.
fn follow(
    trace: &mut Trace,
    message: &Message<'_>,
    publisher: &mut Publisher<'_>,
    pending: &mut PendingFlush,
    outcome: &mut Delivered,
    depth: usize,
) {
    if outcome.forwards.is_empty() {
        return;
    }
    let forwards = std::mem::take(&mut outcome.forwards);
    for forward in &forwards {
        // Traced messages come from clients: routed on their own subject.
        let Some(hop) = forward.hop(message, message.subject, publisher) else {
            continue;
        };
        let forwarded = hop.message(message, message.subject);
        let saved = (trace.recording, trace.export.take());
        match &**forward {
            Forward::Stream { trace: allowed, .. } => {
                if trace.recording {
                    trace.export = Some((
                        hop.account.name.clone(),
                        String::from_utf8_lossy(&hop.subject).into_owned(),
                    ));
                }
                trace.recording &= *allowed;
            }
            Forward::Service { trace: allowed, .. } => {
                trace.service_import(&hop.account.name, message.subject, &hop.subject);
                trace.recording &= *allowed;
            }
            Forward::Responses { .. } => {}
        }
        // A service export that does not allow tracing gets the message
        // with its trace destination blanked out.
        let blanked = match (&**forward, forwarded.headers) {
            (Forward::Service { trace: false, .. }, Some(headers)) => {
                Some(super::disabled(headers))
            }
            _ => None,
        };
        let forwarded = Message {
            headers: blanked.as_deref().or(forwarded.headers),
            ..forwarded
        };
        let matches = hop.account.matches(&hop.subject);
        let inline = std::mem::replace(&mut publisher.inline, false);
        deliver_here(trace, &matches, &forwarded, publisher, pending, outcome);
        publisher.inline = inline;
        trace.export = None;
        if depth + 1 < MAX_HOPS {
            follow(trace, &forwarded, publisher, pending, outcome, depth + 1);
        } else {
            outcome.forwards.clear();
        }
        (trace.recording, trace.export) = saved;
    }
}
