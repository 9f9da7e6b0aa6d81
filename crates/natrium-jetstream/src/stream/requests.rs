//! Request bodies of the stream endpoints, and the stored message of
//! STREAM.MSG.GET.
//!
//! Requests decode leniently like Go (missing fields are zero, unknown
//! fields ignored). The `check` methods turn a decoded request into what the
//! server should do, or the reference's error for contradictory fields.

use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::errors::{ApiError, ErrorId};
use crate::serde_util::{is_false, is_zero, null_default};
use crate::time::Timestamp;

/// STREAM.INFO request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamInfoRequest {
    /// Offset into the subject details.
    #[serde(deserialize_with = "null_default")]
    pub offset: i64,
    /// Include deleted sequences.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub deleted_details: bool,
    /// Report per-subject counts for subjects matching this filter.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub subjects_filter: String,
}

/// STREAM.NAMES and STREAM.LIST request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamNamesRequest {
    /// Page offset.
    #[serde(deserialize_with = "null_default")]
    pub offset: i64,
    /// Only streams capturing subjects that overlap this one.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub subject: String,
}

/// STREAM.LIST takes the same body as STREAM.NAMES.
pub type StreamListRequest = StreamNamesRequest;

/// STREAM.PURGE request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamPurgeRequest {
    /// Purge up to, not including, this sequence.
    #[serde(
        rename = "seq",
        skip_serializing_if = "is_zero",
        deserialize_with = "null_default"
    )]
    pub sequence: u64,
    /// Only this subject (wildcards allowed).
    #[serde(
        rename = "filter",
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub filter: String,
    /// Keep this many newest messages.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub keep: u64,
}

impl StreamPurgeRequest {
    /// `seq` and `keep` together are a bad request (10003).
    pub fn check(&self) -> Result<(), ApiError> {
        if self.sequence > 0 && self.keep > 0 {
            return Err(ErrorId::BadRequestErr.into());
        }
        Ok(())
    }
}

/// STREAM.MSG.DELETE request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamMsgDeleteRequest {
    /// Sequence to delete.
    #[serde(rename = "seq", deserialize_with = "null_default")]
    pub sequence: u64,
    /// Remove without overwriting the data.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub no_erase: bool,
}

/// STREAM.MSG.GET and DIRECT.GET request (one Go type serves both).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MsgGetRequest {
    /// Sequence (with `next_by_subj`: the first sequence to look at).
    #[serde(
        rename = "seq",
        skip_serializing_if = "is_zero",
        deserialize_with = "null_default"
    )]
    pub sequence: u64,
    /// Last message of this subject.
    #[serde(
        rename = "last_by_subj",
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub last_by_subject: String,
    /// Next message of this subject at or after `seq`.
    #[serde(
        rename = "next_by_subj",
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub next_by_subject: String,
    /// Direct get: number of messages.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub batch: i64,
    /// Direct get: stop after this many bytes.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub max_bytes: i64,
    /// Direct get: start at this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Timestamp>,
    /// Direct get: last message of each of these subjects.
    #[serde(
        rename = "multi_last",
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub multi_last: Vec<String>,
    /// Direct get with `multi_last`: as of this sequence.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "null_default")]
    pub up_to_seq: u64,
    /// Direct get with `multi_last`: as of this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub up_to_time: Option<Timestamp>,
    /// Leave out the message headers.
    #[serde(
        rename = "no_hdr",
        skip_serializing_if = "is_false",
        deserialize_with = "null_default"
    )]
    pub no_headers: bool,
}

/// Which single message a STREAM.MSG.GET asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MsgQuery<'a> {
    /// Exactly this sequence.
    Sequence(u64),
    /// The last message on a subject.
    LastBySubject(&'a str),
    /// The first message on a subject at or after a sequence.
    NextBySubject {
        /// Start sequence (0 is the start of the stream).
        from: u64,
        /// Subject filter.
        subject: &'a str,
    },
}

impl MsgGetRequest {
    /// Classifies a STREAM.MSG.GET request; contradictory or empty requests
    /// and the direct-get-only fields are a bad request (10003).
    pub fn check_msg_get(&self) -> Result<MsgQuery<'_>, ApiError> {
        let bad = || Err(ErrorId::BadRequestErr.into());
        if self.batch > 0
            || self.max_bytes > 0
            || self.start_time.is_some()
            || !self.multi_last.is_empty()
            || self.up_to_seq > 0
            || self.up_to_time.is_some()
        {
            return bad();
        }
        match (
            self.sequence,
            self.last_by_subject.as_str(),
            self.next_by_subject.as_str(),
        ) {
            (_, last, next) if !last.is_empty() && !next.is_empty() => bad(),
            (0, last, "") if !last.is_empty() => Ok(MsgQuery::LastBySubject(last)),
            (_, last, _) if !last.is_empty() => bad(),
            (from, "", next) if !next.is_empty() => Ok(MsgQuery::NextBySubject {
                from,
                subject: next,
            }),
            (0, "", "") => bad(),
            (seq, _, _) => Ok(MsgQuery::Sequence(seq)),
        }
    }
}

/// A message as STREAM.MSG.GET returns it (payload and headers base64).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMsg {
    /// Subject.
    pub subject: String,
    /// Sequence.
    #[serde(rename = "seq")]
    pub sequence: u64,
    /// Raw header block.
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "base64_bytes")]
    pub hdrs: Vec<u8>,
    /// Payload.
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "base64_bytes")]
    pub data: Vec<u8>,
    /// Store time.
    pub time: Timestamp,
}

/// Go marshals `[]byte` as standard, padded base64.
mod base64_bytes {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = Option::<String>::deserialize(d)?.unwrap_or_default();
        base64::engine::general_purpose::STANDARD
            .decode(s.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}
