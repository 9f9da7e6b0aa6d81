//! `PubAck`: the reply to a publish into a stream.
//!
//! nats-server builds these by hand rather than with `json.Marshal`, and
//! its text differs from what a serializer would write: no `type`, the
//! error (if any) first with `"seq":0`, and a space in `"duplicate": true`.
//! [`PubAck::to_wire`] reproduces those bytes exactly; serde is for clients.

use serde::{Deserialize, Serialize};

use crate::errors::ApiError;
use crate::gojson::push_str_literal;
use crate::serde_util::{is_false, is_zero};

/// A publish acknowledgement (or failure).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PubAck {
    /// Set when the publish was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    /// Stream that stored (or refused) the message.
    #[serde(default)]
    pub stream: String,
    /// JetStream domain.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub domain: String,
    /// Assigned sequence (0 on error).
    #[serde(rename = "seq", default)]
    pub sequence: u64,
    /// The message id was already stored: nothing was written.
    #[serde(default, skip_serializing_if = "is_false")]
    pub duplicate: bool,
    /// Batch id of a committed batch (ADR-50).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub batch: String,
    /// Messages in the committed batch.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub count: u64,
    /// New counter value as a decimal string (ADR-49).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub val: String,
}

impl PubAck {
    /// A successful ack.
    pub fn stored(stream: &str, domain: &str, sequence: u64) -> Self {
        PubAck {
            stream: stream.to_string(),
            domain: domain.to_string(),
            sequence,
            ..Default::default()
        }
    }

    /// A refused publish (the reference leaves `domain` out of these).
    pub fn failed(stream: &str, error: ApiError) -> Self {
        PubAck {
            error: Some(error),
            stream: stream.to_string(),
            ..Default::default()
        }
    }

    /// The exact bytes nats-server sends.
    pub fn to_wire(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        out.push(b'{');
        if let Some(err) = &self.error {
            out.extend_from_slice(b"\"error\":");
            out.extend_from_slice(&crate::gojson::to_vec(err).unwrap_or_default());
            out.push(b',');
        }
        out.extend_from_slice(b"\"stream\":");
        push_str_literal(&mut out, &self.stream);
        if !self.domain.is_empty() {
            out.extend_from_slice(b",\"domain\":");
            push_str_literal(&mut out, &self.domain);
        }
        out.extend_from_slice(b",\"seq\":");
        out.extend_from_slice(self.sequence.to_string().as_bytes());
        if self.duplicate {
            out.extend_from_slice(b",\"duplicate\": true");
        }
        if !self.batch.is_empty() {
            out.extend_from_slice(b",\"batch\":");
            push_str_literal(&mut out, &self.batch);
            out.extend_from_slice(b",\"count\":");
            out.extend_from_slice(self.count.to_string().as_bytes());
        }
        if !self.val.is_empty() {
            out.extend_from_slice(b",\"val\":");
            push_str_literal(&mut out, &self.val);
        }
        out.push(b'}');
        out
    }
}
