//! Sources (ADR-59): streams that gather the messages of other streams of
//! this server, each under a new sequence of their own.
//!
//! Like mirrors (see `mirror.rs`), a sourcing stream reads its origins'
//! stores directly, after every group of writes and on the consumer timer,
//! because origin and copy live in one process. Each copy carries
//! `Nats-Stream-Source: <origin> <origin seq> <filter> <destination>
//! <original subject>`, as nats-server writes it; that header is also how
//! progress survives a restart: the newest copy of each source says where
//! to go on. A source's `filter_subject` or `subject_transforms` pick and
//! rename what is copied; `opt_start_seq`/`opt_start_time` say where to
//! begin. Sources naming a stream of another domain (`external`) are kept
//! in the configuration but not followed.
//!
//! A source with a `consumer` (ADR-58, 2.14) is fed by that durable
//! consumer of the origin, which its owner creates: nothing is copied while
//! it does not exist (or is not a flow-control consumer, reported as the
//! source's error); copying follows its position and filter, and what is
//! copied counts as delivered and acknowledged by it, so a work-queue or
//! interest origin lets go of those messages (nats-server does this with
//! flow-control acks over the consumer's deliver subject; in one process
//! the origin's store is read directly, as for every source).

use std::sync::Arc;

use natrium_jetstream::consumer::AckPolicy;
use natrium_jetstream::errors::ErrorId;
use natrium_jetstream::headers::{HeaderBlock, HeaderBuilder, STREAM_SOURCE};
use natrium_jetstream::stream::{RetentionPolicy, StreamSource, StreamSourceInfo};
use natrium_jetstream::ApiError;
use natrium_store::{StoreError, StoredMessage};
use natrium_subjects::SubjectMapping;
use tracing::warn;

use super::consumer::Consumer;
use super::stream::Stream;
use super::JetStream;

/// Messages copied per source per round, so one big backlog does not hold
/// up everything else JetStream does.
const COPY_PER_ROUND: usize = 4096;

/// A sourcing stream's compiled sources and how far each got; built on
/// first use (progress recovered from the stream's newest copies).
pub struct Sources {
    /// Per source (in config order): its filters and destinations.
    routes: Vec<Vec<Route>>,
    progress: Vec<SourceProgress>,
}

/// How far one source got.
#[derive(Debug, Clone, Copy, Default)]
pub struct SourceProgress {
    /// Last origin sequence copied or passed over.
    pub last_seq: u64,
    /// When the origin was last read (unix nanos; 0: never).
    pub active: i64,
}

/// One filter of a source: what it takes and where it puts it.
struct Route {
    filter: String,
    destination: String,
    mapping: Option<SubjectMapping>,
}

impl JetStream {
    /// Brings every sourcing stream up to date; returns those that grew.
    pub(super) fn sync_sources(&self) -> Vec<String> {
        let gatherers: Vec<Arc<Stream>> = self
            .streams
            .lock()
            .values()
            .filter(|s| !s.config.sources.is_empty())
            .cloned()
            .collect();
        let mut grown = Vec::new();
        for stream in gatherers {
            let mut copied = 0;
            let mut state = stream.sources.lock();
            let state = state.get_or_insert_with(|| Sources::recover(&stream));
            for (index, source) in stream.config.sources.iter().enumerate() {
                if source.external.is_some() {
                    continue;
                }
                let Some(origin) = self.stream(&source.name) else {
                    continue;
                };
                let feeder = match self.feeder(source, ErrorId::SourceConsumerRequiresAckFCErr) {
                    Ok(None) if source.consumer.is_some() => continue,
                    Ok(feeder) => feeder,
                    Err(_) => continue,
                };
                let others = feeder
                    .as_ref()
                    .map(|f| self.others_than(&origin, f))
                    .unwrap_or_default();
                let copy = Copy {
                    stream: &stream,
                    source,
                    routes: &state.routes[index],
                    origin: &origin,
                    feeder: feeder.as_deref(),
                    others: &others,
                };
                match copy.run(&mut state.progress[index]) {
                    Ok(n) => copied += n,
                    Err(err) => warn!(
                        "Stream {:?}: copying from source {:?} stopped: {err}",
                        stream.config.name, source.name
                    ),
                }
            }
            if copied > 0 {
                if let Err(err) = stream.store.flush() {
                    warn!("Stream {:?}: can't write: {err}", stream.config.name);
                }
                grown.push(stream.config.name.clone());
            }
        }
        grown
    }

    /// The durable consumer feeding a source or mirror, if it names one
    /// and it is there: `Ok(None)` while it is missing (nats-server waits
    /// for it silently), `wrong_kind` when it is not a flow-control consumer.
    pub(super) fn feeder(
        &self,
        source: &StreamSource,
        wrong_kind: ErrorId,
    ) -> Result<Option<Arc<Consumer>>, ApiError> {
        let Some(named) = &source.consumer else {
            return Ok(None);
        };
        match self.consumer(&source.name, &named.name) {
            Some(feeder) if feeder.config.ack_policy != AckPolicy::FlowControl => {
                Err(wrong_kind.into())
            }
            found => Ok(found),
        }
    }

    /// The origin's consumers other than `feeder` that keep its messages
    /// (an interest origin's), for [`retire_fed`].
    pub(super) fn others_than(&self, origin: &Stream, feeder: &Consumer) -> Vec<Arc<Consumer>> {
        if origin.config.retention != RetentionPolicy::Interest {
            return Vec::new();
        }
        self.consumers_of(&origin.config.name)
            .into_iter()
            .filter(|c| c.name != feeder.name)
            .collect()
    }

    /// The `sources` section of a stream's info.
    pub(super) fn sources_info(&self, stream: &Stream) -> Vec<StreamSourceInfo> {
        let mut state = stream.sources.lock();
        let state = state.get_or_insert_with(|| Sources::recover(stream));
        let now = natrium_store::now_nanos();
        stream
            .config
            .sources
            .iter()
            .enumerate()
            .map(|(index, source)| {
                let at = state.progress[index];
                let feeder = self.feeder(source, ErrorId::SourceConsumerRequiresAckFCErr);
                let lag = match (&source.external, self.stream(&source.name)) {
                    // Fed by a consumer: what it has yet to deliver.
                    (None, Some(origin)) if source.consumer.is_some() => match &feeder {
                        Ok(Some(feeder)) => feeder.num_pending(&origin),
                        _ => 0,
                    },
                    (None, Some(origin)) => state.routes[index]
                        .iter()
                        .map(|route| {
                            origin.store.num_pending(
                                start(source, at.last_seq),
                                route.filter.as_bytes(),
                                false,
                            )
                        })
                        .sum(),
                    _ => 0,
                };
                StreamSourceInfo {
                    name: source.name.clone(),
                    external: source.external.clone(),
                    lag,
                    active: if at.active == 0 {
                        -1
                    } else {
                        (now - at.active).max(0)
                    },
                    filter_subject: source.filter_subject.clone(),
                    subject_transforms: source.subject_transforms.clone(),
                    error: feeder.err(),
                }
            })
            .collect()
    }
}

/// The first origin sequence still to look at.
fn start(source: &StreamSource, last_seq: u64) -> u64 {
    (last_seq + 1).max(source.opt_start_seq)
}

/// A source's filters with their destinations (`>` when none), as the
/// `Nats-Stream-Source` header names them.
fn routes(source: &StreamSource) -> Vec<Route> {
    let or_all = |s: &str| {
        if s.is_empty() {
            ">".to_string()
        } else {
            s.to_string()
        }
    };
    if source.subject_transforms.is_empty() {
        return vec![Route {
            filter: or_all(&source.filter_subject),
            destination: ">".to_string(),
            mapping: None,
        }];
    }
    source
        .subject_transforms
        .iter()
        .map(|t| Route {
            filter: or_all(&t.source),
            destination: or_all(&t.destination),
            mapping: (!t.destination.is_empty())
                .then(|| SubjectMapping::new(&t.source, &t.destination).ok())
                .flatten(),
        })
        .collect()
}

impl Sources {
    /// Compiles `stream`'s sources and scans it from its newest message back
    /// until every source's last copy is found (or the stream's start).
    fn recover(stream: &Stream) -> Sources {
        let sources = &stream.config.sources;
        let routes: Vec<Vec<Route>> = sources.iter().map(routes).collect();
        let mut progress = vec![SourceProgress::default(); sources.len()];
        let mut found = vec![false; sources.len()];
        let state = stream.store.state(false);
        let mut seq = state.last_seq;
        while seq >= state.first_seq.max(1) && found.iter().any(|f| !f) {
            if let Some((name, origin_seq, filter, destination)) =
                stream.store.load(seq).ok().as_ref().and_then(source_header)
            {
                for (index, source) in sources.iter().enumerate() {
                    let same = source.name == name
                        && routes[index]
                            .iter()
                            .any(|r| r.filter == filter && r.destination == destination);
                    if same && !found[index] {
                        found[index] = true;
                        progress[index].last_seq = origin_seq;
                    }
                }
            }
            seq -= 1;
        }
        Sources { routes, progress }
    }
}

/// The `Nats-Stream-Source` header of a copy: origin, origin sequence,
/// filter, destination.
fn source_header(message: &StoredMessage) -> Option<(String, u64, String, String)> {
    let block = HeaderBlock::parse(&message.headers).ok()?;
    let value = block.get_str(STREAM_SOURCE)?;
    let mut tokens = value.split(' ');
    let name = tokens.next()?.split(':').next()?.to_string();
    let seq = tokens.next()?.parse().ok()?;
    let filter = tokens.next().unwrap_or(">").to_string();
    let destination = tokens.next().unwrap_or(">").to_string();
    Some((name, seq, filter, destination))
}

/// One source's copying round: into `stream`, from `origin`, through the
/// source's compiled `routes` and, when it has one, its feeding consumer.
struct Copy<'a> {
    stream: &'a Stream,
    source: &'a StreamSource,
    routes: &'a [Route],
    origin: &'a Stream,
    feeder: Option<&'a Consumer>,
    /// The origin's other consumers, when it keeps messages by interest.
    others: &'a [Arc<Consumer>],
}

impl Copy<'_> {
    /// Copies what the source has that the stream lacks, advancing `at`;
    /// returns how many.
    fn run(&self, at: &mut SourceProgress) -> Result<usize, StoreError> {
        let source = self.source;
        let since = source
            .opt_start_time
            .and_then(|t| t.unix_nanos())
            .unwrap_or(i64::MIN);
        let mut next = start(source, at.last_seq);
        if let Some(feeder) = self.feeder {
            next = next.max(feeder.next_seq());
        }
        let mut copied = 0;
        let mut taken = Vec::new();
        while copied < COPY_PER_ROUND {
            // The earliest message any of the source's filters takes.
            let found = self
                .routes
                .iter()
                .filter_map(|route| {
                    self.origin
                        .store
                        .load_next(route.filter.as_bytes(), next)
                        .ok()
                        .map(|m| (m, route))
                })
                .min_by_key(|(m, _)| m.seq);
            let Some((message, route)) = found else {
                break;
            };
            next = message.seq + 1;
            at.last_seq = message.seq;
            if message.timestamp < since
                || self
                    .feeder
                    .is_some_and(|f| !f.needs(message.seq, &message.subject))
            {
                continue;
            }
            let original = String::from_utf8_lossy(&message.subject).into_owned();
            let subject = route
                .mapping
                .as_ref()
                .and_then(|m| m.apply(&original))
                .unwrap_or_else(|| original.clone());
            let marker = format!(
                "{} {} {} {} {original}",
                source.name, message.seq, route.filter, route.destination
            );
            let builder = match HeaderBlock::parse(&message.headers) {
                Ok(block) if !message.headers.is_empty() => HeaderBuilder::from_block(&block),
                _ => HeaderBuilder::new(),
            };
            let headers = builder.add(STREAM_SOURCE, &marker).finish();
            self.stream
                .store
                .store(subject.as_bytes(), &headers, &message.payload, None)?;
            taken.push(message.seq);
            copied += 1;
        }
        let now = natrium_store::now_nanos();
        at.active = now;
        if let Some(feeder) = self.feeder {
            retire_fed(self.origin, feeder, self.others, &taken, now)?;
        }
        Ok(copied)
    }
}

/// What a feeding consumer delivered (`taken`, ascending) counts as
/// delivered and acknowledged by it; it leaves a work-queue origin, and an
/// interest origin once none of its `others` needs it.
pub(super) fn retire_fed(
    origin: &Stream,
    feeder: &Consumer,
    others: &[Arc<Consumer>],
    taken: &[u64],
    now: i64,
) -> Result<(), StoreError> {
    let Some(&last) = taken.last() else {
        return Ok(());
    };
    feeder.acknowledge_through(last, taken.len() as u64, now);
    let retention = origin.config.retention;
    if retention == RetentionPolicy::Limits {
        return Ok(());
    }
    for &seq in taken {
        let keep = retention == RetentionPolicy::Interest
            && origin
                .store
                .load(seq)
                .is_ok_and(|m| others.iter().any(|c| c.needs(seq, &m.subject)));
        if !keep {
            match origin.store.remove(seq, false) {
                Ok(_) | Err(StoreError::NotFound | StoreError::Deleted) => {}
                Err(err) => return Err(err),
            }
        }
    }
    origin.store.flush()
}
