//! The `$JS.API.CONSUMER.*` endpoints: create (all three subject forms and
//! `DURABLE.CREATE`), info, delete, names, list, pause and reset.
//!
//! Validation and defaults are `natrium-jetstream`'s (nats-server's rules);
//! this file decides what a request does to the running consumers.

use std::sync::Arc;

use natrium_jetstream::consumer::metadata::{
    same_ignoring_server_metadata, set_static_metadata, with_dynamic_metadata,
};
use natrium_jetstream::consumer::{
    check_action, check_config_for_stream, check_consumer_update, check_create_request,
    check_max_consumers, check_workqueue_partition, ConsumerConfig, ConsumerCreateBody,
    ConsumerDeleteBody, ConsumerInfo, ConsumerInfoBody, ConsumerLimitsContext, ConsumerListBody,
    ConsumerNamesBody, ConsumerPauseBody, ConsumerPauseRequest, ConsumerResetBody,
    ConsumerResetRequest, ConsumerUnpinBody, ConsumerUnpinRequest, CreateConsumerRequest,
    CreateOutcome, CreateSubject, DeliverPolicy, SequenceInfo,
};
use natrium_jetstream::errors::ErrorId;
use natrium_jetstream::stream::metadata::{META_LEVEL, META_VERSION};
use natrium_jetstream::{ApiError, Paged, Timestamp};

use super::consumer::{Consumer, Outgoing};
use super::stream::Stream;
use super::JetStream;

/// What a create request names in its subject.
pub(super) struct CreateTarget<'a> {
    pub stream: &'a str,
    pub consumer: Option<&'a str>,
    pub filter: Option<&'a str>,
    /// `DURABLE.CREATE`: the name must be the durable name.
    pub legacy_durable: bool,
}

impl JetStream {
    pub(super) fn create_consumer(
        &self,
        target: CreateTarget<'_>,
        body: &[u8],
        side: &mut Vec<Outgoing>,
    ) -> Result<ConsumerCreateBody, ApiError> {
        let request = CreateConsumerRequest::parse(body)?;
        let form = match (target.legacy_durable, target.consumer) {
            (true, Some(name)) => CreateSubject::LegacyDurable(name),
            (_, Some(consumer)) => CreateSubject::Named {
                consumer,
                filter: target.filter,
            },
            (_, None) => CreateSubject::LegacyEphemeral,
        };
        let config = check_create_request(target.stream, form, &request, false)?;
        let stream = self
            .stream(target.stream)
            .ok_or(ErrorId::StreamNotFoundErr)?;
        let limits = ConsumerLimitsContext {
            pedantic: request.pedantic,
            account_max_ack_pending: self.account_limits().max_ack_pending.max(0),
            ..ConsumerLimitsContext::default()
        };
        let mut config = check_config_for_stream(&stream.config, &config, &limits)?;
        if config.name.is_empty() {
            config.name = super::consumers::advisory_id()[..8].to_string();
        }
        set_static_metadata(&mut config);
        let name = config.name.clone();
        let existing = self.consumer(target.stream, &name);
        let others: Vec<Arc<Consumer>> = self
            .consumers_of(target.stream)
            .into_iter()
            .filter(|c| c.name != name)
            .collect();
        check_workqueue_partition(
            &stream.config,
            &config,
            others.iter().map(|c| &c.config),
            existing.is_some(),
        )?;
        match check_action(
            request.action,
            existing.as_ref().map(|c| &c.config),
            &config,
        )? {
            CreateOutcome::Update => {
                let Some(existing) = existing else {
                    return Err(ErrorId::ConsumerDoesNotExist.into());
                };
                if same_ignoring_server_metadata(&existing.config, &config) {
                    return Ok(ConsumerCreateBody {
                        info: Some(self.consumer_info(&stream, &existing)),
                    });
                }
                let updated = check_consumer_update(&existing.config, &config)?;
                self.replace_consumer(&stream, &existing, updated, side)
            }
            CreateOutcome::Create => {
                check_max_consumers(&stream.config, -1, others.len())?;
                let account_max = self.account_limits().max_consumers;
                if account_max >= 0 && self.consumer_count(None) as i64 >= account_max {
                    return Err(ErrorId::MaximumConsumersLimitErr.into());
                }
                let dir = self.consumer_dir(&stream, &name, config.mem_storage);
                let consumer = Consumer::new(&stream, name, config, Timestamp::now(), dir);
                let consumer = self.add_consumer(consumer, side).map_err(|e| {
                    ApiError::with(ErrorId::ConsumerCreateErrF, &[("err", &e.to_string())])
                })?;
                Ok(ConsumerCreateBody {
                    info: Some(self.consumer_info(&stream, &consumer)),
                })
            }
        }
    }

    /// Applies an update: the consumer keeps its progress.
    fn replace_consumer(
        &self,
        stream: &Arc<Stream>,
        existing: &Arc<Consumer>,
        config: ConsumerConfig,
        side: &mut Vec<Outgoing>,
    ) -> Result<ConsumerCreateBody, ApiError> {
        let saved = existing.take_state_for_update();
        let dir = existing.dir.clone();
        let replacement = match (&dir, saved) {
            (Some(dir), saved) => Consumer::restore(
                existing.name.clone(),
                config,
                existing.created,
                dir.clone(),
                saved,
                stream.config.name.clone(),
            ),
            (None, saved) => Consumer::restore_in_memory(
                existing.name.clone(),
                config,
                existing.created,
                saved,
                stream.config.name.clone(),
            ),
        };
        let consumer = self
            .add_consumer(replacement, side)
            .map_err(|e| ApiError::with(ErrorId::ConsumerCreateErrF, &[("err", &e.to_string())]))?;
        Ok(ConsumerCreateBody {
            info: Some(self.consumer_info(stream, &consumer)),
        })
    }

    pub(super) fn consumer_info(&self, stream: &Stream, consumer: &Consumer) -> ConsumerInfo {
        // nats-server counts only requests someone still waits for.
        consumer.drop_orphaned_requests(&|reply| self.client.has_interest(reply.as_bytes()));
        let snapshot = consumer.snapshot();
        let at = |nanos: i64| (nanos > 0).then(|| Timestamp::from_unix_nanos(nanos));
        let mut config = with_dynamic_metadata(
            &consumer.config,
            crate::options::COMPATIBLE_VERSION,
            super::api::API_LEVEL,
        );
        if snapshot.paused_until > 0 {
            config.pause_until = Some(Timestamp::from_unix_nanos(snapshot.paused_until));
        }
        let mut info = ConsumerInfo {
            stream_name: consumer.stream.clone(),
            name: consumer.name.clone(),
            created: consumer.created,
            config: Some(config),
            delivered: SequenceInfo {
                consumer_seq: snapshot.delivered.0,
                stream_seq: snapshot.delivered.1,
                last_active: at(snapshot.last_delivered_at),
            },
            ack_floor: SequenceInfo {
                consumer_seq: snapshot.ack_floor.0,
                stream_seq: snapshot.ack_floor.1,
                last_active: at(snapshot.last_ack_at),
            },
            num_ack_pending: snapshot.num_ack_pending,
            num_redelivered: snapshot.num_redelivered,
            num_waiting: snapshot.num_waiting,
            num_pending: consumer.num_pending(stream),
            // No `cluster`: nats-server reports none for consumers when not
            // clustered.
            push_bound: !consumer.is_pull(),
            timestamp: Timestamp::now(),
            ..ConsumerInfo::default()
        };
        info.set_pause_state(Timestamp::now());
        info
    }

    pub(super) fn consumer_info_request(
        &self,
        stream: &str,
        name: &str,
    ) -> Result<ConsumerInfoBody, ApiError> {
        let stream = self.stream(stream).ok_or(ErrorId::StreamNotFoundErr)?;
        let consumer = self
            .consumer(&stream.config.name, name)
            .ok_or(ErrorId::ConsumerNotFoundErr)?;
        Ok(ConsumerInfoBody {
            info: Some(self.consumer_info(&stream, &consumer)),
        })
    }

    pub(super) fn delete_consumer(
        &self,
        stream: &str,
        name: &str,
        side: &mut Vec<Outgoing>,
    ) -> Result<ConsumerDeleteBody, ApiError> {
        self.stream(stream).ok_or(ErrorId::StreamNotFoundErr)?;
        if !self.delete_consumer_named(stream, name, side) {
            return Err(ErrorId::ConsumerNotFoundErr.into());
        }
        Ok(ConsumerDeleteBody { success: true })
    }

    pub(super) fn consumer_names(
        &self,
        stream: &str,
        offset: i64,
    ) -> Result<ConsumerNamesBody, ApiError> {
        self.stream(stream).ok_or(ErrorId::StreamNotFoundErr)?;
        let consumers = self.consumers_of(stream);
        let paged = Paged::new(consumers.len(), offset, natrium_jetstream::api::NAMES_LIMIT);
        let names = consumers[paged.range()]
            .iter()
            .map(|c| c.name.clone())
            .collect();
        Ok(ConsumerNamesBody {
            paged,
            consumers: names,
        })
    }

    pub(super) fn consumer_list(
        &self,
        stream: &str,
        offset: i64,
    ) -> Result<ConsumerListBody, ApiError> {
        let stream = self.stream(stream).ok_or(ErrorId::StreamNotFoundErr)?;
        let consumers = self.consumers_of(&stream.config.name);
        let paged = Paged::new(consumers.len(), offset, natrium_jetstream::api::LIST_LIMIT);
        let infos = consumers[paged.range()]
            .iter()
            .map(|c| {
                let mut info = self.consumer_info(&stream, c);
                // The list shows configs as stored: no version keys.
                if let Some(config) = info.config.as_mut() {
                    config.metadata.remove(META_VERSION);
                    config.metadata.remove(META_LEVEL);
                }
                info
            })
            .collect();
        Ok(ConsumerListBody {
            paged,
            consumers: infos,
            missing: Vec::new(),
        })
    }

    pub(super) fn unpin_consumer(
        &self,
        stream: &str,
        name: &str,
        body: &[u8],
    ) -> Result<ConsumerUnpinBody, ApiError> {
        let request = ConsumerUnpinRequest::parse(body)?;
        self.stream(stream).ok_or(ErrorId::StreamNotFoundErr)?;
        let consumer = self
            .consumer(stream, name)
            .ok_or(ErrorId::ConsumerNotFoundErr)?;
        request.check(&consumer.config)?;
        consumer.unpin();
        Ok(ConsumerUnpinBody {})
    }

    /// `CONSUMER.RESET`: `None` when the stream or consumer does not exist
    /// (nats-server leaves such a request unanswered).
    pub(super) fn reset_consumer(
        &self,
        stream: &str,
        name: &str,
        body: &[u8],
    ) -> Option<Result<ConsumerResetBody, ApiError>> {
        let stream = self.stream(stream)?;
        let consumer = self.consumer(&stream.config.name, name)?;
        Some(ConsumerResetRequest::parse(body).and_then(|request| {
            check_reset(&stream, &consumer.config, request.seq)?;
            let reset_seq = consumer.reset(request.seq);
            Ok(ConsumerResetBody {
                info: Some(self.consumer_info(&stream, &consumer)),
                reset_seq,
            })
        }))
    }

    pub(super) fn pause_consumer(
        &self,
        stream: &str,
        name: &str,
        body: &[u8],
        side: &mut Vec<Outgoing>,
    ) -> Result<ConsumerPauseBody, ApiError> {
        let request = ConsumerPauseRequest::parse(body);
        self.stream(stream).ok_or(ErrorId::StreamNotFoundErr)?;
        let consumer = self
            .consumer(stream, name)
            .ok_or(ErrorId::ConsumerNotFoundErr)?;
        let now = natrium_store::now_nanos();
        let until = request
            .pause_until
            .and_then(|t| t.unix_nanos())
            .filter(|&t| t > now)
            .unwrap_or(0);
        consumer.set_paused_until(until);
        let pause_until = request.pause_until.unwrap_or_default();
        side.push(self.advisory(
            "PAUSE",
            "consumer_pause",
            &consumer,
            serde_json::json!({ "paused": until > 0, "pause_until": pause_until }),
        ));
        Ok(ConsumerPauseBody::at(request.pause_until, Timestamp::now()))
    }
}

/// A reset to a sequence may not go where the deliver policy never would:
/// only `all` and the start sequence or time policies take one, and not
/// before their start.
fn check_reset(stream: &Stream, config: &ConsumerConfig, seq: u64) -> Result<(), ApiError> {
    if seq == 0 {
        return Ok(());
    }
    let invalid = |why: &str| ApiError::with(ErrorId::ConsumerInvalidResetErr, &[("err", why)]);
    match config.deliver_policy {
        DeliverPolicy::All => Ok(()),
        DeliverPolicy::ByStartSequence if seq < config.opt_start_seq => {
            Err(invalid("below start seq"))
        }
        DeliverPolicy::ByStartSequence => Ok(()),
        DeliverPolicy::ByStartTime => {
            let start = config
                .opt_start_time
                .and_then(|t| t.unix_nanos())
                .unwrap_or(0);
            match stream.store.load_next(b">", seq) {
                Ok(message) if message.timestamp < start => Err(invalid("below start time")),
                _ => Ok(()),
            }
        }
        _ => Err(invalid("not allowed")),
    }
}
