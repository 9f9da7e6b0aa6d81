//! The MCP server: `tools/list` from the catalogue (inspection tools only
//! with `--read-only`), `tools/call` checked against the tool's schema and
//! handed to the [`Backend`], results as structured JSON.
//!
//! Every failure a caller can cause (an unknown or read-only-hidden tool,
//! a missing or mistyped argument, an unknown context, an error from NATS)
//! comes back as a tool result with `isError` and a message naming what was
//! wrong, never as a crash of the server: the MCP client shows the model
//! the message and the session goes on.

use std::net::SocketAddr;
use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, ServerHandler, ServiceExt};
use serde_json::{json, Map, Value};

use crate::catalogue::{self, Effect, ToolSpec};
use crate::Backend;

/// How the server runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// List and run only the tools that inspect.
    pub read_only: bool,
}

/// The MCP server over a backend.
pub struct McpServer<B: Backend> {
    backend: Arc<B>,
    options: Options,
}

impl<B: Backend> Clone for McpServer<B> {
    fn clone(&self) -> Self {
        McpServer {
            backend: self.backend.clone(),
            options: self.options.clone(),
        }
    }
}

impl<B: Backend> McpServer<B> {
    pub fn new(backend: Arc<B>, options: Options) -> Self {
        McpServer { backend, options }
    }

    /// The tools this server offers.
    pub fn tools(&self) -> impl Iterator<Item = &'static ToolSpec> + '_ {
        catalogue::TOOLS
            .iter()
            .filter(|t| !self.options.read_only || t.effect == Effect::Read)
    }

    /// Runs one call: the result, or an error result naming what was wrong.
    pub async fn run(&self, name: &str, arguments: &Map<String, Value>) -> CallToolResult {
        let failure =
            |message: String| CallToolResult::structured_error(json!({ "error": message }));
        let Some(spec) = catalogue::find(name) else {
            return failure(format!("unknown tool `{name}`"));
        };
        if self.options.read_only && spec.effect != Effect::Read {
            return failure(format!(
                "tool `{name}` changes data and this server runs with --read-only"
            ));
        }
        if let Err(message) = spec.check(arguments) {
            return failure(message);
        }
        let context = arguments
            .get("context")
            .or_else(|| arguments.get("account_name"))
            .and_then(Value::as_str);
        if let Some(context) = context {
            if !self.backend.contexts().iter().any(|c| c == context) {
                return failure(format!(
                    "argument `context`: no context named {context:?} (known: {})",
                    self.backend.contexts().join(", ")
                ));
            }
        }
        match self.backend.call(name, context, arguments).await {
            // Structured content is an object: lists are wrapped.
            Ok(Value::Object(result)) => CallToolResult::structured(Value::Object(result)),
            Ok(other) => CallToolResult::structured(json!({ "result": other })),
            Err(message) => failure(message),
        }
    }
}

fn tool(spec: &ToolSpec) -> Tool {
    let annotations = ToolAnnotations::new()
        .read_only(spec.effect == Effect::Read)
        .destructive(spec.effect == Effect::Destroy);
    let mut tool = Tool::new(spec.name, spec.description, Arc::new(spec.schema()));
    tool.annotations = Some(annotations);
    tool
}

impl<B: Backend> ServerHandler for McpServer<B> {
    fn get_info(&self) -> ServerConfig {
        let mut config = ServerConfig::new(ServerCapabilities::builder().enable_tools().build());
        config.server_info = Implementation::new("natrium", env!("CARGO_PKG_VERSION"));
        config.instructions = Some(
            "NATS operations (servers, accounts, streams, key-value, object store, messages, \
             backups) on the connections this server was started with; pick one with `context`."
                .into(),
        );
        config
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(
            self.tools().map(tool).collect(),
        ))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let arguments = request.arguments.unwrap_or_default();
        Ok(self.run(&request.name, &arguments).await.into())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("MCP session failed: {0}")]
    Session(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Serves one MCP session on stdin/stdout until the client goes away.
pub async fn serve_stdio<B: Backend>(server: McpServer<B>) -> Result<(), ServeError> {
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| ServeError::Session(e.to_string()))?;
    running
        .waiting()
        .await
        .map_err(|e| ServeError::Session(e.to_string()))?;
    Ok(())
}

/// Serves streamable HTTP on `addr` (the endpoint is `/mcp`, any path is
/// accepted) until the process ends. `ready` gets the bound address.
pub async fn serve_http<B: Backend>(
    server: McpServer<B>,
    addr: SocketAddr,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Listen { addr, source })?;
    let bound = listener.local_addr().unwrap_or(addr);
    let mut config = StreamableHttpServerConfig::default();
    config.allowed_hosts.push(bound.ip().to_string());
    config.allowed_hosts.push(bound.to_string());
    config
        .allowed_hosts
        .push(format!("localhost:{}", bound.port()));
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    ready(bound);
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(err) => {
                tracing::warn!("MCP HTTP accept failed: {err}");
                continue;
            }
        };
        let service = hyper_util::service::TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            if let Err(err) = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await
            {
                tracing::debug!("MCP HTTP connection ended: {err}");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_has_a_schema_naming_its_required_arguments() {
        for spec in catalogue::TOOLS {
            let schema = spec.schema();
            let required = schema["required"].as_array().unwrap();
            for arg in spec.args.iter().filter(|a| a.required) {
                assert!(required.contains(&json!(arg.name)), "{}", spec.name);
            }
        }
        let spec = catalogue::find("stream_info").unwrap();
        let err = spec.check(&Map::new()).unwrap_err();
        assert!(err.contains("`stream`"), "{err}");
        let mut wrong = Map::new();
        wrong.insert("stream".into(), json!(5));
        assert!(spec
            .check(&wrong)
            .unwrap_err()
            .contains("`stream` must be a string"));
    }
}
