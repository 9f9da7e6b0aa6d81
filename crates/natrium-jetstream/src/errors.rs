//! The `error` object of every JetStream API response.
//!
//! nats-server answers a failed request with the response's usual envelope
//! plus `"error":{"code":404,"err_code":10059,"description":"stream not
//! found"}`. Clients switch on `err_code`, and some print `description`, so
//! both must match the reference. [`ApiError`] is that object; it is built
//! from an [`ErrorId`] of the generated table, with nats-server's
//! `{placeholder}` substitution for the templated ones.

use serde::{Deserialize, Serialize};

pub use crate::error_table::ErrorId;

/// A JetStream API error as it appears on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{description} ({err_code})")]
pub struct ApiError {
    /// HTTP-like status code.
    pub code: u16,
    /// The stable JetStream error number; omitted when zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub err_code: u16,
    /// Human readable text, placeholders already filled in.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

fn is_zero(v: &u16) -> bool {
    *v == 0
}

impl From<ErrorId> for ApiError {
    fn from(id: ErrorId) -> Self {
        ApiError {
            code: id.code(),
            err_code: id.err_code(),
            description: id.template().to_string(),
        }
    }
}

impl ApiError {
    /// The error for `id`, filling `{key}` placeholders from `args`.
    ///
    /// Keys are given without braces (`("err", "…")`); placeholders without
    /// a matching argument are left as they are, as nats-server does.
    pub fn with(id: ErrorId, args: &[(&str, &str)]) -> Self {
        let mut description = id.template().to_string();
        for (key, value) in args {
            let token = format!("{{{key}}}");
            if description.contains(&token) {
                description = description.replace(&token, value);
            }
        }
        ApiError {
            code: id.code(),
            err_code: id.err_code(),
            description,
        }
    }

    /// Whether this is the error `id` (compares `err_code`).
    pub fn is(&self, id: ErrorId) -> bool {
        self.err_code == id.err_code()
    }

    /// 10052 with `msg`: the stream configuration is invalid.
    pub fn invalid_config(msg: impl AsRef<str>) -> Self {
        Self::with(ErrorId::StreamInvalidConfigF, &[("err", msg.as_ref())])
    }

    /// 10025: the request body is not valid JSON (or has wrong types).
    pub fn invalid_json(msg: impl AsRef<str>) -> Self {
        Self::with(ErrorId::InvalidJSONErr, &[("err", msg.as_ref())])
    }

    /// 10025 from a `serde_json` error, with its position suffix removed.
    pub fn from_json_error(err: &serde_json::Error) -> Self {
        Self::invalid_json(json_error_message(err))
    }

    /// 10157 with `msg`: pedantic mode refused a default adjustment.
    pub fn pedantic(msg: impl AsRef<str>) -> Self {
        Self::with(ErrorId::PedanticErrF, &[("err", msg.as_ref())])
    }

    /// 10071: `Nats-Expected-Last-Sequence` (or per subject) did not match.
    pub fn wrong_last_sequence(last: u64) -> Self {
        Self::with(
            ErrorId::StreamWrongLastSequenceErrF,
            &[("seq", &last.to_string())],
        )
    }

    /// 10070: `Nats-Expected-Last-Msg-Id` did not match.
    pub fn wrong_last_msg_id(last_id: &str) -> Self {
        Self::with(ErrorId::StreamWrongLastMsgIDErrF, &[("id", last_id)])
    }

    /// 10043: message delete of a sequence that is not in the stream.
    pub fn sequence_not_found(seq: u64) -> Self {
        Self::with(ErrorId::SequenceNotFoundErrF, &[("seq", &seq.to_string())])
    }
}

/// The text of a `serde_json` error without " at line L column C".
pub fn json_error_message(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(i) if text[i..].contains(" column ") => text[..i].to_string(),
        _ => text,
    }
}
