//! `ConsumerInfo`: what CONSUMER.CREATE, CONSUMER.INFO and CONSUMER.LIST
//! report about a consumer.
//!
//! Shaped like nats-server 2.14's `ConsumerInfo` so the bytes match the
//! reference: the counters are always written, `cluster`, `push_bound`,
//! `paused`, `pause_remaining` and `priority_groups` only when set, and a
//! sequence pair's `last_active` only once something was delivered or
//! acknowledged. The server fills the numbers from its consumer state.

use serde::{Deserialize, Serialize};

use super::config::ConsumerConfig;
use crate::serde_util::{is_false, is_zero, null_default};
use crate::stream::ClusterInfo;
use crate::time::Timestamp;

/// A consumer sequence and the stream sequence it maps to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceInfo {
    /// Consumer (delivery) sequence.
    pub consumer_seq: u64,
    /// Stream sequence.
    pub stream_seq: u64,
    /// Last delivery or acknowledgement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_active: Option<Timestamp>,
}

/// The state of one priority group (ADR-42).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PriorityGroupState {
    /// Group name.
    #[serde(deserialize_with = "null_default")]
    pub group: String,
    /// Pin id of the pinned client (`pinned_client` policy).
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub pinned_client_id: String,
    /// When the client was pinned; Go writes the zero time when unpinned.
    pub pinned_ts: Timestamp,
}

/// Everything the API reports about a consumer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerInfo {
    /// Stream name.
    pub stream_name: String,
    /// Consumer name.
    pub name: String,
    /// Creation time.
    pub created: Timestamp,
    /// Configuration (with server metadata).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<ConsumerConfig>,
    /// Last delivered message.
    pub delivered: SequenceInfo,
    /// Acknowledgement floor.
    pub ack_floor: SequenceInfo,
    /// Delivered but not yet acknowledged.
    pub num_ack_pending: u64,
    /// Messages delivered more than once (0 with `max_deliver` 1).
    pub num_redelivered: u64,
    /// Waiting pull requests.
    pub num_waiting: u64,
    /// Messages left to deliver.
    pub num_pending: u64,
    /// Cluster view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterInfo>,
    /// Push consumer with active interest on its deliver subject.
    #[serde(default, skip_serializing_if = "is_false")]
    pub push_bound: bool,
    /// Paused right now.
    #[serde(default, skip_serializing_if = "is_false")]
    pub paused: bool,
    /// Nanoseconds until the pause ends.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pause_remaining: i64,
    /// When this was gathered.
    #[serde(rename = "ts")]
    pub timestamp: Timestamp,
    /// Priority group states.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub priority_groups: Vec<PriorityGroupState>,
}

impl ConsumerInfo {
    /// `paused` and `pause_remaining` as nats-server derives them from the
    /// config's `pause_until` at time `now`.
    pub fn set_pause_state(&mut self, now: Timestamp) {
        let until = self.config.as_ref().and_then(|c| c.pause_until);
        let remaining = match until {
            Some(until) => nanos_between(now, until),
            None => 0,
        };
        self.paused = remaining > 0;
        self.pause_remaining = remaining.max(0);
    }
}

/// Nanoseconds from `from` to `to` (negative when `to` is earlier).
pub(crate) fn nanos_between(from: Timestamp, to: Timestamp) -> i64 {
    match (from.unix_nanos(), to.unix_nanos()) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        // Go's zero time (year 1) is out of i64 range: long ago.
        (Some(_), None) => i64::MIN,
        (None, Some(_)) => i64::MAX,
        (None, None) => 0,
    }
}
