//! One JetStream stream: its configuration, its store, and publishing into it.
//!
//! Publishing applies nats-server's checks in its order before storing:
//! `Nats-Expected-Stream`, `Nats-Msg-Id` de-duplication within the
//! duplicate window, `Nats-Expected-Last-Sequence`,
//! `Nats-Expected-Last-Subject-Sequence` and `Nats-Expected-Last-Msg-Id`.
//! The de-duplication window is rebuilt from stored messages after a restart,
//! so a retried publish is still recognized.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Duration;

use natrium_jetstream::errors::ErrorId;
use natrium_jetstream::headers::{
    HeaderBlock, HeaderBuilder, EXPECTED_LAST_MSG_ID, EXPECTED_LAST_SEQ, EXPECTED_LAST_SUBJECT_SEQ,
    EXPECTED_STREAM, LAST_SEQUENCE, MSG_ID, MSG_SIZE, ROLLUP, ROLLUP_ALL, ROLLUP_SUBJECT, SEQUENCE,
    STREAM, SUBJECT, TIME_STAMP, TTL,
};
use natrium_jetstream::stream::{DiscardPolicy, StorageType};
use natrium_jetstream::{ApiError, PubAck, StreamConfig, Timestamp};
use natrium_store::{
    Discard, FileStore, FileStoreOptions, MemoryStore, MessageStore, PurgeRequest, StoreError,
    StoreLimits, SyncPolicy,
};
use natrium_subjects::SubjectMapping;

use super::counter;
use parking_lot::Mutex;
use tracing::warn;

pub struct Stream {
    pub config: StreamConfig,
    pub created: Timestamp,
    pub store: Box<dyn MessageStore>,
    /// Where a file stream keeps its data; `None` for memory streams.
    pub dir: Option<PathBuf>,
    dedup: Mutex<Dedup>,
    /// `subject_transform`: rewrites the subject a message is stored under.
    transform: Option<SubjectMapping>,
    /// `republish`: where stored messages are sent on, and whether without payload.
    republish: Option<(SubjectMapping, bool)>,
}

/// A stream's compiled subject mappings.
pub struct Mappings {
    /// `subject_transform`: rewrites the subject a message is stored under.
    pub transform: Option<SubjectMapping>,
    /// `republish`: where stored messages are sent on, and whether without payload.
    pub republish: Option<(SubjectMapping, bool)>,
}

/// Compiles the stream's mappings; the API refuses a config whose mapping
/// does not compile.
pub fn mappings(config: &StreamConfig) -> Result<Mappings, ApiError> {
    let invalid = |e: natrium_subjects::MappingError| ApiError::invalid_config(e.to_string());
    let transform = match &config.subject_transform {
        Some(t) if !t.destination.is_empty() => {
            Some(SubjectMapping::new(&t.source, &t.destination).map_err(invalid)?)
        }
        _ => None,
    };
    let republish = match &config.republish {
        Some(r) => Some((
            SubjectMapping::new(&r.source, &r.destination).map_err(invalid)?,
            r.headers_only,
        )),
        None => None,
    };
    Ok(Mappings {
        transform,
        republish,
    })
}

/// Message ids seen within the duplicate window, oldest first.
#[derive(Default)]
struct Dedup {
    by_id: HashMap<String, u64>,
    order: VecDeque<(i64, String)>,
    last_msg_id: String,
}

impl Dedup {
    fn prune(&mut self, cutoff: i64) {
        while let Some((ts, _)) = self.order.front() {
            if *ts >= cutoff {
                break;
            }
            if let Some((_, id)) = self.order.pop_front() {
                self.by_id.remove(&id);
            }
        }
    }

    fn record(&mut self, id: &str, seq: u64, ts: i64) {
        self.by_id.insert(id.to_string(), seq);
        self.order.push_back((ts, id.to_string()));
    }
}

/// What a publish into the stream produced: the reply to send, if any.
pub struct Published {
    pub ack: Vec<u8>,
    /// A copy to send on: (subject, headers, payload).
    pub republish: Option<(String, Vec<u8>, Vec<u8>)>,
}

pub fn store_limits(config: &StreamConfig) -> StoreLimits {
    StoreLimits {
        max_msgs: config.max_msgs,
        max_bytes: config.max_bytes,
        max_age: Duration::from_nanos(config.max_age.max(0) as u64),
        max_msgs_per_subject: config.max_msgs_per_subject,
        max_msg_size: config.max_msg_size,
        discard: match config.discard {
            DiscardPolicy::New => Discard::New,
            _ => Discard::Old,
        },
        discard_new_per_subject: config.discard_new_per_subject,
    }
}

impl Stream {
    /// Opens (or creates) the stream's store.
    pub fn open(
        config: StreamConfig,
        created: Timestamp,
        dir: &Path,
        sync: SyncPolicy,
    ) -> Result<Stream, StoreError> {
        let limits = store_limits(&config);
        let (store, dir): (Box<dyn MessageStore>, _) = match config.storage {
            StorageType::Memory => (Box::new(MemoryStore::new(limits)), None),
            _ => {
                let options = FileStoreOptions {
                    sync,
                    ..FileStoreOptions::default()
                };
                let (store, report) = FileStore::open(dir, options, limits)?;
                for damage in &report.damage {
                    warn!(
                        "Stream {:?}: dropped {} damaged bytes ({} records) in {:?} at offset {}: {}",
                        config.name, damage.dropped_bytes, damage.dropped_records, damage.segment, damage.offset, damage.reason
                    );
                }
                (Box::new(store), Some(dir.to_path_buf()))
            }
        };
        if config.first_seq > 1 && store.state(false).last_seq == 0 {
            store.skip_to(config.first_seq)?;
        }
        let Mappings {
            transform,
            republish,
        } = match mappings(&config) {
            Ok(mappings) => mappings,
            Err(err) => {
                warn!(
                    "Stream {:?}: ignoring its subject mappings: {}",
                    config.name, err.description
                );
                Mappings {
                    transform: None,
                    republish: None,
                }
            }
        };
        let stream = Stream {
            config,
            created,
            store,
            dir,
            dedup: Mutex::new(Dedup::default()),
            transform,
            republish,
        };
        stream.rebuild_dedup();
        Ok(stream)
    }

    /// Re-reads message ids stored within the duplicate window.
    fn rebuild_dedup(&self) {
        let state = self.store.state(false);
        let cutoff = natrium_store::now_nanos() - self.config.duplicate_window;
        let mut found = Vec::new();
        let mut seq = state.last_seq;
        while seq >= state.first_seq && seq > 0 {
            match self.store.load(seq) {
                Ok(message) if message.timestamp < cutoff => break,
                Ok(message) => {
                    if let Some(id) = message_id(&message.headers) {
                        found.push((message.timestamp, id, message.seq));
                    }
                }
                Err(_) => {}
            }
            seq -= 1;
        }
        let mut dedup = self.dedup.lock();
        for (ts, id, seq) in found.into_iter().rev() {
            dedup.record(&id, seq, ts);
            dedup.last_msg_id = id;
        }
    }

    /// Stores a published message after the checks; the PubAck (or error) to reply with.
    pub fn publish(
        &self,
        subject: &[u8],
        headers: Option<&[u8]>,
        payload: &[u8],
        domain: &str,
        room: u64,
    ) -> Published {
        let name = &self.config.name;
        let fail = |error: ApiError| Published {
            ack: PubAck::failed(name, error).to_wire(),
            republish: None,
        };
        if self.config.sealed {
            return fail(ErrorId::StreamSealedErr.into());
        }
        // A subject transform applies at ingest: every check below sees the
        // subject the message will be stored under.
        let transformed = self
            .transform
            .as_ref()
            .and_then(|t| t.apply(&String::from_utf8_lossy(subject)));
        let subject: &[u8] = transformed.as_deref().map_or(subject, str::as_bytes);
        let block = match headers.map(HeaderBlock::parse) {
            Some(Ok(block)) => Some(block),
            Some(Err(_)) => return fail(ErrorId::BadRequestErr.into()),
            None => None,
        };
        let counter = match counter::resolve(
            self.config.allow_msg_counter,
            self.store.as_ref(),
            subject,
            block.as_ref(),
            payload,
        ) {
            Ok(counter) => counter,
            Err(error) => return fail(error),
        };
        let header = |key: &str| block.as_ref().and_then(|b| b.get_str(key));
        if let Some(expected) = header(EXPECTED_STREAM) {
            if expected != name {
                return fail(ErrorId::StreamNotMatchErr.into());
            }
        }
        let now = natrium_store::now_nanos();
        let mut dedup = self.dedup.lock();
        dedup.prune(now - self.config.duplicate_window);
        let msg_id = header(MSG_ID).filter(|id| !id.is_empty());
        if let Some(id) = msg_id {
            if let Some(&seq) = dedup.by_id.get(id) {
                let mut ack = PubAck::stored(name, domain, seq);
                ack.duplicate = true;
                return Published {
                    ack: ack.to_wire(),
                    republish: None,
                };
            }
        }
        if let Some(expected) = header(EXPECTED_LAST_SEQ) {
            let last = self.store.state(false).last_seq;
            if expected.parse::<u64>().ok() != Some(last) {
                return fail(ApiError::wrong_last_sequence(last));
            }
        }
        if let Some(expected) = header(EXPECTED_LAST_SUBJECT_SEQ) {
            let last = self.store.load_last(subject).map_or(0, |m| m.seq);
            if expected.parse::<u64>().ok() != Some(last) {
                return fail(ApiError::wrong_last_sequence(last));
            }
        }
        if let Some(expected) = header(EXPECTED_LAST_MSG_ID) {
            if expected != dedup.last_msg_id {
                return fail(ApiError::wrong_last_msg_id(&dedup.last_msg_id));
            }
        }
        let previous_on_subject = match self.republish {
            Some(_) => self.store.load_last(subject).map_or(0, |m| m.seq),
            None => 0,
        };
        let ttl = match header(TTL) {
            None => None,
            Some(_) if !self.config.allow_msg_ttl => {
                return fail(ErrorId::MessageTTLDisabledErr.into())
            }
            Some(text) => match parse_ttl(text) {
                Some(ttl) => Some(ttl),
                None => return fail(ErrorId::MessageTTLInvalidErr.into()),
            },
        };
        let rollup_all = match header(ROLLUP) {
            None => None,
            Some(_) if !self.config.allow_rollup_hdrs => {
                return fail(rollup_failed("rollup not permitted"))
            }
            Some(ROLLUP_SUBJECT) => Some(false),
            Some(ROLLUP_ALL) => Some(true),
            Some(other) => return fail(rollup_failed(&format!("rollup value invalid: {other:?}"))),
        };
        // A counter stores its new total in place of the (empty) payload.
        let (stored_headers, stored_payload) = match &counter {
            Some(update) => (&update.headers[..], &update.body[..]),
            None => (headers.unwrap_or_default(), payload),
        };
        // The account's storage quota: nats-server refuses with 10023.
        if self
            .store
            .message_size(subject.len(), stored_headers.len(), stored_payload.len())
            > room
        {
            return fail(ErrorId::InsufficientResourcesErr.into());
        }
        match self
            .store
            .store(subject, stored_headers, stored_payload, ttl)
        {
            Ok((seq, ts)) => {
                if let Some(id) = msg_id {
                    dedup.record(id, seq, ts);
                    dedup.last_msg_id = id.to_string();
                }
                if let Some(all) = rollup_all {
                    // The new message replaces everything before it (on its subject).
                    let purge = PurgeRequest {
                        filter: (!all).then(|| bytes::Bytes::copy_from_slice(subject)),
                        up_to_seq: Some(seq),
                        keep: None,
                    };
                    if let Err(err) = self.store.purge(&purge) {
                        warn!("Stream {name:?}: rollup purge failed: {err}");
                    }
                }
                Published {
                    ack: {
                        let mut ack = PubAck::stored(name, domain, seq);
                        if let Some(update) = &counter {
                            ack.val = update.total.clone();
                        }
                        ack.to_wire()
                    },
                    republish: self.republished(
                        subject,
                        (!stored_headers.is_empty()).then_some(stored_headers),
                        stored_payload,
                        seq,
                        ts,
                        previous_on_subject,
                    ),
                }
            }
            Err(StoreError::MaxMsgSize) => fail(ErrorId::StreamMessageExceedsMaximumErr.into()),
            Err(err) => fail(ApiError::with(
                ErrorId::StreamStoreFailedF,
                &[("err", &err.to_string())],
            )),
        }
    }
}

impl Stream {
    /// The republished copy of a stored message (ADR-28), if configured.
    fn republished(
        &self,
        subject: &[u8],
        headers: Option<&[u8]>,
        payload: &[u8],
        seq: u64,
        ts: i64,
        previous_on_subject: u64,
    ) -> Option<(String, Vec<u8>, Vec<u8>)> {
        let (mapping, headers_only) = self.republish.as_ref()?;
        let subject = String::from_utf8_lossy(subject);
        let destination = mapping.apply(&subject)?;
        let stored = headers.and_then(|h| HeaderBlock::parse(h).ok());
        let mut builder = match &stored {
            Some(block) => HeaderBuilder::from_block(block),
            None => HeaderBuilder::new(),
        };
        builder = builder
            .add(STREAM, &self.config.name)
            .add(SUBJECT, &subject)
            .add(SEQUENCE, &seq.to_string())
            .add(TIME_STAMP, &Timestamp::from_unix_nanos(ts).to_string())
            .add(LAST_SEQUENCE, &previous_on_subject.to_string());
        let body = if *headers_only {
            builder = builder.add(MSG_SIZE, &payload.len().to_string());
            Vec::new()
        } else {
            payload.to_vec()
        };
        Some((destination, builder.finish(), body))
    }
}

fn rollup_failed(text: &str) -> ApiError {
    ApiError::with(ErrorId::StreamRollupFailedF, &[("err", text)])
}

/// `Nats-TTL`: a Go duration (`10s`, `1m30s`), whole seconds, or `never`;
/// at least one second, as nats-server requires.
fn parse_ttl(text: &str) -> Option<Duration> {
    if text.eq_ignore_ascii_case("never") {
        return Some(natrium_store::TTL_NEVER);
    }
    let ttl = match text.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => natrium_config::parse_duration(text).ok()?,
    };
    (ttl >= Duration::from_secs(1)).then_some(ttl)
}

fn message_id(headers: &[u8]) -> Option<String> {
    if headers.is_empty() {
        return None;
    }
    let block = HeaderBlock::parse(headers).ok()?;
    block
        .get_str(MSG_ID)
        .filter(|id| !id.is_empty())
        .map(str::to_string)
}
