//! `natrium bench object`: put and get rates of one large object in a
//! JetStream object store.
//!
//! The object is never in memory as a whole, on either side: the put reads
//! from a [`data::Generated`] reader (async-nats cuts it into `--chunk`
//! messages, each published and acked in turn), and the get is read to the
//! end through one reused buffer. Both sides checksum the bytes, so the run
//! checks the object's size and content without keeping it. The run is:
//!
//! 1. check that JetStream answers, create the bucket (an existing bucket of
//!    the same configuration is reused);
//! 2. time the put, from the call to the returned object info;
//! 3. time the get, from the call to the end of the data, and compare size
//!    and checksum with the put's;
//! 4. delete the bucket unless `--keep`, whether the run succeeded or not.

pub mod data;

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use async_nats::jetstream::object_store::{self, ObjectMetadata, ObjectStore};
use serde::Serialize;
use tokio::io::AsyncReadExt;

use self::data::{Checksum, Generated};
use super::conn::{self, Role};
use super::jetstream::{connect, finish, stream};
use super::report::{group_digits, Rate, Report, Sample};
use super::watch::{guard, Monitor, Progress};
use super::{BenchError, Settings};
use crate::cli::store::ObjectArgs;

/// Name of the object in the bucket.
const OBJECT_NAME: &str = "bench-object";

/// Bytes read from the object at a time.
const READ_BUFFER: usize = 256 * 1024;

/// The bucket, the object and the two transfers.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectSummary {
    pub bucket: String,
    /// `file` or `memory`.
    pub storage: &'static str,
    pub object: String,
    /// Bytes per chunk, and chunks stored.
    pub chunk_size: usize,
    pub chunks: usize,
    /// Checksum of the content, in hex (the same for the put and the get).
    pub checksum: String,
    /// Whether the bucket was left in place at the end (--keep).
    pub kept: bool,
    /// One object (`msgs` 1) and its bytes, over the put's span.
    pub put: Rate,
    /// The same over the get's span.
    pub get: Rate,
}

impl ObjectSummary {
    /// Appends the human-readable lines.
    pub fn human(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "\nBucket '{}' ({} storage): object '{}' in {} chunks of {} B, checksum {}, {}",
            self.bucket,
            self.storage,
            self.object,
            group_digits(self.chunks as u64),
            group_digits(self.chunk_size as u64),
            self.checksum,
            if self.kept { "kept" } else { "then deleted" }
        );
        for (title, rate) in [("Put", &self.put), ("Get", &self.get)] {
            let _ = writeln!(
                out,
                "{title}: {:.2} MB/s ({:.2} MB in {:.3} s)",
                rate.mb_per_sec,
                rate.bytes as f64 / 1e6,
                rate.seconds
            );
        }
    }

    /// Appends one CSV row per transfer.
    pub fn csv(&self, kind: &str, out: &mut String) {
        for (role, rate) in [("put", &self.put), ("get", &self.get)] {
            let _ = writeln!(
                out,
                "{kind},{role},all,{},{},{:.6},{:.1},{:.3},,,,,",
                rate.msgs, rate.bytes, rate.seconds, rate.msgs_per_sec, rate.mb_per_sec
            );
        }
    }
}

/// Runs `natrium bench object`.
pub async fn run(settings: &Settings, args: &ObjectArgs) -> Result<Report, BenchError> {
    let monitor = Monitor::new();
    let (client, js) = connect(settings, "object", Role::Requester, &monitor, 1).await?;
    conn::check_payload(&client, args.chunk)?;
    let result = async {
        stream::check_available(&js, &settings.server).await?;
        let config = object_store::Config {
            bucket: args.bucket.name.clone(),
            storage: stream::storage_type(args.bucket.storage),
            ..Default::default()
        };
        let bucket = js.create_object_store(config).await.map_err(|e| {
            BenchError::JetStream(format!("bucket '{}' create failed: {e}", args.bucket.name))
        })?;
        measure(settings, args, &bucket, &monitor).await
    }
    .await;
    let cleanup = async {
        js.delete_object_store(&args.bucket.name)
            .await
            .map_err(|e| conn::client_error(&format!("deleting bucket '{}'", args.bucket.name), e))
    };
    finish(client, &monitor, args.bucket.keep, result, cleanup).await
}

/// Steps 2 and 3.
async fn measure(
    settings: &Settings,
    args: &ObjectArgs,
    bucket: &ObjectStore,
    monitor: &Arc<Monitor>,
) -> Result<Report, BenchError> {
    let size = args.size as u64;
    let mut progress = Progress::new(false);
    let sent = progress.add("put (bytes)".into(), size);
    let received = progress.add("get (bytes)".into(), size);

    let timed_put = async {
        let mut reader = Generated::new(size, progress.counter(sent));
        let meta = ObjectMetadata {
            name: OBJECT_NAME.to_string(),
            chunk_size: Some(args.chunk),
            ..Default::default()
        };
        let start = Instant::now();
        let info = bucket
            .put(meta, &mut reader)
            .await
            .map_err(|e| BenchError::JetStream(format!("put of '{OBJECT_NAME}' failed: {e}")))?;
        let end = Instant::now();
        Ok((info, reader.checksum().clone(), sample(size, start, end)))
    };
    let (info, put_sum, put) =
        guard(monitor, Some(&progress), settings.idle_timeout, timed_put).await?;
    if info.size as u64 != size {
        return Err(BenchError::JetStream(format!(
            "the server stored {} bytes of a {size}-byte object",
            info.size
        )));
    }

    let timed_get = async {
        let start = Instant::now();
        let mut object = bucket
            .get(OBJECT_NAME)
            .await
            .map_err(|e| BenchError::JetStream(format!("get of '{OBJECT_NAME}' failed: {e}")))?;
        let mut checksum = Checksum::default();
        let mut buffer = vec![0; READ_BUFFER];
        loop {
            let n = object.read(&mut buffer).await.map_err(|e| {
                BenchError::JetStream(format!("reading '{OBJECT_NAME}' failed: {e}"))
            })?;
            if n == 0 {
                break;
            }
            checksum.update(&buffer[..n]);
            progress.counter(received).set(checksum.bytes());
        }
        Ok((checksum, sample(size, start, Instant::now())))
    };
    let (get_sum, get) = guard(monitor, Some(&progress), settings.idle_timeout, timed_get).await?;
    if get_sum.bytes() != size || get_sum.value() != put_sum.value() {
        return Err(BenchError::JetStream(format!(
            "the object read back differs: {} bytes, checksum {:016x}; put {size} bytes, \
             checksum {:016x}",
            get_sum.bytes(),
            get_sum.value(),
            put_sum.value()
        )));
    }

    let mut report = Report::new("object", &settings.server, &settings.subject, 1, args.size);
    report.object = Some(ObjectSummary {
        bucket: args.bucket.name.clone(),
        storage: args.bucket.storage.as_str(),
        object: OBJECT_NAME.to_string(),
        chunk_size: args.chunk,
        chunks: info.chunks,
        checksum: format!("{:016x}", put_sum.value()),
        kept: args.bucket.keep,
        put: Rate::over(&[put]),
        get: Rate::over(&[get]),
    });
    Ok(report)
}

fn sample(size: u64, start: Instant, end: Instant) -> Sample {
    Sample {
        msgs: 1,
        bytes: size,
        start,
        end,
    }
}
