//! Files as UnixFS DAGs, chunked exactly as `ipfs add --cid-version=1
//! --raw-leaves` does, so the root CID of a file is the one IPFS gives.
//!
//! The layout is go-unixfs's "balanced" DAG: fixed 256 KiB chunks become raw
//! leaves; every 174 links (the most that fit a 256 KiB-ish dag-pb node in
//! go-ipfs) are gathered into a dag-pb node whose UnixFS `Data` says `File`,
//! the total `filesize` and each child's `blocksizes`; those nodes are
//! gathered the same way until one root remains. A file of one chunk is its
//! raw leaf.
//!
//! [`FileBuilder`] builds the DAG while the bytes stream through: it holds
//! one chunk plus at most 174 pending links per level (a few KiB per level,
//! six levels cover petabytes) and hands out finished blocks children-first,
//! so a store that refuses dangling links accepts them in the order given.

use bytes::{Bytes, BytesMut};
use cid::Cid;
use ipld_dagpb::{PbLink, PbNode};
use prost::Message;

use crate::block::{Block, Codec, HashAlg};
use crate::error::{Error, Result};

/// go-ipfs's default chunk size (`size-262144`).
pub const CHUNK_SIZE: usize = 256 * 1024;
/// go-ipfs's default maximum links per node of a balanced DAG.
pub const MAX_LINKS: usize = 174;

/// UnixFS `Data` type: `File`.
const TYPE_FILE: i32 = 2;
const TYPE_RAW: i32 = 0;

/// The UnixFS `Data` message (unixfs.proto, proto2).
#[derive(Clone, PartialEq, prost::Message)]
pub struct UnixfsData {
    #[prost(int32, required, tag = "1")]
    pub r#type: i32,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub data: Option<Vec<u8>>,
    #[prost(uint64, optional, tag = "3")]
    pub filesize: Option<u64>,
    #[prost(uint64, repeated, packed = "false", tag = "4")]
    pub blocksizes: Vec<u64>,
}

impl UnixfsData {
    /// Decodes the UnixFS `Data` of a dag-pb node, if it has any.
    pub fn of(node: &PbNode) -> Option<UnixfsData> {
        node.data
            .as_ref()
            .and_then(|data| UnixfsData::decode(data.as_ref()).ok())
    }

    pub fn type_name(&self) -> &'static str {
        match self.r#type {
            0 => "raw",
            1 => "directory",
            2 => "file",
            3 => "metadata",
            4 => "symlink",
            5 => "hamt-sharded-directory",
            _ => "unknown",
        }
    }

    /// The file bytes carried inline by this node (non-raw-leaf imports).
    pub fn inline_bytes(&self) -> &[u8] {
        if self.r#type == TYPE_FILE || self.r#type == TYPE_RAW {
            self.data.as_deref().unwrap_or(&[])
        } else {
            &[]
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    cid: Cid,
    /// Bytes of the linked DAG (blocks included), dag-pb's `Tsize`.
    tsize: u64,
    /// File bytes under the link, UnixFS `blocksizes`.
    filesize: u64,
}

/// Builds the UnixFS DAG of a file from a stream of bytes.
#[derive(Debug)]
pub struct FileBuilder {
    hash: HashAlg,
    chunk: BytesMut,
    levels: Vec<Vec<Entry>>,
    size: u64,
    leaves: u64,
}

/// A finished file: its root and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileRoot {
    pub cid: Cid,
    pub size: u64,
}

impl Default for FileBuilder {
    fn default() -> Self {
        FileBuilder::new(HashAlg::Sha2_256)
    }
}

impl FileBuilder {
    pub fn new(hash: HashAlg) -> FileBuilder {
        FileBuilder {
            hash,
            chunk: BytesMut::with_capacity(CHUNK_SIZE),
            levels: vec![Vec::new()],
            size: 0,
            leaves: 0,
        }
    }

    /// Feeds bytes; returns the blocks they completed (children first).
    pub fn push(&mut self, mut bytes: &[u8], out: &mut Vec<Block>) {
        while !bytes.is_empty() {
            let take = (CHUNK_SIZE - self.chunk.len()).min(bytes.len());
            self.chunk.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.chunk.len() == CHUNK_SIZE {
                self.emit_leaf(out);
            }
        }
    }

    /// Ends the file: flushes the last chunk and the pending nodes.
    pub fn finish(mut self, out: &mut Vec<Block>) -> FileRoot {
        if !self.chunk.is_empty() || self.leaves == 0 {
            self.emit_leaf(out);
        }
        let mut level = 0;
        loop {
            let higher = self.levels[level + 1..].iter().any(|l| !l.is_empty());
            let entries = std::mem::take(&mut self.levels[level]);
            if !higher && entries.len() == 1 {
                return FileRoot {
                    cid: entries[0].cid,
                    size: self.size,
                };
            }
            if !entries.is_empty() {
                let parent = self.node(&entries, out);
                self.add(level + 1, parent, out);
            }
            level += 1;
        }
    }

    fn emit_leaf(&mut self, out: &mut Vec<Block>) {
        let data = self.chunk.split().freeze();
        let len = data.len() as u64;
        let leaf = Block::new(Codec::Raw, self.hash, data);
        self.size += len;
        self.leaves += 1;
        let entry = Entry {
            cid: *leaf.cid(),
            tsize: len,
            filesize: len,
        };
        out.push(leaf);
        self.add(0, entry, out);
    }

    /// Adds a link at `level`, first closing a full node there.
    fn add(&mut self, level: usize, entry: Entry, out: &mut Vec<Block>) {
        if self.levels.len() <= level + 1 {
            self.levels.resize(level + 2, Vec::new());
        }
        if self.levels[level].len() == MAX_LINKS {
            let entries = std::mem::take(&mut self.levels[level]);
            let parent = self.node(&entries, out);
            self.add(level + 1, parent, out);
        }
        self.levels[level].push(entry);
    }

    fn node(&self, entries: &[Entry], out: &mut Vec<Block>) -> Entry {
        let filesize: u64 = entries.iter().map(|e| e.filesize).sum();
        let data = UnixfsData {
            r#type: TYPE_FILE,
            data: None,
            filesize: Some(filesize),
            blocksizes: entries.iter().map(|e| e.filesize).collect(),
        };
        let node = PbNode {
            links: entries
                .iter()
                .map(|e| PbLink {
                    cid: e.cid,
                    name: Some(String::new()),
                    size: Some(e.tsize),
                })
                .collect(),
            data: Some(Bytes::from(data.encode_to_vec())),
        };
        let block = Block::new(Codec::DagPb, self.hash, node.into_bytes());
        let entry = Entry {
            cid: *block.cid(),
            tsize: block.data().len() as u64 + entries.iter().map(|e| e.tsize).sum::<u64>(),
            filesize,
        };
        out.push(block);
        entry
    }
}

/// Computes the root of `bytes` without keeping the blocks.
pub fn file_cid(bytes: &[u8], hash: HashAlg) -> FileRoot {
    let mut builder = FileBuilder::new(hash);
    let mut blocks = Vec::new();
    for piece in bytes.chunks(CHUNK_SIZE) {
        builder.push(piece, &mut blocks);
        blocks.clear();
    }
    builder.finish(&mut blocks)
}

/// What a block contributes to a file read in order: inline bytes and the
/// children to read after them.
pub fn file_part(block: &Block) -> Result<(Bytes, Vec<Cid>)> {
    match block.codec()? {
        Codec::Raw => Ok((block.data().clone(), Vec::new())),
        Codec::DagPb => {
            let node = PbNode::from_bytes(block.data().clone()).map_err(|e| Error::Decode {
                cid: *block.cid(),
                reason: e.to_string(),
            })?;
            let unixfs = UnixfsData::of(&node);
            if let Some(data) = unixfs
                .as_ref()
                .filter(|d| !matches!(d.r#type, TYPE_RAW | TYPE_FILE))
            {
                return Err(Error::BadRequest(format!(
                    "{} is a UnixFS {}, not a file: list it with links (cid ls)",
                    block.cid(),
                    data.type_name()
                )));
            }
            let inline = unixfs
                .map(|data| Bytes::copy_from_slice(data.inline_bytes()))
                .unwrap_or_default();
            Ok((inline, node.links.into_iter().map(|l| l.cid).collect()))
        }
        other => Err(Error::BadRequest(format!(
            "{} is a {} block, not a file (use dag get)",
            block.cid(),
            other.name()
        ))),
    }
}
