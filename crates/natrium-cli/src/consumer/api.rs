//! The consumer endpoints of the JetStream API (`CONSUMER.*`), over the
//! shared raw client ([`crate::jsapi`]): the server's JSON is what `--json`
//! prints, and every server error becomes one line with advice for the
//! common ones (unknown stream or consumer, a consumer that exists already).

use serde_json::{Map, Value};

use crate::connection::Connection;
use crate::jsapi::{self, ServerError, CONSUMER_EXISTS, CONSUMER_NOT_FOUND, STREAM_NOT_FOUND};

/// The shared raw client, with errors explained for consumers.
pub struct JsApi {
    api: jsapi::JsApi,
}

impl std::ops::Deref for JsApi {
    type Target = jsapi::JsApi;

    fn deref(&self) -> &jsapi::JsApi {
        &self.api
    }
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
        Ok(JsApi {
            api: jsapi::JsApi::connect(connection).await?,
        })
    }

    /// Sends `body` to the API's `suffix` and returns the reply, or the
    /// server's error as one explained line.
    pub async fn request(
        &self,
        suffix: &str,
        body: &Value,
        about: About<'_>,
    ) -> anyhow::Result<Value> {
        self.api
            .request(suffix, body)
            .await
            .map_err(|err| match err.downcast::<ServerError>() {
                Ok(error) => explain(&error, about),
                Err(err) => err,
            })
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
        self.api
            .all_pages(
                &format!("CONSUMER.{kind}.{stream}"),
                "consumers",
                &Value::Null,
            )
            .await
            .map_err(|err| match err.downcast::<ServerError>() {
                Ok(error) => explain(&error, about),
                Err(err) => err,
            })
    }
}

/// The server's error about a consumer request as one line, with advice for
/// the common ones.
fn explain(error: &ServerError, about: About<'_>) -> anyhow::Error {
    let code = error.err_code;
    match (code, about.consumer) {
        (CONSUMER_NOT_FOUND, Some(consumer)) => anyhow::anyhow!(
            "consumer {consumer} not found ({code}): list consumers with natrium consumer ls {}",
            about.stream
        ),
        (STREAM_NOT_FOUND, _) => anyhow::anyhow!(
            "stream {} not found ({code}): list streams with natrium stream ls",
            about.stream
        ),
        (CONSUMER_EXISTS, Some(consumer)) => anyhow::anyhow!(
            "consumer {consumer} already exists in {} with other settings ({code}): \
             change it with natrium consumer edit {} {consumer}",
            about.stream,
            about.stream
        ),
        _ => anyhow::anyhow!(
            "cannot {} {}: {} ({code})",
            about.action,
            about.subject(),
            error.description
        ),
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
