//! Stream limits and how a message is weighed against them.
//!
//! Kept apart from the engine so the numbers that clients see in stream info
//! (`bytes`) are defined in exactly one place for both store kinds.

use std::time::Duration;

/// What to do when a limit is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Discard {
    /// Remove the oldest messages to make room.
    #[default]
    Old,
    /// Refuse the new message.
    New,
}

/// Retention limits. As in nats-server, zero or negative means unlimited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreLimits {
    pub max_msgs: i64,
    pub max_bytes: i64,
    /// Zero means no age limit.
    pub max_age: Duration,
    pub max_msgs_per_subject: i64,
    /// Bound on headers + payload of one message.
    pub max_msg_size: i32,
    pub discard: Discard,
    /// With [`Discard::New`], also refuse when the subject is full instead
    /// of dropping its oldest message.
    pub discard_new_per_subject: bool,
}

impl Default for StoreLimits {
    fn default() -> Self {
        StoreLimits {
            max_msgs: -1,
            max_bytes: -1,
            max_age: Duration::ZERO,
            max_msgs_per_subject: -1,
            max_msg_size: -1,
            discard: Discard::Old,
            discard_new_per_subject: false,
        }
    }
}

impl StoreLimits {
    pub(crate) fn max_msgs(&self) -> Option<u64> {
        (self.max_msgs > 0).then_some(self.max_msgs as u64)
    }
    pub(crate) fn max_bytes(&self) -> Option<u64> {
        (self.max_bytes > 0).then_some(self.max_bytes as u64)
    }
    pub(crate) fn max_per_subject(&self) -> Option<u64> {
        (self.max_msgs_per_subject > 0).then_some(self.max_msgs_per_subject as u64)
    }
    pub(crate) fn max_msg_size(&self) -> Option<u64> {
        (self.max_msg_size > 0).then_some(self.max_msg_size as u64)
    }
    pub(crate) fn max_age_nanos(&self) -> Option<i64> {
        (!self.max_age.is_zero()).then(|| self.max_age.as_nanos().min(i64::MAX as u128) as i64)
    }
}

/// The accounted size of a message in a file store, as nats-server counts
/// it: a 22-byte record overhead, the subject, the headers with their 4-byte
/// length when present, the payload and an 8-byte checksum.
pub fn message_size(subject: usize, headers: usize, payload: usize) -> u64 {
    let hdr = if headers > 0 { headers + 4 } else { 0 };
    (22 + subject + hdr + payload + 8) as u64
}

/// The accounted size of a message in a memory store, as nats-server counts
/// it: subject, headers and payload plus 16 bytes of sequence and time.
pub fn memory_message_size(subject: usize, headers: usize, payload: usize) -> u64 {
    (subject + headers + payload + 16) as u64
}
