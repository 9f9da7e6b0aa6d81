//! The block store: one JetStream message per CID.
//!
//! Blocks live in one stream per domain (`DOMAIN_<D>_OBJECTS` unless a name
//! is configured) under `$CID.<domain>.B.<cid>`; pins under
//! `$CID.<domain>.P.<cid>`. The subject *is* the key, so:
//! - a block is written once: every put carries
//!   `Nats-Expected-Last-Subject-Sequence: 0`, and the stream refuses a second
//!   write of the same subject (that refusal is how a duplicate is reported);
//! - a read is a direct get of the subject's last message, hash-checked
//!   against the CID before it is returned ([`Block`] cannot exist otherwise);
//! - listing is the stream's per-subject info, and delete is a subject purge.
//!
//! Keys are CIDv1 text (a CIDv0 is stored as the equivalent dag-pb CIDv1), so
//! the two spellings of one dag-pb block are one entry.

use std::time::Duration;

use async_nats::jetstream::{self, message::PublishMessage, stream};
use cid::Cid;
use futures::{StreamExt, TryStreamExt};

use crate::block::Block;
use crate::error::{Error, Result};

/// Where a domain's blocks live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    pub domain: String,
    /// Stream name; `DOMAIN_<DOMAIN>_OBJECTS` when `None`.
    pub stream: Option<String>,
    /// Memory instead of file storage (tests, caches).
    pub memory: bool,
}

impl StoreConfig {
    pub fn new(domain: impl Into<String>) -> StoreConfig {
        StoreConfig {
            domain: domain.into(),
            stream: None,
            memory: false,
        }
    }

    pub fn stream_name(&self) -> String {
        self.stream.clone().unwrap_or_else(|| {
            format!(
                "DOMAIN_{}_OBJECTS",
                self.domain.to_uppercase().replace('-', "_")
            )
        })
    }
}

/// Checks a domain name: one subject token of letters, digits, `-` and `_`.
pub fn check_domain(domain: &str) -> Result<()> {
    if domain.is_empty()
        || !domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(Error::BadRequest(format!(
            "domain {domain:?} must be one subject token of letters, digits, '-' and '_'"
        )));
    }
    Ok(())
}

/// The key of a CID: its CIDv1 text.
pub fn key(cid: &Cid) -> String {
    if cid.version() == cid::Version::V0 {
        Cid::new_v1(cid.codec(), *cid.hash()).to_string()
    } else {
        cid.to_string()
    }
}

/// A stored block and when it was first written.
#[derive(Debug, Clone)]
pub struct Stored {
    pub block: Block,
    pub created: time::OffsetDateTime,
}

#[derive(Clone)]
pub struct BlockStore {
    js: jetstream::Context,
    stream: stream::Stream,
    blocks: String,
    pins: String,
}

impl BlockStore {
    /// Opens (creating if needed) the domain's stream.
    pub async fn open(client: async_nats::Client, config: &StoreConfig) -> Result<BlockStore> {
        check_domain(&config.domain)?;
        let mut js = jetstream::new(client);
        js.set_timeout(Duration::from_secs(10));
        let blocks = format!("$CID.{}.B", config.domain);
        let pins = format!("$CID.{}.P", config.domain);
        let stream = js
            .get_or_create_stream(stream::Config {
                name: config.stream_name(),
                description: Some(format!(
                    "natrium content store of domain {}: one block per CID",
                    config.domain
                )),
                subjects: vec![format!("{blocks}.*"), format!("{pins}.*")],
                max_messages_per_subject: 1,
                storage: if config.memory {
                    stream::StorageType::Memory
                } else {
                    stream::StorageType::File
                },
                allow_direct: true,
                ..Default::default()
            })
            .await
            .map_err(Error::nats)?;
        Ok(BlockStore {
            js,
            stream,
            blocks,
            pins,
        })
    }

    /// Stores a block unless it is there already; `true` when it was new.
    pub async fn put(&self, block: &Block) -> Result<bool> {
        let subject = format!("{}.{}", self.blocks, key(block.cid()));
        let publish = PublishMessage::build()
            .payload(block.data().clone())
            .expected_last_subject_sequence(0);
        let ack = self
            .js
            .send_publish(subject, publish)
            .await
            .map_err(Error::nats)?;
        match ack.await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == jetstream::context::PublishErrorKind::WrongLastSequence => {
                Ok(false)
            }
            Err(e) => Err(Error::nats(e)),
        }
    }

    /// Reads a block and checks it against its CID.
    pub async fn get(&self, cid: &Cid) -> Result<Stored> {
        let message = self
            .raw(&self.blocks, cid)
            .await?
            .ok_or(Error::NotFound(*cid))?;
        let block = Block::verified(*cid, message.payload).map_err(|e| match e {
            Error::Mismatch { .. } => Error::Corrupt(*cid),
            other => other,
        })?;
        Ok(Stored {
            block,
            created: message.time,
        })
    }

    /// Whether a block is stored, asked as the stream's per-subject count so
    /// no block bytes travel (a dag-pb node checks up to 174 children).
    pub async fn has(&self, cid: &Cid) -> Result<bool> {
        self.exists(&self.blocks, cid).await
    }

    async fn exists(&self, prefix: &str, cid: &Cid) -> Result<bool> {
        let subject = format!("{prefix}.{}", key(cid));
        let mut subjects = self
            .stream
            .info_with_subjects(&subject)
            .await
            .map_err(Error::nats)?;
        while let Some((name, count)) = subjects.try_next().await.map_err(Error::nats)? {
            if name == subject && count > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The stored message of a block or pin, its bytes unchecked.
    async fn raw(
        &self,
        prefix: &str,
        cid: &Cid,
    ) -> Result<Option<jetstream::message::StreamMessage>> {
        let subject = format!("{prefix}.{}", key(cid));
        match self.stream.direct_get_last_for_subject(subject).await {
            Ok(message) => Ok(Some(message)),
            Err(e) if e.kind() == stream::DirectGetErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::nats(e)),
        }
    }

    pub async fn pin(&self, cid: &Cid) -> Result<bool> {
        if self.is_pinned(cid).await? {
            return Ok(false);
        }
        let subject = format!("{}.{}", self.pins, key(cid));
        let ack = self
            .js
            .publish(subject, bytes::Bytes::new())
            .await
            .map_err(Error::nats)?;
        ack.await.map_err(Error::nats)?;
        Ok(true)
    }

    pub async fn unpin(&self, cid: &Cid) -> Result<bool> {
        if !self.is_pinned(cid).await? {
            return Ok(false);
        }
        self.purge(&self.pins, cid).await?;
        Ok(true)
    }

    pub async fn is_pinned(&self, cid: &Cid) -> Result<bool> {
        self.exists(&self.pins, cid).await
    }

    /// Deletes a block (garbage collection).
    pub async fn delete(&self, cid: &Cid) -> Result<()> {
        self.purge(&self.blocks, cid).await
    }

    async fn purge(&self, prefix: &str, cid: &Cid) -> Result<()> {
        self.stream
            .purge()
            .filter(format!("{prefix}.{}", key(cid)))
            .await
            .map_err(Error::nats)?;
        Ok(())
    }

    pub async fn blocks(&self) -> Result<Vec<Cid>> {
        self.list(&self.blocks).await
    }

    pub async fn pins(&self) -> Result<Vec<Cid>> {
        self.list(&self.pins).await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<Cid>> {
        let subjects = self
            .stream
            .info_with_subjects(format!("{prefix}.*"))
            .await
            .map_err(Error::nats)?;
        let subjects: Vec<(String, usize)> = subjects.try_collect().await.map_err(Error::nats)?;
        let mut cids: Vec<Cid> = subjects
            .iter()
            .filter_map(|(subject, _)| subject.rsplit('.').next())
            .filter_map(|text| Cid::try_from(text).ok())
            .collect();
        cids.sort();
        Ok(cids)
    }

    /// Every stored block with when it was written and its size, read
    /// without payloads (a headers-only ordered consumer), for gc.
    pub async fn inventory(&self) -> Result<Vec<(Cid, time::OffsetDateTime, u64)>> {
        if self.blocks().await?.is_empty() {
            return Ok(Vec::new());
        }
        let consumer = self
            .stream
            .create_consumer(jetstream::consumer::pull::OrderedConfig {
                filter_subject: format!("{}.*", self.blocks),
                headers_only: true,
                ..Default::default()
            })
            .await
            .map_err(Error::nats)?;
        let mut messages = consumer.messages().await.map_err(Error::nats)?;
        let mut out = Vec::new();
        loop {
            let message = tokio::time::timeout(Duration::from_secs(10), messages.next())
                .await
                .map_err(|_| Error::Nats("block inventory stalled".into()))?
                .ok_or_else(|| Error::Nats("block inventory ended early".into()))?
                .map_err(Error::nats)?;
            let info = message.info().map_err(Error::nats)?;
            let (published, pending) = (info.published, info.pending);
            let size = message
                .headers
                .as_ref()
                .and_then(|h| h.get("Nats-Msg-Size"))
                .and_then(|v| v.as_str().parse().ok())
                .unwrap_or(0);
            if let Some(cid) = message
                .subject
                .rsplit('.')
                .next()
                .and_then(|text| Cid::try_from(text).ok())
            {
                out.push((cid, published, size));
            }
            if pending == 0 {
                return Ok(out);
            }
        }
    }

    /// Bytes and messages the stream holds (what dedup saves shows here).
    pub async fn usage(&self) -> Result<(u64, u64)> {
        let mut stream = self.stream.clone();
        let info = stream.info().await.map_err(Error::nats)?;
        Ok((info.state.bytes, info.state.messages))
    }
}
