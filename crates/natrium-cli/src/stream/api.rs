//! Raw `$JS.API` requests with JSON in and JSON out.
//!
//! The stream commands talk to the JetStream API through async-nats's
//! JetStream context (so `--js-domain`, `--js-api-prefix` and `--timeout`
//! apply), but keep the answers as `serde_json::Value`: the server's JSON is
//! what `--json` prints, and typed structs would drop fields this client
//! version does not know. Every failure becomes one line: the server's
//! description with its `err_code`, "JetStream is not enabled" when nobody
//! answers, or a timeout naming the server.

use anyhow::anyhow;
use async_nats::jetstream::{self, context::RequestErrorKind};
use async_nats::Client;
use serde_json::{json, Value};

use crate::connection::{Connection, DEFAULT_TIMEOUT};

/// The server's `err_code` for "stream not found".
pub const STREAM_NOT_FOUND: u64 = 10059;

/// The server's `err_code` for "no message found".
pub const NO_MESSAGE_FOUND: u64 = 10037;

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

/// A connected client and its JetStream context.
pub struct Api {
    pub client: Client,
    js: jetstream::Context,
    url: String,
    timeout: std::time::Duration,
}

impl Api {
    /// Connects with the resolved connection settings.
    pub async fn connect(connection: &Connection) -> anyhow::Result<Api> {
        let client = connection.connect().await?;
        Ok(Api {
            js: connection.jetstream(client.clone()),
            client,
            url: connection.url(),
            timeout: connection.timeout_or(DEFAULT_TIMEOUT),
        })
    }

    /// Sends `body` to `$JS.API.<subject>` (or the domain's prefix) and
    /// returns the answer; an `error` answer becomes a [`ServerError`].
    pub async fn request(&self, subject: &str, body: &Value) -> anyhow::Result<Value> {
        let answer: Value = self
            .js
            .request(subject.to_string(), body)
            .await
            .map_err(|err| match err.kind() {
                RequestErrorKind::NoResponders => anyhow!(
                    "JetStream is not enabled at {}: start the server with -js (natrium-server -js), \
                     or check --js-domain",
                    self.url
                ),
                RequestErrorKind::TimedOut => anyhow!(
                    "no JetStream answer from {} within {:?}: is JetStream enabled for this account?",
                    self.url,
                    self.timeout
                ),
                _ => anyhow!("JetStream request {subject} failed: {err}"),
            })?;
        match server_error(&answer) {
            Some(error) => Err(error.into()),
            None => Ok(answer),
        }
    }

    /// Like [`Api::request`] for an endpoint about `stream`: "not found"
    /// names the stream and says how to list them, other server errors are
    /// prefixed with the stream's name.
    pub async fn stream_request(
        &self,
        stream: &str,
        subject: &str,
        body: &Value,
    ) -> anyhow::Result<Value> {
        self.request(subject, body)
            .await
            .map_err(|err| about_stream(err, stream))
    }

    /// The stream's info (`STREAM.INFO`) as the server sent it.
    pub async fn stream_info(&self, stream: &str) -> anyhow::Result<Value> {
        check_name(stream)?;
        self.stream_request(stream, &format!("STREAM.INFO.{stream}"), &json!({}))
            .await
    }

    /// Every stream's info (`STREAM.LIST`, all pages), optionally only those
    /// storing subjects matching `subject`.
    pub async fn stream_list(&self, subject: Option<&str>) -> anyhow::Result<Vec<Value>> {
        self.paged("STREAM.LIST", subject).await
    }

    /// Every stream's name (`STREAM.NAMES`, all pages).
    pub async fn stream_names(&self, subject: Option<&str>) -> anyhow::Result<Vec<String>> {
        let names = self.paged("STREAM.NAMES", subject).await?;
        Ok(names
            .iter()
            .filter_map(|name| name.as_str().map(str::to_string))
            .collect())
    }

    async fn paged(&self, endpoint: &str, subject: Option<&str>) -> anyhow::Result<Vec<Value>> {
        let mut items = Vec::new();
        loop {
            let mut body = json!({ "offset": items.len() });
            if let Some(subject) = subject {
                body["subject"] = json!(subject);
            }
            let page = self.request(endpoint, &body).await?;
            let found = page["streams"].as_array().cloned().unwrap_or_default();
            let total = page["total"].as_u64().unwrap_or(0) as usize;
            let empty = found.is_empty();
            items.extend(found);
            if empty || items.len() >= total {
                return Ok(items);
            }
        }
    }
}

/// The `error` of an API answer, if it is one.
pub fn server_error(answer: &Value) -> Option<ServerError> {
    let error = answer.get("error")?;
    Some(ServerError {
        err_code: error["err_code"].as_u64().unwrap_or(0),
        description: error["description"]
            .as_str()
            .unwrap_or("unknown error")
            .to_string(),
    })
}

/// Rewrites a server error about `stream` into one helpful line.
pub fn about_stream(err: anyhow::Error, stream: &str) -> anyhow::Error {
    match err.downcast_ref::<ServerError>() {
        Some(error) if error.err_code == STREAM_NOT_FOUND => anyhow!(
            "stream {stream} not found ({STREAM_NOT_FOUND}): list streams with `natrium stream ls`"
        ),
        Some(error) => anyhow!("stream {stream}: {error}"),
        None => err,
    }
}

/// Refuses names the API subject cannot carry, before asking the server.
pub fn check_name(name: &str) -> anyhow::Result<()> {
    let bad = name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '.' | '*' | '>' | '/' | '\\'));
    if bad {
        anyhow::bail!(
            "invalid stream name {name:?}: use letters, digits, - and _ (no spaces, '.', '*', '>', '/')"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_as_one_line() {
        let answer =
            json!({"error": {"code": 404, "err_code": 10059, "description": "stream not found"}});
        let error = server_error(&answer).unwrap();
        assert_eq!(error.to_string(), "stream not found (10059)");
        let line = about_stream(error.into(), "ORDERS").to_string();
        assert_eq!(
            line,
            "stream ORDERS not found (10059): list streams with `natrium stream ls`"
        );
        assert!(server_error(&json!({"config": {}})).is_none());
    }

    #[test]
    fn names() {
        assert!(check_name("ORDERS-1_a").is_ok());
        assert!(check_name("a.b").is_err());
        assert!(check_name("").is_err());
        assert!(check_name("a b").is_err());
    }
}
