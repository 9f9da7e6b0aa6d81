//! The consumer configuration flags shared by `consumer add` and `consumer
//! edit`, one per JetStream consumer setting, named as the nats CLI names
//! them.
//!
//! Every flag is optional: a flag that is not given leaves the setting to
//! the `--config` file, the current configuration (edit) or the server's
//! default, so the same struct serves creating and changing a consumer.

use std::time::Duration;

use clap::{ArgAction, Args};

use super::values::{
    parse_deliver, parse_duration, parse_moment, parse_pair, AckPolicy, DeliverStart, Moment,
    PriorityPolicy, ReplayPolicy,
};
use crate::cli::parse_size;

/// Consumer settings given on the command line.
#[derive(Debug, Clone, Default, Args)]
pub struct ConsumerSettings {
    /// Only deliver messages on this subject (wildcards allowed; repeatable).
    #[arg(
        long = "filter",
        value_name = "SUBJECT",
        help_heading = "Consumer settings"
    )]
    pub filters: Vec<String>,

    /// Where to start: all, last, new, last_per_subject, a stream sequence,
    /// a duration ago (1h) or a time (2030-01-02T15:04:05Z).
    #[arg(long, value_name = "START", value_parser = parse_deliver, help_heading = "Consumer settings")]
    pub deliver: Option<DeliverStart>,

    /// Acknowledgement policy [add default: explicit].
    #[arg(
        long,
        value_enum,
        value_name = "POLICY",
        help_heading = "Consumer settings"
    )]
    pub ack: Option<AckPolicy>,

    /// How long the server waits for an ack before redelivering (ack_wait).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Consumer settings")]
    pub wait: Option<Duration>,

    /// Deliver a message at most this many times (-1: unlimited).
    #[arg(
        long,
        value_name = "N",
        allow_negative_numbers = true,
        help_heading = "Consumer settings"
    )]
    pub max_deliver: Option<i64>,

    /// Redelivery delays, comma separated (e.g. 1s,5s,30s); replaces ack_wait for redeliveries.
    #[arg(long, value_name = "DURATIONS", value_delimiter = ',', value_parser = parse_duration, help_heading = "Consumer settings")]
    pub backoff: Vec<Duration>,

    /// Replay policy [add default: instant].
    #[arg(
        long,
        value_enum,
        value_name = "POLICY",
        help_heading = "Consumer settings"
    )]
    pub replay: Option<ReplayPolicy>,

    /// Percentage of acks to sample as metrics advisories (0 turns sampling off).
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u8).range(0..=100), help_heading = "Consumer settings")]
    pub sample: Option<u8>,

    /// Most unacknowledged messages outstanding before delivery stops (max_ack_pending; -1: unlimited).
    #[arg(
        long,
        value_name = "N",
        allow_negative_numbers = true,
        help_heading = "Consumer settings"
    )]
    pub max_pending: Option<i64>,

    /// Most pull requests waiting at once (pull consumers).
    #[arg(long, value_name = "N", help_heading = "Consumer settings")]
    pub max_waiting: Option<i64>,

    /// Largest batch one pull request may ask for (pull consumers).
    #[arg(long, value_name = "N", help_heading = "Consumer settings")]
    pub max_batch: Option<i64>,

    /// Longest expiry one pull request may ask for (pull consumers).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Consumer settings")]
    pub max_expires: Option<Duration>,

    /// Largest max_bytes one pull request may ask for, e.g. 1MiB (pull consumers).
    #[arg(long, value_name = "BYTES", value_parser = parse_size, help_heading = "Consumer settings")]
    pub max_bytes: Option<usize>,

    /// Remove the consumer after it has been idle this long.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Consumer settings")]
    pub inactive_threshold: Option<Duration>,

    /// Deliver only headers (with Nats-Msg-Size), no bodies; --headers-only=false turns it off.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", action = ArgAction::Set, help_heading = "Consumer settings")]
    pub headers_only: Option<bool>,

    /// Push consumer: deliver to this subject (deliver_subject).
    #[arg(
        long,
        value_name = "SUBJECT",
        conflicts_with = "pull",
        help_heading = "Consumer settings"
    )]
    pub target: Option<String>,

    /// Push consumer: deliver only to subscribers in this queue group.
    #[arg(long, value_name = "GROUP", help_heading = "Consumer settings")]
    pub deliver_group: Option<String>,

    /// Push consumer: flow control (needs --heartbeat); --flow-control=false turns it off.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", action = ArgAction::Set, help_heading = "Consumer settings")]
    pub flow_control: Option<bool>,

    /// Push consumer: idle heartbeat interval.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Consumer settings")]
    pub heartbeat: Option<Duration>,

    /// Push consumer: limit delivery to this many bits per second.
    #[arg(long, value_name = "BITS", help_heading = "Consumer settings")]
    pub bps: Option<u64>,

    /// Pull consumer (the default when --target is not given).
    #[arg(long, help_heading = "Consumer settings")]
    pub pull: bool,

    /// A description of the consumer.
    #[arg(long, value_name = "TEXT", help_heading = "Consumer settings")]
    pub description: Option<String>,

    /// Metadata as KEY=VALUE (repeatable; replaces the consumer's metadata).
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_pair, help_heading = "Consumer settings")]
    pub metadata: Vec<(String, String)>,

    /// Keep the consumer's state in memory rather than as the stream stores.
    #[arg(long, help_heading = "Consumer settings")]
    pub memory: bool,

    /// Replicas of the consumer's state (0 inherits from the stream).
    #[arg(long, value_name = "N", help_heading = "Consumer settings")]
    pub replicas: Option<i64>,

    /// Create the consumer paused until this time or for this long (e.g. 1h).
    #[arg(long, value_name = "WHEN", value_parser = parse_moment, help_heading = "Consumer settings")]
    pub pause_until: Option<Moment>,

    /// Priority group names, comma separated or repeated (pull consumers).
    #[arg(
        long,
        value_name = "GROUPS",
        value_delimiter = ',',
        help_heading = "Consumer settings"
    )]
    pub priority_groups: Vec<String>,

    /// Priority policy for the priority groups.
    #[arg(
        long,
        value_enum,
        value_name = "POLICY",
        help_heading = "Consumer settings"
    )]
    pub priority_policy: Option<PriorityPolicy>,

    /// pinned_client: how long a pinned client may go without pulling before losing the pin.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Consumer settings")]
    pub pinned_ttl: Option<Duration>,
}
