//! JetStream: persistent streams served over the `$JS.API` JSON API.
//!
//! Each account with JetStream has its own [`JetStream`], owned by the
//! account ([`crate::account::Account::jetstream`]), with its own streams,
//! limits and thread: an internal client of that account, it subscribes to
//! `$JS.API.>` (and `$JS.<domain>.API.>`) for management requests and to
//! every stream's subjects for publishes, and answers through the same
//! account routing as any client. Direct gets are the exception: being
//! plain reads, they are answered on the requesting connection's task
//! (`direct.rs`). Mirrors (`mirror.rs`) and sources (`sources.rs`) copy from
//! their origins after each group of writes.
//! Storage is `natrium-store` (memory or file per stream); the API's data
//! shapes and validation are `natrium-jetstream`.
//!
//! On disk, under the store directory: `jetstream/<account>/streams/<name>/` holds
//! `meta.json` (configuration and creation time, written atomically) and
//! `msgs/` (the file store). Streams come back exactly on restart.
//!
//! Requests and publishes are handled in order by one task, in groups: all
//! the messages already waiting (up to [`GROUP_MAX`]) are handled, their
//! writes handed to the OS together (and, with `sync_interval: always`,
//! fsynced together), and only then do their replies go out. Nothing is
//! acknowledged before it is as durable as configured, and a burst of
//! publishes costs one write and one fsync instead of one each.

mod api;
mod batch;
mod consumer;
mod consumer_api;
mod consumers;
mod counter;
mod direct;
mod mirror;
mod not_enabled;
mod snapshot;
mod sources;
mod stream;
mod trace;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use natrium_jetstream::stream::StorageType;
use natrium_jetstream::subjects::Endpoint;
use natrium_jetstream::{StreamConfig, Timestamp};
use natrium_store::{FileStoreOptions, StoreError, SyncPolicy};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tracing::{error, info, warn};

use self::stream::Stream;
use crate::internal::{InternalClient, InternalInbox};
use crate::options::JetStreamOptions;
use crate::server::ServerShared;

/// Default interval between syncs of file stores to disk (nats-server's).
const DEFAULT_SYNC_INTERVAL: Duration = Duration::from_secs(120);
/// Messages handled before their writes are flushed and replies sent.
const GROUP_MAX: usize = 1024;
/// Bytes a file store buffers between flushes (JetStream flushes each group).
const STORE_WRITE_BUFFER: usize = 1 << 20;
/// How often consumers check ack deadlines, pull request expiry and heartbeats.
const CONSUMER_TICK: Duration = Duration::from_millis(50);
/// How often streams are checked for messages past their age or TTL.
const EXPIRY_CHECK: Duration = Duration::from_millis(250);

/// `$JS.API`, and `$JS.<domain>.API` when a domain is set (clients of
/// other domains' leaf nodes address this JetStream that way).
fn api_prefixes(domain: Option<&str>) -> Vec<String> {
    let mut prefixes = vec!["$JS.API".to_string()];
    if let Some(domain) = domain.filter(|d| !d.is_empty()) {
        prefixes.push(format!("$JS.{domain}.API"));
    }
    prefixes
}

#[derive(Debug, thiserror::Error)]
pub enum JetStreamError {
    #[error("can't use the JetStream store directory {path}: {source}")]
    StoreDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("can't subscribe JetStream to its API: {0}")]
    Subscribe(#[from] natrium_subjects::SubjectError),
}

/// Account-level limits reported by `$JS.API.INFO` and the banner.
#[derive(Debug, Clone, Copy)]
pub struct JetStreamLimits {
    pub max_memory: i64,
    pub max_storage: i64,
}

pub struct JetStream {
    server_name: String,
    domain: String,
    /// The account this JetStream serves.
    account_name: String,
    /// The server's storage limits (shared by all accounts).
    limits: JetStreamLimits,
    /// The account's own limits (-1: unlimited, within the server's);
    /// a reload may change them.
    account_limits: parking_lot::RwLock<natrium_jetstream::account::AccountLimits>,
    store_dir: PathBuf,
    streams_dir: PathBuf,
    sync: SyncPolicy,
    client: Arc<InternalClient>,
    /// The API subjects (`INFO`, `STREAM.>`, ...) under `$JS.API` and, with a
    /// domain, under `$JS.<domain>.API`.
    api_sids: Vec<u64>,
    /// `DIRECT.GET.>` under the same prefixes: answered on the requesting
    /// connection's task ([`direct::DirectGets`]); only requests from
    /// internal publishers arrive here.
    direct_sids: std::sync::OnceLock<Vec<u64>>,
    /// `$JS.ACK.>`: acks to consumer deliveries.
    ack_sid: u64,
    /// `$JS.FC.>`: answers to flow-control requests.
    flow_control_sid: u64,
    streams: Mutex<BTreeMap<String, Arc<Stream>>>,
    /// Consumers by stream, then by name.
    consumers: Mutex<BTreeMap<String, BTreeMap<String, Arc<consumer::Consumer>>>>,
    /// Subscription id → the stream it feeds.
    routes: Mutex<HashMap<u64, Arc<Stream>>>,
    /// Traced messages on their way to a stream, by trace destination, in
    /// delivery order ([`crate::trace`] sends the report once they are handled).
    traces: Mutex<Vec<trace::ExpectedTrace>>,
    api_total: AtomicU64,
    api_errors: AtomicU64,
    /// Snapshots being sent and restores being received.
    transfers: snapshot::Transfers,
}

/// Messages handled together, whose replies wait for their writes.
#[derive(Default)]
struct Group {
    /// What to publish once the writes are done.
    replies: Vec<consumer::Outgoing>,
    /// What API calls caused besides their replies (advisories, ends of
    /// pull requests): sent after the replies, in request order.
    after_replies: Vec<consumer::Outgoing>,
    /// Streams written to.
    written: Vec<Arc<Stream>>,
    /// Streams whose consumers may have something new to deliver.
    consumers_to_serve: Vec<String>,
    /// Whether an API request was handled (it may have written anywhere).
    api_calls: bool,
    /// Whether an ack asked to be confirmed (a double ack).
    acks_to_keep: bool,
    /// Bytes stored per storage type (memory, file), once summed.
    used: [Option<u64>; 2],
}

fn storage_index(storage: StorageType) -> usize {
    match storage {
        StorageType::Memory => 0,
        _ => 1,
    }
}

impl Group {
    fn wrote(&mut self, stream: &Arc<Stream>) {
        if !self.written.iter().any(|s| Arc::ptr_eq(s, stream)) {
            self.written.push(stream.clone());
        }
    }

    /// A publish took a stream's storage from `before` to `after` bytes.
    fn stream_grew(&mut self, storage: StorageType, before: u64, after: u64) {
        if let Some(used) = &mut self.used[storage_index(storage)] {
            *used = (*used + after).saturating_sub(before);
        }
    }

    fn serve(&mut self, stream: &str) {
        if !self.consumers_to_serve.iter().any(|s| s == stream) {
            self.consumers_to_serve.push(stream.to_string());
        }
    }
}

/// What `meta.json` holds for a stream.
#[derive(Serialize, Deserialize)]
struct StreamMeta {
    config: StreamConfig,
    created: Timestamp,
}

/// The accounts that get JetStream, with their limits: every configured
/// account that enables it or, when no account is configured, the global
/// account (nats-server's rule). The system account never has it.
pub fn enabled_accounts(
    options: &crate::options::ServerOptions,
) -> Vec<(String, natrium_jetstream::account::AccountLimits)> {
    let global = crate::account::GLOBAL_ACCOUNT;
    let system = options
        .system_account
        .as_deref()
        .unwrap_or(crate::account::SYSTEM_ACCOUNT);
    let configured: Vec<_> = options
        .accounts
        .iter()
        .filter(|a| a.name != global)
        .collect();
    if configured.is_empty() {
        return vec![(global.to_string(), Default::default())];
    }
    options
        .accounts
        .iter()
        .filter(|a| a.name != system)
        .filter_map(|a| a.jetstream.map(|js| (a.name.clone(), js.limits)))
        .collect()
}

/// Every running JetStream (one per account that has it).
pub fn all(shared: &ServerShared) -> Vec<Arc<JetStream>> {
    shared
        .accounts
        .all()
        .iter()
        .filter_map(|a| a.jetstream())
        .collect()
}

/// Starts JetStream for the server: logs the banner once, then starts each
/// account's JetStream (reloading its persisted streams); accounts without
/// it get nats-server's "not enabled" answer to `$JS.API.INFO`.
pub async fn start_all(shared: &Arc<ServerShared>) -> Result<(), JetStreamError> {
    let all_options = shared.options();
    let options = &all_options.jetstream;
    let store_dir = options
        .store_dir
        .clone()
        .unwrap_or_else(default_store_dir)
        .join("jetstream");
    std::fs::create_dir_all(&store_dir).map_err(|source| JetStreamError::StoreDir {
        path: store_dir.clone(),
        source,
    })?;
    let limits = JetStreamLimits {
        max_memory: options
            .max_memory_store
            .unwrap_or_else(default_memory_limit),
        max_storage: options
            .max_file_store
            .unwrap_or_else(|| default_storage_limit(&store_dir)),
    };
    log_banner(options, &store_dir, limits);
    *shared.jetstream_storage.lock() = Some((store_dir, limits));
    enable_accounts(shared)
}

/// Starts JetStream for the accounts that should have it and do not yet
/// (at start, and for accounts a reload added or enabled); the others are
/// answered "not enabled". JetStream is never taken from a running account.
pub fn enable_accounts(shared: &Arc<ServerShared>) -> Result<(), JetStreamError> {
    let Some((store_dir, limits)) = shared.jetstream_storage.lock().clone() else {
        return Ok(());
    };
    let enabled = enabled_accounts(&shared.options());
    for (name, account_limits) in &enabled {
        let account = shared.accounts.get_or_create(name);
        if let Some(running) = account.jetstream() {
            *running.account_limits.write() = *account_limits;
            continue;
        }
        let jetstream =
            JetStream::start(shared, account.clone(), &store_dir, limits, *account_limits)?;
        *account.jetstream.write() = Some(jetstream);
    }
    let system = shared.accounts.system_name();
    for account in shared.accounts.all() {
        let without = account.name != system && !enabled.iter().any(|(n, _)| *n == account.name);
        if without && account.jetstream().is_none() && !account.answers_jetstream_disabled() {
            not_enabled::answer_info(shared, &account)?;
        }
    }
    Ok(())
}

impl JetStream {
    /// Starts one account's JetStream: reloads its persisted streams and
    /// begins serving the API in the account.
    fn start(
        shared: &Arc<ServerShared>,
        account: Arc<crate::account::Account>,
        store_dir: &Path,
        limits: JetStreamLimits,
        account_limits: natrium_jetstream::account::AccountLimits,
    ) -> Result<Arc<JetStream>, JetStreamError> {
        let all_options = shared.options();
        let options = &all_options.jetstream;
        let store_dir = store_dir.to_path_buf();
        let streams_dir = store_dir.join(&account.name).join("streams");
        std::fs::create_dir_all(&streams_dir).map_err(|source| JetStreamError::StoreDir {
            path: streams_dir.clone(),
            source,
        })?;
        let account_name = account.name.clone();
        let (client, inbox) = InternalClient::connect(shared, account, "JetStream");
        let prefixes = api_prefixes(options.domain.as_deref());
        let mut api_sids = Vec::new();
        for prefix in &prefixes {
            // Everything but direct gets (answered inline, below); requests
            // to unknown endpoints are taken and left unanswered, as on
            // nats-server.
            let direct = format!("{prefix}.DIRECT.GET.>");
            api_sids.push(client.subscribe_except(&format!("{prefix}.>"), None, &[&direct])?);
        }
        let ack_sid = client.subscribe("$JS.ACK.>", None)?;
        let flow_control_sid = client.subscribe("$JS.FC.>", None)?;
        let transfers_sid = client.subscribe(snapshot::TRANSFER_SUBJECTS, None)?;
        let jetstream = Arc::new(JetStream {
            server_name: shared.name.clone(),
            domain: options.domain.clone().unwrap_or_default(),
            account_name: account_name.clone(),
            limits,
            account_limits: parking_lot::RwLock::new(account_limits),
            store_dir: store_dir.clone(),
            streams_dir,
            sync: options
                .sync
                .unwrap_or(SyncPolicy::Interval(DEFAULT_SYNC_INTERVAL)),
            client,
            api_sids,
            direct_sids: std::sync::OnceLock::new(),
            ack_sid,
            flow_control_sid,
            streams: Mutex::new(BTreeMap::new()),
            consumers: Mutex::new(BTreeMap::new()),
            routes: Mutex::new(HashMap::new()),
            traces: Mutex::new(Vec::new()),
            api_total: AtomicU64::new(0),
            api_errors: AtomicU64::new(0),
            transfers: snapshot::Transfers::new(transfers_sid, &store_dir),
        });
        let mut direct_sids = Vec::new();
        for prefix in &prefixes {
            let service = Arc::new(direct::DirectGets::new(&jetstream));
            direct_sids.push(
                jetstream
                    .client
                    .subscribe_inline(&format!("{prefix}.DIRECT.GET.>"), service)?,
            );
        }
        let _ = jetstream.direct_sids.set(direct_sids);
        jetstream.restore_streams();
        release_recovery_memory();
        let worker = jetstream.clone();
        std::thread::Builder::new()
            .name(format!("jetstream {account_name}"))
            .spawn(move || worker.run(inbox))
            .map_err(|source| JetStreamError::StoreDir {
                path: PathBuf::from("(jetstream thread)"),
                source,
            })?;
        Ok(jetstream)
    }

    /// JetStream's own thread: storage calls block (writes, fsyncs), so
    /// they run here, never on the threads that serve client connections.
    fn run(self: Arc<Self>, inbox: InternalInbox) {
        match tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
        {
            Ok(runtime) => runtime.block_on(self.serve(inbox)),
            Err(err) => error!("Can't start the JetStream thread: {err}"),
        }
    }

    /// Handles API requests and publishes in arrival order, expires aged
    /// messages and syncs file stores on their interval.
    async fn serve(&self, mut inbox: InternalInbox) {
        let mut expiry = tokio::time::interval(EXPIRY_CHECK);
        let sync_every = match self.sync {
            SyncPolicy::Interval(every) => every,
            SyncPolicy::Always => Duration::from_secs(3600),
        };
        let mut sync =
            tokio::time::interval_at(tokio::time::Instant::now() + sync_every, sync_every);
        let mut consumer_timers = tokio::time::interval(CONSUMER_TICK);
        consumer_timers.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                _ = expiry.tick() => self.expire_all(),
                _ = consumer_timers.tick() => self.consumer_tick(),
                _ = sync.tick() => self.sync_all(),
                message = inbox.next() => match message {
                    Some(first) => {
                        let mut group = Group::default();
                        self.handle_message(first, &mut group);
                        for _ in 1..GROUP_MAX {
                            match inbox.try_next() {
                                Some(message) => self.handle_message(message, &mut group),
                                None => break,
                            }
                        }
                        self.release(group);
                    }
                    None => break,
                },
            }
        }
    }

    /// Makes a group's writes as durable as configured, then sends its replies.
    fn release(&self, group: Group) {
        let wrote_anything = !group.written.is_empty() || group.api_calls;
        let streams = if group.api_calls {
            // An API call may have written to any stream.
            self.streams.lock().values().cloned().collect()
        } else {
            group.written
        };
        for stream in streams {
            let done = match self.sync {
                SyncPolicy::Always => stream.store.sync(),
                SyncPolicy::Interval(_) => stream.store.flush(),
            };
            match done {
                // Deleted meanwhile: nothing left to write.
                Ok(()) | Err(StoreError::Closed) => {}
                Err(err) => error!("Error writing stream {:?}: {err}", stream.config.name),
            }
        }
        // Consumer progress is written on the consumer timer; a double ack
        // is confirmed only once its ack is on disk, so write now for one.
        if group.acks_to_keep {
            self.save_consumers();
        }
        self.send(&group.replies);
        self.send(&group.after_replies);
        // Stored and durable: now consumers may deliver it.
        let mut streams = if group.api_calls {
            None
        } else {
            Some(group.consumers_to_serve)
        };
        // Mirrors follow what was just written (the consumer timer catches
        // up on the rest), so a group of reads costs no mirror pass.
        if wrote_anything {
            let mut copied = self.sync_mirrors();
            copied.extend(self.sync_sources());
            if let Some(streams) = &mut streams {
                streams.extend(copied);
            }
        }
        self.serve_consumers(streams);
    }

    /// Publishes what JetStream has to say.
    fn send(&self, messages: &[consumer::Outgoing]) {
        for message in messages {
            self.client.publish_as(
                message.route.as_bytes(),
                message.subject.as_bytes(),
                message.reply.as_ref().map(String::as_bytes),
                message.headers.as_deref(),
                &message.payload,
            );
        }
    }

    /// The options every file store is opened with: JetStream itself
    /// flushes and syncs after each group (see [`Self::release`]).
    fn file_options(&self) -> FileStoreOptions {
        FileStoreOptions {
            sync: SyncPolicy::Interval(DEFAULT_SYNC_INTERVAL),
            write_buffer: STORE_WRITE_BUFFER,
            ..FileStoreOptions::default()
        }
    }

    /// One delivered message: an API request, or a publish into a stream.
    fn handle_message(&self, message: crate::internal::InternalMessage, group: &mut Group) {
        if message.sid == self.ack_sid {
            return self.handle_ack(message, group);
        }
        if message.sid == self.flow_control_sid {
            return self.handle_flow_control(&message.subject);
        }
        if message.sid == self.transfers.sid {
            return self.handle_transfer(message, group);
        }
        let direct = self
            .direct_sids
            .get()
            .is_some_and(|sids| sids.contains(&message.sid));
        if direct || self.api_sids.contains(&message.sid) {
            let Some(api) = natrium_jetstream::subjects::parse(&message.subject) else {
                return;
            };
            if let Endpoint::ConsumerMsgNext(stream, consumer) = api.endpoint {
                return self.handle_next(stream, consumer, &message, group);
            }
            if matches!(
                api.endpoint,
                Endpoint::DirectGet(_) | Endpoint::DirectGetLast(..)
            ) {
                // From an internal publisher (clients' are answered inline).
                if let Some(reply) = &message.reply {
                    for (headers, payload) in
                        self.direct_get_replies(&message.subject, &message.payload)
                    {
                        group
                            .replies
                            .push(consumer::Outgoing::to(reply, Some(headers), payload));
                    }
                }
                return;
            }
            group.api_calls = true;
            // It may have freed or taken storage anywhere.
            group.used = [None; 2];
            let (response, failed) =
                self.handle_api(api.endpoint, &message.payload, &mut group.after_replies);
            // Counted once handled, as nats-server does: an INFO reports
            // the requests before it.
            self.api_total.fetch_add(1, Ordering::Relaxed);
            if failed {
                self.api_errors.fetch_add(1, Ordering::Relaxed);
            }
            if let Some(reply) = message.reply.filter(|_| !response.is_empty()) {
                group
                    .replies
                    .push(consumer::Outgoing::to(&reply, None, response));
            }
            return;
        }
        let traced = self.traced(message.headers.as_deref());
        let Some(stream) = self.routes.lock().get(&message.sid).cloned() else {
            // The stream went away meanwhile: a waiting trace goes out as is.
            if let Some((waiting, index)) = traced {
                waiting.stored(index, b"", b"");
            }
            return;
        };
        let before = stream.store.state(false).bytes;
        let room = self.room_for(&stream, group);
        let published = stream.publish(
            message.subject.as_bytes(),
            message.headers.as_deref(),
            &message.payload,
            &self.domain,
            room,
        );
        if let Some((waiting, index)) = traced {
            waiting.stored(
                index,
                &published.ack,
                message.headers.as_deref().unwrap_or_default(),
            );
        }
        let after = stream.store.state(false).bytes;
        group.stream_grew(stream.config.storage, before, after);
        for (subject, headers, payload) in published.republish {
            group
                .replies
                .push(consumer::Outgoing::to(&subject, Some(headers), payload));
        }
        if let (Some(reply), false) = (message.reply, stream.config.no_ack) {
            group
                .replies
                .push(consumer::Outgoing::to(&reply, None, published.ack));
        }
        self.drop_uninteresting(&stream, published.stored);
        group.serve(&stream.config.name);
        group.wrote(&stream);
    }

    /// Removes messages past their stream's max_age or their own TTL.
    fn expire_all(&self) {
        let now = natrium_store::now_nanos();
        self.transfers.expire();
        let streams: Vec<_> = self.streams.lock().values().cloned().collect();
        for stream in streams {
            stream.abandon_idle_batches();
            if stream.store.next_expiry().is_some_and(|at| at <= now) {
                if let Err(err) = stream.expire(now).and_then(|_| stream.store.flush()) {
                    error!(
                        "Error expiring messages of stream {:?}: {err}",
                        stream.config.name
                    );
                }
            }
        }
    }

    /// The account's limits in force.
    fn account_limits(&self) -> natrium_jetstream::account::AccountLimits {
        *self.account_limits.read()
    }

    /// The quota for a storage type: the account's limit within the
    /// server's (`max_memory_store` or `max_file_store`).
    fn quota(&self, storage: StorageType) -> i64 {
        let (server, account) = match storage {
            StorageType::Memory => (self.limits.max_memory, self.account_limits().max_memory),
            _ => (self.limits.max_storage, self.account_limits().max_storage),
        };
        match (server, account) {
            (s, a) if a >= 0 && (s < 0 || a < s) => a,
            (s, _) => s,
        }
    }

    /// Bytes stored by streams of one storage type, except the one named.
    fn used(&self, storage: StorageType, except: Option<&str>) -> u64 {
        let streams = self.streams.lock();
        streams
            .values()
            .filter(|s| s.config.storage == storage && Some(s.config.name.as_str()) != except)
            .map(|s| s.store.state(false).bytes)
            .sum()
    }

    /// Bytes a stream may still add before its storage quota is reached.
    /// The storage used is summed over all streams once per group, then
    /// kept up to date by [`Group::stream_grew`].
    fn room_for(&self, stream: &Stream, group: &mut Group) -> u64 {
        let storage = stream.config.storage;
        let quota = self.quota(storage);
        if quota < 0 {
            return u64::MAX;
        }
        let used =
            *group.used[storage_index(storage)].get_or_insert_with(|| self.used(storage, None));
        (quota as u64).saturating_sub(used)
    }

    fn stream(&self, name: &str) -> Option<Arc<Stream>> {
        self.streams.lock().get(name).cloned()
    }

    fn stream_dir(&self, name: &str) -> PathBuf {
        self.streams_dir.join(name)
    }

    /// Creates a new stream: its store, its metadata on disk, its subscriptions.
    fn add_stream(
        &self,
        config: StreamConfig,
        created: Timestamp,
    ) -> Result<Arc<Stream>, natrium_jetstream::ApiError> {
        let dir = self.stream_dir(&config.name);
        let stream =
            Stream::open(config, created, &dir, &self.file_options()).map_err(store_failed)?;
        self.persist(&stream).map_err(store_failed)?;
        let stream = Arc::new(stream);
        self.attach(&stream);
        Ok(stream)
    }

    /// Swaps in a new configuration for an existing stream, keeping its store.
    fn replace_stream(
        &self,
        existing: &Arc<Stream>,
        config: StreamConfig,
    ) -> Result<Arc<Stream>, natrium_jetstream::ApiError> {
        self.detach(existing);
        // The store outlives the old Stream value: reopen it under the new config.
        let dir = self.stream_dir(&config.name);
        let stream = Arc::new(
            Stream::reopen(existing, config, &dir, &self.file_options()).map_err(store_failed)?,
        );
        self.persist(&stream).map_err(store_failed)?;
        self.attach(&stream);
        Ok(stream)
    }

    fn remove_stream(
        &self,
        stream: &Arc<Stream>,
        side: &mut Vec<consumer::Outgoing>,
    ) -> Result<(), StoreError> {
        self.detach(stream);
        self.remove_consumers(&stream.config.name, side);
        stream.store.close()?;
        let dir = self.stream_dir(&stream.config.name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|source| StoreError::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        Ok(())
    }

    fn attach(&self, stream: &Arc<Stream>) {
        let mut routes = self.routes.lock();
        for subject in &stream.config.subjects {
            match self.client.subscribe(subject, None) {
                Ok(sid) => {
                    routes.insert(sid, stream.clone());
                }
                Err(err) => warn!(
                    "Stream {:?}: can't subscribe to {subject:?}: {err}",
                    stream.config.name
                ),
            }
        }
        self.streams
            .lock()
            .insert(stream.config.name.clone(), stream.clone());
    }

    fn detach(&self, stream: &Arc<Stream>) {
        let mut routes = self.routes.lock();
        let sids: Vec<u64> = routes
            .iter()
            .filter(|(_, s)| s.config.name == stream.config.name)
            .map(|(sid, _)| *sid)
            .collect();
        for sid in sids {
            routes.remove(&sid);
            self.client.unsubscribe(sid);
        }
        self.streams.lock().remove(&stream.config.name);
    }

    /// Writes `meta.json` atomically (temporary file, fsync, rename).
    fn persist(&self, stream: &Stream) -> Result<(), StoreError> {
        let dir = self.stream_dir(&stream.config.name);
        let io = |source| StoreError::Io {
            path: dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let meta = StreamMeta {
            config: stream.config.clone(),
            created: stream.created,
        };
        let json = serde_json::to_vec_pretty(&meta).unwrap_or_default();
        let temporary = dir.join("meta.json.tmp");
        {
            use std::io::Write;
            let mut file = std::fs::File::create(&temporary).map_err(io)?;
            file.write_all(&json).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        std::fs::rename(&temporary, dir.join("meta.json")).map_err(io)?;
        Ok(())
    }

    /// Reopens every stream found on disk.
    fn restore_streams(&self) {
        let Ok(entries) = std::fs::read_dir(&self.streams_dir) else {
            return;
        };
        for entry in entries.flatten() {
            let meta_path = entry.path().join("meta.json");
            let meta: StreamMeta =
                match std::fs::read(&meta_path).map(|b| serde_json::from_slice(&b)) {
                    Ok(Ok(meta)) => meta,
                    Ok(Err(err)) => {
                        error!(
                            "Skipping stream in {}: unreadable meta.json: {err}",
                            entry.path().display()
                        );
                        continue;
                    }
                    Err(_) => continue,
                };
            let name = meta.config.name.clone();
            match Stream::open(
                meta.config,
                meta.created,
                &entry.path(),
                &self.file_options(),
            ) {
                Ok(stream) => {
                    let state = stream.store.state(false);
                    info!(
                        "  Restored {} messages for stream '{} > {name}'",
                        state.msgs, self.account_name
                    );
                    let stream = Arc::new(stream);
                    self.attach(&stream);
                    self.restore_consumers(&stream);
                }
                Err(err) => error!("Error restoring stream {name:?}: {err}"),
            }
        }
    }

    /// `/jsz` and `/varz`: configuration and usage in nats-server's shape.
    pub fn monitoring(&self) -> serde_json::Value {
        let streams: Vec<_> = self.streams.lock().values().cloned().collect();
        let (mut memory, mut storage, mut messages) = (0u64, 0u64, 0u64);
        for stream in &streams {
            let state = stream.store.state(false);
            messages += state.msgs;
            match stream.config.storage {
                StorageType::Memory => memory += state.bytes,
                _ => storage += state.bytes,
            }
        }
        let sync_interval = match self.sync {
            SyncPolicy::Interval(every) => every.as_nanos() as u64,
            SyncPolicy::Always => 0,
        };
        serde_json::json!({
            "config": {
                "max_memory": self.limits.max_memory,
                "max_storage": self.limits.max_storage,
                "store_dir": self.store_dir.display().to_string(),
                "sync_interval": sync_interval,
                "sync_always": matches!(self.sync, SyncPolicy::Always),
                "strict": true,
            },
            "memory": memory,
            "storage": storage,
            "reserved_memory": 0,
            "reserved_storage": 0,
            "accounts": 1,
            "ha_assets": 0,
            "api": {
                "level": 4,
                "total": self.api_total.load(Ordering::Relaxed),
                "errors": self.api_errors.load(Ordering::Relaxed),
            },
            "streams": streams.len(),
            "consumers": self.consumer_count(None),
            "messages": messages,
            "bytes": memory + storage,
        })
    }

    /// Flushes every file store to disk.
    pub fn sync_all(&self) {
        let streams: Vec<_> = self.streams.lock().values().cloned().collect();
        for stream in streams {
            if stream.config.storage == StorageType::File {
                if let Err(err) = stream.store.sync() {
                    error!("Error syncing stream {:?}: {err}", stream.config.name);
                }
            }
        }
    }

    /// Stops serving and closes every store: written out to the OS, and
    /// fsynced only as the sync policy asks (nats-server's stop), so a stop
    /// right after heavy writes does not wait for the disk.
    pub fn shutdown(&self) {
        info!("Initiating JetStream Shutdown...");
        self.client.close();
        self.save_consumers();
        let streams: Vec<_> = self.streams.lock().values().cloned().collect();
        for stream in streams {
            let _ = stream.store.close();
        }
        info!("JetStream Shutdown");
    }
}

fn store_failed(err: StoreError) -> natrium_jetstream::ApiError {
    natrium_jetstream::ApiError::with(
        natrium_jetstream::errors::ErrorId::StreamStoreFailedF,
        &[("err", &err.to_string())],
    )
}

/// Hands back to the OS the heap that reading the stores left free (their
/// scans build large temporary lists; glibc keeps such memory otherwise,
/// and a server restarted on a big store would hold it for good).
fn release_recovery_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages; it touches no live
    // allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// `$XDG_DATA_HOME/natrium`, else `~/.local/share/natrium`, else the temp dir.
pub fn default_store_dir() -> PathBuf {
    if let Some(data) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(data).join("natrium");
    }
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(home).join(".local/share/natrium");
    }
    std::env::temp_dir().join("natrium")
}

/// nats-server's default: 75% of physical memory.
fn default_memory_limit() -> i64 {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let total_kib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<i64>()
                .ok()
        })
        .unwrap_or(1 << 20);
    total_kib * 1024 / 4 * 3
}

/// nats-server's default: 75% of the free space where the store lives.
fn default_storage_limit(dir: &Path) -> i64 {
    let Ok(path) = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()) else {
        return 1 << 40;
    };
    // SAFETY: statvfs writes into the zeroed struct we own; path is NUL-terminated.
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut stats) } != 0 {
        return 1 << 40;
    }
    (stats.f_bavail as i64).saturating_mul(stats.f_frsize as i64) / 4 * 3
}

fn log_banner(options: &JetStreamOptions, store_dir: &Path, limits: JetStreamLimits) {
    let gb = |bytes: i64| format!("{:.2} GB", bytes as f64 / (1u64 << 30) as f64);
    info!("Starting JetStream");
    info!("---------------- JETSTREAM ----------------");
    info!("  Max Memory:      {}", gb(limits.max_memory));
    info!("  Max Storage:     {}", gb(limits.max_storage));
    info!("  Store Directory: \"{}\"", store_dir.display());
    if let Some(domain) = &options.domain {
        info!("  Domain:          {domain}");
    }
    info!("  API Level:       4");
    info!("-------------------------------------------");
}
