//! `StreamInfo` and `StreamState`: what STREAM.INFO, CREATE, UPDATE and
//! LIST return about a stream.
//!
//! Layout follows the reference: `config`, `created`, `state`, then the
//! optional `domain`, `cluster` (a single server reports only `leader`, its
//! server id, and only in INFO/LIST, not in CREATE), `mirror`, `sources`,
//! `alternates`, and the gathering time `ts`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::config::{ExternalStream, StreamConfig, SubjectTransform};
use crate::errors::ApiError;
use crate::serde_util::{is_false, is_zero, null_default};
use crate::time::Timestamp;

/// Counters of a stream's store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamState {
    /// Stored messages.
    pub messages: u64,
    /// Stored bytes.
    pub bytes: u64,
    /// First sequence (next to be stored when empty).
    pub first_seq: u64,
    /// Time of the first message (zero time when empty).
    pub first_ts: Timestamp,
    /// Last sequence.
    pub last_seq: u64,
    /// Time of the last message.
    pub last_ts: Timestamp,
    /// Number of distinct subjects.
    #[serde(skip_serializing_if = "is_zero")]
    pub num_subjects: u64,
    /// Per-subject counts, when `subjects_filter` was asked for.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_default"
    )]
    pub subjects: BTreeMap<String, u64>,
    /// Interior deletes.
    #[serde(skip_serializing_if = "is_zero")]
    pub num_deleted: u64,
    /// Deleted sequences, when `deleted_details` was asked for.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub deleted: Vec<u64>,
    /// Data lost to corruption.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost: Option<LostStreamData>,
    /// Consumers on the stream.
    pub consumer_count: u64,
}

/// Messages the store could not recover.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LostStreamData {
    /// Lost sequences.
    #[serde(deserialize_with = "null_default")]
    pub msgs: Vec<u64>,
    /// Lost bytes.
    pub bytes: u64,
}

/// Cluster view of a stream; a single server fills only `leader`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterInfo {
    /// Cluster name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Raft group.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub raft_group: String,
    /// Leader's server id (single server: its own id).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub leader: String,
    /// Other replicas.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub replicas: Vec<PeerInfo>,
}

/// One replica of a clustered stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerInfo {
    /// Server name.
    pub name: String,
    /// Caught up.
    pub current: bool,
    /// Unreachable.
    #[serde(skip_serializing_if = "is_false")]
    pub offline: bool,
    /// Nanoseconds since last seen.
    pub active: i64,
    /// Operations behind.
    #[serde(skip_serializing_if = "is_zero")]
    pub lag: u64,
    /// Peer id.
    pub peer: String,
}

/// State of one mirror or source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamSourceInfo {
    /// Origin stream.
    pub name: String,
    /// Origin location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalStream>,
    /// Messages behind.
    pub lag: u64,
    /// Nanoseconds since last contact, -1 never.
    pub active: i64,
    /// Why the source is not working.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    /// Filter.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub filter_subject: String,
    /// Transforms.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub subject_transforms: Vec<SubjectTransform>,
}

/// Another place the same stream can be read (mirrors with direct get).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamAlternate {
    /// Stream name.
    pub name: String,
    /// Domain.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub domain: String,
    /// Cluster.
    pub cluster: String,
}

/// Everything the API reports about a stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamInfo {
    /// Stored configuration.
    pub config: StreamConfig,
    /// Creation time.
    pub created: Timestamp,
    /// Store counters.
    pub state: StreamState,
    /// JetStream domain.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub domain: String,
    /// Cluster view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterInfo>,
    /// Mirror state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<StreamSourceInfo>,
    /// Source states.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<StreamSourceInfo>,
    /// Alternates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternates: Vec<StreamAlternate>,
    /// When this was gathered.
    #[serde(rename = "ts")]
    pub timestamp: Timestamp,
}

impl StreamSourceInfo {
    /// The info of a configured source that never connected (`active: -1`).
    pub fn idle(src: &super::config::StreamSource) -> Self {
        StreamSourceInfo {
            name: src.name.clone(),
            external: src.external.clone(),
            lag: 0,
            active: -1,
            error: None,
            filter_subject: src.filter_subject.clone(),
            subject_transforms: src.subject_transforms.clone(),
        }
    }
}
