//! Errors the server reports after the fact, such as permission violations.
//!
//! A server answers a forbidden publish or subscribe with `-ERR
//! 'Permissions Violation for Publish to "x"'` and keeps the connection;
//! async-nats hands such errors to an event callback, not to the call that
//! caused them. [`connect`] installs a callback that forwards them into a
//! channel, so a command can check for them ([`ServerErrors::settle`]) or
//! wait on them alongside its work ([`ServerErrors::next`]) and fail with
//! one clear line instead of appearing to succeed.
//!
//! The server answers in order, so once a message sent after the suspect
//! operation has come back, any error about that operation has been read
//! too. The callback runs on its own task, though, so `settle` also gives
//! that task a moment proportional to the round trip it just measured.

use std::time::Duration;

use async_nats::{Client, Event, ServerError};
use tokio::sync::mpsc;

use crate::connection::{Connection, DEFAULT_TIMEOUT};
use crate::rtt::Loopback;

/// Server errors reported on one connection.
pub struct ServerErrors {
    reported: mpsc::UnboundedReceiver<String>,
}

/// Connects like [`Connection::connect`], keeping the server's errors.
pub async fn connect(connection: &Connection) -> anyhow::Result<(Client, ServerErrors)> {
    let (report, reported) = mpsc::unbounded_channel();
    let options = connection.options()?.event_callback(move |event| {
        let report = report.clone();
        async move {
            if let Event::ServerError(error) = event {
                if let Some(text) = describe(&error) {
                    let _ = report.send(text);
                }
            }
        }
    });
    let client = connection.connect_with(options).await?;
    Ok((client, ServerErrors { reported }))
}

/// The server's own words, without async-nats's `nats: ` prefix; slow
/// consumer notices are not failures of the command.
fn describe(error: &ServerError) -> Option<String> {
    match error {
        ServerError::AuthorizationViolation => Some("Authorization Violation".to_string()),
        ServerError::SlowConsumer(_) => None,
        ServerError::Other(text) => Some(text.clone()),
    }
}

/// The one line a command fails with when the server refused something.
pub fn refused(error: &str) -> anyhow::Error {
    if error.to_ascii_lowercase().contains("permissions violation") {
        anyhow::anyhow!(
            "the server refused: {error}: the user lacks this permission (check its publish/subscribe allow and deny lists)"
        )
    } else {
        anyhow::anyhow!("the server reported an error: {error}")
    }
}

impl ServerErrors {
    /// Waits for the next server error; never returns if none comes.
    pub async fn next(&mut self) -> String {
        match self.reported.recv().await {
            Some(error) => error,
            None => std::future::pending().await,
        }
    }

    /// Makes sure the server has processed everything sent so far and
    /// reported no error about it; the first error becomes the failure.
    pub async fn settle(&mut self, client: &Client, timeout: Duration) -> anyhow::Result<()> {
        let round_trip = async {
            let mut loopback = Loopback::open(client).await?;
            loopback.round_trip(timeout).await
        };
        let elapsed = tokio::select! {
            outcome = round_trip => outcome,
            error = self.next() => return Err(refused(&error)),
        }?;
        let grace = (Duration::from_millis(10) + elapsed * 4).min(Duration::from_millis(250));
        match tokio::time::timeout(grace, self.next()).await {
            Ok(error) => Err(refused(&error)),
            Err(_) => Ok(()),
        }
    }

    /// [`ServerErrors::settle`] with the connection's timeout.
    pub async fn settle_for(
        &mut self,
        client: &Client,
        connection: &Connection,
    ) -> anyhow::Result<()> {
        self.settle(client, connection.timeout_or(DEFAULT_TIMEOUT))
            .await
    }
}
