//! On-disk record framing for segment files.
//!
//! A segment file is `MAGIC` followed by records laid end to end:
//!
//! ```text
//! u32 len      whole record, header included (little endian throughout)
//! u32 crc      CRC-32 of bytes [8, len): kind and body
//! u8  kind
//! body:
//!   MSG      u64 seq, i64 ts, [i64 expiry], u16 subject_len,
//!            u16|u32 hdr_len, subject, headers, payload
//!   TOMB     u64 seq                       a removed message
//!   MARKER   u64 first_seq, u64 last_seq, i64 last_ts
//!   ERASED   u64 seq, zeros                a securely erased message
//! ```
//!
//! A message's kind byte is `MSG | flags`: the expiry is only written for
//! messages that have one, and the header length takes four bytes only when
//! it needs them, so the common message costs 29 bytes of framing (nats-server's
//! costs 30). Kind 1 is the earlier, fixed layout, still read.
//!
//! The length comes first so a reader can step over a record it cannot
//! verify; the checksum covers everything after itself so a torn or garbled
//! record is always detected. An erased record keeps its length, so erasing
//! in place never moves anything else.

use std::ops::Range;

use crate::core::Marker;

pub(crate) const MAGIC: &[u8; 8] = b"NATRSEG1";
const HEADER: usize = 9;
/// The fixed part of a kind-1 message record.
const MSG_FIXED_V1: usize = HEADER + 8 + 8 + 8 + 2 + 4;
/// The smallest message record: seq, ts, subject and header lengths.
const MSG_MIN: usize = HEADER + 8 + 8 + 2 + 2;
const TOMB_LEN: usize = HEADER + 8;
const MARKER_LEN: usize = HEADER + 24;

const KIND_MSG: u8 = 1;
const KIND_TOMB: u8 = 2;
const KIND_MARKER: u8 = 3;
const KIND_ERASED: u8 = 4;
/// Message kinds `KIND_MSG_FLAGS | flags`.
const KIND_MSG_FLAGS: u8 = 0x10;
const FLAG_EXPIRY: u8 = 0x01;
const FLAG_WIDE_HEADERS: u8 = 0x02;
/// Headers and payload are one Snappy block (streams with `compression: s2`).
const FLAG_COMPRESSED: u8 = 0x04;
/// Smaller bodies are never worth compressing.
const COMPRESS_MIN: usize = 64;

/// A verified message record; ranges index the record's own bytes.
#[derive(Debug, Clone)]
pub(crate) struct MsgView {
    pub seq: u64,
    pub ts: i64,
    pub expiry: i64,
    pub subject: Range<usize>,
    /// Where headers and payload are, when stored as they are.
    pub headers: Range<usize>,
    pub payload: Range<usize>,
    /// When stored compressed instead: the block and the sizes it expands to.
    pub compressed: Option<CompressedBody>,
}

#[derive(Debug, Clone)]
pub(crate) struct CompressedBody {
    pub block: Range<usize>,
    pub header_len: usize,
    pub payload_len: usize,
}

impl MsgView {
    pub fn header_len(&self) -> usize {
        self.compressed
            .as_ref()
            .map_or(self.headers.len(), |c| c.header_len)
    }

    pub fn payload_len(&self) -> usize {
        self.compressed
            .as_ref()
            .map_or(self.payload.len(), |c| c.payload_len)
    }

    /// Headers and payload of the record `rec` this view was parsed from.
    pub fn body(&self, rec: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
        match &self.compressed {
            None => Some((
                rec[self.headers.clone()].to_vec(),
                rec[self.payload.clone()].to_vec(),
            )),
            Some(c) => {
                let mut all = snap::raw::Decoder::new()
                    .decompress_vec(&rec[c.block.clone()])
                    .ok()?;
                let payload = all.split_off(c.header_len.min(all.len()));
                Some((all, payload))
            }
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Record {
    Msg(MsgView),
    Tombstone(u64),
    Marker(Marker),
    Erased(u64),
}

/// The outcome of reading one record from the front of a buffer.
#[derive(Debug)]
pub(crate) enum Parsed {
    Ok(Record, usize),
    /// No bytes left.
    End,
    /// The buffer ends inside the record (a torn write).
    Torn,
    /// The record is complete but wrong; `Some(len)` if its length field
    /// is at least plausible, so a reader could try stepping over it.
    Bad(Option<usize>, &'static str),
}

/// The record length of a message and its kind byte.
fn msg_layout(expiry: i64, subject: usize, headers: usize, payload: usize) -> (usize, u8) {
    let mut kind = KIND_MSG_FLAGS;
    let mut len = MSG_MIN + subject + headers + payload;
    if expiry != 0 {
        kind |= FLAG_EXPIRY;
        len += 8;
    }
    if headers > u16::MAX as usize {
        kind |= FLAG_WIDE_HEADERS;
        len += 2;
    }
    (len, kind)
}

/// The largest record a message of these sizes can take.
pub(crate) fn max_msg_len(subject: usize, headers: usize, payload: usize) -> usize {
    MSG_MIN + 8 + 2 + subject + headers + payload
}

/// Appends a message record; with `compress`, headers and payload go in as
/// one Snappy block when that makes the record smaller.
#[allow(clippy::too_many_arguments)]
pub(crate) fn encode_msg(
    buf: &mut Vec<u8>,
    seq: u64,
    ts: i64,
    expiry: i64,
    subject: &[u8],
    headers: &[u8],
    payload: &[u8],
    compress: bool,
) -> usize {
    let start = buf.len();
    let block = if compress && headers.len() + payload.len() >= COMPRESS_MIN {
        let mut whole = Vec::with_capacity(headers.len() + payload.len());
        whole.extend_from_slice(headers);
        whole.extend_from_slice(payload);
        snap::raw::Encoder::new()
            .compress_vec(&whole)
            .ok()
            .filter(|block| block.len() < whole.len())
    } else {
        None
    };
    let (mut len, mut kind) = msg_layout(expiry, subject.len(), headers.len(), payload.len());
    if let Some(block) = &block {
        len = len - headers.len() - payload.len() + block.len();
        kind |= FLAG_COMPRESSED;
    }
    buf.reserve(len);
    buf.extend_from_slice(&(len as u32).to_le_bytes());
    buf.extend_from_slice(&[0; 4]);
    buf.push(kind);
    buf.extend_from_slice(&seq.to_le_bytes());
    buf.extend_from_slice(&ts.to_le_bytes());
    if kind & FLAG_EXPIRY != 0 {
        buf.extend_from_slice(&expiry.to_le_bytes());
    }
    buf.extend_from_slice(&(subject.len() as u16).to_le_bytes());
    if kind & FLAG_WIDE_HEADERS != 0 {
        buf.extend_from_slice(&(headers.len() as u32).to_le_bytes());
    } else {
        buf.extend_from_slice(&(headers.len() as u16).to_le_bytes());
    }
    buf.extend_from_slice(subject);
    match &block {
        Some(block) => buf.extend_from_slice(block),
        None => {
            buf.extend_from_slice(headers);
            buf.extend_from_slice(payload);
        }
    }
    seal(&mut buf[start..]);
    len
}

pub(crate) fn encode_tombstone(buf: &mut Vec<u8>, seq: u64) -> usize {
    let start = buf.len();
    buf.extend_from_slice(&(TOMB_LEN as u32).to_le_bytes());
    buf.extend_from_slice(&[0; 4]);
    buf.push(KIND_TOMB);
    buf.extend_from_slice(&seq.to_le_bytes());
    seal(&mut buf[start..]);
    TOMB_LEN
}

pub(crate) fn encode_marker(buf: &mut Vec<u8>, m: &Marker) -> usize {
    let start = buf.len();
    buf.extend_from_slice(&(MARKER_LEN as u32).to_le_bytes());
    buf.extend_from_slice(&[0; 4]);
    buf.push(KIND_MARKER);
    buf.extend_from_slice(&m.first_seq.to_le_bytes());
    buf.extend_from_slice(&m.last_seq.to_le_bytes());
    buf.extend_from_slice(&m.last_ts.to_le_bytes());
    seal(&mut buf[start..]);
    MARKER_LEN
}

/// Turns a whole message record into an erased one of the same length.
pub(crate) fn erase(rec: &mut [u8]) {
    if rec.len() < TOMB_LEN {
        return;
    }
    rec[8] = KIND_ERASED;
    rec[TOMB_LEN..].fill(0);
    seal(rec);
}

fn seal(rec: &mut [u8]) {
    let crc = crc32fast::hash(&rec[8..]);
    rec[4..8].copy_from_slice(&crc.to_le_bytes());
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut a = [0; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

/// The message in `rec` whose body starts at `fixed`; `None` if the
/// lengths do not fit the record.
fn msg_view(rec: &[u8], fixed: usize, slen: usize, hlen: usize, expiry: i64) -> Option<MsgView> {
    let subject = fixed..fixed + slen;
    let headers = subject.end..subject.end.saturating_add(hlen);
    if headers.end > rec.len() {
        return None;
    }
    Some(MsgView {
        seq: u64_at(rec, 9),
        ts: u64_at(rec, 17) as i64,
        expiry,
        payload: headers.end..rec.len(),
        subject,
        headers,
        compressed: None,
    })
}

/// A compressed message: the block after the subject expands to `hlen`
/// header bytes and the payload.
fn compressed_view(
    rec: &[u8],
    fixed: usize,
    slen: usize,
    hlen: usize,
    expiry: i64,
) -> Option<MsgView> {
    let subject = fixed..fixed + slen;
    let block = subject.end..rec.len();
    if subject.end > rec.len() {
        return None;
    }
    let total = snap::raw::decompress_len(&rec[block.clone()]).ok()?;
    let payload_len = total.checked_sub(hlen)?;
    Some(MsgView {
        seq: u64_at(rec, 9),
        ts: u64_at(rec, 17) as i64,
        expiry,
        payload: 0..0,
        headers: 0..0,
        subject,
        compressed: Some(CompressedBody {
            block,
            header_len: hlen,
            payload_len,
        }),
    })
}

/// Reads and verifies the record at the start of `buf`.
pub(crate) fn parse(buf: &[u8]) -> Parsed {
    if buf.is_empty() {
        return Parsed::End;
    }
    if buf.len() < HEADER {
        return Parsed::Torn;
    }
    let len = u32_at(buf, 0) as usize;
    if len < HEADER {
        return Parsed::Bad(None, "record length too small");
    }
    if len > buf.len() {
        return Parsed::Torn;
    }
    let rec = &buf[..len];
    if crc32fast::hash(&rec[8..]) != u32_at(rec, 4) {
        return Parsed::Bad(Some(len), "checksum mismatch");
    }
    let bad = Parsed::Bad(Some(len), "malformed record body");
    let record = match rec[8] {
        KIND_MSG => {
            if len < MSG_FIXED_V1 {
                return bad;
            }
            let slen = u16::from_le_bytes([rec[33], rec[34]]) as usize;
            let hlen = u32_at(rec, 35) as usize;
            match msg_view(rec, MSG_FIXED_V1, slen, hlen, u64_at(rec, 25) as i64) {
                Some(view) => Record::Msg(view),
                None => return bad,
            }
        }
        kind if kind & !(FLAG_EXPIRY | FLAG_WIDE_HEADERS | FLAG_COMPRESSED) == KIND_MSG_FLAGS => {
            let expiry_len = if kind & FLAG_EXPIRY != 0 { 8 } else { 0 };
            let hlen_len = if kind & FLAG_WIDE_HEADERS != 0 { 4 } else { 2 };
            let fixed = MSG_MIN - 2 + expiry_len + hlen_len;
            if len < fixed {
                return bad;
            }
            let expiry = if expiry_len > 0 {
                u64_at(rec, 25) as i64
            } else {
                0
            };
            let at = 25 + expiry_len;
            let slen = u16::from_le_bytes([rec[at], rec[at + 1]]) as usize;
            let hlen = if hlen_len == 4 {
                u32_at(rec, at + 2) as usize
            } else {
                u16::from_le_bytes([rec[at + 2], rec[at + 3]]) as usize
            };
            let view = if kind & FLAG_COMPRESSED != 0 {
                compressed_view(rec, fixed, slen, hlen, expiry)
            } else {
                msg_view(rec, fixed, slen, hlen, expiry)
            };
            match view {
                Some(view) => Record::Msg(view),
                None => return bad,
            }
        }
        KIND_TOMB if len == TOMB_LEN => Record::Tombstone(u64_at(rec, 9)),
        KIND_ERASED if len >= TOMB_LEN => Record::Erased(u64_at(rec, 9)),
        KIND_MARKER if len == MARKER_LEN => Record::Marker(Marker {
            first_seq: u64_at(rec, 9),
            last_seq: u64_at(rec, 17),
            last_ts: u64_at(rec, 25) as i64,
        }),
        _ => return bad,
    };
    Parsed::Ok(record, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let mut buf = Vec::new();
        let n = encode_msg(
            &mut buf,
            7,
            11,
            0,
            b"a.b",
            b"NATS/1.0\r\n\r\n",
            b"hello",
            false,
        );
        assert_eq!(n, buf.len());
        let Parsed::Ok(Record::Msg(m), len) = parse(&buf) else {
            panic!("expected a message")
        };
        assert_eq!((m.seq, m.ts, len), (7, 11, n));
        assert_eq!(&buf[m.subject.clone()], b"a.b");
        assert_eq!(&buf[m.payload.clone()], b"hello");
        assert!(matches!(parse(&buf[..n - 1]), Parsed::Torn));
        let mut garbled = buf.clone();
        garbled[n - 2] ^= 0xff;
        assert!(matches!(parse(&garbled), Parsed::Bad(Some(_), _)));
        erase(&mut buf);
        assert!(matches!(parse(&buf), Parsed::Ok(Record::Erased(7), _)));
        assert!(!buf.windows(5).any(|w| w == b"hello"));
    }

    #[test]
    fn expiry_and_wide_headers_round_trip() {
        let wide = vec![b'h'; 70_000];
        for (expiry, headers) in [
            (0, &b""[..]),
            (42, &b"NATS/1.0\r\n\r\n"[..]),
            (-1, &wide[..]),
        ] {
            let mut buf = Vec::new();
            let n = encode_msg(&mut buf, 3, 5, expiry, b"s", headers, b"p", false);
            let Parsed::Ok(Record::Msg(m), len) = parse(&buf) else {
                panic!("expected a message")
            };
            assert_eq!((m.seq, m.ts, m.expiry, len), (3, 5, expiry, n));
            assert_eq!(&buf[m.headers.clone()], headers);
            assert_eq!(&buf[m.payload.clone()], b"p");
        }
    }

    #[test]
    fn compressed_records_round_trip_and_shrink() {
        let payload = b"the same words again and again ".repeat(20);
        let headers = b"NATS/1.0\r\nKey: value\r\n\r\n";
        let mut buf = Vec::new();
        let n = encode_msg(&mut buf, 9, 1, 0, b"c.d", headers, &payload, true);
        assert!(n < payload.len(), "compressed: {n} bytes");
        let Parsed::Ok(Record::Msg(m), len) = parse(&buf) else {
            panic!("expected a message")
        };
        assert_eq!(
            (len, m.header_len(), m.payload_len()),
            (n, headers.len(), payload.len())
        );
        let (h, p) = m.body(&buf).unwrap();
        assert_eq!((&h[..], &p[..]), (&headers[..], &payload[..]));
        // Incompressible bodies are stored as they are.
        let mut raw = Vec::new();
        let random: Vec<u8> = (0..200u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        encode_msg(&mut raw, 1, 1, 0, b"r", b"", &random, true);
        let Parsed::Ok(Record::Msg(m), _) = parse(&raw) else {
            panic!("expected a message")
        };
        assert!(m.compressed.is_none());
    }

    #[test]
    fn a_common_message_costs_29_bytes_of_framing() {
        let mut buf = Vec::new();
        let n = encode_msg(&mut buf, 1, 1, 0, b"bench.js", b"", &[0; 128], false);
        assert_eq!(n, 29 + 8 + 128);
    }
}
