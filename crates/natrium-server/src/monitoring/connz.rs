//! `/connz`: open (or closed) connections, with sorting and paging.
//!
//! Supports nats-server's `sort` (cid, start, subs, pending, msgs_to,
//! msgs_from, bytes_to, bytes_from, last, idle, uptime, stop, reason),
//! `offset`/`limit`, `state=open|closed|all`, `cid`, `acc` (one account's
//! connections) and `subs=1|detail`.

use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use super::{rfc3339, uptime_string, Query};
use crate::server::ServerShared;

const DEFAULT_LIMIT: usize = 1024;

/// One row before rendering, so sorting works on numbers, not JSON.
struct Row {
    cid: u64,
    start: SystemTime,
    last_activity: SystemTime,
    stop: Option<SystemTime>,
    reason: Option<&'static str>,
    account: String,
    subs: usize,
    pending: usize,
    in_msgs: u64,
    out_msgs: u64,
    in_bytes: u64,
    out_bytes: u64,
    value: Map<String, Value>,
}

pub fn connz(shared: &ServerShared, query: &Query) -> Value {
    let now = SystemTime::now();
    let state = query.get("state").unwrap_or("open");
    let subs = query
        .get("subs")
        .map(|v| {
            if v == "detail" {
                2
            } else if query.flag("subs") {
                1
            } else {
                0
            }
        })
        .unwrap_or(0);
    let mut rows = Vec::new();
    if state == "open" || state == "any" || state == "all" {
        let clients: Vec<_> = shared.clients.lock().values().cloned().collect();
        for client in clients {
            let metadata = client.metadata.lock().clone();
            let (out_msgs, out_bytes) = client.outbound.counters();
            let last =
                UNIX_EPOCH + Duration::from_nanos(client.last_activity.load(Ordering::Relaxed));
            let subscriptions = client.subscriptions();
            let mut row = Row {
                cid: client.id,
                start: client.start,
                last_activity: last,
                stop: None,
                reason: None,
                account: metadata.account.clone(),
                subs: subscriptions.len(),
                pending: client.outbound.pending_bytes(),
                in_msgs: client.in_msgs.load(Ordering::Relaxed),
                out_msgs,
                in_bytes: client.in_bytes.load(Ordering::Relaxed),
                out_bytes,
                value: Map::new(),
            };
            let list = match subs {
                1 => Some(
                    subscriptions
                        .iter()
                        .map(|s| json!(s.subject_str()))
                        .collect::<Vec<_>>(),
                ),
                2 => Some(
                    subscriptions
                        .iter()
                        .map(|s| {
                            let mut detail = json!({
                                "account": s.account.name,
                                "account_tag": s.account.name,
                                "subject": s.subject_str(),
                                "sid": String::from_utf8_lossy(&s.sid),
                                "msgs": s.delivered.load(Ordering::Relaxed),
                                "cid": client.id,
                            });
                            if let Some(q) = &s.queue {
                                detail["qgroup"] = json!(String::from_utf8_lossy(q));
                            }
                            detail
                        })
                        .collect(),
                ),
                _ => None,
            };
            row.value = render(&row, client.addr, &metadata, now, list, subs == 2);
            rows.push(row);
        }
    }
    if state == "closed" || state == "any" || state == "all" {
        for closed in shared.closed_clients.lock().iter() {
            let mut row = Row {
                cid: closed.id,
                start: closed.start,
                last_activity: closed.stop,
                stop: Some(closed.stop),
                reason: Some(closed.reason.text()),
                account: closed.metadata.account.clone(),
                subs: 0,
                pending: 0,
                in_msgs: closed.in_msgs,
                out_msgs: closed.out_msgs,
                in_bytes: closed.in_bytes,
                out_bytes: closed.out_bytes,
                value: Map::new(),
            };
            row.value = render(&row, closed.addr, &closed.metadata, now, None, false);
            rows.push(row);
        }
    }
    if let Some(cid) = query.number("cid") {
        rows.retain(|r| r.cid == cid as u64);
    }
    if let Some(account) = query.get("acc").filter(|a| !a.is_empty()) {
        rows.retain(|r| r.account == account);
    }
    sort(&mut rows, query.get("sort").unwrap_or("cid"), now);
    let total = rows.len();
    let offset = query.number("offset").unwrap_or(0);
    let limit = query.number("limit").unwrap_or(DEFAULT_LIMIT);
    let page: Vec<Value> = rows
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|r| Value::Object(r.value))
        .collect();
    json!({
        "server_id": shared.id,
        "now": rfc3339(now),
        "num_connections": page.len(),
        "total": total,
        "offset": offset,
        "limit": limit,
        "connections": page,
    })
}

fn render(
    row: &Row,
    addr: std::net::SocketAddr,
    metadata: &crate::client::ClientMetadata,
    now: SystemTime,
    subscriptions: Option<Vec<Value>>,
    detail: bool,
) -> Map<String, Value> {
    let end = row.stop.unwrap_or(now);
    let mut value = json!({
        "cid": row.cid,
        "kind": "Client",
        "type": "nats",
        "ip": addr.ip().to_string(),
        "port": addr.port(),
        "start": rfc3339(row.start),
        "last_activity": rfc3339(row.last_activity),
    });
    let map = value.as_object_mut().expect("json! object");
    if let Some(stop) = row.stop {
        map.insert("stop".into(), json!(rfc3339(stop)));
        map.insert("reason".into(), json!(row.reason.unwrap_or("")));
    }
    if let Some(rtt) = metadata.rtt {
        map.insert("rtt".into(), json!(format!("{}µs", rtt.as_micros())));
    }
    map.insert(
        "uptime".into(),
        json!(uptime_string(
            end.duration_since(row.start).unwrap_or_default()
        )),
    );
    map.insert(
        "idle".into(),
        json!(uptime_string(
            end.duration_since(row.last_activity).unwrap_or_default()
        )),
    );
    for (key, number) in [
        ("pending_bytes", row.pending as u64),
        ("in_msgs", row.in_msgs),
        ("out_msgs", row.out_msgs),
        ("in_bytes", row.in_bytes),
        ("out_bytes", row.out_bytes),
        ("subscriptions", row.subs as u64),
    ] {
        map.insert(key.into(), json!(number));
    }
    for (key, text) in [
        ("name", &metadata.name),
        ("lang", &metadata.lang),
        ("version", &metadata.version),
        ("authorized_user", &metadata.user),
    ] {
        if !text.is_empty() {
            map.insert(key.into(), json!(text));
        }
    }
    if let Some(list) = subscriptions {
        let key = if detail {
            "subscriptions_list_detail"
        } else {
            "subscriptions_list"
        };
        map.insert(key.into(), Value::Array(list));
    }
    std::mem::take(map)
}

fn sort(rows: &mut [Row], by: &str, now: SystemTime) {
    let idle = |r: &Row| now.duration_since(r.last_activity).unwrap_or_default();
    match by {
        "start" => rows.sort_by_key(|r| r.start),
        "subs" => rows.sort_by_key(|r| std::cmp::Reverse(r.subs)),
        "pending" => rows.sort_by_key(|r| std::cmp::Reverse(r.pending)),
        "msgs_to" | "out_msgs" => rows.sort_by_key(|r| std::cmp::Reverse(r.out_msgs)),
        "msgs_from" | "in_msgs" => rows.sort_by_key(|r| std::cmp::Reverse(r.in_msgs)),
        "bytes_to" | "out_bytes" => rows.sort_by_key(|r| std::cmp::Reverse(r.out_bytes)),
        "bytes_from" | "in_bytes" => rows.sort_by_key(|r| std::cmp::Reverse(r.in_bytes)),
        "last" => rows.sort_by_key(|r| std::cmp::Reverse(r.last_activity)),
        "idle" => rows.sort_by_key(|r| std::cmp::Reverse(idle(r))),
        "uptime" => rows.sort_by_key(|r| r.start),
        "stop" => rows.sort_by_key(|r| std::cmp::Reverse(r.stop)),
        "reason" => rows.sort_by_key(|r| r.reason),
        _ => rows.sort_by_key(|r| r.cid),
    }
}
