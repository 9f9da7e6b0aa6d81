//! Client connections.
//!
//! A [`Client`] is the part of a connection that other tasks touch: its
//! outbound buffer, counters, metadata for monitoring and its subscriptions.
//! The connection's own reader task ([`connection`]) parses and acts on what
//! the client sends; its writer task ([`writer::write_loop`]) flushes.

pub mod chunks;
pub mod connection;
pub mod delivery;
pub mod outbound;
pub mod subscription;
pub mod writer;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use parking_lot::Mutex;
use tokio::sync::Notify;

use self::outbound::Outbound;
use self::subscription::Subscription;

/// Why a connection closed, with nats-server's wording (seen in `/connz`
/// `reason` and the debug log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    ClientClosed,
    AuthenticationTimeout,
    AuthenticationViolation,
    ProtocolViolation,
    SlowConsumerPendingBytes,
    SlowConsumerWriteDeadline,
    WriteError,
    ReadError,
    ParseError,
    StaleConnection,
    MaxPayloadExceeded,
    MaxConnectionsExceeded,
    MaxAccountConnectionsExceeded,
    MaxControlLineExceeded,
    ServerShutdown,
    LameDuckMode,
}

impl CloseReason {
    pub fn text(self) -> &'static str {
        match self {
            CloseReason::ClientClosed => "Client Closed",
            CloseReason::AuthenticationTimeout => "Authentication Timeout",
            CloseReason::AuthenticationViolation => "Authentication Failure",
            CloseReason::ProtocolViolation => "Protocol Violation",
            CloseReason::SlowConsumerPendingBytes => "Slow Consumer (Pending Bytes)",
            CloseReason::SlowConsumerWriteDeadline => "Slow Consumer (Write Deadline)",
            CloseReason::WriteError => "Write Error",
            CloseReason::ReadError => "Read Error",
            CloseReason::ParseError => "Parse Error",
            CloseReason::StaleConnection => "Stale Connection",
            CloseReason::MaxPayloadExceeded => "Maximum Message Payload Exceeded",
            CloseReason::MaxConnectionsExceeded => "Maximum Connections Exceeded",
            CloseReason::MaxAccountConnectionsExceeded => "Maximum Account Connections Exceeded",
            CloseReason::MaxControlLineExceeded => "Maximum Control Line Exceeded",
            CloseReason::ServerShutdown => "Server Shutdown",
            CloseReason::LameDuckMode => "Lame Duck Mode",
        }
    }

    pub fn is_slow_consumer(self) -> bool {
        matches!(
            self,
            CloseReason::SlowConsumerPendingBytes | CloseReason::SlowConsumerWriteDeadline
        )
    }
}

/// What a client told us about itself in CONNECT, and who it authenticated as.
#[derive(Debug, Clone, Default)]
pub struct ClientMetadata {
    pub name: String,
    pub lang: String,
    pub version: String,
    pub user: String,
    pub account: String,
    pub rtt: Option<std::time::Duration>,
}

pub struct Client {
    pub id: u64,
    pub addr: SocketAddr,
    pub start: SystemTime,
    pub outbound: Outbound,
    pub metadata: Mutex<ClientMetadata>,
    pub in_msgs: AtomicU64,
    pub in_bytes: AtomicU64,
    /// Unix nanoseconds of the last read.
    pub last_activity: AtomicU64,
    /// Set from CONNECT: whether HMSG may be sent to this client.
    headers: AtomicBool,
    /// An in-process client (JetStream, services): never cut off as slow.
    internal: AtomicBool,
    subscriptions: Mutex<HashMap<Box<[u8]>, Arc<Subscription>>>,
    /// Set for users with `allow_responses`: replies they may publish to.
    pub reply_allowance: OnceLock<crate::permissions::ReplyAllowance>,
    close_reason: OnceLock<CloseReason>,
    closing: Notify,
}

impl Client {
    pub fn new(id: u64, addr: SocketAddr, max_pending: usize) -> Self {
        let start = SystemTime::now();
        Client {
            id,
            addr,
            start,
            outbound: Outbound::new(max_pending),
            metadata: Mutex::new(ClientMetadata::default()),
            in_msgs: AtomicU64::new(0),
            in_bytes: AtomicU64::new(0),
            last_activity: AtomicU64::new(unix_nanos(start)),
            headers: AtomicBool::new(false),
            internal: AtomicBool::new(false),
            subscriptions: Mutex::new(HashMap::new()),
            reply_allowance: OnceLock::new(),
            close_reason: OnceLock::new(),
            closing: Notify::new(),
        }
    }

    /// Closes the connection: the writer flushes what is queued (such as a
    /// final `-ERR`) and the reader stops. The first reason wins.
    pub fn close(&self, reason: CloseReason) {
        if self.close_reason.set(reason).is_ok() {
            self.outbound.close();
            self.closing.notify_one();
        }
    }

    pub fn close_reason(&self) -> Option<CloseReason> {
        self.close_reason.get().copied()
    }

    pub fn is_closed(&self) -> bool {
        self.close_reason.get().is_some()
    }

    /// Resolves once [`Client::close`] was called.
    pub async fn closed(&self) {
        if self.is_closed() {
            return;
        }
        self.closing.notified().await;
    }

    pub fn subscription(&self, sid: &[u8]) -> Option<Arc<Subscription>> {
        self.subscriptions.lock().get(sid).cloned()
    }

    pub fn add_subscription(&self, subscription: Arc<Subscription>) {
        self.subscriptions
            .lock()
            .insert(subscription.sid.clone(), subscription);
    }

    pub fn forget_subscription(&self, sid: &[u8]) {
        self.subscriptions.lock().remove(sid);
    }

    pub fn subscription_count(&self) -> usize {
        self.subscriptions.lock().len()
    }

    pub fn subscriptions(&self) -> Vec<Arc<Subscription>> {
        self.subscriptions.lock().values().cloned().collect()
    }

    pub fn supports_headers(&self) -> bool {
        self.headers.load(Ordering::Relaxed)
    }

    pub fn set_supports_headers(&self, headers: bool) {
        self.headers.store(headers, Ordering::Relaxed);
    }

    pub fn is_internal(&self) -> bool {
        self.internal.load(Ordering::Relaxed)
    }

    pub fn mark_internal(&self) {
        self.internal.store(true, Ordering::Relaxed);
        self.outbound.disable_pacing();
    }

    pub fn touch(&self) {
        self.last_activity
            .store(unix_nanos(SystemTime::now()), Ordering::Relaxed);
    }

    /// `ip:port - cid:N` as nats-server prefixes its client log lines.
    pub fn log_prefix(&self) -> String {
        format!("{} - cid:{}", self.addr, self.id)
    }
}

pub fn unix_nanos(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}
