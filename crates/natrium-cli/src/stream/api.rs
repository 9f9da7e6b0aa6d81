//! The stream endpoints of the JetStream API, over the shared raw client
//! ([`crate::jsapi`]), with errors about a stream explained in one line.

use anyhow::anyhow;
use serde_json::{json, Value};

use crate::connection::Connection;
use crate::jsapi::JsApi;
pub use crate::jsapi::{ServerError, NO_MESSAGE_FOUND, STREAM_NOT_FOUND};

/// A connected client and its JetStream API, with the stream endpoints.
pub struct Api {
    api: JsApi,
}

impl std::ops::Deref for Api {
    type Target = JsApi;

    fn deref(&self) -> &JsApi {
        &self.api
    }
}

impl Api {
    /// Connects with the resolved connection settings.
    pub async fn connect(connection: &Connection) -> anyhow::Result<Api> {
        Ok(Api {
            api: JsApi::connect(connection).await?,
        })
    }

    /// Like [`JsApi::request`] for an endpoint about `stream`: "not found"
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
        self.all_pages("STREAM.LIST", "streams", &subject_filter(subject))
            .await
    }

    /// Every stream's name (`STREAM.NAMES`, all pages).
    pub async fn stream_names(&self, subject: Option<&str>) -> anyhow::Result<Vec<String>> {
        let names = self
            .all_pages("STREAM.NAMES", "streams", &subject_filter(subject))
            .await?;
        Ok(names
            .iter()
            .filter_map(|name| name.as_str().map(str::to_string))
            .collect())
    }
}

fn subject_filter(subject: Option<&str>) -> Value {
    match subject {
        Some(subject) => json!({ "subject": subject }),
        None => json!({}),
    }
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

/// Refuses stream names the API subject cannot carry, before asking.
pub fn check_name(name: &str) -> anyhow::Result<()> {
    crate::jsapi::check_name("stream", name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_as_one_line() {
        let answer =
            json!({"error": {"code": 404, "err_code": 10059, "description": "stream not found"}});
        let error = crate::jsapi::server_error(&answer).unwrap();
        assert_eq!(error.to_string(), "stream not found (10059)");
        let line = about_stream(error.into(), "ORDERS").to_string();
        assert_eq!(
            line,
            "stream ORDERS not found (10059): list streams with `natrium stream ls`"
        );
    }

    #[test]
    fn names() {
        assert!(check_name("ORDERS-1_a").is_ok());
        assert!(check_name("a.b").is_err());
        assert!(check_name("").is_err());
        assert!(check_name("a b").is_err());
    }
}
