//! DAG-CBOR / DAG-JSON documents and path resolution.
//!
//! Documents are IPLD data-model values; links are CIDs (`{"/": "bafy…"}` in
//! DAG-JSON). A named link is the conventional `{"name": …, "cid": …}` map in
//! a `links` list, and paths resolve through it: `root/child1/leaf` looks up
//! `child1` as a map key first, then as the `name` of an entry of the node's
//! `links` list; dag-pb nodes resolve by link name. A path step that lands on
//! a CID continues in that block, which is how one path spans many blocks.

use cid::Cid;
use ipld_core::ipld::Ipld;

use crate::block::{Block, Codec, HashAlg};
use crate::error::{Error, Result};

/// Parses DAG-JSON text into the data model.
pub fn from_dag_json(text: &[u8]) -> Result<Ipld> {
    serde_ipld_dagjson::from_slice(text).map_err(|e| Error::BadRequest(format!("DAG-JSON: {e}")))
}

/// Renders a value as DAG-JSON.
pub fn to_dag_json(value: &Ipld) -> Result<Vec<u8>> {
    serde_ipld_dagjson::to_vec(value).map_err(|e| Error::BadRequest(format!("DAG-JSON: {e}")))
}

/// Encodes a document as a block of `codec` (DAG-CBOR or DAG-JSON).
pub fn encode(value: &Ipld, codec: Codec, hash: HashAlg) -> Result<Block> {
    let bytes = match codec {
        Codec::DagCbor => serde_ipld_dagcbor::to_vec(value)
            .map_err(|e| Error::BadRequest(format!("DAG-CBOR: {e}")))?,
        Codec::DagJson => to_dag_json(value)?,
        other => {
            return Err(Error::BadRequest(format!(
                "documents are dag-cbor or dag-json, not {}",
                other.name()
            )))
        }
    };
    Ok(Block::new(codec, hash, bytes))
}

/// Where one path step leads.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Still inside the same block.
    Value(Ipld),
    /// Into another block.
    Link(Cid),
}

/// Splits a `cid/seg/seg` path into the CID text and its segments.
pub fn split_path(path: &str) -> (&str, Vec<&str>) {
    let path = path.trim_start_matches("/ipfs/").trim_matches('/');
    let mut parts = path.split('/').filter(|s| !s.is_empty());
    let cid = parts.next().unwrap_or("");
    (cid, parts.collect())
}

/// Takes one path step inside a decoded block.
pub fn step(block: &Block, value: &Ipld, segment: &str) -> Result<Step> {
    let missing = |reason: String| Error::Path {
        path: segment.to_string(),
        reason,
    };
    if block.codec()? == Codec::DagPb {
        for link in block.links()? {
            if link.name == segment {
                return Ok(Step::Link(link.cid));
            }
        }
        return Err(missing(format!(
            "{} has no link named {segment:?}",
            block.cid()
        )));
    }
    let next = match value {
        Ipld::Map(map) => map
            .get(segment)
            .cloned()
            .or_else(|| named_link(map.get("links"), segment)),
        Ipld::List(items) => segment
            .parse::<usize>()
            .ok()
            .and_then(|i| items.get(i).cloned()),
        _ => None,
    };
    match next {
        Some(Ipld::Link(cid)) => Ok(Step::Link(cid)),
        Some(other) => Ok(Step::Value(other)),
        None => Err(missing(format!(
            "no field or named link {segment:?} in {}",
            block.cid()
        ))),
    }
}

fn named_link(links: Option<&Ipld>, name: &str) -> Option<Ipld> {
    let Some(Ipld::List(links)) = links else {
        return None;
    };
    links.iter().find_map(|entry| match entry {
        Ipld::Map(map) if map.get("name") == Some(&Ipld::String(name.to_string())) => {
            map.get("cid").cloned()
        }
        _ => None,
    })
}
