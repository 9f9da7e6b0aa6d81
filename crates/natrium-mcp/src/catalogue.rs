//! The tools: names, descriptions, argument schemas and annotations.
//!
//! One table says everything a client sees before calling: what each tool
//! takes (a JSON Schema built from a short property list, every tool also
//! taking `context` to pick a named connection), whether it only inspects
//! (the only tools `--read-only` lists) and whether it destroys data. The
//! server validates arguments against the same table, so the schema a
//! client reads is the one it is held to.

use serde_json::{json, Map, Value};

/// What a tool does to the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Only reads.
    Read,
    /// Writes, but removes nothing.
    Write,
    /// Removes or overwrites data.
    Destroy,
}

/// An argument's JSON type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Integer,
    Boolean,
    /// An object of string values (message headers).
    Headers,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Integer => "integer",
            Kind::Boolean => "boolean",
            Kind::Headers => "object",
        }
    }
}

/// One argument.
#[derive(Debug, Clone, Copy)]
pub struct Arg {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub description: &'static str,
}

const fn req(name: &'static str, kind: Kind, description: &'static str) -> Arg {
    Arg {
        name,
        kind,
        required: true,
        description,
    }
}

const fn opt(name: &'static str, kind: Kind, description: &'static str) -> Arg {
    Arg {
        name,
        kind,
        required: false,
        description,
    }
}

/// One tool.
#[derive(Debug, Clone, Copy)]
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub effect: Effect,
    pub args: &'static [Arg],
}

/// The argument every tool takes.
pub const CONTEXT: Arg = opt(
    "context",
    Kind::String,
    "Named connection context to use (one of those the server was started with); the default connection when absent",
);
/// Accepted as another name for `context`.
pub const ACCOUNT_NAME: Arg = opt(
    "account_name",
    Kind::String,
    "Same as `context`: the named connection (one per account) to use",
);

use Effect::{Destroy, Read, Write};
use Kind::{Boolean as B, Headers as H, Integer as I, String as S};

const STREAM: Arg = req("stream", S, "Stream name");
const BUCKET: Arg = req("bucket", S, "Bucket name");
const KEY: Arg = req("key", S, "Key");
const OBJECT: Arg = req("name", S, "Object name");
const DIR: Arg = req("dir", S, "Directory on the machine running the MCP server");
const COUNT: Arg = opt("count", I, "How many at most (default 10, at most 1000)");
const DOMAIN: Arg = req(
    "domain",
    S,
    "Content store domain (its {domain}.objects.* service)",
);
const CID_PATH: Arg = req("path", S, "A CID, or CID/child/... through named links");
const CID: Arg = req("cid", S, "A CID (bafy..., or Qm... for CIDv0)");
const TIMEOUT: Arg = opt(
    "timeout_ms",
    I,
    "How long to wait at most, in milliseconds (default 1000)",
);

pub const TOOLS: &[ToolSpec] = &[
    ToolSpec { name: "server_info", description: "The connected server's INFO: id, name, version, limits, JetStream, TLS", effect: Read, args: &[] },
    ToolSpec { name: "server_list", description: "Every server reachable through the system account ($SYS.REQ.SERVER.PING), with its statistics", effect: Read, args: &[TIMEOUT] },
    ToolSpec { name: "server_ping", description: "Ping every server through the system account: who answered and how fast", effect: Read, args: &[TIMEOUT] },
    ToolSpec { name: "rtt", description: "Round trip time to the connected server", effect: Read, args: &[opt("iterations", I, "Round trips to average (default 5)")] },
    ToolSpec { name: "account_info", description: "The account's JetStream usage and limits ($JS.API.INFO) and the connection", effect: Read, args: &[] },
    ToolSpec { name: "account_report_connections", description: "Connections of the account (system account CONNZ), sorted", effect: Read, args: &[opt("sort", S, "subs, bytes or msgs (default subs)"), COUNT, TIMEOUT] },
    ToolSpec { name: "account_report_statistics", description: "Per-server statistics of the account (system account STATZ)", effect: Read, args: &[TIMEOUT] },
    ToolSpec { name: "account_tls", description: "TLS settings of the connection and the server", effect: Read, args: &[] },
    ToolSpec { name: "stream_list", description: "Every stream with its configuration and state", effect: Read, args: &[opt("subject", S, "Only streams listening on subjects overlapping this filter")] },
    ToolSpec { name: "stream_info", description: "A stream's configuration and state", effect: Read, args: &[STREAM] },
    ToolSpec { name: "stream_state", description: "A stream's state only: messages, bytes, sequences, deleted", effect: Read, args: &[STREAM] },
    ToolSpec { name: "stream_report", description: "One row per stream: storage, consumers, messages, bytes, deleted", effect: Read, args: &[] },
    ToolSpec { name: "stream_subjects", description: "The subjects in a stream with their message counts", effect: Read, args: &[STREAM, opt("filter", S, "Subject filter (default >)")] },
    ToolSpec { name: "stream_view", description: "A page of a stream's messages from a sequence", effect: Read, args: &[STREAM, opt("start_seq", I, "First sequence (default the stream's first)"), COUNT, opt("subject", S, "Only messages on subjects matching this filter")] },
    ToolSpec { name: "stream_get", description: "One message: by sequence, or the last one of a subject", effect: Read, args: &[STREAM, opt("seq", I, "Sequence"), opt("last_for", S, "Subject whose last message to get")] },
    ToolSpec { name: "stream_find", description: "Messages whose subject matches a filter (and, optionally, whose payload contains a text)", effect: Read, args: &[STREAM, req("subject", S, "Subject filter"), opt("contains", S, "Text the payload must contain"), COUNT] },
    ToolSpec { name: "kv_ls", description: "The key-value buckets, or the keys of one bucket", effect: Read, args: &[opt("bucket", S, "Bucket whose keys to list")] },
    ToolSpec { name: "kv_info", description: "A bucket's configuration and state", effect: Read, args: &[BUCKET] },
    ToolSpec { name: "kv_get", description: "A key's current value and revision", effect: Read, args: &[BUCKET, KEY, opt("revision", I, "A past revision instead of the current one")] },
    ToolSpec { name: "kv_put", description: "Set a key's value", effect: Write, args: &[BUCKET, KEY, req("value", S, "Value (text)")] },
    ToolSpec { name: "kv_create", description: "Set a key only if it has no value", effect: Write, args: &[BUCKET, KEY, req("value", S, "Value (text)")] },
    ToolSpec { name: "kv_update", description: "Set a key only if its revision is still the one given", effect: Write, args: &[BUCKET, KEY, req("value", S, "Value (text)"), req("revision", I, "Expected current revision")] },
    ToolSpec { name: "kv_del", description: "Delete a key (its history stays)", effect: Destroy, args: &[BUCKET, KEY] },
    ToolSpec { name: "kv_purge", description: "Delete a key and its history", effect: Destroy, args: &[BUCKET, KEY] },
    ToolSpec { name: "kv_history", description: "Every kept revision of a key", effect: Read, args: &[BUCKET, KEY] },
    ToolSpec { name: "kv_watch", description: "Changes to keys for a while: bounded by count and time", effect: Read, args: &[BUCKET, opt("key", S, "Key or wildcard (default all)"), COUNT, TIMEOUT] },
    ToolSpec { name: "kv_add", description: "Create a key-value bucket", effect: Write, args: &[BUCKET, opt("history", I, "Revisions kept per key (default 1)"), opt("storage", S, "file or memory (default file)")] },
    ToolSpec { name: "kv_compact", description: "Remove the delete and purge markers of a bucket", effect: Destroy, args: &[BUCKET] },
    ToolSpec { name: "object_ls", description: "The object store buckets, or the objects of one bucket", effect: Read, args: &[opt("bucket", S, "Bucket whose objects to list")] },
    ToolSpec { name: "object_info", description: "An object's metadata (size, chunks, digest), or a bucket's state without `name`", effect: Read, args: &[BUCKET, opt("name", S, "Object name")] },
    ToolSpec { name: "object_get", description: "An object's content as text or base64, up to a size cap", effect: Read, args: &[BUCKET, OBJECT, opt("encoding", S, "text or base64 (default text)"), opt("max_bytes", I, "Refuse larger objects (default 1 MiB)")] },
    ToolSpec { name: "object_put", description: "Store an object from text or base64 data", effect: Write, args: &[BUCKET, OBJECT, req("data", S, "Content"), opt("encoding", S, "text or base64 (default text)")] },
    ToolSpec { name: "object_del", description: "Delete an object", effect: Destroy, args: &[BUCKET, OBJECT] },
    ToolSpec { name: "object_add", description: "Create an object store bucket", effect: Write, args: &[BUCKET, opt("storage", S, "file or memory (default file)")] },
    ToolSpec { name: "object_seal", description: "Seal a bucket: no more changes", effect: Destroy, args: &[BUCKET] },
    ToolSpec { name: "object_watch", description: "Changes to a bucket's objects for a while: bounded by count and time", effect: Read, args: &[BUCKET, COUNT, TIMEOUT] },
    ToolSpec { name: "cid_put", description: "Store content in a content store; returns its CID (IPFS-compatible) and how many blocks were new", effect: Write, args: &[DOMAIN, req("data", S, "Content"), opt("encoding", S, "text or base64 (default text)")] },
    ToolSpec { name: "cid_get", description: "Content by CID or path, as text or base64, up to a size cap; every block is verified", effect: Read, args: &[DOMAIN, CID_PATH, opt("encoding", S, "text or base64 (default text)"), opt("max_bytes", I, "Refuse larger content (default 1 MiB)")] },
    ToolSpec { name: "cid_stat", description: "A block's metadata: size, codec, links, pinned, created", effect: Read, args: &[DOMAIN, CID_PATH] },
    ToolSpec { name: "cid_ls", description: "The links of a DAG node", effect: Read, args: &[DOMAIN, CID_PATH] },
    ToolSpec { name: "cid_verify", description: "Re-hash every block under a CID and report any corruption", effect: Read, args: &[DOMAIN, CID] },
    ToolSpec { name: "cid_dag_get", description: "A DAG-CBOR/DAG-JSON document as DAG-JSON", effect: Read, args: &[DOMAIN, CID_PATH] },
    ToolSpec { name: "cid_dag_put", description: "Store a DAG-JSON document (as dag-cbor by default); returns its CID", effect: Write, args: &[DOMAIN, req("data", S, "The document in DAG-JSON"), opt("codec", S, "dag-cbor or dag-json (default dag-cbor)")] },
    ToolSpec { name: "cid_pin", description: "Pin a CID so gc keeps it and everything it links to", effect: Write, args: &[DOMAIN, CID] },
    ToolSpec { name: "cid_unpin", description: "Unpin a CID (gc may then remove what nothing else needs)", effect: Destroy, args: &[DOMAIN, CID] },
    ToolSpec { name: "cid_gc", description: "Remove unpinned, unreferenced blocks older than the grace period", effect: Destroy, args: &[DOMAIN, opt("grace_ms", I, "Keep blocks younger than this (default 60000)")] },
    ToolSpec { name: "publish", description: "Publish a message", effect: Write, args: &[req("subject", S, "Subject"), req("payload", S, "Payload (text)"), opt("headers", H, "Headers: name to value"), opt("reply", S, "Reply subject")] },
    ToolSpec { name: "request", description: "Send a request and wait for one reply", effect: Write, args: &[req("subject", S, "Subject"), req("payload", S, "Payload (text)"), opt("headers", H, "Headers: name to value"), TIMEOUT] },
    ToolSpec { name: "account_backup", description: "Back up every stream of the account into a directory (nats CLI format)", effect: Write, args: &[DIR, opt("consumers", B, "Include consumers (default true)")] },
    ToolSpec { name: "account_restore", description: "Restore every stream backup found in a directory", effect: Write, args: &[DIR] },
];

pub fn find(name: &str) -> Option<&'static ToolSpec> {
    TOOLS.iter().find(|t| t.name == name)
}

impl ToolSpec {
    /// The JSON Schema of the tool's arguments.
    pub fn schema(&self) -> Map<String, Value> {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for arg in self.args.iter().chain([&CONTEXT, &ACCOUNT_NAME]) {
            let mut property = json!({ "type": arg.kind.name(), "description": arg.description });
            if arg.kind == Kind::Headers {
                property["additionalProperties"] = json!({ "type": "string" });
            }
            properties.insert(arg.name.to_string(), property);
            if arg.required {
                required.push(Value::String(arg.name.to_string()));
            }
        }
        let mut schema = Map::new();
        schema.insert("type".into(), json!("object"));
        schema.insert("properties".into(), Value::Object(properties));
        schema.insert("required".into(), Value::Array(required));
        schema.insert("additionalProperties".into(), json!(false));
        schema
    }

    /// Checks `arguments` against the schema; the error names the argument.
    pub fn check(&self, arguments: &Map<String, Value>) -> Result<(), String> {
        let all: Vec<&Arg> = self.args.iter().chain([&CONTEXT, &ACCOUNT_NAME]).collect();
        for (name, value) in arguments {
            let Some(arg) = all.iter().find(|a| a.name == name) else {
                return Err(format!("unknown argument `{name}` for {}", self.name));
            };
            let fits = match arg.kind {
                Kind::String => value.is_string(),
                Kind::Integer => value.is_i64() || value.is_u64(),
                Kind::Boolean => value.is_boolean(),
                Kind::Headers => value
                    .as_object()
                    .is_some_and(|m| m.values().all(Value::is_string)),
            };
            if !fits && !value.is_null() {
                return Err(format!(
                    "argument `{name}` must be {} (got {})",
                    match arg.kind {
                        Kind::Headers => "an object of strings",
                        Kind::Integer => "an integer",
                        Kind::Boolean => "a boolean",
                        Kind::String => "a string",
                    },
                    value
                ));
            }
        }
        for arg in all.iter().filter(|a| a.required) {
            if arguments.get(arg.name).is_none_or(Value::is_null) {
                return Err(format!("missing required argument `{}`", arg.name));
            }
        }
        Ok(())
    }
}
