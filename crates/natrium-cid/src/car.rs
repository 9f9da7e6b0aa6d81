//! CARv1 files: a header naming the roots, then `varint(len) | CID | bytes`
//! sections, one per block (<https://ipld.io/specs/transport/car/carv1/>).
//!
//! Both sides stream: the writer emits a block as it is handed one and the
//! reader yields one verified [`Block`] at a time, so a CAR of any size moves
//! through a fixed amount of memory. A truncated or corrupt file is an error
//! at the section where it breaks, never a short read taken as the end.

use std::collections::BTreeMap;
use std::io::Cursor;

use cid::Cid;
use ipld_core::ipld::Ipld;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::block::Block;
use crate::error::{Error, Result};

/// Sections larger than this are refused (blocks are at most a few MiB).
pub const MAX_SECTION: u64 = 8 * 1024 * 1024;

pub struct CarWriter<W> {
    out: W,
}

impl<W: AsyncWrite + Unpin> CarWriter<W> {
    /// Writes the header naming `roots`.
    pub async fn new(mut out: W, roots: &[Cid]) -> Result<CarWriter<W>> {
        let mut header = BTreeMap::new();
        header.insert(
            "roots".to_string(),
            Ipld::List(roots.iter().map(|c| Ipld::Link(*c)).collect()),
        );
        header.insert("version".to_string(), Ipld::Integer(1));
        let bytes = serde_ipld_dagcbor::to_vec(&Ipld::Map(header))
            .map_err(|e| Error::Car(e.to_string()))?;
        write_varint(&mut out, bytes.len() as u64).await?;
        out.write_all(&bytes).await?;
        Ok(CarWriter { out })
    }

    pub async fn write(&mut self, block: &Block) -> Result<()> {
        let cid = block.cid().to_bytes();
        write_varint(&mut self.out, (cid.len() + block.data().len()) as u64).await?;
        self.out.write_all(&cid).await?;
        self.out.write_all(block.data()).await?;
        Ok(())
    }

    pub async fn finish(mut self) -> Result<W> {
        self.out.flush().await?;
        Ok(self.out)
    }
}

pub struct CarReader<R> {
    input: R,
    roots: Vec<Cid>,
    sections: u64,
}

impl<R: AsyncRead + Unpin> CarReader<R> {
    /// Reads and checks the header.
    pub async fn new(mut input: R) -> Result<CarReader<R>> {
        let len = read_varint(&mut input)
            .await?
            .ok_or_else(|| Error::Car("empty file: no header".into()))?;
        if len == 0 || len > MAX_SECTION {
            return Err(Error::Car(format!("header length {len} is not valid")));
        }
        let bytes = read_exact(&mut input, len, "header").await?;
        let header: Ipld = serde_ipld_dagcbor::from_slice(&bytes)
            .map_err(|e| Error::Car(format!("header is not DAG-CBOR: {e}")))?;
        let Ipld::Map(header) = header else {
            return Err(Error::Car("header is not a map".into()));
        };
        if header.get("version") != Some(&Ipld::Integer(1)) {
            return Err(Error::Car("only CARv1 is supported".into()));
        }
        let roots = match header.get("roots") {
            Some(Ipld::List(roots)) => roots
                .iter()
                .map(|r| match r {
                    Ipld::Link(cid) => Ok(*cid),
                    _ => Err(Error::Car("a root is not a CID".into())),
                })
                .collect::<Result<Vec<_>>>()?,
            _ => return Err(Error::Car("header has no roots".into())),
        };
        Ok(CarReader {
            input,
            roots,
            sections: 0,
        })
    }

    pub fn roots(&self) -> &[Cid] {
        &self.roots
    }

    /// The next block, hash-checked; `None` at a clean end of file.
    pub async fn next_block(&mut self) -> Result<Option<Block>> {
        let Some(len) = read_varint(&mut self.input).await? else {
            return Ok(None);
        };
        self.sections += 1;
        let at = self.sections;
        if len == 0 || len > MAX_SECTION {
            return Err(Error::Car(format!(
                "section {at}: length {len} is not valid"
            )));
        }
        let bytes = read_exact(&mut self.input, len, "section").await?;
        let mut cursor = Cursor::new(&bytes[..]);
        let cid = Cid::read_bytes(&mut cursor)
            .map_err(|e| Error::Car(format!("section {at}: bad CID: {e}")))?;
        let data = bytes.slice(cursor.position() as usize..);
        Block::verified(cid, data).map(Some).map_err(|e| match e {
            Error::Mismatch { expected, .. } => Error::Car(format!(
                "section {at}: block {expected} does not hash to its CID"
            )),
            other => other,
        })
    }
}

async fn write_varint<W: AsyncWrite + Unpin>(out: &mut W, value: u64) -> Result<()> {
    let mut buf = unsigned_varint::encode::u64_buffer();
    out.write_all(unsigned_varint::encode::u64(value, &mut buf))
        .await?;
    Ok(())
}

/// Reads a varint; `None` when the input ends cleanly before its first byte.
async fn read_varint<R: AsyncRead + Unpin>(input: &mut R) -> Result<Option<u64>> {
    let mut value = 0u64;
    for i in 0..10 {
        let mut byte = [0u8];
        if input.read(&mut byte).await? == 0 {
            if i == 0 {
                return Ok(None);
            }
            return Err(Error::Car("truncated: file ends inside a length".into()));
        }
        value |= u64::from(byte[0] & 0x7f) << (7 * i);
        if byte[0] & 0x80 == 0 {
            return Ok(Some(value));
        }
    }
    Err(Error::Car("length varint is too long".into()))
}

async fn read_exact<R: AsyncRead + Unpin>(
    input: &mut R,
    len: u64,
    what: &str,
) -> Result<bytes::Bytes> {
    let mut buf = vec![0u8; len as usize];
    match input.read_exact(&mut buf).await {
        Ok(_) => Ok(buf.into()),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(Error::Car(format!(
            "truncated: file ends inside a {what} of {len} bytes"
        ))),
        Err(e) => Err(e.into()),
    }
}
