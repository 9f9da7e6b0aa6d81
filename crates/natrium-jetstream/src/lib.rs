//! The JetStream JSON API of nats-server 2.14, as data and pure functions.
//!
//! Official clients (async-nats, nats-py, the nats CLI) manage JetStream
//! with JSON requests on `$JS.API.*` subjects and read the replies
//! field by field, so natrium has to answer byte for byte like the
//! reference: same field names and order, same `omitempty` rules, same
//! defaults filled in, same errors. This crate holds that contract with no
//! networking or storage; the server crate wires it to subscriptions and
//! the store.
//!
//! * [`errors`]: [`ApiError`] and the full table of error ids.
//! * [`stream`]: [`StreamConfig`] with defaults ([`stream::check_config`])
//!   and update rules, [`StreamInfo`], and the stream request bodies.
//! * [`consumer`]: [`ConsumerConfig`] with defaults
//!   ([`consumer::check_consumer_config`]) and update rules,
//!   [`ConsumerInfo`], pull requests ([`consumer::NextRequest`]) and their
//!   status replies, and the consumer request and response bodies.
//! * [`api`]: response envelopes ([`api::Response`]) and paging.
//! * [`puback`]: publish acknowledgements as the server writes them.
//! * [`account`]: the `$JS.API.INFO` body.
//! * [`subjects`]: parsing `$JS.API` subjects (with domains).
//! * [`headers`]: JetStream header names and a header block parser.
//! * [`gojson`]: JSON output identical to Go's `encoding/json`.
//! * [`time`]: Go `time.Time` on the wire.
//!
//! Everything is checked against exchanges captured from nats-server
//! 2.14.0 (`tests/fixtures`, re-captured with `tests/capture.py`).

pub mod account;
pub mod api;
pub mod consumer;
mod error_table;
pub mod errors;
pub mod gojson;
pub mod headers;
pub mod puback;
mod serde_util;
pub mod stream;
pub mod subjects;
pub mod time;
pub mod transform;

pub use account::{AccountInfo, AccountLimits, ApiStats, TierStats};
pub use api::{ApiBody, Paged, Response};
pub use consumer::{
    AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy, PriorityPolicy, ReplayPolicy,
    SequenceInfo,
};
pub use errors::{ApiError, ErrorId};
pub use puback::PubAck;
pub use stream::{StreamConfig, StreamInfo, StreamState};
pub use time::Timestamp;
