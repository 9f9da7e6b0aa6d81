//! The DAG side of the service: metadata, links, path resolution, walks,
//! documents, verification, pins and garbage collection.
//!
//! Walks keep a visited set (a DAG may share sub-DAGs; a cycle cannot exist
//! because a block can only link to blocks stored before it, but a walk does
//! not rely on that) and never fetch raw blocks just to find links: a raw
//! CID has none, which keeps `walk` and `gc` cheap on large files.

use std::collections::HashSet;
use std::time::Duration;

use bytes::Bytes;
use cid::Cid;
use ipld_core::ipld::Ipld;
use serde::Serialize;

use super::content::{codec_by_name, file_size, hash_option};
use super::{json, one_cid, wire, Page, State};
use crate::block::{Block, Codec};
use crate::dag::{self, Step};
use crate::error::{Error, Result};
use crate::store::BlockStore;
use crate::unixfs::UnixfsData;

/// Paths longer than this are refused.
const MAX_PATH_SEGMENTS: usize = 256;

/// Where a path ends: a block, and a value inside it when the path stops
/// short of a link.
struct Resolution {
    block: Block,
    value: Option<Ipld>,
}

async fn resolve_value(store: &BlockStore, path: &str) -> Result<Resolution> {
    let (text, segments) = dag::split_path(path);
    if segments.len() > MAX_PATH_SEGMENTS {
        return Err(Error::BadRequest(format!(
            "path has more than {MAX_PATH_SEGMENTS} segments"
        )));
    }
    let mut block = store.get(&one_cid(text)?).await?.block;
    let mut value = block.decode()?;
    let mut inside = false;
    for segment in segments {
        match dag::step(&block, &value, segment)? {
            Step::Link(cid) => {
                block = store.get(&cid).await?.block;
                value = block.decode()?;
                inside = false;
            }
            Step::Value(next) => {
                value = next;
                inside = true;
            }
        }
    }
    Ok(Resolution {
        block,
        value: inside.then_some(value),
    })
}

/// Resolves `cid[/path]` to the CID of the block it ends on.
pub(super) async fn resolve(store: &BlockStore, path: &str) -> Result<Cid> {
    let (text, segments) = dag::split_path(path);
    if segments.is_empty() {
        return one_cid(text);
    }
    let resolution = resolve_value(store, path).await?;
    if resolution.value.is_some() {
        return Err(Error::Path {
            path: path.to_string(),
            reason: format!(
                "ends inside {} at a value, not a link",
                resolution.block.cid()
            ),
        });
    }
    Ok(*resolution.block.cid())
}

#[derive(Serialize)]
struct Meta {
    cid: String,
    codec: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    block_size: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    links: usize,
    pinned: bool,
    created: String,
}

#[derive(Serialize)]
struct WalkEntry {
    cid: String,
    codec: &'static str,
    depth: usize,
}

#[derive(Serialize, Default)]
struct Verification {
    root: String,
    blocks: u64,
    bytes: u64,
    corrupt: Vec<String>,
    missing: Vec<String>,
    ok: bool,
}

#[derive(serde::Deserialize)]
#[serde(default)]
struct GcOptions {
    /// Blocks younger than this are kept (a put may still be linking them).
    grace_seconds: u64,
}

impl Default for GcOptions {
    fn default() -> Self {
        GcOptions { grace_seconds: 60 }
    }
}

impl State {
    pub(super) async fn meta(&self, path: &str) -> Result<Bytes> {
        let cid = self.resolve(path).await?;
        let stored = self.store.get(&cid).await?;
        let block = &stored.block;
        let codec = block.codec()?;
        let kind = match codec {
            Codec::Raw => "file",
            Codec::DagPb => ipld_dagpb::PbNode::from_bytes(block.data().clone())
                .ok()
                .and_then(|node| UnixfsData::of(&node))
                .map_or("dag-pb", |data| data.type_name()),
            Codec::DagCbor | Codec::DagJson => "document",
        };
        let created = stored
            .created
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        Ok(json(&Meta {
            cid: cid.to_string(),
            codec: codec.name(),
            kind,
            block_size: block.data().len(),
            size: file_size(block),
            links: block.links()?.len(),
            pinned: self.store.is_pinned(&cid).await?,
            created,
        }))
    }

    pub(super) async fn links(&self, path: &str, body: &[u8]) -> Result<Bytes> {
        let page = Page::parse(body)?;
        let cid = self.resolve(path).await?;
        let links = self.store.get(&cid).await?.block.links()?;
        let total = links.len();
        let links: Vec<_> = links
            .into_iter()
            .skip(page.offset)
            .take(page.limit())
            .collect();
        Ok(json(&serde_json::json!({
            "cid": cid.to_string(), "total": total, "offset": page.offset, "links": links,
        })))
    }

    pub(super) async fn walk(&self, arg: &str, body: &[u8]) -> Result<Bytes> {
        let page = Page::parse(body)?;
        let root = self.resolve(arg).await?;
        let mut entries = Vec::new();
        self.walk_from(root, &mut |cid, depth| {
            entries.push(WalkEntry {
                cid: cid.to_string(),
                codec: Codec::from_code(cid.codec()).map_or("unknown", Codec::name),
                depth,
            })
        })
        .await?;
        let total = entries.len();
        let blocks: Vec<_> = entries
            .into_iter()
            .skip(page.offset)
            .take(page.limit())
            .collect();
        Ok(json(&serde_json::json!({
            "root": root.to_string(), "total": total, "offset": page.offset, "blocks": blocks,
        })))
    }

    /// Depth-first, parents before children, each block once.
    async fn walk_from(&self, root: Cid, visit: &mut impl FnMut(&Cid, usize)) -> Result<()> {
        let mut seen = HashSet::new();
        let mut stack = vec![(root, 0usize)];
        while let Some((cid, depth)) = stack.pop() {
            if !seen.insert(cid) {
                continue;
            }
            visit(&cid, depth);
            if cid.codec() == Codec::Raw as u64 {
                // Puts refuse dangling links, so a listed leaf is stored;
                // `verify` is what reads and re-hashes every block.
                continue;
            }
            let links = self.store.get(&cid).await?.block.links()?;
            for link in links.into_iter().rev() {
                stack.push((link.cid, depth + 1));
            }
        }
        Ok(())
    }

    pub(super) async fn dag_get(&self, path: &str) -> Result<Bytes> {
        let resolution = resolve_value(&self.store, path).await?;
        let value = match resolution.value {
            Some(value) => value,
            None => resolution.block.decode()?,
        };
        Ok(dag::to_dag_json(&value)?.into())
    }

    pub(super) async fn dag_put(&self, message: &async_nats::Message) -> Result<Bytes> {
        let codec = message
            .headers
            .as_ref()
            .and_then(|h| h.get(wire::CODEC))
            .map_or(Ok(Codec::DagCbor), |v| codec_by_name(v.as_str()))?;
        let value = dag::from_dag_json(&message.payload)?;
        let block = dag::encode(&value, codec, hash_option(message)?)?;
        let summary = self.put_blocks(vec![block], None).await?;
        Ok(json(&summary))
    }

    pub(super) async fn verify(&self, arg: &str) -> Result<Bytes> {
        let root = one_cid(arg)?;
        let mut report = Verification {
            root: root.to_string(),
            ..Verification::default()
        };
        let mut seen = HashSet::new();
        let mut stack = vec![root];
        while let Some(cid) = stack.pop() {
            if !seen.insert(cid) {
                continue;
            }
            match self.store.get(&cid).await {
                Ok(stored) => {
                    report.blocks += 1;
                    report.bytes += stored.block.data().len() as u64;
                    let links = stored.block.links()?;
                    stack.extend(links.into_iter().rev().map(|l| l.cid));
                }
                Err(Error::Corrupt(cid)) => report.corrupt.push(cid.to_string()),
                Err(Error::NotFound(cid)) => report.missing.push(cid.to_string()),
                Err(other) => return Err(other),
            }
        }
        report.ok = report.corrupt.is_empty() && report.missing.is_empty();
        Ok(json(&report))
    }

    pub(super) async fn set_pin(&self, arg: &str, pin: bool) -> Result<Bytes> {
        let cid = self.resolve(arg).await?;
        let changed = if pin {
            if !self.store.has(&cid).await? {
                return Err(Error::NotFound(cid));
            }
            self.store.pin(&cid).await?
        } else {
            self.store.unpin(&cid).await?
        };
        Ok(json(&serde_json::json!({
            "cid": cid.to_string(), "pinned": pin, "changed": changed,
        })))
    }

    /// Deletes every block that no pinned DAG reaches (and that is older
    /// than the grace period).
    pub(super) async fn gc(&self, body: &[u8]) -> Result<Bytes> {
        let options: GcOptions = if body.iter().all(u8::is_ascii_whitespace) {
            GcOptions::default()
        } else {
            serde_json::from_slice(body)
                .map_err(|e| Error::BadRequest(format!("gc options: {e}")))?
        };
        let grace = Duration::from_secs(options.grace_seconds);
        let now = time::OffsetDateTime::now_utc();
        let inventory = self.store.inventory().await?;
        // Live: everything a pin reaches, and everything a young block
        // reaches (a DAG whose root was just put keeps its older leaves).
        let mut roots = self.store.pins().await?;
        roots.extend(
            inventory
                .iter()
                .filter(|(_, created, _)| now - *created < grace)
                .map(|(cid, _, _)| *cid),
        );
        let mut live = HashSet::new();
        for root in roots {
            if !live.contains(&root) {
                self.walk_from(root, &mut |cid, _| {
                    live.insert(*cid);
                })
                .await?;
            }
        }
        let (mut deleted, mut bytes, mut kept) = (0u64, 0u64, 0u64);
        for (cid, _, size) in inventory {
            if live.contains(&cid) {
                kept += 1;
                continue;
            }
            self.store.delete(&cid).await?;
            deleted += 1;
            bytes += size;
        }
        Ok(json(
            &serde_json::json!({ "deleted": deleted, "bytes": bytes, "kept": kept }),
        ))
    }
}
