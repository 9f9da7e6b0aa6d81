//! The library API: content-addressed put and get over plain NATS requests
//! to the `{domain}.objects.*` service, with any async-nats client.
//!
//! Files are chunked and hashed here, on the client, so the CID is known
//! before anything is sent, the service re-checks every block it is given,
//! and a file of any size is sent as a stream of blocks (a window of raw
//! leaves in flight; a dag-pb node only after all of its children are
//! acknowledged, because the service refuses links to blocks it does not
//! have). Gets are checked again here: every block fetched with
//! [`Client::get_block`] is hashed against its CID before it is returned.
//!
//! ```no_run
//! # async fn demo() -> Result<(), natrium_cid::Error> {
//! let nats = async_nats::connect("127.0.0.1:4222").await.map_err(|e| natrium_cid::Error::Nats(e.to_string()))?;
//! let store = natrium_cid::Client::new(nats, "sales");
//! let put = store.put_bytes(b"hello world\n").await?;
//! assert_eq!(store.get_bytes(&put.cid.to_string()).await?, b"hello world\n");
//! # Ok(()) }
//! ```

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_nats::{HeaderMap, Message};
use bytes::Bytes;
use cid::Cid;
use futures::stream::FuturesUnordered;
use futures::{StreamExt, TryStreamExt};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::block::{parse_cid, Block, Codec, HashAlg};
use crate::car::{CarReader, CarWriter};
use crate::error::{Error, Result};
use crate::service::wire;
use crate::unixfs::{FileBuilder, CHUNK_SIZE};

/// Called with the bytes sent so far.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// How a file is put.
#[derive(Clone, Default)]
pub struct PutOptions {
    pub hash: HashAlg,
    /// Pin the root once the whole DAG is stored (gc keeps pinned DAGs).
    pub pin: bool,
    pub progress: Option<Progress>,
}

/// What a put did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutReport {
    pub cid: Cid,
    pub size: u64,
    pub blocks: u64,
    /// Blocks the store did not have; 0 when the content was a duplicate.
    pub new_blocks: u64,
}

/// What a CAR import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarImport {
    pub roots: Vec<Cid>,
    pub blocks: u64,
    pub new_blocks: u64,
}

#[derive(Clone)]
pub struct Client {
    nats: async_nats::Client,
    prefix: String,
    timeout: Duration,
    window: usize,
}

impl Client {
    pub fn new(nats: async_nats::Client, domain: &str) -> Client {
        Client {
            nats,
            prefix: format!("{domain}.objects"),
            timeout: Duration::from_secs(30),
            window: 16,
        }
    }

    /// How long one reply (or one chunk of a get) may take.
    pub fn with_timeout(mut self, timeout: Duration) -> Client {
        self.timeout = timeout;
        self
    }

    async fn request(&self, subject: String, headers: HeaderMap, body: Bytes) -> Result<Message> {
        let request = async_nats::Request::new()
            .headers(headers)
            .payload(body)
            .timeout(Some(self.timeout));
        let message = self
            .nats
            .send_request(subject, request)
            .await
            .map_err(Error::nats)?;
        check(&message)?;
        Ok(message)
    }

    async fn request_json(&self, op: &str, headers: HeaderMap, body: Bytes) -> Result<Value> {
        let message = self
            .request(format!("{}.{op}", self.prefix), headers, body)
            .await?;
        serde_json::from_slice(&message.payload)
            .map_err(|e| Error::BadRequest(format!("reply is not JSON: {e}")))
    }

    /// Stores one block; `true` when the store did not have it.
    pub async fn put_block(&self, block: &Block) -> Result<bool> {
        let reply = self
            .request_json(
                &format!("put.{}", block.cid()),
                HeaderMap::new(),
                block.data().clone(),
            )
            .await?;
        Ok(reply["new_blocks"].as_u64().unwrap_or(0) > 0)
    }

    pub async fn put_bytes(&self, bytes: &[u8]) -> Result<PutReport> {
        self.put_reader(bytes, PutOptions::default()).await
    }

    /// Chunks, hashes and stores a file read from `reader`.
    pub async fn put_reader<R: AsyncRead + Unpin>(
        &self,
        mut reader: R,
        options: PutOptions,
    ) -> Result<PutReport> {
        let mut builder = FileBuilder::new(options.hash);
        let mut buf = vec![0u8; CHUNK_SIZE];
        let mut blocks = Vec::new();
        let mut sender = BlockSender::new(self);
        let mut read = 0u64;
        loop {
            let n = reader.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            read += n as u64;
            builder.push(&buf[..n], &mut blocks);
            for block in blocks.drain(..) {
                sender.send(block).await?;
            }
            if let Some(progress) = &options.progress {
                progress(read);
            }
        }
        let root = builder.finish(&mut blocks);
        for block in blocks.drain(..) {
            sender.send(block).await?;
        }
        let (count, new_blocks) = sender.finish().await?;
        if options.pin {
            self.pin(&root.cid).await?;
        }
        Ok(PutReport {
            cid: root.cid,
            size: root.size,
            blocks: count,
            new_blocks,
        })
    }

    /// Streams the content at `path` (`cid[/path]`) into `out`; returns its size.
    pub async fn get_to<W: AsyncWrite + Unpin>(&self, path: &str, mut out: W) -> Result<u64> {
        let inbox = self.nats.new_inbox();
        let mut replies = self
            .nats
            .subscribe(inbox.clone())
            .await
            .map_err(Error::nats)?;
        self.nats
            .publish_with_reply(format!("{}.get.{path}", self.prefix), inbox, Bytes::new())
            .await
            .map_err(Error::nats)?;
        let mut written = 0u64;
        loop {
            let message = tokio::time::timeout(self.timeout, replies.next())
                .await
                .map_err(|_| {
                    Error::Nats(format!(
                        "no reply to get of {path} within {:?}",
                        self.timeout
                    ))
                })?
                .ok_or_else(|| Error::Nats("connection closed during get".into()))?;
            check(&message)?;
            let headers = message.headers.as_ref();
            if headers.and_then(|h| h.get(wire::FLOW)).is_some() {
                if let Some(reply) = message.reply {
                    self.nats
                        .publish(reply, Bytes::new())
                        .await
                        .map_err(Error::nats)?;
                }
                continue;
            }
            out.write_all(&message.payload).await?;
            written += message.payload.len() as u64;
            if let Some(end) = headers.and_then(|h| h.get(wire::END)) {
                out.flush().await?;
                if end.as_str().parse::<u64>().ok() != Some(written) {
                    return Err(Error::Nats(format!(
                        "get of {path} ended after {written} bytes, the service sent {}",
                        end.as_str()
                    )));
                }
                return Ok(written);
            }
        }
    }

    pub async fn get_bytes(&self, path: &str) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.get_to(path, &mut out).await?;
        Ok(out)
    }

    /// One block, hash-checked here against its CID.
    pub async fn get_block(&self, cid: &Cid) -> Result<Block> {
        let mut headers = HeaderMap::new();
        headers.insert(wire::BLOCK, "true");
        let message = self
            .request(format!("{}.get.{cid}", self.prefix), headers, Bytes::new())
            .await?;
        Block::verified(*cid, message.payload).map_err(|_| Error::Corrupt(*cid))
    }

    pub async fn meta(&self, path: &str) -> Result<Value> {
        self.request_json(&format!("meta.{path}"), HeaderMap::new(), Bytes::new())
            .await
    }

    pub async fn resolve(&self, path: &str) -> Result<Cid> {
        let reply = self
            .request_json(&format!("resolve.{path}"), HeaderMap::new(), Bytes::new())
            .await?;
        reply_cid(&reply)
    }

    /// All links of a block, every page.
    pub async fn links(&self, path: &str) -> Result<Vec<Value>> {
        self.pages(&format!("links.{path}"), "links").await
    }

    /// Every block under `path`, parents first, with its depth.
    pub async fn walk(&self, path: &str) -> Result<Vec<(Cid, u64)>> {
        self.pages(&format!("walk.{path}"), "blocks")
            .await?
            .iter()
            .map(|entry| Ok((reply_cid(entry)?, entry["depth"].as_u64().unwrap_or(0))))
            .collect()
    }

    async fn pages(&self, op: &str, field: &str) -> Result<Vec<Value>> {
        let mut all = Vec::new();
        loop {
            let body = serde_json::json!({"offset": all.len(), "limit": 1000}).to_string();
            let reply = self.request_json(op, HeaderMap::new(), body.into()).await?;
            let page = reply[field].as_array().cloned().unwrap_or_default();
            let total = reply["total"].as_u64().unwrap_or(0) as usize;
            let empty = page.is_empty();
            all.extend(page);
            if empty || all.len() >= total {
                return Ok(all);
            }
        }
    }

    /// Stores a DAG-JSON document as `codec` (DAG-CBOR or DAG-JSON).
    pub async fn dag_put(&self, dag_json: &[u8], codec: Codec) -> Result<Cid> {
        let mut headers = HeaderMap::new();
        headers.insert(wire::CODEC, codec.name());
        let reply = self
            .request_json("dag.put", headers, Bytes::copy_from_slice(dag_json))
            .await?;
        reply_cid(&reply)
    }

    /// The document at `path`, as DAG-JSON.
    pub async fn dag_get(&self, path: &str) -> Result<Bytes> {
        let message = self
            .request(
                format!("{}.dag.get.{path}", self.prefix),
                HeaderMap::new(),
                Bytes::new(),
            )
            .await?;
        Ok(message.payload)
    }

    /// Re-hashes every block of the DAG in the store: `{ok, corrupt, missing, …}`.
    pub async fn verify(&self, cid: &Cid) -> Result<Value> {
        self.request_json(&format!("verify.{cid}"), HeaderMap::new(), Bytes::new())
            .await
    }

    pub async fn pin(&self, cid: &Cid) -> Result<bool> {
        let reply = self
            .request_json(&format!("pin.{cid}"), HeaderMap::new(), Bytes::new())
            .await?;
        Ok(reply["changed"].as_bool().unwrap_or(false))
    }

    pub async fn unpin(&self, cid: &Cid) -> Result<bool> {
        let reply = self
            .request_json(&format!("unpin.{cid}"), HeaderMap::new(), Bytes::new())
            .await?;
        Ok(reply["changed"].as_bool().unwrap_or(false))
    }

    /// Deletes unpinned, unreferenced blocks older than `grace`.
    pub async fn gc(&self, grace: Duration) -> Result<Value> {
        let body = serde_json::json!({"grace_seconds": grace.as_secs()}).to_string();
        self.request_json("gc", HeaderMap::new(), body.into()).await
    }

    /// Writes the DAG under `root` as a CARv1 file, children before parents.
    pub async fn export_car<W: AsyncWrite + Unpin>(&self, root: &Cid, out: W) -> Result<u64> {
        let mut cids: Vec<Cid> = self
            .walk(&root.to_string())
            .await?
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        cids.reverse();
        let mut writer = CarWriter::new(out, &[*root]).await?;
        let mut blocks =
            futures::stream::iter(cids.iter().map(|cid| self.get_block(cid))).buffered(self.window);
        let mut count = 0;
        while let Some(block) = blocks.try_next().await? {
            writer.write(&block).await?;
            count += 1;
        }
        writer.finish().await?;
        Ok(count)
    }

    /// Stores every block of a CARv1 stream. Blocks may come in any order:
    /// nodes whose children have not been seen yet wait (in memory; they are
    /// small) until the children are stored.
    pub async fn import_car<R: AsyncRead + Unpin>(&self, input: R) -> Result<CarImport> {
        let mut reader = CarReader::new(input).await?;
        let roots = reader.roots().to_vec();
        let mut sender = BlockSender::new(self);
        let mut seen = HashSet::new();
        let mut deferred = Vec::new();
        while let Some(block) = reader.next_block().await? {
            seen.insert(*block.cid());
            let ready = block.codec()? == Codec::Raw
                || block.links()?.iter().all(|l| seen.contains(&l.cid));
            if ready {
                sender.send(block).await?;
            } else {
                deferred.push(block);
            }
        }
        sender.drain().await?;
        while !deferred.is_empty() {
            let before = deferred.len();
            let mut waiting = Vec::new();
            for block in deferred.into_iter().rev() {
                match self.put_block(&block).await {
                    Ok(new) => sender.count(new),
                    Err(Error::Remote { code: 409, .. }) => waiting.push(block),
                    Err(other) => return Err(other),
                }
            }
            if waiting.len() == before {
                // Nothing moved: report the first dangling link as the service does.
                self.put_block(&waiting[0]).await?;
            }
            waiting.reverse();
            deferred = waiting;
        }
        let (blocks, new_blocks) = sender.finish().await?;
        Ok(CarImport {
            roots,
            blocks,
            new_blocks,
        })
    }
}

/// Puts blocks with a window of raw leaves in flight; a node waits for
/// everything before it.
struct BlockSender<'a> {
    client: &'a Client,
    inflight: FuturesUnordered<futures::future::BoxFuture<'a, Result<bool>>>,
    blocks: u64,
    new_blocks: u64,
}

impl<'a> BlockSender<'a> {
    fn new(client: &'a Client) -> BlockSender<'a> {
        BlockSender {
            client,
            inflight: FuturesUnordered::new(),
            blocks: 0,
            new_blocks: 0,
        }
    }

    fn count(&mut self, new: bool) {
        self.blocks += 1;
        self.new_blocks += u64::from(new);
    }

    async fn send(&mut self, block: Block) -> Result<()> {
        if block.codec()? != Codec::Raw {
            self.drain().await?;
            let new = self.client.put_block(&block).await?;
            self.count(new);
            return Ok(());
        }
        while self.inflight.len() >= self.client.window {
            let new = self.inflight.next().await.expect("not empty")?;
            self.count(new);
        }
        let client = self.client;
        self.inflight
            .push(Box::pin(async move { client.put_block(&block).await }));
        Ok(())
    }

    async fn drain(&mut self) -> Result<()> {
        while let Some(result) = self.inflight.next().await {
            let new = result?;
            self.count(new);
        }
        Ok(())
    }

    async fn finish(mut self) -> Result<(u64, u64)> {
        self.drain().await?;
        Ok((self.blocks, self.new_blocks))
    }
}

/// Turns an error reply into [`Error::Remote`].
fn check(message: &Message) -> Result<()> {
    let Some(headers) = &message.headers else {
        return Ok(());
    };
    if let Some(code) = headers.get(wire::ERROR_CODE) {
        return Err(Error::Remote {
            code: code.as_str().parse().unwrap_or(500),
            description: headers
                .get(wire::ERROR)
                .map(|v| v.as_str().to_string())
                .unwrap_or_default(),
        });
    }
    if let Some(status) = message.status {
        if status == async_nats::StatusCode::NO_RESPONDERS {
            return Err(Error::Nats(
                "no content store answers on this domain (no responders)".into(),
            ));
        }
    }
    Ok(())
}

fn reply_cid(value: &Value) -> Result<Cid> {
    let text = value["cid"]
        .as_str()
        .ok_or_else(|| Error::BadRequest("reply has no cid".into()))?;
    parse_cid(text)
}
