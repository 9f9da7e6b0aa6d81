//! The snapshot archive: a tar, compressed as an S2 stream, laid out as
//! nats-server's stream directory: `meta.inf` (the configuration and
//! creation time as JSON), `meta.sum`, `msgs/<n>.blk`, optionally
//! `msgs/index.db`, and `obs/<consumer>/{meta.inf,meta.sum,o.dat}`.
//!
//! Writing walks the stream's messages in order into 8 MiB blocks; reading
//! hands every message, deletion and consumer to a [`Sink`] as the tar is
//! streamed, so neither side holds the stream in memory. Reading insists on
//! a complete archive (the tar's end marker, every checksum), so a truncated
//! or tampered snapshot is refused rather than restored in part.

use std::io::{Read, Write};

use natrium_jetstream::consumer::ConsumerConfig;
use natrium_jetstream::{StreamConfig, Timestamp};
use serde_json::{Map, Value};

use super::blocks::{self, FormatError, Hasher, Record};
use super::consumer_state::{NatsConsumerState, StateError};
use super::s2;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error(transparent)]
    ConsumerState(#[from] StateError),
    #[error("invalid {file}: {reason}")]
    Meta { file: String, reason: String },
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Store(String),
}

fn meta_error(file: &str, reason: impl ToString) -> ArchiveError {
    ArchiveError::Meta {
        file: file.to_string(),
        reason: reason.to_string(),
    }
}

/// `meta.inf`: nats-server's `FileStreamInfo` (`Created` beside the config).
pub fn stream_meta(config: &StreamConfig, created: Timestamp) -> Vec<u8> {
    let mut fields = Map::new();
    fields.insert("Created".into(), Value::String(created.to_string()));
    if let Ok(Value::Object(config)) = serde_json::to_value(config) {
        fields.extend(config);
    }
    serde_json::to_vec(&Value::Object(fields)).unwrap_or_default()
}

/// `obs/<name>/meta.inf`: nats-server's `FileConsumerInfo`.
pub fn consumer_meta(name: &str, config: &ConsumerConfig, created: Timestamp) -> Vec<u8> {
    let mut fields = Map::new();
    fields.insert("Created".into(), Value::String(created.to_string()));
    fields.insert("Name".into(), Value::String(name.to_string()));
    if let Ok(Value::Object(config)) = serde_json::to_value(config) {
        fields.extend(config);
    }
    serde_json::to_vec(&Value::Object(fields)).unwrap_or_default()
}

/// Splits `Created` (and `Name`) off a meta.inf and parses the rest as `T`.
fn parse_meta<T: serde::de::DeserializeOwned>(
    file: &str,
    data: &[u8],
) -> Result<(T, Timestamp, Option<String>), ArchiveError> {
    let value: Value = serde_json::from_slice(data).map_err(|e| meta_error(file, e))?;
    let Value::Object(mut fields) = value else {
        return Err(meta_error(file, "not a JSON object"));
    };
    let created = match fields.remove("Created") {
        Some(Value::String(text)) => Timestamp::parse(&text).unwrap_or_default(),
        _ => Timestamp::default(),
    };
    let name = match fields.remove("Name") {
        Some(Value::String(name)) => Some(name),
        _ => None,
    };
    let parsed = serde_json::from_value(Value::Object(fields)).map_err(|e| meta_error(file, e))?;
    Ok((parsed, created, name))
}

/// Writes a snapshot archive.
pub struct ArchiveWriter<W: Write> {
    tar: tar::Builder<s2::Writer<W>>,
    stream: String,
    block: Vec<u8>,
    block_index: u32,
    hasher: Hasher,
    mtime: u64,
}

impl<W: Write> ArchiveWriter<W> {
    pub fn new(out: W, config: &StreamConfig, created: Timestamp) -> Result<Self, ArchiveError> {
        let tar = tar::Builder::new(s2::Writer::new(out)?);
        let mtime = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut writer = ArchiveWriter {
            tar,
            stream: config.name.clone(),
            block: Vec::with_capacity(blocks::BLOCK_SIZE + (1 << 16)),
            block_index: 1,
            hasher: Hasher::for_block(&config.name, 1),
            mtime,
        };
        let meta = stream_meta(config, created);
        let sum = Hasher::new(&config.name).hex_sum(&meta);
        writer.file("meta.inf", &meta)?;
        writer.file("meta.sum", sum.as_bytes())?;
        Ok(writer)
    }

    fn file(&mut self, path: &str, data: &[u8]) -> Result<(), ArchiveError> {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(self.mtime);
        header.set_entry_type(tar::EntryType::Regular);
        let _ = header.set_username("nats");
        let _ = header.set_groupname("nats");
        self.tar.append_data(&mut header, path, data)?;
        Ok(())
    }

    fn flush_block(&mut self) -> Result<(), ArchiveError> {
        if self.block.is_empty() {
            return Ok(());
        }
        let block = std::mem::take(&mut self.block);
        self.file(&format!("msgs/{}.blk", self.block_index), &block)?;
        self.block = block;
        self.block.clear();
        self.block_index += 1;
        self.hasher = Hasher::for_block(&self.stream, self.block_index);
        Ok(())
    }

    pub fn message(
        &mut self,
        seq: u64,
        ts: i64,
        subject: &[u8],
        headers: &[u8],
        payload: &[u8],
    ) -> Result<(), ArchiveError> {
        blocks::write_record(
            &mut self.block,
            &self.hasher,
            seq,
            ts,
            subject,
            headers,
            payload,
        );
        if self.block.len() >= blocks::BLOCK_SIZE {
            self.flush_block()?;
        }
        Ok(())
    }

    /// Ends the messages; a last sequence past the last message is kept by
    /// a tombstone in a block of its own (as nats-server keeps it).
    pub fn end_messages(
        &mut self,
        last_seq: u64,
        last_ts: i64,
        last_msg: u64,
    ) -> Result<(), ArchiveError> {
        self.flush_block()?;
        if last_seq > last_msg {
            blocks::write_record(
                &mut self.block,
                &self.hasher,
                last_seq | blocks::TOMBSTONE_BIT,
                last_ts,
                b"",
                b"",
                b"",
            );
            self.flush_block()?;
        }
        Ok(())
    }

    pub fn consumer(
        &mut self,
        name: &str,
        config: &ConsumerConfig,
        created: Timestamp,
        state: &NatsConsumerState,
    ) -> Result<(), ArchiveError> {
        let meta = consumer_meta(name, config, created);
        let sum = Hasher::new(&format!("{}/{name}", self.stream)).hex_sum(&meta);
        let now = natrium_store::now_nanos() / 1_000_000_000;
        self.file(&format!("obs/{name}/meta.inf"), &meta)?;
        self.file(&format!("obs/{name}/meta.sum"), sum.as_bytes())?;
        self.file(&format!("obs/{name}/o.dat"), &state.encode(now))?;
        Ok(())
    }

    pub fn finish(self) -> Result<W, ArchiveError> {
        let s2 = self.tar.into_inner()?;
        Ok(s2.finish()?)
    }
}

/// What a snapshot being read is handed to.
pub trait Sink {
    fn stream(&mut self, config: StreamConfig, created: Timestamp) -> Result<(), ArchiveError>;
    fn message(
        &mut self,
        seq: u64,
        ts: i64,
        subject: &[u8],
        headers: &[u8],
        payload: &[u8],
    ) -> Result<(), ArchiveError>;
    /// Messages removed after they were written (tombstones, the index's deleted
    /// sets) and the last sequence the stream had reached.
    fn finish_messages(&mut self, deleted: Vec<u64>, last_seq: u64) -> Result<(), ArchiveError>;
    fn consumer(
        &mut self,
        name: String,
        config: ConsumerConfig,
        created: Timestamp,
        state: NatsConsumerState,
    ) -> Result<(), ArchiveError>;
}

#[derive(Default)]
struct PendingConsumer {
    meta: Option<Vec<u8>>,
    sum: Option<Vec<u8>>,
    state: Option<Vec<u8>>,
}

/// Reads a whole snapshot archive into `sink`.
pub fn read_archive(input: impl Read, sink: &mut impl Sink) -> Result<(), ArchiveError> {
    let mut archive = tar::Archive::new(s2::Reader::new(input));
    let mut stream: Option<String> = None;
    let mut meta: Option<Vec<u8>> = None;
    let mut deleted = Vec::new();
    let mut last_seq = 0u64;
    let mut messages_done = false;
    let mut consumers: std::collections::BTreeMap<String, PendingConsumer> = Default::default();
    let mut data = Vec::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.to_string_lossy().into_owned();
        data.clear();
        entry.read_to_end(&mut data)?;
        let parts: Vec<&str> = path.split('/').collect();
        match parts.as_slice() {
            ["meta.inf"] => {
                let (config, created, _) = parse_meta::<StreamConfig>("meta.inf", &data)?;
                stream = Some(config.name.clone());
                meta = Some(data.clone());
                sink.stream(config, created)?;
            }
            ["meta.sum"] => {
                let (Some(name), Some(meta)) = (&stream, &meta) else {
                    return Err(ArchiveError::Invalid("meta.sum before meta.inf".into()));
                };
                if Hasher::new(name).hex_sum(meta).as_bytes() != data.trim_ascii() {
                    return Err(meta_error("meta.sum", "checksum mismatch"));
                }
            }
            ["errors.txt"] => {
                return Err(ArchiveError::Invalid(format!(
                    "the snapshot records an error: {}",
                    String::from_utf8_lossy(&data)
                )));
            }
            ["msgs", file] if file.ends_with(".blk") => {
                let name = stream
                    .as_deref()
                    .ok_or_else(|| ArchiveError::Invalid("message block before meta.inf".into()))?;
                let index: u32 = file
                    .trim_end_matches(".blk")
                    .parse()
                    .map_err(|_| ArchiveError::Invalid(format!("bad block name {path}")))?;
                let hasher = Hasher::for_block(name, index);
                blocks::read_records::<ArchiveError>(index, &data, &hasher, |record| {
                    match record {
                        Record::Message {
                            seq,
                            ts,
                            subject,
                            headers,
                            payload,
                        } => {
                            last_seq = last_seq.max(seq);
                            sink.message(seq, ts, subject, headers, payload)?;
                        }
                        Record::Erased { seq } => {
                            last_seq = last_seq.max(seq);
                            deleted.push(seq);
                        }
                        Record::Tombstone { seq, .. } => {
                            last_seq = last_seq.max(seq);
                            deleted.push(seq);
                        }
                    }
                    Ok(())
                })?;
            }
            ["msgs", "index.db"] => {
                let name = stream
                    .as_deref()
                    .ok_or_else(|| ArchiveError::Invalid("index.db before meta.inf".into()))?;
                let index = blocks::read_index(name, &data)?;
                last_seq = last_seq.max(index.last_seq);
                deleted.extend(index.deleted);
            }
            ["obs", name, file] => {
                if !messages_done {
                    messages_done = true;
                    sink.finish_messages(std::mem::take(&mut deleted), last_seq)?;
                }
                let pending = consumers.entry(name.to_string()).or_default();
                match *file {
                    "meta.inf" => pending.meta = Some(data.clone()),
                    "meta.sum" => pending.sum = Some(data.clone()),
                    "o.dat" => pending.state = Some(data.clone()),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    // The tar must end with its end-of-archive marker: a stream cut at an
    // entry boundary otherwise looks complete.
    let mut rest = Vec::new();
    archive.into_inner().read_to_end(&mut rest)?;
    if rest.len() < 512 || rest.iter().any(|&b| b != 0) {
        return Err(ArchiveError::Invalid(
            "the snapshot is truncated (no end-of-archive marker)".into(),
        ));
    }
    let Some(stream) = stream else {
        return Err(ArchiveError::Invalid("the snapshot has no meta.inf".into()));
    };
    if !messages_done {
        sink.finish_messages(deleted, last_seq)?;
    }
    for (name, pending) in consumers {
        let file = format!("obs/{name}/meta.inf");
        let meta = pending.meta.ok_or_else(|| meta_error(&file, "missing"))?;
        if let Some(sum) = &pending.sum {
            let expected = Hasher::new(&format!("{stream}/{name}")).hex_sum(&meta);
            if expected.as_bytes() != sum.trim_ascii() {
                return Err(meta_error(
                    &format!("obs/{name}/meta.sum"),
                    "checksum mismatch",
                ));
            }
        }
        let (config, created, _) = parse_meta::<ConsumerConfig>(&file, &meta)?;
        let state = match &pending.state {
            Some(state) if !state.is_empty() => NatsConsumerState::decode(state)?,
            _ => NatsConsumerState::default(),
        };
        sink.consumer(name, config, created, state)?;
    }
    Ok(())
}
