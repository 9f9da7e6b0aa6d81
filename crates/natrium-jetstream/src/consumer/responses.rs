//! Response bodies of the consumer endpoints, for [`crate::api::Response`].
//!
//! Shaped like nats-server 2.14's `JSApiConsumer*Response` types: create
//! and info flatten the [`ConsumerInfo`] into the envelope (nothing on
//! error), names and list always write `consumers` (`[]`, never `null`,
//! also on error), pause always writes `paused` and `pause_until`.

use serde::{Deserialize, Serialize};

use super::info::{nanos_between, ConsumerInfo};
use crate::api::{ApiBody, Paged, Response};
use crate::serde_util::{is_false, is_zero};
use crate::time::Timestamp;

/// CONSUMER.CREATE: the created or updated consumer's info.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConsumerCreateBody {
    /// The consumer.
    #[serde(flatten)]
    pub info: Option<ConsumerInfo>,
}

impl ApiBody for ConsumerCreateBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.consumer_create_response";
}

/// CONSUMER.INFO.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConsumerInfoBody {
    /// The consumer.
    #[serde(flatten)]
    pub info: Option<ConsumerInfo>,
}

impl ApiBody for ConsumerInfoBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.consumer_info_response";
}

/// CONSUMER.DELETE.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerDeleteBody {
    /// True on success.
    #[serde(default, skip_serializing_if = "is_false")]
    pub success: bool,
}

impl ApiBody for ConsumerDeleteBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.consumer_delete_response";
}

/// CONSUMER.NAMES.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerNamesBody {
    /// Paging.
    #[serde(flatten)]
    pub paged: Paged,
    /// Names on this page, sorted.
    #[serde(default)]
    pub consumers: Vec<String>,
}

impl ApiBody for ConsumerNamesBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.consumer_names_response";
}

/// CONSUMER.LIST.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConsumerListBody {
    /// Paging.
    #[serde(flatten)]
    pub paged: Paged,
    /// Infos on this page (configs in their stored form, see
    /// [`super::metadata`]).
    #[serde(default)]
    pub consumers: Vec<ConsumerInfo>,
    /// Consumers that could not be reached (clustered).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

impl ApiBody for ConsumerListBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.consumer_list_response";
}

/// CONSUMER.PAUSE.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerPauseBody {
    /// Paused now.
    #[serde(default)]
    pub paused: bool,
    /// The pause deadline (zero time when resumed).
    #[serde(default)]
    pub pause_until: Timestamp,
    /// Nanoseconds left, when paused.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pause_remaining: i64,
}

impl ConsumerPauseBody {
    /// The reply for a consumer now set to pause until `until`, at `now`.
    pub fn at(until: Option<Timestamp>, now: Timestamp) -> Self {
        let pause_until = until.unwrap_or_default();
        let remaining = until.map_or(0, |u| nanos_between(now, u));
        ConsumerPauseBody {
            paused: remaining > 0,
            pause_until,
            pause_remaining: remaining.max(0),
        }
    }
}

impl ApiBody for ConsumerPauseBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.consumer_pause_response";
}

/// CONSUMER.RESET: the consumer's info after the reset and the sequence it
/// delivers next (`reset_seq` is written on errors too, as `0`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConsumerResetBody {
    /// The consumer.
    #[serde(flatten)]
    pub info: Option<ConsumerInfo>,
    /// The stream sequence delivered next.
    #[serde(default)]
    pub reset_seq: u64,
}

impl ApiBody for ConsumerResetBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.consumer_reset_response";
}

/// CONSUMER.UNPIN: only the envelope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerUnpinBody {}

impl ApiBody for ConsumerUnpinBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.consumer_unpin_response";
}

/// CONSUMER.LEADER.STEPDOWN.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerLeaderStepdownBody {
    /// True on success.
    #[serde(default, skip_serializing_if = "is_false")]
    pub success: bool,
}

impl ApiBody for ConsumerLeaderStepdownBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.consumer_leader_stepdown_response";
}

/// CONSUMER.CREATE response.
pub type ConsumerCreateResponse = Response<ConsumerCreateBody>;
/// CONSUMER.INFO response.
pub type ConsumerInfoResponse = Response<ConsumerInfoBody>;
/// CONSUMER.DELETE response.
pub type ConsumerDeleteResponse = Response<ConsumerDeleteBody>;
/// CONSUMER.NAMES response.
pub type ConsumerNamesResponse = Response<ConsumerNamesBody>;
/// CONSUMER.LIST response.
pub type ConsumerListResponse = Response<ConsumerListBody>;
/// CONSUMER.PAUSE response.
pub type ConsumerPauseResponse = Response<ConsumerPauseBody>;
/// CONSUMER.RESET response.
pub type ConsumerResetResponse = Response<ConsumerResetBody>;
/// CONSUMER.UNPIN response.
pub type ConsumerUnpinResponse = Response<ConsumerUnpinBody>;
/// CONSUMER.LEADER.STEPDOWN response.
pub type ConsumerLeaderStepdownResponse = Response<ConsumerLeaderStepdownBody>;
