//! `natrium stream ...`: JetStream stream management over the raw API.
//!
//! * [`api`]: requests to `$JS.API` with JSON answers and one-line errors.
//! * [`config`]: stream configurations from defaults and files;
//!   [`from_flags`]: the flags written into them.
//! * [`manage`]: add, edit, copy, info, rm.
//! * [`list`]: ls and report.
//! * [`messages`]: view, get, rmm, purge.
//! * [`show`]: stream info for people; [`time`]: the API's timestamps.

pub mod api;
pub mod config;
mod from_flags;
mod list;
mod manage;
mod messages;
mod show;
pub mod time;

use crate::cli::stream::StreamCommand;
use crate::connection::Connection;

use self::api::Api;

/// Runs one `natrium stream` subcommand.
pub async fn run(connection: &Connection, command: StreamCommand) -> anyhow::Result<()> {
    let api = Api::connect(connection).await?;
    match command {
        StreamCommand::Add(args) => manage::add(&api, *args).await,
        StreamCommand::Edit(args) => manage::edit(&api, *args).await,
        StreamCommand::Copy(args) => manage::copy(&api, *args).await,
        StreamCommand::Info(args) => manage::info(&api, args).await,
        StreamCommand::Rm(args) => manage::remove(&api, args).await,
        StreamCommand::Ls(args) => list::ls(&api, args).await,
        StreamCommand::Report(args) => list::report(&api, args).await,
        StreamCommand::View(args) => messages::view(&api, args).await,
        StreamCommand::Get(args) => messages::get(&api, args).await,
        StreamCommand::Rmm(args) => messages::remove_message(&api, args).await,
        StreamCommand::Purge(args) => messages::purge(&api, args).await,
        StreamCommand::Backup(args) => crate::backup::commands::stream_backup(&api, args).await,
        StreamCommand::Restore(args) => crate::backup::commands::stream_restore(&api, args).await,
    }
}

/// Destructive commands never prompt: without `--force` they stop and say
/// what would have happened.
fn require_force(force: bool, what: &str) -> anyhow::Result<()> {
    if force {
        Ok(())
    } else {
        anyhow::bail!("{what}: add --force to confirm (natrium never prompts)")
    }
}
