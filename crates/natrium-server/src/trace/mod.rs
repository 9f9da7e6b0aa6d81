//! Message tracing (ADR-41): a message published with a `Nats-Trace-Dest`
//! header makes the server report what it did with it, as one JSON event
//! published in the publisher's account to that subject: how it came in,
//! whether a subject mapping renamed it, which stream exports and service
//! imports carried it into other accounts, which JetStream streams took it
//! and which subscriptions it left through. `Nats-Trace-Only` asks for the
//! report without the deliveries (nothing delivered, nothing stored);
//! `Accept-Encoding` for a gzip or snappy compressed report.
//!
//! The shape follows the cost rule of the hot path: an untraced message pays
//! only [`requested`], a scan of the header block of messages that have one.
//! A traced message takes a path of its own ([`route`]) that walks the same
//! matches as plain delivery but records each step in a [`Trace`]; that path
//! may allocate freely. The JSON field names and order are nats-server 2.14's.

mod encoding;
pub mod route;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use parking_lot::Mutex;
use serde::Serialize;

use self::encoding::Encoding;
use crate::account::Account;
use crate::client::delivery::{self, Delivered, FastRng, Message, Publisher};
use crate::client::outbound::PendingFlush;
use crate::client::subscription::Subscription;
use crate::client::Client;
use crate::server::ServerShared;

/// The header naming the subject trace events go to.
pub const TRACE_DEST: &str = "Nats-Trace-Dest";
/// The header asking for a trace without delivery.
pub const TRACE_ONLY: &str = "Nats-Trace-Only";

/// nats-server's connection kind of client connections, as `kind` reports
/// it (routes, gateways and leaf connections have others; natrium-server
/// has none of them yet).
const KIND_CLIENT: u8 = 0;

/// Why a matching subscription did not get a traced message (nats-server's texts).
pub const NO_ECHO: &str = "Not delivered because of no echo";
pub const SUBSCRIPTION_DENIES: &str = "Not delivered because subscription denies this subject";
pub const SUBSCRIPTION_CLOSED: &str = "Not delivered because subscription is closed";
pub const CLIENT_CLOSED: &str = "Not delivered because client is closed";
pub const AUTO_UNSUBSCRIBED: &str = "Not delivered because auto-unsubscribe exceeded";

/// Whether a header block asks for a trace: a `Nats-Trace-Dest:` line.
/// This is all an untraced message with headers pays: no allocation.
#[inline]
pub fn requested(headers: &[u8]) -> bool {
    destination(headers).is_some()
}

/// The trace destination a header block names, if any.
#[inline]
pub fn destination(headers: &[u8]) -> Option<&[u8]> {
    header_value(headers, TRACE_DEST).filter(|v| !v.is_empty())
}

/// The value of the first header line named exactly `name` (names compare
/// case-sensitively, as nats-server looks these up), trimmed.
fn header_value<'h>(headers: &'h [u8], name: &str) -> Option<&'h [u8]> {
    let name = name.as_bytes();
    let mut rest = headers;
    // The first line is the status line (`NATS/1.0`), never a header.
    while let Some(newline) = rest.iter().position(|&b| b == b'\n') {
        rest = &rest[newline + 1..];
        if rest.len() > name.len() && rest.starts_with(name) && rest[name.len()] == b':' {
            let value = &rest[name.len() + 1..];
            let end = value
                .iter()
                .position(|&b| b == b'\r' || b == b'\n')
                .unwrap_or(value.len());
            return Some(value[..end].trim_ascii());
        }
    }
    None
}

/// The header block with the trace destination replaced by `trace disabled`,
/// as nats-server hands a traced message to a service export that does not
/// allow tracing (so nobody downstream traces it again).
pub fn disabled(headers: &[u8]) -> Vec<u8> {
    let key = format!("\r\n{TRACE_DEST}:");
    let Some(start) = headers
        .windows(key.len())
        .position(|window| window == key.as_bytes())
    else {
        return headers.to_vec();
    };
    let value_start = start + key.len();
    let value_end = headers[value_start..]
        .windows(2)
        .position(|w| w == b"\r\n")
        .map_or(headers.len(), |end| value_start + end);
    let mut block = Vec::with_capacity(headers.len() + 16);
    block.extend_from_slice(&headers[..value_start]);
    block.extend_from_slice(b" trace disabled");
    block.extend_from_slice(&headers[value_end..]);
    block
}

/// Every header of a block, by name as sent, values in order.
fn header_map(headers: &[u8]) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let text = String::from_utf8_lossy(headers);
    for line in text.split("\r\n").skip(1) {
        if let Some((name, value)) = line.split_once(':') {
            if name.is_empty() {
                continue;
            }
            map.entry(name.to_string())
                .or_default()
                .push(value.trim().to_string());
        }
    }
    map
}

/// One step of a message through the server, as nats-server names them.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type")]
pub enum Event {
    #[serde(rename = "in")]
    Ingress {
        ts: String,
        kind: u8,
        cid: u64,
        #[serde(skip_serializing_if = "String::is_empty")]
        name: String,
        acc: String,
        subj: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    #[serde(rename = "sm")]
    SubjectMapping { ts: String, to: String },
    #[serde(rename = "se")]
    StreamExport { ts: String, acc: String, to: String },
    #[serde(rename = "si")]
    ServiceImport {
        ts: String,
        acc: String,
        from: String,
        to: String,
    },
    #[serde(rename = "js")]
    JetStream {
        ts: String,
        stream: String,
        #[serde(skip_serializing_if = "String::is_empty")]
        subject: String,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        nointerest: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    #[serde(rename = "eg")]
    Egress {
        ts: String,
        kind: u8,
        cid: u64,
        #[serde(skip_serializing_if = "String::is_empty")]
        name: String,
        #[serde(skip_serializing_if = "String::is_empty")]
        acc: String,
        #[serde(skip_serializing_if = "String::is_empty")]
        sub: String,
        #[serde(skip_serializing_if = "String::is_empty")]
        queue: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
}

/// What nats-server's trace says when a stream refused a message, from
/// JetStream's reply (`ack`) and the message's headers; `true` when the
/// store itself refused it (the event keeps the stored subject then).
fn jetstream_error(ack: &[u8], headers: &[u8]) -> Option<(String, bool)> {
    let reply: serde_json::Value = serde_json::from_slice(ack).ok()?;
    if reply["duplicate"] == true {
        return Some(("msgid is duplicate".to_string(), false));
    }
    let description = reply["error"]["description"].as_str()?;
    let expected = |name: &str| {
        header_value(headers, name)
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default()
    };
    let store_stage = [
        "maximum messages",
        "maximum bytes",
        "insufficient resources",
    ]
    .iter()
    .any(|prefix| description.starts_with(prefix));
    let text = if let Some(last) = description.strip_prefix("wrong last sequence: ") {
        match header_value(headers, "Nats-Expected-Last-Subject-Sequence") {
            Some(_) => format!(
                "last sequence by subject mismatch: {} vs {last}",
                expected("Nats-Expected-Last-Subject-Sequence")
            ),
            None => format!(
                "last sequence mismatch: {} vs {last}",
                expected("Nats-Expected-Last-Sequence")
            ),
        }
    } else if let Some(last) = description.strip_prefix("wrong last msg ID: ") {
        format!(
            "last msgid mismatch: {:?} vs {last:?}",
            expected("Nats-Expected-Last-Msg-Id")
        )
    } else {
        match description {
            "message size exceeds maximum allowed" => "maximum payload exceeded".to_string(),
            "per-message TTL is disabled" => "message TTL disabled".to_string(),
            other => other.to_string(),
        }
    };
    Some((text, store_stage))
}

#[derive(Serialize)]
struct Request<'a> {
    header: &'a BTreeMap<String, Vec<String>>,
    msgsize: usize,
}

#[derive(Serialize)]
struct Report<'a> {
    server: serde_json::Value,
    request: Request<'a>,
    events: &'a [Event],
}

fn now() -> String {
    crate::monitoring::rfc3339(SystemTime::now())
}

/// The trace of one message while the server handles it.
pub struct Trace {
    /// Where the report goes, and the account it is published in.
    dest: Vec<u8>,
    account: Arc<Account>,
    /// `Nats-Trace-Only`: report, do not deliver.
    pub only: bool,
    encoding: Encoding,
    header: BTreeMap<String, Vec<String>>,
    size: usize,
    events: Vec<Event>,
    /// False once the message crossed an import or export without
    /// `allow_trace`: it is still delivered, but no longer reported.
    recording: bool,
    /// Inside a stream import: each delivery there is reported as this
    /// export first (into the importing account, under this subject).
    export: Option<(String, String)>,
    /// Set once a stream was handed the message: the report waits for
    /// JetStream to say how storing went.
    waiting: Option<Arc<Waiting>>,
}

/// A report waiting for the streams a traced message was delivered to: the
/// last of the publisher and the streams to finish sends it, as
/// nats-server's report carries JetStream's outcome.
#[derive(Default)]
pub struct Waiting {
    state: Mutex<WaitState>,
}

#[derive(Default)]
struct WaitState {
    /// Streams that have not handled the message yet.
    outstanding: usize,
    /// Outcomes that came before the publisher finished: (event, ack, headers).
    early: Vec<(usize, Vec<u8>, Vec<u8>)>,
    /// The finished trace, once the publisher is done with it.
    trace: Option<(Trace, Arc<ServerShared>)>,
}

impl Waiting {
    /// JetStream handled the message (with `headers`) for event `index`;
    /// `ack` is its reply.
    pub fn stored(&self, index: usize, ack: &[u8], headers: &[u8]) {
        let ready = {
            let mut state = self.state.lock();
            state.outstanding = state.outstanding.saturating_sub(1);
            match &mut state.trace {
                Some((trace, _)) => trace.stored(index, ack, headers),
                None => state.early.push((index, ack.to_vec(), headers.to_vec())),
            }
            if state.outstanding == 0 {
                state.trace.take()
            } else {
                None
            }
        };
        if let Some((trace, server)) = ready {
            trace.publish(&server);
        }
    }
}

impl Trace {
    /// Starts the trace of a message a client published, if its headers ask for one.
    pub fn start(client: &Client, account: &Arc<Account>, message: &Message<'_>) -> Option<Trace> {
        let headers = message.headers?;
        let dest = destination(headers)?;
        let only = header_value(headers, TRACE_ONLY).is_some_and(|v| {
            v.eq_ignore_ascii_case(b"1")
                || v.eq_ignore_ascii_case(b"true")
                || v.eq_ignore_ascii_case(b"on")
        });
        let ingress = Event::Ingress {
            ts: now(),
            kind: KIND_CLIENT,
            cid: client.id,
            name: client.metadata.lock().name.clone(),
            acc: account.name.clone(),
            subj: String::from_utf8_lossy(message.subject).into_owned(),
            error: None,
        };
        Some(Trace {
            dest: dest.to_vec(),
            account: account.clone(),
            only,
            encoding: Encoding::from_headers(headers),
            header: header_map(headers),
            size: message.size(),
            events: vec![ingress],
            recording: true,
            export: None,
            waiting: None,
        })
    }

    /// The account the message came in through.
    fn ingress_account(&self) -> &str {
        match self.events.first() {
            Some(Event::Ingress { acc, .. }) => acc,
            _ => "",
        }
    }

    /// Marks the ingress refused (a publish permission violation).
    pub fn ingress_error(&mut self, text: &str) {
        if let Some(Event::Ingress { error, .. }) = self.events.first_mut() {
            *error = Some(text.to_string());
        }
    }

    /// A subject mapping renamed the message.
    pub fn mapped(&mut self, to: &[u8]) {
        if self.recording {
            self.events.push(Event::SubjectMapping {
                ts: now(),
                to: String::from_utf8_lossy(to).into_owned(),
            });
        }
    }

    fn service_import(&mut self, acc: &str, from: &[u8], to: &[u8]) {
        if self.recording {
            self.events.push(Event::ServiceImport {
                ts: now(),
                acc: acc.to_string(),
                from: String::from_utf8_lossy(from).into_owned(),
                to: String::from_utf8_lossy(to).into_owned(),
            });
        }
    }

    /// Reports the stream export a delivery inside a stream import went through.
    fn exported(&mut self) {
        if let Some((acc, to)) = &self.export {
            self.events.push(Event::StreamExport {
                ts: now(),
                acc: acc.clone(),
                to: to.clone(),
            });
        }
    }

    /// A stream takes the message; returns the event's index, for
    /// JetStream's outcome.
    fn jetstream(&mut self, stream: String, subject: String, nointerest: bool) -> Option<usize> {
        self.exported();
        if !self.recording {
            return None;
        }
        self.events.push(Event::JetStream {
            ts: now(),
            stream,
            subject,
            nointerest,
            error: None,
        });
        Some(self.events.len() - 1)
    }

    /// The report will wait for a stream to handle the message (event `index`).
    fn wait_for_stream(&mut self) -> Arc<Waiting> {
        let waiting = self.waiting.get_or_insert_with(Arc::default).clone();
        waiting.state.lock().outstanding += 1;
        waiting
    }

    /// Applies JetStream's reply to event `index`: an error, and no stored
    /// subject when the message was refused before the store saw it (as
    /// nats-server reports it).
    fn stored(&mut self, index: usize, ack: &[u8], headers: &[u8]) {
        let Some(Event::JetStream { subject, error, .. }) = self.events.get_mut(index) else {
            return;
        };
        if let Some((text, store_stage)) = jetstream_error(ack, headers) {
            if !store_stage {
                subject.clear();
            }
            *error = Some(text);
        }
    }

    /// One delivery to a client (or, with `error`, why a matching
    /// subscription got none).
    fn egress(&mut self, sub: &Subscription, error: Option<&str>) {
        self.exported();
        if !self.recording {
            return;
        }
        let acc = if sub.account.name != self.ingress_account() {
            sub.account.name.clone()
        } else {
            String::new()
        };
        self.events.push(Event::Egress {
            ts: now(),
            kind: KIND_CLIENT,
            cid: sub.client.id,
            name: sub.client.metadata.lock().name.clone(),
            acc,
            sub: sub.subject_str(),
            queue: sub
                .queue
                .as_deref()
                .map(|q| String::from_utf8_lossy(q).into_owned())
                .unwrap_or_default(),
            error: error.map(str::to_string),
        });
    }

    /// Sends the report to the trace destination in the publisher's
    /// account: now, or once the streams it went to have handled it.
    pub fn send(mut self, server: &Arc<ServerShared>) {
        let Some(waiting) = self.waiting.take() else {
            return self.publish(server);
        };
        let ready = {
            let mut state = waiting.state.lock();
            for (index, ack, headers) in std::mem::take(&mut state.early) {
                self.stored(index, &ack, &headers);
            }
            if state.outstanding == 0 {
                Some(self)
            } else {
                state.trace = Some((self, server.clone()));
                None
            }
        };
        if let Some(trace) = ready {
            trace.publish(server);
        }
    }

    fn publish(self, server: &ServerShared) {
        let server_block = server
            .system
            .get()
            .map(|system| system.server_block(server))
            .unwrap_or_default();
        let report = Report {
            server: server_block,
            request: Request {
                header: &self.header,
                msgsize: self.size,
            },
            events: &self.events,
        };
        let Ok(body) = serde_json::to_vec(&report) else {
            return;
        };
        let (headers, body) = self.encoding.encode(body);
        let message = Message {
            subject: &self.dest,
            reply: None,
            headers,
            payload: &body,
        };
        let sender = self.account.forwarder();
        let mut rng = FastRng::new(sender.id ^ body.len() as u64);
        let mut publisher = Publisher {
            client: &sender,
            echo: true,
            rng: &mut rng,
            inline: false,
        };
        let mut pending = PendingFlush::default();
        let mut outcome = Delivered::default();
        let matches = self.account.matches(&self.dest);
        delivery::deliver(
            &matches,
            &message,
            &mut publisher,
            &mut pending,
            &mut outcome,
        );
        crate::account::imports::follow(
            &message,
            message.subject,
            &mut publisher,
            &mut pending,
            &mut outcome,
            0,
        );
        delivery::settle(&mut outcome);
        pending.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_trace_headers_by_exact_name() {
        let block =
            b"NATS/1.0\r\nX: 1\r\nNats-Trace-Dest:  my.trace \r\nNats-Trace-Only: on\r\n\r\n";
        assert!(requested(block));
        assert_eq!(header_value(block, TRACE_DEST), Some(&b"my.trace"[..]));
        assert_eq!(header_value(block, TRACE_ONLY), Some(&b"on"[..]));
        assert!(!requested(b"NATS/1.0\r\nnats-trace-dest: x\r\n\r\n"));
        assert!(!requested(b"NATS/1.0\r\nXNats-Trace-Dest: x\r\n\r\n"));
        assert!(!requested(b"NATS/1.0\r\nNats-Trace-Dest:\r\n\r\n"));
    }

    #[test]
    fn disabling_replaces_only_the_destination() {
        let block = b"NATS/1.0\r\nA: 1\r\nNats-Trace-Dest: t.1\r\nB: 2\r\n\r\n";
        assert_eq!(
            disabled(block),
            b"NATS/1.0\r\nA: 1\r\nNats-Trace-Dest: trace disabled\r\nB: 2\r\n\r\n"
        );
        assert_eq!(
            header_value(&disabled(block), TRACE_DEST),
            Some(&b"trace disabled"[..])
        );
    }

    #[test]
    fn header_map_keeps_names_as_sent_and_repeated_values() {
        let block = b"NATS/1.0\r\nx-a: 1\r\nX-A: 2\r\nx-a: 3\r\n\r\n";
        let map = header_map(block);
        assert_eq!(map["x-a"], vec!["1", "3"]);
        assert_eq!(map["X-A"], vec!["2"]);
        assert_eq!(map.keys().collect::<Vec<_>>(), vec!["X-A", "x-a"]);
    }
}
