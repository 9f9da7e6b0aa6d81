//! The reader side of one client connection.
//!
//! It reads bytes, parses operations in place and acts on them: CONNECT
//! (options and authentication), PUB/HPUB (routing through the account's
//! subject index), SUB/UNSUB, PING/PONG. It also runs the connection's timers
//! (authentication timeout, keep-alive pings). Replies and errors go into the
//! client's own outbound buffer like any delivery, so ordering on the wire is
//! the order of processing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Buf, BytesMut};
use natrium_protocol::{writer, ClientOp, ConnectOptions, ParseError, Parser, ServerError};
use natrium_subjects::{is_valid_literal_subject, is_valid_queue_name, is_valid_subject, Matches};
use rustc_hash::FxHashMap;
use tokio::io::AsyncReadExt;
use tracing::{debug, error, trace};

use crate::account::imports;
use crate::account::mapping::Mapped;
use crate::account::Account;
use crate::client::delivery::{self, Delivered, FastRng, Message, Publisher};
use crate::client::outbound::PendingFlush;
use crate::client::subscription::{Subscription, SubscriptionRef};
use crate::client::{Client, CloseReason};
use crate::options::ServerOptions;
use crate::permissions::{self, Permissions};
use crate::server::ServerShared;

/// Reads smaller than this get a fresh allocation block.
const READ_CHUNK: usize = 64 * 1024;
/// The longest a publisher pauses for stalling subscribers per read batch.
const STALL_TOTAL: Duration = Duration::from_millis(10);
/// Entries in a connection's private match cache before it is reset.
const LOCAL_CACHE_ENTRIES: usize = 256;

/// Connection options a client can change with CONNECT; the defaults before
/// CONNECT are nats-server's (verbose and pedantic on, echo on).
struct ClientOptions {
    verbose: bool,
    pedantic: bool,
    echo: bool,
    headers: bool,
    no_responders: bool,
}

pub struct Connection {
    client: Arc<Client>,
    server: Arc<ServerShared>,
    /// This connection's snapshot of the server options, refreshed after a reload.
    config: Arc<ServerOptions>,
    config_generation: u64,
    /// The credentials CONNECT presented, re-checked when a reload changes auth.
    credentials: Option<ConnectOptions>,
    account: Arc<Account>,
    parser: Parser,
    options: ClientOptions,
    connected: bool,
    /// The authenticated user's permissions; `None` allows everything.
    permissions: Option<Permissions>,
    /// The nonce sent in INFO for nkey users to sign.
    nonce: Option<String>,
    /// Whether this connection counts against its account's connections.
    counted_in_account: bool,
    pings_outstanding: u32,
    ping_sent_at: Option<Instant>,
    /// Matches by subject, valid while the account's index generation holds.
    cache: FxHashMap<Box<[u8]>, Arc<Matches<SubscriptionRef>>>,
    cache_generation: u64,
    pending: PendingFlush,
    delivered: Delivered,
    rng: FastRng,
}

impl Connection {
    pub fn new(client: Arc<Client>, server: Arc<ServerShared>) -> Self {
        let config = server.options();
        let config_generation = server.options_generation();
        let parser = Parser {
            max_control_line: config.max_control_line,
            max_payload: config.max_payload,
            headers: false,
        };
        let account = server.accounts.global();
        let rng = FastRng::new(client.id.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        Connection {
            client,
            config,
            config_generation,
            credentials: None,
            server,
            account,
            parser,
            options: ClientOptions {
                verbose: true,
                pedantic: true,
                echo: true,
                headers: false,
                no_responders: false,
            },
            connected: false,
            permissions: None,
            nonce: None,
            counted_in_account: false,
            pings_outstanding: 0,
            ping_sent_at: None,
            cache: FxHashMap::default(),
            cache_generation: 0,
            pending: PendingFlush::default(),
            delivered: Delivered::default(),
            rng,
        }
    }

    /// The nonce this connection's INFO carried.
    pub fn with_nonce(mut self, nonce: Option<String>) -> Self {
        self.nonce = nonce;
        self
    }

    /// Runs until the client disconnects or is closed, then cleans up.
    pub async fn run<R>(mut self, mut socket: R)
    where
        R: tokio::io::AsyncRead + Unpin,
    {
        let auth_required = self.config.auth_required();
        let auth_deadline = tokio::time::sleep(self.config.auth.timeout);
        tokio::pin!(auth_deadline);
        let ping_interval = self.config.ping_interval.max(Duration::from_millis(10));
        let mut ping_timer =
            tokio::time::interval_at(tokio::time::Instant::now() + ping_interval, ping_interval);
        let mut buf = BytesMut::with_capacity(READ_CHUNK);
        let client = self.client.clone();
        let server = self.server.clone();
        loop {
            if buf.capacity() - buf.len() < READ_CHUNK / 4 {
                // A large message arriving in pieces: grow by what is already
                // held (doubling), so it is copied a few times, not once per read.
                buf.reserve(READ_CHUNK.max(buf.len()));
            }
            tokio::select! {
                biased;
                _ = client.closed() => break,
                read = socket.read_buf(&mut buf) => match read {
                    Ok(0) => {
                        self.client.close(CloseReason::ClientClosed);
                        break;
                    }
                    Ok(_) => {
                        self.client.touch();
                        let consumed = self.process(&buf);
                        buf.advance(consumed);
                    }
                    Err(_) => {
                        self.client.close(CloseReason::ReadError);
                        break;
                    }
                },
                _ = &mut auth_deadline, if auth_required && !self.connected => {
                    debug!("{} - Authentication Timeout", self.client.log_prefix());
                    self.send_error(ServerError::AuthenticationTimeout);
                    self.client.close(CloseReason::AuthenticationTimeout);
                }
                _ = ping_timer.tick() => self.on_ping_timer(),
                _ = server.reloaded() => {}
            }
            self.pending.flush();
            self.pause_for_stalled_subscribers().await;
            self.refresh_config();
        }
        self.pending.flush();
        self.cleanup();
    }

    /// Picks up reloaded options: new limits apply from now on, and if the
    /// authorization changed, this client's credentials are checked again:
    /// a client they no longer admit is closed, as nats-server does.
    fn refresh_config(&mut self) {
        let generation = self.server.options_generation();
        if generation == self.config_generation {
            return;
        }
        self.config_generation = generation;
        let config = self.server.options();
        self.parser.max_payload = config.max_payload;
        self.parser.max_control_line = config.max_control_line;
        let auth_changed = config.auth != self.config.auth;
        self.config = config;
        if !(auth_changed && self.connected) {
            return;
        }
        let credentials = self.credentials.clone().unwrap_or_default();
        let context = crate::auth::AuthContext {
            auth: &self.config.auth,
            no_auth_user: self.config.no_auth_user.as_deref(),
            nonce: self.nonce.as_deref(),
            operator: self.config.operator.as_ref(),
        };
        let same_account = |identity: &crate::auth::Identity| {
            identity
                .account
                .as_deref()
                .unwrap_or(crate::account::GLOBAL_ACCOUNT)
                == self.account.name
        };
        match crate::auth::login(&context, &credentials) {
            Ok(identity) if same_account(&identity) => self.permissions = identity.permissions,
            _ => {
                error!(
                    "{} - authorization revoked by a configuration reload",
                    self.client.log_prefix()
                );
                self.send_error(ServerError::AuthorizationViolation);
                self.client.close(CloseReason::AuthenticationViolation);
            }
        }
        self.pending.flush();
    }

    /// Back-pressure: after a batch that left subscribers far behind, pause
    /// (at most `STALL_TOTAL` per batch) so they can drain instead of being
    /// cut off as slow consumers.
    async fn pause_for_stalled_subscribers(&mut self) {
        if self.delivered.stalled.is_empty() {
            return;
        }
        let started = Instant::now();
        for subscriber in std::mem::take(&mut self.delivered.stalled) {
            if started.elapsed() >= STALL_TOTAL {
                break;
            }
            if subscriber.outbound.wait_until_drained().await {
                self.server.stats.record_stall();
            }
        }
    }

    /// Processes every complete operation in `buf`; returns bytes consumed.
    fn process(&mut self, buf: &[u8]) -> usize {
        let mut consumed = 0;
        while !self.client.is_closed() {
            match self.parser.parse(&buf[consumed..]) {
                Ok(Some((op, used))) => {
                    self.trace_op(&op);
                    self.handle(op);
                    consumed += used;
                }
                Ok(None) => break,
                Err(err) => {
                    self.on_parse_error(err);
                    break;
                }
            }
        }
        // Closing drops the rest of the input, as nats-server does.
        if self.client.is_closed() {
            buf.len()
        } else {
            consumed
        }
    }

    fn handle(&mut self, op: ClientOp<'_>) {
        if !self.connected && self.config.auth_required() && !matches!(op, ClientOp::Connect(_)) {
            self.send_error(ServerError::AuthorizationViolation);
            self.client.close(CloseReason::AuthenticationViolation);
            return;
        }
        match op {
            ClientOp::Pub {
                subject,
                reply,
                header_len,
                data,
            } => {
                // The parser checked that the header length fits the data.
                let (headers, payload) = match header_len {
                    Some(len) if len <= data.len() => {
                        let (headers, payload) = data.split_at(len);
                        (Some(headers), payload)
                    }
                    _ => (None, data),
                };
                self.publish(Message {
                    subject,
                    reply,
                    headers,
                    payload,
                })
            }
            ClientOp::Sub {
                subject,
                queue,
                sid,
            } => self.subscribe(subject, queue, sid),
            ClientOp::Unsub { sid, max } => self.unsubscribe(sid, max),
            ClientOp::Ping => self.send(writer::PONG),
            ClientOp::Pong => {
                self.pings_outstanding = 0;
                if let Some(sent) = self.ping_sent_at.take() {
                    self.client.metadata.lock().rtt = Some(sent.elapsed());
                }
            }
            ClientOp::Connect(json) => self.connect(json),
            ClientOp::Ignored => {}
        }
    }

    fn publish(&mut self, message: Message<'_>) {
        if self.options.pedantic && !is_valid_literal_subject(message.subject) {
            self.send_error(ServerError::InvalidPublishSubject);
            self.ok();
            return;
        }
        // The one cost tracing puts on untraced messages: a scan of the
        // header block of those that have one.
        if message.headers.is_some_and(crate::trace::requested) {
            return self.publish_traced(message);
        }
        if let Err(text) = self.check_publish(message.subject) {
            self.send_error_text(&text);
            return;
        }
        self.accept(&message);
        let mapped = match self.map_subject(message.subject) {
            Mapped::Unchanged => None,
            Mapped::To(subject) => Some(subject),
            Mapped::Dropped => return,
        };
        let message = match &mapped {
            Some(subject) => Message {
                subject: subject.as_bytes(),
                ..message
            },
            None => message,
        };
        let matches = self.matches(message.subject);
        let mut publisher = Publisher {
            client: &self.client,
            echo: self.options.echo,
            rng: &mut self.rng,
            inline: true,
        };
        delivery::deliver(
            &matches,
            &message,
            &mut publisher,
            &mut self.pending,
            &mut self.delivered,
        );
        imports::follow(
            &message,
            message.subject,
            &mut publisher,
            &mut self.pending,
            &mut self.delivered,
            0,
        );
        self.finish_publish(&message);
    }

    /// A message with `Nats-Trace-Dest`: published like any other (unless
    /// `Nats-Trace-Only`), with every step reported to the trace destination.
    fn publish_traced(&mut self, message: Message<'_>) {
        let Some(mut trace) = crate::trace::Trace::start(&self.client, &self.account, &message)
        else {
            return;
        };
        if let Err(text) = self.check_publish(message.subject) {
            trace.ingress_error(&text);
            trace.send(&self.server);
            self.send_error_text(&text);
            return;
        }
        self.accept(&message);
        let mapped = match self.map_subject(message.subject) {
            Mapped::Unchanged => {
                if self.account.has_mapping_for(message.subject) {
                    // The weights kept the subject: nats-server reports that too.
                    trace.mapped(message.subject);
                }
                None
            }
            Mapped::To(subject) => Some(subject),
            Mapped::Dropped => {
                // Reported as a mapping to nothing, as nats-server does.
                trace.mapped(b"");
                trace.send(&self.server);
                return;
            }
        };
        let message = match &mapped {
            Some(subject) => {
                trace.mapped(subject.as_bytes());
                Message {
                    subject: subject.as_bytes(),
                    ..message
                }
            }
            None => message,
        };
        let matches = self.matches(message.subject);
        let mut publisher = Publisher {
            client: &self.client,
            echo: self.options.echo,
            rng: &mut self.rng,
            inline: true,
        };
        crate::trace::route::deliver(
            &mut trace,
            &matches,
            &message,
            &mut publisher,
            &mut self.pending,
            &mut self.delivered,
        );
        trace.send(&self.server);
        // Trace-only delivered nothing (no services ran) but counted what it
        // would have, for the no-responders status.
        self.finish_publish(&message);
    }

    /// The account's subject mappings applied to a published subject.
    #[inline]
    fn map_subject(&mut self, subject: &[u8]) -> Mapped {
        let rng = &mut self.rng;
        self.account.map_subject(subject, || rng.below(100) as u8)
    }

    /// Checks the user's publish permissions (or the reply allowance);
    /// `Err` holds the violation's text, already logged.
    fn check_publish(&mut self, subject: &[u8]) -> Result<(), String> {
        let Some(permissions) = &self.permissions else {
            return Ok(());
        };
        let as_response = || {
            self.client
                .reply_allowance
                .get()
                .is_some_and(|allowance| allowance.consume(subject))
        };
        if !permissions.can_publish(subject) && !as_response() {
            let text = permissions::publish_violation(subject);
            error!("{} - {text}", self.client.log_prefix());
            return Err(text);
        }
        Ok(())
    }

    /// Acknowledges an admitted publish and counts it in.
    fn accept(&mut self, message: &Message<'_>) {
        self.ok();
        self.client
            .in_msgs
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.client
            .in_bytes
            .fetch_add(message.size() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// After delivery: expired subscriptions and slow consumers, inline
    /// services, and the no-responders status for a request nobody got.
    fn finish_publish(&mut self, message: &Message<'_>) {
        let delivered = std::mem::take(&mut self.delivered.count);
        let slow = delivery::settle(&mut self.delivered);
        if slow > 0 {
            self.server.stats.record_slow_consumers(slow as u64);
        }
        if !self.delivered.inline.is_empty() {
            // Taken out and put back: the services may publish, and the
            // list keeps its capacity for the next message.
            let mut services = std::mem::take(&mut self.delivered.inline);
            for service in services.drain(..) {
                service.handle(message);
            }
            self.delivered.inline = services;
        }
        if delivered == 0 && self.options.no_responders && self.options.headers {
            if let Some(reply) = message.reply {
                self.send_no_responders(message.subject, reply);
            }
        }
    }

    /// The 503 status a requester gets when nobody is subscribed: delivered to
    /// the requester's own subscriptions on the reply subject.
    fn send_no_responders(&mut self, subject: &[u8], reply: &[u8]) {
        let headers = writer::no_responders_headers(subject);
        let matches = self.account.matches(reply);
        let own = matches
            .plain
            .iter()
            .chain(matches.queues.iter().flat_map(|q| q.members.iter()))
            .filter(|sub| Arc::ptr_eq(&sub.0.client, &self.client));
        for sub in own {
            let bound = writer::msg_size_bound(reply.len(), sub.0.sid.len(), 0, headers.len());
            let appended = self.client.outbound.append(1, bound, |buf| {
                writer::write_msg(buf, reply, &sub.0.sid, None, Some(headers.len()), &headers)
            });
            if appended.needs_wake() {
                self.pending.push(&self.client);
            }
        }
    }

    /// Looks up matches through the connection's private cache first.
    fn matches(&mut self, subject: &[u8]) -> Arc<Matches<SubscriptionRef>> {
        let generation = self.account.generation();
        if generation != self.cache_generation {
            self.cache.clear();
            self.cache_generation = generation;
        } else if let Some(matches) = self.cache.get(subject) {
            return matches.clone();
        }
        let matches = self.account.matches(subject);
        if self.cache.len() >= LOCAL_CACHE_ENTRIES {
            self.cache.clear();
        }
        self.cache.insert(subject.into(), matches.clone());
        matches
    }

    fn subscribe(&mut self, subject: &[u8], queue: Option<&[u8]>, sid: &[u8]) {
        if !is_valid_subject(subject) || queue.is_some_and(|q| !is_valid_queue_name(q)) {
            self.send_error(ServerError::InvalidSubject);
            return;
        }
        if let Some(permissions) = &self.permissions {
            if !permissions.can_subscribe(subject, queue) {
                let text = permissions::subscribe_violation(subject, queue);
                error!("{} - {text}", self.client.log_prefix());
                self.send_error_text(&text);
                return;
            }
        }
        if self.client.subscription(sid).is_some() {
            // nats-server ignores a SUB that reuses a live sid.
            self.ok();
            return;
        }
        let server_max = self.config.max_subscriptions;
        let account_max = self.account.limits().max_subscriptions;
        let max = match (server_max, account_max) {
            (0, n) if n >= 0 => n as usize,
            (m, n) if n >= 0 => m.min(n as usize),
            (m, _) => m,
        };
        let limited = server_max > 0 || account_max >= 0;
        if limited && self.client.subscription_count() >= max {
            error!(
                "{} - maximum subscriptions exceeded",
                self.client.log_prefix()
            );
            self.send_error(ServerError::MaxSubscriptionsExceeded);
            return;
        }
        let subscription = Arc::new(Subscription::new(
            self.client.clone(),
            self.account.clone(),
            subject,
            queue,
            sid,
            self.permissions
                .as_ref()
                .map(|p| p.delivery_filter(subject))
                .unwrap_or_default(),
        ));
        if self.account.subscribe(&subscription).is_err() {
            self.send_error(ServerError::InvalidSubject);
            return;
        }
        self.client.add_subscription(subscription);
        self.ok();
    }

    fn unsubscribe(&mut self, sid: &[u8], max: Option<u64>) {
        if let Some(subscription) = self.client.subscription(sid) {
            let delivered = subscription
                .delivered
                .load(std::sync::atomic::Ordering::Relaxed);
            match max {
                Some(max) if max > delivered => subscription
                    .max
                    .store(max, std::sync::atomic::Ordering::Relaxed),
                _ => subscription.remove(),
            }
        }
        self.ok();
    }

    fn connect(&mut self, json: &[u8]) {
        let connect = match ConnectOptions::from_json(json) {
            Ok(connect) => connect,
            Err(err) => {
                error!("{} - processing CONNECT: {err}", self.client.log_prefix());
                self.client.close(CloseReason::ProtocolViolation);
                return;
            }
        };
        let options = &mut self.options;
        options.verbose = connect.verbose.unwrap_or(options.verbose);
        options.pedantic = connect.pedantic.unwrap_or(options.pedantic);
        options.echo = connect.echo.unwrap_or(options.echo);
        options.headers = connect.headers.unwrap_or(options.headers);
        options.no_responders = connect.no_responders.unwrap_or(options.no_responders);
        if connect.protocol.is_some_and(|p| !(0..=1).contains(&p)) {
            self.send_error(ServerError::InvalidClientProtocol);
            self.client.close(CloseReason::ProtocolViolation);
            return;
        }
        if self.options.no_responders && !self.options.headers {
            self.send_error(ServerError::NoRespondersRequiresHeaders);
            self.client.close(CloseReason::ProtocolViolation);
            return;
        }
        let credentials = ConnectOptions {
            user: connect.user.clone(),
            pass: connect.pass.clone(),
            auth_token: connect.auth_token.clone(),
            nkey: connect.nkey.clone(),
            sig: connect.sig.clone(),
            jwt: connect.jwt.clone(),
            ..ConnectOptions::default()
        };
        let context = crate::auth::AuthContext {
            auth: &self.config.auth,
            no_auth_user: self.config.no_auth_user.as_deref(),
            nonce: self.nonce.as_deref(),
            operator: self.config.operator.as_ref(),
        };
        let identity = match crate::auth::login(&context, &credentials) {
            Ok(identity) => Some(identity),
            Err(crate::auth::LoginError::Jwt(refused)) => {
                error!(
                    "{} - authentication error: {refused}",
                    self.client.log_prefix()
                );
                self.send_error(ServerError::AuthorizationViolation);
                self.client.close(CloseReason::AuthenticationViolation);
                return;
            }
            Err(_) => None,
        };
        let allowed_type = |identity: &crate::auth::Identity| {
            identity
                .connection_types
                .as_ref()
                .is_none_or(|types| types.iter().any(|t| t.eq_ignore_ascii_case("STANDARD")))
        };
        let account = identity.as_ref().and_then(|identity| {
            let name = identity
                .account
                .as_deref()
                .unwrap_or(crate::account::GLOBAL_ACCOUNT);
            self.server.accounts.get(name)
        });
        let (Some(identity), Some(account)) = (identity, account) else {
            error!("{} - authentication error", self.client.log_prefix());
            self.send_error(ServerError::AuthorizationViolation);
            self.client.close(CloseReason::AuthenticationViolation);
            return;
        };
        if !allowed_type(&identity) {
            error!(
                "{} - authentication error: connection type not allowed",
                self.client.log_prefix()
            );
            self.send_error(ServerError::AuthorizationViolation);
            self.client.close(CloseReason::AuthenticationViolation);
            return;
        }
        if !self.join_account(account) {
            return;
        }
        self.parser.headers = self.options.headers;
        self.client.set_supports_headers(self.options.headers);
        {
            let mut metadata = self.client.metadata.lock();
            metadata.name = connect.name.unwrap_or_default();
            metadata.lang = connect.lang.unwrap_or_default();
            metadata.version = connect.version.unwrap_or_default();
            metadata.user = identity.user;
            metadata.account = self.account.name.clone();
        }
        if let Some(response) = identity.permissions.as_ref().and_then(|p| p.response) {
            let _ = self
                .client
                .reply_allowance
                .set(crate::permissions::ReplyAllowance::new(response));
        }
        self.permissions = identity.permissions;
        self.credentials = Some(credentials);
        self.connected = true;
        self.ok();
        if let Some(system) = self.server.system.get() {
            system.client_connected(&self.server, &self.client);
        }
    }

    /// Moves the connection into the account it authenticated for, within
    /// the account's connection limit; false (and closed) when over it.
    fn join_account(&mut self, account: Arc<Account>) -> bool {
        use std::sync::atomic::Ordering;
        let limits = account.limits();
        if !self.counted_in_account {
            let before = account.connections.fetch_add(1, Ordering::AcqRel);
            if limits.max_connections >= 0 && before >= limits.max_connections {
                account.connections.fetch_sub(1, Ordering::AcqRel);
                error!(
                    "{} - maximum account active connections exceeded",
                    self.client.log_prefix()
                );
                self.send_error_text("maximum account active connections exceeded");
                self.client
                    .close(CloseReason::MaxAccountConnectionsExceeded);
                return false;
            }
            self.counted_in_account = true;
        }
        if limits.max_payload >= 0 {
            self.parser.max_payload = self.config.max_payload.min(limits.max_payload as usize);
        }
        if !Arc::ptr_eq(&account, &self.account) {
            self.cache.clear();
            self.account = account;
        }
        true
    }

    fn on_parse_error(&mut self, err: ParseError) {
        error!("{} - {err}", self.client.log_prefix());
        if let Some(client_error) = err.client_error() {
            self.send_error(client_error);
        }
        let reason = match err {
            ParseError::PayloadTooLarge { .. } => CloseReason::MaxPayloadExceeded,
            ParseError::ControlLineTooLong => CloseReason::MaxControlLineExceeded,
            ParseError::UnknownOperation | ParseError::InvalidArguments { .. } => {
                CloseReason::ParseError
            }
        };
        self.client.close(reason);
    }

    fn on_ping_timer(&mut self) {
        if self.client.is_closed() {
            return;
        }
        if self.pings_outstanding + 1 > self.config.ping_max {
            debug!(
                "{} - Stale Client Connection - Closing",
                self.client.log_prefix()
            );
            self.send_error(ServerError::StaleConnection);
            self.server.stats.record_stale_connection();
            self.client.close(CloseReason::StaleConnection);
            return;
        }
        self.pings_outstanding += 1;
        self.ping_sent_at = Some(Instant::now());
        self.send(writer::PING);
    }

    fn ok(&mut self) {
        if self.options.verbose {
            self.send(writer::OK);
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        if self
            .client
            .outbound
            .append(0, bytes.len(), |buf| buf.extend_from_slice(bytes))
            .needs_wake()
        {
            self.pending.push(&self.client);
        }
    }

    fn send_error(&mut self, error: ServerError) {
        trace!("{} - ->> [-ERR {}]", self.client.log_prefix(), error.text());
        let appended =
            self.client
                .outbound
                .append(0, writer::err_size_bound(error.text().len()), |buf| {
                    writer::write_err(buf, error)
                });
        if appended.needs_wake() {
            self.pending.push(&self.client);
        }
    }

    fn send_error_text(&mut self, text: &str) {
        let appended = self
            .client
            .outbound
            .append(0, writer::err_size_bound(text.len()), |buf| {
                writer::write_err_text(buf, text)
            });
        if appended.needs_wake() {
            self.pending.push(&self.client);
        }
    }

    fn trace_op(&self, op: &ClientOp<'_>) {
        if !self.config.trace {
            return;
        }
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let line = match op {
            ClientOp::Pub {
                subject,
                reply,
                data,
                header_len,
            } => format!(
                "{} {}{} {}",
                if header_len.is_some() { "HPUB" } else { "PUB" },
                text(subject),
                reply.map(|r| format!(" {}", text(r))).unwrap_or_default(),
                data.len()
            ),
            ClientOp::Sub {
                subject,
                queue,
                sid,
            } => format!(
                "SUB {}{} {}",
                text(subject),
                queue.map(|q| format!(" {}", text(q))).unwrap_or_default(),
                text(sid)
            ),
            ClientOp::Unsub { sid, max } => format!(
                "UNSUB {}{}",
                text(sid),
                max.map(|m| format!(" {m}")).unwrap_or_default()
            ),
            ClientOp::Ping => "PING".to_string(),
            ClientOp::Pong => "PONG".to_string(),
            ClientOp::Connect(json) => format!("CONNECT {}", crate::auth::redact_connect(json)),
            ClientOp::Ignored => return,
        };
        trace!("{} - <<- [{line}]", self.client.log_prefix());
    }

    fn cleanup(&mut self) {
        let mut subscriptions = self.client.subscriptions();
        // Subscriptions that auto-unsubscribed concurrently are already gone.
        subscriptions.retain(|sub| sub.mark_closed());
        self.account.unsubscribe_all(&subscriptions);
        if self.counted_in_account {
            self.account
                .connections
                .fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
        }
        self.server.unregister_client(&self.client);
    }
}
