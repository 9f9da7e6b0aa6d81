//! `natrium server info`: one server's details.
//!
//! With system-account access this asks for the server's VARZ (by id with
//! `$SYS.REQ.SERVER.<id>.VARZ`, by name through `$SYS.REQ.SERVER.PING.VARZ`
//! with a name filter, or whoever answers first) and prints it in sections
//! as the nats CLI does. Without access it still shows something useful:
//! the INFO block the connected server sent when the client connected, with
//! a note on stderr saying why and how to get the full view.

use anyhow::bail;
use bytes::Bytes;
use serde_json::{json, Value};

use super::system::{gather, no_access};
use crate::cli::server::InfoArgs;
use crate::connection::{Connection, DEFAULT_TIMEOUT};
use crate::output;
use crate::server_errors;

pub async fn run(connection: &Connection, args: InfoArgs) -> anyhow::Result<()> {
    let (client, mut errors) = server_errors::connect(connection).await?;
    let (subject, body) = match args.target.as_deref() {
        Some(id) if is_server_id(id) => (format!("$SYS.REQ.SERVER.{id}.VARZ"), json!({})),
        Some(name) => (
            "$SYS.REQ.SERVER.PING.VARZ".to_string(),
            json!({ "server_name": name }),
        ),
        None => ("$SYS.REQ.SERVER.PING.VARZ".to_string(), json!({})),
    };
    let timeout = connection.timeout_or(DEFAULT_TIMEOUT);
    let body = Bytes::from(serde_json::to_vec(&body)?);
    match gather(&client, &mut errors, &subject, body, Some(1), timeout).await {
        Ok(answers) => {
            let answer = &answers[0].body;
            if let Some(error) = answer.get("error") {
                let text = error["description"].as_str().unwrap_or("unknown error");
                bail!("the server could not answer {subject}: {text}");
            }
            let varz = &answer["data"];
            if args.json {
                output::print_json(varz)
            } else {
                print_varz(varz);
                Ok(())
            }
        }
        Err(why) => {
            let info = client.server_info();
            let asked_elsewhere = args
                .target
                .as_deref()
                .is_some_and(|wanted| wanted != info.server_id && wanted != info.server_name);
            if asked_elsewhere {
                return Err(no_access("server info SERVER", &why));
            }
            eprintln!(
                "note: {why}; showing the connected server's INFO (system account credentials give its full VARZ)"
            );
            let info = info_json(&info);
            if args.json {
                output::print_json(&info)
            } else {
                print_info(&info);
                Ok(())
            }
        }
    }
}

/// Server ids are 56 upper-case characters (an nkey); anything else is a name.
fn is_server_id(text: &str) -> bool {
    text.len() == 56
        && text
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// The INFO block as the JSON the server sent.
pub(crate) fn info_json(info: &async_nats::ServerInfo) -> Value {
    json!({
        "server_id": info.server_id,
        "server_name": info.server_name,
        "version": info.version,
        "go": info.go,
        "host": info.host,
        "port": info.port,
        "proto": info.proto,
        "max_payload": info.max_payload,
        "headers": info.headers,
        "jetstream": info.jetstream,
        "auth_required": info.auth_required,
        "tls_required": info.tls_required,
        "cluster": info.cluster,
        "domain": info.domain,
        "connect_urls": info.connect_urls,
        "client_id": info.client_id,
        "client_ip": info.client_ip,
        "ldm": info.lame_duck_mode,
    })
}

fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn number(value: &Value) -> u64 {
    value.as_u64().unwrap_or(0)
}

fn heading(value: &Value) {
    let (id, name) = (text(&value["server_id"]), text(&value["server_name"]));
    if id == name || name.is_empty() {
        println!("Server information for {id}");
    } else {
        println!("Server information for {name} ({id})");
    }
}

fn section(title: &str, fields: &[(&str, String)]) {
    println!("\n{title}\n");
    output::print_fields(fields);
}

fn print_info(info: &Value) {
    heading(info);
    section(
        "Connected server (INFO)",
        &[
            ("Version", text(&info["version"])),
            ("Go Version", text(&info["go"])),
            ("Host", format!("{}:{}", text(&info["host"]), info["port"])),
            ("Protocol", text(&info["proto"])),
            ("Max Payload", output::bytes(number(&info["max_payload"]))),
            ("Headers", text(&info["headers"])),
            ("JetStream", text(&info["jetstream"])),
            ("Auth Required", text(&info["auth_required"])),
            ("TLS Required", text(&info["tls_required"])),
            ("Cluster", text(&info["cluster"])),
            ("Domain", text(&info["domain"])),
            ("Connect URLs", join(&info["connect_urls"])),
            ("Client ID", text(&info["client_id"])),
            ("Client IP", text(&info["client_ip"])),
            ("Lame Duck Mode", text(&info["ldm"])),
        ],
    );
}

fn join(list: &Value) -> String {
    list.as_array()
        .map(|items| items.iter().map(text).collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

fn print_varz(varz: &Value) {
    heading(varz);
    section(
        "Process Details",
        &[
            ("Version", text(&varz["version"])),
            ("Git Commit", text(&varz["git_commit"])),
            ("Go Version", text(&varz["go"])),
            ("Start Time", text(&varz["start"])),
            ("Uptime", text(&varz["uptime"])),
        ],
    );
    section(
        "Connection Details",
        &[
            ("Auth Required", text(&varz["auth_required"])),
            ("TLS Required", text(&varz["tls_required"])),
            ("Host", format!("{}:{}", text(&varz["host"]), varz["port"])),
            ("Client URLs", join(&varz["connect_urls"])),
        ],
    );
    let jetstream = &varz["jetstream"];
    if !text(&jetstream["config"]["store_dir"]).is_empty() {
        let (config, stats) = (&jetstream["config"], &jetstream["stats"]);
        section(
            "JetStream",
            &[
                ("Domain", text(&config["domain"])),
                ("Storage Directory", text(&config["store_dir"])),
                ("Max Memory", output::bytes(number(&config["max_memory"]))),
                ("Max File", output::bytes(number(&config["max_storage"]))),
                ("Active Accounts", text(&stats["accounts"])),
                ("Memory In Use", output::bytes(number(&stats["memory"]))),
                ("File In Use", output::bytes(number(&stats["storage"]))),
                (
                    "API Requests",
                    output::count(number(&stats["api"]["total"])),
                ),
                ("API Errors", output::count(number(&stats["api"]["errors"]))),
            ],
        );
    }
    section(
        "Limits",
        &[
            ("Max Conn", output::count(number(&varz["max_connections"]))),
            ("Max Subs", text(&varz["max_subscriptions"])),
            ("Max Payload", output::bytes(number(&varz["max_payload"]))),
            ("TLS Timeout", format!("{}s", text(&varz["tls_timeout"]))),
            ("Write Deadline", nanos(&varz["write_deadline"])),
        ],
    );
    section(
        "Statistics",
        &[
            (
                "CPU Cores",
                format!("{} {}%", text(&varz["cores"]), text(&varz["cpu"])),
            ),
            ("Memory", output::bytes(number(&varz["mem"]))),
            ("Connections", output::count(number(&varz["connections"]))),
            (
                "Subscriptions",
                output::count(number(&varz["subscriptions"])),
            ),
            ("Messages", in_out(varz, "msgs", output::count)),
            ("Bytes", in_out(varz, "bytes", output::bytes)),
            (
                "Slow Consumers",
                output::count(number(&varz["slow_consumers"])),
            ),
        ],
    );
    let cluster = &varz["cluster"];
    if cluster["urls"]
        .as_array()
        .is_some_and(|urls| !urls.is_empty())
    {
        section(
            "Cluster",
            &[
                ("Name", text(&cluster["name"])),
                (
                    "Host",
                    format!("{}:{}", text(&cluster["addr"]), cluster["cluster_port"]),
                ),
                ("URLs", join(&cluster["urls"])),
            ],
        );
    }
}

fn nanos(value: &Value) -> String {
    output::duration(std::time::Duration::from_nanos(number(value)))
}

fn in_out(varz: &Value, what: &str, show: fn(u64) -> String) -> String {
    format!(
        "{} in {} out",
        show(number(&varz[format!("in_{what}")])),
        show(number(&varz[format!("out_{what}")]))
    )
}
