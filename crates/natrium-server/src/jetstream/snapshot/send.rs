//! The sending side: `STREAM.SNAPSHOT` writes the archive and streams it to
//! the client in acknowledged chunks.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::Instant;

use natrium_jetstream::errors::ErrorId;
use natrium_jetstream::stream::{StorageType, StreamInfoRequest};
use natrium_jetstream::ApiError;
use natrium_store::StoreError;
use tracing::info;

use super::archive::{ArchiveError, ArchiveWriter};
use super::consumer_state::NatsConsumerState;
use super::{transfer_id, SnapshotBody, SnapshotRequest};
use crate::jetstream::consumer::Outgoing;
use crate::jetstream::stream::Stream;
use crate::jetstream::JetStream;

const DEFAULT_CHUNK: usize = 128 * 1024;
const DEFAULT_WINDOW: usize = 8 * 1024 * 1024;

/// A snapshot being streamed out.
pub(super) struct Outbound {
    pub path: PathBuf,
    file: File,
    stream: String,
    deliver: String,
    ack_prefix: String,
    chunk: usize,
    window: usize,
    size: u64,
    sent: u64,
    acked: u64,
    index: u64,
    started: Instant,
    pub last_activity: Instant,
}

impl Outbound {
    /// The chunks the window allows now, then the end marker once all is out.
    fn next_chunks(&mut self, out: &mut Vec<Outgoing>) -> std::io::Result<bool> {
        while self.sent < self.size && self.sent - self.acked < self.window as u64 {
            let len = (self.size - self.sent).min(self.chunk as u64) as usize;
            let mut buf = vec![0u8; len];
            self.file.seek(SeekFrom::Start(self.sent))?;
            self.file.read_exact(&mut buf)?;
            self.index += 1;
            let mut message = Outgoing::to(&self.deliver, None, buf);
            message.reply = Some(format!("{}.{len}.{}", self.ack_prefix, self.index));
            out.push(message);
            self.sent += len as u64;
        }
        if self.sent == self.size {
            out.push(Outgoing::to(&self.deliver, None, bytes::Bytes::new()));
            return Ok(true);
        }
        Ok(false)
    }
}

fn snapshot_failed(err: impl ToString) -> ApiError {
    ApiError::with(ErrorId::StreamSnapshotErrF, &[("err", &err.to_string())])
}

impl JetStream {
    pub(in crate::jetstream) fn snapshot_request(
        &self,
        name: &str,
        body: &[u8],
        side: &mut Vec<Outgoing>,
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
        let started = Instant::now();
        let id = transfer_id();
        let path = self.transfers.temp_path(&id).map_err(snapshot_failed)?;
        let written = self.write_snapshot(&stream, !request.no_consumers, &path);
        let size = match written {
            Ok(size) => size,
            Err(err) => {
                let _ = std::fs::remove_file(&path);
                tracing::warn!("Snapshot of stream '$G > {name}' failed: {err}");
                return Err(snapshot_failed(err));
            }
        };
        let file = File::open(&path).map_err(snapshot_failed)?;
        let chunk = match request.chunk_size {
            0 => DEFAULT_CHUNK,
            n => n.clamp(1024, 1024 * 1024),
        };
        let window = match request.window_size {
            0 => DEFAULT_WINDOW,
            n => n.clamp(1024, 32 * 1024 * 1024),
        }
        .max(chunk);
        let mut outbound = Outbound {
            path,
            file,
            stream: name.to_string(),
            deliver: request.deliver_subject.clone(),
            ack_prefix: format!("$JS.SNAPSHOT.ACK.{name}.{id}"),
            chunk,
            window,
            size,
            sent: 0,
            acked: 0,
            index: 0,
            started,
            last_activity: Instant::now(),
        };
        let info = self.info(&stream, &StreamInfoRequest::default());
        match outbound.next_chunks(side) {
            Ok(true) => {
                let _ = std::fs::remove_file(&outbound.path);
                log_done(&outbound);
            }
            Ok(false) => {
                self.transfers.snapshots.lock().insert(id, outbound);
            }
            Err(err) => return Err(snapshot_failed(err)),
        }
        Ok(SnapshotBody {
            config: Some(info.config),
            state: Some(info.state),
        })
    }

    /// Writes the archive of `stream` to `path`; its size.
    fn write_snapshot(
        &self,
        stream: &Stream,
        consumers: bool,
        path: &std::path::Path,
    ) -> Result<u64, ArchiveError> {
        // Everything stored so far is in the archive.
        stream
            .store
            .flush()
            .map_err(|e| ArchiveError::Store(e.to_string()))?;
        let out = BufWriter::with_capacity(1 << 20, File::create(path)?);
        let mut archive = ArchiveWriter::new(out, &stream.config, stream.created)?;
        let state = stream.store.state(false);
        let mut last_msg = 0;
        if state.msgs > 0 {
            for seq in state.first_seq..=state.last_seq {
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
        archive.end_messages(state.last_seq, state.last_ts, last_msg)?;
        if consumers {
            for consumer in self.consumers_of(&stream.config.name) {
                let saved = consumer.take_state_for_update();
                archive.consumer(
                    &consumer.name,
                    &consumer.config,
                    consumer.created,
                    &NatsConsumerState::from_saved(&saved),
                )?;
            }
        }
        let mut out = archive.finish()?;
        use std::io::Write;
        out.flush()?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        Ok(file.metadata()?.len())
    }

    /// An ack of a snapshot chunk: `$JS.SNAPSHOT.ACK.<stream>.<id>.<size>.<n>`.
    pub(in crate::jetstream) fn snapshot_ack(&self, subject: &str, out: &mut Vec<Outgoing>) {
        let tokens: Vec<&str> = subject.split('.').collect();
        let (Some(id), Some(size)) = (tokens.get(4), tokens.get(5)) else {
            return;
        };
        let size: u64 = size.parse().unwrap_or(0);
        let mut snapshots = self.transfers.snapshots.lock();
        let Some(outbound) = snapshots.get_mut(*id) else {
            return;
        };
        outbound.acked = (outbound.acked + size).min(outbound.sent);
        outbound.last_activity = Instant::now();
        match outbound.next_chunks(out) {
            Ok(false) => {}
            Ok(true) => {
                if let Some(done) = snapshots.remove(*id) {
                    let _ = std::fs::remove_file(&done.path);
                    log_done(&done);
                }
            }
            Err(err) => {
                tracing::warn!("Snapshot of stream '{}' failed: {err}", outbound.stream);
                if let Some(done) = snapshots.remove(*id) {
                    let _ = std::fs::remove_file(&done.path);
                }
            }
        }
    }
}

fn log_done(outbound: &Outbound) {
    info!(
        "Completed snapshot of {} bytes for stream '$G > {}' in {:?}",
        outbound.size,
        outbound.stream,
        outbound.started.elapsed()
    );
}
