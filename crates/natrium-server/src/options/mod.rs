//! Server options: everything that configures a server, as plain data.
//!
//! The command line ([`crate::cli`]) and the configuration file
//! ([`crate::config`]) both produce a [`ServerOptions`]; an embedding
//! application builds one directly. Defaults are nats-server's, because
//! clients and operators rely on them.

use std::path::PathBuf;
use std::time::Duration;

mod accounts;

pub use self::accounts::*;
pub use crate::content_store::ContentStoreOptions;
pub use crate::permissions::{Permissions, ResponsePermission, SubjectPermission};

/// nats-server's version that natrium-server is wire-compatible with.
pub const COMPATIBLE_VERSION: &str = "2.14.0";

/// Options for one server. `Default` gives nats-server's defaults.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Server name; generated from the server id when `None`.
    pub server_name: Option<String>,
    /// Address to bind for clients.
    pub host: String,
    /// Client port; 0 picks a free port (the command line's `-1`).
    pub port: u16,
    /// Host for the monitoring HTTP listener.
    pub http_host: String,
    /// Monitoring port; `None` disables monitoring, `Some(0)` picks a free port.
    pub http_port: Option<u16>,
    pub http_base_path: String,
    pub max_payload: usize,
    pub max_connections: usize,
    /// 0 means unlimited.
    pub max_subscriptions: usize,
    pub max_control_line: usize,
    /// Bytes a client may have queued for delivery before it is a slow consumer.
    pub max_pending: usize,
    pub write_deadline: Duration,
    pub ping_interval: Duration,
    pub ping_max: u32,
    pub auth: AuthOptions,
    /// TLS for the client port (`tls { ... }`, `--tls*`); `None` is plain TCP.
    pub tls: Option<TlsOptions>,
    /// Configured accounts (`$G` and `$SYS` exist without being listed).
    pub accounts: Vec<AccountOptions>,
    /// The system account's name; `$SYS` by default.
    pub system_account: Option<String>,
    /// Clients that present no credentials are this user.
    pub no_auth_user: Option<String>,
    /// Decentralized authentication: trusted operators and the account JWTs
    /// they signed (`operator`, `resolver: MEMORY`, `resolver_preload`).
    pub operator: Option<OperatorOptions>,
    pub lame_duck_duration: Duration,
    pub lame_duck_grace_period: Duration,
    pub pid_file: Option<PathBuf>,
    pub log_file: Option<PathBuf>,
    pub debug: bool,
    pub trace: bool,
    pub logtime: bool,
    pub jetstream: JetStreamOptions,
    /// Built-in content-addressed object stores (`content_store { … }`).
    pub content_stores: Vec<ContentStoreOptions>,
    /// Set when the options came from a file; `/varz` reports it.
    pub config_file: Option<PathBuf>,
    /// The command line these options came from (the binary sets it), so a
    /// reload re-reads the file and re-applies the same flags over it.
    pub command_line: Vec<String>,
    /// Options the server accepts for compatibility but does not act on yet;
    /// each is logged as a warning at start.
    pub unsupported: Vec<String>,
}

/// Operator mode: who is trusted to sign accounts, and the accounts known.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OperatorOptions {
    /// Operator public keys and their signing keys: account JWTs must be
    /// issued by one of them.
    pub trusted_keys: Vec<String>,
    /// Decoded, verified account claims by account public key.
    pub accounts:
        std::collections::BTreeMap<String, natrium_jwt::Claims<natrium_jwt::AccountClaims>>,
    /// Operator JWTs (for monitoring and `$SYS` answers).
    pub operator_jwts: Vec<String>,
}

/// `tls { cert_file, key_file, ca_file, verify, timeout, handshake_first, ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct TlsOptions {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    /// CAs that client certificates must chain to (with `verify`).
    pub ca_file: Option<PathBuf>,
    /// Require and verify client certificates (mutual TLS).
    pub verify: bool,
    /// How long the handshake may take.
    pub timeout: Duration,
    /// TLS before the INFO line (2.10's `handshake_first`), instead of the
    /// NATS way of INFO in plain text, then the upgrade.
    pub handshake_first: bool,
    /// `min_version: "1.2"|"1.3"`.
    pub min_version: Option<String>,
}

impl TlsOptions {
    pub fn new(cert_file: PathBuf, key_file: PathBuf) -> Self {
        TlsOptions {
            cert_file,
            key_file,
            ca_file: None,
            verify: false,
            timeout: Duration::from_secs(2),
            handshake_first: false,
            min_version: None,
        }
    }
}

/// JetStream settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JetStreamOptions {
    pub enabled: bool,
    pub store_dir: Option<PathBuf>,
    pub max_memory_store: Option<i64>,
    pub max_file_store: Option<i64>,
    pub domain: Option<String>,
    /// How file stores reach the disk; `None` is nats-server's default of
    /// syncing every 2 minutes. `Always` syncs before each acknowledgement.
    pub sync: Option<natrium_store::SyncPolicy>,
}

/// Authentication: a single user, a token, or a list of users (with
/// passwords, plain or bcrypt, or nkeys), each in the account it names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthOptions {
    pub username: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
    pub users: Vec<UserOptions>,
    /// Permissions of users that have none of their own.
    pub default_permissions: Option<Permissions>,
    pub timeout: Duration,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserOptions {
    /// Empty for nkey users.
    pub user: String,
    /// Plain text, or a bcrypt hash (`$2a$...`).
    pub password: String,
    /// The user's public nkey (`U...`): such users sign the server's nonce.
    pub nkey: Option<String>,
    pub permissions: Option<Permissions>,
    /// The account the user belongs to; `None` is the global account.
    pub account: Option<String>,
    /// `allowed_connection_types` (STANDARD, WEBSOCKET, LEAFNODE, MQTT, ...).
    pub allowed_connection_types: Option<Vec<String>>,
}

impl UserOptions {
    /// The name the user is known by (monitoring, errors): user or nkey.
    pub fn name(&self) -> &str {
        self.nkey.as_deref().unwrap_or(&self.user)
    }
}

impl AuthOptions {
    /// Whether clients must authenticate (INFO's `auth_required`), from
    /// the users and tokens alone (operator mode also requires it).
    pub fn required(&self) -> bool {
        self.username.is_some() || self.token.is_some() || !self.users.is_empty()
    }

    /// Whether INFO must carry a nonce for nkey users to sign.
    pub fn needs_nonce(&self) -> bool {
        self.users.iter().any(|user| user.nkey.is_some())
    }
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            server_name: None,
            host: "0.0.0.0".to_string(),
            port: 4222,
            http_host: "0.0.0.0".to_string(),
            http_port: None,
            http_base_path: String::new(),
            max_payload: 1024 * 1024,
            max_connections: 64 * 1024,
            max_subscriptions: 0,
            max_control_line: 4096,
            max_pending: 64 * 1024 * 1024,
            write_deadline: Duration::from_secs(10),
            ping_interval: Duration::from_secs(120),
            ping_max: 2,
            auth: AuthOptions {
                timeout: Duration::from_secs(2),
                ..AuthOptions::default()
            },
            tls: None,
            accounts: Vec::new(),
            system_account: None,
            no_auth_user: None,
            operator: None,
            lame_duck_duration: Duration::from_secs(120),
            lame_duck_grace_period: Duration::from_secs(10),
            pid_file: None,
            log_file: None,
            debug: false,
            trace: false,
            logtime: true,
            jetstream: JetStreamOptions::default(),
            content_stores: Vec::new(),
            config_file: None,
            command_line: Vec::new(),
            unsupported: Vec::new(),
        }
    }
}

impl ServerOptions {
    /// Whether clients must authenticate (INFO's `auth_required`).
    pub fn auth_required(&self) -> bool {
        self.auth.required() || self.operator.is_some()
    }

    /// Whether INFO carries a nonce for clients to sign (nkey users, JWTs).
    pub fn needs_nonce(&self) -> bool {
        self.auth.needs_nonce() || self.operator.is_some()
    }

    /// Options for tests and embedding: loopback, a free port, defaults otherwise.
    pub fn ephemeral() -> Self {
        ServerOptions {
            host: "127.0.0.1".to_string(),
            port: 0,
            ..ServerOptions::default()
        }
    }
}
