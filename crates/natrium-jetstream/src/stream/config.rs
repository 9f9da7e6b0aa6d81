//! `StreamConfig`: what `$JS.API.STREAM.CREATE/UPDATE` carry and every
//! stream info returns.
//!
//! Field order, names and `omitempty` rules follow nats-server 2.14 exactly
//! (checked against configs captured from the reference, see
//! `tests/fixtures`): the limit fields and the boolean switches up to
//! `allow_msg_ttl` are always written, the newer feature flags only when
//! set. Durations are Go `time.Duration`: signed nanoseconds. Unknown fields
//! are ignored and `null` leaves a field at its zero value, like Go.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::serde_util::{go_string_enum, is_false, is_zero, null_default};
use crate::time::Timestamp;

go_string_enum! {
    /// How messages are retained.
    RetentionPolicy {
        /// Keep messages until a limit removes them.
        #[default]
        Limits = "limits",
        /// Keep messages while a consumer has interest.
        Interest = "interest",
        /// Remove each message once one consumer acknowledged it.
        WorkQueue = "workqueue",
    }
}

go_string_enum! {
    /// What happens when a limit is reached.
    DiscardPolicy {
        /// Remove the oldest messages.
        #[default]
        Old = "old",
        /// Refuse new messages.
        New = "new",
    }
}

go_string_enum! {
    /// Where messages are stored.
    StorageType {
        /// On disk.
        #[default]
        File = "file",
        /// In memory.
        Memory = "memory",
    }
}

/// Message block compression of file storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Compression {
    /// No compression.
    #[default]
    None,
    /// S2 compression.
    S2,
}

impl Compression {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::S2 => "s2",
        }
    }
}

impl Serialize for Compression {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Compression {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)?.as_str() {
            Some("none") => Ok(Compression::None),
            Some("s2") => Ok(Compression::S2),
            _ => Err(serde::de::Error::custom("unknown compression algorithm")),
        }
    }
}

/// How file storage flushes writes (`persist_mode`, 2.12+).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PersistMode {
    /// Write through (omitted on the wire).
    #[default]
    Default,
    /// Acknowledge before the write is flushed.
    Async,
}

impl PersistMode {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            PersistMode::Default => "default",
            PersistMode::Async => "async",
        }
    }

    /// `omitempty`: the default mode is not written.
    pub fn is_default(&self) -> bool {
        *self == PersistMode::Default
    }
}

impl Serialize for PersistMode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PersistMode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = serde_json::Value::deserialize(d)?;
        match raw.as_str() {
            Some("default") | Some("") => Ok(PersistMode::Default),
            Some("async") => Ok(PersistMode::Async),
            _ => Err(serde::de::Error::custom(format!(
                "can not unmarshal {}",
                crate::serde_util::go_quote(&raw.to_string())
            ))),
        }
    }
}

/// Cluster and tag placement hints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Placement {
    /// Target cluster.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub cluster: String,
    /// Server tags that must all match.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub tags: Vec<String>,
    /// Preferred leader (refused for streams).
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub preferred: String,
}

/// A subject mapping `src` → `dest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubjectTransform {
    /// Source pattern.
    #[serde(rename = "src", deserialize_with = "null_default")]
    pub source: String,
    /// Destination mapping.
    #[serde(rename = "dest", deserialize_with = "null_default")]
    pub destination: String,
}

/// Republish stored messages to another subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RePublish {
    /// Which stored subjects to republish (empty means `>`).
    #[serde(
        rename = "src",
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub source: String,
    /// Destination mapping.
    #[serde(rename = "dest", deserialize_with = "null_default")]
    pub destination: String,
    /// Send only headers, not the payload.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub headers_only: bool,
}

/// API and delivery prefixes of a stream in another account or domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExternalStream {
    /// API prefix, e.g. `$JS.hub.API`.
    #[serde(rename = "api", deserialize_with = "null_default")]
    pub api_prefix: String,
    /// Delivery prefix.
    #[serde(rename = "deliver", deserialize_with = "null_default")]
    pub deliver_prefix: String,
}

/// A mirror or source of another stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamSource {
    /// Origin stream name.
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    /// Start at this origin sequence.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub opt_start_seq: u64,
    /// Start at this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opt_start_time: Option<Timestamp>,
    /// Only this subject.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub filter_subject: String,
    /// Filters with mappings (exclusive with `filter_subject`).
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub subject_transforms: Vec<SubjectTransform>,
    /// Origin in another account or domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalStream>,
    /// A durable consumer on the origin, created by its owner, that feeds
    /// this mirror or source instead of one the server makes (2.14, ADR-58).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer: Option<StreamConsumerSource>,
}

/// `sources[].consumer` / `mirror.consumer`: which durable consumer of the
/// origin delivers, and to which subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamConsumerSource {
    /// The consumer's name on the origin stream.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub name: String,
    /// The (literal) subject it delivers to.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub deliver_subject: String,
}

/// Defaults applied to consumers created on the stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerLimits {
    /// Inactive threshold in nanoseconds.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub inactive_threshold: i64,
    /// Maximum outstanding acks.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub max_ack_pending: i64,
}

/// A stream's configuration, field for field as nats-server 2.14 has it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamConfig {
    /// Stream name.
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    /// Free text.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub description: String,
    /// Captured subjects; defaults to `[name]`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub subjects: Vec<String>,
    /// Retention policy.
    #[serde(deserialize_with = "null_default")]
    pub retention: RetentionPolicy,
    /// Maximum consumers, -1 unlimited.
    #[serde(deserialize_with = "null_default")]
    pub max_consumers: i64,
    /// Maximum messages, -1 unlimited.
    #[serde(deserialize_with = "null_default")]
    pub max_msgs: i64,
    /// Maximum bytes, -1 unlimited.
    #[serde(deserialize_with = "null_default")]
    pub max_bytes: i64,
    /// Maximum age in nanoseconds, 0 unlimited.
    #[serde(deserialize_with = "null_default")]
    pub max_age: i64,
    /// Maximum messages per subject, -1 unlimited.
    #[serde(deserialize_with = "null_default")]
    pub max_msgs_per_subject: i64,
    /// Maximum message size, -1 unlimited.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub max_msg_size: i32,
    /// Discard policy.
    #[serde(deserialize_with = "null_default")]
    pub discard: DiscardPolicy,
    /// Storage type.
    #[serde(deserialize_with = "null_default")]
    pub storage: StorageType,
    /// Replica count.
    #[serde(rename = "num_replicas", deserialize_with = "null_default")]
    pub num_replicas: i64,
    /// Do not acknowledge publishes.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub no_ack: bool,
    /// Owning template (legacy).
    #[serde(
        rename = "template_owner",
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub template_owner: String,
    /// Duplicate tracking window in nanoseconds.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub duplicate_window: i64,
    /// Placement hints.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    /// Mirror origin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<StreamSource>,
    /// Sources.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub sources: Vec<StreamSource>,
    /// Compression.
    pub compression: Compression,
    /// First sequence of a new stream.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub first_seq: u64,
    /// Input subject transform.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_transform: Option<SubjectTransform>,
    /// Republish.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub republish: Option<RePublish>,
    /// Allow `$JS.API.DIRECT.GET`.
    #[serde(deserialize_with = "null_default")]
    pub allow_direct: bool,
    /// Serve direct gets of the mirrored stream.
    #[serde(deserialize_with = "null_default")]
    pub mirror_direct: bool,
    /// Discard new per subject (needs discard new and max per subject).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub discard_new_per_subject: bool,
    /// No more writes, deletes or purges.
    #[serde(deserialize_with = "null_default")]
    pub sealed: bool,
    /// Refuse message deletes.
    #[serde(deserialize_with = "null_default")]
    pub deny_delete: bool,
    /// Refuse purges.
    #[serde(deserialize_with = "null_default")]
    pub deny_purge: bool,
    /// Honour `Nats-Rollup`.
    #[serde(rename = "allow_rollup_hdrs", deserialize_with = "null_default")]
    pub allow_rollup_hdrs: bool,
    /// Consumer defaults (always written, `{}` when empty).
    #[serde(deserialize_with = "null_default")]
    pub consumer_limits: ConsumerLimits,
    /// Honour `Nats-TTL` (ADR-43).
    #[serde(deserialize_with = "null_default")]
    pub allow_msg_ttl: bool,
    /// TTL of subject delete markers, nanoseconds.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub subject_delete_marker_ttl: i64,
    /// Counter stream (`Nats-Incr`, ADR-49).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub allow_msg_counter: bool,
    /// Atomic batch publish (ADR-50).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub allow_atomic: bool,
    /// Message schedules (ADR-51).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub allow_msg_schedules: bool,
    /// Fast (non-atomic) batch publish (2.14).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub allow_batched: bool,
    /// File storage persist mode.
    #[serde(
        skip_serializing_if = "PersistMode::is_default",
        deserialize_with = "null_default"
    )]
    pub persist_mode: PersistMode,
    /// User and server metadata (ADR-33), key-sorted as Go writes maps.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_default"
    )]
    pub metadata: BTreeMap<String, String>,
}

impl StreamConfig {
    /// A config with just a name (what `nats stream add --defaults` starts from).
    pub fn named(name: impl Into<String>) -> Self {
        StreamConfig {
            name: name.into(),
            ..Default::default()
        }
    }
}

/// The body of STREAM.CREATE / STREAM.UPDATE: a config plus `pedantic`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamConfigRequest {
    /// The requested configuration.
    #[serde(flatten)]
    pub config: StreamConfig,
    /// Refuse instead of silently adjusting defaults.
    #[serde(
        default,
        skip_serializing_if = "is_false",
        deserialize_with = "null_default"
    )]
    pub pedantic: bool,
}

/// The JSON name of every [`StreamConfig`] field, for strict decoding.
pub const STREAM_CONFIG_FIELDS: &[&str] = &[
    "name",
    "description",
    "subjects",
    "retention",
    "max_consumers",
    "max_msgs",
    "max_bytes",
    "max_age",
    "max_msgs_per_subject",
    "max_msg_size",
    "discard",
    "storage",
    "num_replicas",
    "no_ack",
    "template_owner",
    "duplicate_window",
    "placement",
    "mirror",
    "sources",
    "compression",
    "first_seq",
    "subject_transform",
    "republish",
    "allow_direct",
    "mirror_direct",
    "discard_new_per_subject",
    "sealed",
    "deny_delete",
    "deny_purge",
    "allow_rollup_hdrs",
    "consumer_limits",
    "allow_msg_ttl",
    "subject_delete_marker_ttl",
    "allow_msg_counter",
    "allow_atomic",
    "allow_msg_schedules",
    "allow_batched",
    "persist_mode",
    "metadata",
];

impl StreamConfigRequest {
    /// Parses a request body; errors are nats-server's 10025 "invalid JSON".
    /// An empty body is an empty config, as in nats-server.
    pub fn parse(body: &[u8]) -> Result<Self, crate::ApiError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(StreamConfigRequest::default());
        }
        // Decode the config on its own (no flatten buffering) so numbers and
        // enum errors come straight from the typed deserializer.
        let config: StreamConfig =
            serde_json::from_slice(body).map_err(|e| crate::ApiError::from_json_error(&e))?;
        // nats-server 2.14 decodes strictly: an unknown field is an error.
        if let Ok(serde_json::Value::Object(fields)) =
            serde_json::from_slice::<serde_json::Value>(body)
        {
            if let Some(unknown) = fields.keys().find(|key| {
                key.as_str() != "pedantic" && !STREAM_CONFIG_FIELDS.contains(&key.as_str())
            }) {
                return Err(crate::ApiError::invalid_json(format!(
                    "json: unknown field {unknown:?}"
                )));
            }
        }
        #[derive(Deserialize)]
        struct Flag {
            #[serde(default, deserialize_with = "null_default")]
            pedantic: bool,
        }
        let flag: Flag =
            serde_json::from_slice(body).map_err(|e| crate::ApiError::from_json_error(&e))?;
        Ok(StreamConfigRequest {
            config,
            pedantic: flag.pedantic,
        })
    }
}
