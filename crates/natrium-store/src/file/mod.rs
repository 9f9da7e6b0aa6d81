//! The file store: the shared engine over a segmented append-only log.
//!
//! Layout: `<dir>/msgs/000001.blk`, `000002.blk`, ... Each segment is a
//! magic header and checksummed records (see [`record`]): messages,
//! tombstones for removed messages, and markers carrying the stream bounds.
//! Every new segment starts with a marker, so the sequence numbering
//! survives even when every message record has been reclaimed.
//!
//! Writes go to an in-memory buffer of the newest ("active") segment and
//! reach the OS at the end of each operation (or once `write_buffer` bytes
//! pile up). Loads of a record still in the buffer read it from there, so a
//! process always reads its own writes.
//!
//! # Durability
//!
//! * [`SyncPolicy::Always`]: every operation is written and `fdatasync`ed
//!   before it returns. An acknowledged message survives a process kill and
//!   an OS crash or power loss.
//! * [`SyncPolicy::Interval`]: each operation is handed to the OS before it
//!   returns (with the default `write_buffer` of 0), so it survives the
//!   process being killed, but it reaches stable storage only when the owner
//!   calls [`MessageStore::sync`](crate::MessageStore::sync), which it should
//!   do every interval. An OS crash or power loss can lose acknowledged
//!   writes of the last interval: this is nats-server's default trade-off,
//!   and the Jepsen analysis of NATS 2.12.1 showed it losing acknowledged
//!   messages that way. Choose `Always` when that matters more than
//!   throughput.
//!
//! # Space reclamation
//!
//! Removing a message appends a tombstone; the record itself stays until its
//! segment is reclaimed. A segment other than the active one that has no
//! live message is deleted, or rewritten when at least half of it is dead
//! (live records copied raw, into a temp file that is synced and renamed
//! over the original). Tombstones and markers are carried into the rewrite
//! only while a record they cancel still exists in another file.

mod record;
mod recovery;
mod segment;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;

use crate::core::{forward_message_store, Backend, Core, Engine, EntryMeta, Marker, RemoveMode};
use crate::{StoreError, StoreLimits};
use record::{encode_marker, encode_msg, encode_tombstone, parse, Parsed, Record, MAGIC};
pub use recovery::{Damage, RecoveryReport};
use segment::{segment_path, sync_dir, Segment, DEAD, MAX_BLOCK, NONE};

/// When acknowledged writes reach stable storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncPolicy {
    /// `fdatasync` before every operation returns.
    Always,
    /// The owner calls `sync()` about this often (nats-server's default is
    /// two minutes).
    Interval(Duration),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStoreOptions {
    pub sync: SyncPolicy,
    /// Segment size at which a new segment is started (capped at 1 GiB).
    pub block_size: u64,
    /// Bytes buffered before a write syscall under `Interval`; 0 writes each
    /// operation through to the OS so a process crash loses nothing.
    pub write_buffer: usize,
    /// Compress message bodies (a stream's `compression: s2`).
    pub compress: bool,
}

impl Default for FileStoreOptions {
    fn default() -> Self {
        FileStoreOptions {
            sync: SyncPolicy::Interval(Duration::from_secs(120)),
            block_size: 8 << 20,
            write_buffer: 0,
            compress: false,
        }
    }
}

pub(crate) struct FileBackend {
    dir: PathBuf,
    opts: FileStoreOptions,
    /// Ascending by id and by sequence; the last one is active.
    segs: Vec<Segment>,
    /// Bytes of the active segment not yet handed to the OS.
    pending: Vec<u8>,
    /// Written to the OS since the last fdatasync of the active segment.
    unsynced: bool,
    /// Earlier segments written since their last sync, and whether new
    /// files were created since the directory was last synced (`Interval`
    /// defers both to the next sync instead of paying for them on rollover).
    unsynced_segments: Vec<u64>,
    unsynced_dir: bool,
    /// Ids of segments that may be reclaimable.
    candidates: BTreeSet<u64>,
}

impl FileBackend {
    /// Index of the segment that would hold `seq`.
    fn find(&self, seq: u64) -> Option<usize> {
        self.segs
            .partition_point(|s| s.first_seq <= seq)
            .checked_sub(1)
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let Some(active) = self.segs.last_mut() else {
            return Ok(());
        };
        active.write_at(&self.pending, active.written)?;
        active.written += self.pending.len() as u64;
        self.pending.clear();
        self.unsynced = true;
        Ok(())
    }

    fn sync_active(&mut self) -> Result<(), StoreError> {
        self.flush()?;
        for id in std::mem::take(&mut self.unsynced_segments) {
            // A segment reclaimed meanwhile is gone (nothing to sync).
            if let Some(seg) = self.segs.iter().find(|s| s.id == id) {
                seg.sync()?;
            }
        }
        if std::mem::take(&mut self.unsynced_dir) {
            sync_dir(&self.dir)?;
        }
        if self.unsynced {
            if let Some(active) = self.segs.last() {
                active.sync()?;
            }
            self.unsynced = false;
        }
        Ok(())
    }

    /// Makes sure there is an active segment with room, starting a new one
    /// (beginning with a marker of the current bounds) when needed.
    fn ensure_active(&mut self, marker: &Marker) -> Result<(), StoreError> {
        let block = self.opts.block_size.clamp(4096, MAX_BLOCK);
        if self.segs.last().is_some_and(|s| s.len < block) {
            return Ok(());
        }
        if self.opts.sync == SyncPolicy::Always {
            self.sync_active()?;
        } else {
            // Handed to the OS now, made durable by the next sync.
            self.flush()?;
            if std::mem::take(&mut self.unsynced) {
                if let Some(old) = self.segs.last() {
                    self.unsynced_segments.push(old.id);
                }
            }
        }
        if let Some(old) = self.segs.last_mut() {
            self.candidates.insert(old.id);
            // Full: its index of offsets grows no more.
            old.offsets.shrink_to_fit();
        }
        let id = self.segs.last().map_or(1, |s| s.id + 1);
        let mut seg = Segment::open(&self.dir, id, marker.last_seq + 1, true)?;
        self.pending.extend_from_slice(MAGIC);
        encode_marker(&mut self.pending, marker);
        seg.len = self.pending.len() as u64;
        seg.max_marker = marker.first_seq;
        self.segs.push(seg);
        self.flush()?;
        // The new file's directory entry must be durable before anything
        // in it is acknowledged: at once with `Always`, else at the next sync.
        if self.opts.sync == SyncPolicy::Always {
            sync_dir(&self.dir)?;
        } else {
            self.unsynced_dir = true;
        }
        Ok(())
    }

    fn append_record(&mut self, encode: impl FnOnce(&mut Vec<u8>) -> usize) -> (usize, u64) {
        let len = encode(&mut self.pending);
        let idx = self.segs.len() - 1;
        let seg = &mut self.segs[idx];
        let off = seg.len;
        seg.len += len as u64;
        (idx, off)
    }

    /// Overwrites the message record of `seq` with an erased record.
    fn erase(&mut self, idx: usize, seq: u64, rec_len: usize) -> Result<(), StoreError> {
        let active = idx + 1 == self.segs.len();
        let seg = &self.segs[idx];
        let Some(off) = seg.offset(seq) else {
            return Ok(());
        };
        if active && off >= seg.written {
            let start = (off - seg.written) as usize;
            if let Some(rec) = self.pending.get_mut(start..start + rec_len) {
                record::erase(rec);
            }
            return Ok(());
        }
        let mut rec = vec![0; rec_len];
        seg.read_at(&mut rec, off)?;
        record::erase(&mut rec);
        seg.write_at(&rec, off)?;
        seg.sync()
    }

    fn reclaim(&mut self, marker: &Marker) -> Result<(), StoreError> {
        if self.candidates.is_empty() {
            return Ok(());
        }
        let last = self.segs.last().map(|s| s.id);
        let due: Vec<u64> = std::mem::take(&mut self.candidates)
            .into_iter()
            .filter(|&id| {
                Some(id) != last
                    && self
                        .segs
                        .iter()
                        .find(|s| s.id == id)
                        .is_some_and(|s| s.mostly_dead())
            })
            .collect();
        if due.is_empty() {
            // Nothing to reclaim: no reason to sync (a rollover lands here).
            return Ok(());
        }
        // Removal records must be durable before the data they cancel goes.
        self.sync_active()?;
        for id in due {
            if let Some(idx) = self.segs.iter().position(|s| s.id == id) {
                if idx + 1 != self.segs.len() {
                    self.compact_segment(idx, marker)?;
                }
            }
        }
        Ok(())
    }

    /// Deletes or rewrites segment `idx` keeping only what is still needed.
    fn compact_segment(&mut self, idx: usize, marker: &Marker) -> Result<(), StoreError> {
        let seg = &self.segs[idx];
        let tombs: Vec<u64> = seg
            .tombstones
            .iter()
            .copied()
            .filter(|&t| {
                self.find(t)
                    .is_some_and(|j| j != idx && self.segs[j].has_record(t))
            })
            .collect();
        let others_marker = self
            .segs
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != idx)
            .map(|(_, s)| s.max_marker)
            .max()
            .unwrap_or(0);
        let marker_needed = seg.max_marker > others_marker
            && self
                .segs
                .iter()
                .enumerate()
                .any(|(j, s)| j != idx && s.first_record().is_some_and(|f| f < seg.max_marker));
        if seg.live == 0 && tombs.is_empty() && !marker_needed {
            let path = seg.path.clone();
            std::fs::remove_file(&path).map_err(|e| StoreError::io(&path, e))?;
            self.segs.remove(idx);
            return sync_dir(&self.dir);
        }
        let mut old = vec![0; seg.written as usize];
        seg.read_at(&mut old, 0)?;
        let mut out = Vec::with_capacity(seg.live_bytes as usize + 64);
        out.extend_from_slice(MAGIC);
        encode_marker(&mut out, marker);
        let mut offsets = vec![NONE; seg.offsets.len()];
        for (i, &o) in seg.offsets.iter().enumerate() {
            if o == NONE || o & DEAD != 0 {
                continue;
            }
            let at = o as usize;
            let Parsed::Ok(Record::Msg(_), len) = parse(old.get(at..).unwrap_or_default()) else {
                return Err(StoreError::Corrupt {
                    path: seg.path.display().to_string(),
                    offset: at as u64,
                    reason: "live record unreadable during compaction".into(),
                });
            };
            offsets[i] = out.len() as u32;
            out.extend_from_slice(&old[at..at + len]);
        }
        for &t in &tombs {
            encode_tombstone(&mut out, t);
        }
        let tmp = seg.path.with_extension("tmp");
        std::fs::write(&tmp, &out).map_err(|e| StoreError::io(&tmp, e))?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| StoreError::io(&tmp, e))?;
        std::fs::rename(&tmp, &seg.path).map_err(|e| StoreError::io(&tmp, e))?;
        sync_dir(&self.dir)?;
        let (id, first_seq) = (seg.id, seg.first_seq);
        let mut fresh = Segment::open(&self.dir, id, first_seq, false)?;
        let seg = &self.segs[idx];
        fresh.offsets = offsets;
        fresh.len = out.len() as u64;
        fresh.written = fresh.len;
        fresh.live = seg.live;
        fresh.live_bytes = seg.live_bytes;
        fresh.tombstones = tombs;
        fresh.max_marker = marker.first_seq;
        self.segs[idx] = fresh;
        Ok(())
    }
}

impl Backend for FileBackend {
    /// Length of the message's record.
    type Loc = u32;

    fn message_size(subject: usize, headers: usize, payload: usize) -> u64 {
        crate::limits::message_size(subject, headers, payload)
    }

    fn append(
        &mut self,
        seq: u64,
        ts: i64,
        expiry: i64,
        subject: &[u8],
        headers: &[u8],
        payload: &[u8],
        marker: &Marker,
    ) -> Result<u32, StoreError> {
        if record::max_msg_len(subject.len(), headers.len(), payload.len()) > u32::MAX as usize / 2
        {
            return Err(StoreError::MaxMsgSize);
        }
        self.ensure_active(marker)?;
        let compress = self.opts.compress;
        let (idx, off) = self.append_record(|buf| {
            encode_msg(buf, seq, ts, expiry, subject, headers, payload, compress)
        });
        let len = self.segs[idx].len - off;
        self.segs[idx].add_msg(seq, off, len, true);
        Ok(len as u32)
    }

    fn read(&self, seq: u64, loc: &u32) -> Result<(Bytes, Bytes), StoreError> {
        let corrupt = |path: &Path, offset, reason: &str| StoreError::Corrupt {
            path: path.display().to_string(),
            offset,
            reason: reason.into(),
        };
        let idx = self.find(seq).ok_or(StoreError::NotFound)?;
        let seg = &self.segs[idx];
        let off = seg.offset(seq).ok_or(StoreError::NotFound)?;
        let len = *loc as usize;
        let mut buf = vec![0; len];
        if idx + 1 == self.segs.len() && off >= seg.written {
            let start = (off - seg.written) as usize;
            let src = self
                .pending
                .get(start..start + len)
                .ok_or_else(|| corrupt(&seg.path, off, "record beyond write buffer"))?;
            buf.copy_from_slice(src);
        } else {
            seg.read_at(&mut buf, off)?;
        }
        match parse(&buf) {
            Parsed::Ok(Record::Msg(v), n) if n == len && v.seq == seq => {
                if v.compressed.is_some() {
                    let (headers, payload) = v.body(&buf).ok_or_else(|| {
                        corrupt(&seg.path, off, "compressed block does not expand")
                    })?;
                    return Ok((Bytes::from(headers), Bytes::from(payload)));
                }
                let buf = Bytes::from(buf);
                Ok((buf.slice(v.headers), buf.slice(v.payload)))
            }
            _ => Err(corrupt(&seg.path, off, "record does not verify")),
        }
    }

    fn remove(
        &mut self,
        seq: u64,
        loc: &u32,
        mode: RemoveMode,
        marker: &Marker,
    ) -> Result<(), StoreError> {
        if mode == RemoveMode::Tombstone {
            self.ensure_active(marker)?;
            let (idx, _) = self.append_record(|buf| encode_tombstone(buf, seq));
            self.segs[idx].tombstones.push(seq);
        }
        let Some(idx) = self.find(seq) else {
            return Ok(());
        };
        if mode == RemoveMode::Erase {
            self.erase(idx, seq, *loc as usize)?;
        }
        let is_active = idx + 1 == self.segs.len();
        let seg = &mut self.segs[idx];
        seg.kill(seq, *loc as u64, mode == RemoveMode::Erase);
        if seg.mostly_dead() && !is_active {
            self.candidates.insert(seg.id);
        }
        Ok(())
    }

    fn truncate_front(&mut self, marker: &Marker) -> Result<(), StoreError> {
        self.ensure_active(marker)?;
        let (idx, _) = self.append_record(|buf| encode_marker(buf, marker));
        let seg = &mut self.segs[idx];
        seg.max_marker = seg.max_marker.max(marker.first_seq);
        Ok(())
    }

    fn commit(&mut self, marker: &Marker) -> Result<(), StoreError> {
        match self.opts.sync {
            SyncPolicy::Always => self.sync_active()?,
            SyncPolicy::Interval(_) if self.pending.len() >= self.opts.write_buffer => {
                self.flush()?
            }
            SyncPolicy::Interval(_) => {}
        }
        self.reclaim(marker)
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        FileBackend::flush(self)
    }

    fn sync(&mut self) -> Result<(), StoreError> {
        self.sync_active()
    }

    fn close(&mut self, marker: &Marker) -> Result<(), StoreError> {
        self.candidates.extend(self.segs.iter().map(|s| s.id));
        self.reclaim(marker)?;
        // Durable as the policy says, no more: under a sync interval what
        // was written since the last sync is handed to the OS (it survives
        // the process) but not fsynced, as nats-server closes its blocks.
        // Fsyncing everything written since then made a stop right after
        // heavy writes take as long as writing it to disk.
        match self.opts.sync {
            SyncPolicy::Always => self.sync_active(),
            SyncPolicy::Interval(_) => self.flush(),
        }
    }
}

/// A stream store persisted as a segmented log in one directory.
pub struct FileStore {
    engine: Engine<FileBackend>,
    dir: PathBuf,
}

impl FileStore {
    /// Opens (or creates) the store in `dir`, recovering what is on disk.
    ///
    /// Damaged tails are cut away and reported, never a reason to fail;
    /// errors are I/O errors only. Limits are applied to what was recovered.
    pub fn open(
        dir: impl AsRef<Path>,
        opts: FileStoreOptions,
        limits: StoreLimits,
    ) -> Result<(FileStore, RecoveryReport), StoreError> {
        let dir = dir.as_ref().to_path_buf();
        let msgs = dir.join("msgs");
        std::fs::create_dir_all(&msgs).map_err(|e| StoreError::io(&msgs, e))?;
        let scanned = recovery::scan_dir(&msgs)?;
        let mut segs = scanned.segs;
        // Only the last segment is written to: the others' indexes are final.
        let sealed = segs.len().saturating_sub(1);
        for seg in &mut segs[..sealed] {
            seg.offsets.shrink_to_fit();
        }
        let mut backend = FileBackend {
            dir: msgs,
            opts,
            segs,
            pending: Vec::new(),
            unsynced: false,
            unsynced_segments: Vec::new(),
            unsynced_dir: false,
            candidates: BTreeSet::new(),
        };
        // Everything but the active segment gets a reclamation check.
        backend.candidates.extend(backend.segs.iter().map(|s| s.id));
        let mut core = Core::new(backend, limits);
        for f in scanned.live {
            let subject = &scanned.subjects[f.subject as usize];
            let meta = EntryMeta {
                seq: f.seq,
                ts: f.ts,
                expiry: f.expiry,
                size: f.size,
                has_headers: f.has_headers,
            };
            core.recover_message(meta, subject, f.rec_len);
        }
        core.recover_bounds(scanned.last_seq, scanned.last_ts);
        let engine = Engine::new(core);
        engine.enforce_all()?;
        Ok((FileStore { engine, dir }, scanned.report))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Paths of the segment files currently in use, oldest first.
    pub fn segment_files(&self) -> Vec<PathBuf> {
        let core = self.engine.inner.read();
        core.backend
            .segs
            .iter()
            .map(|s| segment_path(&core.backend.dir, s.id))
            .collect()
    }
}

impl Drop for FileStore {
    fn drop(&mut self) {
        // Best effort: an error here has no one to report to, and every
        // acknowledged write was already handed to the OS.
        let _ = self.engine.close();
    }
}

forward_message_store!(FileStore);
