//! Opening benchmark connections.
//!
//! One place decides how a benchmark client is configured, so that every
//! workload connects the same way to both servers under comparison:
//!
//! * the server URL is checked up front, and connection failures become the
//!   one-line [`BenchError`]s a user can act on ("no server at ...");
//! * subject validation is done once per run by the caller, so the client is
//!   told to skip it on every publish;
//! * subscribers get a channel large enough for the whole run, so the client
//!   never drops a message because the counting task was briefly descheduled;
//! * reconnection is disabled in spirit: the first disconnect aborts the run
//!   through the [`Monitor`] rather than skewing the numbers.

use std::sync::Arc;

use async_nats::{Client, ConnectErrorKind};

use super::watch::Monitor;
use super::{BenchError, Settings};

/// Commands a client may queue before `publish` waits. Pinned to the
/// async-nats 0.51 default so that a client upgrade cannot silently change the
/// load; 128 to 65536 measured no clear difference on a 2-core machine.
const CLIENT_CAPACITY: usize = 2048;

/// What a connection is used for; decides its buffer sizes.
#[derive(Debug, Clone, Copy)]
pub enum Role {
    /// Publishes only.
    Publisher,
    /// Receives up to `expected` messages.
    Subscriber { expected: u64 },
    /// Sends requests and receives their replies.
    Requester,
    /// Receives requests and publishes replies.
    Responder,
}

/// Checks that the settings name usable NATS server addresses.
pub fn check_url(settings: &Settings) -> Result<(), BenchError> {
    settings
        .connection
        .addresses()
        .map(|_| ())
        .map_err(|err| BenchError::InvalidServerUrl {
            url: settings.server.clone(),
            reason: err.to_string(),
        })
}

/// Connects one client named `name` (shown by the server's monitoring).
pub async fn connect(
    settings: &Settings,
    name: String,
    role: Role,
    monitor: &Arc<Monitor>,
) -> Result<Client, BenchError> {
    let subscription_capacity = match role {
        Role::Subscriber { expected } => {
            usize::try_from(expected.saturating_add(1024)).unwrap_or(usize::MAX >> 4)
        }
        Role::Requester | Role::Responder => 64 * 1024,
        Role::Publisher => 1024,
    };
    let events = Arc::clone(monitor);
    let event_name = name.clone();
    let invalid = |err: anyhow::Error| BenchError::Connect {
        url: settings.server.clone(),
        reason: format!("{err:#}"),
    };
    let addresses = settings.connection.addresses().map_err(invalid)?;
    let options = settings
        .connection
        .options()
        .map_err(invalid)?
        .name(&name)
        .client_capacity(CLIENT_CAPACITY)
        .subscription_capacity(subscription_capacity)
        .skip_subject_validation(true)
        .max_reconnects(Some(1))
        .event_callback(move |event| {
            let events = Arc::clone(&events);
            let name = event_name.clone();
            async move { events.on_event(&name, event) }
        });
    options
        .connect(addresses)
        .await
        .map_err(|err| match err.kind() {
            ConnectErrorKind::Io | ConnectErrorKind::TimedOut | ConnectErrorKind::Dns => {
                BenchError::NoServer {
                    url: settings.server.clone(),
                }
            }
            _ => BenchError::Connect {
                url: settings.server.clone(),
                reason: err.to_string(),
            },
        })
}

/// Connects `count` clients concurrently, named `{prefix}-{1..=count}`.
pub async fn connect_many(
    settings: &Settings,
    prefix: &str,
    count: usize,
    role: Role,
    monitor: &Arc<Monitor>,
) -> Result<Vec<Client>, BenchError> {
    let pending = (1..=count).map(|i| connect(settings, format!("{prefix}-{i}"), role, monitor));
    futures::future::try_join_all(pending).await
}

/// Fails when `size` exceeds what the server accepts in one message.
pub fn check_payload(client: &Client, size: usize) -> Result<(), BenchError> {
    let max = client.server_info().max_payload;
    if max > 0 && size > max {
        return Err(BenchError::PayloadTooLarge { size, max });
    }
    Ok(())
}

/// Turns any async-nats operation error into a [`BenchError::Client`].
pub fn client_error(what: &str, err: impl std::fmt::Display) -> BenchError {
    BenchError::Client(format!("{what} failed: {err}"))
}
