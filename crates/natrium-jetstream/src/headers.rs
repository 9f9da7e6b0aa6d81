//! NATS header blocks and the headers JetStream reads and writes.
//!
//! A block is `NATS/1.0[ <status>[ <description>]]\r\n` followed by
//! `Key: Value\r\n` lines and an empty line. [`HeaderBlock`] checks a block
//! once and then looks keys up by scanning the borrowed bytes (nothing is
//! allocated). Lookup is exact-case first and falls back to ASCII
//! case-insensitive (ADR-4: keys keep their case, but clients differ).
//! [`HeaderBuilder`] writes blocks; [`direct_get_headers`] the one a direct
//! get answers with.

use crate::time::Timestamp;

/// Deduplication id.
pub const MSG_ID: &str = "Nats-Msg-Id";
/// Refuse unless the subject belongs to this stream.
pub const EXPECTED_STREAM: &str = "Nats-Expected-Stream";
/// Refuse unless the stream's last sequence is this.
pub const EXPECTED_LAST_SEQ: &str = "Nats-Expected-Last-Sequence";
/// Refuse unless the subject's last sequence is this.
pub const EXPECTED_LAST_SUBJECT_SEQ: &str = "Nats-Expected-Last-Subject-Sequence";
/// Subject (filter) that `Nats-Expected-Last-Subject-Sequence` applies to.
pub const EXPECTED_LAST_SUBJECT_SEQ_SUBJECT: &str = "Nats-Expected-Last-Subject-Sequence-Subject";
/// Refuse unless the last message id is this.
pub const EXPECTED_LAST_MSG_ID: &str = "Nats-Expected-Last-Msg-Id";
/// Roll up: `sub` or `all`.
pub const ROLLUP: &str = "Nats-Rollup";
/// `Nats-Rollup` value: purge the subject.
pub const ROLLUP_SUBJECT: &str = "sub";
/// `Nats-Rollup` value: purge the stream.
pub const ROLLUP_ALL: &str = "all";
/// Per-message TTL (ADR-43).
pub const TTL: &str = "Nats-TTL";
/// Why a marker was written (ADR-43).
pub const MARKER_REASON: &str = "Nats-Marker-Reason";
/// Counter increment (ADR-49).
pub const INCR: &str = "Nats-Incr";
/// Counter sources (ADR-49).
pub const COUNTER_SOURCES: &str = "Nats-Counter-Sources";
/// Batch id (ADR-50).
pub const BATCH_ID: &str = "Nats-Batch-Id";
/// Position in a batch (ADR-50).
pub const BATCH_SEQ: &str = "Nats-Batch-Sequence";
/// Commit a batch (ADR-50).
pub const BATCH_COMMIT: &str = "Nats-Batch-Commit";
/// Schedule pattern (ADR-51).
pub const SCHEDULE: &str = "Nats-Schedule";
/// Origin of a sourced message.
pub const STREAM_SOURCE: &str = "Nats-Stream-Source";
/// Stream of a direct get / republished message.
pub const STREAM: &str = "Nats-Stream";
/// Sequence of a direct get / republished message.
pub const SEQUENCE: &str = "Nats-Sequence";
/// Store time of a direct get / republished message.
pub const TIME_STAMP: &str = "Nats-Time-Stamp";
/// Subject of a direct get / republished message.
pub const SUBJECT: &str = "Nats-Subject";
/// Previous sequence (republish) or last sequence of a batch.
pub const LAST_SEQUENCE: &str = "Nats-Last-Sequence";
/// Messages left in a direct get batch.
pub const NUM_PENDING: &str = "Nats-Num-Pending";
/// `up_to_seq` of a multi-last direct get.
pub const UP_TO_SEQUENCE: &str = "Nats-UpTo-Sequence";
/// Message size when only headers are republished.
pub const MSG_SIZE: &str = "Nats-Msg-Size";
/// KV operation (`DEL`, `PURGE`).
pub const KV_OPERATION: &str = "KV-Operation";

/// The header block version line.
pub const VERSION_LINE: &str = "NATS/1.0";
/// Direct get: no such message.
pub const STATUS_NOT_FOUND: (u16, &str) = (404, "Message Not Found");
/// Direct get: empty request body.
pub const STATUS_EMPTY_REQUEST: (u16, &str) = (408, "Empty Request");
/// Direct get: body is not a valid request.
pub const STATUS_MALFORMED: (u16, &str) = (408, "Malformed Request");
/// Direct get batch: end of batch.
pub const STATUS_EOB: (u16, &str) = (204, "EOB");

/// Why a header block was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// Does not start with `NATS/1.0`.
    #[error("header block does not start with NATS/1.0")]
    BadVersion,
    /// The status is not three digits.
    #[error("invalid status in header block")]
    BadStatus,
    /// A line has no `:` or an empty key.
    #[error("malformed header line")]
    BadLine,
    /// Not terminated by an empty line.
    #[error("header block is not terminated")]
    Unterminated,
}

/// A checked, borrowed header block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderBlock<'a> {
    /// The `Key: Value` lines, without the final empty line.
    lines: &'a [u8],
    status: Option<u16>,
    description: &'a [u8],
}

impl<'a> HeaderBlock<'a> {
    /// Checks `raw` (the whole block, including the final `\r\n\r\n`).
    pub fn parse(raw: &'a [u8]) -> Result<Self, HeaderError> {
        let rest = raw
            .strip_prefix(VERSION_LINE.as_bytes())
            .ok_or(HeaderError::BadVersion)?;
        let eol = find(rest, b"\r\n").ok_or(HeaderError::Unterminated)?;
        let (first, body) = (&rest[..eol], &rest[eol + 2..]);
        let (status, description) = parse_status(first)?;
        let lines = if body.starts_with(b"\r\n") {
            &body[..0]
        } else {
            let end = find(body, b"\r\n\r\n").ok_or(HeaderError::Unterminated)?;
            &body[..end + 2]
        };
        for line in split_lines(lines) {
            match line.iter().position(|&b| b == b':') {
                Some(0) | None => return Err(HeaderError::BadLine),
                Some(_) => {}
            }
        }
        Ok(HeaderBlock {
            lines,
            status,
            description,
        })
    }

    /// Inline status code (`404` of `NATS/1.0 404 Message Not Found`).
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// Inline status description.
    pub fn description(&self) -> &'a [u8] {
        self.description
    }

    /// `(key, value)` pairs in order; values trimmed of spaces and tabs.
    pub fn iter(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        split_lines(self.lines).filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            Some((trim(&line[..colon]), trim(&line[colon + 1..])))
        })
    }

    /// First value of `key`: exact case first, then case-insensitive.
    pub fn get(&self, key: &str) -> Option<&'a [u8]> {
        let key = key.as_bytes();
        self.iter()
            .find(|(k, _)| *k == key)
            .or_else(|| self.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
            .map(|(_, v)| v)
    }

    /// First value of `key` as UTF-8 text.
    pub fn get_str(&self, key: &str) -> Option<&'a str> {
        self.get(key).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// First value of `key` as an unsigned integer.
    pub fn get_u64(&self, key: &str) -> Option<u64> {
        self.get_str(key)?.parse().ok()
    }

    /// All values of `key` (exact case), in order.
    pub fn get_all<'k>(&self, key: &'k str) -> impl Iterator<Item = &'a [u8]> + 'k
    where
        'a: 'k,
    {
        self.iter()
            .filter(move |(k, _)| *k == key.as_bytes())
            .map(|(_, v)| v)
    }
}

fn parse_status(first: &[u8]) -> Result<(Option<u16>, &[u8]), HeaderError> {
    let first = trim(first);
    if first.is_empty() {
        return Ok((None, &first[..0]));
    }
    let code = first.get(..3).ok_or(HeaderError::BadStatus)?;
    if !code.iter().all(u8::is_ascii_digit) || first.get(3).is_some_and(|&b| b != b' ') {
        return Err(HeaderError::BadStatus);
    }
    let n = code
        .iter()
        .fold(0u16, |acc, &d| acc * 10 + u16::from(d - b'0'));
    Ok((Some(n), trim(first.get(3..).unwrap_or_default())))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn split_lines(lines: &[u8]) -> impl Iterator<Item = &[u8]> {
    lines
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// Writes a header block.
#[derive(Debug, Clone, Default)]
pub struct HeaderBuilder {
    buf: Vec<u8>,
}

impl HeaderBuilder {
    /// A block without status.
    pub fn new() -> Self {
        let mut buf = Vec::with_capacity(128);
        buf.extend_from_slice(VERSION_LINE.as_bytes());
        buf.extend_from_slice(b"\r\n");
        HeaderBuilder { buf }
    }

    /// A block with an inline status, e.g. `(404, "Message Not Found")`.
    pub fn with_status(code: u16, description: &str) -> Self {
        let mut buf = Vec::with_capacity(64);
        buf.extend_from_slice(format!("{VERSION_LINE} {code}").as_bytes());
        if !description.is_empty() {
            buf.push(b' ');
            buf.extend_from_slice(description.as_bytes());
        }
        buf.extend_from_slice(b"\r\n");
        HeaderBuilder { buf }
    }

    /// Starts from an existing block's lines (status dropped).
    pub fn from_block(block: &HeaderBlock<'_>) -> Self {
        let mut b = Self::new();
        b.buf.extend_from_slice(block.lines);
        b
    }

    /// Copies `block`'s lines (status dropped), with every `key` header's
    /// value replaced by `value` where it stood.
    pub fn replacing(block: &HeaderBlock<'_>, key: &str, value: &str) -> Self {
        let mut b = Self::new();
        for (name, old) in block.iter() {
            let new = if name.eq_ignore_ascii_case(key.as_bytes()) {
                value.as_bytes()
            } else {
                old
            };
            b.buf.extend_from_slice(name);
            b.buf.extend_from_slice(b": ");
            b.buf.extend_from_slice(new);
            b.buf.extend_from_slice(b"\r\n");
        }
        b
    }

    /// Appends `key: value`.
    pub fn add(mut self, key: &str, value: &str) -> Self {
        self.buf.extend_from_slice(key.as_bytes());
        self.buf.extend_from_slice(b": ");
        self.buf.extend_from_slice(value.as_bytes());
        self.buf.extend_from_slice(b"\r\n");
        self
    }

    /// The finished block.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(b"\r\n");
        self.buf
    }
}

/// The headers of a direct get reply: the stored headers (if any), then
/// stream, subject, sequence and time, then the batch counters.
pub fn direct_get_headers(
    stored: Option<&HeaderBlock<'_>>,
    stream: &str,
    subject: &str,
    sequence: u64,
    time: Timestamp,
    batch: Option<(u64, u64)>,
) -> Vec<u8> {
    let mut b = match stored {
        Some(block) => HeaderBuilder::from_block(block),
        None => HeaderBuilder::new(),
    };
    b = b
        .add(STREAM, stream)
        .add(SUBJECT, subject)
        .add(SEQUENCE, &sequence.to_string())
        .add(TIME_STAMP, &time.to_string());
    if let Some((pending, last)) = batch {
        b = b
            .add(NUM_PENDING, &pending.to_string())
            .add(LAST_SEQUENCE, &last.to_string());
    }
    b.finish()
}

/// A status-only block, e.g. [`STATUS_NOT_FOUND`].
pub fn status_block((code, description): (u16, &str)) -> Vec<u8> {
    HeaderBuilder::with_status(code, description).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacing_keeps_order_and_other_headers() {
        let raw = b"NATS/1.0\r\nA: 1\r\nnats-ttl: 1s\r\nB: 2\r\n\r\n";
        let block = HeaderBlock::parse(raw).expect("parses");
        let rewritten = HeaderBuilder::replacing(&block, "Nats-TTL", "3").finish();
        assert_eq!(
            rewritten,
            b"NATS/1.0\r\nA: 1\r\nnats-ttl: 3\r\nB: 2\r\n\r\n"
        );
    }
}
