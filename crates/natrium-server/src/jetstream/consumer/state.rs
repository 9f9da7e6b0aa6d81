//! What a consumer keeps on disk: its configuration (`meta.json`) and its
//! progress (`state.json`) under `<stream dir>/obs/<consumer>/`.
//!
//! Progress is written whole, to a temporary file renamed over the old one,
//! so a crash leaves either the previous state or the new one, never a mix.
//! It is written after each group of messages JetStream handles (so acks
//! reach it in batches) and fsynced when the server syncs every write. On
//! restart, messages that were awaiting an ack are delivered again once
//! their ack wait has passed, as nats-server does: nothing acknowledged is
//! redelivered, nothing unacknowledged is lost.

use std::io::Write;
use std::path::{Path, PathBuf};

use natrium_jetstream::consumer::ConsumerConfig;
use natrium_jetstream::Timestamp;
use serde::{Deserialize, Serialize};

/// `meta.json`: what the consumer is.
#[derive(Serialize, Deserialize)]
pub struct ConsumerMeta {
    pub config: ConsumerConfig,
    pub created: Timestamp,
}

/// `state.json`: how far the consumer got.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedState {
    /// Next stream sequence to consider for delivery.
    pub next_seq: u64,
    /// Last delivered (consumer sequence, stream sequence).
    pub delivered: (u64, u64),
    /// Acknowledged floor (consumer sequence, stream sequence).
    pub ack_floor: (u64, u64),
    /// Delivered, not yet acknowledged: (stream seq, consumer seq, delivered at, deliveries).
    pub pending: Vec<(u64, u64, i64, u64)>,
    pub num_redelivered: u64,
    /// Sequences still to deliver first (`last_per_subject`).
    pub initial: Vec<u64>,
}

pub fn meta_path(dir: &Path) -> PathBuf {
    dir.join("meta.json")
}

pub fn state_path(dir: &Path) -> PathBuf {
    dir.join("state.json")
}

/// Writes `bytes` to `path` atomically (temp file, optional fsync, rename).
pub fn write_atomically(path: &Path, bytes: &[u8], sync: bool) -> std::io::Result<()> {
    let temp = path.with_extension("tmp");
    {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        if sync {
            file.sync_data()?;
        }
    }
    std::fs::rename(&temp, path)
}

pub fn load_meta(dir: &Path) -> std::io::Result<ConsumerMeta> {
    let bytes = std::fs::read(meta_path(dir))?;
    serde_json::from_slice(&bytes).map_err(std::io::Error::other)
}

pub fn load_state(dir: &Path) -> Option<SavedState> {
    let bytes = std::fs::read(state_path(dir)).ok()?;
    serde_json::from_slice(&bytes).ok()
}
