//! `natrium bench`: a load generator and measuring tool for NATS servers.
//!
//! It plays the role of `nats bench` for natrium: the same client drives
//! natrium-server and the reference nats-server, so its own cost must stay
//! small and identical for both. Hence the choices made throughout:
//!
//! * every publisher, subscriber, requester and responder owns a connection;
//! * a publisher reuses one payload [`Bytes`](bytes::Bytes) and one subject
//!   for every message (cloning them is a pointer copy, no allocation) and
//!   never awaits a flush per message, only once at the end;
//! * subscribers only count, and are sized so the client never drops;
//! * requesters use one inbox subscription each instead of a fresh inbox per
//!   request, and record round trips in an HDR histogram.
//!
//! Layout: [`conn`] opens connections and turns their failures into one-line
//! errors, [`watch`] aborts a run that lost its server or stopped making
//! progress, [`pubsub`], [`request`], [`jetstream`], [`kv`] and [`object`]
//! are the workloads, and [`report`] turns samples into the human, JSON and
//! CSV outputs.

pub mod conn;
pub mod jetstream;
pub mod kv;
pub mod object;
pub mod pubsub;
pub mod report;
pub mod request;
pub mod watch;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;

use crate::cli::js::JsCommand;
use crate::cli::{BenchCommand, CommonArgs};
use crate::connection::Connection;

/// How long a run may go without progress when `--timeout` is not given.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Default number of messages when `--msgs` is not given.
pub const DEFAULT_MSGS: u64 = 100_000;

/// What every workload needs to know, resolved from the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Server URL(s), as given by the user (for reports and messages).
    pub server: String,
    /// How to connect (URLs, credentials, TLS).
    pub connection: Connection,
    /// Subject to publish to / subscribe on.
    pub subject: String,
    /// Total number of messages or requests (0 means unbounded for `reply`).
    pub msgs: u64,
    /// Payload size in bytes.
    pub size: usize,
    /// How long to wait without progress before giving up.
    pub idle_timeout: Duration,
}

impl Settings {
    fn new(connection: &Connection, common: &CommonArgs, default_msgs: u64) -> Settings {
        Settings {
            server: connection.url(),
            connection: connection.clone(),
            subject: common.subject.clone(),
            msgs: common.msgs.unwrap_or(default_msgs),
            size: common.size,
            idle_timeout: connection.timeout_or(DEFAULT_IDLE_TIMEOUT),
        }
    }
}

/// Everything that can make a benchmark fail, each rendered as one line.
#[derive(Debug)]
pub enum BenchError {
    /// The `--server` value is not a NATS URL.
    InvalidServerUrl { url: String, reason: String },
    /// Nothing accepted the connection.
    NoServer { url: String },
    /// The server answered but the connection could not be set up.
    Connect { url: String, reason: String },
    /// The subject cannot be used for this workload.
    InvalidSubject { subject: String, reason: String },
    /// The payload is larger than the server's `max_payload`.
    PayloadTooLarge { size: usize, max: usize },
    /// Nobody is subscribed to the request subject.
    NoResponders { subject: String },
    /// A connection was lost or the client reported a fatal event.
    Aborted(String),
    /// Messages stopped arriving before the expected count was reached.
    Stalled(String),
    /// The server does not answer the JetStream API.
    NoJetStream { url: String },
    /// A JetStream API call failed or an ack was wrong.
    JetStream(String),
    /// Any other client-side failure (publish, subscribe, flush).
    Client(String),
    /// Writing the CSV file or stdout failed.
    Output { path: PathBuf, reason: String },
}

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BenchError::InvalidServerUrl { url, reason } => {
                write!(f, "invalid server URL '{url}': {reason}")
            }
            BenchError::NoServer { url } => write!(
                f,
                "no server at {url}: is natrium-server running? start it with `natrium-server`"
            ),
            BenchError::Connect { url, reason } => {
                write!(f, "cannot connect to {url}: {reason}")
            }
            BenchError::InvalidSubject { subject, reason } => {
                write!(f, "invalid subject '{subject}': {reason}")
            }
            BenchError::PayloadTooLarge { size, max } => write!(
                f,
                "--size {size} is larger than the server's max_payload ({max} bytes)"
            ),
            BenchError::NoResponders { subject } => write!(
                f,
                "no responders on '{subject}': start `natrium bench reply {subject}` \
                 or use --reply-in-process true"
            ),
            BenchError::Aborted(reason) => write!(f, "benchmark aborted: {reason}"),
            BenchError::Stalled(reason) => write!(f, "benchmark stalled: {reason}"),
            BenchError::NoJetStream { url } => write!(
                f,
                "JetStream is not enabled at {url}: start the server with -js \
                 (e.g. `natrium-server -js -sd DIR`)"
            ),
            BenchError::JetStream(reason) => write!(f, "JetStream: {reason}"),
            BenchError::Client(reason) => write!(f, "{reason}"),
            BenchError::Output { path, reason } => {
                write!(f, "cannot write {}: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for BenchError {}

/// Runs one `natrium bench` subcommand and prints its results.
pub async fn run(connection: &Connection, command: BenchCommand) -> Result<(), BenchError> {
    let (report, output) = match command {
        BenchCommand::Pub { common, publishers } => {
            let settings = Settings::new(connection, &common, DEFAULT_MSGS);
            let report = pubsub::run(&settings, publishers, 0, common.output.json, None).await?;
            (report, common.output)
        }
        BenchCommand::Sub {
            common,
            subscribers,
        } => {
            let settings = Settings::new(connection, &common, DEFAULT_MSGS);
            let report = pubsub::run(&settings, 0, subscribers, common.output.json, None).await?;
            (report, common.output)
        }
        BenchCommand::Pubsub {
            common,
            publishers,
            subscribers,
            tenants,
            tenant_user,
            tenant_password,
        } => {
            let settings = Settings::new(connection, &common, DEFAULT_MSGS);
            let tenants = tenants.map(|count| pubsub::Tenants {
                count,
                user_prefix: tenant_user,
                password: tenant_password,
            });
            let report = pubsub::run(
                &settings,
                publishers,
                subscribers,
                common.output.json,
                tenants.as_ref(),
            )
            .await?;
            (report, common.output)
        }
        BenchCommand::Request {
            common,
            clients,
            reply_in_process,
            warmup,
        } => {
            let settings = Settings::new(connection, &common, DEFAULT_MSGS);
            let options = request::RequestOptions {
                clients,
                reply_in_process,
                warmup,
            };
            let report = request::run_requesters(&settings, &options).await?;
            (report, common.output)
        }
        BenchCommand::Reply { common, clients } => {
            let settings = Settings::new(connection, &common, 0);
            let report = request::run_responders(&settings, clients, common.output.json).await?;
            (report, common.output)
        }
        BenchCommand::Js(JsCommand::Pub(args)) => {
            let settings = Settings::new(connection, &args.common, DEFAULT_MSGS);
            let report = jetstream::run_pub(&settings, &args).await?;
            (report, args.common.output)
        }
        BenchCommand::Js(JsCommand::Fetch(args)) => {
            let settings = Settings::new(connection, &args.fill.common, DEFAULT_MSGS);
            let report = jetstream::fetch::run(&settings, &args).await?;
            (report, args.fill.common.output)
        }
        BenchCommand::Kv(args) => {
            let settings = Settings {
                server: connection.url(),
                connection: connection.clone(),
                subject: format!("$KV.{}.>", args.bucket.name),
                msgs: args.msgs.unwrap_or(DEFAULT_MSGS),
                size: args.size,
                idle_timeout: connection.timeout_or(DEFAULT_IDLE_TIMEOUT),
            };
            let report = kv::run(&settings, &args).await?;
            (report, args.output)
        }
        BenchCommand::Object(args) => {
            let settings = Settings {
                server: connection.url(),
                connection: connection.clone(),
                subject: format!("$O.{}.>", args.bucket.name),
                msgs: 1,
                size: args.size,
                idle_timeout: connection.timeout_or(DEFAULT_IDLE_TIMEOUT),
            };
            let report = object::run(&settings, &args).await?;
            (report, args.output)
        }
    };
    report::emit(&report, output.json, output.csv.as_deref())
}

/// Builds the payload shared by every message of a run.
///
/// The buffer is leaked on purpose: a `Bytes` over `'static` data is cloned
/// without touching a reference count, so publishers on different cores
/// never contend on it. It is allocated once per process and bounded by the
/// server's `max_payload`.
pub(crate) fn static_payload(size: usize) -> Bytes {
    let data: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
    Bytes::from_static(Box::leak(data.into_boxed_slice()))
}

/// Validates a subject for publishing: non-empty tokens, no wildcards, no
/// whitespace. Subscriptions may use wildcards, see [`check_subscribe_subject`].
pub(crate) fn check_publish_subject(subject: &str) -> Result<(), BenchError> {
    check_subject(subject, false)
}

/// Validates a subject for subscribing (wildcards allowed).
pub(crate) fn check_subscribe_subject(subject: &str) -> Result<(), BenchError> {
    check_subject(subject, true)
}

/// Splits `total` messages over `parts` clients, the first ones taking the remainder.
pub(crate) fn split(total: u64, parts: usize) -> Vec<u64> {
    let parts = parts as u64;
    (0..parts)
        .map(|i| total / parts + u64::from(i < total % parts))
        .collect()
}

fn check_subject(subject: &str, wildcards: bool) -> Result<(), BenchError> {
    let invalid = |reason: &str| BenchError::InvalidSubject {
        subject: subject.to_string(),
        reason: reason.to_string(),
    };
    if subject.is_empty() {
        return Err(invalid("it is empty"));
    }
    if subject.chars().any(char::is_whitespace) {
        return Err(invalid("it contains whitespace"));
    }
    let tokens: Vec<&str> = subject.split('.').collect();
    if tokens.iter().any(|t| t.is_empty()) {
        return Err(invalid("it has an empty token"));
    }
    for (i, token) in tokens.iter().enumerate() {
        let is_wildcard = *token == "*" || *token == ">";
        if !wildcards && (is_wildcard || token.contains(['*', '>'])) {
            return Err(invalid("wildcards cannot be published to"));
        }
        if *token == ">" && i + 1 != tokens.len() {
            return Err(invalid("'>' must be the last token"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects() {
        assert!(check_publish_subject("bench.test").is_ok());
        assert!(check_publish_subject("bench.*").is_err());
        assert!(check_publish_subject("bench..x").is_err());
        assert!(check_publish_subject("a b").is_err());
        assert!(check_publish_subject("").is_err());
        assert!(check_subscribe_subject("bench.*").is_ok());
        assert!(check_subscribe_subject("bench.>").is_ok());
        assert!(check_subscribe_subject(">.x").is_err());
    }

    #[test]
    fn split_covers_total() {
        assert_eq!(split(10, 3), vec![4, 3, 3]);
        assert_eq!(split(2, 4), vec![1, 1, 0, 0]);
        assert_eq!(split(7, 0), Vec::<u64>::new());
        assert_eq!(split(100, 1), vec![100]);
    }

    #[test]
    fn payload_has_requested_size() {
        assert_eq!(static_payload(0).len(), 0);
        assert_eq!(static_payload(1024).len(), 1024);
    }

    #[test]
    fn errors_are_one_line() {
        let err = BenchError::NoServer {
            url: "nats://127.0.0.1:4222".into(),
        };
        let text = err.to_string();
        assert!(!text.contains('\n'));
        assert!(text.starts_with("no server at nats://127.0.0.1:4222"));
    }
}
