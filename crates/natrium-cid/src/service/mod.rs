//! The `{domain}.objects.*` service: content-addressed objects over plain
//! NATS requests, answered from the [`BlockStore`].
//!
//! It is an ordinary async-nats client (a queue subscriber on
//! `{domain}.objects.>`, queue group `natrium-cid`), so the same code runs
//! inside natrium-server (which starts it for each configured
//! `content_store`), as `natrium cid serve` against any NATS server with
//! JetStream, or inside an application. Several instances share the load.
//!
//! | subject | body | reply |
//! |---|---|---|
//! | `put.{cid}` | the block, or the whole file (≤ max payload) | `{cid,size,blocks,new_blocks,duplicate}` |
//! | `put` | a file; with `Cid-Codec`, one block of that codec | same |
//! | `get.{cid}[/path]` | | the content, streamed (see [`wire`]) |
//! | `meta.{cid}[/path]` | | `{cid,codec,type,block_size,size,links,pinned,created}` |
//! | `links.{cid}[/path]` | `{offset,limit}` | `{cid,total,offset,links:[{name,cid,size}]}` |
//! | `walk.{cid}` | `{offset,limit}` | `{root,total,offset,blocks:[{cid,codec,depth}]}` |
//! | `resolve.{cid}/path` | | `{cid}` |
//! | `dag.get.{cid}[/path]` | | DAG-JSON |
//! | `dag.put` | DAG-JSON (`Cid-Codec: dag-json` to keep it JSON) | `{cid,…}` |
//! | `verify.{cid}` | | `{root,blocks,bytes,corrupt:[…],missing:[…]}` |
//! | `pin.{cid}` / `unpin.{cid}` | | `{cid,pinned,changed}` |
//! | `gc` | `{grace_seconds}` | `{deleted,bytes,kept}` |
//!
//! The service is the only writer the store trusts: give users
//! `{domain}.objects.…` permissions, and deny them `$CID.>` (the block
//! subjects) and the JetStream API of the stream, or they can write blocks
//! behind the service's back (`get` and `verify` would then report them as
//! corrupt, but nothing stops the write).
//!
//! Every put is checked before anything is stored: the bytes must hash to the
//! CID of the subject, decode under its codec, and link only to blocks already
//! stored (so a DAG is always complete and a cycle cannot be built).

mod content;
mod graph;
pub mod wire;

use std::sync::Arc;

use async_nats::{HeaderMap, Message};
use bytes::Bytes;
use cid::Cid;
use futures::StreamExt;
use serde::Serialize;

use crate::block::parse_cid;
use crate::error::{Error, Result};
use crate::store::{check_domain, BlockStore, StoreConfig};

/// Requests handled at once; more wait in the subscription (bounds memory:
/// each holds at most a block or a whole-file put of max payload).
const MAX_IN_FLIGHT: usize = 64;

/// What the service needs to know.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    pub store: StoreConfig,
    /// Largest block accepted; also bounds a whole-file put.
    pub max_block: usize,
}

impl ServiceConfig {
    pub fn new(domain: impl Into<String>) -> ServiceConfig {
        ServiceConfig {
            store: StoreConfig::new(domain),
            max_block: 1024 * 1024,
        }
    }
}

/// A running service.
pub struct Service {
    task: tokio::task::JoinHandle<()>,
}

struct State {
    nats: async_nats::Client,
    store: BlockStore,
    prefix: String,
    max_block: usize,
}

impl Service {
    /// Opens the store and starts answering requests.
    pub async fn start(nats: async_nats::Client, config: ServiceConfig) -> Result<Service> {
        check_domain(&config.store.domain)?;
        let store = BlockStore::open(nats.clone(), &config.store).await?;
        let prefix = format!("{}.objects", config.store.domain);
        let mut requests = nats
            .queue_subscribe(format!("{prefix}.>"), "natrium-cid".to_string())
            .await
            .map_err(Error::nats)?;
        let max_block = config.max_block.min(nats.server_info().max_payload);
        let state = Arc::new(State {
            nats,
            store,
            prefix,
            max_block,
        });
        let task = tokio::spawn(async move {
            let slots = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
            while let Some(message) = requests.next().await {
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    break;
                };
                let state = state.clone();
                tokio::spawn(async move {
                    state.handle(message).await;
                    drop(slot);
                });
            }
        });
        Ok(Service { task })
    }

    /// Waits until the connection ends.
    pub async fn run(mut self) {
        let _ = (&mut self.task).await;
    }

    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl State {
    async fn handle(&self, message: Message) {
        let Some(reply) = message.reply.clone() else {
            return;
        };
        let rest = message
            .subject
            .strip_prefix(self.prefix.as_str())
            .and_then(|s| s.strip_prefix('.'))
            .unwrap_or("")
            .to_string();
        let (verb, arg) = split_verb(&rest);
        let result = match verb {
            "get" => return self.get(&message, reply.to_string(), arg).await,
            "put" => self.put(&message, arg).await,
            "meta" => self.meta(arg).await,
            "links" => self.links(arg, &message.payload).await,
            "walk" => self.walk(arg, &message.payload).await,
            "resolve" => self.resolve(arg).await.map(|cid| json(&Resolved { cid: cid.to_string() })),
            "dag.get" => self.dag_get(arg).await,
            "dag.put" => self.dag_put(&message).await,
            "verify" => self.verify(arg).await,
            "pin" => self.set_pin(arg, true).await,
            "unpin" => self.set_pin(arg, false).await,
            "gc" => self.gc(&message.payload).await,
            _ => Err(Error::BadRequest(format!(
                "unknown operation {rest:?} (put, get, meta, links, walk, resolve, dag.get, dag.put, verify, pin, unpin, gc)"
            ))),
        };
        let (headers, body) = match result {
            Ok(body) => (HeaderMap::new(), body),
            Err(error) => error_reply(&error),
        };
        self.respond(reply.to_string(), headers, body).await;
    }

    async fn respond(&self, reply: String, headers: HeaderMap, body: Bytes) {
        if let Err(e) = self.nats.publish_with_headers(reply, headers, body).await {
            tracing::debug!("content store reply not sent: {e}");
        }
    }

    /// Resolves `cid[/path]` to the CID it names.
    async fn resolve(&self, path: &str) -> Result<Cid> {
        graph::resolve(&self.store, path).await
    }
}

/// `get.bafy…/a/b` → (`get`, `bafy…/a/b`); `dag.get.x` → (`dag.get`, `x`).
fn split_verb(rest: &str) -> (&str, &str) {
    for verb in ["dag.get", "dag.put"] {
        if let Some(arg) = rest.strip_prefix(verb) {
            if arg.is_empty() || arg.starts_with('.') {
                return (verb, arg.trim_start_matches('.'));
            }
        }
    }
    match rest.split_once('.') {
        Some((verb, arg)) => (verb, arg),
        None => (rest, ""),
    }
}

fn one_cid(arg: &str) -> Result<Cid> {
    if arg.is_empty() {
        return Err(Error::BadRequest("the subject names no CID".into()));
    }
    parse_cid(arg)
}

#[derive(Serialize)]
struct Resolved {
    cid: String,
}

fn json<T: Serialize>(value: &T) -> Bytes {
    serde_json::to_vec(value).unwrap_or_default().into()
}

/// The headers and body of an error reply.
pub(crate) fn error_reply(error: &Error) -> (HeaderMap, Bytes) {
    let mut headers = HeaderMap::new();
    let code = error.code();
    let description = error.to_string().replace(['\r', '\n'], " ");
    headers.insert(wire::ERROR_CODE, code.to_string().as_str());
    headers.insert(wire::ERROR, description.as_str());
    let body = serde_json::json!({"error": {"code": code, "description": description}});
    (headers, json(&body))
}

/// Paging options of `links` and `walk`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct Page {
    offset: usize,
    limit: Option<usize>,
}

impl Page {
    fn parse(body: &[u8]) -> Result<Page> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Page::default());
        }
        serde_json::from_slice(body).map_err(|e| Error::BadRequest(format!("paging options: {e}")))
    }

    fn limit(&self) -> usize {
        self.limit.unwrap_or(1000).clamp(1, 10_000)
    }
}
