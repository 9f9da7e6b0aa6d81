//! `natrium mcp` driven as a subprocess by the official Rust MCP client
//! (rmcp): initialize, the tool list with schemas and annotations, every
//! tool called against natrium-server and the reference nats-server 2.14
//! (when installed), error results for unknown streams and bad arguments,
//! and `--read-only` refusing writes.

mod common;

use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};

use common::{reference_binary, skip, start_natrium, start_server, TempDir};

type Client = RunningService<RoleClient, ()>;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

async fn connect(url: &str, extra: &[&str]) -> Client {
    connect_with(url, extra, &TempDir::leak()).await
}

/// `natrium mcp` with `config` as its configuration directory (saved contexts).
async fn connect_with(url: &str, extra: &[&str], config: &str) -> Client {
    let config = config.to_string();
    let command = tokio::process::Command::new(env!("CARGO_BIN_EXE_natrium")).configure(|c| {
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("NATS_") {
                c.env_remove(key);
            }
        }
        c.env("XDG_CONFIG_HOME", &config)
            .args(["--server", url, "mcp"])
            .args(extra);
    });
    ().serve(TokioChildProcess::new(command).expect("spawn natrium mcp"))
        .await
        .expect("MCP initialize")
}

async fn call(client: &Client, tool: &str, arguments: Value) -> CallToolResult {
    let Value::Object(arguments) = arguments else {
        panic!("arguments must be an object");
    };
    client
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(arguments))
        .await
        .unwrap_or_else(|e| panic!("{tool}: protocol error {e}"))
}

/// The structured result of a call that must succeed.
async fn ok(client: &Client, tool: &str, arguments: Value) -> Value {
    let result = call(client, tool, arguments).await;
    assert_ne!(
        result.is_error,
        Some(true),
        "{tool} failed: {:?}",
        result.structured_content
    );
    result.structured_content.unwrap_or(Value::Null)
}

/// The error message of a call that must fail.
async fn fails(client: &Client, tool: &str, arguments: Value) -> String {
    let result = call(client, tool, arguments).await;
    assert_eq!(
        result.is_error,
        Some(true),
        "{tool} should fail: {:?}",
        result.structured_content
    );
    result.structured_content.unwrap_or(Value::Null)["error"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// Every tool, called in an order where each finds what it needs.
async fn exercise(client: &Client, server: &str) {
    let tools = client.list_all_tools().await.expect("tools/list");
    assert_eq!(tools.len(), natrium_mcp::catalogue::TOOLS.len());
    for tool in &tools {
        assert_eq!(tool.input_schema["type"], "object", "{}", tool.name);
        let annotations = tool.annotations.as_ref().expect("annotations");
        let spec = natrium_mcp::catalogue::find(&tool.name).expect("known tool");
        assert_eq!(
            annotations.destructive_hint,
            Some(spec.effect == natrium_mcp::catalogue::Effect::Destroy),
            "{}",
            tool.name
        );
    }

    let info = ok(client, "server_info", json!({})).await;
    assert!(
        info["version"].as_str().is_some_and(|v| !v.is_empty()),
        "{info}"
    );
    assert_eq!(info["jetstream"], true);
    let rtt = ok(client, "rtt", json!({ "iterations": 2 })).await;
    assert!(rtt["rtt_ms"].as_f64().is_some());
    let account = ok(client, "account_info", json!({})).await;
    assert!(account["jetstream"]["api"].is_object(), "{account}");
    ok(client, "account_tls", json!({})).await;
    // System requests: answered, or an error result saying who did not answer.
    for tool in [
        "server_list",
        "server_ping",
        "account_report_connections",
        "account_report_statistics",
    ] {
        let result = call(client, tool, json!({ "timeout_ms": 300 })).await;
        println!("{server}: {tool}: error={:?}", result.is_error);
        if result.is_error == Some(true) {
            let message = result.structured_content.unwrap()["error"].to_string();
            assert!(message.contains("no server answered"), "{tool}: {message}");
        }
    }

    // Streams, through messages published by the publish tool.
    let js = ok(client, "request", json!({ "subject": "$JS.API.STREAM.CREATE.ORDERS", "payload": r#"{"name":"ORDERS","subjects":["orders.>"],"storage":"file"}"# })).await;
    assert!(js["data"].as_str().unwrap_or("").contains("ORDERS"), "{js}");
    for i in 0..5 {
        ok(client, "publish", json!({ "subject": format!("orders.{}", i % 2), "payload": format!("order {i}"), "headers": { "X-Order": i.to_string() } })).await;
    }
    let listed = ok(client, "stream_list", json!({})).await;
    assert_eq!(listed["count"], 1);
    let state = ok(client, "stream_state", json!({ "stream": "ORDERS" })).await;
    assert_eq!(state["state"]["messages"], 5, "{state}");
    assert_eq!(
        ok(client, "stream_info", json!({ "stream": "ORDERS" })).await["config"]["name"],
        "ORDERS"
    );
    assert_eq!(
        ok(client, "stream_report", json!({})).await["streams"][0]["messages"],
        5
    );
    let subjects = ok(client, "stream_subjects", json!({ "stream": "ORDERS" })).await;
    assert_eq!(subjects["subjects"]["orders.0"], 3, "{subjects}");
    let page = ok(
        client,
        "stream_view",
        json!({ "stream": "ORDERS", "count": 2 }),
    )
    .await;
    assert_eq!(page["count"], 2);
    assert_eq!(page["next_seq"], 3);
    assert_eq!(page["messages"][0]["data"], "order 0");
    let got = ok(
        client,
        "stream_get",
        json!({ "stream": "ORDERS", "seq": 4 }),
    )
    .await;
    assert_eq!(got["data"], "order 3");
    assert!(
        got["headers"].as_str().unwrap_or("").contains("X-Order: 3"),
        "{got}"
    );
    let last = ok(
        client,
        "stream_get",
        json!({ "stream": "ORDERS", "last_for": "orders.0" }),
    )
    .await;
    assert_eq!(last["seq"], 5);
    let found = ok(
        client,
        "stream_find",
        json!({ "stream": "ORDERS", "subject": "orders.1", "contains": "3" }),
    )
    .await;
    assert_eq!(found["count"], 1, "{found}");
    let missing = fails(client, "stream_info", json!({ "stream": "NOPE" })).await;
    assert!(missing.contains("stream not found"), "{missing}");

    // Key-value.
    ok(client, "kv_add", json!({ "bucket": "CFG", "history": 5 })).await;
    assert!(ok(client, "kv_ls", json!({})).await["buckets"]
        .as_array()
        .unwrap()
        .contains(&json!("CFG")));
    let put = ok(
        client,
        "kv_put",
        json!({ "bucket": "CFG", "key": "a", "value": "1" }),
    )
    .await;
    let revision = put["revision"].as_u64().unwrap();
    ok(
        client,
        "kv_update",
        json!({ "bucket": "CFG", "key": "a", "value": "2", "revision": revision }),
    )
    .await;
    fails(
        client,
        "kv_update",
        json!({ "bucket": "CFG", "key": "a", "value": "3", "revision": revision }),
    )
    .await;
    ok(
        client,
        "kv_create",
        json!({ "bucket": "CFG", "key": "b", "value": "x" }),
    )
    .await;
    fails(
        client,
        "kv_create",
        json!({ "bucket": "CFG", "key": "b", "value": "y" }),
    )
    .await;
    assert_eq!(
        ok(client, "kv_get", json!({ "bucket": "CFG", "key": "a" })).await["value"],
        "2"
    );
    assert_eq!(
        ok(client, "kv_history", json!({ "bucket": "CFG", "key": "a" })).await["count"],
        2
    );
    assert_eq!(
        ok(client, "kv_ls", json!({ "bucket": "CFG" })).await["count"],
        2
    );
    let watched = ok(
        client,
        "kv_watch",
        json!({ "bucket": "CFG", "count": 5, "timeout_ms": 300 }),
    )
    .await;
    assert_eq!(watched["count"], 2, "{watched}");
    assert!(ok(client, "kv_info", json!({ "bucket": "CFG" })).await["config"].is_object());
    ok(client, "kv_del", json!({ "bucket": "CFG", "key": "a" })).await;
    ok(client, "kv_purge", json!({ "bucket": "CFG", "key": "b" })).await;
    fails(client, "kv_get", json!({ "bucket": "CFG", "key": "a" })).await;
    ok(client, "kv_compact", json!({ "bucket": "CFG" })).await;

    // Object store.
    ok(client, "object_add", json!({ "bucket": "FILES" })).await;
    ok(
        client,
        "object_put",
        json!({ "bucket": "FILES", "name": "hello.txt", "data": "hello world" }),
    )
    .await;
    ok(
        client,
        "object_put",
        json!({ "bucket": "FILES", "name": "bin", "data": "AAEC", "encoding": "base64" }),
    )
    .await;
    assert_eq!(
        ok(client, "object_ls", json!({ "bucket": "FILES" })).await["count"],
        2
    );
    assert!(ok(client, "object_ls", json!({})).await["buckets"]
        .as_array()
        .unwrap()
        .contains(&json!("FILES")));
    assert_eq!(
        ok(
            client,
            "object_get",
            json!({ "bucket": "FILES", "name": "hello.txt" })
        )
        .await["data"],
        "hello world"
    );
    assert_eq!(
        ok(
            client,
            "object_get",
            json!({ "bucket": "FILES", "name": "bin", "encoding": "base64" })
        )
        .await["data_base64"],
        "AAEC"
    );
    let capped = fails(
        client,
        "object_get",
        json!({ "bucket": "FILES", "name": "hello.txt", "max_bytes": 3 }),
    )
    .await;
    assert!(capped.contains("max_bytes"), "{capped}");
    assert_eq!(
        ok(
            client,
            "object_info",
            json!({ "bucket": "FILES", "name": "hello.txt" })
        )
        .await["size"],
        11
    );
    assert_eq!(
        ok(
            client,
            "object_watch",
            json!({ "bucket": "FILES", "timeout_ms": 300 })
        )
        .await["count"],
        2
    );
    ok(
        client,
        "object_del",
        json!({ "bucket": "FILES", "name": "bin" }),
    )
    .await;
    ok(client, "object_seal", json!({ "bucket": "FILES" })).await;
    fails(
        client,
        "object_put",
        json!({ "bucket": "FILES", "name": "late", "data": "x" }),
    )
    .await;

    // Backups of the whole account, restored after the streams are gone.
    let dir = TempDir::new();
    let backup = ok(client, "account_backup", json!({ "dir": dir.as_str() })).await;
    assert_eq!(backup["count"], 3, "{backup}");
    for stream in ["ORDERS", "KV_CFG", "OBJ_FILES"] {
        ok(
            client,
            "request",
            json!({ "subject": format!("$JS.API.STREAM.DELETE.{stream}"), "payload": "" }),
        )
        .await;
    }
    let restored = ok(client, "account_restore", json!({ "dir": dir.as_str() })).await;
    assert_eq!(restored["count"], 3, "{restored}");
    assert_eq!(
        ok(client, "stream_state", json!({ "stream": "ORDERS" })).await["state"]["messages"],
        5
    );

    // Bad arguments: an error result naming the argument, and the server lives on.
    let message = fails(client, "stream_info", json!({})).await;
    assert!(message.contains("`stream`"), "{message}");
    let message = fails(
        client,
        "stream_view",
        json!({ "stream": "ORDERS", "count": "ten" }),
    )
    .await;
    assert!(
        message.contains("`count`") && message.contains("integer"),
        "{message}"
    );
    let message = fails(
        client,
        "publish",
        json!({ "subject": "a", "payload": "b", "headers": { "X": 1 } }),
    )
    .await;
    assert!(message.contains("`headers`"), "{message}");
    let message = fails(
        client,
        "kv_get",
        json!({ "bucket": "CFG", "key": "a", "bogus": true }),
    )
    .await;
    assert!(message.contains("`bogus`"), "{message}");
    let message = fails(
        client,
        "stream_info",
        json!({ "stream": "ORDERS", "context": "nope" }),
    )
    .await;
    assert!(message.contains("`context`"), "{message}");
    let message = fails(client, "no_such_tool", json!({})).await;
    assert!(message.contains("no_such_tool"), "{message}");
    assert_eq!(
        ok(client, "stream_state", json!({ "stream": "ORDERS" })).await["state"]["messages"],
        5
    );
}

#[test]
fn every_tool_against_natrium_server() {
    let server = start_natrium();
    runtime().block_on(async {
        let client = connect(&server.url, &[]).await;
        exercise(&client, "natrium-server").await;
        client.cancel().await.expect("close");
    });
}

#[test]
fn every_tool_against_nats_server() {
    let Some(binary) = reference_binary() else {
        return skip();
    };
    let server = start_server(&binary, &["-js", "-sd", &TempDir::leak()]);
    runtime().block_on(async {
        let client = connect(&server.url, &[]).await;
        exercise(&client, "nats-server").await;
        client.cancel().await.expect("close");
    });
}

#[test]
fn read_only_lists_and_runs_only_inspection_tools() {
    let server = start_natrium();
    runtime().block_on(async {
        let client = connect(&server.url, &["--read-only"]).await;
        let tools = client.list_all_tools().await.expect("tools/list");
        assert!(!tools.is_empty());
        for tool in &tools {
            let annotations = tool.annotations.as_ref().unwrap();
            assert_eq!(annotations.read_only_hint, Some(true), "{}", tool.name);
        }
        assert!(!tools
            .iter()
            .any(|t| t.name == "publish" || t.name == "kv_put"));
        let message = fails(
            &client,
            "publish",
            json!({ "subject": "a", "payload": "b" }),
        )
        .await;
        assert!(message.contains("--read-only"), "{message}");
        ok(&client, "server_info", json!({})).await;
        client.cancel().await.expect("close");
    });
}

/// Saves context `name` (the nats CLI's JSON file) under `config`.
fn save_context(config: &str, name: &str, context: Value) {
    let dir = std::path::Path::new(config).join("nats").join("context");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.json")), context.to_string()).unwrap();
}

#[test]
fn calls_pick_named_contexts_and_system_tools_use_the_system_account() {
    let Some(binary) = reference_binary() else {
        return skip();
    };
    let dir = TempDir::new();
    let conf = dir.path().join("server.conf");
    std::fs::write(
        &conf,
        format!(
            "jetstream {{ store_dir: {:?} }}\n\
             accounts {{\n\
               SYS {{ users: [{{ user: sys, password: sys }}] }}\n\
               APP {{ jetstream: enabled, users: [{{ user: app, password: app }}] }}\n\
             }}\n\
             system_account: SYS\n",
            dir.path().join("js").display().to_string()
        ),
    )
    .unwrap();
    let server = start_server(&binary, &["-c", conf.to_str().unwrap()]);
    let config = TempDir::leak();
    save_context(
        &config,
        "sys",
        json!({ "url": server.url, "user": "sys", "password": "sys" }),
    );
    save_context(
        &config,
        "app",
        json!({ "url": server.url, "user": "app", "password": "app" }),
    );
    runtime().block_on(async {
        let client = connect_with(
            &server.url,
            &[
                "--user",
                "app",
                "--password",
                "app",
                "--contexts",
                "sys,app",
            ],
            &config,
        )
        .await;
        let servers = ok(
            &client,
            "server_list",
            json!({ "context": "sys", "timeout_ms": 500 }),
        )
        .await;
        assert_eq!(servers["count"], 1, "{servers}");
        let ping = ok(
            &client,
            "server_ping",
            json!({ "account_name": "sys", "timeout_ms": 500 }),
        )
        .await;
        assert_eq!(ping["count"], 1, "{ping}");
        // The app account has JetStream; the system account does not.
        ok(
            &client,
            "kv_add",
            json!({ "bucket": "APPCFG", "context": "app" }),
        )
        .await;
        let listed = ok(&client, "kv_ls", json!({})).await;
        assert_eq!(listed["buckets"], json!(["APPCFG"]), "{listed}");
        let connections = ok(
            &client,
            "account_report_connections",
            json!({ "context": "app", "sort": "msgs" }),
        )
        .await;
        assert!(
            connections["count"].as_u64().unwrap_or(0) >= 1,
            "{connections}"
        );
        let bad = fails(
            &client,
            "account_report_connections",
            json!({ "sort": "size" }),
        )
        .await;
        assert!(bad.contains("`sort`"), "{bad}");
        client.cancel().await.expect("close");
    });
}

/// The `cid_*` tools against a server with a content store: content in and
/// out by CID, dedup, links, DAG documents, pins, verification, errors.
#[test]
fn cid_tools_store_verify_and_read_content() {
    let server = common::start_natrium_with(|mut options| {
        options.content_stores = vec![natrium_server::options::ContentStoreOptions {
            domain: "sales".into(),
            ..Default::default()
        }];
        options
    });
    runtime().block_on(async {
        let client = connect(&server.url, &[]).await;
        let put = ok(&client, "cid_put", json!({ "domain": "sales", "data": "hello world\n" })).await;
        // The CID IPFS gives `hello world\n` with --cid-version=1 --raw-leaves.
        let cid = put["cid"].as_str().expect("a CID").to_string();
        assert!(cid.starts_with("bafk"), "{put}");
        assert_eq!(put["new_blocks"], 1);
        let again = ok(&client, "cid_put", json!({ "domain": "sales", "data": "hello world\n" })).await;
        assert_eq!(again["duplicate"], true, "{again}");
        let got = ok(&client, "cid_get", json!({ "domain": "sales", "path": cid })).await;
        assert_eq!(got["content"], "hello world\n");
        let stat = ok(&client, "cid_stat", json!({ "domain": "sales", "path": cid })).await;
        assert_eq!(stat["size"], 12, "{stat}");
        let document = format!(r#"{{"name":"doc","child":{{"/":"{cid}"}}}}"#);
        let dag = ok(&client, "cid_dag_put", json!({ "domain": "sales", "data": document })).await;
        let root = dag["cid"].as_str().unwrap().to_string();
        let links = ok(&client, "cid_ls", json!({ "domain": "sales", "path": root })).await;
        assert_eq!(links["count"], 1, "{links}");
        let child = ok(&client, "cid_get", json!({ "domain": "sales", "path": format!("{root}/child") })).await;
        assert_eq!(child["content"], "hello world\n");
        let back = ok(&client, "cid_dag_get", json!({ "domain": "sales", "path": root })).await;
        assert_eq!(back["document"]["name"], "doc");
        ok(&client, "cid_pin", json!({ "domain": "sales", "cid": root })).await;
        let verified = ok(&client, "cid_verify", json!({ "domain": "sales", "cid": root })).await;
        assert!(verified.is_object(), "{verified}");
        ok(&client, "cid_unpin", json!({ "domain": "sales", "cid": root })).await;
        let capped = fails(&client, "cid_get", json!({ "domain": "sales", "path": cid, "max_bytes": 3 })).await;
        assert!(capped.contains("max_bytes"), "{capped}");
        let bad = fails(&client, "cid_pin", json!({ "domain": "sales", "cid": "not-a-cid" })).await;
        assert!(bad.contains("cid"), "{bad}");
        let unknown = fails(
            &client,
            "cid_get",
            json!({ "domain": "sales", "path": "bafkreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }),
        )
        .await;
        assert!(!unknown.is_empty());
        client.cancel().await.expect("close");
    });
}
