//! The claim shapes of nats-io/jwt v2, field for field: the standard JWT
//! claims ([`Claims`]) around the NATS-specific part (`nats`) of an
//! operator, an account or a user.
//!
//! Limits use nats-io/jwt's values: -1 is "no limit"; JetStream is enabled
//! for an account when memory or disk storage is not 0. Unknown fields are
//! ignored so newer JWTs still decode.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// No limit, as nats-io/jwt writes it.
pub const NO_LIMIT: i64 = -1;

fn no_limit() -> i64 {
    NO_LIMIT
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The standard claims and the NATS part of type `T`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims<T> {
    #[serde(rename = "jti", default)]
    pub id: String,
    #[serde(rename = "iat", default)]
    pub issued_at: i64,
    #[serde(rename = "iss", default)]
    pub issuer: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(rename = "sub", default)]
    pub subject: String,
    #[serde(rename = "exp", default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<i64>,
    #[serde(rename = "nbf", default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<i64>,
    pub nats: T,
}

impl<T> Claims<T> {
    /// Claims about `subject`, issued now (seconds since the epoch).
    pub fn new(subject: &str, name: &str, nats: T) -> Self {
        Claims {
            id: String::new(),
            issued_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
            issuer: String::new(),
            name: name.to_string(),
            subject: subject.to_string(),
            expires: None,
            not_before: None,
            nats,
        }
    }

    /// Whether the claims are valid at `now` (seconds): not expired, not before their time.
    pub fn expired(&self, now: i64) -> bool {
        self.expires.is_some_and(|at| at > 0 && at <= now)
    }

    pub fn not_yet_valid(&self, now: i64) -> bool {
        self.not_before.is_some_and(|at| at > now)
    }
}

/// Allow and deny subject lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permission {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deny: Option<Vec<String>>,
}

impl Permission {
    pub fn is_empty(&self) -> bool {
        self.allow.is_none() && self.deny.is_none()
    }
}

/// `resp`: responses to received requests a user may publish.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponsePermission {
    #[serde(default)]
    pub max: i64,
    /// Nanoseconds.
    #[serde(default)]
    pub ttl: i64,
}

/// Publish/subscribe permissions, as users and default permissions carry them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permissions {
    #[serde(rename = "pub", default, skip_serializing_if = "Permission::is_empty")]
    pub publish: Permission,
    #[serde(rename = "sub", default, skip_serializing_if = "Permission::is_empty")]
    pub subscribe: Permission,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resp: Option<ResponsePermission>,
}

/// A time window (`"HH:MM:SS"`) in which a user may connect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
}

/// The NATS part of a user JWT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserClaims {
    #[serde(flatten)]
    pub permissions: Permissions,
    /// Source networks (CIDRs) the user may connect from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub src: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub times: Vec<TimeRange>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub times_location: String,
    #[serde(default = "no_limit")]
    pub subs: i64,
    #[serde(default = "no_limit")]
    pub data: i64,
    #[serde(default = "no_limit")]
    pub payload: i64,
    /// Logs in without signing the nonce.
    #[serde(default, skip_serializing_if = "is_false")]
    pub bearer_token: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_connection_types: Vec<String>,
    /// The account, when a signing key of it issued this user.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub issuer_account: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub version: u32,
}

impl Default for UserClaims {
    fn default() -> Self {
        UserClaims {
            permissions: Permissions::default(),
            src: Vec::new(),
            times: Vec::new(),
            times_location: String::new(),
            subs: NO_LIMIT,
            data: NO_LIMIT,
            payload: NO_LIMIT,
            bearer_token: false,
            allowed_connection_types: Vec::new(),
            issuer_account: String::new(),
            kind: "user".to_string(),
            version: 2,
        }
    }
}

/// An account's limits: connections and messages, and JetStream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountLimits {
    #[serde(default = "no_limit")]
    pub subs: i64,
    #[serde(default = "no_limit")]
    pub data: i64,
    #[serde(default = "no_limit")]
    pub payload: i64,
    #[serde(default = "no_limit")]
    pub imports: i64,
    #[serde(default = "no_limit")]
    pub exports: i64,
    #[serde(default = "default_true")]
    pub wildcards: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub disallow_bearer: bool,
    #[serde(default = "no_limit")]
    pub conn: i64,
    #[serde(default = "no_limit")]
    pub leaf: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub mem_storage: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub disk_storage: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub streams: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub consumer: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub max_ack_pending: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub mem_max_stream_bytes: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub disk_max_stream_bytes: i64,
    #[serde(default, skip_serializing_if = "is_false")]
    pub max_bytes_required: bool,
}

fn default_true() -> bool {
    true
}

impl Default for AccountLimits {
    fn default() -> Self {
        AccountLimits {
            subs: NO_LIMIT,
            data: NO_LIMIT,
            payload: NO_LIMIT,
            imports: NO_LIMIT,
            exports: NO_LIMIT,
            wildcards: true,
            disallow_bearer: false,
            conn: NO_LIMIT,
            leaf: NO_LIMIT,
            mem_storage: 0,
            disk_storage: 0,
            streams: 0,
            consumer: 0,
            max_ack_pending: 0,
            mem_max_stream_bytes: 0,
            disk_max_stream_bytes: 0,
            max_bytes_required: false,
        }
    }
}

impl AccountLimits {
    /// JetStream is enabled when the account may store anything.
    pub fn jetstream_enabled(&self) -> bool {
        self.mem_storage != 0 || self.disk_storage != 0
    }
}

/// A stream or service an account offers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Export {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub subject: String,
    /// `stream` or `service`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Importers need an activation token.
    #[serde(default, skip_serializing_if = "is_false")]
    pub token_req: bool,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub revocations: BTreeMap<String, i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_type: Option<String>,
    /// Nanoseconds.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub response_threshold: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_latency: Option<ServiceLatency>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_trace: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLatency {
    pub sampling: i64,
    pub results: String,
}

/// A stream or service an account takes from another.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Import {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub subject: String,
    /// The exporting account's public key.
    pub account: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub token: String,
    /// Deprecated form of `local_subject`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub to: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub local_subject: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub share: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_trace: bool,
}

/// A signing key of an account: a plain key, or a scoped one whose users
/// get the scope's permissions and limits instead of their own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SigningKey {
    Plain(String),
    Scoped(Box<ScopedKey>),
}

impl SigningKey {
    pub fn key(&self) -> &str {
        match self {
            SigningKey::Plain(key) => key,
            SigningKey::Scoped(scope) => &scope.key,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopedKey {
    pub kind: String,
    pub key: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub role: String,
    /// The permissions and limits users of this key get.
    pub template: UserClaims,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// A subject mapping destination in account claims.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightedMapping {
    pub subject: String,
    #[serde(default)]
    pub weight: u8,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cluster: String,
}

/// The NATS part of an account JWT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountClaims {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<Import>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exports: Vec<Export>,
    #[serde(default)]
    pub limits: AccountLimits,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signing_keys: Vec<SigningKey>,
    /// User public key (or `*`) → unix seconds: JWTs issued before are revoked.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub revocations: BTreeMap<String, i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_permissions: Option<Permissions>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mappings: BTreeMap<String, Vec<WeightedMapping>>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub version: u32,
}

impl Default for AccountClaims {
    fn default() -> Self {
        AccountClaims {
            imports: Vec::new(),
            exports: Vec::new(),
            limits: AccountLimits::default(),
            signing_keys: Vec::new(),
            revocations: BTreeMap::new(),
            default_permissions: None,
            mappings: BTreeMap::new(),
            description: String::new(),
            kind: "account".to_string(),
            version: 2,
        }
    }
}

impl AccountClaims {
    /// Whether `user_key`'s JWT issued at `issued_at` is revoked.
    pub fn revoked(&self, user_key: &str, issued_at: i64) -> bool {
        [user_key, "*"].iter().any(|key| {
            self.revocations
                .get(*key)
                .is_some_and(|before| issued_at <= *before)
        })
    }

    /// The signing key `key`, if the account has it.
    pub fn signing_key(&self, key: &str) -> Option<&SigningKey> {
        self.signing_keys.iter().find(|k| k.key() == key)
    }
}

/// The NATS part of an operator JWT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperatorClaims {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signing_keys: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub account_server_url: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operator_service_urls: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub system_account: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub version: u32,
}

impl Default for OperatorClaims {
    fn default() -> Self {
        OperatorClaims {
            signing_keys: Vec::new(),
            account_server_url: String::new(),
            operator_service_urls: Vec::new(),
            system_account: String::new(),
            kind: "operator".to_string(),
            version: 2,
        }
    }
}
