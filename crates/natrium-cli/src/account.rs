//! `natrium account info`: who this connection is and what its JetStream
//! account uses and may use.
//!
//! The connection part comes from the server's INFO (and, when the server
//! answers it, `$SYS.REQ.USER.INFO` for the user and account names); the
//! JetStream part is the `$JS.API.INFO` answer, printed as the server sent
//! it with `--json`. A server without JetStream is not an error here, as in
//! the nats CLI: the report says so and the command succeeds.

use std::time::Duration;

use serde_json::{json, Value};

use crate::cli::account::{AccountCommand, AccountInfoArgs};
use crate::connection::Connection;
use crate::output;
use crate::stream::api::Api;

/// How long to wait for the optional user-info answer.
const USER_INFO_TIMEOUT: Duration = Duration::from_secs(1);

pub async fn run(connection: &Connection, command: AccountCommand) -> anyhow::Result<()> {
    match command {
        AccountCommand::Info(args) => info(connection, args).await,
        AccountCommand::Backup(args) => {
            crate::backup::commands::account_backup(&*Api::connect(connection).await?, args).await
        }
        AccountCommand::Restore(args) => {
            crate::backup::commands::account_restore(&*Api::connect(connection).await?, args).await
        }
    }
}

async fn info(connection: &Connection, args: AccountInfoArgs) -> anyhow::Result<()> {
    let api = Api::connect(connection).await?;
    let server = api.client.server_info();
    let user = user_info(&api).await;
    let jetstream = api.request("INFO", &json!({})).await;
    let connection_json = json!({
        "url": connection.url(),
        "server_id": server.server_id,
        "server_name": server.server_name,
        "version": server.version,
        "cluster": server.cluster,
        "client_id": server.client_id,
        "client_ip": server.client_ip,
        "max_payload": server.max_payload,
        "headers": server.headers,
        "user": user,
    });
    if args.json {
        let (account, error) = match &jetstream {
            Ok(answer) => (answer.clone(), Value::Null),
            Err(err) => (Value::Null, json!(format!("{err:#}"))),
        };
        return output::print_json(&json!({
            "connection": connection_json,
            "jetstream": account,
            "jetstream_error": error,
        }));
    }
    println!("Connection Information:");
    let text = |value: &Value| value.as_str().unwrap_or("").to_string();
    output::print_fields(&[
        ("User", text(&user["user"])),
        ("Account", text(&user["account"])),
        ("Client ID", server.client_id.to_string()),
        ("Client IP", server.client_ip.clone()),
        ("Connected URL", connection.url()),
        ("Server Name", server.server_name.clone()),
        ("Server ID", server.server_id.clone()),
        ("Server Version", server.version.clone()),
        ("Cluster", server.cluster.clone().unwrap_or_default()),
        ("Maximum Payload", output::bytes(server.max_payload as u64)),
        ("Headers Supported", server.headers.to_string()),
    ]);
    println!();
    match jetstream {
        Ok(account) => print_account(&account),
        Err(err) => println!("JetStream: not available ({err:#})"),
    }
    Ok(())
}

/// `$SYS.REQ.USER.INFO`'s data, or null when the server does not answer it.
async fn user_info(api: &Api) -> Value {
    let request = api.client.request("$SYS.REQ.USER.INFO", "".into());
    match tokio::time::timeout(USER_INFO_TIMEOUT, request).await {
        Ok(Ok(reply)) => serde_json::from_slice::<Value>(&reply.payload)
            .ok()
            .and_then(|answer| answer.get("data").cloned())
            .map(|data| {
                json!({
                    "user": data["user"],
                    "account": data["account"],
                })
            })
            .unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

fn print_account(account: &Value) {
    let number = |value: &Value| value.as_u64().unwrap_or(0);
    let limits = &account["limits"];
    let limit = |key: &str| limits[key].as_i64().unwrap_or(-1);
    let usage = |used: u64, key: &str, bytes: bool| {
        let max = limit(key);
        let shown = |n: u64| {
            if bytes {
                output::bytes(n)
            } else {
                output::count(n)
            }
        };
        if max < 0 {
            format!("{} of unlimited", shown(used))
        } else {
            format!("{} of {}", shown(used), shown(max as u64))
        }
    };
    let api_stats = &account["api"];
    println!("JetStream Account Information:");
    output::print_fields(&[
        (
            "Domain",
            account["domain"].as_str().unwrap_or("").to_string(),
        ),
        (
            "Memory",
            usage(number(&account["memory"]), "max_memory", true),
        ),
        (
            "Storage",
            usage(number(&account["storage"]), "max_storage", true),
        ),
        (
            "Streams",
            usage(number(&account["streams"]), "max_streams", false),
        ),
        (
            "Consumers",
            usage(number(&account["consumers"]), "max_consumers", false),
        ),
        ("API Calls", output::count(number(&api_stats["total"]))),
        ("API Errors", output::count(number(&api_stats["errors"]))),
    ]);
    println!();
}
