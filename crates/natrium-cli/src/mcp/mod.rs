//! `natrium mcp`: the CLI's connections and commands as MCP tools.
//!
//! The protocol, tool catalogue and argument checks are the `natrium-mcp`
//! crate; this module is its [`Backend`]: each tool runs the same code the
//! matching command runs (the raw JetStream API client, the key-value and
//! object store helpers, the backup module), on the connection of the
//! command line or on a named context picked per call. Nothing here prints:
//! on stdio, stdout is the protocol.
//!
//! * [`system`]: servers, round trips, accounts, TLS.
//! * [`streams`]: stream listing, state and message reads.
//! * [`stores`]: key-value and object store tools.
//! * [`messages`]: publish, request, account backup and restore.
//! * [`cid`]: the content store (`cid_*`).

mod cid;
mod messages;
mod stores;
mod streams;
mod system;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::anyhow;
use clap::Args as ClapArgs;
use futures::future::BoxFuture;
use natrium_mcp::{Backend, McpServer, Options};
use serde_json::{Map, Value};

use crate::cli::connection::ConnectionArgs;
use crate::connection::Connection;
use crate::jsapi::JsApi;

/// `natrium mcp`.
#[derive(Debug, ClapArgs)]
pub struct McpArgs {
    /// Serve streamable HTTP on this address (e.g. 127.0.0.1:8765) instead of stdio.
    #[arg(long, value_name = "ADDR")]
    pub http: Option<SocketAddr>,
    /// Offer only the tools that inspect: nothing is changed, published or deleted.
    #[arg(long)]
    pub read_only: bool,
    /// Saved contexts (comma-separated) a call may select with its `context` argument.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub contexts: Vec<String>,
}

/// Serves MCP until the client leaves (stdio) or the process ends (HTTP).
pub async fn run(connection: &Connection, args: McpArgs) -> anyhow::Result<()> {
    let mut named = BTreeMap::new();
    for name in &args.contexts {
        let context = Connection::resolve(&ConnectionArgs {
            context: Some(name.clone()),
            ..ConnectionArgs::default()
        })?;
        named.insert(name.clone(), context);
    }
    let backend = Arc::new(CliBackend {
        default: connection.clone(),
        named,
        apis: tokio::sync::Mutex::new(HashMap::new()),
    });
    let server = McpServer::new(
        backend,
        Options {
            read_only: args.read_only,
        },
    );
    match args.http {
        Some(addr) => natrium_mcp::serve_http(server, addr, |bound| {
            eprintln!("natrium mcp: serving streamable HTTP on http://{bound}/mcp");
        })
        .await
        .map_err(|e| anyhow!("{e}")),
        None => natrium_mcp::serve_stdio(server)
            .await
            .map_err(|e| anyhow!("{e}")),
    }
}

/// The tools' side: connections by context, opened on first use.
pub struct CliBackend {
    default: Connection,
    named: BTreeMap<String, Connection>,
    apis: tokio::sync::Mutex<HashMap<Option<String>, Arc<JsApi>>>,
}

impl CliBackend {
    fn connection(&self, context: Option<&str>) -> anyhow::Result<&Connection> {
        match context {
            None => Ok(&self.default),
            Some(name) => self
                .named
                .get(name)
                .ok_or_else(|| anyhow!("argument `context`: no context named {name:?}")),
        }
    }

    async fn api(&self, context: Option<&str>) -> anyhow::Result<Arc<JsApi>> {
        let key = context.map(str::to_string);
        let mut apis = self.apis.lock().await;
        if let Some(api) = apis.get(&key) {
            return Ok(api.clone());
        }
        let api = Arc::new(JsApi::connect(self.connection(context)?).await?);
        apis.insert(key, api.clone());
        Ok(api)
    }

    async fn dispatch(
        &self,
        tool: &str,
        context: Option<&str>,
        args: Args<'_>,
    ) -> anyhow::Result<Value> {
        let connection = self.connection(context)?;
        let api = self.api(context).await?;
        match tool {
            "server_info" => system::server_info(&api),
            "server_list" => system::server_list(&api, args).await,
            "server_ping" => system::server_ping(&api, args).await,
            "rtt" => system::rtt(&api, args).await,
            "account_info" => system::account_info(&api, connection).await,
            "account_report_connections" => system::connections(&api, args).await,
            "account_report_statistics" => system::statistics(&api, args).await,
            "account_tls" => Ok(system::tls(&api, connection)),
            "stream_list" => streams::list(&api, args).await,
            "stream_info" => streams::info(&api, args).await,
            "stream_state" => streams::state(&api, args).await,
            "stream_report" => streams::report(&api).await,
            "stream_subjects" => streams::subjects(&api, args).await,
            "stream_view" => streams::view(&api, args).await,
            "stream_get" => streams::get(&api, args).await,
            "stream_find" => streams::find(&api, args).await,
            "publish" => messages::publish(&api, args).await,
            "request" => messages::request(&api, args).await,
            "account_backup" => messages::backup(&api, args).await,
            "account_restore" => messages::restore(&api, args).await,
            kv if kv.starts_with("kv_") => stores::kv(connection, tool, args).await,
            object if object.starts_with("object_") => stores::object(connection, tool, args).await,
            content if content.starts_with("cid_") => cid::run(connection, tool, args).await,
            other => Err(anyhow!("tool `{other}` is not implemented")),
        }
    }
}

impl Backend for CliBackend {
    fn call<'a>(
        &'a self,
        tool: &'a str,
        context: Option<&'a str>,
        arguments: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Value, String>> {
        Box::pin(async move {
            self.dispatch(tool, context, Args(arguments))
                .await
                .map_err(|e| format!("{e:#}"))
        })
    }

    fn contexts(&self) -> Vec<String> {
        self.named.keys().cloned().collect()
    }
}

/// A call's arguments (already checked against the tool's schema).
#[derive(Clone, Copy)]
pub struct Args<'a>(&'a Map<String, Value>);

impl<'a> Args<'a> {
    fn str(&self, name: &str) -> Option<&'a str> {
        self.0.get(name).and_then(Value::as_str)
    }

    /// A required string (the schema check guarantees it is there).
    fn need(&self, name: &str) -> anyhow::Result<&'a str> {
        self.str(name)
            .ok_or_else(|| anyhow!("missing required argument `{name}`"))
    }

    fn u64(&self, name: &str) -> Option<u64> {
        self.0.get(name).and_then(Value::as_u64)
    }

    fn bool(&self, name: &str) -> Option<bool> {
        self.0.get(name).and_then(Value::as_bool)
    }

    fn headers(&self) -> Option<&'a Map<String, Value>> {
        self.0.get("headers").and_then(Value::as_object)
    }

    /// `count`, defaulting to 10, capped at 1000.
    fn count(&self) -> usize {
        self.u64("count").unwrap_or(10).clamp(1, 1000) as usize
    }

    fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.u64("timeout_ms").unwrap_or(1000).clamp(1, 60_000))
    }
}

/// An API answer without its `type`.
fn answer(mut value: Value) -> Value {
    if let Value::Object(map) = &mut value {
        map.remove("type");
    }
    value
}

/// Text when the bytes are UTF-8, else base64 under `<key>_base64`.
fn data_json(out: &mut Map<String, Value>, key: &str, bytes: &[u8]) {
    use base64::Engine;
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            out.insert(key.into(), Value::String(text.into()));
        }
        Err(_) => {
            out.insert(
                format!("{key}_base64"),
                Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
            );
        }
    }
}
