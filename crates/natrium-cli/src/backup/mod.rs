//! Stream and account backups in the nats CLI's directory format: a
//! directory per stream holding `backup.json` (the stream's configuration
//! and state as the snapshot answer gave them) and `stream.tar.s2` (the
//! snapshot bytes exactly as the server sent them).
//!
//! A backup asks `STREAM.SNAPSHOT.<stream>` to deliver to an inbox and
//! acknowledges every chunk (its reply subject) so the server keeps
//! sending; an empty message ends it. A restore asks
//! `STREAM.RESTORE.<stream>` where to upload, sends the file in chunks, each
//! one waiting for its acknowledgement, then an empty chunk, whose answer
//! is the restored stream's info. Both report progress through a callback,
//! so the commands can draw bars and the MCP tools can stay quiet.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use bytes::Bytes;
use futures::StreamExt;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::jsapi::{server_error, JsApi};

/// The files of one stream's backup.
pub const METADATA_FILE: &str = "backup.json";
pub const DATA_FILE: &str = "stream.tar.s2";
/// Bytes per uploaded chunk (the server's own default for snapshots).
const CHUNK: usize = 128 * 1024;
/// How long a snapshot may go quiet before the backup gives up.
const STALL: Duration = Duration::from_secs(10);

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub stream: String,
    pub dir: PathBuf,
    pub bytes: u64,
    pub messages: u64,
}

/// Backs up `stream` into `dir` (created if needed). `progress` gets the
/// bytes received so far and the stream's size in bytes (a rough total: the
/// archive is compressed).
pub async fn backup_stream(
    api: &JsApi,
    stream: &str,
    dir: &Path,
    consumers: bool,
    check: bool,
    mut progress: impl FnMut(u64, u64),
) -> anyhow::Result<BackupReport> {
    crate::jsapi::check_name("stream", stream)?;
    tokio::fs::create_dir_all(dir)
        .await
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let inbox = api.client.new_inbox();
    let mut chunks = api.client.subscribe(inbox.clone()).await?;
    let answer = api
        .request(
            &format!("STREAM.SNAPSHOT.{stream}"),
            &json!({
                "deliver_subject": inbox,
                "no_consumers": !consumers,
                "chunk_size": CHUNK,
                "jsck": check,
            }),
        )
        .await?;
    let metadata = json!({ "config": answer["config"], "state": answer["state"] });
    let total = answer["state"]["bytes"].as_u64().unwrap_or(0);
    let messages = answer["state"]["messages"].as_u64().unwrap_or(0);
    tokio::fs::write(
        dir.join(METADATA_FILE),
        serde_json::to_vec_pretty(&metadata)?,
    )
    .await?;
    let path = dir.join(DATA_FILE);
    let mut file = tokio::io::BufWriter::new(tokio::fs::File::create(&path).await?);
    let mut received = 0u64;
    loop {
        let message = tokio::time::timeout(STALL, chunks.next())
            .await
            .map_err(|_| anyhow!("the snapshot of {stream} stalled: nothing for {STALL:?}"))?
            .ok_or_else(|| anyhow!("the connection closed during the snapshot of {stream}"))?;
        if message.payload.is_empty() {
            if let Some(status) = message.status {
                let code = u16::from(status);
                if code >= 400 {
                    bail!(
                        "the snapshot of {stream} failed: {} {}",
                        code,
                        message.description.unwrap_or_default()
                    );
                }
            }
            break;
        }
        file.write_all(&message.payload).await?;
        received += message.payload.len() as u64;
        if let Some(reply) = message.reply {
            api.client.publish(reply, Bytes::new()).await?;
        }
        progress(received, total);
    }
    file.flush().await?;
    Ok(BackupReport {
        stream: stream.to_string(),
        dir: dir.to_path_buf(),
        bytes: received,
        messages,
    })
}

/// Reads a backup's `backup.json`.
pub fn read_metadata(dir: &Path) -> anyhow::Result<Value> {
    let path = dir.join(METADATA_FILE);
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "{} is not a stream backup (no {METADATA_FILE})",
            dir.display()
        )
    })?;
    let metadata: Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not valid JSON", path.display()))?;
    if metadata["config"]["name"].as_str().unwrap_or("").is_empty() {
        bail!("{} names no stream (config.name)", path.display());
    }
    Ok(metadata)
}

/// Restores the backup in `dir`; the restored stream's info. `progress`
/// gets the bytes sent so far and the file's size.
pub async fn restore_stream(
    api: &JsApi,
    dir: &Path,
    mut progress: impl FnMut(u64, u64),
) -> anyhow::Result<Value> {
    let metadata = read_metadata(dir)?;
    let stream = metadata["config"]["name"]
        .as_str()
        .unwrap_or("")
        .to_string();
    crate::jsapi::check_name("stream", &stream)?;
    let path = dir.join(DATA_FILE);
    let mut file = tokio::fs::File::open(&path)
        .await
        .with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata().await?.len();
    let answer = api
        .request(
            &format!("STREAM.RESTORE.{stream}"),
            &json!({ "config": metadata["config"], "state": metadata["state"] }),
        )
        .await?;
    let deliver = answer["deliver_subject"]
        .as_str()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| anyhow!("the server gave no subject to restore {stream} to"))?
        .to_string();
    let mut sent = 0u64;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = read_chunk(&mut file, &mut buf).await?;
        let reply = request(api, &deliver, Bytes::copy_from_slice(&buf[..n])).await?;
        if n == 0 {
            let info: Value = serde_json::from_slice(&reply).map_err(|e| {
                anyhow!("the restore of {stream} ended with an answer that is not JSON ({e})")
            })?;
            if let Some(error) = server_error(&info) {
                return Err(
                    anyhow::Error::from(error).context(format!("restore of {stream} failed"))
                );
            }
            return Ok(info);
        }
        if reply.starts_with(b"-ERR") {
            bail!(
                "the restore of {stream} failed: {}",
                String::from_utf8_lossy(&reply)
            );
        }
        sent += n as u64;
        progress(sent, size);
    }
}

async fn read_chunk(file: &mut tokio::fs::File, buf: &mut [u8]) -> anyhow::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = file.read(&mut buf[filled..]).await?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

async fn request(api: &JsApi, subject: &str, payload: Bytes) -> anyhow::Result<Bytes> {
    let request = async_nats::Request::new()
        .payload(payload)
        .timeout(Some(api.timeout.max(Duration::from_secs(30))));
    let reply = api
        .client
        .send_request(subject.to_string(), request)
        .await
        .map_err(|e| anyhow!("restore upload to {subject} failed: {e}"))?;
    Ok(reply.payload)
}

/// Every stream of the account, each into `dir/<stream>`.
pub async fn backup_account(
    api: &JsApi,
    dir: &Path,
    consumers: bool,
    mut progress: impl FnMut(&str, u64, u64),
) -> anyhow::Result<Vec<BackupReport>> {
    let names = api.all_pages("STREAM.NAMES", "streams", &json!({})).await?;
    let mut reports = Vec::new();
    for name in names.iter().filter_map(Value::as_str) {
        let report = backup_stream(
            api,
            name,
            &dir.join(name),
            consumers,
            false,
            |done, total| progress(name, done, total),
        )
        .await?;
        reports.push(report);
    }
    Ok(reports)
}

/// Every stream backup found in `dir`'s subdirectories, restored; their infos.
pub async fn restore_account(
    api: &JsApi,
    dir: &Path,
    mut progress: impl FnMut(&str, u64, u64),
) -> anyhow::Result<Vec<Value>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join(METADATA_FILE).is_file())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        bail!("{} holds no stream backups", dir.display());
    }
    let mut infos = Vec::new();
    for stream_dir in dirs {
        let name = stream_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let info =
            restore_stream(api, &stream_dir, |done, total| progress(&name, done, total)).await?;
        infos.push(info);
    }
    Ok(infos)
}

pub mod commands;
