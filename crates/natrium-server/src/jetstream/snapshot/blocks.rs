//! nats-server's file-store formats, as they appear inside a snapshot:
//! message blocks (`msgs/<n>.blk`), the stream index (`msgs/index.db`), the
//! deleted-sequence sets inside it, and the `meta.sum` checksums.
//!
//! A block is a run of records: `len:u32` (bit 31: has headers),
//! `seq:u64` (bit 63: erased, bit 62: tombstone), `ts:i64`, `subject_len:u16`,
//! subject, [`headers_len:u32`, headers], payload, and an 8-byte HighwayHash
//! of seq+ts, subject, headers and payload keyed by SHA-256 of
//! `"<stream>-<block>"`. Gaps between sequences in a block are deleted
//! messages; a tombstone remembers a removed sequence (nats-server uses one
//! in a block of its own to keep the last sequence of an emptied tail).
//! Records are checked as they are read: a record whose hash does not match
//! makes the whole snapshot unreadable.

use highway::{HighwayHash, HighwayHasher, Key};
use sha2::{Digest, Sha256};

pub const HEADERS_BIT: u32 = 1 << 31;
pub const ERASED_BIT: u64 = 1 << 63;
pub const TOMBSTONE_BIT: u64 = 1 << 62;
/// len + seq + ts + subject length.
pub const RECORD_HEADER: usize = 22;
pub const RECORD_HASH: usize = 8;
/// nats-server's default (and largest) block size.
pub const BLOCK_SIZE: usize = 8 << 20;
const INDEX_MAGIC: u8 = 11;
const SEQSET_MAGIC: u8 = 22;
const SEQSET_BUCKETS: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("message block {block} is corrupt at offset {offset}: {reason}")]
    Block {
        block: u32,
        offset: usize,
        reason: &'static str,
    },
    #[error("stream index (index.db) is corrupt: {0}")]
    Index(&'static str),
}

/// The 64-bit HighwayHash keyed by SHA-256 of `key`, as 8 little-endian bytes.
pub struct Hasher {
    key: Key,
}

impl Hasher {
    pub fn new(key: &str) -> Self {
        let digest = Sha256::digest(key.as_bytes());
        let mut words = [0u64; 4];
        for (i, word) in words.iter_mut().enumerate() {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&digest[i * 8..i * 8 + 8]);
            *word = u64::from_le_bytes(bytes);
        }
        Hasher { key: Key(words) }
    }

    pub fn for_block(stream: &str, index: u32) -> Self {
        Self::new(&format!("{stream}-{index}"))
    }

    pub fn sum(&self, parts: &[&[u8]]) -> [u8; 8] {
        let mut hasher = HighwayHasher::new(self.key);
        for part in parts {
            hasher.append(part);
        }
        hasher.finalize64().to_le_bytes()
    }

    /// `meta.sum`: the hash of `meta.inf`, in lowercase hex.
    pub fn hex_sum(&self, data: &[u8]) -> String {
        self.sum(&[data])
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// One record as read from a block.
#[derive(Debug)]
pub enum Record<'a> {
    Message {
        seq: u64,
        ts: i64,
        subject: &'a [u8],
        headers: &'a [u8],
        payload: &'a [u8],
    },
    /// An erased message: its sequence is deleted.
    Erased {
        seq: u64,
    },
    Tombstone {
        seq: u64,
    },
}

/// Appends one record to `out`.
pub fn write_record(
    out: &mut Vec<u8>,
    hasher: &Hasher,
    seq: u64,
    ts: i64,
    subject: &[u8],
    headers: &[u8],
    payload: &[u8],
) {
    let has_headers = !headers.is_empty();
    let len = RECORD_HEADER
        + subject.len()
        + if has_headers { 4 + headers.len() } else { 0 }
        + payload.len()
        + RECORD_HASH;
    let mut len_field = len as u32;
    if has_headers {
        len_field |= HEADERS_BIT;
    }
    let start = out.len();
    out.extend_from_slice(&len_field.to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&ts.to_le_bytes());
    out.extend_from_slice(&(subject.len() as u16).to_le_bytes());
    out.extend_from_slice(subject);
    if has_headers {
        out.extend_from_slice(&(headers.len() as u32).to_le_bytes());
        out.extend_from_slice(headers);
    }
    out.extend_from_slice(payload);
    let sum = hasher.sum(&[&out[start + 4..start + 20], subject, headers, payload]);
    out.extend_from_slice(&sum);
}

/// Walks the records of block `index`, checking each one's hash.
pub fn read_records<'a, E: From<FormatError>>(
    block: u32,
    data: &'a [u8],
    hasher: &Hasher,
    mut each: impl FnMut(Record<'a>) -> Result<(), E>,
) -> Result<(), E> {
    let bad = |offset, reason| FormatError::Block {
        block,
        offset,
        reason,
    };
    let mut at = 0usize;
    while at < data.len() {
        let header = data
            .get(at..at + RECORD_HEADER)
            .ok_or_else(|| bad(at, "truncated record header"))?;
        let len_field = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        let has_headers = len_field & HEADERS_BIT != 0;
        let len = (len_field & !HEADERS_BIT) as usize;
        let subject_len = u16::from_le_bytes([header[20], header[21]]) as usize;
        if len < RECORD_HEADER + RECORD_HASH || subject_len > len - RECORD_HEADER - RECORD_HASH {
            return Err(bad(at, "bad record length").into());
        }
        let record = data
            .get(at..at + len)
            .ok_or_else(|| bad(at, "truncated record"))?;
        let body = &record[RECORD_HEADER..len - RECORD_HASH];
        let subject = &body[..subject_len];
        let rest = &body[subject_len..];
        let (headers, payload) = if has_headers {
            let hlen = rest
                .get(..4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
                .ok_or_else(|| bad(at, "truncated header length"))?;
            if hlen > rest.len() - 4 {
                return Err(bad(at, "bad header length").into());
            }
            (&rest[4..4 + hlen], &rest[4 + hlen..])
        } else {
            (&rest[..0], rest)
        };
        // nats-server hashes the headers' bytes without their length field.
        let hashed_rest: &[u8] = if has_headers { &rest[4..] } else { rest };
        let sum = hasher.sum(&[&header[4..20], subject, hashed_rest]);
        if sum[..] != record[len - RECORD_HASH..] {
            return Err(bad(at, "checksum mismatch").into());
        }
        let raw_seq = u64::from_le_bytes(header[4..12].try_into().unwrap_or([0; 8]));
        let ts = i64::from_le_bytes(header[12..20].try_into().unwrap_or([0; 8]));
        let parsed = if raw_seq & TOMBSTONE_BIT != 0 {
            Record::Tombstone {
                seq: raw_seq & !TOMBSTONE_BIT,
            }
        } else if raw_seq & ERASED_BIT != 0 || raw_seq == 0 {
            Record::Erased {
                seq: raw_seq & !ERASED_BIT,
            }
        } else {
            Record::Message {
                seq: raw_seq,
                ts,
                subject,
                headers,
                payload,
            }
        };
        each(parsed)?;
        at += len;
    }
    Ok(())
}

/// What `index.db` says about the stream: its bounds and deleted sequences.
#[derive(Debug, Default)]
pub struct Index {
    pub last_seq: u64,
    pub deleted: Vec<u64>,
}

struct Cursor<'a> {
    buf: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn uvarint(&mut self) -> Result<u64, FormatError> {
        let mut value = 0u64;
        for i in 0..10 {
            let b = *self
                .buf
                .get(self.at)
                .ok_or(FormatError::Index("truncated"))?;
            self.at += 1;
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(FormatError::Index("bad varint"))
    }

    fn varint(&mut self) -> Result<i64, FormatError> {
        let u = self.uvarint()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    fn take(&mut self, n: usize) -> Result<&[u8], FormatError> {
        let end = self
            .at
            .checked_add(n)
            .ok_or(FormatError::Index("bad length"))?;
        let bytes = self
            .buf
            .get(self.at..end)
            .ok_or(FormatError::Index("truncated"))?;
        self.at = end;
        Ok(bytes)
    }
}

/// Reads `index.db` (checked against its trailing hash, keyed by the stream name).
pub fn read_index(stream: &str, data: &[u8]) -> Result<Index, FormatError> {
    if data.len() < 2 + RECORD_HASH {
        return Err(FormatError::Index("too short"));
    }
    let (body, sum) = data.split_at(data.len() - RECORD_HASH);
    if Hasher::new(stream).sum(&[body])[..] != *sum {
        return Err(FormatError::Index("checksum mismatch"));
    }
    if body[0] != INDEX_MAGIC || !(1..=4).contains(&body[1]) {
        return Err(FormatError::Index("unknown version"));
    }
    let version = body[1];
    let mut c = Cursor { buf: body, at: 2 };
    let mut index = Index::default();
    let _msgs = c.uvarint()?;
    let _bytes = c.uvarint()?;
    let _first_seq = c.uvarint()?;
    let _first_ts = c.varint()?;
    index.last_seq = c.uvarint()?;
    let _last_ts = c.varint()?;
    for _ in 0..c.uvarint()? {
        let len = c.uvarint()? as usize;
        c.take(len)?;
        let total = c.uvarint()?;
        let _first_block = c.uvarint()?;
        if total > 1 {
            let _last_block = c.uvarint()?;
        }
    }
    for _ in 0..c.uvarint()? {
        let _index = c.uvarint()?;
        let _bytes = c.uvarint()?;
        let _first = c.uvarint()?;
        let _first_ts = c.varint()?;
        let _last = c.uvarint()?;
        let _last_ts = c.varint()?;
        let num_deleted = c.uvarint()?;
        // Version 2 added the count of messages with TTLs; 3 and later
        // (nats-server 2.12+) one more count after it.
        let counters = match version {
            1 => 0,
            2 => 1,
            _ => 2,
        };
        for _ in 0..counters {
            c.uvarint()?;
        }
        if num_deleted > 0 {
            read_seqset(&mut c, &mut index.deleted)?;
        }
    }
    Ok(index)
}

/// An encoded `avl.SequenceSet`: nodes of 32 × 64-bit buckets from a base.
fn read_seqset(c: &mut Cursor<'_>, out: &mut Vec<u64>) -> Result<(), FormatError> {
    let header = c.take(10)?;
    if header[0] != SEQSET_MAGIC || header[1] != 2 {
        return Err(FormatError::Index("unknown deleted-set encoding"));
    }
    let nodes = u32::from_le_bytes([header[2], header[3], header[4], header[5]]) as usize;
    for _ in 0..nodes {
        let node = c.take(8 + SEQSET_BUCKETS * 8 + 2)?;
        let base = u64::from_le_bytes(node[..8].try_into().unwrap_or([0; 8]));
        for bucket in 0..SEQSET_BUCKETS {
            let at = 8 + bucket * 8;
            let mut bits = u64::from_le_bytes(node[at..at + 8].try_into().unwrap_or([0; 8]));
            while bits != 0 {
                let bit = bits.trailing_zeros() as u64;
                out.push(base + bucket as u64 * 64 + bit);
                bits &= bits - 1;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_detect_tampering() {
        let hasher = Hasher::for_block("S", 1);
        let mut block = Vec::new();
        write_record(&mut block, &hasher, 1, 10, b"a.b", b"", b"hello");
        write_record(
            &mut block,
            &hasher,
            3,
            11,
            b"a.c",
            b"NATS/1.0\r\nX: y\r\n\r\n",
            b"x",
        );
        write_record(&mut block, &hasher, 9 | TOMBSTONE_BIT, 12, b"", b"", b"");
        let mut seen = Vec::new();
        read_records::<FormatError>(1, &block, &hasher, |r| {
            seen.push(format!("{r:?}"));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen.len(), 3);
        assert!(seen[1].contains("headers: [78"));
        block[30] ^= 1;
        assert!(read_records::<FormatError>(1, &block, &hasher, |_| Ok(())).is_err());
    }
}
