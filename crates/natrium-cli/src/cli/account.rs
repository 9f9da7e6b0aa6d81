//! Command-line definitions for `natrium account ...`.

use clap::{Args, Subcommand};

/// `natrium account ...` subcommands.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Show the connection (server, user, account) and the JetStream usage and limits.
    #[command(
        alias = "nfo",
        after_help = "Examples:\n  \
        natrium account info\n  natrium account info --json"
    )]
    Info(AccountInfoArgs),
}

/// `natrium account info`.
#[derive(Debug, Args)]
pub struct AccountInfoArgs {
    /// Print one JSON document: the connection and the server's JetStream account answer.
    #[arg(long, short = 'j')]
    pub json: bool,
}
