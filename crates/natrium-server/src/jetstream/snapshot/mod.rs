//! Stream snapshots and restores: `$JS.API.STREAM.SNAPSHOT.<stream>` and
//! `$JS.API.STREAM.RESTORE.<stream>`, in nats-server's wire format so that
//! `nats stream backup/restore` and backups moved between nats-server and
//! natrium-server work.
//!
//! A snapshot is answered at once (the stream's configuration and state),
//! then a thread of its own writes the archive (an S2-compressed tar laid
//! out as nats-server's stream directory, see [`archive`]) straight into
//! chunks for the client's deliver subject, reading the store as it goes
//! (up to the last sequence of the answer). Each chunk's reply subject,
//! `$JS.SNAPSHOT.ACK.<stream>.<id>.<size>.<n>`, is how the client
//! acknowledges it; the acks arrive on the JetStream thread, which lets the
//! writer go on: at most a window of unacknowledged bytes is out at once.
//! An empty message ends the snapshot.
//!
//! A restore works the other way round: the client sends chunks to
//! `$JS.SNAPSHOT.RESTORE.<stream>.<id>`, each acknowledged with an empty
//! reply, and an empty chunk to finish; the answer to that last chunk is the
//! new stream's info (or the error). The upload is staged in a temporary
//! file and read back in one pass; the stream only appears once everything
//! in it checked out, so a truncated or tampered upload leaves nothing.
//!
//! Restores run on the JetStream thread, driven by the chunks that arrive;
//! transfers nobody drives any more are dropped after [`STALLED`].

mod archive;
mod blocks;
mod consumer_state;
mod restore;
mod s2;
mod send;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use natrium_jetstream::{ApiBody, StreamConfig, StreamState};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

/// Where the snapshot subjects live (acks and restore chunks).
pub(super) const TRANSFER_SUBJECTS: &str = "$JS.SNAPSHOT.>";
/// Transfers with no activity for this long are abandoned.
const STALLED: Duration = Duration::from_secs(10);

/// The snapshot transfers in progress.
pub(super) struct Transfers {
    /// The subscription to [`TRANSFER_SUBJECTS`].
    pub sid: u64,
    dir: PathBuf,
    snapshots: Mutex<HashMap<String, std::sync::Arc<send::Flow>>>,
    restores: Mutex<HashMap<String, restore::Inbound>>,
}

impl Transfers {
    pub fn new(sid: u64, store_dir: &std::path::Path) -> Transfers {
        let dir = store_dir.join("snapshots");
        // Leftovers of transfers cut short by a restart.
        let _ = std::fs::remove_dir_all(&dir);
        Transfers {
            sid,
            dir,
            snapshots: Mutex::new(HashMap::new()),
            restores: Mutex::new(HashMap::new()),
        }
    }

    fn temp_path(&self, id: &str) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(&self.dir)?;
        Ok(self.dir.join(id))
    }

    /// Drops transfers nobody drove for [`STALLED`].
    pub fn expire(&self) {
        let now = Instant::now();
        self.snapshots.lock().retain(|_, flow| {
            let keep = !flow.stalled(now);
            if !keep {
                flow.cancel();
            }
            keep
        });
        self.restores.lock().retain(|_, r| {
            let keep = now.duration_since(r.last_activity) < STALLED;
            if !keep {
                tracing::warn!("Restore of stream '{}' stalled, abandoned", r.stream);
                let _ = std::fs::remove_file(&r.path);
            }
            keep
        });
    }
}

/// `STREAM.SNAPSHOT` request.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SnapshotRequest {
    deliver_subject: String,
    no_consumers: bool,
    chunk_size: usize,
    window_size: usize,
    #[serde(rename = "jsck")]
    check_msgs: bool,
}

/// `STREAM.SNAPSHOT` response: what was snapshotted.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SnapshotBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<StreamConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<StreamState>,
}

impl ApiBody for SnapshotBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.stream_snapshot_response";
}

/// `STREAM.RESTORE` request.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RestoreRequest {
    config: Option<serde_json::Value>,
    #[allow(dead_code)]
    state: Option<serde_json::Value>,
}

/// `STREAM.RESTORE` response: where to send the chunks.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct RestoreBody {
    #[serde(default)]
    pub deliver_subject: String,
}

impl ApiBody for RestoreBody {
    const TYPE: &'static str = "io.nats.jetstream.api.v1.stream_restore_response";
}

/// A unique id for a transfer (nuid-like: 22 alphanumerics).
fn transfer_id() -> String {
    super::consumers::advisory_id()
}

impl super::JetStream {
    /// A message on the transfer subjects: a snapshot chunk's ack, or a
    /// restore chunk.
    pub(super) fn handle_transfer(
        &self,
        message: crate::internal::InternalMessage,
        group: &mut super::Group,
    ) {
        if message.subject.starts_with("$JS.SNAPSHOT.ACK.") {
            self.snapshot_ack(&message.subject);
        } else if message.subject.starts_with("$JS.SNAPSHOT.RESTORE.") {
            // Finishing a restore writes a whole stream.
            group.api_calls = true;
            self.restore_chunk(
                &message.subject,
                message.reply.as_deref(),
                &message.payload,
                &mut group.replies,
            );
        }
    }
}
