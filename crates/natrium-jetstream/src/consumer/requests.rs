//! Request bodies of the consumer endpoints, and the status replies of
//! pull requests (`$JS.API.CONSUMER.MSG.NEXT`).
//!
//! Pull requests are not answered with JSON: problems come back as a
//! header-only message `NATS/1.0 <code> <description>`, which clients
//! match on text, so [`PullStatus`] carries nats-server's exact codes and
//! descriptions (checked against `tests/fixtures/consumer_next_*.json`).
//! The JSON requests decode leniently like Go (unknown fields ignored); the
//! names and pause requests even ignore malformed bodies, as the reference.

use serde::{Deserialize, Serialize};

use super::config::{ConsumerConfig, PriorityPolicy};
use crate::errors::{ApiError, ErrorId};
use crate::serde_util::{is_false, is_zero, null_default};
use crate::time::{go_duration, Timestamp};

/// The body of a pull request: JSON, a bare batch size (`"5"`), or empty
/// (one message).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NextRequest {
    /// Give up after this long, nanoseconds (0: never).
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub expires: i64,
    /// Messages wanted.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub batch: i64,
    /// Stop once this many bytes were delivered.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub max_bytes: i64,
    /// Answer 404 at once instead of waiting when nothing is pending.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub no_wait: bool,
    /// Idle heartbeat interval, nanoseconds.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub idle_heartbeat: i64,
    /// Priority group (ADR-42).
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub group: String,
    /// Overflow: only serve when this many messages are pending.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub min_pending: i64,
    /// Overflow: only serve when this many acks are pending.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub min_ack_pending: i64,
    /// Pinned client: the pin id the client holds.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub id: String,
    /// Prioritized: 0 (first) to 9.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub priority: i64,
    /// Whether the body was JSON (only then are the priority fields checked).
    #[serde(skip)]
    pub is_json: bool,
}

impl NextRequest {
    /// Parses a pull request body like nats-server: surrounding whitespace
    /// is ignored, empty means batch 1, `{...}` is JSON (bad JSON is a 400),
    /// a number is the batch, anything else is batch 1. A heartbeat over
    /// half the expiry is a 400.
    pub fn parse(body: &[u8]) -> Result<NextRequest, PullStatus> {
        let body = body.trim_ascii();
        let single = NextRequest {
            batch: 1,
            ..Default::default()
        };
        if body.is_empty() {
            return Ok(single);
        }
        if body[0] == b'{' {
            let mut req: NextRequest = serde_json::from_slice(body)
                .map_err(|e| PullStatus::BadRequest(crate::errors::json_error_message(&e)))?;
            req.is_json = true;
            if req.idle_heartbeat > 0 && req.idle_heartbeat.saturating_mul(2) > req.expires {
                return Err(PullStatus::BadRequest("heartbeat value too large".into()));
            }
            return Ok(req);
        }
        let batch = std::str::from_utf8(body)
            .ok()
            .and_then(|s| s.parse::<i64>().ok());
        Ok(match batch {
            Some(batch) => NextRequest {
                batch,
                ..Default::default()
            },
            None => single,
        })
    }

    /// The checks nats-server makes against the consumer before queueing
    /// the request, in its order: push consumer, batch, expires and bytes
    /// limits, then the priority group fields. The pin id check needs the
    /// current pin ([`NextRequest::check_pin`]).
    pub fn check(&self, cfg: &ConsumerConfig) -> Result<(), PullStatus> {
        if !cfg.is_pull() {
            return Err(PullStatus::PushBased);
        }
        if cfg.max_batch > 0 && self.batch > cfg.max_batch {
            return Err(PullStatus::ExceededMaxBatch(cfg.max_batch));
        }
        if self.expires > 0 && cfg.max_expires > 0 && self.expires > cfg.max_expires {
            return Err(PullStatus::ExceededMaxExpires(cfg.max_expires));
        }
        if self.max_bytes > 0 && cfg.max_bytes > 0 && self.max_bytes > cfg.max_bytes {
            return Err(PullStatus::ExceededMaxBytes(cfg.max_bytes));
        }
        if !self.is_json {
            return Ok(());
        }
        let bad = |why: &str| Err(PullStatus::BadRequest(why.to_string()));
        if (self.min_pending != 0 || self.min_ack_pending != 0)
            && cfg.priority_policy != PriorityPolicy::Overflow
        {
            return bad("Not a Overflow Priority consumer");
        }
        if !self.id.is_empty() && cfg.priority_policy != PriorityPolicy::PinnedClient {
            return bad("Not a Pinned Client Priority consumer");
        }
        if !(0..=9).contains(&self.priority) {
            return bad("Priority must be between 0 and 9");
        }
        if cfg.priority_policy != PriorityPolicy::None {
            if self.group.is_empty() {
                return bad("Priority Group missing");
            }
            if !cfg.priority_groups.contains(&self.group) {
                return bad("Invalid Priority Group");
            }
        }
        Ok(())
    }

    /// A pinned consumer refuses a request carrying another pin id (423).
    pub fn check_pin(&self, current_pin: Option<&str>) -> Result<(), PullStatus> {
        match current_pin {
            Some(pin) if !self.id.is_empty() && self.id != pin => Err(PullStatus::PinIdMismatch),
            _ => Ok(()),
        }
    }
}

/// A status reply to a pull request (a header-only message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PullStatus {
    /// 400 `Bad Request - <why>`.
    BadRequest(String),
    /// 409 `Consumer is push based`.
    PushBased,
    /// 409 `Exceeded MaxRequestBatch of <n>`.
    ExceededMaxBatch(i64),
    /// 409 `Exceeded MaxRequestExpires of <duration>` (Go duration text).
    ExceededMaxExpires(i64),
    /// 409 `Exceeded MaxRequestMaxBytes of <n>`.
    ExceededMaxBytes(i64),
    /// 409 `Exceeded MaxWaiting`.
    ExceededMaxWaiting,
    /// 404 `No Messages` (no_wait with nothing pending).
    NoMessages,
    /// 408 `Requests Pending` (no_wait while other requests take it all).
    RequestsPending,
    /// 408 `Request Timeout` with the pending counts.
    RequestTimeout {
        /// Messages still wanted.
        msgs: i64,
        /// Bytes still wanted.
        bytes: i64,
    },
    /// 408 `Interest Expired` with the pending counts.
    InterestExpired {
        /// Messages still wanted.
        msgs: i64,
        /// Bytes still wanted.
        bytes: i64,
    },
    /// 409 `Message Size Exceeds MaxBytes` with the pending counts.
    MessageSizeExceedsMaxBytes {
        /// Messages still wanted.
        msgs: i64,
        /// Bytes still wanted.
        bytes: i64,
    },
    /// 409 `Batch Completed` with the pending counts (bytes left over).
    BatchCompleted {
        /// Messages still wanted.
        msgs: i64,
        /// Bytes still wanted.
        bytes: i64,
    },
    /// 409 `Consumer Deleted`.
    ConsumerDeleted,
    /// 409 `Leadership Change`.
    LeadershipChange,
    /// 423 `Nats-Pin-Id mismatch`.
    PinIdMismatch,
    /// 423 `Nats-Wrong-Pin-Id` with the pending counts.
    WrongPinId {
        /// Messages still wanted.
        msgs: i64,
        /// Bytes still wanted.
        bytes: i64,
    },
    /// 412 `Required Api Level`.
    RequiredApiLevel,
}

impl PullStatus {
    /// The status code.
    pub fn code(&self) -> u16 {
        match self {
            PullStatus::BadRequest(_) => 400,
            PullStatus::NoMessages => 404,
            PullStatus::RequestsPending
            | PullStatus::RequestTimeout { .. }
            | PullStatus::InterestExpired { .. } => 408,
            PullStatus::RequiredApiLevel => 412,
            PullStatus::PinIdMismatch | PullStatus::WrongPinId { .. } => 423,
            _ => 409,
        }
    }

    /// The description after the code.
    pub fn description(&self) -> String {
        match self {
            PullStatus::BadRequest(why) => format!("Bad Request - {why}"),
            PullStatus::PushBased => "Consumer is push based".into(),
            PullStatus::ExceededMaxBatch(n) => format!("Exceeded MaxRequestBatch of {n}"),
            PullStatus::ExceededMaxExpires(d) => {
                format!("Exceeded MaxRequestExpires of {}", go_duration(*d))
            }
            PullStatus::ExceededMaxBytes(n) => format!("Exceeded MaxRequestMaxBytes of {n}"),
            PullStatus::ExceededMaxWaiting => "Exceeded MaxWaiting".into(),
            PullStatus::NoMessages => "No Messages".into(),
            PullStatus::RequestsPending => "Requests Pending".into(),
            PullStatus::RequestTimeout { .. } => "Request Timeout".into(),
            PullStatus::InterestExpired { .. } => "Interest Expired".into(),
            PullStatus::MessageSizeExceedsMaxBytes { .. } => "Message Size Exceeds MaxBytes".into(),
            PullStatus::BatchCompleted { .. } => "Batch Completed".into(),
            PullStatus::ConsumerDeleted => "Consumer Deleted".into(),
            PullStatus::LeadershipChange => "Leadership Change".into(),
            PullStatus::PinIdMismatch => "Nats-Pin-Id mismatch".into(),
            PullStatus::WrongPinId { .. } => "Nats-Wrong-Pin-Id".into(),
            PullStatus::RequiredApiLevel => "Required Api Level".into(),
        }
    }

    /// The pending counts some statuses carry.
    fn pending(&self) -> Option<(i64, i64)> {
        match *self {
            PullStatus::RequestTimeout { msgs, bytes }
            | PullStatus::InterestExpired { msgs, bytes }
            | PullStatus::MessageSizeExceedsMaxBytes { msgs, bytes }
            | PullStatus::BatchCompleted { msgs, bytes }
            | PullStatus::WrongPinId { msgs, bytes } => Some((msgs, bytes)),
            _ => None,
        }
    }

    /// The header block of the reply, byte for byte as nats-server sends
    /// it (`Nats-Pending-Messages` / `Nats-Pending-Bytes` where it adds them).
    pub fn to_header(&self) -> Vec<u8> {
        let mut out = format!("NATS/1.0 {} {}\r\n", self.code(), self.description());
        if let Some((msgs, bytes)) = self.pending() {
            out.push_str(&format!(
                "Nats-Pending-Messages: {msgs}\r\nNats-Pending-Bytes: {bytes}\r\n"
            ));
        }
        out.push_str("\r\n");
        out.into_bytes()
    }
}

/// CONSUMER.NAMES and CONSUMER.LIST request; a malformed body is ignored
/// (offset 0), as in nats-server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerNamesRequest {
    /// Page offset.
    #[serde(deserialize_with = "null_default")]
    pub offset: i64,
}

/// CONSUMER.LIST takes the same body as CONSUMER.NAMES.
pub type ConsumerListRequest = ConsumerNamesRequest;

impl ConsumerNamesRequest {
    /// Decodes a body, falling back to offset 0.
    pub fn parse(body: &[u8]) -> Self {
        serde_json::from_slice(body).unwrap_or_default()
    }
}

/// CONSUMER.PAUSE request: pause until a time, or resume (no time, or one
/// in the past). A malformed body resumes, as in nats-server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerPauseRequest {
    /// Paused until then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause_until: Option<Timestamp>,
}

impl ConsumerPauseRequest {
    /// Decodes a body, falling back to "resume".
    pub fn parse(body: &[u8]) -> Self {
        serde_json::from_slice(body).unwrap_or_default()
    }
}

/// CONSUMER.RESET request: the stream sequence to deliver next; an empty
/// body or `0` means just past the ack floor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerResetRequest {
    /// Where delivery starts again.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub seq: u64,
}

impl ConsumerResetRequest {
    /// Decodes a body (empty means "to the ack floor"); bad JSON is 10025.
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        if body.trim_ascii().is_empty() {
            return Ok(Self::default());
        }
        serde_json::from_slice(body).map_err(|e| ApiError::from_json_error(&e))
    }
}

/// CONSUMER.UNPIN request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerUnpinRequest {
    /// The priority group to unpin.
    #[serde(deserialize_with = "null_default")]
    pub group: String,
}

impl ConsumerUnpinRequest {
    /// Decodes a body: bad JSON and a missing group are 10025.
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        let req: ConsumerUnpinRequest =
            serde_json::from_slice(body).map_err(|e| ApiError::from_json_error(&e))?;
        if req.group.is_empty() {
            return Err(ApiError::invalid_json("consumer group not specified"));
        }
        Ok(req)
    }

    /// The group must be one of the consumer's priority groups (10160).
    pub fn check(&self, cfg: &ConsumerConfig) -> Result<(), ApiError> {
        if !cfg.priority_groups.contains(&self.group) {
            return Err(ErrorId::ConsumerInvalidPriorityGroupErr.into());
        }
        Ok(())
    }
}
