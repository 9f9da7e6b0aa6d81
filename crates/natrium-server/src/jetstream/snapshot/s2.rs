//! The S2 stream format that snapshots travel in: a framed stream (as
//! Snappy's framing: a stream identifier chunk, then compressed or
//! uncompressed data chunks, each with a masked CRC-32C of its data).
//!
//! nats-server compresses snapshots with klauspost's S2, whose blocks extend
//! Snappy's with "repeat offset" copies, so the reader decodes S2 blocks
//! (a superset of Snappy blocks) and accepts both the `S2sTwO` and the
//! `sNaPpY` identifiers. The writer emits Snappy-encoded blocks (made by the
//! `snap` crate) under the S2 identifier: every S2 reader decodes them.
//! Every checksum is verified, so a tampered or truncated snapshot is an
//! error, never silently different data.

use std::io::{self, Read, Write};

const CHUNK_COMPRESSED: u8 = 0x00;
const CHUNK_UNCOMPRESSED: u8 = 0x01;
const CHUNK_STREAM_ID: u8 = 0xff;
const S2_MAGIC: &[u8] = b"S2sTwO";
const SNAPPY_MAGIC: &[u8] = b"sNaPpY";
/// Uncompressed bytes per written block (S2 allows up to 4 MiB).
const WRITE_BLOCK: usize = 1 << 20;
/// The largest block an S2 reader must accept.
const MAX_BLOCK: usize = 4 << 20;

/// The masked CRC-32C (Castagnoli) framed Snappy and S2 put on each chunk.
fn masked_crc(data: &[u8]) -> u32 {
    let crc = crc32c::crc32c(data);
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

fn corrupt(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("s2: {what}"))
}

/// Decodes one S2 (or Snappy) block into `out`.
pub fn decode_block(src: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
    let (length, header) = read_uvarint(src).ok_or_else(|| corrupt("bad block length"))?;
    let length = usize::try_from(length).map_err(|_| corrupt("block too large"))?;
    if length > MAX_BLOCK {
        return Err(corrupt("block too large"));
    }
    let start = out.len();
    out.reserve(length);
    let mut s = header;
    let mut offset = 0usize;
    let byte = |s: usize| {
        src.get(s)
            .copied()
            .map(u32::from)
            .ok_or_else(|| corrupt("short block"))
    };
    while s < src.len() {
        let tag = src[s];
        let copy_len;
        match tag & 0x03 {
            0 => {
                let mut len = (tag >> 2) as usize;
                s += 1;
                if len >= 60 {
                    let extra = len - 59;
                    let mut value = 0usize;
                    for i in 0..extra {
                        value |= (byte(s + i)? as usize) << (8 * i);
                    }
                    s += extra;
                    len = value;
                }
                let len = len + 1;
                let end = s.checked_add(len).ok_or_else(|| corrupt("bad literal"))?;
                let literal = src.get(s..end).ok_or_else(|| corrupt("short literal"))?;
                out.extend_from_slice(literal);
                s = end;
                continue;
            }
            1 => {
                let low = byte(s + 1)?;
                let new_offset = ((tag as u32 & 0xe0) << 3 | low) as usize;
                let mut len = ((tag >> 2) & 0x07) as usize;
                s += 2;
                if new_offset == 0 {
                    // S2: repeat the previous offset, length possibly extended.
                    match len {
                        5 => {
                            len = byte(s)? as usize + 4;
                            s += 1;
                        }
                        6 => {
                            len = (byte(s)? | byte(s + 1)? << 8) as usize + (1 << 8);
                            s += 2;
                        }
                        7 => {
                            len = (byte(s)? | byte(s + 1)? << 8 | byte(s + 2)? << 16) as usize
                                + (1 << 16);
                            s += 3;
                        }
                        _ => {}
                    }
                } else {
                    offset = new_offset;
                }
                copy_len = len + 4;
            }
            2 => {
                offset = (byte(s + 1)? | byte(s + 2)? << 8) as usize;
                copy_len = (tag >> 2) as usize + 1;
                s += 3;
            }
            _ => {
                offset =
                    (byte(s + 1)? | byte(s + 2)? << 8 | byte(s + 3)? << 16 | byte(s + 4)? << 24)
                        as usize;
                copy_len = (tag >> 2) as usize + 1;
                s += 5;
            }
        }
        let produced = out.len() - start;
        if offset == 0 || offset > produced {
            return Err(corrupt("bad copy offset"));
        }
        if produced + copy_len > length {
            return Err(corrupt("block longer than declared"));
        }
        // An overlapping copy repeats the last `offset` bytes: copy in
        // doubling runs from `from`, each a whole number of periods.
        let from = out.len() - offset;
        let mut copied = 0;
        while copied < copy_len {
            let n = (copy_len - copied).min(offset.max(copied));
            out.extend_from_within(from..from + n);
            copied += n;
        }
    }
    if out.len() - start != length {
        return Err(corrupt("block shorter than declared"));
    }
    Ok(())
}

fn read_uvarint(src: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &b) in src.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// Reads a framed S2 (or Snappy) stream, verifying every chunk's checksum.
pub struct Reader<R> {
    inner: R,
    chunk: Vec<u8>,
    block: Vec<u8>,
    read: usize,
    started: bool,
}

impl<R: Read> Reader<R> {
    pub fn new(inner: R) -> Self {
        Reader {
            inner,
            chunk: Vec::new(),
            block: Vec::new(),
            read: 0,
            started: false,
        }
    }

    /// Fills `block` with the next chunk's data; false at a clean end.
    fn next_block(&mut self) -> io::Result<bool> {
        loop {
            let mut header = [0u8; 4];
            match read_full(&mut self.inner, &mut header)? {
                0 => return Ok(false),
                4 => {}
                _ => return Err(corrupt("truncated chunk header")),
            }
            let kind = header[0];
            let len = u32::from_le_bytes([header[1], header[2], header[3], 0]) as usize;
            self.chunk.resize(len, 0);
            if read_full(&mut self.inner, &mut self.chunk)? != len {
                return Err(corrupt("truncated chunk"));
            }
            if !self.started && kind != CHUNK_STREAM_ID {
                return Err(corrupt("missing stream identifier"));
            }
            match kind {
                CHUNK_STREAM_ID => {
                    if self.chunk != S2_MAGIC && self.chunk != SNAPPY_MAGIC {
                        return Err(corrupt("unknown stream identifier"));
                    }
                    self.started = true;
                }
                CHUNK_COMPRESSED | CHUNK_UNCOMPRESSED => {
                    if len < 4 {
                        return Err(corrupt("chunk too short"));
                    }
                    let expected = u32::from_le_bytes([
                        self.chunk[0],
                        self.chunk[1],
                        self.chunk[2],
                        self.chunk[3],
                    ]);
                    self.block.clear();
                    if kind == CHUNK_COMPRESSED {
                        decode_block(&self.chunk[4..], &mut self.block)?;
                    } else {
                        self.block.extend_from_slice(&self.chunk[4..]);
                    }
                    if masked_crc(&self.block) != expected {
                        return Err(corrupt("checksum mismatch"));
                    }
                    self.read = 0;
                    return Ok(true);
                }
                0x02..=0x7f => return Err(corrupt("unknown unskippable chunk")),
                // Padding, indexes and other skippable chunks.
                _ => {}
            }
        }
    }
}

fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

impl<R: Read> Read for Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.read == self.block.len() {
            if !self.next_block()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.block.len() - self.read);
        buf[..n].copy_from_slice(&self.block[self.read..self.read + n]);
        self.read += n;
        Ok(n)
    }
}

/// Writes a framed S2 stream.
pub struct Writer<W: Write> {
    inner: W,
    pending: Vec<u8>,
    encoder: snap::raw::Encoder,
    compressed: Vec<u8>,
}

impl<W: Write> Writer<W> {
    pub fn new(mut inner: W) -> io::Result<Self> {
        let mut id = vec![CHUNK_STREAM_ID, S2_MAGIC.len() as u8, 0, 0];
        id.extend_from_slice(S2_MAGIC);
        inner.write_all(&id)?;
        Ok(Writer {
            inner,
            pending: Vec::with_capacity(WRITE_BLOCK),
            encoder: snap::raw::Encoder::new(),
            compressed: Vec::new(),
        })
    }

    fn write_block(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let crc = masked_crc(&self.pending);
        self.compressed
            .resize(snap::raw::max_compress_len(self.pending.len()), 0);
        let n = self
            .encoder
            .compress(&self.pending, &mut self.compressed)
            .map_err(io::Error::other)?;
        let (kind, body): (u8, &[u8]) = if n < self.pending.len() {
            (CHUNK_COMPRESSED, &self.compressed[..n])
        } else {
            (CHUNK_UNCOMPRESSED, &self.pending)
        };
        let len = (body.len() + 4) as u32;
        let header = [kind, len as u8, (len >> 8) as u8, (len >> 16) as u8];
        self.inner.write_all(&header)?;
        self.inner.write_all(&crc.to_le_bytes())?;
        self.inner.write_all(body)?;
        self.pending.clear();
        Ok(())
    }

    /// Writes what is buffered and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.write_block()?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for Writer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(WRITE_BLOCK - self.pending.len());
        self.pending.extend_from_slice(&buf[..n]);
        if self.pending.len() == WRITE_BLOCK {
            self.write_block()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_checksums() {
        let mut data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        // Long runs make overlapping copies of every short period.
        data.extend(std::iter::repeat_n(7u8, 100_000));
        data.extend(b"abc".iter().cycle().take(100_000));
        let mut writer = Writer::new(Vec::new()).unwrap();
        writer.write_all(&data).unwrap();
        let framed = writer.finish().unwrap();
        let mut back = Vec::new();
        Reader::new(&framed[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
        let mut tampered = framed.clone();
        let at = tampered.len() / 2;
        tampered[at] ^= 0x55;
        assert!(Reader::new(&tampered[..])
            .read_to_end(&mut Vec::new())
            .is_err());
        let truncated = &framed[..framed.len() - 7];
        assert!(Reader::new(truncated).read_to_end(&mut Vec::new()).is_err());
    }

    #[test]
    fn crc32c_known_value() {
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
    }
}
