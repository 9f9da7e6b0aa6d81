//! `$JS.API.INFO`: the account's JetStream usage and limits.
//!
//! Mirrors nats-server's `JetStreamAccountStats`: usage and limits of the
//! account (its default tier), `domain` when configured, and `api` counters
//! with the API level. Limits of -1 mean unlimited.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Account limits as reported (all -1 by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountLimits {
    /// Memory storage bytes.
    pub max_memory: i64,
    /// File storage bytes.
    pub max_storage: i64,
    /// Streams.
    pub max_streams: i64,
    /// Consumers.
    pub max_consumers: i64,
    /// Outstanding acks per consumer.
    pub max_ack_pending: i64,
    /// Largest memory stream.
    pub memory_max_stream_bytes: i64,
    /// Largest file stream.
    pub storage_max_stream_bytes: i64,
    /// Streams must set `max_bytes`.
    pub max_bytes_required: bool,
}

impl Default for AccountLimits {
    fn default() -> Self {
        AccountLimits {
            max_memory: -1,
            max_storage: -1,
            max_streams: -1,
            max_consumers: -1,
            max_ack_pending: -1,
            memory_max_stream_bytes: -1,
            storage_max_stream_bytes: -1,
            max_bytes_required: false,
        }
    }
}

/// API request counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiStats {
    /// API level spoken.
    pub level: u32,
    /// Requests served.
    pub total: u64,
    /// Requests that failed.
    pub errors: u64,
}

/// Usage and limits of one tier (or the whole account).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierStats {
    /// Memory bytes used.
    pub memory: u64,
    /// File bytes used.
    pub storage: u64,
    /// Memory bytes reserved by `max_bytes`.
    pub reserved_memory: u64,
    /// File bytes reserved by `max_bytes`.
    pub reserved_storage: u64,
    /// Streams.
    pub streams: u64,
    /// Consumers.
    pub consumers: u64,
    /// Limits.
    pub limits: AccountLimits,
}

/// The body of the `$JS.API.INFO` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInfo {
    /// Account totals.
    #[serde(flatten)]
    pub tier: TierStats,
    /// JetStream domain.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub domain: String,
    /// API counters.
    #[serde(default)]
    pub api: ApiStats,
    /// Per-tier usage (`R1`, `R3`) when tiered limits are configured.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tiers: BTreeMap<String, TierStats>,
}
