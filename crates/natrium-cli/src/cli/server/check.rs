//! Command-line definitions of `natrium server check ...`, with the nats
//! CLI's flag names and defaults so existing monitoring configurations
//! carry over. Thresholds that are off unless given are `Option`s.

use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use crate::cli::messages::parse_duration;

/// `natrium server check [--format nagios|json] CHECK`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    natrium server check connection --connect-warn 200ms\n  \
    natrium server check jetstream --mem-warn 60 --mem-critical 80\n  \
    natrium server check stream --stream ORDERS --msgs-critical 0\n  \
    natrium server check consumer --stream ORDERS --consumer worker --outstanding-ack-critical 100\n\n\
    Output is one Nagios line: STATUS NAME messages | perfdata.")]
pub struct CheckArgs {
    /// How to print the result: a Nagios line, or a JSON document.
    #[arg(long, value_enum, default_value_t = CheckFormat::Nagios, global = true)]
    pub format: CheckFormat,
    #[command(subcommand)]
    pub check: CheckCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Nagios,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum CheckCommand {
    /// Connect, time a round trip and a request through the server.
    #[command(
        visible_alias = "conn",
        after_help = "Example:\n  natrium server check connection --connect-warn 200ms --rtt-critical 50ms"
    )]
    Connection(ConnectionCheck),
    /// JetStream account usage against its limits, in percent.
    #[command(
        visible_alias = "js",
        after_help = "Example:\n  natrium server check jetstream --store-warn 60 --store-critical 80"
    )]
    Jetstream(JetStreamCheck),
    /// A stream's message count, age of its newest message, sources and mirror.
    #[command(
        after_help = "Example:\n  natrium server check stream --stream ORDERS --msgs-critical 0 --age-critical 1h"
    )]
    Stream(StreamCheck),
    /// A consumer's backlog, pending acks, waiting pulls and activity.
    #[command(
        after_help = "Example:\n  natrium server check consumer --stream ORDERS --consumer worker --unprocessed-critical 1000"
    )]
    Consumer(ConsumerCheck),
}

/// Thresholds of `check connection`.
#[derive(Debug, Args)]
pub struct ConnectionCheck {
    /// Warning when connecting takes this long.
    #[arg(long, value_name = "DURATION", default_value = "500ms", value_parser = parse_duration)]
    pub connect_warn: Duration,
    /// Critical when connecting takes this long.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub connect_critical: Duration,
    /// Warning when a round trip to the server takes this long.
    #[arg(long, value_name = "DURATION", default_value = "500ms", value_parser = parse_duration)]
    pub rtt_warn: Duration,
    /// Critical when a round trip to the server takes this long.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub rtt_critical: Duration,
    /// Warning when a message through the server and back takes this long.
    #[arg(long, value_name = "DURATION", default_value = "500ms", value_parser = parse_duration)]
    pub req_warn: Duration,
    /// Critical when a message through the server and back takes this long.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub req_critical: Duration,
}

/// Thresholds of `check jetstream`, in percent of the account's limits (-1: off).
#[derive(Debug, Args)]
pub struct JetStreamCheck {
    /// Warning above this memory storage use.
    #[arg(
        long,
        value_name = "PCT",
        default_value_t = 75,
        allow_negative_numbers = true
    )]
    pub mem_warn: i64,
    /// Critical above this memory storage use.
    #[arg(
        long,
        value_name = "PCT",
        default_value_t = 90,
        allow_negative_numbers = true
    )]
    pub mem_critical: i64,
    /// Warning above this file storage use.
    #[arg(
        long,
        value_name = "PCT",
        default_value_t = 75,
        allow_negative_numbers = true
    )]
    pub store_warn: i64,
    /// Critical above this file storage use.
    #[arg(
        long,
        value_name = "PCT",
        default_value_t = 90,
        allow_negative_numbers = true
    )]
    pub store_critical: i64,
    /// Warning above this share of the stream limit.
    #[arg(long, value_name = "PCT", default_value_t = -1, allow_negative_numbers = true)]
    pub streams_warn: i64,
    /// Critical above this share of the stream limit.
    #[arg(long, value_name = "PCT", default_value_t = -1, allow_negative_numbers = true)]
    pub streams_critical: i64,
    /// Warning above this share of the consumer limit.
    #[arg(long, value_name = "PCT", default_value_t = -1, allow_negative_numbers = true)]
    pub consumers_warn: i64,
    /// Critical above this share of the consumer limit.
    #[arg(long, value_name = "PCT", default_value_t = -1, allow_negative_numbers = true)]
    pub consumers_critical: i64,
}

/// Thresholds of `check stream`.
#[derive(Debug, Args)]
pub struct StreamCheck {
    /// The stream to check.
    #[arg(long, value_name = "STREAM")]
    pub stream: String,
    /// Warning when the stream holds this many messages or fewer.
    #[arg(long, value_name = "MSGS")]
    pub msgs_warn: Option<u64>,
    /// Critical when the stream holds this many messages or fewer.
    #[arg(long, value_name = "MSGS")]
    pub msgs_critical: Option<u64>,
    /// Warning when the newest message is older than this.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub age_warn: Option<Duration>,
    /// Critical when the newest message is older than this (or there is none).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub age_critical: Option<Duration>,
    /// Critical when a source or the mirror lags this many messages behind.
    #[arg(long, value_name = "MSGS")]
    pub lag_critical: Option<u64>,
    /// Critical when a source or the mirror was last seen this long ago.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub seen_critical: Option<Duration>,
    /// Critical with fewer sources than this.
    #[arg(long, value_name = "N")]
    pub min_sources: Option<usize>,
    /// Critical with more sources than this.
    #[arg(long, value_name = "N")]
    pub max_sources: Option<usize>,
}

/// Thresholds of `check consumer`.
#[derive(Debug, Args)]
pub struct ConsumerCheck {
    /// The stream the consumer reads.
    #[arg(long, value_name = "STREAM")]
    pub stream: String,
    /// The consumer to check.
    #[arg(long, value_name = "CONSUMER")]
    pub consumer: String,
    /// Critical with this many messages delivered but not yet acknowledged.
    #[arg(long, value_name = "N")]
    pub outstanding_ack_critical: Option<u64>,
    /// Critical with this many pull requests waiting.
    #[arg(long, value_name = "N")]
    pub waiting_critical: Option<u64>,
    /// Critical with this many messages not yet delivered.
    #[arg(long, value_name = "N")]
    pub unprocessed_critical: Option<u64>,
    /// Critical with this many messages being redelivered.
    #[arg(long, value_name = "N")]
    pub redelivery_critical: Option<u64>,
    /// Critical when the last delivery was this long ago (or never).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub last_delivery_critical: Option<Duration>,
    /// Critical when the last acknowledgement was this long ago (or never).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub last_ack_critical: Option<Duration>,
}
