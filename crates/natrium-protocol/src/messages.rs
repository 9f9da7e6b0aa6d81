//! The JSON bodies of `INFO` (server → client) and `CONNECT` (client → server).
//!
//! Field names and omission rules follow nats-server, because clients decide
//! what they may do (headers, no-responders, auth) from exactly these fields.

use serde::{Deserialize, Serialize};

/// The `INFO` a server sends first on every connection (and again on changes
/// such as lame-duck mode).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServerInfo {
    pub server_id: String,
    pub server_name: String,
    pub version: String,
    pub proto: u32,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub git_commit: String,
    /// nats-server reports its Go version here; clients only display it.
    pub go: String,
    pub host: String,
    pub port: u16,
    pub headers: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub auth_required: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub tls_required: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub tls_verify: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub tls_available: bool,
    pub max_payload: usize,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub jetstream: bool,
    pub client_id: u64,
    pub client_ip: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub connect_urls: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ldm: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The JetStream API level nats-server 2.14 advertises.
    pub api_lvl: u32,
}

impl ServerInfo {
    /// Renders `INFO {...} \r\n` (nats-server puts a space before the CRLF).
    pub fn to_protocol_line(&self) -> Vec<u8> {
        let mut line = b"INFO ".to_vec();
        // Serializing a plain struct of strings and numbers cannot fail.
        if let Ok(json) = serde_json::to_vec(self) {
            line.extend_from_slice(&json);
        }
        line.extend_from_slice(b" \r\n");
        line
    }
}

/// The options a client sends in `CONNECT`. Every field is optional: an absent
/// field keeps the connection's current value, as in nats-server (where the
/// JSON is decoded over the defaults `verbose: true, pedantic: true, echo: true`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ConnectOptions {
    pub verbose: Option<bool>,
    pub pedantic: Option<bool>,
    pub tls_required: Option<bool>,
    pub echo: Option<bool>,
    pub headers: Option<bool>,
    pub no_responders: Option<bool>,
    pub name: Option<String>,
    pub lang: Option<String>,
    pub version: Option<String>,
    pub protocol: Option<i64>,
    pub user: Option<String>,
    pub pass: Option<String>,
    pub auth_token: Option<String>,
    pub nkey: Option<String>,
    pub sig: Option<String>,
    pub jwt: Option<String>,
}

impl ConnectOptions {
    /// Decodes a CONNECT body; unknown fields are ignored like nats-server does.
    pub fn from_json(json: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(json)
    }
}
