//! natrium-mcp: NATS as tools for AI agents, over the Model Context
//! Protocol (the official `rmcp` SDK), served on stdio or streamable HTTP.
//!
//! This crate is the protocol side: the tool catalogue with its argument
//! schemas and annotations ([`catalogue`]), argument checking, read-only
//! filtering and the transports ([`server`]). What a tool does is asked of a
//! [`Backend`]; the `natrium` CLI implements it with the same code its own
//! commands run (JetStream API client, key-value, object store, backups), so
//! `natrium mcp` and `natrium stream info` cannot disagree.

pub mod catalogue;
pub mod server;

use futures::future::BoxFuture;
use serde_json::{Map, Value};

pub use server::{serve_http, serve_stdio, McpServer, Options};

/// Runs the tools against NATS.
pub trait Backend: Send + Sync + 'static {
    /// Runs `tool` (arguments already checked against its schema) on the
    /// connection named `context` (the default one when `None`); the JSON
    /// result, or a one-line error for the caller.
    fn call<'a>(
        &'a self,
        tool: &'a str,
        context: Option<&'a str>,
        arguments: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Value, String>>;

    /// The names a `context` argument may take.
    fn contexts(&self) -> Vec<String>;
}
