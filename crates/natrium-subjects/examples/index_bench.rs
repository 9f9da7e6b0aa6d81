//! Micro benchmark for `SubjectIndex::matches` (and subscription churn).
//!
//! Dependency-free on purpose (no criterion): each scenario runs a fixed
//! number of operations after a warm-up, five times, and prints the best
//! nanoseconds per operation (the least disturbed by other processes). Run
//! with `cargo run --release -p natrium-subjects --example index_bench [filter]`;
//! a filter runs only scenarios whose name contains it. Numbers are for
//! comparison between versions on the same machine only.

use std::hint::black_box;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use natrium_subjects::SubjectIndex;

/// A stand-in for the server's subscription handle: pointer-identity `Arc`.
#[derive(Clone)]
struct Sub(Arc<u32>);

impl PartialEq for Sub {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

fn sub(i: u32) -> Sub {
    Sub(Arc::new(i))
}

fn subjects(n: usize, f: impl Fn(usize) -> String) -> Vec<Vec<u8>> {
    (0..n).map(|i| f(i).into_bytes()).collect()
}

const ROUNDS: usize = 5;

/// Runs `op` over `inputs` cyclically for `iters` operations, `ROUNDS`
/// times; returns the best ns/op.
fn time(iters: usize, inputs: &[Vec<u8>], mut op: impl FnMut(&[u8])) -> f64 {
    let n = inputs.len();
    for s in inputs.iter().take(iters.min(n)) {
        op(s);
    }
    let mut best = f64::MAX;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for i in 0..iters {
            op(&inputs[i % n]);
        }
        best = best.min(start.elapsed().as_nanos() as f64 / iters as f64);
    }
    best
}

/// Best of `ROUNDS` runs of `round`, which returns (elapsed ns, ops).
fn time_rounds(mut round: impl FnMut() -> (u128, usize)) -> f64 {
    (0..ROUNDS)
        .map(|_| {
            let (ns, ops) = round();
            ns as f64 / ops as f64
        })
        .fold(f64::MAX, f64::min)
}

fn literal_index(cache: usize) -> SubjectIndex<Sub> {
    let mut idx = SubjectIndex::with_cache_capacity(cache);
    for i in 0..10_000u32 {
        let s = format!("orders.region{}.store{}.created", i % 20, i);
        idx.insert(s.as_bytes(), None, sub(i))
            .expect("valid subject");
    }
    // A little realistic wildcard interest on top.
    idx.insert(b"orders.>", None, sub(1))
        .expect("valid subject");
    idx.insert(b"orders.*.*.created", Some(b"auditors"), sub(2))
        .expect("valid subject");
    idx
}

fn wildcard_index(cache: usize) -> SubjectIndex<Sub> {
    let mut patterns: Vec<(String, Option<&[u8]>)> = Vec::new();
    for i in 0..2_000 {
        patterns.push((format!("telemetry.*.sensor{i}.temp"), None));
        patterns.push((format!("telemetry.dev{i}.>"), None));
        patterns.push((format!("*.dev{}.*.temp", i % 100), None));
        patterns.push((format!("telemetry.dev{}.*.*", i % 50), Some(b"workers")));
        patterns.push((format!("telemetry.dev{i}.sensor{i}.temp"), None));
    }
    patterns.push((">".to_owned(), None));
    patterns.push(("telemetry.>".to_owned(), Some(b"archivers")));
    let mut idx = SubjectIndex::with_cache_capacity(cache);
    for (n, (s, q)) in patterns.iter().enumerate() {
        idx.insert(s.as_bytes(), *q, sub(n as u32))
            .expect("valid subject");
    }
    idx
}

fn report(name: &str, ns: f64, fanout: usize) {
    println!("{name:<58} {ns:>9.1} ns/op   (fanout {fanout})");
}

fn main() {
    let filter = std::env::args().nth(1).unwrap_or_default();
    let run = |name: &str| name.contains(filter.as_str());
    let iters = 1_000_000;
    let hot = subjects(256, |i| {
        format!("orders.region{}.store{}.created", i % 20, i * 37)
    });
    let all = subjects(10_000, |i| {
        format!("orders.region{}.store{}.created", i % 20, i)
    });
    let fan = literal_index(0).matches(&hot[0]).len();

    let name = "cache hit (10k subs, 256 hot subjects)";
    if run(name) {
        let idx = literal_index(1024);
        let ns = time(iters, &hot, |s| {
            black_box(idx.matches(black_box(s)));
        });
        report(name, ns, fan);
    }

    let name = "cache hit via RwLock::read";
    if run(name) {
        let locked = RwLock::new(literal_index(1024));
        let ns = time(iters, &hot, |s| {
            let guard = locked.read().unwrap_or_else(|e| e.into_inner());
            black_box(guard.matches(black_box(s)));
        });
        report(name, ns, fan);
    }

    let name = "cache hit, 2 threads on one RwLock (per-thread ns/op)";
    if run(name) {
        let locked = Arc::new(RwLock::new(literal_index(1024)));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let locked = Arc::clone(&locked);
                let hot = hot.clone();
                std::thread::spawn(move || {
                    time(iters, &hot, |s| {
                        let guard = locked.read().unwrap_or_else(|e| e.into_inner());
                        black_box(guard.matches(black_box(s)));
                    })
                })
            })
            .collect();
        let ns = threads
            .into_iter()
            .map(|t| t.join().unwrap_or(f64::NAN))
            .fold(0.0, f64::max);
        report(name, ns, fan);
    }

    let name = "cache hit, 2 threads sharing &SubjectIndex (per-thread)";
    if run(name) {
        let shared = Arc::new(literal_index(1024));
        let threads: Vec<_> = (0..2)
            .map(|t| {
                let shared = Arc::clone(&shared);
                // Each thread walks the hot set from a different offset.
                let mut hot = hot.clone();
                hot.rotate_left(t * 128);
                std::thread::spawn(move || {
                    time(iters, &hot, |s| {
                        black_box(shared.matches(black_box(s)));
                    })
                })
            })
            .collect();
        let ns = threads
            .into_iter()
            .map(|t| t.join().unwrap_or(f64::NAN))
            .fold(0.0, f64::max);
        report(name, ns, fan);
    }

    let name = "cache miss, no cache (10k subs, 10k subjects cycling)";
    if run(name) {
        let idx = literal_index(0);
        let ns = time(iters / 2, &all, |s| {
            black_box(idx.matches(black_box(s)));
        });
        report(name, ns, fan);
    }

    let name = "cache miss, no cache (10k subs, 256 hot subjects)";
    if run(name) {
        let idx = literal_index(0);
        let ns = time(iters, &hot, |s| {
            black_box(idx.matches(black_box(s)));
        });
        report(name, ns, fan);
    }

    let name = "cache miss + store/evict (10k subjects cycling, cap 1024)";
    if run(name) {
        let idx = literal_index(1024);
        let ns = time(iters / 2, &all, |s| {
            black_box(idx.matches(black_box(s)));
        });
        report(name, ns, fan);
    }

    let name = "cache miss, no interest (10k subs)";
    if run(name) {
        let none = subjects(1024, |i| format!("unrelated.subject.{i}"));
        let idx = literal_index(0);
        let ns = time(iters, &none, |s| {
            black_box(idx.matches(black_box(s)));
        });
        report(name, ns, 0);
    }

    // Wildcard-heavy index: 10k patterns, most with `*` / `>`.
    let wsubs = subjects(2_000, |i| format!("telemetry.dev{i}.sensor{i}.temp"));
    let wfan = wildcard_index(0).matches(&wsubs[7]).len();
    let name = "wildcard-heavy miss, no cache (10k patterns)";
    if run(name) {
        let idx = wildcard_index(0);
        let ns = time(iters / 4, &wsubs, |s| {
            black_box(idx.matches(black_box(s)));
        });
        report(name, ns, wfan);
    }
    let name = "wildcard-heavy cache hit (2k hot subjects)";
    if run(name) {
        let idx = wildcard_index(4096);
        let ns = time(iters, &wsubs, |s| {
            black_box(idx.matches(black_box(s)));
        });
        report(name, ns, wfan);
    }

    let name = "inbox churn: insert + match + remove (warm cache)";
    if run(name) {
        let mut idx = literal_index(1024);
        for s in &hot {
            idx.matches(s);
        }
        let inboxes = subjects(100_000, |i| format!("_INBOX.Nq3kq8kP6AX2mfgvcgCYPz.{i}"));
        let item = sub(0);
        let ns = time_rounds(|| {
            let start = Instant::now();
            for s in &inboxes {
                idx.insert(s, None, item.clone()).expect("valid subject");
                black_box(idx.matches(s));
                idx.remove(s, None, &item);
            }
            (start.elapsed().as_nanos(), inboxes.len())
        });
        report(name, ns, 1);
        assert_eq!(
            idx.stats().num_cache as usize,
            hot.len(),
            "hot set stayed cached"
        );
    }

    let name = "reply to mux inbox _INBOX.x.*: unique subjects, cap 1024";
    if run(name) {
        let mut idx = literal_index(1024);
        idx.insert(b"_INBOX.Nq3kq8kP6AX2mfgvcgCYPz.*", None, sub(0))
            .expect("valid subject");
        let replies = subjects(100_000, |i| format!("_INBOX.Nq3kq8kP6AX2mfgvcgCYPz.{i}"));
        let ns = time(replies.len(), &replies, |s| {
            black_box(idx.matches(black_box(s)));
        });
        report(name, ns, 1);
    }

    let name = "wildcard sub churn: insert + remove (1024 cached)";
    if run(name) {
        let mut idx = literal_index(1024);
        for s in all.iter().take(1024) {
            idx.matches(s);
        }
        let item = sub(0);
        let n = 5_000;
        let ns = time_rounds(|| {
            let start = Instant::now();
            for i in 0..n {
                let p = if i % 2 == 0 {
                    &b"orders.*.store7.>"[..]
                } else {
                    &b"orders.region3.*.created"[..]
                };
                idx.insert(p, None, item.clone()).expect("valid subject");
                idx.remove(p, None, &item);
            }
            (start.elapsed().as_nanos(), n)
        });
        report(name, ns, 0);
    }
}
