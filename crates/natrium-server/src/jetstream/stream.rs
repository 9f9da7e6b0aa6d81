//! One JetStream stream: its configuration, its store, and publishing into it.
//!
//! Publishing applies nats-server's checks in its order before storing:
//! `Nats-Expected-Stream`, `Nats-Msg-Id` de-duplication within the
//! duplicate window, `Nats-Expected-Last-Sequence`,
//! `Nats-Expected-Last-Subject-Sequence` and `Nats-Expected-Last-Msg-Id`.
//! The de-duplication window is rebuilt from stored messages after a restart,
//! so a retried publish is still recognized.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use natrium_jetstream::errors::ErrorId;
use natrium_jetstream::headers::{
    HeaderBlock, HeaderBuilder, BATCH_ID, EXPECTED_LAST_MSG_ID, EXPECTED_LAST_SEQ,
    EXPECTED_LAST_SUBJECT_SEQ, EXPECTED_STREAM, LAST_SEQUENCE, MARKER_REASON, MSG_ID, MSG_SIZE,
    ROLLUP, ROLLUP_ALL, ROLLUP_SUBJECT, SEQUENCE, STREAM, SUBJECT, TIME_STAMP, TTL,
};
use natrium_jetstream::stream::{Compression, DiscardPolicy, StorageType};
use natrium_jetstream::{ApiError, PubAck, StreamConfig, Timestamp};
use natrium_store::{
    Discard, FileStore, FileStoreOptions, MemoryStore, MessageStore, PurgeRequest, StoreError,
    StoreLimits,
};
use natrium_subjects::SubjectMapping;

use super::{batch, counter};
use parking_lot::Mutex;
use tracing::{error, warn};

pub struct Stream {
    pub config: StreamConfig,
    pub created: Timestamp,
    /// Shared so a memory stream's store outlives a config update.
    pub store: Arc<dyn MessageStore>,
    /// Where a file stream keeps its data; `None` for memory streams.
    pub dir: Option<PathBuf>,
    dedup: Mutex<Dedup>,
    /// `subject_transform`: rewrites the subject a message is stored under.
    transform: Option<SubjectMapping>,
    /// `republish`: where stored messages are sent on, and whether without payload.
    republish: Option<(SubjectMapping, bool)>,
    /// Atomic batches being staged (ADR-50), by batch id.
    batches: Mutex<batch::Batches>,
    /// A mirror's last copy from its origin (unix nanos; 0: never).
    pub mirror_active: Mutex<i64>,
    /// `config.sources` compiled, and how far each got (built on first use).
    pub sources: Mutex<Option<super::sources::Sources>>,
}

impl Stream {
    /// The subject a message published on `subject` is stored under.
    pub fn stored_subject(&self, subject: &[u8]) -> String {
        let subject = String::from_utf8_lossy(subject);
        self.transform
            .as_ref()
            .and_then(|t| t.apply(&subject))
            .unwrap_or_else(|| subject.into_owned())
    }
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
    /// Copies to send on: (subject, headers, payload).
    pub republish: Vec<(String, Vec<u8>, Vec<u8>)>,
    /// The stored messages: (sequence, subject).
    pub stored: Option<std::ops::RangeInclusive<u64>>,
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
        file_options: &FileStoreOptions,
    ) -> Result<Stream, StoreError> {
        let limits = store_limits(&config);
        let (store, dir): (Arc<dyn MessageStore>, _) = match config.storage {
            StorageType::Memory => (Arc::new(MemoryStore::new(limits)), None),
            _ => {
                let options = FileStoreOptions {
                    compress: config.compression == Compression::S2,
                    ..file_options.clone()
                };
                let (store, report) = FileStore::open(dir, options, limits)?;
                for damage in &report.damage {
                    warn!(
                        "Stream {:?}: dropped {} damaged bytes ({} records) in {:?} at offset {}: {}",
                        config.name, damage.dropped_bytes, damage.dropped_records, damage.segment, damage.offset, damage.reason
                    );
                }
                (Arc::new(store), Some(dir.to_path_buf()))
            }
        };
        if config.first_seq > 1 && store.state(false).last_seq == 0 {
            store.skip_to(config.first_seq)?;
        }
        Ok(Self::with_store(config, created, store, dir))
    }

    /// The same stream under an updated configuration (limits already
    /// applied to the store): a file store is reopened from disk (its
    /// options may have changed), a memory store is kept as it is.
    pub fn reopen(
        existing: &Stream,
        config: StreamConfig,
        dir: &Path,
        file_options: &FileStoreOptions,
    ) -> Result<Stream, StoreError> {
        if config.storage != StorageType::Memory {
            existing.store.sync()?;
            existing.store.close()?;
            return Self::open(config, existing.created, dir, file_options);
        }
        let store = existing.store.clone();
        Ok(Self::with_store(config, existing.created, store, None))
    }

    fn with_store(
        config: StreamConfig,
        created: Timestamp,
        store: Arc<dyn MessageStore>,
        dir: Option<PathBuf>,
    ) -> Stream {
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
            batches: Mutex::new(batch::Batches::default()),
            mirror_active: Mutex::new(0),
            sources: Mutex::new(None),
        };
        stream.rebuild_dedup();
        stream
    }

    /// Re-reads message ids stored within the duplicate window.
    fn rebuild_dedup(&self) {
        let cutoff = natrium_store::now_nanos() - self.config.duplicate_window;
        let recent = match self.store.recent_with_headers(cutoff) {
            Ok(recent) => recent,
            Err(err) => {
                warn!(
                    "Stream {:?}: can't rebuild its duplicate window: {err}",
                    self.config.name
                );
                return;
            }
        };
        let mut dedup = self.dedup.lock();
        for message in recent {
            if let Some(id) = message_id(&message.headers) {
                dedup.record(&id, message.seq, message.timestamp);
                dedup.last_msg_id = id;
            }
        }
    }

    /// Stores a published message after the checks; the PubAck (or error)
    /// to reply with. Messages of an atomic batch are staged until commit.
    pub fn publish(
        &self,
        subject: &[u8],
        headers: Option<&[u8]>,
        payload: &[u8],
        domain: &str,
        room: u64,
    ) -> Published {
        let name = &self.config.name;
        let fail = |error: ApiError| Published::failed(name, error);
        let block = match headers.map(HeaderBlock::parse) {
            Some(Ok(block)) => Some(block),
            Some(Err(_)) => return fail(ErrorId::BadRequestErr.into()),
            None => None,
        };
        let batch_id = block.as_ref().and_then(|b| b.get_str(BATCH_ID));
        if let Some(batch) = batch_id.filter(|id| !id.is_empty()) {
            let step = self.batches.lock().stage(
                self.config.allow_atomic,
                batch,
                block.as_ref(),
                batch::Staged {
                    subject: subject.to_vec(),
                    headers: headers.map(<[u8]>::to_vec),
                    payload: payload.to_vec(),
                },
            );
            return match step {
                batch::Step::Staged => Published::empty(),
                batch::Step::Failed(error) => fail(error),
                batch::Step::Commit(id, messages) => self.commit_batch(&id, messages, domain, room),
            };
        }
        let mut dedup = self.dedup.lock();
        dedup.prune(natrium_store::now_nanos() - self.config.duplicate_window);
        let admitted = match self.admit(
            subject,
            headers.zip(block.as_ref()),
            payload,
            &dedup,
            room,
            None,
        ) {
            Ok(admitted) => admitted,
            Err(Rejection::Duplicate(seq)) => {
                let mut ack = PubAck::stored(name, domain, seq);
                ack.duplicate = true;
                return Published {
                    ack: ack.to_wire(),
                    republish: Vec::new(),
                    stored: None,
                };
            }
            Err(Rejection::Error(error)) => return fail(error),
        };
        match self.commit(&admitted, &mut dedup) {
            Ok((seq, ts)) => {
                let mut ack = PubAck::stored(name, domain, seq);
                if let Some(total) = &admitted.counter_total {
                    ack.val = total.clone();
                }
                Published {
                    ack: ack.to_wire(),
                    republish: self.republished(&admitted, seq, ts).into_iter().collect(),
                    stored: Some(seq..=seq),
                }
            }
            Err(error) => fail(error),
        }
    }

    /// Checks a message against the stream's rules and the headers it carries,
    /// without changing anything. What it returns is ready to store.
    fn admit<'m>(
        &self,
        subject: &'m [u8],
        headers: Option<(&'m [u8], &HeaderBlock<'_>)>,
        payload: &'m [u8],
        dedup: &Dedup,
        room: u64,
        ahead: Option<&Ahead>,
    ) -> Result<Admitted<'m>, Rejection> {
        let name = &self.config.name;
        if self.config.sealed {
            return Err(ErrorId::StreamSealedErr.into());
        }
        // A subject transform applies at ingest: every check below sees the
        // subject the message will be stored under.
        let transformed = self
            .transform
            .as_ref()
            .and_then(|t| t.apply(&String::from_utf8_lossy(subject)));
        let subject: Cow<'m, [u8]> = match transformed {
            Some(mapped) => Cow::Owned(mapped.into_bytes()),
            None => Cow::Borrowed(subject),
        };
        let block = headers.map(|(_, block)| block);
        let counter = counter::resolve(
            self.config.allow_msg_counter,
            self.store.as_ref(),
            &subject,
            block,
            payload,
        )?;
        let header = |key: &str| block.and_then(|b| b.get_str(key));
        if header(EXPECTED_STREAM).is_some_and(|expected| expected != name) {
            return Err(ErrorId::StreamNotMatchErr.into());
        }
        let msg_id = header(MSG_ID)
            .filter(|id| !id.is_empty())
            .map(str::to_string);
        if let Some(seq) = msg_id.as_ref().and_then(|id| dedup.by_id.get(id)) {
            return Err(Rejection::Duplicate(*seq));
        }
        if let Some(expected) = header(EXPECTED_LAST_SEQ) {
            let last = self.store.state(false).last_seq + ahead.map_or(0, |a| a.count);
            if expected.parse::<u64>().ok() != Some(last) {
                return Err(ApiError::wrong_last_sequence(last).into());
            }
        }
        // Only republish reports it, so only look it up when needed.
        let last_on_subject = match (header(EXPECTED_LAST_SUBJECT_SEQ), &self.republish) {
            (None, None) => 0,
            _ => match ahead.and_then(|a| a.last_by_subject.get(&subject[..])) {
                Some(&seq) => seq,
                None => self.store.load_last(&subject).map_or(0, |m| m.seq),
            },
        };
        if let Some(expected) = header(EXPECTED_LAST_SUBJECT_SEQ) {
            if expected.parse::<u64>().ok() != Some(last_on_subject) {
                return Err(ApiError::wrong_last_sequence(last_on_subject).into());
            }
        }
        if header(EXPECTED_LAST_MSG_ID).is_some_and(|expected| expected != dedup.last_msg_id) {
            return Err(ApiError::wrong_last_msg_id(&dedup.last_msg_id).into());
        }
        let ttl = match header(TTL) {
            None => None,
            Some(_) if !self.config.allow_msg_ttl => {
                return Err(ErrorId::MessageTTLDisabledErr.into())
            }
            Some(text) => Some(parse_ttl(text).ok_or(ErrorId::MessageTTLInvalidErr)?),
        };
        // With delete markers on, no message may go sooner than its marker
        // would: a shorter TTL is raised to the marker TTL and its header
        // rewritten in whole seconds, as nats-server 2.14.0 stores it.
        let marker_ttl = self.config.subject_delete_marker_ttl;
        let raised_ttl = ttl
            .filter(|&ttl| marker_ttl > 0 && ttl != natrium_store::TTL_NEVER)
            .filter(|ttl| ttl.as_nanos() < marker_ttl as u128)
            .map(|_| Duration::from_nanos(marker_ttl as u64));
        let ttl = raised_ttl.or(ttl);
        let rollup_all = match header(ROLLUP) {
            None => None,
            Some(_) if !self.config.allow_rollup_hdrs => {
                return Err(rollup_failed("rollup not permitted").into())
            }
            Some(ROLLUP_SUBJECT) => Some(false),
            Some(ROLLUP_ALL) => Some(true),
            Some(other) => {
                return Err(rollup_failed(&format!("rollup value invalid: {other:?}")).into())
            }
        };
        // A counter stores its new total in place of the (empty) payload.
        let (headers, payload, counter_total) = match counter {
            Some(update) => (
                Cow::Owned(update.headers),
                Cow::Owned(update.body),
                Some(update.total),
            ),
            None => match (raised_ttl, block) {
                (Some(raised), Some(block)) => (
                    Cow::Owned(
                        HeaderBuilder::replacing(block, TTL, &raised.as_secs().to_string())
                            .finish(),
                    ),
                    Cow::Borrowed(payload),
                    None,
                ),
                _ => (
                    Cow::Borrowed(headers.map_or(&[][..], |(raw, _)| raw)),
                    Cow::Borrowed(payload),
                    None,
                ),
            },
        };
        if let Some(max) = u64::try_from(self.config.max_msg_size)
            .ok()
            .filter(|&max| max > 0)
        {
            if (headers.len() + payload.len()) as u64 > max {
                return Err(ErrorId::StreamMessageExceedsMaximumErr.into());
            }
        }
        // The account's storage quota: nats-server refuses with 10023.
        let size = self
            .store
            .message_size(subject.len(), headers.len(), payload.len());
        if size > room {
            return Err(ErrorId::InsufficientResourcesErr.into());
        }
        Ok(Admitted {
            subject,
            headers,
            payload,
            ttl,
            rollup_all,
            msg_id,
            counter_total,
            last_on_subject,
            size,
        })
    }

    /// Stores an admitted message and does its bookkeeping (dedup, rollup).
    fn commit(&self, admitted: &Admitted, dedup: &mut Dedup) -> Result<(u64, i64), ApiError> {
        let (seq, ts) = self
            .store
            .store(
                &admitted.subject,
                &admitted.headers,
                &admitted.payload,
                admitted.ttl,
            )
            .map_err(|err| match err {
                StoreError::MaxMsgSize => ApiError::from(ErrorId::StreamMessageExceedsMaximumErr),
                err => ApiError::with(ErrorId::StreamStoreFailedF, &[("err", &err.to_string())]),
            })?;
        if let Some(id) = &admitted.msg_id {
            dedup.record(id, seq, ts);
            dedup.last_msg_id = id.clone();
        }
        if let Some(all) = admitted.rollup_all {
            // The new message replaces everything before it (on its subject).
            let purge = PurgeRequest {
                filter: (!all).then(|| bytes::Bytes::copy_from_slice(&admitted.subject)),
                up_to_seq: Some(seq),
                keep: None,
            };
            if let Err(err) = self.store.purge(&purge) {
                warn!("Stream {:?}: rollup purge failed: {err}", self.config.name);
            }
        }
        Ok((seq, ts))
    }

    /// Commits an atomic batch: every message is checked against the stream as
    /// it was before the batch, and only then are all of them stored.
    fn commit_batch(
        &self,
        id: &str,
        messages: Vec<batch::Staged>,
        domain: &str,
        room: u64,
    ) -> Published {
        let name = &self.config.name;
        let mut dedup = self.dedup.lock();
        dedup.prune(natrium_store::now_nanos() - self.config.duplicate_window);
        let mut admitted = Vec::with_capacity(messages.len());
        let mut ids = HashSet::new();
        let mut room = room;
        let mut ahead = Ahead::default();
        for message in &messages {
            let block = match message.headers.as_deref().map(HeaderBlock::parse) {
                Some(Ok(block)) => Some(block),
                Some(Err(_)) => return Published::failed(name, ErrorId::BadRequestErr.into()),
                None => None,
            };
            let result = self.admit(
                &message.subject,
                message.headers.as_deref().zip(block.as_ref()),
                &message.payload,
                &dedup,
                room,
                Some(&ahead),
            );
            let one = match result {
                Ok(one) => one,
                Err(Rejection::Duplicate(_)) => {
                    return Published::failed(
                        name,
                        ErrorId::AtomicPublishContainsDuplicateMessageErr.into(),
                    )
                }
                Err(Rejection::Error(error)) => return Published::failed(name, error),
            };
            if one
                .msg_id
                .as_ref()
                .is_some_and(|id| !ids.insert(id.clone()))
            {
                return Published::failed(
                    name,
                    ErrorId::AtomicPublishContainsDuplicateMessageErr.into(),
                );
            }
            room = room.saturating_sub(one.size);
            ahead.count += 1;
            let seq = self.store.state(false).last_seq + ahead.count;
            ahead.last_by_subject.insert(one.subject.to_vec(), seq);
            admitted.push(one);
        }
        if let Err(error) = self.batch_fits_limits(&admitted) {
            return Published::failed(name, error);
        }
        let mut last = (0, 0);
        let mut republish = Vec::new();
        for (index, (mut one, message)) in admitted.into_iter().zip(&messages).enumerate() {
            if one.counter_total.is_some() {
                // Counters add up within the batch: re-read the total now
                // that the batch's earlier messages are stored.
                if let Err(error) = self.recount(&mut one, message) {
                    return Published::failed(name, error);
                }
            }
            match self.commit(&one, &mut dedup) {
                Ok(done) => {
                    last = done;
                    republish.extend(self.republished(&one, done.0, done.1));
                }
                Err(error) => {
                    error!(
                        "Stream {name:?}: atomic batch {id:?} failed at message {} after checks passed: {}",
                        index + 1,
                        error.description
                    );
                    return Published::failed(name, error);
                }
            }
        }
        let mut ack = PubAck::stored(name, domain, last.0);
        ack.batch = id.to_string();
        ack.count = messages.len() as u64;
        Published {
            ack: ack.to_wire(),
            republish,
            // A batch is stored under consecutive sequences.
            stored: Some(last.0 + 1 - messages.len() as u64..=last.0),
        }
    }

    /// Recomputes a counter message's total from the store as it is now.
    fn recount(&self, one: &mut Admitted<'_>, message: &batch::Staged) -> Result<(), ApiError> {
        let block = message
            .headers
            .as_deref()
            .map(HeaderBlock::parse)
            .transpose()
            .map_err(|_| ApiError::from(ErrorId::BadRequestErr))?;
        if let Some(update) = counter::resolve(
            true,
            self.store.as_ref(),
            &one.subject,
            block.as_ref(),
            &message.payload,
        )? {
            one.headers = Cow::Owned(update.headers);
            one.payload = Cow::Owned(update.body);
            one.counter_total = Some(update.total);
        }
        Ok(())
    }

    /// With discard new, a batch that would not fit whole is refused whole.
    fn batch_fits_limits(&self, admitted: &[Admitted]) -> Result<(), ApiError> {
        if self.config.discard != DiscardPolicy::New {
            return Ok(());
        }
        let state = self.store.state(false);
        let msgs = state.msgs + admitted.len() as u64;
        let bytes = state.bytes + admitted.iter().map(|a| a.size).sum::<u64>();
        let over = |limit: i64, value: u64| limit > 0 && value > limit as u64;
        if over(self.config.max_msgs, msgs) {
            return Err(ApiError::with(
                ErrorId::StreamStoreFailedF,
                &[("err", "maximum messages exceeded")],
            ));
        }
        if over(self.config.max_bytes, bytes) {
            return Err(ApiError::with(
                ErrorId::StreamStoreFailedF,
                &[("err", "maximum bytes exceeded")],
            ));
        }
        Ok(())
    }

    /// Removes messages past max_age or their TTL. With
    /// `subject_delete_marker_ttl` (ADR-43), a subject whose last message
    /// aged out or reached its TTL gets a delete marker
    /// (`Nats-Marker-Reason: MaxAge`) that itself lives for that TTL, so
    /// readers see it was removed, not never written. A marker going leaves
    /// no marker behind.
    pub fn expire(&self, now: i64) -> Result<(), StoreError> {
        let marker_ttl = self.config.subject_delete_marker_ttl;
        if marker_ttl <= 0 {
            return self.store.expire(now).map(|_| ());
        }
        for emptied in self.store.expire_subjects(now)? {
            let was_marker = emptied.ttl_headers.as_deref().is_some_and(|raw| {
                HeaderBlock::parse(raw).is_ok_and(|block| block.get(MARKER_REASON).is_some())
            });
            if was_marker {
                continue;
            }
            let subject = emptied.subject;
            let headers = HeaderBuilder::new()
                .add(MARKER_REASON, "MaxAge")
                .add(TTL, &natrium_jetstream::time::go_duration(marker_ttl))
                .add(ROLLUP, ROLLUP_SUBJECT)
                .finish();
            let ttl = Duration::from_nanos(marker_ttl as u64);
            self.store.store(&subject, &headers, b"", Some(ttl))?;
        }
        Ok(())
    }

    /// Drops atomic batches that saw no message for a while (ADR-50: 10 s).
    pub fn abandon_idle_batches(&self) {
        self.batches.lock().abandon_idle();
    }
}

/// A message that passed every check, ready to store. It borrows the
/// published bytes: only a transform or a counter makes new ones.
struct Admitted<'m> {
    subject: Cow<'m, [u8]>,
    headers: Cow<'m, [u8]>,
    payload: Cow<'m, [u8]>,
    ttl: Option<Duration>,
    rollup_all: Option<bool>,
    msg_id: Option<String>,
    counter_total: Option<String>,
    /// The subject's last sequence before this message (republish reports it).
    last_on_subject: u64,
    /// The size the store accounts for it.
    size: u64,
}

/// The messages of a batch checked before this one, as if stored: each
/// message of a batch sees the ones before it (as nats-server does).
#[derive(Default)]
struct Ahead {
    count: u64,
    last_by_subject: HashMap<Vec<u8>, u64>,
}

/// Why a message was not admitted.
enum Rejection {
    /// Already stored within the duplicate window, at this sequence.
    Duplicate(u64),
    Error(ApiError),
}

impl From<ApiError> for Rejection {
    fn from(error: ApiError) -> Self {
        Rejection::Error(error)
    }
}

impl From<ErrorId> for Rejection {
    fn from(id: ErrorId) -> Self {
        Rejection::Error(id.into())
    }
}

impl Published {
    fn failed(stream: &str, error: ApiError) -> Published {
        Published {
            ack: PubAck::failed(stream, error).to_wire(),
            republish: Vec::new(),
            stored: None,
        }
    }

    /// The empty reply that acknowledges a staged batch message.
    fn empty() -> Published {
        Published {
            ack: Vec::new(),
            republish: Vec::new(),
            stored: None,
        }
    }
}

impl Stream {
    /// The republished copy of a stored message (ADR-28), if configured.
    fn republished(
        &self,
        admitted: &Admitted,
        seq: u64,
        ts: i64,
    ) -> Option<(String, Vec<u8>, Vec<u8>)> {
        let (mapping, headers_only) = self.republish.as_ref()?;
        let subject = String::from_utf8_lossy(&admitted.subject);
        let destination = mapping.apply(&subject)?;
        let stored = (!admitted.headers.is_empty())
            .then(|| HeaderBlock::parse(&admitted.headers).ok())
            .flatten();
        let mut builder = match &stored {
            Some(block) => HeaderBuilder::from_block(block),
            None => HeaderBuilder::new(),
        };
        builder = builder
            .add(STREAM, &self.config.name)
            .add(SUBJECT, &subject)
            .add(SEQUENCE, &seq.to_string())
            .add(TIME_STAMP, &Timestamp::from_unix_nanos(ts).to_string())
            .add(LAST_SEQUENCE, &admitted.last_on_subject.to_string());
        let body = if *headers_only {
            builder = builder.add(MSG_SIZE, &admitted.payload.len().to_string());
            Vec::new()
        } else {
            admitted.payload.to_vec()
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
