//! Server, account and connection tools: `server_info`, `server_list`,
//! `server_ping`, `rtt`, `account_info`, `account_report_connections`,
//! `account_report_statistics`, `account_tls`.
//!
//! Cluster-wide answers come from the system request subjects
//! (`$SYS.REQ.SERVER.PING`: every server's statistics, which needs the system
//! account, and `$SYS.REQ.ACCOUNT.PING.{CONNZ,STATZ}` for the caller's own
//! account): every answer that arrives within the timeout is gathered.

use std::time::{Duration, Instant};

use anyhow::anyhow;
use futures::StreamExt;
use serde_json::{json, Value};

use super::{answer, Args};
use crate::connection::Connection;
use crate::jsapi::JsApi;

/// The connected server's INFO, as `natrium server info --json` shows it.
pub fn server_info(api: &JsApi) -> anyhow::Result<Value> {
    Ok(crate::server::info::info_json(&api.client.server_info()))
}

/// Every answer to `subject` within `timeout`, with how long each took.
async fn gather(
    api: &JsApi,
    subject: &str,
    body: &Value,
    timeout: Duration,
) -> anyhow::Result<Vec<(Value, Duration)>> {
    let inbox = api.client.new_inbox();
    let mut replies = api.client.subscribe(inbox.clone()).await?;
    let started = Instant::now();
    api.client
        .publish_with_reply(subject.to_string(), inbox, serde_json::to_vec(body)?.into())
        .await?;
    api.client.flush().await?;
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + timeout;
    while let Ok(Some(message)) = tokio::time::timeout_at(deadline, replies.next()).await {
        if message.status.is_some() && message.payload.is_empty() {
            // No responders: nobody serves this subject here.
            break;
        }
        let value: Value = serde_json::from_slice(&message.payload)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&message.payload).into()));
        out.push((value, started.elapsed()));
    }
    if out.is_empty() {
        return Err(anyhow!(
            "no server answered {subject} within {timeout:?} (system requests need the system account, or a server that serves them)"
        ));
    }
    Ok(out)
}

pub async fn server_list(api: &JsApi, args: Args<'_>) -> anyhow::Result<Value> {
    let answers = gather(api, "$SYS.REQ.SERVER.PING", &json!({}), args.timeout()).await?;
    let servers: Vec<Value> = answers.into_iter().map(|(v, _)| v).collect();
    Ok(json!({ "count": servers.len(), "servers": servers }))
}

pub async fn server_ping(api: &JsApi, args: Args<'_>) -> anyhow::Result<Value> {
    let answers = gather(api, "$SYS.REQ.SERVER.PING", &json!({}), args.timeout()).await?;
    let servers: Vec<Value> = answers
        .into_iter()
        .map(|(v, took)| {
            json!({
                "name": v["server"]["name"],
                "id": v["server"]["id"],
                "rtt_ms": took.as_secs_f64() * 1000.0,
            })
        })
        .collect();
    Ok(json!({ "count": servers.len(), "servers": servers }))
}

pub async fn rtt(api: &JsApi, args: Args<'_>) -> anyhow::Result<Value> {
    let iterations = args.u64("iterations").unwrap_or(5).clamp(1, 100);
    let mut total = Duration::ZERO;
    for _ in 0..iterations {
        let started = Instant::now();
        api.client.flush().await?;
        total += started.elapsed();
    }
    let average = total / iterations as u32;
    Ok(json!({
        "server": api.client.server_info().server_name,
        "iterations": iterations,
        "rtt_ms": average.as_secs_f64() * 1000.0,
    }))
}

pub async fn account_info(api: &JsApi, connection: &Connection) -> anyhow::Result<Value> {
    let info = api.client.server_info();
    let jetstream = match api.request("INFO", &json!({})).await {
        Ok(answer_json) => answer(answer_json),
        Err(err) => json!({ "error": format!("{err:#}") }),
    };
    Ok(json!({
        "connection": {
            "url": connection.url(),
            "context": connection.context_name,
            "server_name": info.server_name,
            "server_id": info.server_id,
            "client_id": info.client_id,
            "client_ip": info.client_ip,
        },
        "jetstream": jetstream,
    }))
}

pub async fn connections(api: &JsApi, args: Args<'_>) -> anyhow::Result<Value> {
    let sort = args.str("sort").unwrap_or("subs");
    let key = match sort {
        "subs" => "subscriptions",
        "bytes" => "bytes",
        "msgs" => "msgs",
        other => {
            return Err(anyhow!(
                "argument `sort`: {other:?} is not subs, bytes or msgs"
            ))
        }
    };
    let answers = gather(
        api,
        "$SYS.REQ.ACCOUNT.PING.CONNZ",
        &json!({ "subscriptions": false, "limit": 1024 }),
        args.timeout(),
    )
    .await?;
    let mut rows: Vec<Value> = Vec::new();
    for (reply, _) in answers {
        let data = if reply["data"].is_object() {
            &reply["data"]
        } else {
            &reply
        };
        let server = data["server_id"].clone();
        for connection in data["connections"].as_array().into_iter().flatten() {
            let num = |k: &str| connection[k].as_u64().unwrap_or(0);
            rows.push(json!({
                "server_id": server,
                "cid": connection["cid"],
                "name": connection["name"],
                "ip": connection["ip"],
                "lang": connection["lang"],
                "version": connection["version"],
                "subscriptions": num("subscriptions"),
                "msgs": num("in_msgs") + num("out_msgs"),
                "bytes": num("in_bytes") + num("out_bytes"),
            }));
        }
    }
    rows.sort_by_key(|row| std::cmp::Reverse(row[key].as_u64().unwrap_or(0)));
    rows.truncate(args.count());
    Ok(json!({ "sort": sort, "count": rows.len(), "connections": rows }))
}

pub async fn statistics(api: &JsApi, args: Args<'_>) -> anyhow::Result<Value> {
    let answers = gather(
        api,
        "$SYS.REQ.ACCOUNT.PING.STATZ",
        &json!({ "unused": true }),
        args.timeout(),
    )
    .await?;
    let servers: Vec<Value> = answers.into_iter().map(|(v, _)| v).collect();
    Ok(json!({ "count": servers.len(), "statistics": servers }))
}

pub fn tls(api: &JsApi, connection: &Connection) -> Value {
    let info = api.client.server_info();
    json!({
        "url": connection.url(),
        "server_tls_required": info.tls_required,
        "tls_first": connection.tls_first,
        "client_cert": connection.tls_cert.as_ref().map(|p| p.display().to_string()),
        "client_key": connection.tls_key.as_ref().map(|p| p.display().to_string()),
        "ca": connection.tls_ca.as_ref().map(|p| p.display().to_string()),
        "secure_scheme": connection.servers.iter().any(|s| s.starts_with("tls://")),
    })
}
