//! Blocks: bytes plus the CID they hash to.
//!
//! A [`Block`] can only be built by hashing its bytes ([`Block::new`]) or by
//! checking them against a claimed CID ([`Block::verified`]), so a `Block` in
//! hand is always genuine. Everything above this module (files, documents,
//! CAR files, the store) moves blocks, which is what makes "anything fetched
//! is verified against its address" hold by construction.

use bytes::Bytes;
use cid::Cid;
use ipld_core::ipld::Ipld;
use multihash_codetable::{Code, MultihashDigest};

use crate::error::{Error, Result};

/// The IPLD codecs the store understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Raw = 0x55,
    DagPb = 0x70,
    DagCbor = 0x71,
    DagJson = 0x0129,
}

impl Codec {
    pub fn from_code(code: u64) -> Result<Codec> {
        Ok(match code {
            0x55 => Codec::Raw,
            0x70 => Codec::DagPb,
            0x71 => Codec::DagCbor,
            0x0129 => Codec::DagJson,
            other => {
                return Err(Error::Unsupported {
                    what: "codec",
                    value: other,
                })
            }
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Codec::Raw => "raw",
            Codec::DagPb => "dag-pb",
            Codec::DagCbor => "dag-cbor",
            Codec::DagJson => "dag-json",
        }
    }
}

/// Hash functions for new CIDs. sha2-256 is IPFS's default (and what makes
/// CIDs match); blake3 is faster and accepted everywhere in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HashAlg {
    #[default]
    Sha2_256,
    Blake3,
}

impl HashAlg {
    fn code(self) -> Code {
        match self {
            HashAlg::Sha2_256 => Code::Sha2_256,
            HashAlg::Blake3 => Code::Blake3_256,
        }
    }

    pub fn parse(name: &str) -> Result<HashAlg> {
        match name {
            "sha2-256" | "sha256" => Ok(HashAlg::Sha2_256),
            "blake3" => Ok(HashAlg::Blake3),
            _ => Err(Error::BadRequest(format!(
                "unknown hash {name:?} (sha2-256 or blake3)"
            ))),
        }
    }
}

/// Parses a CID in any text form (CIDv1 multibase, CIDv0 base58 `Qm…`).
pub fn parse_cid(text: &str) -> Result<Cid> {
    Cid::try_from(text).map_err(|error| Error::BadCid {
        text: text.chars().take(100).collect(),
        reason: error.to_string(),
    })
}

/// Bytes and the CID they hash to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    cid: Cid,
    data: Bytes,
}

impl Block {
    /// Hashes `data` into a CIDv1 of `codec`.
    pub fn new(codec: Codec, hash: HashAlg, data: impl Into<Bytes>) -> Block {
        let data = data.into();
        let digest = hash.code().digest(&data);
        Block {
            cid: Cid::new_v1(codec as u64, digest),
            data,
        }
    }

    /// Checks that `data` hashes to `cid` with the CID's own hash function.
    pub fn verified(cid: Cid, data: impl Into<Bytes>) -> Result<Block> {
        let data = data.into();
        let code = Code::try_from(cid.hash().code()).map_err(|_| Error::Unsupported {
            what: "multihash",
            value: cid.hash().code(),
        })?;
        let digest = code.digest(&data);
        if digest.digest() != cid.hash().digest() {
            let actual = if cid.version() == cid::Version::V0 {
                Cid::new_v0(digest).unwrap_or_else(|_| Cid::new_v1(cid.codec(), digest))
            } else {
                Cid::new_v1(cid.codec(), digest)
            };
            return Err(Error::Mismatch {
                expected: cid,
                actual: actual.to_string(),
            });
        }
        Ok(Block { cid, data })
    }

    pub fn cid(&self) -> &Cid {
        &self.cid
    }

    pub fn data(&self) -> &Bytes {
        &self.data
    }

    pub fn into_data(self) -> Bytes {
        self.data
    }

    pub fn codec(&self) -> Result<Codec> {
        Codec::from_code(self.cid.codec())
    }

    /// The block decoded into the IPLD data model (raw blocks are bytes).
    pub fn decode(&self) -> Result<Ipld> {
        let decode_error = |reason: String| Error::Decode {
            cid: self.cid,
            reason,
        };
        match self.codec()? {
            Codec::Raw => Ok(Ipld::Bytes(self.data.to_vec())),
            Codec::DagPb => {
                ipld_dagpb::to_ipld(&self.data).map_err(|e| decode_error(e.to_string()))
            }
            Codec::DagCbor => {
                serde_ipld_dagcbor::from_slice(&self.data).map_err(|e| decode_error(e.to_string()))
            }
            Codec::DagJson => {
                serde_ipld_dagjson::from_slice(&self.data).map_err(|e| decode_error(e.to_string()))
            }
        }
    }

    /// The links of the block, in order, with their names where the codec
    /// has them (dag-pb link names; the map path for DAG-CBOR/DAG-JSON).
    pub fn links(&self) -> Result<Vec<Link>> {
        match self.codec()? {
            Codec::Raw => Ok(Vec::new()),
            Codec::DagPb => {
                let node = ipld_dagpb::PbNode::from_bytes(self.data.clone()).map_err(|e| {
                    Error::Decode {
                        cid: self.cid,
                        reason: e.to_string(),
                    }
                })?;
                Ok(node
                    .links
                    .into_iter()
                    .map(|link| Link {
                        name: link.name.unwrap_or_default(),
                        cid: link.cid,
                        size: link.size,
                    })
                    .collect())
            }
            Codec::DagCbor | Codec::DagJson => {
                let mut links = Vec::new();
                collect_links(&self.decode()?, &mut String::new(), &mut links);
                Ok(links)
            }
        }
    }
}

/// A link out of a block.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Link {
    /// The dag-pb name, or the path inside a DAG-CBOR/DAG-JSON node.
    pub name: String,
    #[serde(serialize_with = "cid_text")]
    pub cid: Cid,
    /// The dag-pb `Tsize` (bytes of the linked DAG), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

fn cid_text<S: serde::Serializer>(cid: &Cid, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(cid)
}

fn collect_links(node: &Ipld, path: &mut String, out: &mut Vec<Link>) {
    match node {
        Ipld::Link(cid) => out.push(Link {
            name: path.clone(),
            cid: *cid,
            size: None,
        }),
        Ipld::List(items) => {
            for (index, item) in items.iter().enumerate() {
                with_segment(path, &index.to_string(), |path| {
                    collect_links(item, path, out)
                });
            }
        }
        Ipld::Map(map) => {
            for (key, item) in map {
                with_segment(path, key, |path| collect_links(item, path, out));
            }
        }
        _ => {}
    }
}

fn with_segment(path: &mut String, segment: &str, f: impl FnOnce(&mut String)) {
    let len = path.len();
    if !path.is_empty() {
        path.push('/');
    }
    path.push_str(segment);
    f(path);
    path.truncate(len);
}
