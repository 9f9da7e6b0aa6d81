//! The sending side: `STREAM.SNAPSHOT` answers at once, then a thread of
//! its own writes the archive into acknowledged chunks.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use natrium_jetstream::consumer::ConsumerConfig;
use natrium_jetstream::errors::ErrorId;
use natrium_jetstream::stream::{StorageType, StreamInfoRequest};
use natrium_jetstream::{ApiError, Timestamp};
use natrium_store::StoreError;
use parking_lot::{Condvar, Mutex};
use tracing::{info, warn};

use super::archive::{ArchiveError, ArchiveWriter};
use super::consumer_state::NatsConsumerState;
use super::{transfer_id, SnapshotBody, SnapshotRequest, STALLED};
use crate::internal::InternalClient;
use crate::jetstream::stream::Stream;
use crate::jetstream::JetStream;

const DEFAULT_CHUNK: usize = 128 * 1024;
const DEFAULT_WINDOW: usize = 8 * 1024 * 1024;

/// The acknowledgements of a snapshot being sent, shared by the writer
/// thread (which waits for room in the window) and the JetStream thread
/// (which counts the acks as they arrive).
pub(super) struct Flow {
    state: Mutex<FlowState>,
    changed: Condvar,
}

struct FlowState {
    acked: u64,
    cancelled: bool,
    last_activity: Instant,
}

impl Flow {
    fn new() -> Flow {
        Flow {
            state: Mutex::new(FlowState {
                acked: 0,
                cancelled: false,
                last_activity: Instant::now(),
            }),
            changed: Condvar::new(),
        }
    }

    fn ack(&self, bytes: u64) {
        let mut state = self.state.lock();
        state.acked += bytes;
        state.last_activity = Instant::now();
        self.changed.notify_all();
    }

    pub fn cancel(&self) {
        self.state.lock().cancelled = true;
        self.changed.notify_all();
    }

    pub fn stalled(&self, now: Instant) -> bool {
        now.duration_since(self.state.lock().last_activity) >= STALLED
    }

    /// Waits until fewer than `window` of the `sent` bytes are unacknowledged.
    fn wait_for_room(&self, sent: u64, window: u64) -> std::io::Result<()> {
        let mut state = self.state.lock();
        while sent.saturating_sub(state.acked) >= window {
            if state.cancelled {
                return Err(std::io::Error::other("the client stopped acknowledging"));
            }
            if self
                .changed
                .wait_for(&mut state, Duration::from_secs(1))
                .timed_out()
                && state.last_activity.elapsed() >= STALLED
            {
                return Err(std::io::Error::other("no acknowledgement for too long"));
            }
        }
        Ok(())
    }
}

/// Cuts what the archive writes into chunks for the deliver subject.
struct ChunkSender {
    client: Arc<InternalClient>,
    deliver: String,
    ack_prefix: String,
    chunk: usize,
    window: u64,
    flow: Arc<Flow>,
    buf: Vec<u8>,
    sent: u64,
    index: u64,
}

impl ChunkSender {
    fn send_chunk(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.flow.wait_for_room(self.sent, self.window)?;
        self.index += 1;
        let reply = format!("{}.{}.{}", self.ack_prefix, self.buf.len(), self.index);
        self.client.publish(
            self.deliver.as_bytes(),
            Some(reply.as_bytes()),
            None,
            &self.buf,
        );
        self.sent += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// The last chunk, then the empty message that ends the snapshot.
    fn finish(mut self) -> std::io::Result<u64> {
        self.send_chunk()?;
        self.client
            .publish(self.deliver.as_bytes(), None, None, &[]);
        Ok(self.sent)
    }
}

impl Write for ChunkSender {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = data.len().min(self.chunk - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == self.chunk {
            self.send_chunk()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What the writer thread needs of a consumer.
struct ConsumerCopy {
    name: String,
    config: ConsumerConfig,
    created: Timestamp,
    state: NatsConsumerState,
}

fn snapshot_failed(err: impl ToString) -> ApiError {
    ApiError::with(ErrorId::StreamSnapshotErrF, &[("err", &err.to_string())])
}

impl JetStream {
    pub(in crate::jetstream) fn snapshot_request(
        &self,
        name: &str,
        body: &[u8],
    ) -> Result<SnapshotBody, ApiError> {
        let trimmed = body.trim_ascii();
        if trimmed.is_empty() || trimmed == b"null" {
            return Err(ErrorId::BadRequestErr.into());
        }
        let stream = self.stream(name).ok_or(ErrorId::StreamNotFoundErr)?;
        let request: SnapshotRequest =
            serde_json::from_slice(body).map_err(|e| ApiError::from_json_error(&e))?;
        if request.deliver_subject.is_empty()
            || !natrium_subjects::is_valid_subject(request.deliver_subject.as_bytes())
        {
            return Err(ErrorId::SnapshotDeliverSubjectInvalidErr.into());
        }
        if stream.config.storage == StorageType::Memory {
            // As nats-server: memory streams have no snapshot.
            return Err(snapshot_failed("no impl"));
        }
        if request.check_msgs {
            info!("Starting health check and snapshot for stream '$G > {name}'");
        } else {
            info!("Starting snapshot for stream '$G > {name}'");
        }
        // Everything stored so far is in the archive.
        stream.store.flush().map_err(snapshot_failed)?;
        let info = self.info(&stream, &StreamInfoRequest::default());
        let consumers = if request.no_consumers {
            Vec::new()
        } else {
            self.consumers_of(name)
                .iter()
                .map(|c| ConsumerCopy {
                    name: c.name.clone(),
                    config: c.config.clone(),
                    created: c.created,
                    state: NatsConsumerState::from_saved(&c.take_state_for_update()),
                })
                .collect()
        };
        let id = transfer_id();
        let chunk = match request.chunk_size {
            0 => DEFAULT_CHUNK,
            n => n.clamp(1024, 1024 * 1024),
        };
        let window = match request.window_size {
            0 => DEFAULT_WINDOW,
            n => n.clamp(1024, 32 * 1024 * 1024),
        }
        .max(chunk);
        let flow = Arc::new(Flow::new());
        let sender = ChunkSender {
            client: self.client.clone(),
            deliver: request.deliver_subject.clone(),
            ack_prefix: format!("$JS.SNAPSHOT.ACK.{name}.{id}"),
            chunk,
            window: window as u64,
            flow: flow.clone(),
            buf: Vec::with_capacity(chunk),
            sent: 0,
            index: 0,
        };
        self.transfers.snapshots.lock().insert(id.clone(), flow);
        let transfers_done = {
            let name = name.to_string();
            move |result: Result<u64, ArchiveError>, started: Instant| match result {
                Ok(size) => info!(
                    "Completed snapshot of {size} bytes for stream '$G > {name}' in {:?}",
                    started.elapsed()
                ),
                Err(err) => warn!("Snapshot of stream '$G > {name}' failed: {err}"),
            }
        };
        let last_seq = info.state.last_seq;
        let client = self.client.clone();
        let deliver = request.deliver_subject.clone();
        let written = std::thread::Builder::new()
            .name(format!("snapshot {name}"))
            .spawn(move || {
                let started = Instant::now();
                let result = write_snapshot(&stream, last_seq, &consumers, sender);
                if let Err(err) = &result {
                    // The client learns at once instead of waiting for more.
                    let line =
                        format!("NATS/1.0 500 snapshot failed: {err}").replace(['\n', '\r'], " ");
                    let status = format!("{line}\r\n\r\n");
                    client.publish(deliver.as_bytes(), None, Some(status.as_bytes()), &[]);
                }
                transfers_done(result, started);
            });
        if let Err(err) = written {
            self.transfers.snapshots.lock().remove(&id);
            return Err(snapshot_failed(err));
        }
        Ok(SnapshotBody {
            config: Some(info.config),
            state: Some(info.state),
        })
    }

    /// An ack of a snapshot chunk: `$JS.SNAPSHOT.ACK.<stream>.<id>.<size>.<n>`.
    pub(in crate::jetstream) fn snapshot_ack(&self, subject: &str) {
        let tokens: Vec<&str> = subject.split('.').collect();
        let (Some(id), Some(size)) = (tokens.get(4), tokens.get(5)) else {
            return;
        };
        if let Some(flow) = self.transfers.snapshots.lock().get(*id) {
            flow.ack(size.parse().unwrap_or(0));
        }
    }
}

/// Writes the archive of `stream` (up to `last_seq`) into `sender`; the
/// bytes sent.
fn write_snapshot(
    stream: &Stream,
    last_seq: u64,
    consumers: &[ConsumerCopy],
    sender: ChunkSender,
) -> Result<u64, ArchiveError> {
    let mut archive = ArchiveWriter::new(sender, &stream.config, stream.created)?;
    let state = stream.store.state(false);
    let mut last_msg = 0;
    if state.msgs > 0 {
        for seq in state.first_seq..=last_seq {
            match stream.store.load(seq) {
                Ok(m) => {
                    archive.message(seq, m.timestamp, &m.subject, &m.headers, &m.payload)?;
                    last_msg = seq;
                }
                Err(StoreError::NotFound | StoreError::Deleted) => {}
                Err(err) => return Err(ArchiveError::Store(err.to_string())),
            }
        }
    }
    archive.end_messages(last_seq, state.last_ts, last_msg)?;
    for consumer in consumers {
        archive.consumer(
            &consumer.name,
            &consumer.config,
            consumer.created,
            &consumer.state,
        )?;
    }
    Ok(archive.finish()?.finish()?)
}
