//! Consumers: a stream's messages delivered to clients, tracked until they
//! are acknowledged.
//!
//! A consumer is a cursor over its stream (`next_seq`), a set of delivered
//! but unacknowledged messages (`pending`, each with its ack deadline), and
//! where deliveries go: the `deliver_subject` of a push consumer, or the
//! reply subjects of waiting pull requests. Everything runs on the
//! JetStream thread; a consumer never sends anything itself but returns
//! [`Outgoing`] messages for JetStream to publish once the stream's writes
//! are as durable as configured.
//!
//! * [`ack`]: ack subjects and ack bodies.
//! * [`pull`]: waiting pull requests and their status replies.
//! * [`rate`]: `rate_limit_bps` for push consumers.
//! * [`state`]: what survives a restart.

pub mod ack;
pub mod pull;
pub mod rate;
pub mod state;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::PathBuf;

use natrium_jetstream::consumer::{
    AckPolicy, ConsumerConfig, DeliverPolicy, NextRequest, PriorityPolicy, ReplayPolicy,
};
use natrium_jetstream::headers::{HeaderBlock, HeaderBuilder, MSG_SIZE};
use natrium_jetstream::Timestamp;
use natrium_store::StoredMessage;
use parking_lot::Mutex;

use self::ack::AckReply;
use self::pull::{PullRequest, Waiting};
use self::state::SavedState;
use super::stream::Stream;

/// Flow control: a push consumer asks for a reply after this many messages
/// or bytes, and stops delivering when two such windows are unanswered, so
/// a slow reader (or a large object being read) holds at most a few MiB.
const FLOW_CONTROL_WINDOW: u64 = 512;
const FLOW_CONTROL_WINDOW_BYTES: u64 = 8 << 20;

/// A message for JetStream to publish.
pub struct Outgoing {
    /// Where it goes (whose subscribers get it).
    pub route: String,
    /// The subject it shows (a stream message keeps its own).
    pub subject: String,
    pub reply: Option<String>,
    pub headers: Option<Vec<u8>>,
    /// Shared with the store's read where it can be: no copy per delivery.
    pub payload: bytes::Bytes,
}

impl Outgoing {
    /// A message to `subject` (no reply subject).
    pub fn to(
        subject: &str,
        headers: Option<Vec<u8>>,
        payload: impl Into<bytes::Bytes>,
    ) -> Outgoing {
        Outgoing {
            route: subject.to_string(),
            subject: subject.to_string(),
            reply: None,
            headers,
            payload: payload.into(),
        }
    }

    /// A headers-only status message (pull request ends, heartbeats).
    fn status(subject: &str, headers: Vec<u8>) -> Outgoing {
        Outgoing::to(subject, Some(headers), bytes::Bytes::new())
    }
}

pub struct Consumer {
    pub stream: String,
    pub name: String,
    pub config: ConsumerConfig,
    pub created: Timestamp,
    /// Where its state is kept; `None` when it lives in memory only.
    pub dir: Option<PathBuf>,
    /// Its filter subjects (`>` when unfiltered), worked out once: every
    /// delivery looks messages up by them.
    filters: Vec<String>,
    state: Mutex<State>,
}

/// A delivered message awaiting its ack.
#[derive(Debug, Clone, Copy)]
struct Pending {
    consumer_seq: u64,
    delivered_at: i64,
    /// When it is redelivered if not acknowledged (unix nanos).
    deadline: i64,
    deliveries: u64,
}

#[derive(Default)]
struct State {
    next_seq: u64,
    initial: VecDeque<u64>,
    delivered: (u64, u64),
    last_delivered_at: i64,
    ack_floor: (u64, u64),
    last_ack_at: i64,
    pending: BTreeMap<u64, Pending>,
    /// Pending messages due for redelivery, lowest sequence first.
    redeliver: BTreeSet<u64>,
    num_redelivered: u64,
    waiting: Waiting,
    /// Last request, ack or delivery: ephemerals go after `inactive_threshold` without one.
    last_active: i64,
    /// When the push consumer last sent anything (for idle heartbeats).
    last_push_sent: i64,
    /// Unanswered flow-control request subject, and messages sent since it.
    flow_control: Option<String>,
    since_flow_control: u64,
    since_flow_control_bytes: u64,
    flow_control_count: u64,
    paused_until: i64,
    /// `pinned_client`: the pin id and when its client last asked.
    pinned: Option<(String, i64)>,
    /// Replay original: the first message's timestamp and when it went out.
    replay_start: Option<(i64, i64)>,
    /// `rate_limit_bps` of a push consumer (built on first delivery).
    rate: Option<rate::RateLimiter>,
    /// Messages that reached max_deliver, for advisories.
    exhausted: Vec<MaxDeliveries>,
    /// Changed since last written to disk.
    dirty: bool,
}

/// What acknowledging did, for JetStream to follow up.
#[derive(Default)]
pub struct AckOutcome {
    /// Stream sequences no longer needed by this consumer (work queue
    /// streams remove them).
    pub acked: Vec<u64>,
    /// A `+TERM`inated message: (stream seq, consumer seq, deliveries).
    pub terminated: Option<(u64, u64, u64)>,
    /// A `-NAK`ed message: (stream seq, consumer seq, deliveries).
    pub naked: Option<(u64, u64, u64)>,
    /// The acknowledged message, for ack sampling: (stream seq, consumer
    /// seq, nanos from delivery to ack, deliveries).
    pub acked_message: Option<(u64, u64, i64, u64)>,
}

/// A `MAX_DELIVERIES` advisory to publish: (stream seq, deliveries).
pub type MaxDeliveries = (u64, u64);

impl Consumer {
    /// A new consumer positioned by its deliver policy.
    pub fn new(
        stream: &Stream,
        name: String,
        config: ConsumerConfig,
        created: Timestamp,
        dir: Option<PathBuf>,
    ) -> Consumer {
        let mut state = State {
            last_active: natrium_store::now_nanos(),
            paused_until: config.pause_until.and_then(|t| t.unix_nanos()).unwrap_or(0),
            dirty: true,
            ..State::default()
        };
        let store_state = stream.store.state(false);
        let filters = filters(&config);
        state.next_seq = match config.deliver_policy {
            DeliverPolicy::All => store_state.first_seq.max(1),
            DeliverPolicy::New => store_state.last_seq + 1,
            DeliverPolicy::ByStartSequence => config.opt_start_seq.max(1),
            DeliverPolicy::ByStartTime => {
                let since = config
                    .opt_start_time
                    .and_then(|t| t.unix_nanos())
                    .unwrap_or(0);
                first_seq_since(stream, since)
            }
            DeliverPolicy::Last => filters
                .iter()
                .filter_map(|f| stream.store.load_last(f.as_bytes()).ok())
                .map(|m| m.seq)
                .max()
                .unwrap_or(store_state.last_seq + 1),
            DeliverPolicy::LastPerSubject => {
                let mut lasts = BTreeSet::new();
                for filter in &filters {
                    for subject in stream.store.subjects_state(filter.as_bytes()).keys() {
                        if let Ok(message) = stream.store.load_last(subject.as_bytes()) {
                            lasts.insert(message.seq);
                        }
                    }
                }
                state.initial = lasts.into_iter().collect();
                store_state.last_seq + 1
            }
        };
        // The floor starts just below the first message it could deliver.
        let start = state.initial.front().copied().unwrap_or(state.next_seq);
        state.ack_floor = (0, start.saturating_sub(1));
        state.delivered = (0, start.saturating_sub(1));
        Consumer {
            stream: stream.config.name.clone(),
            name,
            filters,
            config,
            created,
            dir,
            state: Mutex::new(state),
        }
    }

    /// A consumer read back from disk.
    pub fn restore(
        name: String,
        config: ConsumerConfig,
        created: Timestamp,
        dir: PathBuf,
        saved: SavedState,
        stream_name: String,
    ) -> Consumer {
        Self::from_saved(name, config, created, Some(dir), saved, stream_name)
    }

    /// An in-memory consumer given a new configuration, keeping its progress.
    pub fn restore_in_memory(
        name: String,
        config: ConsumerConfig,
        created: Timestamp,
        saved: SavedState,
        stream_name: String,
    ) -> Consumer {
        Self::from_saved(name, config, created, None, saved, stream_name)
    }

    fn from_saved(
        name: String,
        config: ConsumerConfig,
        created: Timestamp,
        dir: Option<PathBuf>,
        saved: SavedState,
        stream_name: String,
    ) -> Consumer {
        let now = natrium_store::now_nanos();
        let ack_wait = redelivery_wait(&config, 1);
        let mut state = State {
            next_seq: saved.next_seq,
            initial: saved.initial.into_iter().collect(),
            delivered: saved.delivered,
            ack_floor: saved.ack_floor,
            num_redelivered: saved.num_redelivered,
            last_active: now,
            paused_until: config.pause_until.and_then(|t| t.unix_nanos()).unwrap_or(0),
            dirty: true,
            ..State::default()
        };
        for (seq, consumer_seq, delivered_at, deliveries) in saved.pending {
            state.pending.insert(
                seq,
                Pending {
                    consumer_seq,
                    delivered_at,
                    deadline: now.saturating_add(ack_wait),
                    deliveries,
                },
            );
        }
        Consumer {
            stream: stream_name,
            name,
            filters: filters(&config),
            config,
            created,
            dir,
            state: Mutex::new(state),
        }
    }

    pub fn is_pull(&self) -> bool {
        self.config.deliver_subject.is_empty()
    }

    /// The state to write to disk, if it changed since last time.
    pub fn take_dirty_state(&self) -> Option<SavedState> {
        let mut state = self.state.lock();
        if !std::mem::take(&mut state.dirty) {
            return None;
        }
        Some(Self::saved(&state))
    }

    /// The whole progress, for a consumer replaced by an update.
    pub fn take_state_for_update(&self) -> SavedState {
        Self::saved(&self.state.lock())
    }

    fn saved(state: &State) -> SavedState {
        SavedState {
            next_seq: state.next_seq,
            delivered: state.delivered,
            ack_floor: state.ack_floor,
            pending: state
                .pending
                .iter()
                .map(|(&seq, p)| (seq, p.consumer_seq, p.delivered_at, p.deliveries))
                .collect(),
            num_redelivered: state.num_redelivered,
            initial: state.initial.iter().copied().collect(),
        }
    }

    /// Queues a pull request (`CONSUMER.MSG.NEXT`). A `no_wait` request
    /// that finds nothing is answered at once.
    pub fn add_pull_request(&self, reply: &str, request: &NextRequest, now: i64) {
        let mut state = self.state.lock();
        state.last_active = now;
        let expires = request.expires.max(0);
        if let Some((pin, asked)) = &mut state.pinned {
            if request.id == *pin {
                *asked = now;
            }
        }
        state.waiting.queue.push_back(PullRequest {
            overflow: (request.min_pending, request.min_ack_pending),
            pin_id: request.id.clone(),
            priority: request.priority,
            reply: reply.to_string(),
            batch: request.batch.max(1) as u64,
            max_bytes: request.max_bytes.max(0) as u64,
            has_max_bytes: request.max_bytes > 0,
            expires_at: if expires > 0 { now + expires } else { 0 },
            no_wait: request.no_wait,
            heartbeat: request.idle_heartbeat.max(0),
            last_sent: now,
            delivered: 0,
        });
    }

    /// Delivers what it can: to a push consumer's subject, or to waiting
    /// pull requests. Ends `no_wait` requests that can't be served further.
    /// `interest`: whether a push consumer's deliver subject has subscribers
    /// (nats-server only pushes to a consumer someone listens to).
    pub fn deliver(
        &self,
        stream: &Stream,
        now: i64,
        interest: &dyn Fn(&str) -> bool,
        out: &mut Vec<Outgoing>,
    ) {
        let mut state = self.state.lock();
        if state.paused_until > now {
            return;
        }
        if !self.is_pull() {
            if !interest(&self.config.deliver_subject) {
                return;
            }
            state.last_active = now;
        } else {
            Self::drop_orphans(&mut state, interest);
        }
        let mut num_pending: Option<u64> = None;
        loop {
            let push = !self.is_pull();
            if push {
                if state.flow_control.is_some()
                    && (state.since_flow_control >= 2 * FLOW_CONTROL_WINDOW
                        || state.since_flow_control_bytes >= 2 * FLOW_CONTROL_WINDOW_BYTES)
                {
                    break; // stalled until the client answers flow control
                }
            } else {
                // Drop requests that expired while waiting.
                while let Some(front) = state.waiting.queue.front() {
                    if front.expires_at > 0 && front.expires_at <= now {
                        if let Some(request) = state.waiting.queue.pop_front() {
                            out.push(Outgoing::status(&request.reply, pull::timed_out(&request)));
                        }
                    } else {
                        break;
                    }
                }
                if state.waiting.queue.is_empty() {
                    break;
                }
            }
            let chosen = if push {
                None
            } else {
                match self.choose_request(&mut state, stream) {
                    Some(index) => Some(index),
                    None => break,
                }
            };
            let full = self.config.ack_policy != AckPolicy::None
                && self.config.max_ack_pending > 0
                && state.pending.len() as i64 >= self.config.max_ack_pending;
            let Some((message, redelivery)) = self.next_message(&mut state, stream, full) else {
                break;
            };
            if self.config.replay_policy == ReplayPolicy::Original && !redelivery {
                // Spaced as they were stored: not before its time has come
                // (the consumer timer comes back for it).
                let (first_ts, started) =
                    *state.replay_start.get_or_insert((message.timestamp, now));
                if now - started < message.timestamp - first_ts {
                    self.put_back(&mut state, message.seq, false);
                    break;
                }
            }
            let size =
                (message.subject.len() + message.headers.len() + message.payload.len()) as u64;
            let target = match chosen {
                None => self.config.deliver_subject.clone(),
                Some(index) => {
                    let Some(request) = state.waiting.queue.get(index) else {
                        break;
                    };
                    if request.has_max_bytes && size > request.max_bytes {
                        // It does not fit: the request ends, the message waits.
                        self.put_back(&mut state, message.seq, redelivery);
                        if let Some(request) = state.waiting.queue.remove(index) {
                            out.push(Outgoing::status(&request.reply, pull::too_big(&request)));
                        }
                        continue;
                    }
                    request.reply.clone()
                }
            };
            if push && !self.within_rate_limit(&mut state, stream, size, now) {
                // Over the rate: it waits for the consumer's timer.
                self.put_back(&mut state, message.seq, redelivery);
                break;
            }
            // Counted once (the cursor is already past this message), then
            // kept up to date by hand.
            let remaining = match num_pending {
                None => self.num_pending_locked(&state, stream),
                Some(n) if redelivery => n,
                Some(n) => n.saturating_sub(1),
            };
            num_pending = Some(remaining);
            let mut delivery =
                self.delivery(&mut state, message, redelivery, target, remaining, now);
            if let Some((pin, _)) = &state.pinned {
                delivery.headers = Some(with_header(delivery.headers.take(), PIN_ID, pin));
            }
            out.push(delivery);
            if push {
                state.last_push_sent = now;
                if self.config.flow_control {
                    state.since_flow_control += 1;
                    state.since_flow_control_bytes += size;
                    if state.flow_control.is_none()
                        && (state.since_flow_control >= FLOW_CONTROL_WINDOW
                            || state.since_flow_control_bytes >= FLOW_CONTROL_WINDOW_BYTES)
                    {
                        out.push(self.flow_control_request(&mut state));
                    }
                }
            } else if let Some(index) = chosen {
                let Some(request) = state.waiting.queue.get_mut(index) else {
                    break;
                };
                request.batch -= 1;
                request.delivered += 1;
                request.last_sent = now;
                if request.has_max_bytes {
                    request.max_bytes = request.max_bytes.saturating_sub(size);
                }
                let done = request.batch == 0 || (request.has_max_bytes && request.max_bytes == 0);
                if done {
                    state.waiting.queue.remove(index);
                }
            }
        }
        // A no_wait request that got nothing (or not everything) ends now.
        if self.is_pull() {
            let mut kept = VecDeque::new();
            while let Some(request) = state.waiting.queue.pop_front() {
                if request.no_wait {
                    // Whether it got some or none, nats-server says 404.
                    out.push(Outgoing::status(&request.reply, pull::no_messages()));
                } else {
                    kept.push_back(request);
                }
            }
            state.waiting.queue = kept;
        }
    }

    /// Forgets pull requests whose reply subject nobody listens to any
    /// more (a fetch that timed out or was cancelled): they must not take
    /// messages or count as waiting.
    pub fn drop_orphaned_requests(&self, interest: &dyn Fn(&str) -> bool) {
        if self.is_pull() {
            Self::drop_orphans(&mut self.state.lock(), interest);
        }
    }

    fn drop_orphans(state: &mut State, interest: &dyn Fn(&str) -> bool) {
        state
            .waiting
            .queue
            .retain(|request| interest(&request.reply));
    }

    /// Which waiting request the next message goes to, per the priority
    /// policy (ADR-42): the oldest request, or with `overflow` the oldest
    /// whose `min_pending`/`min_ack_pending` the consumer meets, with
    /// `pinned_client` only the pinned client's (the first to ask gets
    /// pinned), with `prioritized` the lowest `priority` value first.
    fn choose_request(&self, state: &mut State, stream: &Stream) -> Option<usize> {
        match self.config.priority_policy {
            PriorityPolicy::None => (!state.waiting.queue.is_empty()).then_some(0),
            PriorityPolicy::Overflow => {
                let pending = self.num_pending_locked(state, stream) as i64;
                let ack_pending = state.pending.len() as i64;
                state.waiting.queue.iter().position(|request| {
                    let (min_pending, min_ack_pending) = request.overflow;
                    (min_pending == 0 && min_ack_pending == 0)
                        || (min_pending > 0 && pending >= min_pending)
                        || (min_ack_pending > 0 && ack_pending >= min_ack_pending)
                })
            }
            PriorityPolicy::PinnedClient => {
                if let Some((pin, _)) = &state.pinned {
                    let pin = pin.clone();
                    return state.waiting.queue.iter().position(|r| r.pin_id == pin);
                }
                let front = state.waiting.queue.front_mut()?;
                let pin = new_pin_id();
                front.pin_id = pin.clone();
                state.pinned = Some((pin, natrium_store::now_nanos()));
                state.dirty = true;
                Some(0)
            }
            PriorityPolicy::Prioritized => state
                .waiting
                .queue
                .iter()
                .enumerate()
                .min_by_key(|(index, request)| (request.priority, *index))
                .map(|(index, _)| index),
        }
    }

    /// The current pin of a `pinned_client` consumer.
    pub fn pin(&self) -> Option<String> {
        self.state
            .lock()
            .pinned
            .as_ref()
            .map(|(pin, _)| pin.clone())
    }

    /// `CONSUMER.UNPIN`: the next request gets the pin.
    pub fn unpin(&self) {
        self.state.lock().pinned = None;
    }

    /// The next message to deliver: a due redelivery first, then the
    /// `last_per_subject` start set, then the stream from the cursor. With
    /// `full` (max_ack_pending reached) only redeliveries qualify.
    fn next_message(
        &self,
        state: &mut State,
        stream: &Stream,
        full: bool,
    ) -> Option<(StoredMessage, bool)> {
        while let Some(seq) = state.redeliver.pop_first() {
            let Some(pending) = state.pending.get(&seq) else {
                continue;
            };
            let deliveries = pending.deliveries;
            if self.config.max_deliver > 0 && deliveries as i64 >= self.config.max_deliver {
                // Delivered as often as allowed: given up on, with an advisory.
                state.pending.remove(&seq);
                state.exhausted.push((seq, deliveries));
                state.dirty = true;
                Self::update_ack_floor(state);
                continue;
            }
            match stream.store.load(seq) {
                Ok(message) => return Some((message, true)),
                Err(_) => {
                    state.pending.remove(&seq);
                    state.dirty = true;
                }
            }
        }
        if full {
            return None;
        }
        while let Some(seq) = state.initial.pop_front() {
            state.dirty = true;
            if let Ok(message) = stream.store.load(seq) {
                return Some((message, false));
            }
        }
        let message = self.load_next(stream, state.next_seq)?;
        state.next_seq = message.seq + 1;
        state.dirty = true;
        Some((message, false))
    }

    /// Undoes taking a message that could not be delivered after all.
    fn put_back(&self, state: &mut State, seq: u64, redelivery: bool) {
        if redelivery {
            state.redeliver.insert(seq);
        } else {
            state.initial.push_front(seq);
        }
    }

    fn load_next(&self, stream: &Stream, from: u64) -> Option<StoredMessage> {
        self.filters
            .iter()
            .filter_map(|filter| stream.store.load_next(filter.as_bytes(), from).ok())
            .min_by_key(|message| message.seq)
    }

    /// Builds the delivery of `message` and records it.
    fn delivery(
        &self,
        state: &mut State,
        message: StoredMessage,
        redelivery: bool,
        target: String,
        remaining: u64,
        now: i64,
    ) -> Outgoing {
        state.delivered.0 += 1;
        let consumer_seq = state.delivered.0;
        state.delivered.1 = state.delivered.1.max(message.seq);
        state.last_delivered_at = now;
        state.last_active = now;
        state.dirty = true;
        let deliveries = match state.pending.get(&message.seq) {
            Some(p) if redelivery => p.deliveries + 1,
            _ => 1,
        };
        if deliveries == 2 {
            state.num_redelivered += 1;
        }
        if self.config.ack_policy == AckPolicy::None {
            state.ack_floor = state.delivered;
        } else {
            let wait = self.ack_wait_for(deliveries);
            state.pending.insert(
                message.seq,
                Pending {
                    consumer_seq,
                    delivered_at: now,
                    deadline: now.saturating_add(wait),
                    deliveries,
                },
            );
        }
        let reply = ack::ack_subject(
            &self.stream,
            &self.name,
            deliveries,
            message.seq,
            consumer_seq,
            message.timestamp,
            remaining,
        );
        let (headers, payload) = if self.config.headers_only {
            let builder = match HeaderBlock::parse(&message.headers) {
                Ok(block) if !message.headers.is_empty() => HeaderBuilder::from_block(&block),
                _ => HeaderBuilder::new(),
            };
            let headers = builder
                .add(MSG_SIZE, &message.payload.len().to_string())
                .finish();
            (Some(headers), bytes::Bytes::new())
        } else {
            let headers = (!message.headers.is_empty()).then(|| message.headers.to_vec());
            (headers, message.payload)
        };
        Outgoing {
            route: target,
            subject: String::from_utf8_lossy(&message.subject).into_owned(),
            reply: Some(reply),
            headers,
            payload,
        }
    }

    /// Whether `size` more bytes may go out now under `rate_limit_bps`.
    fn within_rate_limit(&self, state: &mut State, stream: &Stream, size: u64, now: i64) -> bool {
        let limit = self.config.rate_limit_bps;
        if limit == 0 {
            return true;
        }
        let limiter = match &mut state.rate {
            Some(limiter) if limiter.bits_per_second == limit => limiter,
            slot => slot.insert(rate::RateLimiter::new(
                limit,
                i64::from(stream.config.max_msg_size),
                now,
            )),
        };
        limiter.allow(size, now)
    }

    /// How long the `deliveries`-th delivery waits for its ack.
    fn ack_wait_for(&self, deliveries: u64) -> i64 {
        redelivery_wait(&self.config, deliveries)
    }

    fn flow_control_request(&self, state: &mut State) -> Outgoing {
        state.flow_control_count += 1;
        let reply = format!(
            "$JS.FC.{}.{}.{}",
            self.stream, self.name, state.flow_control_count
        );
        state.flow_control = Some(reply.clone());
        Outgoing {
            route: self.config.deliver_subject.clone(),
            subject: self.config.deliver_subject.clone(),
            reply: Some(reply),
            headers: Some(pull::status(100, "FlowControl Request", None)),
            payload: bytes::Bytes::new(),
        }
    }

    /// A reply to a flow-control request arrived: delivery may go on.
    pub fn flow_control_answered(&self, subject: &str) {
        let mut state = self.state.lock();
        if state.flow_control.as_deref() == Some(subject) {
            state.flow_control = None;
            state.since_flow_control = 0;
            state.since_flow_control_bytes = 0;
        }
    }

    /// Applies an ack to the message at `seq`.
    pub fn acknowledge(&self, seq: u64, ack: &AckReply, now: i64) -> AckOutcome {
        let mut outcome = AckOutcome::default();
        if self.config.ack_policy == AckPolicy::FlowControl {
            // Client acks do not count under the flow-control ack policy:
            // nats-server 2.14.0 leaves ack floor and pending untouched.
            return outcome;
        }
        let mut state = self.state.lock();
        state.last_active = now;
        match ack {
            AckReply::Ack | AckReply::Next(_) | AckReply::Term(_) => {
                if let Some(pending) = state.pending.get(&seq) {
                    if let AckReply::Term(_) = ack {
                        outcome.terminated = Some((seq, pending.consumer_seq, pending.deliveries));
                    } else {
                        outcome.acked_message = Some((
                            seq,
                            pending.consumer_seq,
                            now - pending.delivered_at,
                            pending.deliveries,
                        ));
                    }
                }
                if self.config.ack_policy == AckPolicy::All {
                    let acked: Vec<u64> = state.pending.range(..=seq).map(|(&s, _)| s).collect();
                    for s in acked {
                        state.pending.remove(&s);
                        state.redeliver.remove(&s);
                        outcome.acked.push(s);
                    }
                } else if state.pending.remove(&seq).is_some() {
                    state.redeliver.remove(&seq);
                    outcome.acked.push(seq);
                }
                if !outcome.acked.is_empty() {
                    state.last_ack_at = now;
                    state.dirty = true;
                    Self::update_ack_floor(&mut state);
                }
            }
            AckReply::Nak(delay) => {
                let wait = delay.map(|d| d.as_nanos().min(i64::MAX as u128) as i64);
                if let Some(pending) = state.pending.get_mut(&seq) {
                    outcome.naked = Some((seq, pending.consumer_seq, pending.deliveries));
                    match wait {
                        Some(wait) if wait > 0 => pending.deadline = now.saturating_add(wait),
                        _ => {
                            state.redeliver.insert(seq);
                        }
                    }
                }
            }
            AckReply::Progress => {
                let wait = self.config.ack_wait.max(0);
                if let Some(pending) = state.pending.get_mut(&seq) {
                    pending.deadline = now.saturating_add(wait);
                }
            }
        }
        outcome
    }

    fn update_ack_floor(state: &mut State) {
        state.ack_floor = match state.pending.iter().next() {
            Some((&seq, pending)) => (pending.consumer_seq - 1, seq - 1),
            None => state.delivered,
        };
    }

    /// Timers: redeliveries whose ack wait passed (or that ran out of
    /// deliveries), expired pull requests, idle heartbeats. Returns the
    /// messages that reached `max_deliver`.
    pub fn tick(&self, now: i64, out: &mut Vec<Outgoing>) -> Vec<MaxDeliveries> {
        let mut state = self.state.lock();
        let mut exhausted = std::mem::take(&mut state.exhausted);
        let due: Vec<(u64, u64)> = state
            .pending
            .iter()
            .filter(|(_, p)| p.deadline <= now)
            .map(|(&seq, p)| (seq, p.deliveries))
            .collect();
        for (seq, deliveries) in due {
            if state.redeliver.contains(&seq) {
                continue;
            }
            if self.config.max_deliver > 0 && deliveries as i64 >= self.config.max_deliver {
                state.pending.remove(&seq);
                state.dirty = true;
                exhausted.push((seq, deliveries));
            } else {
                state.redeliver.insert(seq);
            }
        }
        if !exhausted.is_empty() {
            Self::update_ack_floor(&mut state);
        }
        // Pull requests: expiry and heartbeats.
        let mut kept = VecDeque::new();
        while let Some(mut request) = state.waiting.queue.pop_front() {
            if request.expires_at > 0 && request.expires_at <= now {
                out.push(Outgoing::status(&request.reply, pull::timed_out(&request)));
                continue;
            }
            if request.heartbeat > 0 && now - request.last_sent >= request.heartbeat {
                request.last_sent = now;
                out.push(Outgoing::status(&request.reply, pull::heartbeat()));
            }
            kept.push_back(request);
        }
        state.waiting.queue = kept;
        // Push: idle heartbeat.
        let heartbeat = self.config.idle_heartbeat;
        if !self.is_pull() && heartbeat > 0 && now - state.last_push_sent >= heartbeat {
            state.last_push_sent = now;
            let mut builder = HeaderBuilder::with_status(100, "Idle Heartbeat")
                .add("Nats-Last-Consumer", &state.delivered.0.to_string())
                .add("Nats-Last-Stream", &state.delivered.1.to_string());
            if let Some(stalled) = &state.flow_control {
                builder = builder.add("Nats-Consumer-Stalled", stalled);
            }
            out.push(Outgoing::status(
                &self.config.deliver_subject,
                builder.finish(),
            ));
            // Under the flow-control ack policy an idle consumer with
            // messages outstanding asks the receiver to confirm them.
            if self.config.ack_policy == AckPolicy::FlowControl
                && state.flow_control.is_none()
                && !state.pending.is_empty()
            {
                let request = self.flow_control_request(&mut state);
                out.push(request);
            }
        }
        // A pinned client that stopped asking loses the pin.
        let timeout = self.config.priority_timeout;
        if let Some((_, asked)) = state.pinned {
            if timeout > 0 && now - asked > timeout {
                state.pinned = None;
            }
        }
        if state.paused_until > 0 && state.paused_until <= now {
            state.paused_until = 0;
        }
        exhausted
    }

    /// Ends every waiting pull request (the consumer is going away).
    pub fn close(&self, out: &mut Vec<Outgoing>) {
        let mut state = self.state.lock();
        for request in state.waiting.queue.drain(..) {
            out.push(Outgoing::status(&request.reply, pull::consumer_deleted()));
        }
    }

    /// Whether the consumer has been idle past its `inactive_threshold`
    /// (ephemerals get 5 s by default; durables only when they set one).
    pub fn inactive(&self, now: i64) -> bool {
        if self.config.inactive_threshold <= 0 {
            return false;
        }
        let state = self.state.lock();
        state.waiting.queue.is_empty() && now - state.last_active >= self.config.inactive_threshold
    }

    /// Marks the consumer as in use (its push subscriber is still there).
    pub fn touch(&self, now: i64) {
        self.state.lock().last_active = now;
    }

    /// Where a consumer feeding a stream's source (ADR-58) stands: the
    /// next stream sequence it would deliver.
    pub fn next_seq(&self) -> u64 {
        self.state.lock().next_seq
    }

    /// The stream it feeds stored everything it took up to `seq` (`count`
    /// messages): delivered and acknowledged at once, as the flow-control
    /// acks of a sourcing server do.
    pub fn acknowledge_through(&self, seq: u64, count: u64, now: i64) {
        let mut state = self.state.lock();
        if seq < state.next_seq {
            return;
        }
        state.next_seq = seq + 1;
        let consumer_seq = state.delivered.0 + count;
        state.delivered = (consumer_seq, seq);
        state.last_delivered_at = now;
        state.last_ack_at = now;
        state.last_active = now;
        if state.pending.is_empty() {
            state.ack_floor = state.delivered;
        }
        state.dirty = true;
    }

    /// `CONSUMER.RESET`: delivery starts over at stream sequence `seq` (`0`:
    /// just past the ack floor), as if nothing had been delivered before it:
    /// pending acks and redelivery counts are dropped and consumer
    /// sequences start again from 1. Returns the sequence delivered next.
    pub fn reset(&self, seq: u64) -> u64 {
        let mut state = self.state.lock();
        let seq = if seq == 0 { state.ack_floor.1 + 1 } else { seq };
        state.next_seq = seq;
        state.initial.clear();
        state.pending.clear();
        state.redeliver.clear();
        state.num_redelivered = 0;
        state.delivered = (0, seq - 1);
        state.ack_floor = (0, seq - 1);
        state.last_delivered_at = 0;
        state.last_ack_at = 0;
        state.dirty = true;
        seq
    }

    pub fn set_paused_until(&self, until: i64) {
        self.state.lock().paused_until = until;
    }

    /// Messages still to deliver (not counting pending redeliveries).
    pub fn num_pending(&self, stream: &Stream) -> u64 {
        let state = self.state.lock();
        self.num_pending_locked(&state, stream)
    }

    fn num_pending_locked(&self, state: &State, stream: &Stream) -> u64 {
        let after: u64 = self
            .filters
            .iter()
            .map(|filter| {
                stream
                    .store
                    .num_pending(state.next_seq, filter.as_bytes(), false)
            })
            .sum();
        after + state.initial.len() as u64
    }

    /// Snapshot for CONSUMER.INFO.
    pub fn snapshot(&self) -> Snapshot {
        let state = self.state.lock();
        Snapshot {
            delivered: state.delivered,
            last_delivered_at: state.last_delivered_at,
            ack_floor: state.ack_floor,
            last_ack_at: state.last_ack_at,
            num_ack_pending: state.pending.len() as u64,
            num_redelivered: state.num_redelivered,
            num_waiting: state.waiting.queue.len() as u64,
            paused_until: state.paused_until,
        }
    }

    /// Whether the consumer still needs `seq` (not yet acknowledged by it).
    pub fn needs(&self, seq: u64, subject: &[u8]) -> bool {
        if !self
            .filters
            .iter()
            .any(|f| natrium_subjects::subject_matches_filter(subject, f.as_bytes()))
        {
            return false;
        }
        let state = self.state.lock();
        seq >= state.next_seq || state.pending.contains_key(&seq) || state.initial.contains(&seq)
    }
}

/// What CONSUMER.INFO reports of the state.
pub struct Snapshot {
    pub delivered: (u64, u64),
    pub last_delivered_at: i64,
    pub ack_floor: (u64, u64),
    pub last_ack_at: i64,
    pub num_ack_pending: u64,
    pub num_redelivered: u64,
    pub num_waiting: u64,
    pub paused_until: i64,
}

/// The header naming the pin of a `pinned_client` delivery.
const PIN_ID: &str = "Nats-Pin-Id";

/// `headers` (or a fresh block) with `key: value` added.
fn with_header(headers: Option<Vec<u8>>, key: &str, value: &str) -> Vec<u8> {
    let builder = match headers.as_deref().map(HeaderBlock::parse) {
        Some(Ok(block)) => HeaderBuilder::from_block(&block),
        _ => HeaderBuilder::new(),
    };
    builder.add(key, value).finish()
}

/// A new pin id (nats-server uses a NUID: 22 characters).
fn new_pin_id() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::thread_rng();
    (0..22)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The consumer's filters; one `>` when it has none.
fn filters(config: &ConsumerConfig) -> Vec<String> {
    match config.filters() {
        none if none.is_empty() => vec![">".to_string()],
        some => some.into_iter().map(str::to_string).collect(),
    }
}

/// The first sequence stored at or after `since` (unix nanos).
fn first_seq_since(stream: &Stream, since: i64) -> u64 {
    let state = stream.store.state(false);
    let (mut low, mut high) = (state.first_seq.max(1), state.last_seq + 1);
    // Timestamps grow with sequences: binary search over what is stored.
    while low < high {
        let mid = low + (high - low) / 2;
        match stream.store.load_next(b">", mid) {
            Ok(message) if message.timestamp >= since => high = mid.min(message.seq),
            Ok(message) => low = message.seq + 1,
            Err(_) => high = mid,
        }
    }
    low
}

/// How long the `deliveries`-th delivery waits for its ack: the backoff step
/// for it, else ack_wait. Never, under the 2.14 flow-control ack policy:
/// nats-server 2.14.0 keeps such messages pending without redelivering them.
fn redelivery_wait(config: &ConsumerConfig, deliveries: u64) -> i64 {
    if config.ack_policy == AckPolicy::FlowControl {
        return i64::MAX;
    }
    let backoff = &config.backoff;
    if backoff.is_empty() {
        return config.ack_wait.max(0);
    }
    let index = (deliveries.saturating_sub(1) as usize).min(backoff.len() - 1);
    backoff[index].max(0)
}
