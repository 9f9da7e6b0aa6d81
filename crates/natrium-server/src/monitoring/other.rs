//! The smaller endpoints: `/routez`, `/gatewayz` and `/leafz` (natrium has no
//! routes or gateways, and leafnodes arrive later, so these report none, in
//! nats-server's shapes), `/accountz`, `/accstatz`, `/jsz` and `/healthz`.

use std::time::SystemTime;

use hyper::StatusCode;
use serde_json::{json, Value};

use super::{rfc3339, Query};
use crate::account::SYSTEM_ACCOUNT;
use crate::server::ServerShared;

fn now() -> String {
    rfc3339(SystemTime::now())
}

pub fn routez(shared: &ServerShared) -> Value {
    json!({ "server_id": shared.id, "server_name": shared.name, "now": now(), "num_routes": 0, "routes": [] })
}

pub fn gatewayz(shared: &ServerShared) -> Value {
    json!({ "server_id": shared.id, "now": now(), "outbound_gateways": {}, "inbound_gateways": {} })
}

pub fn leafz(shared: &ServerShared) -> Value {
    json!({ "server_id": shared.id, "now": now(), "leafnodes": 0, "leafs": [] })
}

fn connections_in(shared: &ServerShared, account: &str) -> usize {
    let clients: Vec<_> = shared.clients.lock().values().cloned().collect();
    clients
        .iter()
        .filter(|c| {
            let name = &c.metadata.lock().account;
            name == account || (name.is_empty() && account == crate::account::GLOBAL_ACCOUNT)
        })
        .count()
}

pub fn accountz(shared: &ServerShared, query: &Query) -> Value {
    let mut value =
        json!({ "server_id": shared.id, "now": now(), "system_account": SYSTEM_ACCOUNT });
    match query
        .get("acc")
        .and_then(|name| shared.accounts.get(&decode(name)))
    {
        Some(account) => {
            let stats = account.index_stats();
            value["account_detail"] = json!({
                "account_name": account.name,
                "update_time": rfc3339(shared.start),
                "expired": false,
                "complete": true,
                "jetstream_enabled": false,
                "leafnode_connections": 0,
                "client_connections": connections_in(shared, &account.name),
                "subscriptions": stats.num_subscriptions,
                "name_tag": account.name,
                "sublist_stats": super::index_stats_json(&stats),
            });
        }
        None => {
            let names: Vec<_> = shared
                .accounts
                .all()
                .iter()
                .map(|a| a.name.clone())
                .collect();
            value["accounts"] = json!(names);
        }
    }
    value
}

pub fn accstatz(shared: &ServerShared) -> Value {
    let accounts: Vec<_> = shared
        .accounts
        .all()
        .iter()
        .map(|a| json!({ "acc": a.name, "name": a.name, "conns": connections_in(shared, &a.name), "leafnodes": 0, "total_conns": connections_in(shared, &a.name), "num_subscriptions": a.subscription_count() }))
        .collect();
    json!({ "server_id": shared.id, "now": now(), "account_statz": accounts })
}

pub fn jsz(shared: &ServerShared) -> Value {
    let Some(mut value) = jetstream_totals(shared) else {
        return json!({ "server_id": shared.id, "now": now(), "disabled": true, "config": {}, "memory": 0, "storage": 0, "accounts": 0, "api": { "total": 0, "errors": 0 } });
    };
    value["server_id"] = json!(shared.id);
    value["now"] = json!(now());
    value["limits"] = json!({});
    value["total"] = value["streams"].clone();
    value
}

/// The `jetstream` section of `/varz`: `{}` when disabled.
pub fn varz_jetstream(shared: &ServerShared) -> Value {
    let Some(all) = jetstream_totals(shared) else {
        return json!({});
    };
    let stats = json!({
        "memory": all["memory"],
        "storage": all["storage"],
        "reserved_memory": 0,
        "reserved_storage": 0,
        "accounts": all["accounts"],
        "ha_assets": 0,
        "api": all["api"],
    });
    json!({ "config": all["config"], "stats": stats, "limits": {} })
}

/// JetStream's monitoring numbers summed over every account that has it;
/// `None` when JetStream is off.
fn jetstream_totals(shared: &ServerShared) -> Option<Value> {
    let all = crate::jetstream::all(shared);
    let mut totals = all.first()?.monitoring();
    for jetstream in &all[1..] {
        let more = jetstream.monitoring();
        for key in [
            "memory",
            "storage",
            "streams",
            "consumers",
            "messages",
            "bytes",
        ] {
            let sum = totals[key].as_u64().unwrap_or(0) + more[key].as_u64().unwrap_or(0);
            totals[key] = json!(sum);
        }
        for key in ["total", "errors"] {
            let sum =
                totals["api"][key].as_u64().unwrap_or(0) + more["api"][key].as_u64().unwrap_or(0);
            totals["api"][key] = json!(sum);
        }
    }
    totals["accounts"] = json!(all.len());
    Some(totals)
}

/// `/healthz`: ok while serving. `js-enabled-only` and `js-server-only` ask
/// about JetStream: with it disabled they report an error, as nats-server does.
pub fn healthz(shared: &ServerShared, query: &Query) -> (StatusCode, Value) {
    if shared.lame_duck.load(std::sync::atomic::Ordering::Relaxed) || shared.is_shutting_down() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "status": "unavailable", "status_code": 503, "error": "server is shutting down" }),
        );
    }
    let wants_js =
        query.flag("js-enabled-only") || query.flag("js-server-only") || query.flag("js-enabled");
    if wants_js && !shared.options().jetstream.enabled {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "status": "unavailable", "status_code": 503, "error": "JetStream not enabled" }),
        );
    }
    (StatusCode::OK, json!({ "status": "ok" }))
}

/// `%24G` → `$G` (account names arrive URL-encoded).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
