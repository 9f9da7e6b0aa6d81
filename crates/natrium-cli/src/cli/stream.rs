//! Command-line definitions for `natrium stream ...`: create, change,
//! inspect, list, read and delete JetStream streams, with the nats CLI's
//! subcommand and flag names.
//!
//! Nothing here ever prompts: where the nats CLI would ask, natrium takes
//! the `--defaults` answer, or (for destructive commands) insists on
//! `--force`. The configuration flags are in [`flags`], their parsers in
//! [`values`].

pub mod flags;
pub mod values;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use self::flags::{ConfigFlags, CreateFlags};
use self::values::{parse_age, parse_sequence};

/// `natrium stream ...` subcommands.
#[derive(Debug, Subcommand)]
pub enum StreamCommand {
    /// Create a stream (the nats CLI's --defaults for anything not given).
    #[command(
        alias = "create",
        after_help = "Examples:\n  \
        natrium stream add ORDERS --subjects 'orders.>' --storage file --max-age 30d\n  \
        natrium stream add EVENTS --subjects events.a,events.b --max-bytes 1GB --discard new\n  \
        natrium stream add ORDERS --config orders.json --replicas 1"
    )]
    Add(Box<AddArgs>),

    /// Change a stream: only the flags given change (or --config replaces the whole configuration).
    #[command(
        alias = "update",
        after_help = "Examples:\n  \
        natrium stream edit ORDERS --max-msgs 1M --description 'all orders'\n  \
        natrium stream edit ORDERS --config orders.json"
    )]
    Edit(Box<EditArgs>),

    /// Show a stream's configuration and state.
    #[command(
        alias = "nfo",
        after_help = "Examples:\n  \
        natrium stream info ORDERS\n  natrium stream info ORDERS --json"
    )]
    Info(InfoArgs),

    /// List the streams.
    #[command(
        alias = "list",
        after_help = "Examples:\n  \
        natrium stream ls\n  natrium stream ls --names --subject 'orders.>'"
    )]
    Ls(LsArgs),

    /// Delete a stream and all its messages (needs --force).
    #[command(
        alias = "delete",
        alias = "del",
        after_help = "Example:\n  \
        natrium stream rm ORDERS --force"
    )]
    Rm(RmArgs),

    /// Remove messages from a stream: all, one subject's, or up to a sequence (needs --force).
    #[command(after_help = "Examples:\n  \
        natrium stream purge ORDERS --force\n  \
        natrium stream purge ORDERS --subject orders.cancelled --keep 10 --force")]
    Purge(PurgeArgs),

    /// Print messages stored in a stream (no consumer is created).
    #[command(after_help = "Examples:\n  \
        natrium stream view ORDERS\n  \
        natrium stream view ORDERS --subject orders.new --since 1h --count 50\n  \
        natrium stream view ORDERS --id 100 --raw")]
    View(ViewArgs),

    /// Print one message: by sequence, or the last one of a subject.
    #[command(after_help = "Examples:\n  \
        natrium stream get ORDERS 12\n  natrium stream get ORDERS --last-for orders.new --json")]
    Get(GetArgs),

    /// Delete one message, overwriting its data (needs --force).
    #[command(after_help = "Example:\n  natrium stream rmm ORDERS 12 --force")]
    Rmm(RmmArgs),

    /// A table of every stream: storage, replicas, consumers, messages, bytes, deleted.
    #[command(after_help = "Examples:\n  natrium stream report\n  natrium stream report --json")]
    Report(ReportArgs),

    /// Create a new stream with another's configuration (not its messages).
    #[command(
        alias = "cp",
        after_help = "Example:\n  \
        natrium stream copy ORDERS ORDERS_ARCHIVE --subjects 'archive.orders.>' --storage file"
    )]
    Copy(Box<CopyArgs>),

    /// Back up a stream (messages, deletes and consumers) into a directory, in the nats CLI's format.
    #[command(after_help = "Examples:\n  \
        natrium stream backup ORDERS backups/ORDERS\n  \
        natrium stream backup ORDERS backups/ORDERS --no-consumers --check")]
    Backup(BackupArgs),

    /// Restore a stream from a directory made by `stream backup` (or `nats stream backup`).
    #[command(after_help = "Example:\n  natrium stream restore backups/ORDERS")]
    Restore(RestoreArgs),
}

/// `natrium stream backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The stream to back up.
    pub stream: String,
    /// Directory to write backup.json and stream.tar.s2 into (created if needed).
    pub dir: PathBuf,
    /// Leave the consumers out.
    #[arg(long)]
    pub no_consumers: bool,
    /// Have the server check every message while it takes the snapshot.
    #[arg(long)]
    pub check: bool,
    /// Print a JSON summary.
    #[arg(long, short = 'j')]
    pub json: bool,
}

/// `natrium stream restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A directory made by `stream backup`.
    pub dir: PathBuf,
    /// Print the restored stream's info as JSON.
    #[arg(long, short = 'j')]
    pub json: bool,
}

/// `natrium stream add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Name of the new stream (may come from --config instead).
    pub name: Option<String>,
    /// Stream configuration as JSON (`stream info --json` output works too); flags override it.
    #[arg(long = "config", value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// Accepted for nats CLI compatibility: natrium never prompts, defaults are always used.
    #[arg(long)]
    pub defaults: bool,
    #[command(flatten)]
    pub stream: NewStreamFlags,
}

/// The flags of a new stream (`add` and `copy`).
#[derive(Debug, Args)]
pub struct NewStreamFlags {
    #[command(flatten)]
    pub config: ConfigFlags,
    #[command(flatten)]
    pub create: CreateFlags,
    /// Print the server's JSON answer.
    #[arg(long, short = 'j', help_heading = "Options")]
    pub json: bool,
}

/// `natrium stream edit`.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// The stream to change.
    pub name: String,
    /// Replace the configuration with this JSON file (flags are then not allowed).
    #[arg(long = "config", value_name = "FILE", conflicts_with_all = ["ConfigFlags", "sealed", "no_republish", "no_transform"])]
    pub config_file: Option<PathBuf>,
    #[command(flatten)]
    pub config: ConfigFlags,
    /// Seal the stream: no more writes, deletes or purges, ever.
    #[arg(long)]
    pub sealed: bool,
    /// Stop republishing.
    #[arg(long, conflicts_with = "republish_source")]
    pub no_republish: bool,
    /// Stop transforming subjects.
    #[arg(long, conflicts_with = "transform_source")]
    pub no_transform: bool,
    /// Accepted for nats CLI compatibility (natrium never prompts).
    #[arg(long, short = 'f')]
    pub force: bool,
    /// Print the server's JSON answer.
    #[arg(long, short = 'j')]
    pub json: bool,
}

/// `natrium stream copy`.
#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The stream whose configuration is copied.
    pub source: String,
    /// The new stream.
    pub destination: String,
    #[command(flatten)]
    pub stream: NewStreamFlags,
}

/// `natrium stream info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The stream.
    pub name: String,
    /// Print the server's JSON answer.
    #[arg(long, short = 'j')]
    pub json: bool,
}

/// `natrium stream ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Only streams storing subjects that match this one.
    #[arg(long, value_name = "SUBJECT")]
    pub subject: Option<String>,
    /// Print only the names, one per line.
    #[arg(long, short = 'n')]
    pub names: bool,
    /// Include the streams behind key-value and object stores (KV_*, OBJ_*).
    #[arg(long, short = 'a')]
    pub all: bool,
    /// Print the names as a JSON list.
    #[arg(long, short = 'j')]
    pub json: bool,
}

/// `natrium stream report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Only streams storing subjects that match this one.
    #[arg(long, value_name = "SUBJECT")]
    pub subject: Option<String>,
    /// Print the server's stream infos as one JSON list.
    #[arg(long, short = 'j')]
    pub json: bool,
}

/// `natrium stream rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// The stream to delete.
    pub name: String,
    /// Really delete it (required: natrium never asks).
    #[arg(long, short = 'f')]
    pub force: bool,
}

/// `natrium stream purge`.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// The stream to purge.
    pub name: String,
    /// Only messages on this subject (wildcards allowed).
    #[arg(long, value_name = "SUBJECT")]
    pub subject: Option<String>,
    /// Only messages before this sequence.
    #[arg(long, value_name = "SEQ", value_parser = parse_sequence, conflicts_with = "keep")]
    pub seq: Option<u64>,
    /// Keep this many of the newest messages.
    #[arg(long, value_name = "N")]
    pub keep: Option<u64>,
    /// Really purge (required: natrium never asks).
    #[arg(long, short = 'f')]
    pub force: bool,
    /// Print the server's JSON answer.
    #[arg(long, short = 'j')]
    pub json: bool,
}

/// `natrium stream view`.
#[derive(Debug, Args)]
pub struct ViewArgs {
    /// The stream to read.
    pub name: String,
    /// Same as --count (where the nats CLI takes its page size).
    #[arg(value_name = "COUNT", conflicts_with = "count")]
    pub size: Option<u64>,
    /// Start at this sequence.
    #[arg(long, value_name = "SEQ", value_parser = parse_sequence, conflicts_with = "since")]
    pub id: Option<u64>,
    /// Start with messages stored this long ago (e.g. 30m, 1d).
    #[arg(long, value_name = "DURATION", value_parser = parse_age)]
    pub since: Option<Duration>,
    /// Only messages on this subject (wildcards allowed).
    #[arg(long, value_name = "SUBJECT")]
    pub subject: Option<String>,
    /// Print at most this many messages (0: all).
    #[arg(long, alias = "page-size", value_name = "N", default_value_t = 10)]
    pub count: u64,
    /// Print only the bodies, one per line.
    #[arg(long)]
    pub raw: bool,
}

/// `natrium stream get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The stream.
    pub name: String,
    /// Sequence of the message.
    #[arg(value_parser = parse_sequence, required_unless_present = "last_for", conflicts_with = "last_for")]
    pub seq: Option<u64>,
    /// The newest message on this subject instead.
    #[arg(long, short = 'S', value_name = "SUBJECT")]
    pub last_for: Option<String>,
    /// Print the server's JSON answer (headers and body base64-encoded).
    #[arg(long, short = 'j')]
    pub json: bool,
}

/// `natrium stream rmm`.
#[derive(Debug, Args)]
pub struct RmmArgs {
    /// The stream.
    pub name: String,
    /// Sequence of the message to delete.
    #[arg(value_parser = parse_sequence)]
    pub seq: u64,
    /// Only mark it deleted, without overwriting its data (faster).
    #[arg(long)]
    pub no_erase: bool,
    /// Really delete (required: natrium never asks).
    #[arg(long, short = 'f')]
    pub force: bool,
}
