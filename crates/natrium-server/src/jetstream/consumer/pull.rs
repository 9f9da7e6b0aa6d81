//! Pull requests waiting on a consumer (`CONSUMER.MSG.NEXT`), and the
//! status messages that end them.
//!
//! A request asks for up to `batch` messages (and at most `max_bytes`),
//! delivered to its reply subject. It waits until it is served, until it
//! expires (`408 Request Timeout`), or, with `no_wait`, only for what is
//! there now (`404 No Messages` when nothing is). Ends other than being
//! served carry `Nats-Pending-Messages` and `Nats-Pending-Bytes` so the
//! client knows what it still had coming.

use std::collections::VecDeque;

use natrium_jetstream::headers::HeaderBuilder;

/// One waiting pull request.
pub struct PullRequest {
    pub reply: String,
    /// Messages still to deliver.
    pub batch: u64,
    /// Bytes still allowed (0: no limit).
    pub max_bytes: u64,
    /// Whether `max_bytes` was given.
    pub has_max_bytes: bool,
    /// Unix nanos after which it ends (0: never).
    pub expires_at: i64,
    pub no_wait: bool,
    /// Idle heartbeat interval in nanos (0: none).
    pub heartbeat: i64,
    /// When it last got a message or heartbeat, unix nanos.
    pub last_sent: i64,
    /// Messages delivered to it so far.
    pub delivered: u64,
    /// `overflow` thresholds: (min_pending, min_ack_pending), 0 for none.
    pub overflow: (i64, i64),
    /// The pin id it carries (`pinned_client`), or was given.
    pub pin_id: String,
    /// `prioritized`: 0 is served first.
    pub priority: i64,
}

/// The pull requests of one consumer, oldest first (served in order).
#[derive(Default)]
pub struct Waiting {
    pub queue: VecDeque<PullRequest>,
}

/// A status message to a pull request's reply subject: headers only.
pub fn status(code: u16, description: &str, pending: Option<(u64, u64)>) -> Vec<u8> {
    let mut builder = HeaderBuilder::with_status(code, description);
    if let Some((messages, bytes)) = pending {
        builder = builder
            .add("Nats-Pending-Messages", &messages.to_string())
            .add("Nats-Pending-Bytes", &bytes.to_string());
    }
    builder.finish()
}

/// `404 No Messages`: a `no_wait` request found nothing.
pub fn no_messages() -> Vec<u8> {
    status(404, "No Messages", None)
}

/// `408 Request Timeout`: a request expired before it was filled.
pub fn timed_out(request: &PullRequest) -> Vec<u8> {
    status(
        408,
        "Request Timeout",
        Some((request.batch, request.max_bytes)),
    )
}

/// `409 Message Size Exceeds MaxBytes`: the next message would not fit.
pub fn too_big(request: &PullRequest) -> Vec<u8> {
    status(
        409,
        "Message Size Exceeds MaxBytes",
        Some((request.batch, request.max_bytes)),
    )
}

/// `409 Consumer Deleted`: the consumer went away under the request.
pub fn consumer_deleted() -> Vec<u8> {
    status(409, "Consumer Deleted", None)
}

/// `100 Idle Heartbeat` for a pull request.
pub fn heartbeat() -> Vec<u8> {
    status(100, "Idle Heartbeat", None)
}
