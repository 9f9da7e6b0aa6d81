//! Command-line definitions for `natrium context ...`: contexts are saved
//! connection settings in the nats CLI's files, so the two tools share them.

use clap::{Args, Subcommand};

/// `natrium context ...` subcommands.
#[derive(Debug, Subcommand)]
pub enum ContextCommand {
    /// Save a context from the connection flags given (--server, --creds, ...).
    #[command(
        visible_alias = "save",
        after_help = "Examples:\n  \
        natrium context add local --server nats://127.0.0.1:4222 --description 'My laptop' --select\n  \
        natrium context add prod --server nats://a:4222,nats://b:4222 --creds ~/prod.creds"
    )]
    Add(ContextAddArgs),

    /// List the saved contexts; the selected one is marked with '*'.
    #[command(
        visible_alias = "list",
        after_help = "Examples:\n  natrium context ls\n  natrium context ls --json"
    )]
    Ls {
        /// Print a JSON array of names instead of a table.
        #[arg(long)]
        json: bool,
    },

    /// Make a context the default for every command.
    #[command(after_help = "Example:\n  natrium context select prod")]
    Select {
        /// Context to select.
        name: String,
    },

    /// Show a context's settings (the selected one when no name is given).
    #[command(
        visible_alias = "info",
        after_help = "Examples:\n  natrium context show\n  natrium context show prod --json"
    )]
    Show {
        /// Context to show.
        name: Option<String>,
        /// Print the context file's JSON.
        #[arg(long)]
        json: bool,
    },

    /// Delete a context (not the selected one).
    #[command(
        visible_alias = "rm",
        after_help = "Example:\n  natrium context rm old-lab"
    )]
    Delete {
        /// Context to delete.
        name: String,
    },
}

/// `natrium context add NAME`.
#[derive(Debug, Args)]
pub struct ContextAddArgs {
    /// Name of the context (file NAME.json).
    pub name: String,
    /// Free text shown by `context ls`.
    #[arg(long)]
    pub description: Option<String>,
    /// Also select it as the default context.
    #[arg(long)]
    pub select: bool,
}
