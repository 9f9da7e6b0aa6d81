//! Accounts as configuration data: what a config file (or, later, an account
//! JWT) says an account is — its limits, JetStream quotas, imports, exports
//! and subject mappings.
//!
//! Kept apart from the running [`crate::account::Account`] so the account
//! model does not depend on where a definition came from: the config file
//! produces these values today, decoded JWT claims will produce the same.

use std::time::Duration;

use crate::permissions::Permissions;

/// nats-server's default for how long a service import waits for responses.
pub const DEFAULT_RESPONSE_THRESHOLD: Duration = Duration::from_secs(120);

/// One configured account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountOptions {
    pub name: String,
    /// The account's public nkey, when it has one.
    pub nkey: Option<String>,
    /// JetStream for this account: `None` when it is not enabled.
    pub jetstream: Option<AccountJetStream>,
    pub limits: AccountLimits,
    pub imports: Vec<ImportOptions>,
    pub exports: Vec<ExportOptions>,
    pub mappings: Vec<MappingOptions>,
    /// Permissions of this account's users that have none of their own.
    pub default_permissions: Option<Permissions>,
}

/// Connection-level account limits; -1 means unlimited (nats-server's value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountLimits {
    pub max_connections: i64,
    pub max_subscriptions: i64,
    pub max_payload: i64,
    pub max_leafnodes: i64,
}

impl Default for AccountLimits {
    fn default() -> Self {
        AccountLimits {
            max_connections: -1,
            max_subscriptions: -1,
            max_payload: -1,
            max_leafnodes: -1,
        }
    }
}

/// `jetstream: enabled` or `jetstream { max_memory ... }` in an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccountJetStream {
    pub limits: natrium_jetstream::account::AccountLimits,
}

/// What an export offers.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportKind {
    /// Messages published on the subject flow to importers.
    Stream,
    /// Importers' requests arrive on the subject; responses go back.
    Service {
        response: ResponseType,
        /// How long responses to one request are routed back.
        threshold: Duration,
        latency: Option<ServiceLatency>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResponseType {
    #[default]
    Singleton,
    Stream,
    Chunked,
}

impl ResponseType {
    pub fn name(self) -> &'static str {
        match self {
            ResponseType::Singleton => "Singleton",
            ResponseType::Stream => "Stream",
            ResponseType::Chunked => "Chunked",
        }
    }
}

/// `latency: { sampling, subject }` on a service export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLatency {
    /// Percent of requests sampled (1-100); 0 means "when the request asks by header".
    pub sampling: u8,
    pub subject: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExportOptions {
    pub subject: String,
    pub kind: ExportKind,
    /// Accounts allowed to import; `None` means any (a public export).
    pub accounts: Option<Vec<String>>,
    pub allow_trace: bool,
    /// Where the file names it, for load errors.
    pub location: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportKind {
    /// `prefix` or `to` rename what arrives (never both).
    Stream {
        prefix: Option<String>,
        to: Option<String>,
    },
    /// Requests are published on `to` here (default: the exported subject).
    Service { to: Option<String>, share: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// The exporting account.
    pub account: String,
    /// The subject in the exporting account.
    pub subject: String,
    pub kind: ImportKind,
    pub allow_trace: bool,
    pub location: String,
}

impl ImportOptions {
    /// The subject as seen in the importing account.
    pub fn local_subject(&self) -> String {
        match &self.kind {
            ImportKind::Stream {
                prefix: Some(prefix),
                ..
            } => format!("{prefix}.{}", self.subject),
            ImportKind::Stream { to: Some(to), .. } | ImportKind::Service { to: Some(to), .. } => {
                to.clone()
            }
            _ => self.subject.clone(),
        }
    }

    pub fn is_service(&self) -> bool {
        matches!(self.kind, ImportKind::Service { .. })
    }
}

/// `mappings { source: destination | [ {destination, weight}, ... ] }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingOptions {
    pub source: String,
    pub destinations: Vec<MappingDestination>,
    pub location: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingDestination {
    pub subject: String,
    /// Percent of messages (1-100).
    pub weight: u8,
    /// Applies only in this cluster (natrium-server has none, so never).
    pub cluster: Option<String>,
}
