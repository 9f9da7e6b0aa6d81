//! The stream configuration flags shared by `stream add`, `stream edit` and
//! `stream copy`, with the nats CLI's names.
//!
//! Every flag is optional so that `edit` changes only what was given; `add`
//! starts from the nats CLI's `--defaults` values instead. A switch comes in
//! pairs (`--deny-delete` / `--no-deny-delete`, the last one given wins), as
//! the nats CLI's boolean flags do; the `--no-` halves are hidden from the
//! help to keep it readable and mentioned in each switch's description.

use std::time::Duration;

use clap::{Args, ValueEnum};

use super::values::{
    parse_age, parse_byte_limit, parse_limit, parse_message_size, parse_metadata, parse_replicas,
};

/// How long messages are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Retention {
    /// Until a limit (count, size, age) removes them.
    Limits,
    /// While some consumer is still interested in them.
    Interest,
    /// Until one consumer acknowledges them.
    #[value(name = "workq", alias = "work", alias = "workqueue")]
    WorkQueue,
}

/// What to drop when the stream is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Discard {
    /// Remove the oldest messages.
    Old,
    /// Refuse new messages.
    New,
}

/// Where the stream keeps its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Storage {
    #[value(alias = "f")]
    File,
    #[value(alias = "m")]
    Memory,
}

/// On-disk compression (file storage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Compression {
    None,
    S2,
}

/// Whether writes are acknowledged once in memory (`async`) or on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PersistMode {
    Default,
    Async,
}

/// A `--flag` / `--no-flag` pair: `Some(true)`, `Some(false)` or not given.
pub fn switch(on: bool, off: bool) -> Option<bool> {
    match (on, off) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    }
}

/// Settings every form of the stream configuration may change.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Stream configuration")]
pub struct ConfigFlags {
    /// Subjects the stream stores, comma-separated or repeated (wildcards allowed).
    #[arg(long, value_name = "SUBJECTS", value_delimiter = ',')]
    pub subjects: Vec<String>,
    /// A description of the stream.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Number of copies in a cluster (1 to 5).
    #[arg(long, value_name = "N", value_parser = parse_replicas)]
    pub replicas: Option<i64>,
    /// Retention policy: limits, interest or workq (also work, workqueue).
    #[arg(long, value_enum, value_name = "POLICY")]
    pub retention: Option<Retention>,
    /// When full, discard old messages or refuse new ones.
    #[arg(long, value_enum, value_name = "POLICY")]
    pub discard: Option<Discard>,
    /// Apply `--discard new` per subject (--no-discard-per-subject to undo).
    #[arg(long, overrides_with = "no_discard_per_subject")]
    pub discard_per_subject: bool,
    #[arg(long, hide = true)]
    pub no_discard_per_subject: bool,
    /// Most messages to keep (-1: unlimited; 10k, 1M accepted).
    #[arg(long, value_name = "N", value_parser = parse_limit, allow_hyphen_values = true)]
    pub max_msgs: Option<i64>,
    /// Most messages to keep per subject (-1: unlimited).
    #[arg(long, value_name = "N", value_parser = parse_limit, allow_hyphen_values = true)]
    pub max_msgs_per_subject: Option<i64>,
    /// Most bytes to keep (-1: unlimited; 512MiB, 1GB, 2GiB accepted).
    #[arg(long, value_name = "BYTES", value_parser = parse_byte_limit, allow_hyphen_values = true)]
    pub max_bytes: Option<i64>,
    /// Oldest message to keep (1h, 1d, 2w, 1y; 0 or -1: unlimited).
    #[arg(long, value_name = "AGE", value_parser = parse_age, allow_hyphen_values = true)]
    pub max_age: Option<Duration>,
    /// Largest message accepted (-1: unlimited).
    #[arg(long, value_name = "BYTES", value_parser = parse_message_size, allow_hyphen_values = true)]
    pub max_msg_size: Option<i64>,
    /// Most consumers allowed (-1: unlimited).
    #[arg(long, value_name = "N", value_parser = parse_limit, allow_hyphen_values = true)]
    pub max_consumers: Option<i64>,
    /// How long message ids (Nats-Msg-Id) are remembered to drop duplicates.
    #[arg(long, value_name = "DURATION", value_parser = parse_age)]
    pub dupe_window: Option<Duration>,
    /// Do not acknowledge publishes (--ack to acknowledge again).
    #[arg(long, overrides_with = "ack")]
    pub no_ack: bool,
    #[arg(long, hide = true)]
    pub ack: bool,
    /// Refuse deleting single messages (--no-deny-delete to allow).
    #[arg(long, overrides_with = "no_deny_delete")]
    pub deny_delete: bool,
    #[arg(long, hide = true)]
    pub no_deny_delete: bool,
    /// Refuse purging the stream (--no-deny-purge to allow).
    #[arg(long, overrides_with = "no_deny_purge")]
    pub deny_purge: bool,
    #[arg(long, hide = true)]
    pub no_deny_purge: bool,
    /// Allow roll-ups with the Nats-Rollup header (--no-allow-rollup to refuse).
    #[arg(long, overrides_with = "no_allow_rollup")]
    pub allow_rollup: bool,
    #[arg(long, hide = true)]
    pub no_allow_rollup: bool,
    /// Allow direct gets from any replica (on by default for new streams).
    #[arg(long, overrides_with = "no_allow_direct")]
    pub allow_direct: bool,
    /// Refuse direct gets.
    #[arg(long)]
    pub no_allow_direct: bool,
    /// Allow direct gets on this mirror (--no-mirror-direct to refuse).
    #[arg(
        long,
        alias = "allow-mirror-direct",
        overrides_with = "no_mirror_direct"
    )]
    pub mirror_direct: bool,
    #[arg(long, hide = true, alias = "no-allow-mirror-direct")]
    pub no_mirror_direct: bool,
    /// Allow a time-to-live per message (Nats-TTL header).
    #[arg(long, overrides_with = "no_allow_msg_ttl")]
    pub allow_msg_ttl: bool,
    #[arg(long, hide = true)]
    pub no_allow_msg_ttl: bool,
    /// Leave a delete marker kept this long when max-age removes a subject's last message.
    #[arg(long, value_name = "DURATION", value_parser = parse_age)]
    pub subject_del_markers_ttl: Option<Duration>,
    /// Make the stream a counter (Nats-Incr header) (--no-allow-msg-counter to undo).
    #[arg(long, alias = "allow-counter", overrides_with = "no_allow_msg_counter")]
    pub allow_msg_counter: bool,
    #[arg(long, hide = true, alias = "no-allow-counter")]
    pub no_allow_msg_counter: bool,
    /// Allow atomic batch publishing (--no-allow-batch to refuse).
    #[arg(long, alias = "allow-atomic", overrides_with = "no_allow_batch")]
    pub allow_batch: bool,
    #[arg(long, hide = true)]
    pub no_allow_batch: bool,
    /// Allow scheduled messages (--no-allow-schedules to refuse).
    #[arg(long, overrides_with = "no_allow_schedules")]
    pub allow_schedules: bool,
    #[arg(long, hide = true)]
    pub no_allow_schedules: bool,
    /// Compression of stored messages: s2 or none.
    #[arg(long, value_enum, value_name = "ALGORITHM")]
    pub compression: Option<Compression>,
    /// Metadata as KEY=VALUE (repeatable; replaces the existing metadata).
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_metadata)]
    pub metadata: Vec<(String, String)>,
    /// Republish stored messages matching this subject (with --republish-destination).
    #[arg(long, value_name = "SUBJECT", requires = "republish_destination")]
    pub republish_source: Option<String>,
    /// Where --republish-source messages are republished.
    #[arg(long, value_name = "SUBJECT", requires = "republish_source")]
    pub republish_destination: Option<String>,
    /// Republish only the headers, not the bodies.
    #[arg(long, requires = "republish_source")]
    pub republish_headers: bool,
    /// Rewrite incoming subjects matching this (with --transform-destination).
    #[arg(long, value_name = "SUBJECT", requires = "transform_destination")]
    pub transform_source: Option<String>,
    /// What --transform-source subjects become.
    #[arg(long, value_name = "SUBJECT", requires = "transform_source")]
    pub transform_destination: Option<String>,
    /// Place the stream in this cluster.
    #[arg(long, value_name = "CLUSTER")]
    pub cluster: Option<String>,
    /// Place the stream on servers with this tag (repeatable).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
}

/// Settings only a new stream can take.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "New streams only")]
pub struct CreateFlags {
    /// Storage: file or memory [default: file].
    #[arg(long, value_enum, value_name = "TYPE")]
    pub storage: Option<Storage>,
    /// Sequence of the first message.
    #[arg(long, alias = "first-sequence", value_name = "SEQ")]
    pub first_seq: Option<u64>,
    /// Mirror this stream (a mirror has no subjects of its own).
    #[arg(long, value_name = "STREAM", conflicts_with = "subjects")]
    pub mirror: Option<String>,
    /// Copy messages from this stream too (repeatable).
    #[arg(long = "source", value_name = "STREAM")]
    pub sources: Vec<String>,
    /// Longest inactive threshold a consumer of this stream may have.
    #[arg(long, value_name = "DURATION", value_parser = parse_age)]
    pub limit_consumer_inactive: Option<Duration>,
    /// Largest max-ack-pending a consumer of this stream may have.
    #[arg(long, value_name = "N", value_parser = parse_limit)]
    pub limit_consumer_max_pending: Option<i64>,
    /// Persistence mode: default or async.
    #[arg(long, value_enum, value_name = "MODE")]
    pub persist_mode: Option<PersistMode>,
}
