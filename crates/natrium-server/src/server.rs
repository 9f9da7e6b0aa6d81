//! The server: listens for clients, tracks them, and shuts down cleanly.
//!
//! [`Server`] is the handle an embedding application (or `main`) holds:
//! [`Server::start`] binds, spawns the accept loop and the monitoring listener
//! and returns once clients can connect. [`ServerShared`] is what every task
//! shares: options, accounts, the client registry and server-wide counters.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use natrium_protocol::{writer, ServerError, ServerInfo};
use parking_lot::Mutex;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, error, info, warn};

use crate::account::Accounts;
use crate::client::connection::Connection;
use crate::client::writer::write_loop;
use crate::client::{Client, CloseReason};
use crate::options::{ServerOptions, COMPATIBLE_VERSION};
use crate::transport::{Reader, Writer};

/// How many closed connections `/connz?state=closed` remembers (as nats-server).
const CLOSED_CONNECTIONS_KEPT: usize = 10_000;

/// Failure to start a server.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("can't listen for client connections on {addr}: {source}")]
    ClientListener {
        addr: String,
        source: std::io::Error,
    },
    #[error("can't listen for monitoring on {addr}: {source}")]
    MonitorListener {
        addr: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    JetStream(#[from] crate::jetstream::JetStreamError),
    #[error("can't start the system account's services: {0}")]
    System(#[from] natrium_subjects::SubjectError),
    #[error(transparent)]
    Tls(#[from] crate::transport::tls::TlsError),
    #[error("{0}")]
    ContentStore(String),
}

/// Server-wide counters that outlive individual connections.
#[derive(Default)]
pub struct ServerStats {
    pub total_connections: AtomicU64,
    pub slow_consumers: AtomicU64,
    pub stale_connections: AtomicU64,
    /// Times a publisher paused for a subscriber that fell behind.
    pub stalled_clients: AtomicU64,
    /// Message counters of connections that already closed.
    pub closed_in_msgs: AtomicU64,
    pub closed_in_bytes: AtomicU64,
    pub closed_out_msgs: AtomicU64,
    pub closed_out_bytes: AtomicU64,
}

impl ServerStats {
    pub fn record_slow_consumers(&self, count: u64) {
        self.slow_consumers.fetch_add(count, Ordering::Relaxed);
    }

    pub fn record_stall(&self) {
        self.stalled_clients.fetch_add(1, Ordering::Relaxed);
    }

    pub fn record_stale_connection(&self) {
        self.stale_connections.fetch_add(1, Ordering::Relaxed);
    }
}

/// What `/connz?state=closed` shows of a connection that is gone.
#[derive(Clone)]
pub struct ClosedClient {
    pub id: u64,
    pub addr: SocketAddr,
    pub start: SystemTime,
    pub stop: SystemTime,
    pub reason: CloseReason,
    pub metadata: crate::client::ClientMetadata,
    pub in_msgs: u64,
    pub in_bytes: u64,
    pub out_msgs: u64,
    pub out_bytes: u64,
}

pub struct ServerShared {
    /// The options in force; replaced as a whole by a configuration reload.
    options: parking_lot::RwLock<Arc<ServerOptions>>,
    /// Bumped on every reload, so connections refresh their snapshot cheaply.
    options_generation: AtomicU64,
    /// Wakes idle connections after a reload.
    reloaded: tokio::sync::Notify,
    pub id: String,
    pub name: String,
    pub start: SystemTime,
    pub accounts: Accounts,
    pub stats: ServerStats,
    pub clients: Mutex<HashMap<u64, Arc<Client>>>,
    pub closed_clients: Mutex<VecDeque<ClosedClient>>,
    pub client_addr: SocketAddr,
    pub monitor_addr: Mutex<Option<SocketAddr>>,
    pub http_requests: Mutex<HashMap<String, u64>>,
    pub lame_duck: AtomicBool,
    /// Where JetStream stores and the server's storage limits, once started.
    pub jetstream_storage: Mutex<Option<(std::path::PathBuf, crate::jetstream::JetStreamLimits)>>,
    /// TLS for the client port, when configured (replaced by a reload).
    pub tls: parking_lot::RwLock<Option<TlsListener>>,
    /// The system account's services and events (set at start).
    pub system: std::sync::OnceLock<Arc<crate::system::SystemAccount>>,
    next_client_id: AtomicU64,
    shutdown: CancellationToken,
    tasks: TaskTracker,
}

impl ServerShared {
    /// The INFO sent to a new client.
    pub fn info_for(&self, client: &Client) -> ServerInfo {
        ServerInfo {
            server_id: self.id.clone(),
            server_name: self.name.clone(),
            version: COMPATIBLE_VERSION.to_string(),
            proto: 1,
            git_commit: String::new(),
            go: format!("rust (natrium {})", env!("CARGO_PKG_VERSION")),
            host: self.options().host.clone(),
            port: self.client_addr.port(),
            headers: true,
            auth_required: self.options().auth_required(),
            tls_required: self.options().tls.is_some(),
            tls_verify: self.options().tls.as_ref().is_some_and(|t| t.verify),
            max_payload: self.options().max_payload,
            jetstream: self.options().jetstream.enabled,
            client_id: client.id,
            client_ip: client.addr.ip().to_string(),
            ldm: self.lame_duck.load(Ordering::Relaxed),
            api_lvl: 4,
            ..ServerInfo::default()
        }
    }

    pub fn unregister_client(&self, client: &Arc<Client>) {
        if self.clients.lock().remove(&client.id).is_none() {
            return;
        }
        let (out_msgs, out_bytes) = client.outbound.counters();
        let in_msgs = client.in_msgs.load(Ordering::Relaxed);
        let in_bytes = client.in_bytes.load(Ordering::Relaxed);
        let stats = &self.stats;
        stats.closed_in_msgs.fetch_add(in_msgs, Ordering::Relaxed);
        stats.closed_in_bytes.fetch_add(in_bytes, Ordering::Relaxed);
        stats.closed_out_msgs.fetch_add(out_msgs, Ordering::Relaxed);
        stats
            .closed_out_bytes
            .fetch_add(out_bytes, Ordering::Relaxed);
        let reason = client.close_reason().unwrap_or(CloseReason::ClientClosed);
        if reason.is_slow_consumer() {
            warn!(
                "{} - Slow Consumer Detected: {}",
                client.log_prefix(),
                reason.text()
            );
            if reason == CloseReason::SlowConsumerWriteDeadline {
                stats.record_slow_consumers(1);
            }
        }
        debug!(
            "{} - Client connection closed: {}",
            client.log_prefix(),
            reason.text()
        );
        let gone = ClosedClient {
            id: client.id,
            addr: client.addr,
            start: client.start,
            stop: SystemTime::now(),
            reason,
            metadata: client.metadata.lock().clone(),
            in_msgs,
            in_bytes,
            out_msgs,
            out_bytes,
        };
        if let (Some(system), false) = (self.system.get(), client.is_internal()) {
            system.client_disconnected(self, &gone);
        }
        let mut closed = self.closed_clients.lock();
        if closed.len() >= CLOSED_CONNECTIONS_KEPT {
            closed.pop_front();
        }
        closed.push_back(gone);
    }

    /// Totals over live and closed connections: (in_msgs, in_bytes, out_msgs, out_bytes).
    pub fn message_totals(&self) -> (u64, u64, u64, u64) {
        let stats = &self.stats;
        let mut totals = (
            stats.closed_in_msgs.load(Ordering::Relaxed),
            stats.closed_in_bytes.load(Ordering::Relaxed),
            stats.closed_out_msgs.load(Ordering::Relaxed),
            stats.closed_out_bytes.load(Ordering::Relaxed),
        );
        for client in self.clients.lock().values() {
            let (out_msgs, out_bytes) = client.outbound.counters();
            totals.0 += client.in_msgs.load(Ordering::Relaxed);
            totals.1 += client.in_bytes.load(Ordering::Relaxed);
            totals.2 += out_msgs;
            totals.3 += out_bytes;
        }
        totals
    }

    /// The options in force (a snapshot: a reload swaps in new ones).
    pub fn options(&self) -> Arc<ServerOptions> {
        self.options.read().clone()
    }

    /// Changes whenever a reload swapped the options.
    pub fn options_generation(&self) -> u64 {
        self.options_generation.load(Ordering::Acquire)
    }

    /// Installs reloaded options; connections pick them up between reads.
    pub fn replace_options(&self, options: ServerOptions) {
        *self.options.write() = Arc::new(options);
        self.options_generation.fetch_add(1, Ordering::AcqRel);
        self.reloaded.notify_waiters();
    }

    /// Resolves at the next reload.
    pub async fn reloaded(&self) {
        self.reloaded.notified().await;
    }

    /// A fresh client id (connections and internal clients share the space).
    pub fn allocate_client_id(&self) -> u64 {
        self.next_client_id.fetch_add(1, Ordering::Relaxed)
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutdown.is_cancelled()
    }
}

/// A running server. Dropping it does not stop it; call [`Server::shutdown`].
pub struct Server {
    shared: Arc<ServerShared>,
}

impl Server {
    /// Binds the listeners and starts serving. Returns once clients can connect.
    pub async fn start(options: ServerOptions) -> Result<Server, StartError> {
        let addr = format!("{}:{}", options.host, options.port);
        let listener =
            TcpListener::bind(&addr)
                .await
                .map_err(|source| StartError::ClientListener {
                    addr: addr.clone(),
                    source,
                })?;
        let client_addr = listener
            .local_addr()
            .map_err(|source| StartError::ClientListener { addr, source })?;
        let id = crate::identity::server_id();
        let name = options.server_name.clone().unwrap_or_else(|| id.clone());
        let shared = Arc::new(ServerShared {
            options: parking_lot::RwLock::new(Arc::new(options)),
            options_generation: AtomicU64::new(0),
            reloaded: tokio::sync::Notify::new(),
            id,
            name,
            start: SystemTime::now(),
            accounts: Accounts::default(),
            stats: ServerStats::default(),
            clients: Mutex::new(HashMap::new()),
            closed_clients: Mutex::new(VecDeque::new()),
            client_addr,
            monitor_addr: Mutex::new(None),
            http_requests: Mutex::new(HashMap::new()),
            lame_duck: AtomicBool::new(false),
            system: std::sync::OnceLock::new(),
            tls: parking_lot::RwLock::new(None),
            jetstream_storage: Mutex::new(None),
            next_client_id: AtomicU64::new(1),
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
        });
        shared.accounts.configure(&shared.options());
        if let Some(tls) = &shared.options().tls {
            *shared.tls.write() = Some(TlsListener::new(tls)?);
        }
        log_banner(&shared);
        if let Some(port) = shared.options().http_port {
            let monitor =
                crate::monitoring::start(shared.clone(), &shared.options().http_host, port).await?;
            *shared.monitor_addr.lock() = Some(monitor);
        }
        let _ = shared
            .system
            .set(crate::system::SystemAccount::start(&shared)?);
        if shared.options().jetstream.enabled {
            crate::jetstream::start_all(&shared).await?;
        }
        info!(
            "Listening for client connections on {}",
            display_addr(&shared.options().host, client_addr.port())
        );
        shared.tasks.spawn(accept_loop(shared.clone(), listener));
        if let Err(message) = crate::content_store::start_all(&shared, &shared.shutdown).await {
            shared.shutdown.cancel();
            return Err(StartError::ContentStore(message));
        }
        info!("Server is ready");
        Ok(Server { shared })
    }

    /// The address clients connect to (the real port when started with port 0).
    pub fn client_addr(&self) -> SocketAddr {
        self.shared.client_addr
    }

    /// A `nats://host:port` URL for clients of this server.
    pub fn client_url(&self) -> String {
        let addr = self.shared.client_addr;
        let host = if addr.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            addr.ip().to_string()
        };
        format!("nats://{host}:{}", addr.port())
    }

    pub fn monitor_addr(&self) -> Option<SocketAddr> {
        *self.shared.monitor_addr.lock()
    }

    pub fn shared(&self) -> &Arc<ServerShared> {
        &self.shared
    }

    /// Resolves once the server has begun shutting down.
    pub async fn stopped(&self) {
        self.shared.shutdown.cancelled().await;
    }

    /// Stops accepting, closes every client and waits for their tasks.
    pub async fn shutdown(&self) {
        info!("Initiating Shutdown...");
        self.shared.shutdown.cancel();
        let clients: Vec<_> = self.shared.clients.lock().values().cloned().collect();
        for client in clients {
            client.close(CloseReason::ServerShutdown);
        }
        self.shared.tasks.close();
        if tokio::time::timeout(Duration::from_secs(10), self.shared.tasks.wait())
            .await
            .is_err()
        {
            warn!("Some connections did not close in time");
        }
        for jetstream in crate::jetstream::all(&self.shared) {
            jetstream.shutdown();
        }
        info!("Server Exiting..");
    }

    /// Reloads the configuration (see [`crate::reload`]); returns the
    /// settings that keep their running values until a restart.
    pub fn reload(&self) -> Result<Vec<&'static str>, crate::reload::ReloadError> {
        crate::reload::reload(&self.shared)
    }

    /// Lame-duck mode: stop accepting, tell clients (INFO `ldm: true`) so they
    /// reconnect elsewhere, close them spread over the lame-duck duration after
    /// the grace period, then shut down.
    pub async fn lame_duck(&self) {
        let shared = &self.shared;
        if shared.lame_duck.swap(true, Ordering::AcqRel) {
            return;
        }
        info!("Entering lame duck mode, stop accepting new clients");
        let clients: Vec<_> = shared.clients.lock().values().cloned().collect();
        for client in &clients {
            let info = shared.info_for(client).to_protocol_line();
            if client
                .outbound
                .append(0, info.len(), |buf| buf.extend_from_slice(&info))
                .needs_wake()
            {
                client.outbound.wake();
            }
        }
        let options = shared.options();
        let grace = options
            .lame_duck_grace_period
            .min(options.lame_duck_duration);
        tokio::time::sleep(grace).await;
        let spread = options.lame_duck_duration.saturating_sub(grace);
        let pause = spread
            .checked_div(clients.len().max(1) as u32)
            .unwrap_or_default();
        for client in clients {
            client.close(CloseReason::LameDuckMode);
            tokio::time::sleep(pause).await;
        }
        self.shutdown().await;
    }
}

async fn accept_loop(shared: Arc<ServerShared>, listener: TcpListener) {
    loop {
        let accepted = tokio::select! {
            _ = shared.shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        if shared.lame_duck.load(Ordering::Relaxed) {
            break;
        }
        match accepted {
            Ok((stream, addr)) => {
                shared
                    .tasks
                    .spawn(serve_client(shared.clone(), stream, addr));
            }
            Err(err) => {
                // Usually out of file descriptors: back off instead of spinning.
                error!("Error accepting client connection: {err}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

async fn serve_client(shared: Arc<ServerShared>, stream: TcpStream, addr: SocketAddr) {
    let _ = stream.set_nodelay(true);
    let id = shared.allocate_client_id();
    let client = Arc::new(Client::new(id, addr, shared.options().max_pending));
    debug!("{} - Client connection created", client.log_prefix());
    shared
        .stats
        .total_connections
        .fetch_add(1, Ordering::Relaxed);
    let nonce = shared.options().needs_nonce().then(crate::auth::new_nonce);
    let mut info = shared.info_for(&client);
    info.nonce = nonce.clone();
    let info = info.to_protocol_line();
    let tls = shared.tls.read().clone();
    let (reader, writer) = match tls {
        None => {
            client
                .outbound
                .append(0, info.len(), |buf| buf.extend_from_slice(&info));
            Reader::plain(stream)
        }
        Some(tls) => match upgrade(stream, &tls, &info).await {
            Ok(halves) => {
                if tls.handshake_first {
                    client
                        .outbound
                        .append(0, info.len(), |buf| buf.extend_from_slice(&info));
                }
                halves
            }
            Err(err) => {
                error!("{} - TLS handshake error: {err}", client.log_prefix());
                return;
            }
        },
    };
    let over_limit = {
        let mut clients = shared.clients.lock();
        let over = clients.len() >= shared.options().max_connections;
        if !over {
            clients.insert(id, client.clone());
        }
        over
    };
    let writer_task = tokio::spawn(write_loop(
        client.clone(),
        writer,
        shared.options().write_deadline,
    ));
    if over_limit {
        error!("{} - maximum connections exceeded", client.log_prefix());
        let error = ServerError::MaxConnectionsExceeded;
        client
            .outbound
            .append(0, writer::err_size_bound(error.text().len()), |buf| {
                writer::write_err(buf, error)
            });
        client.close(CloseReason::MaxConnectionsExceeded);
        let _ = writer_task.await;
        return;
    }
    client.outbound.wake();
    Connection::new(client.clone(), shared.clone())
        .with_nonce(nonce)
        .run(reader)
        .await;
    let _ = writer_task.await;
}

/// The TLS acceptor in force and how its handshake goes.
#[derive(Clone)]
pub struct TlsListener {
    pub acceptor: tokio_rustls::TlsAcceptor,
    pub handshake_first: bool,
    pub timeout: Duration,
    pub verify: bool,
}

impl TlsListener {
    pub fn new(
        options: &crate::options::TlsOptions,
    ) -> Result<Self, crate::transport::tls::TlsError> {
        Ok(TlsListener {
            acceptor: crate::transport::tls::acceptor(options)?,
            handshake_first: options.handshake_first,
            timeout: options.timeout,
            verify: options.verify,
        })
    }
}

/// Upgrades a client connection to TLS: after the plain INFO line (NATS'
/// way) or before anything (`handshake_first`), within the TLS timeout.
async fn upgrade(
    mut stream: TcpStream,
    tls: &TlsListener,
    info: &[u8],
) -> Result<(Reader, Writer), String> {
    use tokio::io::AsyncWriteExt;
    if !tls.handshake_first {
        stream.write_all(info).await.map_err(|e| e.to_string())?;
    }
    match tokio::time::timeout(tls.timeout, tls.acceptor.accept(stream)).await {
        Ok(Ok(stream)) => Ok(Reader::tls(stream)),
        Ok(Err(err)) => Err(err.to_string()),
        Err(_) => Err("timeout".to_string()),
    }
}

fn log_banner(shared: &ServerShared) {
    info!("Starting natrium-server");
    info!(
        "  Version:  {} (natrium {})",
        COMPATIBLE_VERSION,
        env!("CARGO_PKG_VERSION")
    );
    info!("  Name:     {}", shared.name);
    info!("  ID:       {}", shared.id);
    if let Some(file) = &shared.options().config_file {
        info!("Using configuration file: {}", file.display());
    }
    for warning in &shared.options().unsupported {
        warn!("{warning}");
    }
}

fn display_addr(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}
