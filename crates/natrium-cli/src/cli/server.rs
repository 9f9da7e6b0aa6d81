//! Command-line definitions of `natrium server ...`: `ping` and `info`
//! here, the health checks in [`check`].
//!
//! `ping` and `info` talk to the system account (`$SYS.REQ.SERVER...`), as
//! the nats CLI's do, so they need system-account credentials; `info` falls
//! back to the connected server's INFO block without them.

pub mod check;

use clap::{Args, Subcommand};

/// `natrium server ...` subcommands.
#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Ping every server through the system account and list who answers, with round-trip times.
    ///
    /// Needs a system-account user (e.g. --creds sys.creds, or --user/--password
    /// of a user in the system account, or a context for it).
    #[command(after_help = "Examples:\n  \
        natrium server ping --user sys --password sys\n  \
        natrium server ping --expect 3 --id --context system")]
    Ping(PingArgs),

    /// Show a server's details: version, limits, JetStream, statistics.
    ///
    /// With system-account access this is the server's VARZ (by id or name,
    /// or whichever server answers first); without it, the connected
    /// server's INFO block.
    #[command(
        visible_alias = "i",
        after_help = "Examples:\n  \
        natrium server info\n  \
        natrium server info nats-1 --context system --json"
    )]
    Info(InfoArgs),

    /// Health checks for monitoring, with Nagios exit codes (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
    Check(check::CheckArgs),

    /// Test a subject mapping locally: what SUBJECT (or each line of stdin) becomes.
    ///
    /// Uses the server's mapping functions ({{wildcard(n)}} or $n,
    /// {{partition(n,w...)}}, {{split(w,delim)}}, {{splitFromLeft/Right(w,n)}},
    /// {{sliceFromLeft/Right(w,n)}}, {{random(n)}}); no server is contacted.
    #[command(after_help = "Examples:\n  \
        natrium server mapping 'orders.*.*' 'shop.{{wildcard(2)}}.$1' orders.eu.new\n  \
        echo orders.us.paid | natrium server mapping 'orders.*.*' 'p.{{partition(3,1)}}'")]
    Mapping(MappingArgs),
}

/// `natrium server mapping SOURCE DESTINATION [SUBJECT]`.
#[derive(Debug, Args)]
pub struct MappingArgs {
    /// The mapping's source subject (may contain wildcards).
    pub source: String,
    /// The destination, with mapping functions.
    pub destination: String,
    /// A subject to map; without it, subjects are read from stdin, one per line.
    pub subject: Option<String>,
}

/// `natrium server ping [EXPECT]`.
#[derive(Debug, Args)]
pub struct PingArgs {
    /// How many servers should answer (default: as many as the first answer reports).
    #[arg(value_name = "EXPECT")]
    pub positional_expect: Option<u32>,
    /// Same as EXPECT.
    #[arg(long, value_name = "N", conflicts_with = "positional_expect")]
    pub expect: Option<u32>,
    /// Ping this many times, one round after another.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub count: u32,
    /// Show each server's id as well as its name.
    #[arg(long)]
    pub id: bool,
    /// Print the replies as JSON (one document; rtt in nanoseconds).
    #[arg(long, short = 'j')]
    pub json: bool,
}

impl PingArgs {
    pub fn expected(&self) -> Option<u32> {
        self.expect.or(self.positional_expect).filter(|n| *n > 0)
    }
}

/// `natrium server info [SERVER]`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Server id (56 upper-case characters) or name to inspect.
    #[arg(value_name = "SERVER")]
    pub target: Option<String>,
    /// Print the server's JSON (VARZ, or the INFO block without system access).
    #[arg(long, short = 'j')]
    pub json: bool,
}
