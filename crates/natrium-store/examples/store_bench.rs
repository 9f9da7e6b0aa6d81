//! Throughput of `store()` for 1M 128-byte messages, memory and file.
//!
//! `cargo run --release -p natrium-store --example store_bench [count]`
//! The file store runs with the default policy (interval sync, each store
//! written through to the OS), with a 64 KiB write buffer, and with
//! `SyncPolicy::Always` on a smaller count (one fdatasync per message).

use std::time::Instant;

use natrium_store::{
    FileStore, FileStoreOptions, MemoryStore, MessageStore, StoreLimits, SyncPolicy,
};

fn run(name: &str, store: &dyn MessageStore, count: u64) {
    let payload = [b'x'; 128];
    let start = Instant::now();
    for i in 0..count {
        let subject = if i % 2 == 0 {
            &b"bench.even"[..]
        } else {
            &b"bench.odd"[..]
        };
        store.store(subject, b"", &payload, None).expect("store");
    }
    store.sync().expect("sync");
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{name:<34} {count:>9} msgs in {secs:>7.3}s = {:>11.0} msgs/s",
        count as f64 / secs
    );
}

fn file(opts: FileStoreOptions) -> (tempfile::TempDir, FileStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, _) = FileStore::open(dir.path(), opts, StoreLimits::default()).expect("open");
    (dir, store)
}

fn main() {
    let count: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    run("memory", &MemoryStore::new(StoreLimits::default()), count);

    let (_d, s) = file(FileStoreOptions::default());
    run("file (interval, write-through)", &s, count);

    let (_d, s) = file(FileStoreOptions {
        write_buffer: 64 * 1024,
        ..Default::default()
    });
    run("file (interval, 64 KiB buffer)", &s, count);

    let (_d, s) = file(FileStoreOptions {
        sync: SyncPolicy::Always,
        ..Default::default()
    });
    run("file (always fsync)", &s, (count / 100).max(1000));
}
