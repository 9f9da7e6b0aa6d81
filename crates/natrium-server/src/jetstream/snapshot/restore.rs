//! The receiving side: `STREAM.RESTORE` stages the uploaded archive, then
//! builds the stream from it, all or nothing.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use natrium_jetstream::api::StreamCreateBody;
use natrium_jetstream::consumer::ConsumerConfig;
use natrium_jetstream::errors::ErrorId;
use natrium_jetstream::stream::metadata::set_server_metadata;
use natrium_jetstream::stream::{
    check_config, CheckOptions, StreamConfigRequest, StreamInfoRequest,
};
use natrium_jetstream::{ApiError, Response, StreamConfig, Timestamp};
use natrium_store::StoreError;
use tracing::{info, warn};

use super::archive::{read_archive, ArchiveError, Sink};
use super::consumer_state::NatsConsumerState;
use super::{transfer_id, RestoreBody, RestoreRequest};
use crate::jetstream::consumer::{Consumer, Outgoing};
use crate::jetstream::stream::Stream;
use crate::jetstream::JetStream;
use crate::options::COMPATIBLE_VERSION;

/// An upload being received.
pub(super) struct Inbound {
    pub stream: String,
    config: StreamConfig,
    pub path: PathBuf,
    file: File,
    bytes: u64,
    started: Instant,
    pub last_activity: Instant,
}

fn restore_failed(err: impl ToString) -> ApiError {
    ApiError::with(ErrorId::StreamRestoreErrF, &[("err", &err.to_string())])
}

impl JetStream {
    pub(in crate::jetstream) fn restore_request(
        &self,
        name: &str,
        body: &[u8],
    ) -> Result<RestoreBody, ApiError> {
        let request: RestoreRequest =
            serde_json::from_slice(body).map_err(|e| ApiError::from_json_error(&e))?;
        let config_json = request.config.unwrap_or(serde_json::Value::Null);
        let bytes = serde_json::to_vec(&config_json).unwrap_or_default();
        let mut config = if config_json.is_null() {
            StreamConfig::default()
        } else {
            StreamConfigRequest::parse(&bytes)?.config
        };
        if config.name.is_empty() {
            config.name = name.to_string();
        }
        if config.name != name {
            return Err(ErrorId::StreamMismatchErr.into());
        }
        if name.contains(['/', '\\']) {
            return Err(ErrorId::StreamNameContainsPathSeparatorsErr.into());
        }
        if self.stream(name).is_some()
            || self
                .transfers
                .restores
                .lock()
                .values()
                .any(|r| r.stream == name)
        {
            return Err(ErrorId::StreamNameExistRestoreFailedErr.into());
        }
        let mut config = check_config(&config, &CheckOptions::default())?;
        set_server_metadata(
            &mut config,
            COMPATIBLE_VERSION,
            super::super::api::API_LEVEL,
        );
        self.check_overlap(&config, None)?;
        let id = transfer_id();
        let path = self.transfers.temp_path(&id).map_err(restore_failed)?;
        let file = File::create(&path).map_err(restore_failed)?;
        let deliver_subject = format!("$JS.SNAPSHOT.RESTORE.{name}.{id}");
        info!("Starting restore for stream '$G > {name}'");
        self.transfers.restores.lock().insert(
            deliver_subject.clone(),
            Inbound {
                stream: name.to_string(),
                config,
                path,
                file,
                bytes: 0,
                started: Instant::now(),
                last_activity: Instant::now(),
            },
        );
        Ok(RestoreBody { deliver_subject })
    }

    /// A chunk of an upload; the empty chunk ends it.
    pub(in crate::jetstream) fn restore_chunk(
        &self,
        subject: &str,
        reply: Option<&str>,
        payload: &[u8],
        out: &mut Vec<Outgoing>,
    ) {
        let mut restores = self.transfers.restores.lock();
        let Some(inbound) = restores.get_mut(subject) else {
            return;
        };
        inbound.last_activity = Instant::now();
        if !payload.is_empty() {
            let written = inbound.file.write_all(payload);
            inbound.bytes += payload.len() as u64;
            if written.is_err() {
                if let Some(failed) = restores.remove(subject) {
                    let _ = std::fs::remove_file(&failed.path);
                }
                if let Some(reply) = reply {
                    out.push(Outgoing::to(
                        reply,
                        None,
                        &b"-ERR 'storage failure during restore'"[..],
                    ));
                }
                return;
            }
            if let Some(reply) = reply {
                out.push(Outgoing::to(reply, None, bytes::Bytes::new()));
            }
            return;
        }
        let Some(inbound) = restores.remove(subject) else {
            return;
        };
        drop(restores);
        let result = self.finish_restore(&inbound, out);
        let _ = std::fs::remove_file(&inbound.path);
        let elapsed = inbound.started.elapsed();
        let response = match result {
            Ok(body) => {
                info!(
                    "Completed restore of {} bytes for stream '$G > {}' in {elapsed:?}",
                    inbound.bytes, inbound.stream
                );
                Response::ok(body).to_vec()
            }
            Err(error) => {
                warn!(
                    "Restore failed for {} bytes for stream '$G > {}' in {elapsed:?}: {}",
                    inbound.bytes, inbound.stream, error.description
                );
                Response::<StreamCreateBody>::err(error).to_vec()
            }
        };
        if let Some(reply) = reply {
            out.push(Outgoing::to(reply, None, response));
        }
    }

    fn finish_restore(
        &self,
        inbound: &Inbound,
        side: &mut Vec<Outgoing>,
    ) -> Result<StreamCreateBody, ApiError> {
        if self.stream(&inbound.stream).is_some() {
            return Err(ErrorId::StreamNameExistRestoreFailedErr.into());
        }
        let file = File::open(&inbound.path).map_err(restore_failed)?;
        let dir = self.stream_dir(&inbound.stream);
        let mut sink = RestoreSink {
            js: self,
            config: inbound.config.clone(),
            dir: dir.clone(),
            stream: None,
            last_seq: 0,
            unflushed: 0,
            consumers: Vec::new(),
        };
        let read = read_archive(BufReader::with_capacity(1 << 20, file), &mut sink);
        let finished = read.and_then(|()| {
            sink.stream
                .take()
                .ok_or_else(|| ArchiveError::Invalid("the snapshot has no stream".into()))
        });
        let stream = match finished {
            Ok(stream) => stream,
            Err(err) => {
                // Nothing of the stream may stay behind.
                if let Some(stream) = sink.stream.take() {
                    let _ = stream.store.close();
                }
                let _ = std::fs::remove_dir_all(&dir);
                return Err(restore_failed(err));
            }
        };
        let stream = Arc::new(stream);
        let stored = stream.store.flush().and_then(|()| self.persist(&stream));
        if let Err(err) = stored {
            let _ = stream.store.close();
            let _ = std::fs::remove_dir_all(&dir);
            return Err(restore_failed(err));
        }
        self.attach(&stream);
        for (name, config, created, state) in std::mem::take(&mut sink.consumers) {
            let saved = state.to_saved();
            let consumer = match self.consumer_dir(&stream, &name, config.mem_storage) {
                Some(dir) => Consumer::restore(
                    name,
                    config,
                    created,
                    dir,
                    saved,
                    stream.config.name.clone(),
                ),
                None => Consumer::restore_in_memory(
                    name,
                    config,
                    created,
                    saved,
                    stream.config.name.clone(),
                ),
            };
            if let Err(err) = self.add_consumer(consumer, side) {
                warn!(
                    "Restore of stream '{}': a consumer failed: {err}",
                    stream.config.name
                );
            }
        }
        self.save_consumers();
        Ok(StreamCreateBody {
            info: Some(self.info(&stream, &StreamInfoRequest::default())),
            did_create: false,
        })
    }
}

/// Builds the stream from what the archive holds.
struct RestoreSink<'a> {
    js: &'a JetStream,
    config: StreamConfig,
    dir: PathBuf,
    stream: Option<Stream>,
    /// The last sequence stored so far (asking the store each time costs).
    last_seq: u64,
    /// Bytes stored since the store last wrote its buffer out.
    unflushed: usize,
    consumers: Vec<(String, ConsumerConfig, Timestamp, NatsConsumerState)>,
}

/// How much a restore stores before the store writes it out.
const FLUSH_EVERY: usize = 8 << 20;

fn store_error(err: StoreError) -> ArchiveError {
    ArchiveError::Store(err.to_string())
}

impl RestoreSink<'_> {
    fn opened(&self) -> Result<&Stream, ArchiveError> {
        self.stream
            .as_ref()
            .ok_or_else(|| ArchiveError::Invalid("messages before meta.inf".into()))
    }
}

impl Sink for RestoreSink<'_> {
    fn stream(&mut self, _config: StreamConfig, created: Timestamp) -> Result<(), ArchiveError> {
        if self.stream.is_some() {
            return Err(ArchiveError::Invalid("two meta.inf files".into()));
        }
        // A directory left by an earlier failed attempt holds nothing of value.
        let _ = std::fs::remove_dir_all(&self.dir);
        let stream = Stream::open(
            self.config.clone(),
            created,
            &self.dir,
            &self.js.file_options(),
        )
        .map_err(store_error)?;
        self.last_seq = stream.store.state(false).last_seq;
        self.stream = Some(stream);
        Ok(())
    }

    fn message(
        &mut self,
        seq: u64,
        ts: i64,
        subject: &[u8],
        headers: &[u8],
        payload: &[u8],
    ) -> Result<(), ArchiveError> {
        let last = self.last_seq;
        let store = &self.opened()?.store;
        if seq <= last {
            return Err(ArchiveError::Invalid(format!(
                "message {seq} out of order (after {last})"
            )));
        }
        if seq > last + 1 {
            store.skip_msgs(seq - 1).map_err(store_error)?;
        }
        let (stored, _) = store
            .store_at(subject, headers, payload, None, ts)
            .map_err(store_error)?;
        if stored != seq {
            return Err(ArchiveError::Store(format!(
                "message {seq} was stored as {stored}"
            )));
        }
        // Written out as it goes: the store buffers until told otherwise.
        let unflushed = self.unflushed + subject.len() + headers.len() + payload.len();
        let flush = unflushed >= FLUSH_EVERY;
        if flush {
            store.flush().map_err(store_error)?;
        }
        self.unflushed = if flush { 0 } else { unflushed };
        self.last_seq = seq;
        Ok(())
    }

    fn finish_messages(&mut self, deleted: Vec<u64>, last_seq: u64) -> Result<(), ArchiveError> {
        let store = &self.opened()?.store;
        for seq in deleted {
            match store.remove(seq, false) {
                Ok(_) | Err(StoreError::NotFound | StoreError::Deleted) => {}
                Err(err) => return Err(store_error(err)),
            }
        }
        if last_seq > store.state(false).last_seq {
            store.skip_msgs(last_seq).map_err(store_error)?;
        }
        Ok(())
    }

    fn consumer(
        &mut self,
        name: String,
        config: ConsumerConfig,
        created: Timestamp,
        state: NatsConsumerState,
    ) -> Result<(), ArchiveError> {
        if name.contains(['/', '\\']) || name.is_empty() {
            return Err(ArchiveError::Invalid(format!("bad consumer name {name:?}")));
        }
        self.consumers.push((name, config, created, state));
        Ok(())
    }
}
