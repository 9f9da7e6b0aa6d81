//! Response envelopes of the `$JS.API` endpoints.
//!
//! Every response is `{"type":"io.nats.jetstream.api.v1.<kind>", "error":
//! {...}?, <body fields>}`. The body's non-`omitempty` fields are written
//! even with an error, as in Go (an error STREAM.INFO still carries
//! `total/offset/limit`, an error PURGE `purged:0`), so a response is one
//! [`Response<B>`] whose body `B` knows its `type` string. Serialize with
//! [`crate::gojson`] for byte-identical output.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::errors::ApiError;
use crate::stream::{StoredMsg, StreamInfo};

pub use crate::consumer::responses::*;

/// A response body and its `type` string.
pub trait ApiBody: Serialize + DeserializeOwned + Default {
    /// The `type` value, e.g. `io.nats.jetstream.api.v1.stream_info_response`.
    const TYPE: &'static str;
}

/// A complete API response: type, optional error, body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "B: DeserializeOwned"))]
pub struct Response<B> {
    /// The response type string.
    #[serde(rename = "type")]
    pub kind: String,
    /// Set when the request failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    /// The endpoint-specific fields.
    #[serde(flatten)]
    pub body: B,
}

impl<B: ApiBody> Response<B> {
    /// A successful response.
    pub fn ok(body: B) -> Self {
        Response {
            kind: B::TYPE.to_string(),
            error: None,
            body,
        }
    }

    /// A failed response (body at its defaults).
    pub fn err(error: impl Into<ApiError>) -> Self {
        Response {
            kind: B::TYPE.to_string(),
            error: Some(error.into()),
            body: B::default(),
        }
    }

    /// Go-compatible JSON bytes.
    pub fn to_vec(&self) -> Vec<u8> {
        // Plain data structs with string keys: serialization cannot fail.
        crate::gojson::to_vec(self).unwrap_or_default()
    }
}

/// `total`, `offset`, `limit` of paged responses (`ApiPaged`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paged {
    /// Items before paging.
    pub total: usize,
    /// Index of the first returned item.
    pub offset: usize,
    /// Page size.
    pub limit: usize,
}

/// Page size of STREAM.NAMES (and CONSUMER.NAMES).
pub const NAMES_LIMIT: usize = 1024;
/// Page size of STREAM.LIST (and CONSUMER.LIST).
pub const LIST_LIMIT: usize = 256;
/// Page size of the per-subject counts in STREAM.INFO.
pub const SUBJECT_DETAILS_LIMIT: usize = 100_000;

impl Paged {
    /// Pages `total` items from `offset` (clamped to `0..=total`).
    pub fn new(total: usize, offset: i64, limit: usize) -> Self {
        let offset = usize::try_from(offset.max(0))
            .unwrap_or(usize::MAX)
            .min(total);
        Paged {
            total,
            offset,
            limit,
        }
    }

    /// The index range of the page.
    pub fn range(&self) -> std::ops::Range<usize> {
        let start = self.offset.min(self.total);
        start..start.saturating_add(self.limit).min(self.total)
    }
}

/// STREAM.CREATE: stream info plus `did_create`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamCreateBody {
    /// The created (or existing identical) stream.
    #[serde(flatten)]
    pub info: Option<StreamInfo>,
    /// True when this request created the stream.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_false")]
    pub did_create: bool,
}

impl ApiBody for StreamCreateBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.stream_create_response";
}

/// STREAM.UPDATE: the updated stream's info.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamUpdateBody {
    /// The stream after the update.
    #[serde(flatten)]
    pub info: Option<StreamInfo>,
}

impl ApiBody for StreamUpdateBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.stream_update_response";
}

/// STREAM.INFO: paging of `state.subjects`, then the info.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamInfoBody {
    /// Paging of the subject details (all zero without `subjects_filter`).
    #[serde(flatten)]
    pub paged: Paged,
    /// The stream.
    #[serde(flatten)]
    pub info: Option<StreamInfo>,
}

impl ApiBody for StreamInfoBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.stream_info_response";
}

/// STREAM.DELETE.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamDeleteBody {
    /// True on success.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_false")]
    pub success: bool,
}

impl ApiBody for StreamDeleteBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.stream_delete_response";
}

/// STREAM.MSG.DELETE.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamMsgDeleteBody {
    /// True on success.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_false")]
    pub success: bool,
}

impl ApiBody for StreamMsgDeleteBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.stream_msg_delete_response";
}

/// STREAM.PURGE.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamPurgeBody {
    /// True on success.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_false")]
    pub success: bool,
    /// Messages removed (written even on error).
    #[serde(default)]
    pub purged: u64,
}

impl ApiBody for StreamPurgeBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.stream_purge_response";
}

/// STREAM.NAMES: `streams` is `null`, not `[]`, when nothing matched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamNamesBody {
    /// Paging.
    #[serde(flatten)]
    pub paged: Paged,
    /// Names on this page.
    #[serde(default)]
    pub streams: Option<Vec<String>>,
}

impl ApiBody for StreamNamesBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.stream_names_response";
}

/// STREAM.LIST: `streams` is always an array.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamListBody {
    /// Paging.
    #[serde(flatten)]
    pub paged: Paged,
    /// Infos on this page.
    #[serde(default)]
    pub streams: Vec<StreamInfo>,
    /// Streams that could not be reached (clustered).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

impl ApiBody for StreamListBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.stream_list_response";
}

/// STREAM.MSG.GET.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamMsgGetBody {
    /// The message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<StoredMsg>,
}

impl ApiBody for StreamMsgGetBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.stream_msg_get_response";
}

/// `$JS.API.INFO`.
impl ApiBody for crate::account::AccountInfo {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.account_info_response";
}

/// Response aliases, one per endpoint.
pub type StreamCreateResponse = Response<StreamCreateBody>;
/// STREAM.UPDATE response.
pub type StreamUpdateResponse = Response<StreamUpdateBody>;
/// STREAM.INFO response.
pub type StreamInfoResponse = Response<StreamInfoBody>;
/// STREAM.DELETE response.
pub type StreamDeleteResponse = Response<StreamDeleteBody>;
/// STREAM.MSG.DELETE response.
pub type StreamMsgDeleteResponse = Response<StreamMsgDeleteBody>;
/// STREAM.PURGE response.
pub type StreamPurgeResponse = Response<StreamPurgeBody>;
/// STREAM.NAMES response.
pub type StreamNamesResponse = Response<StreamNamesBody>;
/// STREAM.LIST response.
pub type StreamListResponse = Response<StreamListBody>;
/// STREAM.MSG.GET response.
pub type StreamMsgGetResponse = Response<StreamMsgGetBody>;
/// `$JS.API.INFO` response.
pub type AccountInfoResponse = Response<crate::account::AccountInfo>;
