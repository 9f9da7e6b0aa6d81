//! Rebuilding the index from segment files at open.
//!
//! Every segment is read front to back and every record verified. What is
//! intact is kept; the first record that is torn (the file ends inside it)
//! or garbled (checksum or body wrong) ends the segment there: the file is
//! truncated and the loss reported in a [`RecoveryReport`]. A garbled record
//! that is followed by an intact one (an in-place erase torn by a crash, bit
//! rot) is stepped over instead, so one bad record never costs the records
//! after it. Opening never fails because of damaged contents, only on I/O
//! errors.
//!
//! Liveness is decided after all files are read, because a message's
//! tombstone or a purge marker may sit in a later segment.

use std::collections::HashSet;
use std::io::Read;

use hashbrown::HashMap;
use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::record::{parse, Parsed, Record, MAGIC};
use super::segment::{segment_path, Segment};
use crate::limits::message_size;
use crate::StoreError;

/// Damage found and cut away in one segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    pub segment: PathBuf,
    /// Where the damage starts in the file.
    pub offset: u64,
    pub dropped_bytes: u64,
    /// Records lost; a torn tail counts as one.
    pub dropped_records: u64,
    pub reason: String,
}

/// What [`FileStore::open`](super::FileStore::open) found on disk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    pub segments: usize,
    /// Live messages recovered.
    pub messages: u64,
    pub damage: Vec<Damage>,
}

impl RecoveryReport {
    pub fn is_clean(&self) -> bool {
        self.damage.is_empty()
    }
    pub fn dropped_bytes(&self) -> u64 {
        self.damage.iter().map(|d| d.dropped_bytes).sum()
    }
    pub fn dropped_records(&self) -> u64 {
        self.damage.iter().map(|d| d.dropped_records).sum()
    }
}

/// A message record found on disk.
pub(crate) struct Found {
    pub seq: u64,
    pub ts: i64,
    pub expiry: i64,
    pub size: u64,
    pub rec_len: u32,
    pub has_headers: bool,
    pub subject: u32,
    pub seg: usize,
}

pub(crate) struct Scanned {
    pub segs: Vec<Segment>,
    /// Live messages, ascending.
    pub live: Vec<Found>,
    pub subjects: Vec<Bytes>,
    pub last_seq: u64,
    pub last_ts: i64,
    pub report: RecoveryReport,
}

#[derive(Default)]
struct Acc {
    found: Vec<Found>,
    subjects: Vec<Bytes>,
    subject_ids: HashMap<Bytes, u32>,
    gone: HashSet<u64>,
    max_marker: u64,
    max_msg_seq: u64,
    /// (seq, ts) of the newest message or marker seen.
    last: (u64, i64),
    last_seq: u64,
}

pub(crate) fn scan_dir(dir: &Path) -> Result<Scanned, StoreError> {
    let mut ids = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| StoreError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io(dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".tmp") {
            // A compaction that never got renamed into place: the original
            // file is still authoritative.
            let _ = std::fs::remove_file(entry.path());
        } else if let Some(id) = name
            .strip_suffix(".blk")
            .and_then(|s| s.parse::<u64>().ok())
        {
            ids.push(id);
        }
    }
    ids.sort_unstable();

    let mut acc = Acc::default();
    let mut report = RecoveryReport::default();
    let mut segs: Vec<Segment> = Vec::new();
    // One buffer for every segment: reusing it spares faulting in fresh
    // pages for each file, which costs more than reading it.
    let mut buf = Vec::new();
    for id in ids {
        let path = segment_path(dir, id);
        buf.clear();
        std::fs::File::open(&path)
            .and_then(|mut file| file.read_to_end(&mut buf))
            .map_err(|e| StoreError::io(&path, e))?;
        let buf = &buf[..];
        if buf.len() < MAGIC.len() || &buf[..MAGIC.len()] != MAGIC {
            // A file torn at creation (short) is dropped; anything else that
            // is not ours is set aside, never deleted.
            let reason = if buf.len() < MAGIC.len() {
                std::fs::remove_file(&path).map_err(|e| StoreError::io(&path, e))?;
                "segment shorter than its header"
            } else {
                let aside = path.with_extension("blk.corrupt");
                std::fs::rename(&path, &aside).map_err(|e| StoreError::io(&path, e))?;
                "bad segment header; file renamed to .corrupt"
            };
            if !buf.is_empty() {
                report.damage.push(Damage {
                    segment: path,
                    offset: 0,
                    dropped_bytes: buf.len() as u64,
                    dropped_records: 0,
                    reason: reason.into(),
                });
            }
            continue;
        }
        let nominal_first = acc.max_msg_seq.max(acc.last_seq) + 1;
        let mut seg = Segment::open(dir, id, nominal_first, false)?;
        let index = segs.len();
        let valid = scan_segment(&mut seg, buf, index, &mut acc, &mut report);
        if valid < buf.len() as u64 {
            seg.file
                .set_len(valid)
                .and_then(|_| seg.file.sync_all())
                .map_err(|e| StoreError::io(&path, e))?;
        }
        seg.len = valid;
        seg.written = valid;
        segs.push(seg);
    }

    let mut live = Vec::with_capacity(acc.found.len());
    for f in acc.found {
        if f.seq >= acc.max_marker && !acc.gone.contains(&f.seq) {
            live.push(f);
        } else {
            segs[f.seg].kill(f.seq, f.rec_len as u64, false);
        }
    }
    report.segments = segs.len();
    report.messages = live.len() as u64;
    Ok(Scanned {
        segs,
        live,
        subjects: acc.subjects,
        last_seq: acc
            .last_seq
            .max(acc.last.0)
            .max(acc.max_marker.saturating_sub(1)),
        last_ts: acc.last.1,
        report,
    })
}

/// Indexes one segment's records; returns the length of its valid prefix.
fn scan_segment(
    seg: &mut Segment,
    buf: &[u8],
    index: usize,
    acc: &mut Acc,
    report: &mut RecoveryReport,
) -> u64 {
    let mut off = MAGIC.len();
    loop {
        let (record, len) = match parse(&buf[off..]) {
            Parsed::Ok(record, len) => (record, len),
            Parsed::End => return off as u64,
            Parsed::Torn => {
                report
                    .damage
                    .push(damage(seg, off, buf.len() - off, 1, "torn record at end"));
                return off as u64;
            }
            Parsed::Bad(len, reason) => {
                let next = len.map(|l| off + l).filter(|&n| n < buf.len());
                if let Some(next) = next.filter(|&n| matches!(parse(&buf[n..]), Parsed::Ok(..))) {
                    report.damage.push(damage(seg, off, next - off, 1, reason));
                    off = next;
                    continue;
                }
                report
                    .damage
                    .push(damage(seg, off, buf.len() - off, 1, reason));
                return off as u64;
            }
        };
        match record {
            Record::Msg(v) if v.seq > acc.max_msg_seq => {
                let rec = &buf[off..off + len];
                let subject = &rec[v.subject.clone()];
                // Look up before copying: most records repeat a known subject.
                let sid = match acc.subject_ids.get(subject) {
                    Some(&sid) => sid,
                    None => {
                        let sid = acc.subjects.len() as u32;
                        let subject = Bytes::copy_from_slice(subject);
                        acc.subject_ids.insert(subject.clone(), sid);
                        acc.subjects.push(subject);
                        sid
                    }
                };
                acc.max_msg_seq = v.seq;
                if v.seq >= acc.last.0 {
                    acc.last = (v.seq, v.ts);
                }
                seg.add_msg(v.seq, off as u64, len as u64, true);
                acc.found.push(Found {
                    seq: v.seq,
                    ts: v.ts,
                    expiry: v.expiry,
                    size: message_size(v.subject.len(), v.header_len(), v.payload_len()),
                    rec_len: len as u32,
                    has_headers: v.header_len() > 0,
                    subject: sid,
                    seg: index,
                });
            }
            Record::Msg(_) => {
                report.damage.push(damage(
                    seg,
                    off,
                    len,
                    1,
                    "message sequence out of order; skipped",
                ));
            }
            Record::Tombstone(seq) => {
                seg.tombstones.push(seq);
                acc.gone.insert(seq);
                acc.last_seq = acc.last_seq.max(seq);
            }
            Record::Erased(seq) => {
                acc.gone.insert(seq);
                acc.max_msg_seq = acc.max_msg_seq.max(seq);
                acc.last_seq = acc.last_seq.max(seq);
            }
            Record::Marker(m) => {
                seg.max_marker = seg.max_marker.max(m.first_seq);
                acc.max_marker = acc.max_marker.max(m.first_seq);
                if m.last_seq > acc.last.0 {
                    acc.last = (m.last_seq, m.last_ts);
                }
            }
        }
        off += len;
    }
}

fn damage(seg: &Segment, off: usize, bytes: usize, records: u64, reason: &str) -> Damage {
    Damage {
        segment: seg.path.clone(),
        offset: off as u64,
        dropped_bytes: bytes as u64,
        dropped_records: records,
        reason: reason.into(),
    }
}
