//! Behavioural tests for [`SubjectIndex`], including the key property that
//! cached results always equal freshly computed ones, checked by a
//! randomized run against a brute-force matcher.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use crate::{Matches, SubjectError, SubjectIndex, DEFAULT_CACHE_CAPACITY};

/// Order-insensitive view of a result: sorted plain items, and sorted
/// members per queue name.
type Normal = (Vec<u32>, BTreeMap<Vec<u8>, Vec<u32>>);

fn normal(m: &Matches<u32>) -> Normal {
    let mut plain = m.plain.clone();
    plain.sort_unstable();
    let mut queues = BTreeMap::new();
    for g in &m.queues {
        assert!(!g.members.is_empty(), "empty queue group in result");
        let mut members = g.members.clone();
        members.sort_unstable();
        // One group per distinct name.
        assert!(
            queues.insert(g.name.to_vec(), members).is_none(),
            "duplicate queue group"
        );
    }
    (plain, queues)
}

fn plain(idx: &SubjectIndex<u32>, subject: &str) -> Vec<u32> {
    normal(&idx.matches(subject.as_bytes())).0
}

#[test]
fn literal_and_wildcard_matching() {
    let mut idx = SubjectIndex::new();
    let subs: &[(&str, u32)] = &[
        ("foo", 1),
        ("foo.bar", 2),
        ("foo.*", 3),
        ("foo.>", 4),
        ("*.bar", 5),
        (">", 6),
        ("a.b.c", 7),
        ("a.*.c", 8),
        ("a.b.*", 9),
        ("a.>", 10),
        ("*.*.c", 11),
        ("foo.*-", 12),
        ("foo.>-", 13),
        ("foo*", 14),
    ];
    for &(s, i) in subs {
        idx.insert(s.as_bytes(), None, i).expect("valid");
    }
    let table: &[(&str, &[u32])] = &[
        ("foo", &[1, 6]),
        ("foo.bar", &[2, 3, 4, 5, 6]),
        ("foo.baz", &[3, 4, 6]),
        ("foo.bar.baz", &[4, 6]),
        ("x.bar", &[5, 6]),
        ("bar", &[6]),
        ("a.b.c", &[6, 7, 8, 9, 10, 11]),
        ("a.x.c", &[6, 8, 10, 11]),
        ("a.b.c.d", &[6, 10]),
        ("a", &[6]),
        ("foo.*-", &[3, 4, 6, 12]),
        ("foo.>-", &[3, 4, 6, 13]),
        ("foo*", &[6, 14]),
        // Invalid publish subjects match nothing, even `>`.
        ("", &[]),
        ("foo..bar", &[]),
        (".foo", &[]),
        ("foo.", &[]),
    ];
    for _ in 0..2 {
        // Second round is served from the cache.
        for &(s, want) in table {
            assert_eq!(plain(&idx, s), want, "matches({s:?})");
        }
    }
}

#[test]
fn wildcard_tokens_in_published_subject_are_not_cached() {
    let mut idx = SubjectIndex::new();
    idx.insert(b"foo.bar", None, 1).expect("valid");
    idx.insert(b"foo.*", None, 2).expect("valid");
    assert_eq!(plain(&idx, "foo.*"), vec![2]);
    assert!(!idx.is_cached(b"foo.*"));
    assert!(!idx.is_cached(b"foo..bar"));
    assert_eq!(plain(&idx, "foo.bar"), vec![1, 2]);
    assert!(idx.is_cached(b"foo.bar"));
}

#[test]
fn invalid_inserts_are_rejected() {
    let mut idx = SubjectIndex::new();
    for bad in [
        "",
        ".foo",
        "foo.",
        "foo..bar",
        "foo.bar..baz",
        "foo.>.bar",
        "foo bar",
        ">.a",
    ] {
        assert_eq!(
            idx.insert(bad.as_bytes(), None, 1),
            Err(SubjectError::InvalidSubject),
            "{bad:?}"
        );
        assert!(!idx.remove(bad.as_bytes(), None, &1));
    }
    assert_eq!(
        idx.insert(b"foo", Some(b""), 1),
        Err(SubjectError::InvalidQueue)
    );
    assert_eq!(
        idx.insert(b"foo", Some(b"a b"), 1),
        Err(SubjectError::InvalidQueue)
    );
    assert_eq!(idx.len(), 0);
    assert_eq!(idx.generation(), 0);
    assert_eq!(idx.stats().num_inserts, 0);
}

#[test]
fn queue_groups_merge_across_patterns() {
    let mut idx = SubjectIndex::new();
    idx.insert(b"foo.*", Some(b"q"), 1).expect("valid");
    idx.insert(b"foo.bar", Some(b"q"), 2).expect("valid");
    idx.insert(b"foo.>", Some(b"q"), 3).expect("valid");
    idx.insert(b"foo.bar", Some(b"r"), 4).expect("valid");
    idx.insert(b"foo.bar", None, 5).expect("valid");
    for _ in 0..2 {
        let m = idx.matches(b"foo.bar");
        assert_eq!(m.len(), 3, "one plain + two groups");
        assert_eq!(m.num_subscriptions(), 5);
        let (p, q) = normal(&m);
        assert_eq!(p, vec![5]);
        assert_eq!(q.get(&b"q"[..]).cloned(), Some(vec![1, 2, 3]));
        assert_eq!(q.get(&b"r"[..]).cloned(), Some(vec![4]));
    }
    let (_, q) = normal(&idx.matches(b"foo.baz"));
    assert_eq!(q.get(&b"q"[..]).cloned(), Some(vec![1, 3]));
    assert_eq!(q.len(), 1);

    // Emptying a group removes it from cached results too.
    assert!(idx.remove(b"foo.bar", Some(b"r"), &4));
    let m = idx.matches(b"foo.bar");
    assert!(m.queue(b"r").is_none());
    assert_eq!(m.queues.len(), 1);
    // A queue subscription is not a plain one, and vice versa.
    assert!(!idx.remove(b"foo.bar", None, &2));
    assert!(!idx.remove(b"foo.bar", Some(b"x"), &5));
}

#[test]
fn basic_queue_results_like_nats() {
    let mut idx = SubjectIndex::new();
    idx.insert(b"foo", Some(b"bar"), 1).expect("valid");
    let m = idx.matches(b"foo");
    assert!(m.plain.is_empty());
    assert_eq!(m.queues.len(), 1);
    idx.insert(b"foo", Some(b"baz"), 2).expect("valid");
    idx.insert(b"foo", None, 3).expect("valid");
    idx.insert(b"foo", Some(b"bar"), 1).expect("valid");
    idx.insert(b"foo", Some(b"baz"), 2).expect("valid");
    let (p, q) = normal(&idx.matches(b"foo"));
    assert_eq!(p, vec![3]);
    assert_eq!(q.get(&b"bar"[..]).cloned(), Some(vec![1, 1]));
    assert_eq!(q.get(&b"baz"[..]).cloned(), Some(vec![2, 2]));
    assert!(idx.remove(b"foo", None, &3));
    assert!(idx.remove(b"foo", Some(b"bar"), &1));
    assert!(idx.remove(b"foo", Some(b"bar"), &1));
    let (p, q) = normal(&idx.matches(b"foo"));
    assert!(p.is_empty());
    assert_eq!(q.len(), 1);
    assert!(idx.remove(b"foo", Some(b"baz"), &2));
    assert!(idx.remove(b"foo", Some(b"baz"), &2));
    assert!(!idx.remove(b"foo", Some(b"baz"), &2));
    assert!(idx.matches(b"foo").is_empty());
    assert!(idx.is_empty());
    assert_eq!(idx.num_nodes(), 0);
}

#[test]
fn removal_is_exact() {
    let mut idx = SubjectIndex::new();
    // Same item under two subjects.
    idx.insert(b"a.b", None, 7).expect("valid");
    idx.insert(b"a.*", None, 7).expect("valid");
    idx.insert(b"a.b", None, 8).expect("valid");
    assert_eq!(plain(&idx, "a.b"), vec![7, 7, 8]);
    assert!(idx.remove(b"a.*", None, &7));
    assert_eq!(plain(&idx, "a.b"), vec![7, 8]);
    assert_eq!(plain(&idx, "a.c"), Vec::<u32>::new());
    assert!(!idx.remove(b"a.*", None, &7));
    assert!(!idx.remove(b"a.b", None, &9));
    assert!(!idx.remove(b"a.b.c", None, &7));
    assert!(!idx.remove(b"a", None, &7));
    assert_eq!(idx.len(), 2);

    // Same entry inserted twice is stored twice and removed one at a time.
    idx.insert(b"x", None, 1).expect("valid");
    idx.insert(b"x", None, 1).expect("valid");
    assert_eq!(plain(&idx, "x"), vec![1, 1]);
    assert!(idx.remove(b"x", None, &1));
    assert_eq!(plain(&idx, "x"), vec![1]);
}

#[test]
fn removal_prunes_the_trie() {
    let mut idx = SubjectIndex::new();
    idx.insert(b"a.b.c.d.e.f", None, 1).expect("valid");
    idx.insert(b"a.b.*.d.e.>", None, 2).expect("valid");
    idx.insert(b"a.b.c", Some(b"q"), 3).expect("valid");
    assert!(idx.num_nodes() > 0);
    assert!(idx.remove(b"a.b.c.d.e.f", None, &1));
    assert!(idx.remove(b"a.b.*.d.e.>", None, &2));
    assert_eq!(idx.num_nodes(), 3);
    assert!(idx.remove(b"a.b.c", Some(b"q"), &3));
    assert_eq!(idx.num_nodes(), 0);
}

#[test]
fn cache_follows_inserts_and_removes() {
    let mut idx = SubjectIndex::new();
    idx.insert(b"a.b.c.d", None, 1).expect("valid");
    assert_eq!(plain(&idx, "a.b.c.d"), vec![1]);
    idx.insert(b"a.b.*.d", None, 2).expect("valid");
    idx.insert(b"a.b.>", None, 3).expect("valid");
    assert!(
        idx.is_cached(b"a.b.c.d"),
        "wildcard inserts patch, not drop"
    );
    assert_eq!(plain(&idx, "a.b.c.d"), vec![1, 2, 3]);
    assert!(idx.remove(b"a.b.>", None, &3));
    assert!(idx.is_cached(b"a.b.c.d"));
    assert_eq!(plain(&idx, "a.b.c.d"), vec![1, 2]);
    assert!(idx.remove(b"a.b.c.d", None, &1));
    assert_eq!(plain(&idx, "a.b.c.d"), vec![2]);
    assert!(idx.remove(b"a.b.*.d", None, &2));
    assert_eq!(plain(&idx, "a.b.c.d"), Vec::<u32>::new());
    assert_eq!(idx.len(), 0);
}

#[test]
fn inbox_churn_keeps_other_entries_cached() {
    let mut idx = SubjectIndex::new();
    idx.insert(b"svc.echo", Some(b"workers"), 1).expect("valid");
    idx.insert(b"metrics.>", None, 2).expect("valid");
    idx.matches(b"svc.echo");
    idx.matches(b"metrics.cpu");
    for i in 0..100u32 {
        let inbox = format!("_INBOX.abc.{i}");
        idx.insert(inbox.as_bytes(), None, 100 + i).expect("valid");
        assert_eq!(plain(&idx, &inbox), vec![100 + i]);
        assert!(idx.remove(inbox.as_bytes(), None, &(100 + i)));
        assert!(!idx.is_cached(inbox.as_bytes()), "dead inbox dropped");
        assert!(idx.is_cached(b"svc.echo"));
        assert!(idx.is_cached(b"metrics.cpu"));
    }
    let before = idx.stats();
    idx.matches(b"svc.echo");
    idx.matches(b"metrics.cpu");
    let after = idx.stats();
    assert_eq!(after.num_matches - before.num_matches, 2);
    // Both were hits: the hit count grew by exactly two.
    let hits = |s: &crate::IndexStats| (s.cache_hit_rate * s.num_matches as f64).round() as u64;
    assert_eq!(hits(&after) - hits(&before), 2);
    assert_eq!(idx.num_nodes(), 4, "svc, svc.echo, metrics, metrics.>");
}

#[test]
fn cache_is_bounded() {
    let mut idx = SubjectIndex::new();
    idx.insert(b"foo.>", None, 1).expect("valid");
    for i in 0..2 * DEFAULT_CACHE_CAPACITY {
        let s = format!("foo.{i}");
        assert_eq!(plain(&idx, &s), vec![1]);
        assert!(idx.stats().num_cache as usize <= DEFAULT_CACHE_CAPACITY);
    }
    let small: SubjectIndex<u32> = SubjectIndex::with_cache_capacity(4);
    for i in 0..50 {
        small.matches(format!("x.{i}").as_bytes());
        assert!(small.stats().num_cache <= 4);
    }
    let none: SubjectIndex<u32> = SubjectIndex::with_cache_capacity(0);
    none.matches(b"x");
    none.matches(b"x");
    let st = none.stats();
    assert_eq!(
        (st.num_cache, st.num_matches, st.cache_hit_rate),
        (0, 2, 0.0)
    );
}

#[test]
fn stats_and_generation() {
    let mut idx = SubjectIndex::new();
    assert_eq!(idx.stats(), crate::IndexStats::default());
    let g0 = idx.generation();
    let counter = idx.generation_counter();
    idx.insert(b"foo", None, 1).expect("valid");
    idx.insert(b"foo", Some(b"q"), 2).expect("valid");
    idx.insert(b"foo.*", None, 3).expect("valid");
    idx.insert(b"bar", None, 4).expect("valid");
    assert_eq!(idx.generation(), g0 + 4);
    assert!(idx.insert(b"foo..x", None, 5).is_err());
    assert_eq!(idx.generation(), g0 + 4, "failed insert does not bump");
    assert!(idx.remove(b"bar", None, &4));
    assert_eq!(idx.generation(), g0 + 5);
    assert!(!idx.remove(b"bar", None, &4));
    assert_eq!(idx.generation(), g0 + 5, "failed remove does not bump");
    assert_eq!(counter.load(std::sync::atomic::Ordering::Acquire), g0 + 5);

    idx.matches(b"foo"); // miss: fanout 2 (plain 1 + group q)
    idx.matches(b"foo"); // hit
    idx.matches(b"foo.x"); // miss: fanout 1
    idx.matches(b"nothing"); // miss: fanout 0
    let st = idx.stats();
    assert_eq!(st.num_subscriptions, 3);
    assert_eq!(st.num_inserts, 4);
    assert_eq!(st.num_removes, 1);
    assert_eq!(st.num_matches, 4);
    assert_eq!(st.num_cache, 3);
    assert!((st.cache_hit_rate - 0.25).abs() < 1e-9);
    assert_eq!(st.max_fanout, 2);
    assert!((st.avg_fanout - 1.0).abs() < 1e-9);

    let mut total = st;
    total.merge(&st);
    assert_eq!(total.num_subscriptions, 6);
    assert_eq!(total.num_matches, 8);
    assert!((total.cache_hit_rate - 0.25).abs() < 1e-9);
    assert!((total.avg_fanout - 1.0).abs() < 1e-9);
}

#[test]
fn for_each_lists_every_subscription() {
    let mut idx = SubjectIndex::new();
    let subs: &[(&str, Option<&str>, u32)] = &[
        ("foo", None, 1),
        ("foo", Some("q"), 2),
        ("foo.bar", None, 3),
        ("foo.*", None, 4),
        ("foo.>", Some("r"), 5),
        (">", None, 6),
        ("*.x.*", None, 7),
        ("foo.bar", None, 3),
    ];
    for &(s, q, i) in subs {
        idx.insert(s.as_bytes(), q.map(str::as_bytes), i)
            .expect("valid");
    }
    let mut seen = Vec::new();
    idx.for_each(|s, q, i| {
        seen.push((
            String::from_utf8_lossy(s).into_owned(),
            q.map(|q| String::from_utf8_lossy(q).into_owned()),
            *i,
        ));
    });
    seen.sort();
    let mut want: Vec<_> = subs
        .iter()
        .map(|&(s, q, i)| (s.to_owned(), q.map(str::to_owned), i))
        .collect();
    want.sort();
    assert_eq!(seen, want);
}

#[test]
fn remove_batch_small_and_large() {
    let mut idx = SubjectIndex::new();
    idx.insert(b"keep.*", None, 0).expect("valid");
    let subjects: Vec<String> = (0..40).map(|i| format!("keep.{i}")).collect();
    for (i, s) in subjects.iter().enumerate() {
        idx.insert(s.as_bytes(), None, i as u32 + 1).expect("valid");
        idx.matches(s.as_bytes());
    }
    let items: Vec<u32> = (1..=40).collect();
    // Small batch: cache stays warm and correct.
    let n = idx.remove_batch(
        subjects
            .iter()
            .zip(&items)
            .take(3)
            .map(|(s, i)| (s.as_bytes(), None, i)),
    );
    assert_eq!(n, 3);
    assert!(idx.is_cached(b"keep.10"));
    assert_eq!(plain(&idx, "keep.0"), vec![0]);
    // Large batch (including misses): everything still correct afterwards.
    let n = idx.remove_batch(
        subjects
            .iter()
            .zip(&items)
            .map(|(s, i)| (s.as_bytes(), None, i)),
    );
    assert_eq!(n, 37);
    assert_eq!(idx.len(), 1);
    for s in &subjects {
        assert_eq!(plain(&idx, s), vec![0]);
    }
}

/// Tiny deterministic PRNG (xorshift64*), so failures are reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Straightforward reference matcher on token vectors.
fn brute_matches(subject: &str, pattern: &str) -> bool {
    let s: Vec<&str> = subject.split('.').collect();
    let p: Vec<&str> = pattern.split('.').collect();
    for (i, pt) in p.iter().enumerate() {
        if *pt == ">" {
            return s.len() > i;
        }
        match s.get(i) {
            Some(st) if *pt == "*" || pt == st => {}
            _ => return false,
        }
    }
    s.len() == p.len()
}

fn brute(entries: &[(String, Option<String>, u32)], subject: &str) -> Normal {
    let mut m = Matches::new();
    for (p, q, i) in entries {
        if brute_matches(subject, p) {
            m.add(q.as_deref().map(str::as_bytes), *i);
        }
    }
    normal(&m)
}

fn random_subject(rng: &mut Rng, wildcards: bool) -> String {
    const LITERALS: [&str; 4] = ["a", "b", "c", "dd"];
    let n = 1 + rng.below(4);
    let mut toks = Vec::with_capacity(n);
    for i in 0..n {
        let r = rng.below(10);
        let tok = if wildcards && r == 0 {
            "*"
        } else if wildcards && r == 1 && i == n - 1 {
            ">"
        } else {
            LITERALS[rng.below(LITERALS.len())]
        };
        toks.push(tok);
    }
    toks.join(".")
}

/// The key property: with any interleaving of inserts, removes and matches,
/// cached indexes (small ones, so eviction runs too; a sharded one), a
/// default one and an uncached one all agree with brute force.
#[test]
fn randomized_cache_equals_brute_force() {
    for seed in 1..=8u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut small = SubjectIndex::with_cache_capacity(16);
        // Two shards of 128 for a universe of 340 literal subjects.
        let mut sharded = SubjectIndex::with_cache_capacity(256);
        let mut default = SubjectIndex::new();
        let mut uncached = SubjectIndex::with_cache_capacity(0);
        let mut entries: Vec<(String, Option<String>, u32)> = Vec::new();
        for step in 0..3000 {
            match rng.below(10) {
                0..=2 => {
                    let subject = random_subject(&mut rng, true);
                    let queue = match rng.below(4) {
                        0 => Some("q1".to_owned()),
                        1 => Some("q2".to_owned()),
                        _ => None,
                    };
                    // Small item space so the same item lands on several subjects.
                    let item = rng.below(12) as u32;
                    let q = queue.as_deref().map(str::as_bytes);
                    for idx in [&mut small, &mut sharded, &mut default, &mut uncached] {
                        idx.insert(subject.as_bytes(), q, item).expect("valid");
                    }
                    entries.push((subject, queue, item));
                }
                3..=4 if !entries.is_empty() => {
                    let (subject, queue, item) = entries.swap_remove(rng.below(entries.len()));
                    let q = queue.as_deref().map(str::as_bytes);
                    for idx in [&mut small, &mut sharded, &mut default, &mut uncached] {
                        assert!(
                            idx.remove(subject.as_bytes(), q, &item),
                            "seed {seed} step {step}"
                        );
                    }
                }
                5 => {
                    // Removing something absent changes nothing.
                    let subject = random_subject(&mut rng, true);
                    let item = 100 + rng.below(5) as u32;
                    for idx in [&mut small, &mut sharded, &mut default, &mut uncached] {
                        assert!(!idx.remove(subject.as_bytes(), None, &item));
                    }
                }
                _ => {
                    let subject = random_subject(&mut rng, false);
                    let want = brute(&entries, &subject);
                    for idx in [&small, &sharded, &default, &uncached] {
                        assert_eq!(
                            normal(&idx.matches(subject.as_bytes())),
                            want,
                            "seed {seed} step {step} {subject}"
                        );
                    }
                }
            }
            assert_eq!(small.len(), entries.len());
        }
        assert!(sharded.stats().num_cache > 0);
        assert!(small.stats().cache_hit_rate > 0.0);
        // Final sweep over every literal subject of the universe.
        for n in 1..=4u32 {
            for mut code in 0..4usize.pow(n) {
                let mut toks = Vec::new();
                for _ in 0..n {
                    toks.push(["a", "b", "c", "dd"][code % 4]);
                    code /= 4;
                }
                let subject = toks.join(".");
                let want = brute(&entries, &subject);
                for idx in [&small, &sharded, &default, &uncached] {
                    assert_eq!(
                        normal(&idx.matches(subject.as_bytes())),
                        want,
                        "seed {seed} final {subject}"
                    );
                }
            }
        }
    }
}

#[test]
fn index_is_send_and_sync() {
    fn check<X: Send + Sync>() {}
    check::<SubjectIndex<Arc<u32>>>();
    check::<Arc<Matches<Arc<u32>>>>();
}

/// Readers match concurrently through an `RwLock` while a writer churns.
#[test]
fn concurrent_readers_with_writer() {
    let idx = Arc::new(RwLock::new(SubjectIndex::<u32>::new()));
    {
        let mut w = idx.write().expect("lock");
        for i in 0..50u32 {
            w.insert(format!("s.{i}").as_bytes(), None, i)
                .expect("valid");
        }
    }
    let readers: Vec<_> = (0..3)
        .map(|r| {
            let idx = Arc::clone(&idx);
            std::thread::spawn(move || {
                for k in 0..20_000u32 {
                    let i = (k * 7 + r) % 50;
                    let m = idx
                        .read()
                        .expect("lock")
                        .matches(format!("s.{i}").as_bytes());
                    // Either the subscription is there or it is between churn steps.
                    assert!(m.plain.iter().all(|&x| x == i || x == 1000 + i));
                }
            })
        })
        .collect();
    for round in 0..200u32 {
        let i = round % 50;
        let mut w = idx.write().expect("lock");
        w.insert(format!("s.{i}").as_bytes(), None, 1000 + i)
            .expect("valid");
        assert!(w.remove(format!("s.{i}").as_bytes(), None, &(1000 + i)));
    }
    for r in readers {
        r.join().expect("reader panicked");
    }
    let r = idx.read().expect("lock");
    for i in 0..50u32 {
        assert_eq!(plain(&r, &format!("s.{i}")), vec![i]);
    }
}
