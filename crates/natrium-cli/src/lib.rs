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
//! * [`consumer`]: the `natrium consumer` commands (JetStream consumers).
//! * [`jsapi`]: the raw JetStream API client the stream and consumer
//!   commands share (JSON in and out, errors as one line).
//! * [`stream`]: `natrium stream ...` over the raw JetStream API;
//!   [`account`]: `natrium account info`.
//! * [`output`]: tables, JSON, human sizes and durations, colour rules;
//!   every command prints through it.
//! * [`kv`] and [`object`]: the key-value and object store commands;
//!   [`bucket`] what they share (opening buckets, JetStream errors).
//! * [`rtt`]: round trips to each server (`natrium rtt`), and the loopback
//!   probe other commands use to wait for the server.
//! * [`server`]: `natrium server ping|info|check`.
//! * [`server_errors`]: server `-ERR`s (permission violations) caught and
//!   turned into one-line failures.
//! * [`trace`]: `natrium trace`, a message's route as the servers report it.
//! * [`exit`]: the exit status a health check chooses.
//! * [`backup`]: stream and account backups and restores (nats CLI format).
//! * [`mcp`]: `natrium mcp`, the tools behind the `natrium-mcp` server.

pub mod account;
pub mod backup;
pub mod bench;
pub mod bucket;
pub mod cid;
pub mod cli;
pub mod connection;
pub mod consumer;
pub mod context;
pub mod contexts;
pub mod exit;
pub mod jsapi;
pub mod kv;
pub mod mcp;
pub mod messages;
pub mod object;
pub mod output;
pub mod rtt;
pub mod server;
pub mod server_errors;
pub mod stream;
pub mod trace;
