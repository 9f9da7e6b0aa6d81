//! The smaller endpoints: `/routez`, `/gatewayz` and `/leafz` (natrium has no
//! routes or gateways, and leafnodes arrive later, so these report none, in
//! nats-server's shapes), `/accountz`, `/accstatz`, `/jsz` and `/healthz`.

use std::sync::atomic::Ordering;
use std::time::SystemTime;

use hyper::StatusCode;
use serde_json::{json, Value};

use super::{rfc3339, Query};
use crate::account::{Account, SYSTEM_ACCOUNT};
use crate::options::{ExportKind, ImportKind};
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

pub fn accountz(shared: &ServerShared, query: &Query) -> Value {
    let system = shared.accounts.system_name();
    let mut value = json!({ "server_id": shared.id, "now": now(), "system_account": system });
    match query
        .get("acc")
        .and_then(|name| shared.accounts.get(&decode(name)))
    {
        Some(account) => value["account_detail"] = account_detail(shared, &account),
        None => {
            let names: Vec<_> = visible_accounts(shared)
                .iter()
                .map(|a| a.name.clone())
                .collect();
            value["accounts"] = json!(names);
        }
    }
    value
}

/// The accounts monitoring lists: all but `$SYS` when another account is
/// the system account (it then only exists as a name).
fn visible_accounts(shared: &ServerShared) -> Vec<std::sync::Arc<Account>> {
    let system = shared.accounts.system_name();
    shared
        .accounts
        .all()
        .into_iter()
        .filter(|a| a.name != SYSTEM_ACCOUNT || system == SYSTEM_ACCOUNT)
        .collect()
}

/// `/accountz?acc=NAME`'s `account_detail` (also `$SYS.REQ.ACCOUNT.<acc>.INFO`).
pub fn account_detail(shared: &ServerShared, account: &Account) -> Value {
    let stats = account.index_stats();
    let config = account.config();
    let mut detail = json!({
        "account_name": account.name,
        "update_time": rfc3339(shared.start),
        "expired": false,
        "complete": true,
        "jetstream_enabled": account.jetstream().is_some(),
        "leafnode_connections": 0,
        "client_connections": account.connections.load(Ordering::Relaxed),
        "subscriptions": stats.num_subscriptions,
    });
    if account.name == shared.accounts.system_name() {
        detail["is_system"] = json!(true);
    }
    if !config.mappings.is_empty() {
        let mappings: serde_json::Map<String, Value> = config
            .mappings
            .iter()
            .map(|m| {
                let destinations: Vec<Value> = m
                    .destinations
                    .iter()
                    .map(|d| json!({ "subject": d.subject, "weight": d.weight }))
                    .collect();
                (m.source.clone(), Value::Array(destinations))
            })
            .collect();
        detail["mappings"] = Value::Object(mappings);
    }
    if !config.exports.is_empty() {
        let exports: Vec<Value> = config
            .exports
            .iter()
            .map(|export| {
                let mut value = json!({ "subject": export.subject });
                match &export.kind {
                    ExportKind::Stream => value["type"] = json!("stream"),
                    ExportKind::Service { response, .. } => {
                        value["type"] = json!("service");
                        value["response_type"] = json!(response.name());
                    }
                }
                if let Some(accounts) = &export.accounts {
                    value["approved_accounts"] = json!(accounts);
                }
                value
            })
            .collect();
        detail["exports"] = json!(exports);
    }
    let imports: Vec<Value> = crate::account::imports::all_imports(shared, account)
        .iter()
        .map(|import| {
            let local = import.local_subject();
            let mut value = json!({ "subject": import.subject, "account": import.account });
            let (kind, share) = match &import.kind {
                ImportKind::Stream { to, .. } => {
                    if let Some(to) = to {
                        value["to"] = json!(to);
                    }
                    ("stream", false)
                }
                ImportKind::Service { to, share } => {
                    value["to"] = json!(to.clone().unwrap_or_else(|| import.subject.clone()));
                    ("service", *share)
                }
            };
            value["local_subject"] = json!(local);
            value["type"] = json!(kind);
            value["invalid"] = json!(false);
            value["share"] = json!(share);
            value["tracking"] = json!(false);
            value
        })
        .collect();
    if !imports.is_empty() {
        detail["imports"] = json!(imports);
    }
    detail["name_tag"] = json!(account.name);
    detail["sublist_stats"] = super::index_stats_json(&stats);
    if !account.responses.is_empty() {
        detail["responses"] = json!(account.responses.len());
    }
    detail
}

/// One account's `/accstatz` entry (also `$SYS.REQ.ACCOUNT.<acc>.STATZ`).
pub fn account_statz(shared: &ServerShared, account: &Account) -> Value {
    let traffic = |msgs: u64, bytes: u64| {
        json!({ "msgs": msgs, "bytes": bytes,
            "gateways": { "msgs": 0, "bytes": 0 }, "routes": { "msgs": 0, "bytes": 0 },
            "leafs": { "msgs": 0, "bytes": 0 } })
    };
    let conns = account.connections.load(Ordering::Relaxed);
    // Counted from the account's connections on demand: a per-account
    // counter would be one more contended atomic on every publish.
    let (mut received_msgs, mut received_bytes) = (0, 0);
    for client in shared.clients.lock().values() {
        if client.metadata.lock().account == account.name {
            received_msgs += client.in_msgs.load(Ordering::Relaxed);
            received_bytes += client.in_bytes.load(Ordering::Relaxed);
        }
    }
    json!({
        "acc": account.name,
        "name": account.name,
        "conns": conns,
        "leafnodes": 0,
        "total_conns": conns,
        "num_subscriptions": account.subscription_count(),
        "sent": traffic(0, 0),
        "received": traffic(received_msgs, received_bytes),
        "slow_consumers": 0,
    })
}

pub fn accstatz(shared: &ServerShared, query: &Query) -> Value {
    let unused = query.flag("unused");
    let accounts: Vec<_> = visible_accounts(shared)
        .iter()
        .filter(|a| unused || a.connections.load(Ordering::Relaxed) > 0)
        .map(|a| account_statz(shared, a))
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
