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

    /// Back up every stream of the account, each into DIR/<stream>.
    #[command(after_help = "Example:\n  natrium account backup backups/")]
    Backup(AccountBackupArgs),

    /// Restore every stream backup found in DIR's subdirectories.
    #[command(after_help = "Example:\n  natrium account restore backups/")]
    Restore(AccountRestoreArgs),
}

/// `natrium account backup`.
#[derive(Debug, Args)]
pub struct AccountBackupArgs {
    /// Directory to write one backup directory per stream into.
    pub dir: std::path::PathBuf,
    /// Leave the consumers out.
    #[arg(long)]
    pub no_consumers: bool,
    /// Print a JSON summary.
    #[arg(long, short = 'j')]
    pub json: bool,
}

/// `natrium account restore`.
#[derive(Debug, Args)]
pub struct AccountRestoreArgs {
    /// Directory holding one backup directory per stream.
    pub dir: std::path::PathBuf,
    /// Print the restored streams' infos as JSON.
    #[arg(long, short = 'j')]
    pub json: bool,
}

/// `natrium account info`.
#[derive(Debug, Args)]
pub struct AccountInfoArgs {
    /// Print one JSON document: the connection and the server's JetStream account answer.
    #[arg(long, short = 'j')]
    pub json: bool,
}
