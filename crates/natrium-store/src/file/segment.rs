//! One segment file and its in-memory index.
//!
//! The index of a segment is a plain `Vec<u32>` of record offsets indexed by
//! `seq - first_seq` (4 bytes per message, no hashing), with the top bit
//! flagging a message that is removed but whose record is still on disk.
//! Knowing which dead records are still on disk is what lets compaction
//! decide whether a tombstone elsewhere is still needed.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::StoreError;

/// No message record for this sequence in this segment.
pub(crate) const NONE: u32 = u32::MAX;
/// Flag on an offset: the message is removed, its record still on disk.
pub(crate) const DEAD: u32 = 1 << 31;
/// Segments are rolled before this size so offsets stay below `DEAD`.
pub(crate) const MAX_BLOCK: u64 = 1 << 30;

pub(crate) struct Segment {
    pub id: u64,
    pub path: PathBuf,
    pub file: File,
    /// Sequence of `offsets[0]`.
    pub first_seq: u64,
    pub offsets: Vec<u32>,
    /// Logical length, including bytes still in the write buffer.
    pub len: u64,
    /// Bytes already handed to the OS.
    pub written: u64,
    pub live: u64,
    pub live_bytes: u64,
    /// Sequences of the tombstone records in this file.
    pub tombstones: Vec<u64>,
    /// Largest `first_seq` of the marker records in this file.
    pub max_marker: u64,
}

pub(crate) fn segment_path(dir: &Path, id: u64) -> PathBuf {
    dir.join(format!("{id:06}.blk"))
}

impl Segment {
    pub fn open(dir: &Path, id: u64, first_seq: u64, create: bool) -> Result<Self, StoreError> {
        let path = segment_path(dir, id);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(create)
            .truncate(false)
            .open(&path)
            .map_err(|e| StoreError::io(&path, e))?;
        Ok(Segment {
            id,
            path,
            file,
            first_seq,
            offsets: Vec::new(),
            len: 0,
            written: 0,
            live: 0,
            live_bytes: 0,
            tombstones: Vec::new(),
            max_marker: 0,
        })
    }

    fn slot(&self, seq: u64) -> Option<usize> {
        let i = usize::try_from(seq.checked_sub(self.first_seq)?).ok()?;
        (i < self.offsets.len()).then_some(i)
    }

    /// Offset of the message record for `seq`, live or dead.
    pub fn offset(&self, seq: u64) -> Option<u64> {
        let o = self.offsets[self.slot(seq)?];
        (o != NONE).then_some((o & !DEAD) as u64)
    }

    pub fn has_record(&self, seq: u64) -> bool {
        self.offset(seq).is_some()
    }

    /// Smallest sequence with a message record on disk.
    pub fn first_record(&self) -> Option<u64> {
        let i = self.offsets.iter().position(|&o| o != NONE)?;
        Some(self.first_seq + i as u64)
    }

    pub fn add_msg(&mut self, seq: u64, offset: u64, rec_len: u64, live: bool) {
        if self.offsets.is_empty() {
            // Start the index at the first message, whatever the file's
            // nominal first sequence was.
            self.first_seq = seq;
        }
        let i = (seq - self.first_seq) as usize;
        if self.offsets.len() < i {
            self.offsets.resize(i, NONE);
        }
        let flag = if live { 0 } else { DEAD };
        self.offsets.push(offset as u32 | flag);
        if live {
            self.live += 1;
            self.live_bytes += rec_len;
        }
    }

    /// Marks a live message removed; `erased` also forgets its record.
    pub fn kill(&mut self, seq: u64, rec_len: u64, erased: bool) {
        if let Some(i) = self.slot(seq) {
            if self.offsets[i] == NONE {
                return;
            }
            if self.offsets[i] & DEAD == 0 {
                self.live -= 1;
                self.live_bytes -= rec_len;
            }
            self.offsets[i] = if erased { NONE } else { self.offsets[i] | DEAD };
        }
    }

    /// Whether at least half the file is dead records.
    pub fn mostly_dead(&self) -> bool {
        self.live == 0 || self.len.saturating_sub(self.live_bytes) * 2 > self.len
    }

    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), StoreError> {
        self.file
            .read_exact_at(buf, offset)
            .map_err(|e| StoreError::io(&self.path, e))
    }

    pub fn write_at(&self, buf: &[u8], offset: u64) -> Result<(), StoreError> {
        self.file
            .write_all_at(buf, offset)
            .map_err(|e| StoreError::io(&self.path, e))
    }

    pub fn sync(&self) -> Result<(), StoreError> {
        self.file
            .sync_data()
            .map_err(|e| StoreError::io(&self.path, e))
    }
}

/// Makes a directory's entries (new, renamed or removed files) durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io(dir, e))
}
