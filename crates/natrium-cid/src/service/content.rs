//! Putting content in and streaming it out.
//!
//! A put is checked whole before a byte is stored: the body must hash to the
//! subject's CID as one block, or, as a whole file, import to a UnixFS DAG
//! whose root is that CID. A get walks the file's DAG in order and publishes
//! one message per leaf, prefetching the next raw leaves while the current one
//! is sent, so memory stays at a few chunks whatever the file size.

use std::collections::VecDeque;
use std::time::Duration;

use async_nats::{HeaderMap, Message};
use bytes::Bytes;
use cid::Cid;
use futures::stream::FuturesOrdered;
use futures::StreamExt;
use serde::Serialize;

use super::{error_reply, json, one_cid, wire, State};
use crate::block::{Block, Codec, HashAlg};
use crate::error::{Error, Result};
use crate::store::key;
use crate::unixfs::{file_part, FileBuilder, UnixfsData};

/// Leaves fetched ahead of the one being sent.
const PREFETCH: usize = 8;
/// How long a reader may take to answer a flow-control message.
const FLOW_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Serialize)]
pub(super) struct PutSummary {
    pub cid: String,
    /// File bytes (a block's own size when it is not a file).
    pub size: u64,
    pub blocks: u64,
    pub new_blocks: u64,
    /// Nothing new was stored: every block was there already.
    pub duplicate: bool,
    pub pinned: bool,
}

fn header<'a>(message: &'a Message, name: &str) -> Option<&'a str> {
    message
        .headers
        .as_ref()
        .and_then(|h| h.get(name))
        .map(|v| v.as_str())
}

pub(super) fn hash_option(message: &Message) -> Result<HashAlg> {
    header(message, wire::HASH).map_or(Ok(HashAlg::Sha2_256), HashAlg::parse)
}

fn hash_of(cid: &Cid) -> HashAlg {
    if cid.hash().code() == 0x1e {
        HashAlg::Blake3
    } else {
        HashAlg::Sha2_256
    }
}

impl State {
    pub(super) async fn put(&self, message: &Message, arg: &str) -> Result<Bytes> {
        let body = message.payload.clone();
        let pin = header(message, wire::PIN).is_some_and(|v| v == "true");
        let summary = if arg.is_empty() {
            match header(message, wire::CODEC) {
                Some(codec) => {
                    let codec = codec_by_name(codec)?;
                    let block = Block::new(codec, hash_option(message)?, body);
                    self.put_blocks(vec![block], None).await?
                }
                None => self.put_file(body, hash_option(message)?).await?,
            }
        } else {
            let cid = one_cid(arg)?;
            match Block::verified(cid, body.clone()) {
                Ok(block) => self.put_blocks(vec![block], None).await?,
                Err(Error::Mismatch { expected, .. })
                    if matches!(Codec::from_code(cid.codec()), Ok(Codec::Raw | Codec::DagPb)) =>
                {
                    let blocks = import(&body, hash_of(&cid));
                    let root = blocks.last().map(|b| key(b.cid())).unwrap_or_default();
                    if root != key(&expected) {
                        return Err(Error::Mismatch {
                            expected,
                            actual: format!("{root} as a file"),
                        });
                    }
                    self.put_blocks(blocks, Some(body.len() as u64)).await?
                }
                Err(other) => return Err(other),
            }
        };
        let mut summary = summary;
        if pin {
            self.store
                .pin(&crate::block::parse_cid(&summary.cid)?)
                .await?;
            summary.pinned = true;
        }
        Ok(json(&summary))
    }

    async fn put_file(&self, body: Bytes, hash: HashAlg) -> Result<PutSummary> {
        let size = body.len() as u64;
        self.put_blocks(import(&body, hash), Some(size)).await
    }

    /// Checks then stores blocks given children first; the last is the root.
    pub(super) async fn put_blocks(
        &self,
        blocks: Vec<Block>,
        file_size: Option<u64>,
    ) -> Result<PutSummary> {
        let Some(root) = blocks.last() else {
            return Err(Error::BadRequest("nothing to store".into()));
        };
        let ours: std::collections::HashSet<Cid> = blocks.iter().map(|b| *b.cid()).collect();
        for block in &blocks {
            if block.data().len() > self.max_block {
                return Err(Error::TooLarge {
                    size: block.data().len(),
                    limit: self.max_block,
                });
            }
            for link in block.links()? {
                if !ours.contains(&link.cid) && !self.store.has(&link.cid).await? {
                    return Err(Error::DanglingLink {
                        cid: block.cid().to_string(),
                        missing: link.cid,
                    });
                }
            }
        }
        let mut new_blocks = 0;
        for block in &blocks {
            if self.store.put(block).await? {
                new_blocks += 1;
            }
        }
        Ok(PutSummary {
            cid: root.cid().to_string(),
            size: file_size.unwrap_or(root.data().len() as u64),
            blocks: blocks.len() as u64,
            new_blocks,
            duplicate: new_blocks == 0,
            pinned: false,
        })
    }

    /// Streams the content (or with `Cid-Block`, one block) to `reply`.
    pub(super) async fn get(&self, message: &Message, reply: String, arg: &str) {
        let block_only = header(message, wire::BLOCK).is_some_and(|v| v == "true");
        let result = match self.resolve(arg).await {
            Ok(cid) if block_only => match self.store.get(&cid).await {
                Ok(stored) => {
                    let data = stored.block.into_data();
                    let mut headers = HeaderMap::new();
                    headers.insert(wire::END, data.len().to_string().as_str());
                    self.respond(reply, headers, data).await;
                    return;
                }
                Err(e) => Err(e),
            },
            Ok(cid) => self.stream_file(&reply, cid).await,
            Err(e) => Err(e),
        };
        if let Err(error) = result {
            let (headers, body) = error_reply(&error);
            self.respond(reply, headers, body).await;
        }
    }

    async fn stream_file(&self, reply: &str, root: Cid) -> Result<()> {
        let codec = Codec::from_code(root.codec())?;
        if !matches!(codec, Codec::Raw | Codec::DagPb) {
            return Err(Error::BadRequest(format!(
                "{root} is a {} document, not a file: use dag.get",
                codec.name()
            )));
        }
        let mut sender = ChunkSender {
            state: self,
            reply,
            held: None,
            sent: 0,
            bytes: 0,
            flow: None,
        };
        let mut pending = VecDeque::from([root]);
        let mut inflight = FuturesOrdered::new();
        loop {
            while inflight.len() < PREFETCH
                && pending
                    .front()
                    .is_some_and(|c| c.codec() == Codec::Raw as u64)
            {
                let store = self.store.clone();
                let cid = pending.pop_front().expect("front checked");
                inflight.push_back(async move { store.get(&cid).await });
            }
            if let Some(stored) = inflight.next().await {
                sender.send(stored?.block.into_data()).await?;
                continue;
            }
            let Some(cid) = pending.pop_front() else {
                break;
            };
            let block = self.store.get(&cid).await?.block;
            let (inline, children) = file_part(&block)?;
            sender.send(inline).await?;
            for child in children.into_iter().rev() {
                pending.push_front(child);
            }
        }
        sender.finish().await
    }
}

/// Imports a whole body as a file: its blocks, children first, root last.
fn import(body: &[u8], hash: HashAlg) -> Vec<Block> {
    let mut builder = FileBuilder::new(hash);
    let mut blocks = Vec::new();
    builder.push(body, &mut blocks);
    builder.finish(&mut blocks);
    blocks
}

pub(super) fn codec_by_name(name: &str) -> Result<Codec> {
    match name {
        "raw" => Ok(Codec::Raw),
        "dag-pb" => Ok(Codec::DagPb),
        "dag-cbor" => Ok(Codec::DagCbor),
        "dag-json" => Ok(Codec::DagJson),
        other => Err(Error::BadRequest(format!(
            "unknown codec {other:?} (raw, dag-pb, dag-cbor, dag-json)"
        ))),
    }
}

/// Sends chunks, holding one back so the last can carry `Cid-End`.
struct ChunkSender<'a> {
    state: &'a State,
    reply: &'a str,
    held: Option<Bytes>,
    sent: u64,
    bytes: u64,
    flow: Option<(String, async_nats::Subscriber)>,
}

impl ChunkSender<'_> {
    async fn send(&mut self, chunk: Bytes) -> Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        if let Some(previous) = self.held.replace(chunk) {
            self.publish(HeaderMap::new(), previous).await?;
        }
        Ok(())
    }

    async fn finish(mut self) -> Result<()> {
        let last = self.held.take().unwrap_or_default();
        let mut headers = HeaderMap::new();
        headers.insert(
            wire::END,
            (self.bytes + last.len() as u64).to_string().as_str(),
        );
        self.publish(headers, last).await
    }

    async fn publish(&mut self, headers: HeaderMap, chunk: Bytes) -> Result<()> {
        self.bytes += chunk.len() as u64;
        self.state
            .nats
            .publish_with_headers(self.reply.to_string(), headers, chunk)
            .await
            .map_err(Error::nats)?;
        self.sent += 1;
        if self.sent.is_multiple_of(wire::FLOW_WINDOW) {
            self.flow_control().await?;
        }
        Ok(())
    }

    async fn flow_control(&mut self) -> Result<()> {
        let nats = &self.state.nats;
        if self.flow.is_none() {
            let inbox = nats.new_inbox();
            let subscriber = nats.subscribe(inbox.clone()).await.map_err(Error::nats)?;
            self.flow = Some((inbox, subscriber));
        }
        let (inbox, flow) = self.flow.as_mut().expect("subscribed above");
        let mut headers = HeaderMap::new();
        headers.insert(wire::FLOW, self.sent.to_string().as_str());
        nats.publish_with_reply_and_headers(
            self.reply.to_string(),
            inbox.clone(),
            headers,
            Bytes::new(),
        )
        .await
        .map_err(Error::nats)?;
        match tokio::time::timeout(FLOW_TIMEOUT, flow.next()).await {
            Ok(Some(_)) => Ok(()),
            _ => Err(Error::BadRequest(
                "the reader stopped answering flow control".into(),
            )),
        }
    }
}

/// The file size a block stands for, when it is (the root of) a file.
pub(super) fn file_size(block: &Block) -> Option<u64> {
    match block.codec().ok()? {
        Codec::Raw => Some(block.data().len() as u64),
        Codec::DagPb => {
            let node = ipld_dagpb::PbNode::from_bytes(block.data().clone()).ok()?;
            UnixfsData::of(&node).and_then(|d| d.filesize)
        }
        _ => None,
    }
}
