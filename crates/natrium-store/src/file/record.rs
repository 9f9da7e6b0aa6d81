//! On-disk record framing for segment files.
//!
//! A segment file is `MAGIC` followed by records laid end to end:
//!
//! ```text
//! u32 len      whole record, header included (little endian throughout)
//! u32 crc      CRC-32 of bytes [8, len): kind and body
//! u8  kind
//! body:
//!   MSG      u64 seq, i64 ts, i64 expiry, u16 subject_len, u32 hdr_len,
//!            subject, headers, payload
//!   TOMB     u64 seq                       a removed message
//!   MARKER   u64 first_seq, u64 last_seq, i64 last_ts
//!   ERASED   u64 seq, zeros                a securely erased message
//! ```
//!
//! The length comes first so a reader can step over a record it cannot
//! verify; the checksum covers everything after itself so a torn or garbled
//! record is always detected. An erased record keeps its length, so erasing
//! in place never moves anything else.

use std::ops::Range;

use crate::core::Marker;

pub(crate) const MAGIC: &[u8; 8] = b"NATRSEG1";
const HEADER: usize = 9;
const MSG_FIXED: usize = HEADER + 8 + 8 + 8 + 2 + 4;
const TOMB_LEN: usize = HEADER + 8;
const MARKER_LEN: usize = HEADER + 24;

const KIND_MSG: u8 = 1;
const KIND_TOMB: u8 = 2;
const KIND_MARKER: u8 = 3;
const KIND_ERASED: u8 = 4;

/// A verified message record; ranges index the record's own bytes.
#[derive(Debug, Clone)]
pub(crate) struct MsgView {
    pub seq: u64,
    pub ts: i64,
    pub expiry: i64,
    pub subject: Range<usize>,
    pub headers: Range<usize>,
    pub payload: Range<usize>,
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

pub(crate) fn msg_len(subject: usize, headers: usize, payload: usize) -> usize {
    MSG_FIXED + subject + headers + payload
}

pub(crate) fn encode_msg(
    buf: &mut Vec<u8>,
    seq: u64,
    ts: i64,
    expiry: i64,
    subject: &[u8],
    headers: &[u8],
    payload: &[u8],
) -> usize {
    let start = buf.len();
    let len = msg_len(subject.len(), headers.len(), payload.len());
    buf.reserve(len);
    buf.extend_from_slice(&(len as u32).to_le_bytes());
    buf.extend_from_slice(&[0; 4]);
    buf.push(KIND_MSG);
    buf.extend_from_slice(&seq.to_le_bytes());
    buf.extend_from_slice(&ts.to_le_bytes());
    buf.extend_from_slice(&expiry.to_le_bytes());
    buf.extend_from_slice(&(subject.len() as u16).to_le_bytes());
    buf.extend_from_slice(&(headers.len() as u32).to_le_bytes());
    buf.extend_from_slice(subject);
    buf.extend_from_slice(headers);
    buf.extend_from_slice(payload);
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
            if len < MSG_FIXED {
                return bad;
            }
            let slen = u16::from_le_bytes([rec[33], rec[34]]) as usize;
            let hlen = u32_at(rec, 35) as usize;
            let subject = MSG_FIXED..MSG_FIXED + slen;
            let headers = subject.end..subject.end.saturating_add(hlen);
            if headers.end > len {
                return bad;
            }
            Record::Msg(MsgView {
                seq: u64_at(rec, 9),
                ts: u64_at(rec, 17) as i64,
                expiry: u64_at(rec, 25) as i64,
                payload: headers.end..len,
                subject,
                headers,
            })
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
        let n = encode_msg(&mut buf, 7, 11, 0, b"a.b", b"NATS/1.0\r\n\r\n", b"hello");
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
}
