//! `natrium server ...`: ping the servers, show one server's details, and
//! run health checks for monitoring systems.
//!
//! * [`system`]: requests to the system account (`$SYS.REQ.SERVER...`),
//!   and the advice to give when there is no access to it.
//! * [`ping`]: `server ping`, every server's name and round trip.
//! * [`info`]: `server info`, VARZ through the system account, or the
//!   connected server's INFO block without it.
//! * [`check`]: `server check connection|jetstream|stream|consumer`, Nagios
//!   output and exit codes.
//! * [`mapping`]: `server mapping`, a subject mapping tried locally.

pub mod check;
pub(crate) mod info;
mod mapping;
mod ping;
mod system;

use crate::cli::server::ServerCommand;
use crate::connection::Connection;

pub async fn run(connection: &Connection, command: ServerCommand) -> anyhow::Result<()> {
    match command {
        ServerCommand::Ping(args) => ping::run(connection, args).await,
        ServerCommand::Info(args) => info::run(connection, args).await,
        ServerCommand::Check(args) => check::run(connection, args).await,
        ServerCommand::Mapping(args) => mapping::run(args),
    }
}
