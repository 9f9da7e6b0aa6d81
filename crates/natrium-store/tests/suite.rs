//! The behaviour contract of `MessageStore`, run against both stores.
//!
//! Every test is a plain function taking a store factory; the `suite!` macro
//! instantiates all of them once per implementation. The file store runs
//! with 4 KiB segments so that the same tests also cross segment boundaries.

use std::collections::BTreeMap;
use std::ops::Deref;
use std::time::Duration;

use natrium_store::{
    Discard, FileStore, FileStoreOptions, MemoryStore, MessageStore, PurgeRequest, StoreError,
    StoreLimits, SyncPolicy, TTL_NEVER,
};

struct Fixture {
    store: Box<dyn MessageStore>,
    _dir: Option<tempfile::TempDir>,
}

impl Deref for Fixture {
    type Target = dyn MessageStore;
    fn deref(&self) -> &Self::Target {
        &*self.store
    }
}

fn memory(limits: StoreLimits) -> Fixture {
    Fixture {
        store: Box::new(MemoryStore::new(limits)),
        _dir: None,
    }
}

fn file(limits: StoreLimits) -> Fixture {
    file_with(limits, false)
}

/// The file store with compressed message bodies (`compression: s2`).
fn compressed_file(limits: StoreLimits) -> Fixture {
    file_with(limits, true)
}

fn file_with(limits: StoreLimits, compress: bool) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = FileStoreOptions {
        sync: SyncPolicy::Interval(Duration::from_secs(60)),
        block_size: 4096,
        write_buffer: 0,
        compress,
    };
    let (store, report) = FileStore::open(dir.path(), opts, limits).expect("open");
    assert!(report.is_clean());
    Fixture {
        store: Box::new(store),
        _dir: Some(dir),
    }
}

type Make = dyn Fn(StoreLimits) -> Fixture;

const SEC: i64 = 1_000_000_000;

fn put(s: &dyn MessageStore, subject: &str, payload: &str) -> u64 {
    s.store(subject.as_bytes(), b"", payload.as_bytes(), None)
        .expect("store")
        .0
}

fn put_at(s: &dyn MessageStore, subject: &str, ts: i64, ttl: Option<Duration>) -> u64 {
    s.store_at(subject.as_bytes(), b"", b"x", ttl, ts)
        .expect("store")
        .0
}

fn seqs(s: &dyn MessageStore) -> Vec<u64> {
    let mut out = Vec::new();
    let mut next = 0;
    while let Ok(m) = s.load_next(b"", next) {
        out.push(m.seq);
        next = m.seq + 1;
    }
    out
}

fn limits(f: impl FnOnce(&mut StoreLimits)) -> StoreLimits {
    let mut l = StoreLimits::default();
    f(&mut l);
    l
}

fn store_and_load(mk: &Make) {
    let s = mk(StoreLimits::default());
    let st = s.state(false);
    assert_eq!((st.msgs, st.first_seq, st.last_seq), (0, 0, 0));
    let hdr = b"NATS/1.0\r\nA: b\r\n\r\n";
    let (s1, t1) = s.store(b"foo.bar", hdr, b"hello", None).unwrap();
    let (s2, t2) = s.store(b"foo.baz", b"", b"", None).unwrap();
    assert_eq!((s1, s2), (1, 2));
    assert!(t2 >= t1 && t1 > 0);
    let m = s.load(1).unwrap();
    assert_eq!(&m.subject[..], b"foo.bar");
    assert_eq!(&m.headers[..], hdr);
    assert_eq!(&m.payload[..], b"hello");
    assert_eq!((m.seq, m.timestamp), (1, t1));
    let m = s.load(2).unwrap();
    assert!(m.headers.is_empty() && m.payload.is_empty());
    let st = s.state(false);
    assert_eq!((st.msgs, st.first_seq, st.last_seq), (2, 1, 2));
    assert_eq!((st.first_ts, st.last_ts, st.num_subjects), (t1, t2, 2));
    let expected = s.message_size(7, hdr.len(), 5) + s.message_size(7, 0, 0);
    assert_eq!(st.bytes, expected);
    assert!(matches!(s.load(3), Err(StoreError::NotFound)));
    assert!(matches!(s.load(0), Err(StoreError::NotFound)));
    // Caller-chosen timestamps are kept as given.
    let (s3, t3) = s.store_at(b"foo.bar", b"", b"x", None, 42).unwrap();
    assert_eq!((s3, t3, s.load(3).unwrap().timestamp), (3, 42, 42));
    for bad in ["", "a..b", ".a", "a.", "has space"] {
        assert!(matches!(
            s.store(bad.as_bytes(), b"", b"x", None),
            Err(StoreError::BadSubject)
        ));
    }
    assert_eq!(s.state(false).last_seq, 3);
    // Wildcard tokens are stored literally (nats-server stores a publish
    // to `foo.*` under that name).
    for (i, literal) in ["foo.*", "foo.>", "a.>.b"].into_iter().enumerate() {
        let (seq, _) = s.store(literal.as_bytes(), b"", b"x", None).unwrap();
        assert_eq!(seq, 4 + i as u64);
        assert_eq!(&s.load(seq).unwrap().subject[..], literal.as_bytes());
    }
}

fn many_messages(mk: &Make) {
    let s = mk(StoreLimits::default());
    for i in 1..=500u64 {
        let payload = format!("payload-{i}-{}", "z".repeat((i % 50) as usize));
        assert_eq!(put(&*s, &format!("m.{}", i % 7), &payload), i);
    }
    for i in (1..=500u64).step_by(37) {
        let m = s.load(i).unwrap();
        assert_eq!(&m.subject[..], format!("m.{}", i % 7).as_bytes());
        assert!(m.payload.starts_with(format!("payload-{i}-").as_bytes()));
    }
    assert_eq!(s.state(false).msgs, 500);
}

fn remove_not_found_vs_deleted(mk: &Make) {
    let s = mk(StoreLimits::default());
    for i in 0..5 {
        put(&*s, "a", &i.to_string());
    }
    assert!(s.remove(3, false).unwrap());
    assert!(!s.remove(3, false).unwrap());
    assert!(!s.remove(99, false).unwrap());
    assert!(matches!(s.load(3), Err(StoreError::Deleted)));
    assert!(matches!(s.load(6), Err(StoreError::NotFound)));
    assert!(s.remove(1, false).unwrap());
    // Below the first sequence is "not found", not "deleted".
    assert!(matches!(s.load(1), Err(StoreError::NotFound)));
    let st = s.state(true);
    assert_eq!((st.msgs, st.first_seq, st.last_seq), (3, 2, 5));
    assert_eq!((st.num_deleted, st.deleted.clone()), (1, vec![3]));
    // Removing the last message keeps last_seq; its hole counts as deleted.
    assert!(s.remove(5, false).unwrap());
    let st = s.state(true);
    assert_eq!(
        (st.last_seq, st.num_deleted, st.deleted),
        (5, 2, vec![3, 5])
    );
    assert_eq!(put(&*s, "a", "next"), 6);
    assert!(s.remove(2, true).unwrap());
    assert!(s.remove(4, false).unwrap());
    assert!(s.remove(6, false).unwrap());
    let st = s.state(true);
    assert_eq!(
        (st.msgs, st.first_seq, st.last_seq, st.num_deleted),
        (0, 7, 6, 0)
    );
    assert!(st.deleted.is_empty());
    assert_eq!(put(&*s, "a", "again"), 7);
}

fn load_next_with_wildcards(mk: &Make) {
    let s = mk(StoreLimits::default());
    for subj in ["a.1", "b.1", "a.2", "a.2.x", "c", "a.3"] {
        put(&*s, subj, subj);
    }
    let next = |f: &str, start| s.load_next(f.as_bytes(), start).map(|m| m.seq).ok();
    assert_eq!(next("", 0), Some(1));
    assert_eq!(next(">", 2), Some(2));
    assert_eq!(next("a.*", 0), Some(1));
    assert_eq!(next("a.*", 2), Some(3));
    assert_eq!(next("a.*", 4), Some(6));
    assert_eq!(next("a.>", 4), Some(4));
    assert_eq!(next("*.2.*", 0), Some(4));
    assert_eq!(next("c", 0), Some(5));
    assert_eq!(next("c", 6), None);
    assert_eq!(next("nope", 0), None);
    assert_eq!(next("", 7), None);
    s.remove(3, false).unwrap();
    assert_eq!(next("a.*", 2), Some(6));
    assert!(matches!(s.load_next(b"a.*", 7), Err(StoreError::NotFound)));
}

fn load_last_by_filter(mk: &Make) {
    let s = mk(StoreLimits::default());
    assert!(matches!(s.load_last(b""), Err(StoreError::NotFound)));
    for subj in ["a.1", "b.1", "a.2", "a.1", "b.2"] {
        put(&*s, subj, subj);
    }
    let last = |f: &str| s.load_last(f.as_bytes()).map(|m| m.seq).ok();
    assert_eq!(last(""), Some(5));
    assert_eq!(last("a.1"), Some(4));
    assert_eq!(last("a.*"), Some(4));
    assert_eq!(last("b.>"), Some(5));
    assert_eq!(last("c"), None);
    s.remove(5, false).unwrap();
    assert_eq!(last(""), Some(4));
    assert_eq!(last("b.*"), Some(2));
}

fn purge_all(mk: &Make) {
    let s = mk(StoreLimits::default());
    for i in 0..10 {
        put(&*s, "p", &i.to_string());
    }
    assert_eq!(s.purge(&PurgeRequest::default()).unwrap(), 10);
    let st = s.state(true);
    assert_eq!(
        (st.msgs, st.bytes, st.first_seq, st.last_seq),
        (0, 0, 11, 10)
    );
    assert_eq!((st.num_subjects, st.num_deleted, st.first_ts), (0, 0, 0));
    assert_eq!(put(&*s, "p", "after"), 11);
    assert_eq!(s.state(false).first_seq, 11);
}

fn purge_up_to_seq(mk: &Make) {
    let s = mk(StoreLimits::default());
    for i in 0..10 {
        put(&*s, if i % 2 == 0 { "e" } else { "o" }, "x");
    }
    let req = PurgeRequest {
        up_to_seq: Some(4),
        ..Default::default()
    };
    assert_eq!(s.purge(&req).unwrap(), 3);
    assert_eq!(s.state(false).first_seq, 4);
    assert_eq!(seqs(&*s), (4..=10).collect::<Vec<_>>());
    // Past the end: the stream restarts numbering there (nats' compact).
    let req = PurgeRequest {
        up_to_seq: Some(20),
        ..Default::default()
    };
    assert_eq!(s.purge(&req).unwrap(), 7);
    let st = s.state(false);
    assert_eq!((st.msgs, st.first_seq, st.last_seq), (0, 20, 19));
    assert_eq!(put(&*s, "e", "x"), 20);
}

fn purge_with_filter(mk: &Make) {
    let s = mk(StoreLimits::default());
    for subj in ["a.1", "b.1", "a.2", "b.2", "a.1", "c"] {
        put(&*s, subj, "x");
    }
    let req = PurgeRequest {
        filter: Some("a.*".into()),
        ..Default::default()
    };
    assert_eq!(s.purge(&req).unwrap(), 3);
    assert_eq!(seqs(&*s), vec![2, 4, 6]);
    let st = s.state(true);
    assert_eq!((st.first_seq, st.deleted), (2, vec![3, 5]));
    let req = PurgeRequest {
        filter: Some("b.*".into()),
        up_to_seq: Some(4),
        ..Default::default()
    };
    assert_eq!(s.purge(&req).unwrap(), 1);
    assert_eq!(seqs(&*s), vec![4, 6]);
}

fn purge_with_keep(mk: &Make) {
    let s = mk(StoreLimits::default());
    for i in 0..10 {
        put(&*s, &format!("k.{}", i % 2), "x");
    }
    let req = PurgeRequest {
        keep: Some(3),
        ..Default::default()
    };
    assert_eq!(s.purge(&req).unwrap(), 7);
    assert_eq!(seqs(&*s), vec![8, 9, 10]);
    let req = PurgeRequest {
        keep: Some(5),
        ..Default::default()
    };
    assert_eq!(s.purge(&req).unwrap(), 0);

    let s = mk(StoreLimits::default());
    for i in 0..10 {
        put(&*s, &format!("k.{}", i % 2), "x");
    }
    // keep counts across everything the filter matches.
    let req = PurgeRequest {
        filter: Some("k.0".into()),
        keep: Some(2),
        ..Default::default()
    };
    assert_eq!(s.purge(&req).unwrap(), 3);
    assert_eq!(seqs(&*s), vec![2, 4, 6, 7, 8, 9, 10]);
    let req = PurgeRequest {
        filter: Some("k.*".into()),
        keep: Some(1),
        ..Default::default()
    };
    assert_eq!(s.purge(&req).unwrap(), 6);
    assert_eq!(seqs(&*s), vec![10]);
}

fn max_msgs_discard_old(mk: &Make) {
    let s = mk(limits(|l| l.max_msgs = 3));
    for i in 0..5 {
        put(&*s, "m", &i.to_string());
    }
    let st = s.state(false);
    assert_eq!((st.msgs, st.first_seq, st.last_seq), (3, 3, 5));
    assert_eq!(&s.load(3).unwrap().payload[..], b"2");
}

fn max_msgs_discard_new(mk: &Make) {
    let s = mk(limits(|l| {
        l.max_msgs = 3;
        l.discard = Discard::New
    }));
    for i in 0..3 {
        put(&*s, "m", &i.to_string());
    }
    assert!(matches!(
        s.store(b"m", b"", b"x", None),
        Err(StoreError::MaxMsgs)
    ));
    let st = s.state(false);
    assert_eq!((st.msgs, st.first_seq, st.last_seq), (3, 1, 3));
    s.remove(1, false).unwrap();
    assert_eq!(put(&*s, "m", "x"), 4);
}

fn max_bytes_both_policies(mk: &Make) {
    let one = mk(limits(|_| {})).message_size(1, 0, 10);
    let s = mk(limits(|l| l.max_bytes = (one * 3) as i64));
    for _ in 0..5 {
        put(&*s, "b", "0123456789");
    }
    let st = s.state(false);
    assert_eq!((st.msgs, st.bytes, st.first_seq), (3, one * 3, 3));
    // A message bigger than the whole limit can never be stored.
    let big = "x".repeat((one * 4) as usize);
    assert!(matches!(
        s.store(b"b", b"", big.as_bytes(), None),
        Err(StoreError::MaxBytes)
    ));

    let s = mk(limits(|l| {
        l.max_bytes = (one * 3) as i64;
        l.discard = Discard::New
    }));
    for _ in 0..3 {
        put(&*s, "b", "0123456789");
    }
    assert!(matches!(
        s.store(b"b", b"", b"0123456789", None),
        Err(StoreError::MaxBytes)
    ));
    assert_eq!(s.state(false).msgs, 3);
}

fn per_subject_limit(mk: &Make) {
    let s = mk(limits(|l| l.max_msgs_per_subject = 2));
    for i in 0..4 {
        put(&*s, "kv.a", &format!("a{i}"));
        put(&*s, "kv.b", &format!("b{i}"));
    }
    assert_eq!(seqs(&*s), vec![5, 6, 7, 8]);
    assert_eq!(&s.load_last(b"kv.a").unwrap().payload[..], b"a3");
    let st = s.state(true);
    assert_eq!((st.msgs, st.first_seq), (4, 5));

    // Discard new without the per-subject flag still drops the oldest.
    let s = mk(limits(|l| {
        l.max_msgs_per_subject = 1;
        l.discard = Discard::New
    }));
    put(&*s, "kv.a", "1");
    put(&*s, "kv.a", "2");
    assert_eq!(seqs(&*s), vec![2]);

    let s = mk(limits(|l| {
        l.max_msgs_per_subject = 1;
        l.discard = Discard::New;
        l.discard_new_per_subject = true
    }));
    put(&*s, "kv.a", "1");
    assert!(matches!(
        s.store(b"kv.a", b"", b"2", None),
        Err(StoreError::MaxMsgsPerSubject)
    ));
    put(&*s, "kv.b", "1");
    assert_eq!(seqs(&*s), vec![1, 2]);
}

fn max_msg_size(mk: &Make) {
    let s = mk(limits(|l| l.max_msg_size = 8));
    s.store(b"s", b"1234", b"5678", None).unwrap();
    assert!(matches!(
        s.store(b"s", b"1234", b"56789", None),
        Err(StoreError::MaxMsgSize)
    ));
    assert!(matches!(
        s.store(b"s", b"", b"123456789", None),
        Err(StoreError::MaxMsgSize)
    ));
    assert_eq!(s.state(false).msgs, 1);
}

fn max_age_expiry(mk: &Make) {
    let s = mk(limits(|l| l.max_age = Duration::from_secs(10)));
    for i in 0..5 {
        put_at(&*s, "t", 100 * SEC + i * SEC, None);
    }
    assert_eq!(s.next_expiry(), Some(110 * SEC));
    assert_eq!(s.expire(109 * SEC).unwrap(), 0);
    assert_eq!(s.expire(111 * SEC).unwrap(), 2);
    assert_eq!(seqs(&*s), vec![3, 4, 5]);
    assert_eq!(s.next_expiry(), Some(112 * SEC));
    assert_eq!(s.expire(1000 * SEC).unwrap(), 3);
    let st = s.state(false);
    assert_eq!((st.msgs, st.first_seq, st.last_seq), (0, 6, 5));
    assert_eq!(s.next_expiry(), None);
}

fn max_age_names_the_subjects_it_empties(mk: &Make) {
    let s = mk(limits(|l| l.max_age = Duration::from_secs(10)));
    put_at(&*s, "t.a", 100 * SEC, None);
    put_at(&*s, "t.b", 100 * SEC, None);
    put_at(&*s, "t.b", 105 * SEC, None);
    let names = |emptied: Vec<natrium_store::Emptied>| -> Vec<bytes::Bytes> {
        emptied.into_iter().map(|e| e.subject).collect()
    };
    let emptied = s.expire_subjects(111 * SEC).unwrap();
    assert_eq!(
        names(emptied),
        vec![bytes::Bytes::from_static(b"t.a")],
        "t.b still has a message"
    );
    let emptied = s.expire_subjects(200 * SEC).unwrap();
    assert_eq!(emptied[0].subject, bytes::Bytes::from_static(b"t.b"));
    assert_eq!(emptied[0].ttl_headers, None, "max_age, not a TTL");
}

fn ttl_expiry_names_emptied_subjects_with_their_headers(mk: &Make) {
    let s = mk(StoreLimits::default());
    let ttl = Some(Duration::from_secs(5));
    s.store_at(b"k.a", b"NATS/1.0\r\nX: 1\r\n\r\n", b"a", ttl, 100 * SEC)
        .unwrap();
    s.store_at(b"k.b", b"", b"b1", None, 100 * SEC).unwrap();
    s.store_at(b"k.b", b"", b"b2", ttl, 100 * SEC).unwrap();
    let emptied = s.expire_subjects(106 * SEC).unwrap();
    assert_eq!(emptied.len(), 1, "k.b keeps b1: {emptied:?}");
    assert_eq!(emptied[0].subject, bytes::Bytes::from_static(b"k.a"));
    assert_eq!(
        emptied[0].ttl_headers.as_deref(),
        Some(&b"NATS/1.0\r\nX: 1\r\n\r\n"[..])
    );
}

fn skip_msgs_leaves_holes(mk: &Make) {
    let s = mk(StoreLimits::default());
    s.skip_msgs(3).unwrap();
    assert_eq!(
        put(&*s, "m", "four"),
        4,
        "an empty store starts after the skip"
    );
    s.skip_msgs(6).unwrap();
    assert_eq!(put(&*s, "m", "seven"), 7);
    let st = s.state(false);
    assert_eq!(
        (st.msgs, st.first_seq, st.last_seq, st.num_deleted),
        (2, 4, 7, 2)
    );
    assert!(matches!(s.load(5), Err(StoreError::Deleted)));
    s.skip_msgs(2).unwrap(); // behind the end: nothing to do
    assert_eq!(s.state(false).last_seq, 7);
}

fn per_message_ttl(mk: &Make) {
    let s = mk(limits(|l| l.max_age = Duration::from_secs(100)));
    let base = 1_000 * SEC;
    put_at(&*s, "t.a", base, Some(Duration::from_secs(5)));
    put_at(&*s, "t.b", base, None);
    put_at(&*s, "t.c", base, Some(TTL_NEVER));
    put_at(&*s, "t.d", base + SEC, Some(Duration::from_secs(200)));
    assert_eq!(s.next_expiry(), Some(base + 5 * SEC));
    assert_eq!(s.expire(base + 5 * SEC).unwrap(), 1);
    assert_eq!(seqs(&*s), vec![2, 3, 4]);
    // max_age takes the plain message and the one whose TTL is longer
    // (nats-server: whichever comes first); only `never` outlives it.
    assert_eq!(s.next_expiry(), Some(base + 100 * SEC));
    assert_eq!(s.expire(base + 100 * SEC).unwrap(), 1);
    assert_eq!(seqs(&*s), vec![3, 4]);
    assert_eq!(s.next_expiry(), Some(base + 101 * SEC));
    assert_eq!(s.expire(base + 150 * SEC).unwrap(), 1);
    assert_eq!(seqs(&*s), vec![3]);
    assert_eq!(s.next_expiry(), None);
    assert_eq!(s.expire(base + 10_000 * SEC).unwrap(), 0);
}

fn num_pending_counts(mk: &Make) {
    let s = mk(StoreLimits::default());
    for subj in ["a.1", "a.2", "b.1", "a.1", "a.2", "b.1", "a.1"] {
        put(&*s, subj, "x");
    }
    assert_eq!(s.num_pending(0, b"", false), 7);
    assert_eq!(s.num_pending(1, b">", false), 7);
    assert_eq!(s.num_pending(4, b"", false), 4);
    assert_eq!(s.num_pending(1, b"a.*", false), 5);
    assert_eq!(s.num_pending(5, b"a.*", false), 2);
    assert_eq!(s.num_pending(1, b"a.1", false), 3);
    assert_eq!(s.num_pending(1, b"", true), 3);
    assert_eq!(s.num_pending(6, b"", true), 2);
    assert_eq!(s.num_pending(1, b"a.>", true), 2);
    assert_eq!(s.num_pending(8, b"", false), 0);
    s.remove(4, false).unwrap();
    assert_eq!(s.num_pending(1, b"a.1", false), 2);
    assert_eq!(s.num_pending(2, b"", false), 5);
}

fn subjects_state_counts(mk: &Make) {
    let s = mk(StoreLimits::default());
    for subj in ["a.1", "a.2", "b.1", "a.1"] {
        put(&*s, subj, "x");
    }
    let all: BTreeMap<String, u64> = [("a.1", 2), ("a.2", 1), ("b.1", 1)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    assert_eq!(s.subjects_state(b""), all);
    assert_eq!(s.subjects_state(b"a.*").len(), 2);
    assert_eq!(s.subjects_state(b"b.1").get("b.1"), Some(&1));
    assert!(s.subjects_state(b"zzz").is_empty());
    s.remove(3, false).unwrap();
    assert_eq!(s.subjects_state(b">").len(), 2);
    assert_eq!(s.state(false).num_subjects, 2);
}

fn update_limits_shrinks(mk: &Make) {
    let s = mk(StoreLimits::default());
    for i in 0..10 {
        put(&*s, &format!("u.{}", i % 2), "0123456789");
    }
    s.update_limits(limits(|l| l.max_msgs_per_subject = 3))
        .unwrap();
    assert_eq!(seqs(&*s), vec![5, 6, 7, 8, 9, 10]);
    s.update_limits(limits(|l| l.max_msgs = 4)).unwrap();
    assert_eq!(seqs(&*s), vec![7, 8, 9, 10]);
    let one = s.message_size(3, 0, 10) as i64;
    s.update_limits(limits(|l| l.max_bytes = one * 2)).unwrap();
    assert_eq!(seqs(&*s), vec![9, 10]);
    assert_eq!(s.limits().max_bytes, one * 2);
    // An old timestamp falls to a new max_age at once.
    put_at(&*s, "u.0", 1, None);
    s.update_limits(limits(|l| l.max_age = Duration::from_secs(3600)))
        .unwrap();
    assert_eq!(s.state(false).msgs, 2);
}

fn skip_to_sets_first(mk: &Make) {
    let s = mk(StoreLimits::default());
    s.skip_to(100).unwrap();
    let st = s.state(false);
    assert_eq!((st.msgs, st.first_seq, st.last_seq), (0, 100, 99));
    assert_eq!(put(&*s, "s", "x"), 100);
    assert_eq!(s.load(100).unwrap().seq, 100);
}

fn state_deleted_details(mk: &Make) {
    let s = mk(StoreLimits::default());
    for _ in 0..10 {
        put(&*s, "d", "x");
    }
    for seq in [2, 5, 6, 9] {
        s.remove(seq, false).unwrap();
    }
    let st = s.state(true);
    assert_eq!((st.msgs, st.num_deleted), (6, 4));
    assert_eq!(st.deleted, vec![2, 5, 6, 9]);
    assert!(s.state(false).deleted.is_empty());
    s.remove(1, false).unwrap();
    let st = s.state(true);
    assert_eq!((st.first_seq, st.deleted), (3, vec![5, 6, 9]));
}

fn close_refuses_use(mk: &Make) {
    let s = mk(StoreLimits::default());
    put(&*s, "c", "x");
    s.close().unwrap();
    assert!(matches!(
        s.store(b"c", b"", b"x", None),
        Err(StoreError::Closed)
    ));
    assert!(matches!(s.load(1), Err(StoreError::Closed)));
}

macro_rules! suite {
    ($name:ident, $make:expr, [$($test:ident),* $(,)?]) => {
        mod $name {
            $(
                #[test]
                fn $test() {
                    super::$test(&$make);
                }
            )*
        }
    };
}

macro_rules! both {
    ($($test:ident),* $(,)?) => {
        suite!(memory_store, super::memory, [$($test),*]);
        suite!(file_store, super::file, [$($test),*]);
        suite!(compressed_file_store, super::compressed_file, [$($test),*]);
    };
}

both!(
    store_and_load,
    many_messages,
    remove_not_found_vs_deleted,
    load_next_with_wildcards,
    load_last_by_filter,
    purge_all,
    purge_up_to_seq,
    purge_with_filter,
    purge_with_keep,
    max_msgs_discard_old,
    max_msgs_discard_new,
    max_bytes_both_policies,
    per_subject_limit,
    max_msg_size,
    max_age_expiry,
    max_age_names_the_subjects_it_empties,
    ttl_expiry_names_emptied_subjects_with_their_headers,
    skip_msgs_leaves_holes,
    per_message_ttl,
    num_pending_counts,
    subjects_state_counts,
    update_limits_shrinks,
    skip_to_sets_first,
    state_deleted_details,
    close_refuses_use,
);
