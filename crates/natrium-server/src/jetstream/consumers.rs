//! JetStream's side of consumers: routing acks, pull requests and
//! flow-control answers to them, serving them after each group of writes,
//! their timers, and keeping them on disk.
//!
//! Deliveries are published only after the group's writes are as durable as
//! configured (see `JetStream::release`), so a consumer never hands out a
//! message the stream could still lose. Acks on a work-queue stream remove
//! the message; on an interest stream, once no consumer needs it any more.

use std::ops::RangeInclusive;
use std::sync::Arc;

use natrium_jetstream::consumer::{NextRequest, PullStatus};
use natrium_jetstream::stream::RetentionPolicy;
use tracing::{error, warn};

use super::consumer::ack::{parse_ack, parse_ack_subject, AckReply};
use super::consumer::state::{self, ConsumerMeta};
use super::consumer::{Consumer, Outgoing};
use super::stream::Stream;
use super::{Group, JetStream};
use crate::internal::InternalMessage;

impl JetStream {
    pub(super) fn consumer(&self, stream: &str, name: &str) -> Option<Arc<Consumer>> {
        self.consumers.lock().get(stream)?.get(name).cloned()
    }

    pub(super) fn consumers_of(&self, stream: &str) -> Vec<Arc<Consumer>> {
        self.consumers
            .lock()
            .get(stream)
            .map(|all| all.values().cloned().collect())
            .unwrap_or_default()
    }

    fn all_consumers(&self) -> Vec<Arc<Consumer>> {
        self.consumers
            .lock()
            .values()
            .flat_map(|m| m.values().cloned())
            .collect()
    }

    /// Consumers of one stream, or of all.
    pub(super) fn consumer_count(&self, stream: Option<&str>) -> usize {
        let consumers = self.consumers.lock();
        match stream {
            Some(stream) => consumers.get(stream).map_or(0, |all| all.len()),
            None => consumers.values().map(|all| all.len()).sum(),
        }
    }

    /// An ack (or nak, term, progress, next) to a delivery.
    pub(super) fn handle_ack(&self, message: InternalMessage, group: &mut Group) {
        // An ack may remove messages (work queues, interest): sum again.
        group.used = [None; 2];
        let Some(target) = parse_ack_subject(&message.subject) else {
            return;
        };
        let Some(ack) = parse_ack(&message.payload) else {
            return;
        };
        let Some(consumer) = self.consumer(target.stream, target.consumer) else {
            return;
        };
        let Some(stream) = self.stream(target.stream) else {
            return;
        };
        let now = natrium_store::now_nanos();
        let outcome = consumer.acknowledge(target.stream_seq, &ack, now);
        self.retire_acked(&stream, &consumer, &outcome.acked, group);
        if let Some((stream_seq, consumer_seq, ack_time, deliveries)) = outcome.acked_message {
            if sampled(&consumer.config.sample_freq) {
                group.replies.push(self.ack_metric(
                    &consumer,
                    serde_json::json!({
                        "consumer_seq": consumer_seq,
                        "stream_seq": stream_seq,
                        "ack_time": ack_time,
                        "deliveries": deliveries,
                    }),
                ));
            }
        }
        if let Some((stream_seq, consumer_seq, deliveries)) = outcome.naked {
            group.replies.push(self.advisory(
                "MSG_NAKED",
                "nak",
                &consumer,
                serde_json::json!({
                    "consumer_seq": consumer_seq,
                    "stream_seq": stream_seq,
                    "deliveries": deliveries,
                }),
            ));
        }
        if let Some((stream_seq, consumer_seq, deliveries)) = outcome.terminated {
            let reason = match &ack {
                AckReply::Term(Some(reason)) => reason.clone(),
                _ => String::new(),
            };
            group.replies.push(self.advisory(
                "MSG_TERMINATED",
                "terminated",
                &consumer,
                serde_json::json!({
                    "consumer_seq": consumer_seq,
                    "stream_seq": stream_seq,
                    "deliveries": deliveries,
                    "reason": reason,
                }),
            ));
        }
        if let AckReply::Next(body) = &ack {
            if let (Some(reply), Ok(request)) = (&message.reply, NextRequest::parse(body)) {
                consumer.add_pull_request(reply, &request, now);
            }
        } else if let Some(reply) = &message.reply {
            // A "double ack": the client waits for this once the ack is kept.
            group.replies.push(Outgoing::to(reply, None, Vec::new()));
            group.acks_to_keep = true;
        }
        group.serve(&stream.config.name);
    }

    /// Removes acknowledged messages that no one needs any more, per the
    /// stream's retention.
    fn retire_acked(
        &self,
        stream: &Arc<Stream>,
        consumer: &Consumer,
        acked: &[u64],
        group: &mut Group,
    ) {
        if acked.is_empty() {
            return;
        }
        let removable: Vec<u64> = match stream.config.retention {
            RetentionPolicy::WorkQueue => acked.to_vec(),
            RetentionPolicy::Interest => {
                let others: Vec<_> = self
                    .consumers_of(&stream.config.name)
                    .into_iter()
                    .filter(|c| c.name != consumer.name)
                    .collect();
                acked
                    .iter()
                    .copied()
                    .filter(|&seq| {
                        let Ok(message) = stream.store.load(seq) else {
                            return false;
                        };
                        !others.iter().any(|c| c.needs(seq, &message.subject))
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        for seq in removable {
            if let Err(err) = stream.store.remove(seq, false) {
                if !matches!(
                    err,
                    natrium_store::StoreError::NotFound | natrium_store::StoreError::Deleted
                ) {
                    warn!(
                        "Stream {:?}: can't remove acknowledged message {seq}: {err}",
                        stream.config.name
                    );
                }
            }
        }
        group.wrote(stream);
    }

    /// An interest stream keeps a message only while some consumer needs
    /// it: one that no consumer's filter takes is removed as it arrives.
    pub(super) fn drop_uninteresting(&self, stream: &Stream, stored: Option<RangeInclusive<u64>>) {
        let Some(stored) = stored else {
            return;
        };
        if stream.config.retention != RetentionPolicy::Interest {
            return;
        }
        let consumers = self.consumers_of(&stream.config.name);
        for seq in stored {
            let Ok(message) = stream.store.load(seq) else {
                continue;
            };
            if !consumers.iter().any(|c| c.needs(seq, &message.subject)) {
                if let Err(err) = stream.store.remove(seq, false) {
                    warn!(
                        "Stream {:?}: can't drop message {seq}: {err}",
                        stream.config.name
                    );
                }
            }
        }
    }

    /// `CONSUMER.MSG.NEXT.<stream>.<consumer>`: a pull request.
    pub(super) fn handle_next(
        &self,
        stream: &str,
        name: &str,
        message: &InternalMessage,
        group: &mut Group,
    ) {
        let Some(reply) = &message.reply else {
            return;
        };
        let Some(consumer) = self.consumer(stream, name) else {
            // nats-server answers as if no one listened: a 503 naming the subject.
            let headers = natrium_jetstream::headers::HeaderBuilder::with_status(503, "")
                .add("Nats-Subject", &message.subject)
                .finish();
            group
                .replies
                .push(Outgoing::to(reply, Some(headers), Vec::new()));
            return;
        };
        if !consumer.is_pull() {
            return;
        }
        let waiting = consumer.snapshot().num_waiting as i64;
        let checked = NextRequest::parse(&message.payload).and_then(|request| {
            request.check(&consumer.config)?;
            request.check_pin(consumer.pin().as_deref())?;
            if consumer.config.max_waiting > 0 && waiting >= consumer.config.max_waiting {
                return Err(PullStatus::ExceededMaxWaiting);
            }
            Ok(request)
        });
        match checked {
            Ok(request) => {
                consumer.add_pull_request(reply, &request, natrium_store::now_nanos());
                group.serve(stream);
            }
            Err(status) => {
                let headers = Some(status.to_header());
                group.replies.push(Outgoing::to(reply, headers, Vec::new()))
            }
        }
    }

    /// An answer to a flow-control request (`$JS.FC.<stream>.<consumer>.<n>`).
    pub(super) fn handle_flow_control(&self, subject: &str) {
        let mut tokens = subject.split('.').skip(2);
        let (Some(stream), Some(name)) = (tokens.next(), tokens.next()) else {
            return;
        };
        if let Some(consumer) = self.consumer(stream, name) {
            consumer.flow_control_answered(subject);
        }
        self.serve_consumers(Some(vec![stream.to_string()]));
    }

    /// Lets consumers deliver: of the named streams, or of all.
    pub(super) fn serve_consumers(&self, streams: Option<Vec<String>>) {
        let now = natrium_store::now_nanos();
        let names = match streams {
            Some(names) => names,
            None => self.consumers.lock().keys().cloned().collect(),
        };
        let mut out = Vec::new();
        for name in names {
            let Some(stream) = self.stream(&name) else {
                continue;
            };
            for consumer in self.consumers_of(&name) {
                let interest = |subject: &str| self.client.has_interest(subject.as_bytes());
                consumer.deliver(&stream, now, &interest, &mut out);
            }
        }
        self.send(&out);
    }

    /// Timers of every consumer, then delivery (redeliveries may be due).
    pub(super) fn consumer_tick(&self) {
        let now = natrium_store::now_nanos();
        // What mirrors and sources copy is delivered below with the rest.
        self.sync_mirrors();
        self.sync_sources();
        let all = self.all_consumers();
        if all.is_empty() {
            return;
        }
        let mut out = Vec::new();
        let interest = |subject: &str| self.client.has_interest(subject.as_bytes());
        for consumer in &all {
            // Also while paused: a cancelled fetch keeps no ephemeral alive.
            consumer.drop_orphaned_requests(&interest);
            for (seq, deliveries) in consumer.tick(now, &mut out) {
                out.push(self.max_deliveries_advisory(consumer, seq, deliveries));
            }
            // A push consumer is active while someone listens to it.
            if !consumer.is_pull()
                && self
                    .client
                    .has_interest(consumer.config.deliver_subject.as_bytes())
            {
                consumer.touch(now);
            }
            if consumer.inactive(now) {
                self.delete_consumer_named(&consumer.stream, &consumer.name, &mut out);
            }
        }
        self.send(&out);
        self.serve_consumers(None);
        self.save_consumers();
    }

    /// `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer>`.
    fn max_deliveries_advisory(&self, consumer: &Consumer, seq: u64, deliveries: u64) -> Outgoing {
        self.advisory(
            "MAX_DELIVERIES",
            "max_deliver",
            consumer,
            serde_json::json!({ "stream_seq": seq, "deliveries": deliveries }),
        )
    }

    /// A consumer advisory on `$JS.EVENT.ADVISORY.CONSUMER.<event>.<stream>.<consumer>`
    /// of type `io.nats.jetstream.advisory.v1.<kind>`, with `fields` added.
    pub(super) fn advisory(
        &self,
        event: &str,
        kind: &str,
        consumer: &Consumer,
        fields: serde_json::Value,
    ) -> Outgoing {
        let subject = format!(
            "{}.CONSUMER.{event}.{}.{}",
            natrium_jetstream::subjects::ADVISORY_PREFIX,
            consumer.stream,
            consumer.name
        );
        let mut body = serde_json::json!({
            "type": format!("io.nats.jetstream.advisory.v1.{kind}"),
            "id": advisory_id(),
            "timestamp": natrium_jetstream::Timestamp::now(),
            "stream": consumer.stream,
            "consumer": consumer.name,
        });
        if let (Some(body), Some(fields)) = (body.as_object_mut(), fields.as_object()) {
            body.extend(fields.clone());
        }
        if !self.domain.is_empty() {
            body["domain"] = serde_json::Value::String(self.domain.clone());
        }
        Outgoing::to(
            &subject,
            None,
            serde_json::to_vec(&body).unwrap_or_default(),
        )
    }

    /// Removes a consumer: its pull requests end, its state goes from disk.
    pub(super) fn delete_consumer_named(
        &self,
        stream: &str,
        name: &str,
        out: &mut Vec<Outgoing>,
    ) -> bool {
        let removed = self
            .consumers
            .lock()
            .get_mut(stream)
            .and_then(|all| all.remove(name));
        let Some(consumer) = removed else {
            return false;
        };
        consumer.close(out);
        out.push(self.action_advisory(&consumer, "delete"));
        if let Some(dir) = &consumer.dir {
            if let Err(err) = std::fs::remove_dir_all(dir) {
                if err.kind() != std::io::ErrorKind::NotFound {
                    warn!(
                        "Consumer {stream} > {name}: can't remove {}: {err}",
                        dir.display()
                    );
                }
            }
        }
        true
    }

    /// `$JS.EVENT.METRIC.CONSUMER.ACK.<stream>.<consumer>`: a sampled ack.
    fn ack_metric(&self, consumer: &Consumer, fields: serde_json::Value) -> Outgoing {
        let mut metric = self.advisory("ACK", "consumer_ack", consumer, fields);
        metric.subject = format!(
            "$JS.EVENT.METRIC.CONSUMER.ACK.{}.{}",
            consumer.stream, consumer.name
        );
        metric.route = metric.subject.clone();
        // Same envelope as an advisory, but a metric type.
        if let Ok(mut body) = serde_json::from_slice::<serde_json::Value>(&metric.payload) {
            body["type"] = "io.nats.jetstream.metric.v1.consumer_ack".into();
            metric.payload = serde_json::to_vec(&body).unwrap_or_default().into();
        }
        metric
    }

    /// `CONSUMER.CREATED` / `CONSUMER.DELETED`: a consumer came or went.
    fn action_advisory(&self, consumer: &Consumer, action: &str) -> Outgoing {
        let event = if action == "create" {
            "CREATED"
        } else {
            "DELETED"
        };
        self.advisory(
            event,
            "consumer_action",
            consumer,
            serde_json::json!({ "action": action }),
        )
    }

    /// Drops every consumer of a stream (the stream is being deleted).
    pub(super) fn remove_consumers(&self, stream: &str, side: &mut Vec<Outgoing>) {
        let removed = self.consumers.lock().remove(stream).unwrap_or_default();
        for consumer in removed.values() {
            consumer.close(side);
        }
    }

    /// Registers a consumer (and writes its configuration if it is kept on disk).
    /// The `create` advisory of a new consumer goes to `side`.
    pub(super) fn add_consumer(
        &self,
        consumer: Consumer,
        side: &mut Vec<Outgoing>,
    ) -> std::io::Result<Arc<Consumer>> {
        if let Some(dir) = &consumer.dir {
            std::fs::create_dir_all(dir)?;
            let meta = ConsumerMeta {
                config: consumer.config.clone(),
                created: consumer.created,
            };
            let json = serde_json::to_vec_pretty(&meta).map_err(std::io::Error::other)?;
            state::write_atomically(&state::meta_path(dir), &json, true)?;
        }
        let consumer = Arc::new(consumer);
        let replaced = self
            .consumers
            .lock()
            .entry(consumer.stream.clone())
            .or_default()
            .insert(consumer.name.clone(), consumer.clone());
        if replaced.is_none() {
            side.push(self.action_advisory(&consumer, "create"));
        }
        Ok(consumer)
    }

    /// Writes the progress of consumers that changed.
    pub(super) fn save_consumers(&self) {
        let sync = matches!(self.sync, natrium_store::SyncPolicy::Always);
        let all = self.all_consumers();
        for consumer in all {
            let Some(dir) = &consumer.dir else {
                continue;
            };
            let Some(saved) = consumer.take_dirty_state() else {
                continue;
            };
            let json = match serde_json::to_vec(&saved) {
                Ok(json) => json,
                Err(err) => {
                    error!(
                        "Consumer {} > {}: can't encode its state: {err}",
                        consumer.stream, consumer.name
                    );
                    continue;
                }
            };
            if let Err(err) = state::write_atomically(&state::state_path(dir), &json, sync) {
                error!(
                    "Consumer {} > {}: can't write its state: {err}",
                    consumer.stream, consumer.name
                );
            }
        }
    }

    /// Reads back the consumers of a restored stream.
    pub(super) fn restore_consumers(&self, stream: &Arc<Stream>) {
        let Some(stream_dir) = &stream.dir else {
            return;
        };
        let Ok(entries) = std::fs::read_dir(stream_dir.join("obs")) else {
            return;
        };
        for entry in entries.flatten() {
            let dir = entry.path();
            let meta = match state::load_meta(&dir) {
                Ok(meta) => meta,
                Err(err) => {
                    error!("Skipping consumer in {}: {err}", dir.display());
                    continue;
                }
            };
            let name = entry.file_name().to_string_lossy().into_owned();
            let consumer = match state::load_state(&dir) {
                Some(saved) => Consumer::restore(
                    name,
                    meta.config,
                    meta.created,
                    dir,
                    saved,
                    stream.config.name.clone(),
                ),
                None => Consumer::new(stream, name, meta.config, meta.created, Some(dir)),
            };
            let consumer = Arc::new(consumer);
            self.consumers
                .lock()
                .entry(stream.config.name.clone())
                .or_default()
                .insert(consumer.name.clone(), consumer);
        }
    }

    /// Where a consumer of `stream` keeps its state; `None` for memory.
    pub(super) fn consumer_dir(
        &self,
        stream: &Stream,
        name: &str,
        mem_storage: bool,
    ) -> Option<std::path::PathBuf> {
        if mem_storage {
            return None;
        }
        stream
            .dir
            .as_ref()
            .map(|_| self.stream_dir(&stream.config.name).join("obs").join(name))
    }
}

/// Whether to sample this ack, per `sample_freq` ("30%" or "30"; empty: never).
fn sampled(frequency: &str) -> bool {
    use rand::Rng;
    let percent = frequency.trim().trim_end_matches('%');
    match percent.parse::<u32>() {
        Ok(0) | Err(_) => false,
        Ok(p) => rand::thread_rng().gen_range(0..100) < p,
    }
}

/// A unique id for an advisory.
pub(super) fn advisory_id() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..22)
        .map(|_| {
            let n = rng.gen_range(0..62u8);
            match n {
                0..=9 => (b'0' + n) as char,
                10..=35 => (b'a' + n - 10) as char,
                _ => (b'A' + n - 36) as char,
            }
        })
        .collect()
}
