//! Command-line definitions for `natrium consumer ...`: creating, changing,
//! inspecting, reading from and removing JetStream consumers, with the nats
//! CLI's command and flag names.
//!
//! Nothing here prompts: every setting is a flag (see [`settings`]), and
//! destructive commands want `--force`. Flag values are parsed by
//! [`values`], so bad input is a usage error before anything connects.

pub mod settings;
pub mod values;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use self::settings::ConsumerSettings;
use self::values::{parse_duration, parse_moment, Moment};

/// `natrium consumer ...` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConsumerCommand {
    /// Create a consumer on a stream (pull unless --target is given).
    ///
    /// Settings come from --config FILE (a consumer configuration, or the
    /// output of `consumer info --json`), then from the flags, which win.
    /// Unset ones get the server's defaults; the ack policy defaults to
    /// explicit. Fails if a consumer of that name exists with other settings.
    #[command(
        visible_alias = "create",
        after_help = "Examples:\n  \
        natrium consumer add ORDERS PROCESSOR --filter 'orders.new' --max-deliver 5 --wait 30s\n  \
        natrium consumer add ORDERS MONITOR --target monitor.orders --deliver new --ack none\n  \
        natrium consumer add ORDERS --ephemeral --inactive-threshold 5m\n  \
        natrium consumer add ORDERS PROCESSOR --config processor.json --description 'v2'"
    )]
    Add(Box<AddArgs>),

    /// Change settings of an existing consumer (only the flags given change).
    ///
    /// The server decides what may change; settings it will not change
    /// (e.g. --deliver, --ack) come back as its error.
    #[command(
        visible_alias = "update",
        after_help = "Examples:\n  \
        natrium consumer edit ORDERS PROCESSOR --description 'nightly batch' --max-deliver 10\n  \
        natrium consumer edit ORDERS PROCESSOR --config processor.json"
    )]
    Edit(Box<EditArgs>),

    /// Show a consumer's configuration and state.
    #[command(after_help = "Examples:\n  \
        natrium consumer info ORDERS PROCESSOR\n  \
        natrium consumer info ORDERS PROCESSOR --json")]
    Info(ConsumerJsonArgs),

    /// List the consumers of a stream.
    #[command(
        visible_alias = "list",
        after_help = "Examples:\n  \
        natrium consumer ls ORDERS\n  \
        natrium consumer ls ORDERS --names\n  \
        natrium consumer ls ORDERS --json"
    )]
    Ls(LsArgs),

    /// Delete a consumer (needs --force: natrium never prompts).
    #[command(
        visible_alias = "delete",
        after_help = "Example:\n  natrium consumer rm ORDERS PROCESSOR --force"
    )]
    Rm {
        #[command(flatten)]
        target: ConsumerTarget,
        /// Really delete it (required, since natrium never asks).
        #[arg(short, long)]
        force: bool,
    },

    /// Pull messages from a pull consumer, print them and acknowledge them.
    ///
    /// Exits 1 when no message arrived within --wait.
    #[command(after_help = "Examples:\n  \
        natrium consumer next ORDERS PROCESSOR\n  \
        natrium consumer next ORDERS PROCESSOR --count 10 --wait 2s --raw\n  \
        natrium consumer next ORDERS PROCESSOR --no-ack")]
    Next(NextArgs),

    /// Pause a consumer's deliveries until a time or for a duration.
    #[command(after_help = "Examples:\n  \
        natrium consumer pause ORDERS PROCESSOR 1h\n  \
        natrium consumer pause ORDERS PROCESSOR 2030-01-02T15:04:05Z")]
    Pause {
        #[command(flatten)]
        target: ConsumerTarget,
        /// A duration from now (30m, 1h30m) or a time (RFC 3339, or 'YYYY-MM-DD HH:MM:SS' in UTC).
        #[arg(value_parser = parse_moment)]
        until: Moment,
        /// Print the server's JSON reply.
        #[arg(long)]
        json: bool,
    },

    /// Resume a paused consumer now.
    #[command(after_help = "Example:\n  natrium consumer resume ORDERS PROCESSOR")]
    Resume(ConsumerJsonArgs),

    /// Table of every consumer of a stream with its delivery and ack state.
    #[command(after_help = "Examples:\n  \
        natrium consumer report ORDERS\n  \
        natrium consumer report ORDERS --json")]
    Report(StreamJsonArgs),

    /// Release the pinned client of a priority group (pinned_client consumers).
    #[command(after_help = "Example:\n  natrium consumer unpin ORDERS PROCESSOR jobs")]
    Unpin {
        #[command(flatten)]
        target: ConsumerTarget,
        /// The priority group to unpin.
        group: String,
    },
}

/// A stream and one of its consumers.
#[derive(Debug, Clone, Args)]
pub struct ConsumerTarget {
    /// Stream name.
    pub stream: String,
    /// Consumer name.
    pub consumer: String,
}

/// A consumer, with `--json`.
#[derive(Debug, Args)]
pub struct ConsumerJsonArgs {
    #[command(flatten)]
    pub target: ConsumerTarget,
    /// Print the server's JSON instead of the human view.
    #[arg(long)]
    pub json: bool,
}

/// A stream, with `--json`.
#[derive(Debug, Args)]
pub struct StreamJsonArgs {
    /// Stream name.
    pub stream: String,
    /// Print the server's JSON (an array of consumer infos).
    #[arg(long)]
    pub json: bool,
}

/// `natrium consumer add STREAM [NAME]`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Stream to add the consumer to.
    pub stream: String,
    /// Consumer name (durable unless --ephemeral; may come from --config).
    pub name: Option<String>,
    /// Create an ephemeral consumer (removed when idle; NAME optional).
    #[arg(long)]
    pub ephemeral: bool,
    #[command(flatten)]
    pub source: ConfigSource,
}

/// `natrium consumer edit STREAM NAME`.
#[derive(Debug, Args)]
pub struct EditArgs {
    #[command(flatten)]
    pub target: ConsumerTarget,
    #[command(flatten)]
    pub source: ConfigSource,
}

/// Where add and edit take the configuration from, and how they print it.
#[derive(Debug, Args)]
pub struct ConfigSource {
    /// JSON file with a consumer configuration, or `consumer info --json`
    /// output (flags override it; for edit it replaces the settings).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print the server's JSON reply instead of the human view.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub settings: ConsumerSettings,
}

/// `natrium consumer ls STREAM`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Stream whose consumers to list.
    pub stream: String,
    /// Print only the names, one per line (a JSON array with --json).
    #[arg(short, long)]
    pub names: bool,
    /// Print the server's JSON (consumer infos, or names with --names).
    #[arg(long)]
    pub json: bool,
}

/// `natrium consumer next STREAM NAME`.
#[derive(Debug, Args)]
pub struct NextArgs {
    #[command(flatten)]
    pub target: ConsumerTarget,
    /// How many messages to pull at most.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub count: u64,
    /// Leave the messages unacknowledged (they are redelivered after ack_wait).
    #[arg(long)]
    pub no_ack: bool,
    /// Print only the bodies, one per line.
    #[arg(short, long)]
    pub raw: bool,
    /// How long to wait for messages [default: --timeout, else 5s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub wait: Option<Duration>,
    /// Priority group to pull for [default: the consumer's first group, if any].
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
}
