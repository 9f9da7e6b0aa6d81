//! natrium-cli: the library behind the `natrium` command.
//!
//! The binary (`main.rs`) only parses arguments, starts the runtime and turns
//! errors into one line on stderr; everything it runs lives here so it can be
//! unit-tested and reused. Today that is `natrium bench`, the load generator
//! used to compare natrium-server with nats-server (see
//! `scripts/bench-compare`).
//!
//! * [`cli`]: the command-line grammar (clap derive) and value parsers.
//! * [`bench`]: the benchmark workloads and their reports.
//! * [`connection`]: flags and contexts resolved into a connected client;
//!   every command connects through it.
//! * [`context`]: the nats CLI's context files; [`contexts`] the
//!   `natrium context` commands over them.
//! * [`messages`]: pub, sub, request and reply.
//! * [`output`]: tables, JSON, human sizes and durations, colour rules;
//!   every command prints through it.
//! * [`rtt`]: round trips to each server (`natrium rtt`), and the loopback
//!   probe other commands use to wait for the server.
//! * [`server`]: `natrium server ping|info|check`.
//! * [`server_errors`]: server `-ERR`s (permission violations) caught and
//!   turned into one-line failures.
//! * [`exit`]: the exit status a health check chooses.

pub mod bench;
pub mod cli;
pub mod connection;
pub mod context;
pub mod contexts;
pub mod exit;
pub mod messages;
pub mod output;
pub mod rtt;
pub mod server;
pub mod server_errors;
