//! Kill -9 a writer mid-stream and check every acknowledged message survived.
//!
//! The test binary re-runs itself (`current_exe`) with an environment
//! variable that turns `writer_child` into a writer: it stores messages with
//! `SyncPolicy::Always` and prints `ACK <seq>` after each store returns. The
//! parent kills it with SIGKILL while it is writing, then reopens the store
//! and checks every acknowledged sequence byte for byte.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use natrium_store::{FileStore, FileStoreOptions, MessageStore, StoreLimits, SyncPolicy};

const DIR_VAR: &str = "NATRIUM_STORE_CRASH_DIR";

fn options() -> FileStoreOptions {
    FileStoreOptions {
        sync: SyncPolicy::Always,
        block_size: 16 * 1024,
        write_buffer: 0,
        compress: false,
    }
}

fn payload(seq: u64) -> Vec<u8> {
    format!("crash-payload-{seq}-")
        .into_bytes()
        .repeat(1 + (seq % 7) as usize)
}

#[test]
fn writer_child() {
    let Ok(dir) = std::env::var(DIR_VAR) else {
        return; // Only does something when spawned by the test below.
    };
    let (store, _) = FileStore::open(&dir, options(), StoreLimits::default()).unwrap();
    let mut out = std::io::stdout().lock();
    for _ in 0..1_000_000u64 {
        let next = store.state(false).last_seq + 1;
        let subject = format!("crash.{}", next % 5);
        let (seq, _) = store
            .store(subject.as_bytes(), b"", &payload(next), None)
            .unwrap();
        writeln!(out, "ACK {seq}").unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["writer_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(DIR_VAR, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acked = Vec::new();
    while acked.len() < 300 {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(seq) = line.strip_prefix("ACK ") {
            acked.push(seq.parse::<u64>().unwrap());
        }
    }
    child.kill().unwrap(); // SIGKILL on Unix
                           // Acks printed before the kill are acknowledged too.
    for line in lines.map_while(Result::ok) {
        if let Some(seq) = line.strip_prefix("ACK ") {
            acked.push(seq.parse::<u64>().unwrap());
        }
    }
    child.wait().unwrap();
    assert!(
        acked.len() >= 300,
        "writer produced too little: {}",
        acked.len()
    );
    std::thread::sleep(Duration::from_millis(10));

    let (store, _report) = FileStore::open(dir.path(), options(), StoreLimits::default()).unwrap();
    for &seq in &acked {
        let m = store.load(seq).unwrap();
        assert_eq!(&m.payload[..], &payload(seq)[..], "seq {seq}");
        assert_eq!(&m.subject[..], format!("crash.{}", seq % 5).as_bytes());
    }
    let st = store.state(false);
    assert!(st.last_seq >= *acked.last().unwrap());
    assert_eq!(st.msgs, st.last_seq);
}
