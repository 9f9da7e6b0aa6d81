//! The shared engine: every rule of a stream store, once.
//!
//! [`Core`] keeps the index (which sequences are live, their subject, time,
//! size and TTL), the per-subject index, the limits, and decides what to
//! remove when. Where the message bytes live is a [`Backend`]'s business:
//! RAM for the memory store, segment files for the file store. Because the
//! memory and file stores are both `Engine<some backend>`, they cannot drift
//! apart in behaviour.
//!
//! Index shape, chosen to stay compact at millions of messages:
//! * `entries`: a deque indexed by `seq - base`, `None` for a hole. The
//!   front is always live (holes at the front are popped), so the first
//!   sequence and the max-age scan are O(1).
//! * per subject: its live sequences in order. Interned subject ids keep the
//!   per-message entry small; a subject's deque answers last-by-subject,
//!   per-subject limits and filtered counts without scanning the stream.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use hashbrown::HashMap;
use std::time::Duration;

use bytes::Bytes;
use natrium_subjects::matching::subject_matches_filter;
use natrium_subjects::validate::{is_storable_subject, subject_has_wildcard};
use parking_lot::RwLock;

use crate::limits::{Discard, StoreLimits};
use crate::seqs::SeqList;
use crate::{now_nanos, Emptied, PurgeRequest, StoreError, StoredMessage, StreamState, TTL_NEVER};

/// Entry expiry value for "no TTL: max_age applies".
const NO_TTL: i64 = 0;
/// Entry expiry value for "TTL never: exempt from max_age too".
const NEVER: i64 = i64::MAX;

/// How a backend should record a removal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RemoveMode {
    /// Record it durably on its own.
    Tombstone,
    /// Record it and overwrite the message bytes.
    Erase,
    /// A following `truncate_front` records it; only update bookkeeping.
    Silent,
}

/// Stream bounds at a point in time, written by the file store into segment
/// headers and purge markers so sequences survive even when every message
/// record is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Marker {
    /// Every sequence below this is gone for good.
    pub first_seq: u64,
    pub last_seq: u64,
    pub last_ts: i64,
}

/// Where message bytes live. Called with the core's lock held for writing
/// (mutations) or reading (`read`).
pub(crate) trait Backend: Send + Sync {
    /// Backend-specific handle kept in each index entry.
    type Loc: Send + Sync;

    /// The accounted size of a message (what `bytes` and `max_bytes` count);
    /// nats-server counts differently per store kind, and so do we.
    fn message_size(subject: usize, headers: usize, payload: usize) -> u64;

    #[allow(clippy::too_many_arguments)]
    fn append(
        &mut self,
        seq: u64,
        ts: i64,
        expiry: i64,
        subject: &[u8],
        headers: &[u8],
        payload: &[u8],
        marker: &Marker,
    ) -> Result<Self::Loc, StoreError>;
    /// Headers and payload of a live message.
    fn read(&self, seq: u64, loc: &Self::Loc) -> Result<(Bytes, Bytes), StoreError>;
    fn remove(
        &mut self,
        seq: u64,
        loc: &Self::Loc,
        mode: RemoveMode,
        marker: &Marker,
    ) -> Result<(), StoreError>;
    /// Durably records that everything below `marker.first_seq` is gone.
    fn truncate_front(&mut self, marker: &Marker) -> Result<(), StoreError>;
    /// End of one mutating operation: apply the durability policy.
    fn commit(&mut self, marker: &Marker) -> Result<(), StoreError>;
    /// Hands buffered writes to the OS.
    fn flush(&mut self) -> Result<(), StoreError>;
    fn sync(&mut self) -> Result<(), StoreError>;
    fn close(&mut self, marker: &Marker) -> Result<(), StoreError>;
}

/// What the index keeps of a message, besides its subject and location.
pub(crate) struct EntryMeta {
    pub seq: u64,
    pub ts: i64,
    pub expiry: i64,
    pub size: u64,
    pub has_headers: bool,
}

/// Kept per stored message, so kept small: 24 bytes with a file store's
/// location (a per-message TTL lives in `Core::expiries`; most have none).
struct Entry<L> {
    ts: i64,
    /// What the message counts for in `bytes` (under 4 GiB: records are).
    size: u32,
    subject: u32,
    /// Whether it has headers (where message ids are; see `recent_with_headers`).
    has_headers: bool,
    loc: L,
}

// Guards the index's per-message cost (1M stored messages: 24 MB).
const _: () = assert!(std::mem::size_of::<Option<Entry<u32>>>() <= 24);

#[derive(Default)]
struct SubjectSlot {
    name: Bytes,
    seqs: SeqList,
}

enum Filter<'a> {
    All,
    Literal(&'a [u8]),
    Wildcard(&'a [u8]),
}

impl<'a> Filter<'a> {
    fn new(filter: &'a [u8]) -> Self {
        if filter.is_empty() || filter == b">" {
            Filter::All
        } else if subject_has_wildcard(filter) {
            Filter::Wildcard(filter)
        } else {
            Filter::Literal(filter)
        }
    }
    fn matches(&self, subject: &[u8]) -> bool {
        match self {
            Filter::All => true,
            Filter::Literal(f) => *f == subject,
            Filter::Wildcard(f) => subject_matches_filter(subject, f),
        }
    }
}

pub(crate) struct Core<B: Backend> {
    pub(crate) backend: B,
    limits: StoreLimits,
    /// Sequence of `entries[0]`; meaningless while `entries` is empty.
    base: u64,
    entries: VecDeque<Option<Entry<B::Loc>>>,
    last_seq: u64,
    last_ts: i64,
    msgs: u64,
    bytes: u64,
    subjects: Vec<SubjectSlot>,
    by_name: HashMap<Bytes, u32>,
    free_ids: Vec<u32>,
    /// Finite per-message deadlines, soonest first.
    ttls: BTreeSet<(i64, u64)>,
    /// Each message with a TTL: its deadline, or `NEVER` (absent: `NO_TTL`).
    expiries: HashMap<u64, i64>,
    closed: bool,
}

impl<B: Backend> Core<B> {
    pub(crate) fn new(backend: B, limits: StoreLimits) -> Self {
        Core {
            backend,
            limits,
            base: 1,
            entries: VecDeque::new(),
            last_seq: 0,
            last_ts: 0,
            msgs: 0,
            bytes: 0,
            subjects: Vec::new(),
            by_name: HashMap::new(),
            free_ids: Vec::new(),
            ttls: BTreeSet::new(),
            expiries: HashMap::new(),
            closed: false,
        }
    }

    pub(crate) fn first_seq(&self) -> u64 {
        if !self.entries.is_empty() {
            self.base
        } else if self.last_seq == 0 {
            0
        } else {
            self.last_seq + 1
        }
    }

    pub(crate) fn marker(&self) -> Marker {
        Marker {
            first_seq: self.first_seq().max(1),
            last_seq: self.last_seq,
            last_ts: self.last_ts,
        }
    }

    fn check_open(&self) -> Result<(), StoreError> {
        if self.closed {
            Err(StoreError::Closed)
        } else {
            Ok(())
        }
    }

    fn entry(&self, seq: u64) -> Option<&Entry<B::Loc>> {
        let idx = seq.checked_sub(self.base)?;
        self.entries.get(usize::try_from(idx).ok()?)?.as_ref()
    }

    fn intern(&mut self, subject: &[u8]) -> u32 {
        if let Some(&id) = self.by_name.get(subject) {
            return id;
        }
        let name = Bytes::copy_from_slice(subject);
        let id = match self.free_ids.pop() {
            Some(id) => {
                self.subjects[id as usize].name = name.clone();
                id
            }
            None => {
                self.subjects.push(SubjectSlot {
                    name: name.clone(),
                    seqs: SeqList::default(),
                });
                (self.subjects.len() - 1) as u32
            }
        };
        self.by_name.insert(name, id);
        id
    }

    /// Adds a live entry at `seq` (> every existing one), padding holes.
    fn push_entry(&mut self, meta: EntryMeta, subject: &[u8], loc: B::Loc) {
        let EntryMeta {
            seq,
            ts,
            expiry,
            size,
            has_headers,
        } = meta;
        let sid = self.intern(subject);
        if self.entries.is_empty() {
            self.base = seq;
        }
        while self.base + (self.entries.len() as u64) < seq {
            self.entries.push_back(None);
        }
        self.entries.push_back(Some(Entry {
            ts,
            size: size.min(u32::MAX as u64) as u32,
            subject: sid,
            has_headers,
            loc,
        }));
        self.subjects[sid as usize].seqs.push_back(seq);
        if expiry != NO_TTL {
            self.expiries.insert(seq, expiry);
            if expiry != NEVER {
                self.ttls.insert((expiry, seq));
            }
        }
        self.msgs += 1;
        self.bytes += size;
        self.last_seq = self.last_seq.max(seq);
    }

    /// Recovery: adds a message found on disk (ascending `seq`).
    pub(crate) fn recover_message(&mut self, meta: EntryMeta, subject: &[u8], loc: B::Loc) {
        self.push_entry(meta, subject, loc);
    }

    /// Recovery: sets bounds that message records alone cannot tell.
    pub(crate) fn recover_bounds(&mut self, last_seq: u64, last_ts: i64) {
        if last_seq >= self.last_seq {
            self.last_seq = last_seq;
            self.last_ts = last_ts;
        }
    }

    fn store(
        &mut self,
        subject: &[u8],
        headers: &[u8],
        payload: &[u8],
        ttl: Option<Duration>,
        ts: i64,
    ) -> Result<(u64, i64), StoreError> {
        self.check_open()?;
        if !is_storable_subject(subject) || subject.len() > u16::MAX as usize {
            return Err(StoreError::BadSubject);
        }
        if let Some(max) = self.limits.max_msg_size() {
            if (headers.len() + payload.len()) as u64 > max {
                return Err(StoreError::MaxMsgSize);
            }
        }
        let size = B::message_size(subject.len(), headers.len(), payload.len());
        if size > u32::MAX as u64 {
            return Err(StoreError::MaxMsgSize);
        }
        if let Some(max) = self.limits.max_bytes() {
            // Could never fit, whatever the discard policy.
            if size > max {
                return Err(StoreError::MaxBytes);
            }
        }
        if self.limits.discard == Discard::New {
            if let Some(max) = self.limits.max_msgs() {
                if self.msgs >= max {
                    return Err(StoreError::MaxMsgs);
                }
            }
            if let Some(max) = self.limits.max_bytes() {
                if self.bytes + size > max {
                    return Err(StoreError::MaxBytes);
                }
            }
            if self.limits.discard_new_per_subject {
                if let Some(max) = self.limits.max_per_subject() {
                    let count = self
                        .by_name
                        .get(subject)
                        .map_or(0, |&id| self.subjects[id as usize].seqs.len() as u64);
                    if count >= max {
                        return Err(StoreError::MaxMsgsPerSubject);
                    }
                }
            }
        }
        let expiry = match ttl {
            None => NO_TTL,
            Some(d) if d.is_zero() => NO_TTL,
            Some(d) if d == TTL_NEVER => NEVER,
            Some(d) => ts
                .saturating_add(d.as_nanos().min(i64::MAX as u128) as i64)
                .max(1),
        };
        let seq = self.last_seq + 1;
        let marker = self.marker();
        let loc = self
            .backend
            .append(seq, ts, expiry, subject, headers, payload, &marker)?;
        let meta = EntryMeta {
            seq,
            ts,
            expiry,
            size,
            has_headers: !headers.is_empty(),
        };
        self.push_entry(meta, subject, loc);
        self.last_ts = ts;
        let sid = self.by_name.get(subject).copied();
        self.enforce(sid)?;
        self.commit()?;
        Ok((seq, ts))
    }

    fn commit(&mut self) -> Result<(), StoreError> {
        let marker = self.marker();
        self.backend.commit(&marker)
    }

    /// Applies count, size and per-subject limits by removing the oldest
    /// messages; `only` restricts the per-subject pass to one subject.
    fn enforce(&mut self, only: Option<u32>) -> Result<u64, StoreError> {
        let mut removed = 0;
        if let Some(max) = self.limits.max_per_subject() {
            let ids = match only {
                Some(id) => id..id + 1,
                None => 0..self.subjects.len() as u32,
            };
            for id in ids {
                while self.subjects[id as usize].seqs.len() as u64 > max {
                    let Some(oldest) = self.subjects[id as usize].seqs.front() else {
                        break;
                    };
                    removed += self.remove_seq(oldest, RemoveMode::Tombstone)? as u64;
                }
            }
        }
        if let Some(max) = self.limits.max_msgs() {
            while self.msgs > max {
                removed += self.remove_seq(self.base, RemoveMode::Tombstone)? as u64;
            }
        }
        if let Some(max) = self.limits.max_bytes() {
            while self.bytes > max && self.msgs > 0 {
                removed += self.remove_seq(self.base, RemoveMode::Tombstone)? as u64;
            }
        }
        Ok(removed)
    }

    fn remove_seq(&mut self, seq: u64, mode: RemoveMode) -> Result<bool, StoreError> {
        let Some(idx) = seq
            .checked_sub(self.base)
            .and_then(|i| usize::try_from(i).ok())
            .filter(|&i| i < self.entries.len())
        else {
            return Ok(false);
        };
        let marker = self.marker();
        let Some(entry) = self.entries[idx].as_ref() else {
            return Ok(false);
        };
        // Backend first: if recording the removal fails, the index is untouched.
        self.backend.remove(seq, &entry.loc, mode, &marker)?;
        let Some(entry) = self.entries[idx].take() else {
            return Ok(false);
        };
        self.forget(seq, &entry);
        while matches!(self.entries.front(), Some(None)) {
            self.entries.pop_front();
            self.base += 1;
        }
        Ok(true)
    }

    /// Index bookkeeping for a removed entry (not the entry slot itself).
    fn forget(&mut self, seq: u64, entry: &Entry<B::Loc>) {
        self.msgs -= 1;
        self.bytes -= entry.size as u64;
        if let Some(expiry) = self.expiries.remove(&seq) {
            self.ttls.remove(&(expiry, seq));
        }
        let slot = &mut self.subjects[entry.subject as usize];
        if slot.seqs.front() == Some(seq) {
            slot.seqs.pop_front();
        } else {
            slot.seqs.remove(seq);
        }
        if slot.seqs.is_empty() {
            let name = std::mem::take(&mut slot.name);
            self.by_name.remove(&name);
            self.free_ids.push(entry.subject);
        }
    }

    /// Drops everything below `first` (nats' compact); past the end it
    /// moves the next sequence up to `first`.
    fn compact(&mut self, first: u64) -> Result<u64, StoreError> {
        let mut removed = 0;
        let marker_before = self.marker();
        while !self.entries.is_empty() && self.base < first {
            if let Some(entry) = self.entries.pop_front().flatten() {
                self.backend
                    .remove(self.base, &entry.loc, RemoveMode::Silent, &marker_before)?;
                self.forget(self.base, &entry);
                removed += 1;
            }
            self.base += 1;
        }
        while matches!(self.entries.front(), Some(None)) {
            self.entries.pop_front();
            self.base += 1;
        }
        if removed == 0 && first <= self.first_seq().max(1) {
            return Ok(0);
        }
        if first > self.last_seq + 1 {
            self.last_seq = first - 1;
        }
        let mut marker = self.marker();
        marker.first_seq = marker.first_seq.max(first);
        self.backend.truncate_front(&marker)?;
        Ok(removed)
    }

    fn purge(&mut self, req: &PurgeRequest) -> Result<u64, StoreError> {
        self.check_open()?;
        let filter_bytes = req.filter.clone().unwrap_or_default();
        let filter = Filter::new(&filter_bytes);
        let removed = if matches!(filter, Filter::All) && req.keep.is_none() {
            let first = req.up_to_seq.unwrap_or(self.last_seq + 1);
            self.compact(first)?
        } else {
            let mut seqs: Vec<u64> = self
                .matching_ids(&filter)
                .flat_map(|id| self.subjects[id as usize].seqs.iter())
                .collect();
            seqs.sort_unstable();
            let removable = seqs.len() - (req.keep.unwrap_or(0) as usize).min(seqs.len());
            let up_to = req.up_to_seq.unwrap_or(u64::MAX);
            let mut removed = 0;
            for &seq in seqs[..removable].iter().take_while(|&&s| s < up_to) {
                removed += self.remove_seq(seq, RemoveMode::Tombstone)? as u64;
            }
            removed
        };
        self.commit()?;
        Ok(removed)
    }

    fn matching_ids<'s>(&'s self, filter: &'s Filter<'_>) -> impl Iterator<Item = u32> + 's {
        let literal = match filter {
            Filter::Literal(s) => Some(self.by_name.get(*s).copied()),
            _ => None,
        };
        let scan = literal.is_none();
        literal.flatten().into_iter().chain(
            (0..self.subjects.len() as u32)
                .filter(move |_| scan)
                .filter(move |&id| {
                    let slot = &self.subjects[id as usize];
                    !slot.seqs.is_empty() && filter.matches(&slot.name)
                }),
        )
    }

    fn read(&self, seq: u64, entry: &Entry<B::Loc>) -> Result<StoredMessage, StoreError> {
        let (headers, payload) = self.backend.read(seq, &entry.loc)?;
        Ok(StoredMessage {
            subject: self.subjects[entry.subject as usize].name.clone(),
            seq,
            timestamp: entry.ts,
            headers,
            payload,
        })
    }

    fn load(&self, seq: u64) -> Result<StoredMessage, StoreError> {
        self.check_open()?;
        if seq == 0 || seq > self.last_seq || seq < self.first_seq() {
            return Err(StoreError::NotFound);
        }
        match self.entry(seq) {
            Some(e) => self.read(seq, e),
            None => Err(StoreError::Deleted),
        }
    }

    fn recent_with_headers(&self, since: i64) -> Result<Vec<StoredMessage>, StoreError> {
        self.check_open()?;
        let mut found = Vec::new();
        for (index, entry) in self.entries.iter().enumerate().rev() {
            let Some(entry) = entry else { continue };
            if entry.ts < since {
                break;
            }
            if entry.has_headers {
                found.push(self.read(self.base + index as u64, entry)?);
            }
        }
        found.reverse();
        Ok(found)
    }

    fn load_next(&self, filter: &[u8], start: u64) -> Result<StoredMessage, StoreError> {
        self.check_open()?;
        let start = start.max(self.base);
        let filter = Filter::new(filter);
        let range = (self.base + self.entries.len() as u64).saturating_sub(start);
        let found = match filter {
            Filter::All => self.scan_from(start, |_| true),
            // Few subjects: binary search each; many: walk the stream.
            _ if self.by_name.len() as u64 <= range => self
                .matching_ids(&filter)
                .filter_map(|id| {
                    let seqs = &self.subjects[id as usize].seqs;
                    seqs.get(seqs.count_below(start))
                })
                .min(),
            _ => self.scan_from(start, |e| {
                filter.matches(&self.subjects[e.subject as usize].name)
            }),
        };
        let seq = found.ok_or(StoreError::NotFound)?;
        let entry = self.entry(seq).ok_or(StoreError::NotFound)?;
        self.read(seq, entry)
    }

    fn scan_from(&self, start: u64, pred: impl Fn(&Entry<B::Loc>) -> bool) -> Option<u64> {
        let skip = usize::try_from(start.checked_sub(self.base)?).ok()?;
        self.entries
            .iter()
            .enumerate()
            .skip(skip)
            .find(|(_, e)| e.as_ref().is_some_and(&pred))
            .map(|(i, _)| self.base + i as u64)
    }

    fn load_last(&self, filter: &[u8]) -> Result<StoredMessage, StoreError> {
        self.check_open()?;
        let filter = Filter::new(filter);
        let found = match filter {
            Filter::All => self
                .entries
                .iter()
                .rposition(Option::is_some)
                .map(|i| self.base + i as u64),
            _ => self
                .matching_ids(&filter)
                .filter_map(|id| self.subjects[id as usize].seqs.back())
                .max(),
        };
        let seq = found.ok_or(StoreError::NotFound)?;
        let entry = self.entry(seq).ok_or(StoreError::NotFound)?;
        self.read(seq, entry)
    }

    fn state(&self, include_deleted: bool) -> StreamState {
        let first_seq = self.first_seq();
        let num_deleted = if self.msgs == 0 {
            0
        } else {
            self.last_seq + 1 - first_seq - self.msgs
        };
        let mut deleted = Vec::new();
        if include_deleted && num_deleted > 0 {
            deleted.reserve(num_deleted as usize);
            for (i, e) in self.entries.iter().enumerate() {
                if e.is_none() {
                    deleted.push(self.base + i as u64);
                }
            }
            deleted.extend(self.base + self.entries.len() as u64..=self.last_seq);
        }
        StreamState {
            msgs: self.msgs,
            bytes: self.bytes,
            first_seq,
            first_ts: self
                .entries
                .front()
                .and_then(|e| e.as_ref())
                .map_or(0, |e| e.ts),
            last_seq: self.last_seq,
            last_ts: self.last_ts,
            num_subjects: self.by_name.len() as u64,
            num_deleted,
            deleted,
        }
    }

    fn subjects_state(&self, filter: &[u8]) -> BTreeMap<String, u64> {
        let filter = Filter::new(filter);
        self.matching_ids(&filter)
            .map(|id| {
                let slot = &self.subjects[id as usize];
                (
                    String::from_utf8_lossy(&slot.name).into_owned(),
                    slot.seqs.len() as u64,
                )
            })
            .collect()
    }

    fn num_pending(&self, start: u64, filter: &[u8], last_per_subject: bool) -> u64 {
        let filter = Filter::new(filter);
        if last_per_subject {
            return self
                .matching_ids(&filter)
                .filter(|&id| {
                    self.subjects[id as usize]
                        .seqs
                        .back()
                        .is_some_and(|s| s >= start)
                })
                .count() as u64;
        }
        if start <= self.base && matches!(filter, Filter::All) {
            return self.msgs;
        }
        let range = (self.base + self.entries.len() as u64).saturating_sub(start);
        if self.by_name.len() as u64 <= range || !matches!(filter, Filter::All) {
            self.matching_ids(&filter)
                .map(|id| {
                    let seqs = &self.subjects[id as usize].seqs;
                    (seqs.len() - seqs.count_below(start)) as u64
                })
                .sum()
        } else {
            let skip = (start - self.base) as usize;
            self.entries
                .iter()
                .skip(skip)
                .filter(|e| e.is_some())
                .count() as u64
        }
    }

    fn update_limits(&mut self, limits: StoreLimits) -> Result<(), StoreError> {
        self.check_open()?;
        self.limits = limits;
        self.enforce(None)?;
        self.expire_at(now_nanos(), None)?;
        self.commit()
    }

    /// Removes what is due at `now`; `emptied` collects the subjects whose
    /// last message went because of max_age.
    fn expire_at(
        &mut self,
        now: i64,
        mut emptied: Option<&mut Vec<Emptied>>,
    ) -> Result<u64, StoreError> {
        let mut removed = 0;
        if let Some(age) = self.limits.max_age_nanos() {
            let cutoff = now.saturating_sub(age);
            // max_age applies to messages with a TTL too (whichever comes
            // first, as nats-server); only `Nats-TTL: never` is exempt.
            // Timestamps ascend, so stop at the first young enough message.
            let due: Vec<u64> = self
                .entries
                .iter()
                .enumerate()
                .filter_map(|(i, e)| e.as_ref().map(|e| (self.base + i as u64, e)))
                .filter(|&(s, _)| !self.never_expires(s))
                .take_while(|(_, e)| e.ts <= cutoff)
                .map(|(s, _)| s)
                .collect();
            for seq in due {
                // The name first: a subject's slot is let go with its last message.
                let subject = self
                    .entry(seq)
                    .map(|e| self.subjects[e.subject as usize].name.clone());
                removed += self.remove_seq(seq, RemoveMode::Tombstone)? as u64;
                if let (Some(name), Some(emptied)) = (subject, emptied.as_deref_mut()) {
                    let left = self
                        .by_name
                        .get(&name)
                        .is_some_and(|&id| !self.subjects[id as usize].seqs.is_empty());
                    if !left {
                        emptied.push(Emptied {
                            subject: name,
                            ttl_headers: None,
                        });
                    }
                }
            }
        }
        while let Some(&(deadline, seq)) = self.ttls.first() {
            if deadline > now {
                break;
            }
            if let Some(emptied) = emptied.as_deref_mut() {
                if let Some(last) = self.last_of_its_subject(seq)? {
                    emptied.push(last);
                }
            }
            if self.remove_seq(seq, RemoveMode::Tombstone)? {
                removed += 1;
            } else {
                self.ttls.remove(&(deadline, seq));
            }
        }
        Ok(removed)
    }

    /// When `seq` is the only message left on its subject: the subject and
    /// the message's headers, read before it goes.
    fn last_of_its_subject(&self, seq: u64) -> Result<Option<Emptied>, StoreError> {
        let Some(entry) = self.entry(seq) else {
            return Ok(None);
        };
        let subject = &self.subjects[entry.subject as usize];
        if subject.seqs.len() != 1 {
            return Ok(None);
        }
        let name = subject.name.clone();
        let message = self.read(seq, entry)?;
        Ok(Some(Emptied {
            subject: name,
            ttl_headers: Some(message.headers),
        }))
    }

    /// `Nats-TTL: never`: exempt from max_age.
    fn never_expires(&self, seq: u64) -> bool {
        !self.expiries.is_empty() && self.expiries.get(&seq) == Some(&NEVER)
    }

    fn next_expiry(&self) -> Option<i64> {
        let by_age = self.limits.max_age_nanos().and_then(|age| {
            self.entries
                .iter()
                .enumerate()
                .filter_map(|(i, e)| e.as_ref().map(|e| (self.base + i as u64, e)))
                .find(|&(s, _)| !self.never_expires(s))
                .map(|(_, e)| e.ts.saturating_add(age))
        });
        let by_ttl = self.ttls.first().map(|&(d, _)| d);
        by_age.into_iter().chain(by_ttl).min()
    }
}

/// A [`Core`] behind a lock: the trait implementation both stores share.
pub(crate) struct Engine<B: Backend> {
    pub(crate) inner: RwLock<Core<B>>,
}

impl<B: Backend> Engine<B> {
    pub(crate) fn new(core: Core<B>) -> Self {
        Engine {
            inner: RwLock::new(core),
        }
    }

    pub(crate) fn store_at(
        &self,
        subject: &[u8],
        headers: &[u8],
        payload: &[u8],
        ttl: Option<Duration>,
        ts: Option<i64>,
    ) -> Result<(u64, i64), StoreError> {
        let mut core = self.inner.write();
        // The store's own clock never goes backwards, so age expiry can scan
        // from the front and stop at the first young message.
        let ts = ts.unwrap_or_else(|| now_nanos().max(core.last_ts));
        core.store(subject, headers, payload, ttl, ts)
    }

    pub(crate) fn load(&self, seq: u64) -> Result<StoredMessage, StoreError> {
        self.inner.read().load(seq)
    }
    pub(crate) fn load_next(&self, filter: &[u8], start: u64) -> Result<StoredMessage, StoreError> {
        self.inner.read().load_next(filter, start)
    }
    pub(crate) fn recent_with_headers(&self, since: i64) -> Result<Vec<StoredMessage>, StoreError> {
        self.inner.read().recent_with_headers(since)
    }
    pub(crate) fn load_last(&self, filter: &[u8]) -> Result<StoredMessage, StoreError> {
        self.inner.read().load_last(filter)
    }
    pub(crate) fn remove(&self, seq: u64, secure_erase: bool) -> Result<bool, StoreError> {
        let mut core = self.inner.write();
        core.check_open()?;
        let mode = if secure_erase {
            RemoveMode::Erase
        } else {
            RemoveMode::Tombstone
        };
        let removed = core.remove_seq(seq, mode)?;
        core.commit()?;
        Ok(removed)
    }
    pub(crate) fn purge(&self, req: &PurgeRequest) -> Result<u64, StoreError> {
        self.inner.write().purge(req)
    }
    pub(crate) fn skip_msgs(&self, up_to: u64) -> Result<(), StoreError> {
        let mut core = self.inner.write();
        core.check_open()?;
        if up_to <= core.last_seq {
            return Ok(());
        }
        if core.msgs == 0 {
            core.compact(up_to + 1)?;
        } else {
            // Holes need no entries: the next message pads up to its sequence.
            core.last_seq = up_to;
            let marker = core.marker();
            core.backend.truncate_front(&marker)?;
        }
        core.commit()
    }
    pub(crate) fn skip_to(&self, seq: u64) -> Result<u64, StoreError> {
        let mut core = self.inner.write();
        core.check_open()?;
        let n = core.compact(seq)?;
        core.commit()?;
        Ok(n)
    }
    pub(crate) fn message_size(&self, subject: usize, headers: usize, payload: usize) -> u64 {
        B::message_size(subject, headers, payload)
    }

    pub(crate) fn state(&self, include_deleted: bool) -> StreamState {
        self.inner.read().state(include_deleted)
    }
    pub(crate) fn subjects_state(&self, filter: &[u8]) -> BTreeMap<String, u64> {
        self.inner.read().subjects_state(filter)
    }
    pub(crate) fn num_pending(&self, start: u64, filter: &[u8], lps: bool) -> u64 {
        self.inner.read().num_pending(start, filter, lps)
    }
    pub(crate) fn update_limits(&self, limits: StoreLimits) -> Result<(), StoreError> {
        self.inner.write().update_limits(limits)
    }
    pub(crate) fn limits(&self) -> StoreLimits {
        self.inner.read().limits.clone()
    }
    pub(crate) fn expire(&self, now: i64) -> Result<u64, StoreError> {
        let mut core = self.inner.write();
        core.check_open()?;
        let n = core.expire_at(now, None)?;
        core.commit()?;
        Ok(n)
    }
    pub(crate) fn expire_subjects(&self, now: i64) -> Result<Vec<Emptied>, StoreError> {
        let mut core = self.inner.write();
        core.check_open()?;
        let mut emptied = Vec::new();
        core.expire_at(now, Some(&mut emptied))?;
        core.commit()?;
        Ok(emptied)
    }
    pub(crate) fn next_expiry(&self) -> Option<i64> {
        self.inner.read().next_expiry()
    }
    pub(crate) fn flush(&self) -> Result<(), StoreError> {
        let mut core = self.inner.write();
        core.check_open()?;
        core.backend.flush()
    }
    pub(crate) fn sync(&self) -> Result<(), StoreError> {
        let mut core = self.inner.write();
        core.check_open()?;
        core.backend.sync()
    }
    pub(crate) fn close(&self) -> Result<(), StoreError> {
        let mut core = self.inner.write();
        if core.closed {
            return Ok(());
        }
        core.closed = true;
        let marker = core.marker();
        core.backend.close(&marker)
    }
    /// Re-applies limits after recovery (limits may have shrunk while down).
    pub(crate) fn enforce_all(&self) -> Result<(), StoreError> {
        let mut core = self.inner.write();
        core.enforce(None)?;
        core.commit()
    }
}

/// Implements [`crate::MessageStore`] for a type wrapping an `Engine` in
/// field `engine`.
macro_rules! forward_message_store {
    ($ty:ty) => {
        impl $crate::MessageStore for $ty {
            fn store(
                &self,
                subject: &[u8],
                headers: &[u8],
                payload: &[u8],
                ttl: Option<std::time::Duration>,
            ) -> Result<(u64, i64), $crate::StoreError> {
                self.engine.store_at(subject, headers, payload, ttl, None)
            }
            fn store_at(
                &self,
                subject: &[u8],
                headers: &[u8],
                payload: &[u8],
                ttl: Option<std::time::Duration>,
                timestamp: i64,
            ) -> Result<(u64, i64), $crate::StoreError> {
                self.engine
                    .store_at(subject, headers, payload, ttl, Some(timestamp))
            }
            fn load(&self, seq: u64) -> Result<$crate::StoredMessage, $crate::StoreError> {
                self.engine.load(seq)
            }
            fn recent_with_headers(
                &self,
                since_nanos: i64,
            ) -> Result<Vec<$crate::StoredMessage>, $crate::StoreError> {
                self.engine.recent_with_headers(since_nanos)
            }
            fn load_next(
                &self,
                filter: &[u8],
                start_seq: u64,
            ) -> Result<$crate::StoredMessage, $crate::StoreError> {
                self.engine.load_next(filter, start_seq)
            }
            fn load_last(
                &self,
                filter: &[u8],
            ) -> Result<$crate::StoredMessage, $crate::StoreError> {
                self.engine.load_last(filter)
            }
            fn remove(&self, seq: u64, secure_erase: bool) -> Result<bool, $crate::StoreError> {
                self.engine.remove(seq, secure_erase)
            }
            fn purge(&self, request: &$crate::PurgeRequest) -> Result<u64, $crate::StoreError> {
                self.engine.purge(request)
            }
            fn skip_to(&self, seq: u64) -> Result<u64, $crate::StoreError> {
                self.engine.skip_to(seq)
            }
            fn skip_msgs(&self, up_to_seq: u64) -> Result<(), $crate::StoreError> {
                self.engine.skip_msgs(up_to_seq)
            }
            fn state(&self, include_deleted: bool) -> $crate::StreamState {
                self.engine.state(include_deleted)
            }
            fn message_size(&self, subject: usize, headers: usize, payload: usize) -> u64 {
                self.engine.message_size(subject, headers, payload)
            }
            fn subjects_state(&self, filter: &[u8]) -> std::collections::BTreeMap<String, u64> {
                self.engine.subjects_state(filter)
            }
            fn num_pending(&self, start_seq: u64, filter: &[u8], last_per_subject: bool) -> u64 {
                self.engine.num_pending(start_seq, filter, last_per_subject)
            }
            fn update_limits(&self, limits: $crate::StoreLimits) -> Result<(), $crate::StoreError> {
                self.engine.update_limits(limits)
            }
            fn limits(&self) -> $crate::StoreLimits {
                self.engine.limits()
            }
            fn expire(&self, now_nanos: i64) -> Result<u64, $crate::StoreError> {
                self.engine.expire(now_nanos)
            }
            fn expire_subjects(
                &self,
                now_nanos: i64,
            ) -> Result<Vec<$crate::Emptied>, $crate::StoreError> {
                self.engine.expire_subjects(now_nanos)
            }
            fn next_expiry(&self) -> Option<i64> {
                self.engine.next_expiry()
            }
            fn flush(&self) -> Result<(), $crate::StoreError> {
                self.engine.flush()
            }
            fn sync(&self) -> Result<(), $crate::StoreError> {
                self.engine.sync()
            }
            fn close(&self) -> Result<(), $crate::StoreError> {
                self.engine.close()
            }
        }
    };
}
pub(crate) use forward_message_store;
