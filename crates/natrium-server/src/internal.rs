//! Internal clients: in-process subscribers and publishers on an account.
//!
//! JetStream and other server services are "just more subscribers and
//! publishers on an account". An internal client is an ordinary [`Client`]
//! whose outbound buffer is read by an in-process [`InternalInbox`] instead
//! of a socket writer, so delivery, queue groups, back-pressure and
//! monitoring treat it like any connection and need no special cases.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use natrium_protocol::server_ops::{parse_delivered, skip_line};
use natrium_subjects::SubjectError;
use parking_lot::Mutex;

use crate::account::Account;
use crate::client::delivery::{self, Delivered, FastRng, Message, Publisher};
use crate::client::outbound::PendingFlush;
use crate::client::subscription::{InlineService, Subscription};
use crate::client::Client;
use crate::server::ServerShared;

/// Internal subscribers may queue this much before publishers are stalled.
const INTERNAL_MAX_PENDING: usize = 256 * 1024 * 1024;

/// A message delivered to an internal client, owning its bytes.
#[derive(Debug, Clone)]
pub struct InternalMessage {
    pub subject: String,
    pub sid: u64,
    pub reply: Option<String>,
    /// The raw header block (`NATS/1.0\r\n...`), when the message had one.
    pub headers: Option<Bytes>,
    pub payload: Bytes,
}

/// The publishing and subscribing side of an internal client.
pub struct InternalClient {
    client: Arc<Client>,
    account: Arc<Account>,
    next_sid: AtomicU64,
    /// Delivery scratch state; publishing is serialized per internal client.
    publishing: Mutex<(FastRng, PendingFlush, Delivered)>,
}

/// The receiving side: yields what the client's subscriptions delivered.
pub struct InternalInbox {
    client: Arc<Client>,
    /// Chunks taken from the outbound buffer; frames never straddle chunks.
    batch: VecDeque<Vec<u8>>,
    /// The chunk being parsed, shared by the messages taken from it (their
    /// payloads are slices of it, not copies).
    current: Bytes,
    /// Bytes of the current chunk already parsed.
    read: usize,
}

impl InternalClient {
    /// Creates an internal client in `account`, registered with the server so
    /// it appears in monitoring like any connection.
    pub fn connect(
        server: &Arc<ServerShared>,
        account: Arc<Account>,
        name: &str,
    ) -> (Arc<InternalClient>, InternalInbox) {
        let id = server.allocate_client_id();
        let client = Arc::new(Client::new(
            id,
            SocketAddr::from(([0, 0, 0, 0], 0)),
            INTERNAL_MAX_PENDING,
        ));
        client.mark_internal();
        client.set_supports_headers(true);
        {
            let mut metadata = client.metadata.lock();
            metadata.name = name.to_string();
            metadata.lang = "natrium-internal".to_string();
            metadata.account = account.name.clone();
        }
        let internal = Arc::new(InternalClient {
            client: client.clone(),
            account,
            next_sid: AtomicU64::new(1),
            publishing: Mutex::new((
                FastRng::new(id ^ 0x5DEE_CE66_D1CE_4E5B),
                PendingFlush::default(),
                Delivered::default(),
            )),
        });
        let inbox = InternalInbox {
            client,
            batch: VecDeque::new(),
            current: Bytes::new(),
            read: 0,
        };
        (internal, inbox)
    }

    /// Subscribes; returns the sid that [`InternalMessage::sid`] will carry.
    pub fn subscribe(&self, subject: &str, queue: Option<&str>) -> Result<u64, SubjectError> {
        self.subscribe_except(subject, queue, &[])
    }

    /// Subscribes to `subject` but not to the subjects matching `except`.
    pub fn subscribe_except(
        &self,
        subject: &str,
        queue: Option<&str>,
        except: &[&str],
    ) -> Result<u64, SubjectError> {
        let sid = self.next_sid.fetch_add(1, Ordering::Relaxed);
        let subscription = Arc::new(Subscription::new(
            self.client.clone(),
            self.account.clone(),
            subject.as_bytes(),
            queue.map(str::as_bytes),
            sid.to_string().as_bytes(),
            except.iter().map(|e| e.as_bytes().into()).collect(),
        ));
        self.account.subscribe(&subscription)?;
        self.client.add_subscription(subscription);
        Ok(sid)
    }

    /// Subscribes with `service` answering client connections' messages on
    /// their own tasks; messages from other publishers still arrive in the
    /// inbox under the returned sid.
    pub fn subscribe_inline(
        &self,
        subject: &str,
        service: Arc<dyn InlineService>,
    ) -> Result<u64, SubjectError> {
        let sid = self.next_sid.fetch_add(1, Ordering::Relaxed);
        let subscription = Arc::new(
            Subscription::new(
                self.client.clone(),
                self.account.clone(),
                subject.as_bytes(),
                None,
                sid.to_string().as_bytes(),
                Vec::new(),
            )
            .with_inline(service),
        );
        self.account.subscribe(&subscription)?;
        self.client.add_subscription(subscription);
        Ok(sid)
    }

    /// The client's connection id (its subscriptions' `client.id`).
    pub fn client_id(&self) -> u64 {
        self.client.id
    }

    pub fn unsubscribe(&self, sid: u64) {
        if let Some(subscription) = self.client.subscription(sid.to_string().as_bytes()) {
            subscription.remove();
        }
    }

    /// Publishes into the account as a client would; returns how many
    /// subscribers received the message.
    pub fn publish(
        &self,
        subject: &[u8],
        reply: Option<&[u8]>,
        headers: Option<&[u8]>,
        payload: &[u8],
    ) -> usize {
        self.publish_as(subject, subject, reply, headers, payload)
    }

    /// Whether anyone in the account subscribes to `subject`.
    pub fn has_interest(&self, subject: &[u8]) -> bool {
        !self.account.matches(subject).is_empty()
    }

    /// Publishes to the subscribers of `route`, with the message showing
    /// `subject`: how JetStream delivers a stream message to a consumer's
    /// deliver subject or a pull request's inbox under its own subject.
    pub fn publish_as(
        &self,
        route: &[u8],
        subject: &[u8],
        reply: Option<&[u8]>,
        headers: Option<&[u8]>,
        payload: &[u8],
    ) -> usize {
        // Headers and payload stay in their own buffers: delivery writes
        // both parts straight into each subscriber's outbound buffer.
        let message = Message {
            subject,
            reply,
            headers,
            payload,
        };
        let matches = self.account.matches(route);
        let mut guard = self.publishing.lock();
        let (rng, pending, outcome) = &mut *guard;
        let mut publisher = Publisher {
            client: &self.client,
            echo: true,
            rng,
            inline: false,
        };
        delivery::deliver(&matches, &message, &mut publisher, pending, outcome);
        crate::account::imports::follow(&message, route, &mut publisher, pending, outcome, 0);
        let delivered = std::mem::take(&mut outcome.count);
        delivery::settle(outcome);
        outcome.stalled.clear();
        pending.flush();
        delivered
    }

    /// Stops the client: its subscriptions go, its inbox ends.
    pub fn close(&self) {
        let subscriptions = self.client.subscriptions();
        for subscription in subscriptions {
            subscription.remove();
        }
        self.client
            .close(crate::client::CloseReason::ServerShutdown);
    }
}

impl InternalInbox {
    /// The next delivered message; `None` once the client is closed.
    pub async fn next(&mut self) -> Option<InternalMessage> {
        loop {
            match self.poll() {
                Polled::Message(message) => return Some(message),
                Polled::Closed => return None,
                Polled::Empty => self.client.outbound.wait_for_data().await,
            }
        }
    }

    /// A message already delivered, without waiting for one.
    pub fn try_next(&mut self) -> Option<InternalMessage> {
        match self.poll() {
            Polled::Message(message) => Some(message),
            Polled::Empty | Polled::Closed => None,
        }
    }

    fn poll(&mut self) -> Polled {
        loop {
            loop {
                if self.read < self.current.len() {
                    if let Some((message, used)) = parse_front(&self.current, self.read) {
                        self.read += used;
                        match message {
                            Some(message) => return Polled::Message(message),
                            None => continue,
                        }
                    }
                }
                match self.batch.pop_front() {
                    Some(chunk) => {
                        self.current = Bytes::from(chunk);
                        self.read = 0;
                    }
                    None => {
                        self.current = Bytes::new();
                        self.read = 0;
                        break;
                    }
                }
            }
            let closed = self.client.outbound.take(&mut self.batch);
            if self.batch.is_empty() {
                self.client.outbound.finish(&mut self.batch);
                return if closed {
                    Polled::Closed
                } else {
                    Polled::Empty
                };
            } else {
                // Consumed chunks are not recycled: the inbox copies what it
                // keeps, and releasing the stall only needs the accounting.
                let mut none = VecDeque::new();
                self.client.outbound.finish(&mut none);
            }
        }
    }
}

enum Polled {
    Message(InternalMessage),
    Empty,
    Closed,
}

/// Parses the frame at `start` of a chunk: `Some((Some(message), used))`
/// for a message, `Some((None, used))` for a line to skip (INFO, PING meant
/// for network clients), `None` when the chunk is used up.
fn parse_front(chunk: &Bytes, start: usize) -> Option<(Option<InternalMessage>, usize)> {
    let rest = &chunk[start..];
    if let Some((msg, used)) = parse_delivered(rest) {
        let message = InternalMessage {
            subject: String::from_utf8_lossy(msg.subject).into_owned(),
            sid: std::str::from_utf8(msg.sid)
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0),
            reply: msg.reply.map(|r| String::from_utf8_lossy(r).into_owned()),
            headers: msg.headers().map(|h| chunk.slice_ref(h)),
            payload: chunk.slice_ref(msg.payload()),
        };
        return Some((Some(message), used));
    }
    skip_line(rest).map(|used| (None, used))
}
