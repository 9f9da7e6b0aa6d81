//! `natrium`: the command-line tool for NATS and natrium-server.
//!
//! This file is the thin shell around the `natrium_cli` library: it parses
//! the command line, runs the chosen command on a multi-threaded tokio
//! runtime, and reports any failure as a single `natrium: ...` line on stderr
//! with exit status 1 (clap itself exits with 2 on usage errors). Health
//! checks exit with their Nagios code instead, carried by an
//! [`ExitStatus`] error. Nothing here panics on bad input or a missing server.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use natrium_cli::cli::{Cli, Command};
use natrium_cli::connection::Connection;
use natrium_cli::exit::ExitStatus;
use natrium_cli::{
    account, bench, cid, consumer, contexts, kv, messages, object, rtt, server, stream, trace,
};

fn main() -> ExitCode {
    restore_default_sigpipe();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // Checks have printed their verdict and chose their own status.
        Err(err) => match err.downcast_ref::<ExitStatus>() {
            Some(status) => ExitCode::from(status.0),
            None => {
                eprintln!("natrium: {err:#}");
                ExitCode::FAILURE
            }
        },
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    // Resolved per command: `context` works on files and must not need a
    // valid selected context (it is how a broken one gets fixed).
    let connection = || Connection::resolve(&cli.connection);
    runtime.block_on(async {
        match cli.command {
            Command::Context(command) => contexts::run(&cli.connection, command)?,
            Command::Bench(command) => bench::run(&connection()?, command).await?,
            Command::Pub(args) => messages::publish(&connection()?, args).await?,
            Command::Sub(args) => messages::subscribe(&connection()?, args).await?,
            Command::Request(args) => messages::request(&connection()?, args).await?,
            Command::Reply(args) => messages::reply(&connection()?, args).await?,
            Command::Consumer(command) => consumer::run(&connection()?, command).await?,
            Command::Stream(command) => stream::run(&connection()?, command).await?,
            Command::Account(command) => account::run(&connection()?, command).await?,
            Command::Kv(command) => kv::run(&connection()?, command).await?,
            Command::Object(command) => object::run(&connection()?, command).await?,
            Command::Server(command) => server::run(&connection()?, command).await?,
            Command::Rtt(args) => rtt::run(&connection()?, args).await?,
            Command::Cid(args) => cid::run(&connection()?, args).await?,
            Command::Trace(args) => trace::run(&connection()?, args).await?,
            Command::Mcp(args) => natrium_cli::mcp::run(&connection()?, args).await?,
        }
        Ok(())
    })
}

/// Rust ignores SIGPIPE, so printing into a closed pipe (`natrium stream ls
/// | head -1`) would panic; like every Unix tool, natrium ends quietly there.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; it only
    // resets one signal's disposition to the system default.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
