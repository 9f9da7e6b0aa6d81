//! Raw requests to the JetStream API (`$JS.API.CONSUMER.*`) with JSON in and
//! JSON out.
//!
//! async-nats's typed consumer structs drop fields they do not know, and
//! `--json` promises the server's own document, so these commands speak the
//! API directly with `serde_json::Value`. Every failure becomes one line: the
//! server's description and `err_code`, with advice for the common ones
//! (unknown stream or consumer, JetStream switched off).

use std::time::Duration;

use async_nats::{Client, RequestErrorKind};
use bytes::Bytes;
use serde_json::{json, Map, Value};

use crate::connection::{Connection, DEFAULT_TIMEOUT};

/// `err_code` of "consumer not found".
const CONSUMER_NOT_FOUND: u64 = 10014;
/// `err_code` of "stream not found".
const STREAM_NOT_FOUND: u64 = 10059;
/// `err_code` of "consumer already exists" (with other settings).
const CONSUMER_EXISTS: u64 = 10148;
/// `err_code`s of "JetStream not enabled" (for the account, or at all).
const JETSTREAM_DISABLED: [u64; 2] = [10039, 10076];

/// A connected client and where its JetStream API lives.
pub struct JsApi {
    pub client: Client,
    /// `$JS.API`, `$JS.<domain>.API` or `--js-api-prefix`.
    prefix: String,
    pub timeout: Duration,
    url: String,
}

/// What a request is about, for the error lines.
#[derive(Clone, Copy)]
pub struct About<'a> {
    /// What was being done, e.g. "create consumer".
    pub action: &'a str,
    pub stream: &'a str,
    pub consumer: Option<&'a str>,
}

impl About<'_> {
    fn subject(&self) -> String {
        match self.consumer {
            Some(consumer) => format!("{} > {consumer}", self.stream),
            None => self.stream.to_string(),
        }
    }
}

impl JsApi {
    pub async fn connect(connection: &Connection) -> anyhow::Result<JsApi> {
        let client = connection.connect().await?;
        let prefix = match (&connection.js_api_prefix, &connection.js_domain) {
            (Some(prefix), _) => prefix.trim_end_matches('.').to_string(),
            (None, Some(domain)) => format!("$JS.{domain}.API"),
            (None, None) => "$JS.API".to_string(),
        };
        Ok(JsApi {
            client,
            prefix,
            timeout: connection.timeout_or(DEFAULT_TIMEOUT),
            url: connection.url(),
        })
    }

    /// The full API subject for `suffix` (e.g. `CONSUMER.INFO.S.C`).
    pub fn subject(&self, suffix: &str) -> String {
        format!("{}.{suffix}", self.prefix)
    }

    /// Sends `body` to `$JS.API.<suffix>` and returns the reply, or the
    /// server's error as one explained line.
    pub async fn request(
        &self,
        suffix: &str,
        body: &Value,
        about: About<'_>,
    ) -> anyhow::Result<Value> {
        let subject = self.subject(suffix);
        let payload = match body {
            Value::Null => Bytes::new(),
            body => Bytes::from(serde_json::to_vec(body)?),
        };
        let request = async_nats::Request::new()
            .payload(payload)
            .timeout(Some(self.timeout));
        let reply = self
            .client
            .send_request(subject.clone(), request)
            .await
            .map_err(|err| match err.kind() {
                RequestErrorKind::NoResponders => self.no_jetstream(None),
                RequestErrorKind::TimedOut => anyhow::anyhow!(
                    "no reply from the JetStream API ({subject}) at {} within {}: \
                     is JetStream enabled? (--timeout waits longer)",
                    self.url,
                    crate::output::duration(self.timeout)
                ),
                _ => anyhow::anyhow!("cannot {} {}: {err}", about.action, about.subject()),
            })?;
        let value: Value = serde_json::from_slice(&reply.payload).map_err(|err| {
            anyhow::anyhow!("the JetStream API sent {subject} a reply that is not JSON ({err})")
        })?;
        match value.get("error") {
            Some(error) => Err(self.explain(error, about)),
            None => Ok(value),
        }
    }

    /// A consumer's info, as the server sends it.
    pub async fn consumer_info(&self, stream: &str, consumer: &str) -> anyhow::Result<Value> {
        let about = About {
            action: "read consumer",
            stream,
            consumer: Some(consumer),
        };
        let info = self
            .request(
                &format!("CONSUMER.INFO.{stream}.{consumer}"),
                &Value::Null,
                about,
            )
            .await?;
        Ok(without_type(info))
    }

    /// Every page of `CONSUMER.LIST` (`key` "consumers") or `CONSUMER.NAMES`,
    /// gathered into one array.
    pub async fn all_pages(&self, kind: &str, stream: &str) -> anyhow::Result<Vec<Value>> {
        let about = About {
            action: "list consumers of",
            stream,
            consumer: None,
        };
        let mut items = Vec::new();
        loop {
            let page = self
                .request(
                    &format!("CONSUMER.{kind}.{stream}"),
                    &json!({ "offset": items.len() }),
                    about,
                )
                .await?;
            let batch = match page.get("consumers") {
                Some(Value::Array(batch)) => batch.clone(),
                _ => Vec::new(),
            };
            let total = page.get("total").and_then(Value::as_u64).unwrap_or(0);
            let done = batch.is_empty();
            items.extend(batch);
            if done || items.len() as u64 >= total {
                return Ok(items);
            }
        }
    }

    fn no_jetstream(&self, code: Option<u64>) -> anyhow::Error {
        if code.is_none() && self.prefix != "$JS.API" {
            return anyhow::anyhow!(
                "nothing answers on {}.> at {}: check --js-domain / --js-api-prefix, \
                 and that JetStream is enabled there",
                self.prefix,
                self.url
            );
        }
        let code = code.map(|c| format!(" ({c})")).unwrap_or_default();
        anyhow::anyhow!(
            "JetStream is not enabled at {}{code}: start the server with -js \
             (e.g. `natrium-server -js -sd DIR`)",
            self.url
        )
    }

    /// The server's `{"code", "err_code", "description"}` as one line.
    fn explain(&self, error: &Value, about: About<'_>) -> anyhow::Error {
        let err_code = error.get("err_code").and_then(Value::as_u64);
        let description = error
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("unknown error");
        let code = err_code
            .or_else(|| error.get("code").and_then(Value::as_u64))
            .unwrap_or(0);
        match (err_code, about.consumer) {
            (Some(CONSUMER_NOT_FOUND), Some(consumer)) => anyhow::anyhow!(
                "consumer {consumer} not found ({code}): list consumers with natrium consumer ls {}",
                about.stream
            ),
            (Some(STREAM_NOT_FOUND), _) => anyhow::anyhow!(
                "stream {} not found ({code}): list streams with natrium stream ls",
                about.stream
            ),
            (Some(CONSUMER_EXISTS), Some(consumer)) => anyhow::anyhow!(
                "consumer {consumer} already exists in {} with other settings ({code}): \
                 change it with natrium consumer edit {} {consumer}",
                about.stream,
                about.stream
            ),
            (Some(c), _) if JETSTREAM_DISABLED.contains(&c) => self.no_jetstream(Some(c)),
            _ => anyhow::anyhow!(
                "cannot {} {}: {description} ({code})",
                about.action,
                about.subject()
            ),
        }
    }
}

/// An API reply without its `type` field: the document `--json` prints.
pub fn without_type(mut value: Value) -> Value {
    if let Value::Object(map) = &mut value {
        map.remove("type");
    }
    value
}

/// `value` as an object, or an empty one (a reply of an unexpected shape
/// reads as "nothing set").
pub fn as_map(value: &Value) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    value
        .as_object()
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

/// The object under `key`, or an empty one.
pub fn object<'a>(value: &'a Value, key: &str) -> &'a Map<String, Value> {
    as_map(value.get(key).unwrap_or(&Value::Null))
}
