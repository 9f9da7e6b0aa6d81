//! `ConsumerConfig` and the CONSUMER.CREATE request body.
//!
//! Field order, names and `omitempty` rules follow nats-server 2.14's
//! `ConsumerConfig` exactly, because clients read consumer configs back
//! field by field and natrium promises byte-identical responses (checked
//! against captures in `tests/fixtures/consumer_*.json`). Nearly every field
//! is `omitempty` in Go; only `deliver_policy`, `ack_policy`,
//! `replay_policy` and `num_replicas` are always written. Durations are Go
//! `time.Duration`: signed nanoseconds. `null` leaves a field at its zero
//! value, as Go's decoder does.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::errors::ApiError;
use crate::serde_util::{go_string_enum, is_false, is_zero, null_default};
use crate::time::Timestamp;

go_string_enum! {
    /// Where a new consumer starts in the stream.
    DeliverPolicy {
        /// From the first message (Go also accepts `"undefined"`).
        #[default]
        All = "all" | "undefined",
        /// From the last message.
        Last = "last",
        /// Only messages stored after creation.
        New = "new",
        /// From `opt_start_seq`.
        ByStartSequence = "by_start_sequence",
        /// From the first message at or after `opt_start_time`.
        ByStartTime = "by_start_time",
        /// The last message of every subject, then new ones.
        LastPerSubject = "last_per_subject",
    }
}

go_string_enum! {
    /// How deliveries are acknowledged.
    AckPolicy {
        /// No acknowledgements.
        #[default]
        None = "none",
        /// Acknowledging a message acknowledges all before it.
        All = "all",
        /// Every message is acknowledged on its own.
        Explicit = "explicit",
        /// Acknowledged by flow control replies (2.14, for sourcing).
        FlowControl = "flow_control",
    }
}

go_string_enum! {
    /// Delivery pace of stored messages.
    ReplayPolicy {
        /// As fast as possible.
        #[default]
        Instant = "instant",
        /// With the original gaps between messages.
        Original = "original",
    }
}

go_string_enum! {
    /// How pull requests of priority groups are served (ADR-42).
    PriorityPolicy(unknown = "unknown priority policy: ") {
        /// No priority groups (omitted on the wire).
        #[default]
        None = "none",
        /// Requests with `min_pending`/`min_ack_pending` only get overflow.
        Overflow = "overflow",
        /// One client is pinned and gets everything.
        PinnedClient = "pinned_client",
        /// Requests with the lowest `priority` are served first.
        Prioritized = "prioritized",
    }
}

impl PriorityPolicy {
    /// `omitempty`: Go's zero value (none) is not written.
    pub fn is_none(&self) -> bool {
        *self == PriorityPolicy::None
    }
}

go_string_enum! {
    /// The `action` of CONSUMER.CREATE: create, update, or either.
    CreateAction(unknown = "unknown consumer action: ") {
        /// `""`: create, or update an existing consumer.
        #[default]
        CreateOrUpdate = "",
        /// `"create"`: fail with 10148 if a different consumer exists.
        Create = "create",
        /// `"update"`: fail with 10149 if the consumer does not exist.
        Update = "update",
    }
}

/// A consumer's configuration, field for field as nats-server 2.14 has it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerConfig {
    /// Durable name (legacy; equal to `name` when both are set).
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub durable_name: String,
    /// Consumer name.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub name: String,
    /// Free text.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub description: String,
    /// Start position.
    #[serde(deserialize_with = "null_default")]
    pub deliver_policy: DeliverPolicy,
    /// Start sequence (`by_start_sequence`).
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub opt_start_seq: u64,
    /// Start time (`by_start_time`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opt_start_time: Option<Timestamp>,
    /// Acknowledgement policy.
    #[serde(deserialize_with = "null_default")]
    pub ack_policy: AckPolicy,
    /// Redelivery timeout, nanoseconds.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub ack_wait: i64,
    /// Most deliveries of one message, -1 unlimited.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub max_deliver: i64,
    /// Redelivery delays, nanoseconds (override `ack_wait`).
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub backoff: Vec<i64>,
    /// One subject filter.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub filter_subject: String,
    /// Several subject filters (exclusive with `filter_subject`).
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub filter_subjects: Vec<String>,
    /// Replay pace.
    #[serde(deserialize_with = "null_default")]
    pub replay_policy: ReplayPolicy,
    /// Push rate limit in bits per second.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub rate_limit_bps: u64,
    /// Ack sampling, e.g. `"50%"`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub sample_freq: String,
    /// Most outstanding pull requests.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub max_waiting: i64,
    /// Most unacknowledged deliveries, -1 unlimited.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub max_ack_pending: i64,
    /// Push flow control.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub flow_control: bool,
    /// Deliver headers only, with `Nats-Msg-Size`.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub headers_only: bool,
    /// Largest pull batch.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub max_batch: i64,
    /// Longest pull `expires`, nanoseconds.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub max_expires: i64,
    /// Largest pull `max_bytes`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub max_bytes: i64,
    /// Push delivery subject (empty for pull consumers).
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub deliver_subject: String,
    /// Push queue group.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub deliver_group: String,
    /// Push idle heartbeat, nanoseconds.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub idle_heartbeat: i64,
    /// Delete after this long without interest, nanoseconds.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub inactive_threshold: i64,
    /// Replicas, 0 inherits from the stream.
    #[serde(deserialize_with = "null_default")]
    pub num_replicas: i64,
    /// Keep state in memory.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub mem_storage: bool,
    /// Server-internal direct consumer (mirrors and sources).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub direct: bool,
    /// Server-internal sourcing consumer (2.14).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub sourcing: bool,
    /// User and server metadata, key-sorted as Go writes maps.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_default"
    )]
    pub metadata: BTreeMap<String, String>,
    /// Paused until this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause_until: Option<Timestamp>,
    /// Priority group names (ADR-42).
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub priority_groups: Vec<String>,
    /// Priority policy.
    #[serde(
        skip_serializing_if = "PriorityPolicy::is_none",
        deserialize_with = "null_default"
    )]
    pub priority_policy: PriorityPolicy,
    /// Pin timeout of `pinned_client`, nanoseconds.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub priority_timeout: i64,
}

impl ConsumerConfig {
    /// Whether this is a durable consumer (`durable_name` set).
    pub fn is_durable(&self) -> bool {
        !self.durable_name.is_empty()
    }

    /// Whether this is a pull consumer (no deliver subject).
    pub fn is_pull(&self) -> bool {
        self.deliver_subject.is_empty()
    }

    /// The consumer's subject filters, `filter_subject` or `filter_subjects`
    /// (empty when unfiltered), as nats-server gathers them.
    pub fn filters(&self) -> Vec<&str> {
        if self.filter_subject.is_empty() {
            self.filter_subjects.iter().map(String::as_str).collect()
        } else {
            vec![self.filter_subject.as_str()]
        }
    }

    /// The replica count nats-server runs the consumer with on `stream`
    /// (0 or more than the stream inherits the stream's, except old-style
    /// ephemerals on limits streams, which stay at 1).
    pub fn effective_replicas(&self, stream: &crate::StreamConfig) -> i64 {
        if self.num_replicas == 0 || self.num_replicas > stream.num_replicas {
            if !self.is_durable()
                && stream.retention == crate::stream::RetentionPolicy::Limits
                && self.num_replicas == 0
            {
                return 1;
            }
            return stream.num_replicas;
        }
        self.num_replicas
    }
}

/// The JSON name of every [`ConsumerConfig`] field, for strict decoding.
pub const CONSUMER_CONFIG_FIELDS: &[&str] = &[
    "durable_name",
    "name",
    "description",
    "deliver_policy",
    "opt_start_seq",
    "opt_start_time",
    "ack_policy",
    "ack_wait",
    "max_deliver",
    "backoff",
    "filter_subject",
    "filter_subjects",
    "replay_policy",
    "rate_limit_bps",
    "sample_freq",
    "max_waiting",
    "max_ack_pending",
    "flow_control",
    "headers_only",
    "max_batch",
    "max_expires",
    "max_bytes",
    "deliver_subject",
    "deliver_group",
    "idle_heartbeat",
    "inactive_threshold",
    "num_replicas",
    "mem_storage",
    "direct",
    "sourcing",
    "metadata",
    "pause_until",
    "priority_groups",
    "priority_policy",
    "priority_timeout",
];

/// The JSON names of the [`CreateConsumerRequest`] fields.
const CREATE_REQUEST_FIELDS: &[&str] = &["stream_name", "config", "action", "pedantic"];

/// The body of CONSUMER.CREATE and CONSUMER.DURABLE.CREATE.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateConsumerRequest {
    /// Stream name; must equal the one in the subject (10056).
    #[serde(deserialize_with = "null_default")]
    pub stream_name: String,
    /// Requested configuration.
    #[serde(deserialize_with = "null_default")]
    pub config: ConsumerConfig,
    /// Create, update, or either.
    #[serde(deserialize_with = "null_default")]
    pub action: CreateAction,
    /// Refuse instead of silently adjusting defaults.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub pedantic: bool,
}

impl CreateConsumerRequest {
    /// Parses a request body like nats-server 2.14: malformed JSON, wrong
    /// types, unknown enum names and unknown fields (also inside `config`)
    /// are 10025 "invalid JSON". An empty body is an empty request (which
    /// then fails the stream name check, 10056), as in nats-server.
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(CreateConsumerRequest::default());
        }
        let req: CreateConsumerRequest =
            serde_json::from_slice(body).map_err(|e| ApiError::from_json_error(&e))?;
        if let Ok(serde_json::Value::Object(fields)) =
            serde_json::from_slice::<serde_json::Value>(body)
        {
            if let Some(unknown) = fields
                .keys()
                .find(|k| !CREATE_REQUEST_FIELDS.contains(&k.as_str()))
            {
                return Err(unknown_field(unknown));
            }
            if let Some(serde_json::Value::Object(cfg)) = fields.get("config") {
                if let Some(unknown) = cfg
                    .keys()
                    .find(|k| !CONSUMER_CONFIG_FIELDS.contains(&k.as_str()))
                {
                    return Err(unknown_field(unknown));
                }
            }
        }
        Ok(req)
    }
}

/// Go's `json: unknown field "x"` as a 10025.
fn unknown_field(name: &str) -> ApiError {
    ApiError::invalid_json(format!(
        "json: unknown field {}",
        crate::serde_util::go_quote(name)
    ))
}
