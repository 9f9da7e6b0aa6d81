//! Storage engine behind JetStream streams.
//!
//! A stream is an append-only log of messages numbered by sequence. This
//! crate keeps that log behind one narrow trait, [`MessageStore`], with two
//! implementations:
//!
//! * [`MemoryStore`]: everything in RAM, gone on restart.
//! * [`FileStore`]: a segmented, checksummed append-only log on disk that
//!   survives restarts and recovers from a torn or garbled tail.
//!
//! Both are thin shells around one shared engine (`core`), which owns every
//! rule that is visible from outside: sequence numbering, limits and discard
//! policy, purge variants, expiry, per-subject bookkeeping. The shells only
//! differ in where message bytes live (a `Backend`). That is how the two
//! implementations keep *identical* semantics: there is only one copy of the
//! semantics, and the same test suite runs against both.
//!
//! Semantics follow nats-server's stream stores: sequences start at 1 and
//! never repeat; a removed message leaves a hole (reported as deleted while it
//! lies between the first and last sequence); an empty stream that had
//! messages reports `first_seq = last_seq + 1`.

mod core;
pub mod file;
pub mod limits;
pub mod memory;
mod seqs;

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;

pub use file::{Damage, FileStore, FileStoreOptions, RecoveryReport, SyncPolicy};
pub use limits::{memory_message_size, message_size, Discard, StoreLimits};
pub use memory::MemoryStore;

/// A TTL meaning "never expire, not even by the stream's max_age"
/// (the `Nats-TTL: never` of ADR-43).
pub const TTL_NEVER: Duration = Duration::MAX;

/// One message as stored, with the sequence and time the store gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub subject: Bytes,
    pub seq: u64,
    /// Unix time in nanoseconds.
    pub timestamp: i64,
    /// Raw header block (`NATS/1.0\r\n...`) or empty.
    pub headers: Bytes,
    pub payload: Bytes,
}

/// A subject that expiry left without messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emptied {
    pub subject: Bytes,
    /// The header block of its last message when that went by its own TTL
    /// (a stream tells its delete markers apart by it); `None` for max_age.
    pub ttl_headers: Option<Bytes>,
}

/// Counts and bounds of a stream, as reported in stream info.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamState {
    pub msgs: u64,
    pub bytes: u64,
    pub first_seq: u64,
    pub first_ts: i64,
    pub last_seq: u64,
    pub last_ts: i64,
    pub num_subjects: u64,
    pub num_deleted: u64,
    /// Interior deleted sequences, ascending; filled only on request.
    pub deleted: Vec<u64>,
}

/// What to purge. All fields empty purges the whole stream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeRequest {
    /// Only messages whose subject matches this filter (wildcards allowed).
    pub filter: Option<Bytes>,
    /// Only messages with a sequence *below* this one (nats' `seq`).
    pub up_to_seq: Option<u64>,
    /// Leave this many of the newest matching messages.
    pub keep: Option<u64>,
}

/// Every way a store operation can fail.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("message not found")]
    NotFound,
    #[error("message was deleted")]
    Deleted,
    #[error("maximum messages exceeded")]
    MaxMsgs,
    #[error("maximum bytes exceeded")]
    MaxBytes,
    #[error("maximum messages per subject exceeded")]
    MaxMsgsPerSubject,
    #[error("message size exceeds maximum allowed")]
    MaxMsgSize,
    #[error("invalid subject")]
    BadSubject,
    #[error("store is closed")]
    Closed,
    #[error("i/o error on {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("corrupt data in {path} at offset {offset}: {reason}")]
    Corrupt {
        path: String,
        offset: u64,
        reason: String,
    },
}

impl StoreError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        StoreError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// The contract between a JetStream stream and its storage.
///
/// Filters are subject patterns (`*`, `>`); an empty filter matches every
/// subject. Implementations are internally synchronized.
pub trait MessageStore: Send + Sync {
    /// Appends a message, applying limits, and returns its sequence and
    /// timestamp. With [`Discard::Old`] the oldest messages (of the subject,
    /// for the per-subject limit) make room; with [`Discard::New`] the
    /// message is refused with the limit's error.
    fn store(
        &self,
        subject: &[u8],
        headers: &[u8],
        payload: &[u8],
        ttl: Option<Duration>,
    ) -> Result<(u64, i64), StoreError>;

    /// As [`store`](Self::store) with a caller-chosen timestamp (replicas
    /// and tests). The time is used as given, even if it goes backwards.
    fn store_at(
        &self,
        subject: &[u8],
        headers: &[u8],
        payload: &[u8],
        ttl: Option<Duration>,
        timestamp: i64,
    ) -> Result<(u64, i64), StoreError>;

    /// The message at `seq`: [`StoreError::Deleted`] for a hole between the
    /// first and last sequence, [`StoreError::NotFound`] outside them.
    fn load(&self, seq: u64) -> Result<StoredMessage, StoreError>;

    /// The messages stored at or after `since_nanos` that have headers,
    /// oldest first (what rebuilds a de-duplication window).
    fn recent_with_headers(&self, since_nanos: i64) -> Result<Vec<StoredMessage>, StoreError>;

    /// The first message at or after `start_seq` whose subject matches.
    fn load_next(&self, filter: &[u8], start_seq: u64) -> Result<StoredMessage, StoreError>;

    /// The newest message whose subject matches.
    fn load_last(&self, filter: &[u8]) -> Result<StoredMessage, StoreError>;

    /// Removes one message; `false` if it was not there. `secure_erase`
    /// also overwrites its bytes wherever they are stored.
    fn remove(&self, seq: u64, secure_erase: bool) -> Result<bool, StoreError>;

    /// Removes messages as described by `request`; returns how many.
    fn purge(&self, request: &PurgeRequest) -> Result<u64, StoreError>;

    /// Sets the first sequence: everything below `seq` is dropped and, if
    /// `seq` is past the end, the next message gets `seq`.
    fn skip_to(&self, seq: u64) -> Result<u64, StoreError>;

    /// Uses up the sequences up to `up_to_seq` without messages (they count
    /// as deleted), so the next message gets `up_to_seq + 1`: how a mirror
    /// keeps its origin's numbering across gaps.
    fn skip_msgs(&self, up_to_seq: u64) -> Result<(), StoreError>;

    fn state(&self, include_deleted: bool) -> StreamState;

    /// The size this store accounts for a message (what `bytes` and
    /// `max_bytes` count); it differs between file and memory stores, as in
    /// nats-server.
    fn message_size(&self, subject: usize, headers: usize, payload: usize) -> u64;

    /// Message count per subject matching `filter`.
    fn subjects_state(&self, filter: &[u8]) -> BTreeMap<String, u64>;

    /// Messages at or after `start_seq` matching `filter`; with
    /// `last_per_subject`, only the newest of each subject counts.
    fn num_pending(&self, start_seq: u64, filter: &[u8], last_per_subject: bool) -> u64;

    /// Replaces the limits and enforces them at once (age against the
    /// wall clock; call [`expire`](Self::expire) for an injected time).
    fn update_limits(&self, limits: StoreLimits) -> Result<(), StoreError>;

    fn limits(&self) -> StoreLimits;

    /// Removes messages past `max_age` or their own TTL at `now_nanos`.
    fn expire(&self, now_nanos: i64) -> Result<u64, StoreError>;

    /// [`expire`](Self::expire), naming the subjects whose last message
    /// went (where a stream places delete markers).
    fn expire_subjects(&self, now_nanos: i64) -> Result<Vec<Emptied>, StoreError>;

    /// When the next message will be due for [`expire`](Self::expire).
    fn next_expiry(&self) -> Option<i64>;

    /// Hands every buffered write to the OS: from then on it survives the
    /// process being killed (not an OS crash; that takes [`sync`](Self::sync)).
    fn flush(&self) -> Result<(), StoreError>;

    /// Makes everything acknowledged so far durable.
    fn sync(&self) -> Result<(), StoreError>;

    /// Flushes (syncs too under [`SyncPolicy::Always`]) and refuses further
    /// use with [`StoreError::Closed`].
    fn close(&self) -> Result<(), StoreError>;
}

/// Unix time now in nanoseconds.
pub fn now_nanos() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos().min(i64::MAX as u128) as i64)
        .unwrap_or(0)
}
