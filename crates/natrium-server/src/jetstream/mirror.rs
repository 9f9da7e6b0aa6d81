//! Mirrors: streams that copy another stream of this server, message for
//! message, keeping its sequence numbers, timestamps and headers.
//!
//! nats-server feeds a mirror through an internal consumer because the
//! origin may live on another server; here both live in one process, so
//! the mirror reads the origin's store directly from where it left off
//! (its own last sequence), after every group of writes and on the
//! consumer timer. Gaps in the origin (deleted messages) stay gaps. A
//! mirror whose origin does not exist yet simply waits for it. A mirror
//! with a `consumer` (ADR-58) is fed by that durable consumer of the origin,
//! as sources are (see `sources.rs`).

use std::sync::Arc;

use natrium_jetstream::errors::ErrorId;
use natrium_jetstream::stream::StreamSourceInfo;
use tracing::warn;

use super::consumer::Consumer;
use super::stream::Stream;
use super::JetStream;

/// Messages copied per mirror per round, so one big backlog does not hold
/// up everything else JetStream does.
const COPY_PER_ROUND: usize = 4096;

impl JetStream {
    /// Brings every mirror up to date with its origin; returns the mirrors
    /// that received messages.
    pub(super) fn sync_mirrors(&self) -> Vec<String> {
        let mirrors: Vec<Arc<Stream>> = self
            .streams
            .lock()
            .values()
            .filter(|s| s.config.mirror.is_some())
            .cloned()
            .collect();
        let mut advanced = Vec::new();
        for mirror in mirrors {
            let Some(source) = &mirror.config.mirror else {
                continue;
            };
            let Some(origin) = self.stream(&source.name) else {
                continue;
            };
            // Fed by a durable consumer (ADR-58): only while it is there.
            let feeder = match self.feeder(source, ErrorId::MirrorConsumerRequiresAckFCErr) {
                Ok(None) if source.consumer.is_some() => continue,
                Ok(feeder) => feeder,
                Err(_) => continue,
            };
            let copied = copy_from(&mirror, &origin, feeder.as_deref()).and_then(|taken| {
                if let Some(feeder) = &feeder {
                    let others = self.others_than(&origin, feeder);
                    let now = natrium_store::now_nanos();
                    super::sources::retire_fed(&origin, feeder, &others, &taken, now)?;
                }
                Ok(taken.len())
            });
            match copied {
                Ok(0) => {}
                Ok(_) => {
                    if let Err(err) = mirror.store.flush() {
                        warn!("Mirror {:?}: can't write: {err}", mirror.config.name);
                    }
                    advanced.push(mirror.config.name.clone());
                }
                Err(err) => warn!(
                    "Mirror {:?} of {:?}: copying stopped: {err}",
                    mirror.config.name, source.name
                ),
            }
        }
        advanced
    }

    /// A mirror with `mirror_direct` that answers direct gets for `origin`.
    pub(super) fn direct_mirror_of(&self, origin: &str) -> Option<Arc<Stream>> {
        self.streams
            .lock()
            .values()
            .find(|s| {
                s.config.mirror_direct && s.config.mirror.as_ref().is_some_and(|m| m.name == origin)
            })
            .cloned()
    }

    /// The `mirror` section of a mirror's stream info.
    pub(super) fn mirror_info(&self, mirror: &Stream) -> Option<StreamSourceInfo> {
        let source = mirror.config.mirror.as_ref()?;
        let feeder = self.feeder(source, ErrorId::MirrorConsumerRequiresAckFCErr);
        let lag = self.stream(&source.name).map_or(0, |origin| {
            if source.consumer.is_some() {
                // Fed by a consumer: what it has yet to deliver.
                return match &feeder {
                    Ok(Some(feeder)) => feeder.num_pending(&origin),
                    _ => 0,
                };
            }
            let next = mirror.store.state(false).last_seq + 1;
            origin
                .store
                .num_pending(next, filter(source).as_bytes(), false)
        });
        let last = *mirror.mirror_active.lock();
        Some(StreamSourceInfo {
            name: source.name.clone(),
            external: source.external.clone(),
            lag,
            active: if last == 0 {
                -1
            } else {
                (natrium_store::now_nanos() - last).max(0)
            },
            filter_subject: source.filter_subject.clone(),
            subject_transforms: source.subject_transforms.clone(),
            error: feeder.err(),
        })
    }
}

fn filter(source: &natrium_jetstream::stream::StreamSource) -> &str {
    if source.filter_subject.is_empty() {
        ">"
    } else {
        &source.filter_subject
    }
}

/// Copies what the mirror lacks (through `feeder`'s position and filter
/// when one feeds it); returns the origin sequences copied.
fn copy_from(
    mirror: &Stream,
    origin: &Stream,
    feeder: Option<&Consumer>,
) -> Result<Vec<u64>, natrium_store::StoreError> {
    let Some(source) = &mirror.config.mirror else {
        return Ok(Vec::new());
    };
    let since = source
        .opt_start_time
        .and_then(|t| t.unix_nanos())
        .unwrap_or(i64::MIN);
    let mut last = mirror.store.state(false).last_seq;
    let mut next = (last + 1).max(source.opt_start_seq);
    if let Some(feeder) = feeder {
        next = next.max(feeder.next_seq());
    }
    let mut copied = Vec::new();
    while copied.len() < COPY_PER_ROUND {
        let message = match origin.store.load_next(filter(source).as_bytes(), next) {
            Ok(message) => message,
            Err(_) => break,
        };
        next = message.seq + 1;
        let unwanted = feeder.is_some_and(|f| !f.needs(message.seq, &message.subject));
        if message.timestamp < since || unwanted {
            // Not wanted: used up, so later rounds start past it.
            mirror.store.skip_msgs(message.seq)?;
            last = last.max(message.seq);
            continue;
        }
        if message.seq > last + 1 {
            mirror.store.skip_msgs(message.seq - 1)?;
        }
        mirror.store.store_at(
            &message.subject,
            &message.headers,
            &message.payload,
            None,
            message.timestamp,
        )?;
        last = message.seq;
        copied.push(message.seq);
    }
    if !copied.is_empty() {
        *mirror.mirror_active.lock() = natrium_store::now_nanos();
    }
    Ok(copied)
}
