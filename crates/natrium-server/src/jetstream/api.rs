//! The `$JS.API` endpoints for streams and the account, and the dispatch of
//! consumer endpoints (handled in `consumer_api`).
//!
//! Each handler takes the request body and returns the JSON reply bytes, built
//! from `natrium-jetstream`'s types so field names, omissions and error codes
//! are nats-server's. Snapshots and restores are in `snapshot/`. Endpoints
//! not served yet (cluster operations) answer with an error naming that instead of leaving clients
//! to time out.

use std::collections::BTreeMap;
use std::sync::Arc;

use natrium_jetstream::api::{
    StreamCreateBody, StreamDeleteBody, StreamInfoBody, StreamListBody, StreamMsgDeleteBody,
    StreamMsgGetBody, StreamNamesBody, StreamPurgeBody, StreamUpdateBody,
};
use natrium_jetstream::errors::ErrorId;
use natrium_jetstream::stream::metadata::{
    same_ignoring_server_metadata, set_server_metadata, META_LEVEL, META_VERSION,
};
use natrium_jetstream::stream::ClusterInfo;
use natrium_jetstream::stream::StreamConfigRequest;
use natrium_jetstream::stream::{check_config, check_subject_name, check_update, CheckOptions};
use natrium_jetstream::stream::{
    MsgGetRequest, MsgQuery, StoredMsg, StreamInfoRequest, StreamMsgDeleteRequest,
    StreamNamesRequest, StreamPurgeRequest,
};
use natrium_jetstream::subjects::Endpoint;
use natrium_jetstream::{
    AccountInfo, ApiBody, ApiError, Paged, Response, StreamInfo, StreamState, Timestamp,
};
use natrium_store::{PurgeRequest, StoreError};
use natrium_subjects::subjects_overlap;
use serde::de::DeserializeOwned;

use super::consumer::Outgoing;
use super::consumer_api::CreateTarget;
use super::stream::{store_limits, Stream};
use super::JetStream;
use crate::options::COMPATIBLE_VERSION;

pub(super) const API_LEVEL: u32 = 4;

/// The reply bytes, and whether the request failed (for the API stats).
fn reply<B: ApiBody + serde::Serialize>(result: Result<B, ApiError>) -> (Vec<u8>, bool) {
    match result {
        Ok(body) => (Response::ok(body).to_vec(), false),
        Err(error) => (Response::<B>::err(error).to_vec(), true),
    }
}

/// The body of NAMES and LIST requests.
#[derive(Default, serde::Deserialize)]
struct OffsetRequest {
    #[serde(default)]
    offset: i64,
}

/// Subject details per stream info reply (nats-server's JSMaxSubjectDetails).
const SUBJECT_DETAILS_PAGE: usize = 100_000;

/// One page of a stream's subject counts, in subject order, starting at
/// `offset`: pages are disjoint and together list every subject once.
fn page_subjects(all: BTreeMap<String, u64>, offset: i64) -> (BTreeMap<String, u64>, Paged) {
    if all.is_empty() {
        return Default::default();
    }
    let paged = Paged {
        total: all.len(),
        offset: offset.max(0) as usize,
        limit: SUBJECT_DETAILS_PAGE,
    };
    let page = if paged.offset == 0 && all.len() <= SUBJECT_DETAILS_PAGE {
        all
    } else {
        all.into_iter()
            .skip(paged.offset)
            .take(SUBJECT_DETAILS_PAGE)
            .collect()
    };
    (page, paged)
}

/// An empty or `null` body means "no options" (clients send both).
fn parse<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() || trimmed == b"null" {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| ApiError::from_json_error(&e))
}

impl JetStream {
    /// Answers one API request: the reply (empty: none is sent), and
    /// whether it was an error.
    /// Messages the request causes besides its reply (advisories, ends of
    /// pull requests) go to `side`, to be sent after the group's replies.
    pub(super) fn handle_api(
        &self,
        endpoint: Endpoint<'_>,
        body: &[u8],
        side: &mut Vec<Outgoing>,
    ) -> (Vec<u8>, bool) {
        match endpoint {
            Endpoint::AccountInfo => reply(Ok::<_, ApiError>(self.account_info())),
            Endpoint::StreamCreate(name) => reply(self.create_stream(name, body)),
            Endpoint::StreamUpdate(name) => reply(self.update_stream(name, body)),
            Endpoint::StreamInfo(name) => reply(self.stream_info_request(name, body)),
            Endpoint::StreamDelete(name) => reply(self.delete_stream(name, side)),
            Endpoint::StreamNames => reply(self.stream_names(body)),
            Endpoint::StreamList => reply(self.stream_list(body)),
            Endpoint::StreamPurge(name) => reply(self.purge_stream(name, body)),
            Endpoint::StreamMsgGet(name) => reply(self.get_message(name, body)),
            Endpoint::StreamMsgDelete(name) => reply(self.delete_message(name, body)),
            Endpoint::StreamSnapshot(name) => reply(self.snapshot_request(name, body)),
            Endpoint::StreamRestore(name) => reply(self.restore_request(name, body)),
            Endpoint::ConsumerCreate {
                stream,
                consumer,
                filter,
            } => reply(self.create_consumer(
                CreateTarget {
                    stream,
                    consumer,
                    filter,
                    legacy_durable: false,
                },
                body,
                side,
            )),
            Endpoint::ConsumerDurableCreate(stream, consumer) => reply(self.create_consumer(
                CreateTarget {
                    stream,
                    consumer: Some(consumer),
                    filter: None,
                    legacy_durable: true,
                },
                body,
                side,
            )),
            Endpoint::ConsumerInfo(stream, consumer) => {
                reply(self.consumer_info_request(stream, consumer))
            }
            Endpoint::ConsumerDelete(stream, consumer) => {
                reply(self.delete_consumer(stream, consumer, side))
            }
            Endpoint::ConsumerNames(stream) => {
                let offset = parse::<OffsetRequest>(body).unwrap_or_default().offset;
                reply(self.consumer_names(stream, offset))
            }
            Endpoint::ConsumerList(stream) => match parse::<OffsetRequest>(body) {
                Ok(request) => reply(self.consumer_list(stream, request.offset)),
                Err(error) => reply::<natrium_jetstream::consumer::ConsumerListBody>(Err(error)),
            },
            Endpoint::ConsumerUnpin(stream, consumer) => {
                reply(self.unpin_consumer(stream, consumer, body))
            }
            Endpoint::ConsumerPause(stream, consumer) => {
                reply(self.pause_consumer(stream, consumer, body, side))
            }
            Endpoint::ConsumerReset(stream, consumer) => {
                match self.reset_consumer(stream, consumer, body) {
                    Some(result) => reply(result),
                    None => (Vec::new(), true),
                }
            }
            _ => {
                let error = ApiError {
                    code: 501,
                    err_code: 10003,
                    description: "this JetStream API is not supported by natrium-server yet"
                        .to_string(),
                };
                reply::<StreamInfoBody>(Err(error))
            }
        }
    }

    fn account_info(&self) -> AccountInfo {
        let streams = self.streams.lock().values().cloned().collect::<Vec<_>>();
        let mut info = AccountInfo::default();
        for stream in &streams {
            let bytes = stream.store.state(false).bytes;
            if stream.dir.is_some() {
                info.tier.storage += bytes;
            } else {
                info.tier.memory += bytes;
            }
        }
        info.tier.streams = streams.len() as u64;
        info.tier.consumers = self.consumer_count(None) as u64;
        // These are account limits; the server's store limits are not reported
        // here (nats-server shows -1 with only max_file_store set).
        info.tier.limits = self.account_limits();
        info.domain = self.domain.clone();
        info.api.level = API_LEVEL;
        info.api.total = self.api_total.load(std::sync::atomic::Ordering::Relaxed);
        info.api.errors = self.api_errors.load(std::sync::atomic::Ordering::Relaxed);
        info
    }

    fn check_options(pedantic: bool) -> CheckOptions {
        CheckOptions {
            pedantic,
            ..CheckOptions::default()
        }
    }

    fn create_stream(&self, name: &str, body: &[u8]) -> Result<StreamCreateBody, ApiError> {
        let request = StreamConfigRequest::parse(body)?;
        check_subject_name(name, &request.config)?;
        let mut config = check_config(&request.config, &Self::check_options(request.pedantic))?;
        set_server_metadata(&mut config, COMPATIBLE_VERSION, API_LEVEL);
        super::stream::mappings(&config)?;
        if let Some(existing) = self.stream(name) {
            if same_ignoring_server_metadata(&existing.config, &config) {
                // nats-server says did_create for the repeat too.
                return Ok(StreamCreateBody {
                    info: Some(self.info(&existing, &StreamInfoRequest::default())),
                    did_create: true,
                });
            }
            return Err(ErrorId::StreamNameExistErr.into());
        }
        self.check_account_limits(&config)?;
        self.check_overlap(&config, None)?;
        self.check_resources(&config, None)?;
        let stream = self.add_stream(config, Timestamp::now())?;
        Ok(StreamCreateBody {
            info: Some(self.info(&stream, &StreamInfoRequest::default())),
            did_create: true,
        })
    }

    fn update_stream(&self, name: &str, body: &[u8]) -> Result<StreamUpdateBody, ApiError> {
        let request = StreamConfigRequest::parse(body)?;
        check_subject_name(name, &request.config)?;
        let existing = self.stream(name).ok_or(ErrorId::StreamNotFoundErr)?;
        let mut config = check_update(
            &existing.config,
            &request.config,
            &Self::check_options(request.pedantic),
        )?;
        set_server_metadata(&mut config, COMPATIBLE_VERSION, API_LEVEL);
        self.check_consumer_limits(&existing.config, &config)?;
        super::stream::mappings(&config)?;
        self.check_overlap(&config, Some(name))?;
        self.check_resources(&config, Some(name))?;
        existing
            .store
            .update_limits(store_limits(&config))
            .map_err(|e| ApiError::with(ErrorId::StreamStoreFailedF, &[("err", &e.to_string())]))?;
        let stream = self.replace_stream(&existing, config)?;
        Ok(StreamUpdateBody {
            info: Some(self.info(&stream, &StreamInfoRequest::default())),
        })
    }

    /// Changed `consumer_limits` must not be stricter than any existing
    /// consumer. As in nats-server, each limit compares as given, so a limit
    /// left at 0 beside one that changed is exceeded by any consumer with
    /// that setting (an explicit-ack consumer's default max_ack_pending).
    fn check_consumer_limits(
        &self,
        old: &natrium_jetstream::StreamConfig,
        new: &natrium_jetstream::StreamConfig,
    ) -> Result<(), ApiError> {
        let limits = &new.consumer_limits;
        if old.consumer_limits == *limits {
            return Ok(());
        }
        let mut violating: Vec<String> = self
            .consumers_of(&old.name)
            .iter()
            .filter(|c| {
                c.config.inactive_threshold > limits.inactive_threshold
                    || c.config.max_ack_pending > limits.max_ack_pending
            })
            .map(|c| c.name.clone())
            .collect();
        if violating.is_empty() {
            return Ok(());
        }
        violating.sort();
        let err = format!(
            "change to limits violates consumers: {}",
            violating.join(", ")
        );
        Err(ApiError::with(ErrorId::StreamUpdateErrF, &[("err", &err)]))
    }

    /// A stream's `max_bytes` must fit in what the quota has left.
    /// The account's own stream limits: how many streams, whether
    /// `max_bytes` must be set, and how large one stream may be.
    fn check_account_limits(
        &self,
        config: &natrium_jetstream::StreamConfig,
    ) -> Result<(), ApiError> {
        let limits = &self.account_limits();
        if limits.max_streams >= 0 && self.streams.lock().len() as i64 >= limits.max_streams {
            return Err(ErrorId::MaximumStreamsLimitErr.into());
        }
        if limits.max_bytes_required && config.max_bytes <= 0 {
            return Err(ErrorId::StreamMaxBytesRequired.into());
        }
        let stream_limit = match config.storage {
            natrium_jetstream::stream::StorageType::Memory => limits.memory_max_stream_bytes,
            _ => limits.storage_max_stream_bytes,
        };
        if stream_limit > 0 && config.max_bytes > stream_limit {
            return Err(ErrorId::StreamMaxStreamBytesExceeded.into());
        }
        Ok(())
    }

    fn check_resources(
        &self,
        config: &natrium_jetstream::StreamConfig,
        except: Option<&str>,
    ) -> Result<(), ApiError> {
        let quota = self.quota(config.storage);
        if quota < 0 || config.max_bytes <= 0 {
            return Ok(());
        }
        let reserved: i64 = self
            .streams
            .lock()
            .values()
            .filter(|s| {
                s.config.storage == config.storage && Some(s.config.name.as_str()) != except
            })
            .map(|s| {
                if s.config.max_bytes > 0 {
                    s.config.max_bytes
                } else {
                    s.store.state(false).bytes as i64
                }
            })
            .sum();
        if config.max_bytes > quota - reserved {
            return Err(match config.storage {
                natrium_jetstream::stream::StorageType::Memory => {
                    ErrorId::MemoryResourcesExceededErr.into()
                }
                _ => ErrorId::StorageResourcesExceededErr.into(),
            });
        }
        Ok(())
    }

    pub(super) fn check_overlap(
        &self,
        config: &natrium_jetstream::StreamConfig,
        except: Option<&str>,
    ) -> Result<(), ApiError> {
        let streams = self.streams.lock();
        let overlaps = streams
            .values()
            .filter(|s| Some(s.config.name.as_str()) != except)
            .any(|other| {
                config.subjects.iter().any(|mine| {
                    other
                        .config
                        .subjects
                        .iter()
                        .any(|theirs| subjects_overlap(mine.as_bytes(), theirs.as_bytes()))
                })
            });
        if overlaps {
            Err(ErrorId::StreamSubjectOverlapErr.into())
        } else {
            Ok(())
        }
    }

    fn stream_info_request(&self, name: &str, body: &[u8]) -> Result<StreamInfoBody, ApiError> {
        let request: StreamInfoRequest = parse(body)?;
        let stream = self.stream(name).ok_or(ErrorId::StreamNotFoundErr)?;
        let (mut info, paged) = self.info_paged(&stream, &request);
        // Only STREAM.INFO names the leader (nats-server leaves it out of
        // create, update and list replies when not clustered).
        info.cluster = Some(ClusterInfo {
            leader: self.server_name.clone(),
            ..ClusterInfo::default()
        });
        Ok(StreamInfoBody {
            paged,
            info: Some(info),
        })
    }

    pub(super) fn info(&self, stream: &Stream, request: &StreamInfoRequest) -> StreamInfo {
        self.info_paged(stream, request).0
    }

    /// Stream info with at most one page of subject details (the page is
    /// reported beside it, as nats-server does: offset as asked, its limit
    /// and the number of matching subjects; all zero when none match).
    fn info_paged(&self, stream: &Stream, request: &StreamInfoRequest) -> (StreamInfo, Paged) {
        let state = stream.store.state(request.deleted_details);
        let (subjects, paged) = if request.subjects_filter.is_empty() {
            Default::default()
        } else {
            page_subjects(
                stream
                    .store
                    .subjects_state(request.subjects_filter.as_bytes()),
                request.offset,
            )
        };
        let timestamp = |nanos: i64| {
            if nanos == 0 {
                Timestamp::default()
            } else {
                Timestamp::from_unix_nanos(nanos)
            }
        };
        let info = StreamInfo {
            config: stream.config.clone(),
            created: stream.created,
            state: StreamState {
                messages: state.msgs,
                bytes: state.bytes,
                first_seq: state.first_seq,
                first_ts: timestamp(state.first_ts),
                last_seq: state.last_seq,
                last_ts: timestamp(state.last_ts),
                num_subjects: state.num_subjects,
                subjects,
                num_deleted: state.num_deleted,
                deleted: state.deleted,
                lost: None,
                consumer_count: self.consumer_count(Some(&stream.config.name)) as u64,
            },
            domain: self.domain.clone(),
            mirror: self.mirror_info(stream),
            sources: self.sources_info(stream),
            timestamp: Timestamp::now(),
            ..StreamInfo::default()
        };
        (info, paged)
    }

    fn delete_stream(
        &self,
        name: &str,
        side: &mut Vec<Outgoing>,
    ) -> Result<StreamDeleteBody, ApiError> {
        let stream = self.stream(name).ok_or(ErrorId::StreamNotFoundErr)?;
        self.remove_stream(&stream, side)
            .map_err(|e| ApiError::with(ErrorId::StreamStoreFailedF, &[("err", &e.to_string())]))?;
        Ok(StreamDeleteBody { success: true })
    }

    fn matching_names(&self, filter: &str) -> Vec<Arc<Stream>> {
        let streams = self.streams.lock();
        streams
            .values()
            .filter(|s| {
                filter.is_empty()
                    || s.config
                        .subjects
                        .iter()
                        .any(|subject| subjects_overlap(subject.as_bytes(), filter.as_bytes()))
            })
            .cloned()
            .collect()
    }

    fn stream_names(&self, body: &[u8]) -> Result<StreamNamesBody, ApiError> {
        // nats-server ignores a NAMES body it cannot read.
        let request: StreamNamesRequest = parse(body).unwrap_or_default();
        let streams = self.matching_names(&request.subject);
        let paged = Paged::new(
            streams.len(),
            request.offset,
            natrium_jetstream::api::NAMES_LIMIT,
        );
        let names: Vec<String> = streams[paged.range()]
            .iter()
            .map(|s| s.config.name.clone())
            .collect();
        Ok(StreamNamesBody {
            paged,
            streams: (!names.is_empty()).then_some(names),
        })
    }

    fn stream_list(&self, body: &[u8]) -> Result<StreamListBody, ApiError> {
        let request: StreamNamesRequest = parse(body)?;
        let streams = self.matching_names(&request.subject);
        let paged = Paged::new(
            streams.len(),
            request.offset,
            natrium_jetstream::api::LIST_LIMIT,
        );
        let infos = streams[paged.range()]
            .iter()
            .map(|s| {
                let mut info = self.info(s, &StreamInfoRequest::default());
                // The list shows configs as stored: no version keys.
                info.config.metadata.remove(META_VERSION);
                info.config.metadata.remove(META_LEVEL);
                info
            })
            .collect();
        Ok(StreamListBody {
            paged,
            streams: infos,
            missing: Vec::new(),
        })
    }

    fn purge_stream(&self, name: &str, body: &[u8]) -> Result<StreamPurgeBody, ApiError> {
        let request: StreamPurgeRequest = parse(body)?;
        request.check()?;
        let stream = self.stream(name).ok_or(ErrorId::StreamNotFoundErr)?;
        if stream.config.sealed {
            return Err(ErrorId::StreamSealedErr.into());
        }
        if stream.config.deny_purge {
            return Err(
                ErrorId::StreamPurgeFailedF.with_err("stream purge operations not permitted")
            );
        }
        let purge = PurgeRequest {
            filter: (!request.filter.is_empty())
                .then(|| bytes::Bytes::from(request.filter.clone())),
            up_to_seq: (request.sequence > 0).then_some(request.sequence),
            keep: (request.keep > 0).then_some(request.keep),
        };
        let purged = stream
            .store
            .purge(&purge)
            .map_err(|e| ErrorId::StreamPurgeFailedF.with_err(&e.to_string()))?;
        Ok(StreamPurgeBody {
            success: true,
            purged,
        })
    }

    fn get_message(&self, name: &str, body: &[u8]) -> Result<StreamMsgGetBody, ApiError> {
        let request: MsgGetRequest = parse(body)?;
        let query = request.check_msg_get()?;
        let stream = self.stream(name).ok_or(ErrorId::StreamNotFoundErr)?;
        let found = match query {
            MsgQuery::Sequence(seq) => stream.store.load(seq),
            MsgQuery::LastBySubject(subject) => stream.store.load_last(subject.as_bytes()),
            MsgQuery::NextBySubject { from, subject } => {
                stream.store.load_next(subject.as_bytes(), from.max(1))
            }
        };
        let message = found.map_err(|e| match e {
            StoreError::NotFound | StoreError::Deleted => {
                ApiError::from(ErrorId::NoMessageFoundErr)
            }
            other => ApiError::with(ErrorId::StreamStoreFailedF, &[("err", &other.to_string())]),
        })?;
        Ok(StreamMsgGetBody {
            message: Some(StoredMsg {
                subject: String::from_utf8_lossy(&message.subject).into_owned(),
                sequence: message.seq,
                hdrs: message.headers.to_vec(),
                data: message.payload.to_vec(),
                time: Timestamp::from_unix_nanos(message.timestamp),
            }),
        })
    }

    fn delete_message(&self, name: &str, body: &[u8]) -> Result<StreamMsgDeleteBody, ApiError> {
        let request: StreamMsgDeleteRequest = parse(body)?;
        let stream = self.stream(name).ok_or(ErrorId::StreamNotFoundErr)?;
        if stream.config.sealed {
            return Err(ErrorId::StreamSealedErr.into());
        }
        if stream.config.deny_delete {
            return Err(ErrorId::StreamMsgDeleteFailedF.with_err("message delete not permitted"));
        }
        match stream.store.remove(request.sequence, !request.no_erase) {
            Ok(true) => Ok(StreamMsgDeleteBody { success: true }),
            Ok(false) | Err(StoreError::NotFound) | Err(StoreError::Deleted) => {
                Err(ApiError::sequence_not_found(request.sequence))
            }
            Err(other) => Err(ErrorId::StreamMsgDeleteFailedF.with_err(&other.to_string())),
        }
    }
}

trait WithErr {
    fn with_err(self, text: &str) -> ApiError;
}

impl WithErr for ErrorId {
    fn with_err(self, text: &str) -> ApiError {
        ApiError::with(self, &[("err", text)])
    }
}
