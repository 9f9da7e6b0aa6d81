//! The `-ERR` texts the server sends, spelled exactly as nats-server spells them.
//!
//! Client libraries match on these strings (async-nats and nats.go turn
//! `Authorization Violation` into a typed error, for instance), so they are data
//! of the protocol, not messages to be reworded.

/// An error reported to a client with `-ERR '<text>'`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerError {
    UnknownProtocolOperation,
    MaxPayloadViolation,
    MaxControlLineExceeded,
    InvalidPublishSubject,
    InvalidSubject,
    AuthorizationViolation,
    AuthenticationTimeout,
    StaleConnection,
    MaxConnectionsExceeded,
    MaxSubscriptionsExceeded,
    NoRespondersRequiresHeaders,
    InvalidClientProtocol,
    SlowConsumer,
}

impl ServerError {
    /// The text between the quotes of `-ERR '...'`.
    pub fn text(self) -> &'static str {
        match self {
            ServerError::UnknownProtocolOperation => "Unknown Protocol Operation",
            ServerError::MaxPayloadViolation => "Maximum Payload Violation",
            ServerError::MaxControlLineExceeded => "maximum control line exceeded",
            ServerError::InvalidPublishSubject => "Invalid Publish Subject",
            ServerError::InvalidSubject => "Invalid Subject",
            ServerError::AuthorizationViolation => "Authorization Violation",
            ServerError::AuthenticationTimeout => "Authentication Timeout",
            ServerError::StaleConnection => "Stale Connection",
            ServerError::MaxConnectionsExceeded => "maximum connections exceeded",
            ServerError::MaxSubscriptionsExceeded => "maximum subscriptions exceeded",
            ServerError::NoRespondersRequiresHeaders => "no responders requires headers support",
            ServerError::InvalidClientProtocol => "invalid client protocol",
            ServerError::SlowConsumer => "Slow Consumer",
        }
    }

    /// Whether nats-server closes the connection after sending this error.
    pub fn closes_connection(self) -> bool {
        !matches!(
            self,
            ServerError::InvalidPublishSubject
                | ServerError::InvalidSubject
                | ServerError::MaxSubscriptionsExceeded
        )
    }
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text())
    }
}
