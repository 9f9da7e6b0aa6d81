//! File-store-only behaviour: restarts, damaged files, erasure, reclamation.

use std::path::{Path, PathBuf};
use std::time::Duration;

use natrium_store::{
    FileStore, FileStoreOptions, MessageStore, PurgeRequest, RecoveryReport, StoreError,
    StoreLimits, StoredMessage, StreamState, SyncPolicy,
};

fn opts(block_size: u64) -> FileStoreOptions {
    FileStoreOptions {
        sync: SyncPolicy::Interval(Duration::from_secs(60)),
        block_size,
        write_buffer: 0,
        compress: false,
    }
}

fn open(dir: &Path, block_size: u64) -> (FileStore, RecoveryReport) {
    FileStore::open(dir, opts(block_size), StoreLimits::default()).expect("open")
}

/// Everything observable: state with deletes and every sequence's outcome.
fn snapshot(s: &FileStore) -> (StreamState, Vec<Result<StoredMessage, String>>) {
    let st = s.state(true);
    let msgs = (1..=st.last_seq + 1)
        .map(|seq| s.load(seq).map_err(|e| e.to_string()))
        .collect();
    (st, msgs)
}

fn payload(i: u64) -> Vec<u8> {
    format!("payload-{i:06}-")
        .into_bytes()
        .repeat(1 + (i % 5) as usize)
}

fn fill(s: &FileStore, n: u64) {
    for i in 1..=n {
        let hdr: &[u8] = if i % 3 == 0 {
            b"NATS/1.0\r\nX: y\r\n\r\n"
        } else {
            b""
        };
        let subject = format!("f.{}", i % 4);
        assert_eq!(
            s.store(subject.as_bytes(), hdr, &payload(i), None)
                .unwrap()
                .0,
            i
        );
    }
}

fn last_segment(s: &FileStore) -> PathBuf {
    s.segment_files().pop().expect("a segment")
}

#[test]
fn restart_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let before = {
        let (s, _) = open(dir.path(), 4096);
        fill(&s, 300);
        s.store(b"ttl.x", b"", b"t", Some(Duration::from_secs(3600)))
            .unwrap();
        for seq in [1, 2, 50, 51, 52, 299] {
            assert!(s.remove(seq, false).unwrap());
        }
        assert!(s.remove(77, true).unwrap());
        let req = PurgeRequest {
            filter: Some("f.1".into()),
            up_to_seq: Some(150),
            ..Default::default()
        };
        assert!(s.purge(&req).unwrap() > 0);
        s.sync().unwrap();
        (snapshot(&s), s.next_expiry())
    };
    let (s, report) = open(dir.path(), 4096);
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(report.messages, before.0 .0.msgs);
    assert_eq!(snapshot(&s), before.0);
    assert_eq!(s.next_expiry(), before.1);
    assert_eq!(s.store(b"f.0", b"", b"next", None).unwrap().0, 302);
    drop(s);
    let (s, _) = open(dir.path(), 4096);
    assert_eq!(&s.load(302).unwrap().payload[..], b"next");
}

#[test]
fn restart_after_purge_and_skip_keeps_bounds() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (s, _) = open(dir.path(), 4096);
        fill(&s, 100);
        s.purge(&PurgeRequest::default()).unwrap();
    }
    let (s, _) = open(dir.path(), 4096);
    let st = s.state(false);
    assert_eq!((st.msgs, st.first_seq, st.last_seq), (0, 101, 100));
    s.skip_to(1000).unwrap();
    drop(s);
    let (s, _) = open(dir.path(), 4096);
    let st = s.state(false);
    assert_eq!((st.msgs, st.first_seq, st.last_seq), (0, 1000, 999));
    assert_eq!(s.store(b"a", b"", b"x", None).unwrap().0, 1000);
}

#[test]
fn torn_tail_is_cut_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (seg, before) = {
        let (s, _) = open(dir.path(), 1 << 20);
        fill(&s, 50);
        (last_segment(&s), snapshot(&s))
    };
    let len = std::fs::metadata(&seg).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&seg).unwrap();
    f.set_len(len - 7).unwrap();
    drop(f);
    let (s, report) = open(dir.path(), 1 << 20);
    assert_eq!(report.dropped_records(), 1);
    assert!(report.dropped_bytes() > 0 && report.dropped_bytes() < 200);
    assert_eq!(report.damage[0].segment, seg);
    let st = s.state(false);
    assert_eq!((st.msgs, st.last_seq), (49, 49));
    for seq in 1..=49 {
        assert_eq!(Ok(s.load(seq).unwrap()), before.1[seq as usize - 1]);
    }
    // The file was cut back to its intact prefix; appending continues.
    assert_eq!(s.store(b"a", b"", b"x", None).unwrap().0, 50);
    drop(s);
    let (s, report) = open(dir.path(), 1 << 20);
    assert!(report.is_clean());
    assert_eq!(s.state(false).msgs, 50);
}

#[test]
fn garbled_tail_is_cut_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (seg, before) = {
        let (s, _) = open(dir.path(), 1 << 20);
        fill(&s, 30);
        (last_segment(&s), snapshot(&s))
    };
    let mut bytes = std::fs::read(&seg).unwrap();
    let n = bytes.len();
    bytes[n - 3] ^= 0x5a;
    bytes[n - 4] ^= 0xa5;
    std::fs::write(&seg, &bytes).unwrap();
    let (s, report) = open(dir.path(), 1 << 20);
    assert_eq!(report.dropped_records(), 1);
    assert!(report.damage[0].reason.contains("checksum"));
    assert_eq!(s.state(false).last_seq, 29);
    for seq in 1..=29 {
        assert_eq!(Ok(s.load(seq).unwrap()), before.1[seq as usize - 1]);
    }
}

#[test]
fn garbled_middle_record_costs_only_itself() {
    let dir = tempfile::tempdir().unwrap();
    let (seg, before) = {
        let (s, _) = open(dir.path(), 1 << 20);
        fill(&s, 30);
        (last_segment(&s), snapshot(&s))
    };
    let mut bytes = std::fs::read(&seg).unwrap();
    let at = bytes
        .windows(14)
        .position(|w| w == b"payload-000010")
        .unwrap();
    bytes[at + 3] ^= 0xff;
    std::fs::write(&seg, &bytes).unwrap();
    let (s, report) = open(dir.path(), 1 << 20);
    assert_eq!(report.dropped_records(), 1);
    assert_eq!(s.state(false).msgs, 29);
    assert!(s.load(10).is_err());
    for seq in (1..=30).filter(|&s| s != 10) {
        assert_eq!(Ok(s.load(seq).unwrap()), before.1[seq as usize - 1]);
    }
}

#[test]
fn garbage_segment_never_blocks_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (s, _) = open(dir.path(), 1 << 20);
        fill(&s, 5);
    }
    let msgs = dir.path().join("msgs");
    std::fs::write(msgs.join("000009.blk"), b"definitely not a segment").unwrap();
    std::fs::write(msgs.join("000010.blk"), b"NAT").unwrap();
    let (s, report) = open(dir.path(), 1 << 20);
    assert_eq!(report.damage.len(), 2);
    assert_eq!(s.state(false).msgs, 5);
    assert_eq!(s.store(b"a", b"", b"x", None).unwrap().0, 6);
}

fn file_contains(path: &Path, needle: &[u8]) -> bool {
    std::fs::read(path)
        .map(|b| b.windows(needle.len()).any(|w| w == needle))
        .unwrap_or(false)
}

#[test]
fn secure_erase_overwrites_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = open(dir.path(), 1 << 20);
    fill(&s, 5);
    let secret = b"TOP-SECRET-PAYLOAD-0xC0FFEE";
    let (seq, _) = s.store(b"s", b"", secret, None).unwrap();
    fill_more(&s, 5);
    s.sync().unwrap();
    let seg = last_segment(&s);
    assert!(file_contains(&seg, secret));
    assert!(s.remove(seq, true).unwrap());
    s.sync().unwrap();
    assert!(!file_contains(&seg, secret));
    assert!(matches!(s.load(seq), Err(StoreError::Deleted)));
    drop(s);
    let (s, report) = open(dir.path(), 1 << 20);
    assert!(report.is_clean());
    assert!(matches!(s.load(seq), Err(StoreError::Deleted)));
    assert_eq!(s.state(false).msgs, 10);
}

fn fill_more(s: &FileStore, n: u64) {
    for _ in 0..n {
        s.store(b"more", b"", b"m", None).unwrap();
    }
}

#[test]
fn dead_segments_are_reclaimed() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = open(dir.path(), 4096);
    fill(&s, 200);
    let files = s.segment_files();
    assert!(files.len() > 4);
    // Remove everything up to the second file's first message.
    let mut seq = 1;
    while s.segment_files().contains(&files[0]) {
        assert!(s.remove(seq, false).unwrap());
        seq += 1;
    }
    assert!(!files[0].exists());
    assert!(seq > 5 && seq < 100);
    let before = snapshot(&s);
    drop(s);
    let (s, report) = open(dir.path(), 4096);
    assert!(report.is_clean());
    assert_eq!(snapshot(&s), before);
}

#[test]
fn mostly_dead_segments_are_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = open(dir.path(), 4096);
    fill(&s, 200);
    let first = s.segment_files()[0].clone();
    let size_before = std::fs::metadata(&first).unwrap().len();
    for seq in (1..=60).filter(|s| s % 3 != 0) {
        s.remove(seq, false).unwrap();
    }
    assert!(first.exists());
    assert!(std::fs::metadata(&first).unwrap().len() < size_before);
    let before = snapshot(&s);
    drop(s);
    let (s, report) = open(dir.path(), 4096);
    assert!(report.is_clean());
    assert_eq!(snapshot(&s), before);
}

#[test]
fn many_segments_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let before = {
        let (s, _) = open(dir.path(), 4096);
        fill(&s, 2000);
        assert!(s.segment_files().len() > 30);
        let req = PurgeRequest {
            filter: Some("f.2".into()),
            keep: Some(10),
            ..Default::default()
        };
        assert_eq!(s.purge(&req).unwrap(), 490);
        s.update_limits(StoreLimits {
            max_msgs: 1000,
            ..Default::default()
        })
        .unwrap();
        snapshot(&s)
    };
    assert_eq!(before.0.msgs, 1000);
    let (s, report) = open(dir.path(), 4096);
    assert!(report.is_clean());
    assert_eq!(snapshot(&s), before);
}

#[test]
fn reads_see_buffered_writes() {
    let dir = tempfile::tempdir().unwrap();
    let o = FileStoreOptions {
        write_buffer: 1 << 20,
        ..opts(1 << 20)
    };
    let (s, _) = FileStore::open(dir.path(), o, StoreLimits::default()).unwrap();
    fill(&s, 20);
    assert_eq!(std::fs::metadata(last_segment(&s)).unwrap().len(), 41);
    assert_eq!(&s.load(7).unwrap().payload[..], &payload(7)[..]);
    assert!(s.remove(8, true).unwrap());
    s.sync().unwrap();
    drop(s);
    let (s, _) = open(dir.path(), 1 << 20);
    assert_eq!(s.state(false).msgs, 19);
    assert_eq!(&s.load(20).unwrap().payload[..], &payload(20)[..]);
}

#[test]
fn reclaiming_a_tombstone_segment_keeps_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = open(dir.path(), 4096);
    fill(&s, 60);
    // The tombstone for 5 lands in the active segment, far from message 5.
    assert!(s.remove(5, false).unwrap());
    let holder = last_segment(&s);
    let first_new = s.state(false).last_seq + 1;
    fill_more(&s, 400);
    // Kill every message of the tombstone's segment so it gets reclaimed.
    for seq in first_new..first_new + 400 {
        if s.segment_files().contains(&holder) && s.load(seq).is_ok() {
            let m = s.load(seq).unwrap();
            if m.subject.as_ref() == b"more" {
                s.remove(seq, false).unwrap();
            }
        }
    }
    let before = snapshot(&s);
    drop(s);
    let (s, report) = open(dir.path(), 4096);
    assert!(report.is_clean());
    assert!(matches!(s.load(5), Err(StoreError::Deleted)));
    assert_eq!(snapshot(&s), before);
}
