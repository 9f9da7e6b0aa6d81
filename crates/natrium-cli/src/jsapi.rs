//! The JetStream API spoken raw: JSON in, JSON out.
//!
//! The stream and consumer commands keep the server's answers as
//! `serde_json::Value`, because `--json` promises the server's own document
//! and async-nats's typed structs drop fields this client version does not
//! know. This is the one place that sends those requests (under `$JS.API`,
//! `$JS.<domain>.API` or `--js-api-prefix`), reads `error` answers into a
//! typed [`ServerError`] that callers can explain, turns "nobody answered"
//! into one line, and walks paged listings.

use std::time::Duration;

use anyhow::anyhow;
use async_nats::{Client, RequestErrorKind};
use bytes::Bytes;
use serde_json::{json, Value};

use crate::connection::{Connection, DEFAULT_TIMEOUT};

/// `err_code` of "stream not found".
pub const STREAM_NOT_FOUND: u64 = 10059;
/// `err_code` of "consumer not found".
pub const CONSUMER_NOT_FOUND: u64 = 10014;
/// `err_code` of "consumer already exists" (with other settings).
pub const CONSUMER_EXISTS: u64 = 10148;
/// `err_code` of "no message found".
pub const NO_MESSAGE_FOUND: u64 = 10037;
/// `err_code`s of "JetStream not enabled" (for the account, or at all).
pub const JETSTREAM_DISABLED: [u64; 2] = [10039, 10076];

/// An error answer from the JetStream API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    pub err_code: u64,
    pub description: String,
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.description, self.err_code)
    }
}

impl std::error::Error for ServerError {}

/// The `error` of an API answer, if it is one (`code` stands in for a
/// missing `err_code`).
pub fn server_error(answer: &Value) -> Option<ServerError> {
    let error = answer.get("error")?;
    Some(ServerError {
        err_code: error["err_code"]
            .as_u64()
            .or_else(|| error["code"].as_u64())
            .unwrap_or(0),
        description: error["description"]
            .as_str()
            .unwrap_or("unknown error")
            .to_string(),
    })
}

/// Refuses stream or consumer names (`kind`) that an API subject cannot
/// carry, before asking the server.
pub fn check_name(kind: &str, name: &str) -> anyhow::Result<()> {
    let bad =
        |c: char| matches!(c, '.' | '*' | '>' | '/' | '\\') || c.is_whitespace() || c.is_control();
    if name.is_empty() || name.contains(bad) {
        anyhow::bail!(
            "invalid {kind} name {name:?}: names cannot be empty or contain '.', '*', '>', '/' or spaces"
        );
    }
    Ok(())
}

/// A connected client and where its JetStream API lives.
pub struct JsApi {
    pub client: Client,
    /// `$JS.API`, `$JS.<domain>.API` or `--js-api-prefix`.
    prefix: String,
    pub timeout: Duration,
    url: String,
}

impl JsApi {
    /// Connects with the resolved connection settings.
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

    /// Sends `body` (nothing for `Value::Null`) to the API's `suffix` and
    /// returns the answer. An `error` answer comes back as a
    /// [`ServerError`] (downcast it to explain it); JetStream switched off
    /// and no answer at all come back as one line each.
    pub async fn request(&self, suffix: &str, body: &Value) -> anyhow::Result<Value> {
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
                RequestErrorKind::TimedOut => anyhow!(
                    "no reply from the JetStream API ({subject}) at {} within {}: \
                     is JetStream enabled? (--timeout waits longer)",
                    self.url,
                    crate::output::duration(self.timeout)
                ),
                _ => anyhow!("JetStream request {subject} failed: {err}"),
            })?;
        let answer: Value = serde_json::from_slice(&reply.payload).map_err(|err| {
            anyhow!("the JetStream API sent {subject} a reply that is not JSON ({err})")
        })?;
        match server_error(&answer) {
            Some(error) if JETSTREAM_DISABLED.contains(&error.err_code) => {
                Err(self.no_jetstream(Some(error.err_code)))
            }
            Some(error) => Err(error.into()),
            None => Ok(answer),
        }
    }

    /// Every page of a listing (`STREAM.LIST`, `CONSUMER.NAMES.<stream>`,
    /// ...): the arrays under `key`, gathered. `filter` adds to each
    /// request (e.g. a `subject`).
    pub async fn all_pages(
        &self,
        suffix: &str,
        key: &str,
        filter: &Value,
    ) -> anyhow::Result<Vec<Value>> {
        let mut items = Vec::new();
        loop {
            let mut body = json!({ "offset": items.len() });
            if let (Value::Object(body), Value::Object(extra)) = (&mut body, filter) {
                body.extend(extra.clone());
            }
            let page = self.request(suffix, &body).await?;
            let found = page[key].as_array().cloned().unwrap_or_default();
            let total = page["total"].as_u64().unwrap_or(0) as usize;
            let empty = found.is_empty();
            items.extend(found);
            if empty || items.len() >= total {
                return Ok(items);
            }
        }
    }

    /// The line for "JetStream does not answer here".
    fn no_jetstream(&self, code: Option<u64>) -> anyhow::Error {
        if code.is_none() && self.prefix != "$JS.API" {
            return anyhow!(
                "nothing answers on {}.> at {}: check --js-domain / --js-api-prefix, \
                 and that JetStream is enabled there",
                self.prefix,
                self.url
            );
        }
        let code = code.map(|c| format!(" ({c})")).unwrap_or_default();
        anyhow!(
            "JetStream is not enabled at {}{code}: start the server with -js \
             (e.g. `natrium-server -js -sd DIR`)",
            self.url
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_answers_are_read() {
        let answer =
            json!({"error": {"code": 404, "err_code": 10059, "description": "stream not found"}});
        let error = server_error(&answer).expect("an error answer");
        assert_eq!(error.to_string(), "stream not found (10059)");
        assert!(server_error(&json!({"config": {}})).is_none());
    }
}
