//! Stream management for the JetStream workloads: check that JetStream is
//! there, create / reuse / recreate the benchmark stream, read its state,
//! delete it.
//!
//! Every JetStream API failure becomes one [`BenchError`] line naming the
//! stream and what the server said.

use async_nats::jetstream::context::{AccountErrorKind, GetStreamErrorKind};
use async_nats::jetstream::stream::{Config, State, StorageType};
use async_nats::jetstream::{self, ErrorCode};

use super::super::conn::client_error;
use super::super::BenchError;
use crate::cli::js::Storage;

/// The stream a run publishes into, as found or made before the run.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// `created`, `recreated` or `reused`.
    pub setup: &'static str,
    /// Messages in the stream before the run.
    pub messages_before: u64,
    /// Whether the stream has limits that may discard messages, in which
    /// case its message count after the run is not checked.
    pub limited: bool,
}

/// What to prepare.
#[derive(Debug, Clone, Copy)]
pub struct Wanted<'a> {
    pub url: &'a str,
    pub name: &'a str,
    pub subject: &'a str,
    pub storage: Storage,
    pub purge: bool,
}

/// Fails with a clear line when the server does not answer the JetStream API.
pub async fn check_available(js: &jetstream::Context, url: &str) -> Result<(), BenchError> {
    match js.query_account().await {
        Ok(_) => Ok(()),
        Err(err) => match err.kind() {
            AccountErrorKind::JetStreamUnavailable | AccountErrorKind::TimedOut => {
                Err(BenchError::NoJetStream {
                    url: url.to_string(),
                })
            }
            _ => Err(BenchError::JetStream(format!(
                "JetStream account info failed: {err}"
            ))),
        },
    }
}

/// Creates the stream, reuses it, or (with `purge`) deletes and recreates it.
pub async fn prepare(js: &jetstream::Context, wanted: Wanted<'_>) -> Result<Prepared, BenchError> {
    check_available(js, wanted.url).await?;
    let existing = match js.get_stream(wanted.name).await {
        Ok(mut stream) => Some(
            stream
                .info()
                .await
                .map_err(|e| api_error(wanted.name, "info", e))?
                .clone(),
        ),
        Err(err) => match err.kind() {
            GetStreamErrorKind::JetStream(inner)
                if inner.error_code() == ErrorCode::STREAM_NOT_FOUND =>
            {
                None
            }
            GetStreamErrorKind::InvalidStreamName | GetStreamErrorKind::EmptyName => {
                return Err(BenchError::JetStream(format!(
                    "invalid stream name '{}' (no spaces, dots, '*' or '>')",
                    wanted.name
                )))
            }
            _ => return Err(api_error(wanted.name, "lookup", err)),
        },
    };
    let setup = match existing {
        None => "created",
        Some(_) if wanted.purge => {
            delete(js, wanted.name).await?;
            "recreated"
        }
        Some(info) => {
            let storage = match info.config.storage {
                StorageType::File => Storage::File,
                StorageType::Memory => Storage::Memory,
            };
            if storage != wanted.storage {
                return Err(BenchError::JetStream(format!(
                    "stream '{}' exists with {} storage, not {}: add --purge to recreate it",
                    wanted.name,
                    storage.as_str(),
                    wanted.storage.as_str()
                )));
            }
            let config = &info.config;
            return Ok(Prepared {
                setup: "reused",
                messages_before: info.state.messages,
                limited: config.max_messages > 0
                    || config.max_bytes > 0
                    || config.max_messages_per_subject > 0
                    || !config.max_age.is_zero(),
            });
        }
    };
    let config = Config {
        name: wanted.name.to_string(),
        subjects: vec![wanted.subject.to_string()],
        storage: storage_type(wanted.storage),
        ..Default::default()
    };
    js.create_stream(config)
        .await
        .map_err(|e| api_error(wanted.name, "create", e))?;
    Ok(Prepared {
        setup,
        messages_before: 0,
        limited: false,
    })
}

/// The JetStream API's storage type for `storage`.
pub fn storage_type(storage: Storage) -> StorageType {
    match storage {
        Storage::File => StorageType::File,
        Storage::Memory => StorageType::Memory,
    }
}

/// The stream's current state.
pub async fn state(js: &jetstream::Context, name: &str) -> Result<State, BenchError> {
    let stream = js
        .get_stream_no_info(name)
        .await
        .map_err(|e| api_error(name, "lookup", e))?;
    let info = stream
        .get_info()
        .await
        .map_err(|e| api_error(name, "info", e))?;
    Ok(info.state)
}

/// Deletes the stream.
pub async fn delete(js: &jetstream::Context, name: &str) -> Result<(), BenchError> {
    let status = js
        .delete_stream(name)
        .await
        .map_err(|e| api_error(name, "delete", e))?;
    if status.success {
        Ok(())
    } else {
        Err(client_error(
            &format!("deleting stream '{name}'"),
            "the server answered success: false",
        ))
    }
}

fn api_error(name: &str, what: &str, err: impl std::fmt::Display) -> BenchError {
    BenchError::JetStream(format!("stream '{name}' {what} failed: {err}"))
}
