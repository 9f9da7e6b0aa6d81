//! `/varz`: server identity, configuration limits and totals.

use std::sync::atomic::Ordering;
use std::time::SystemTime;

use serde_json::{json, Value};

use super::{resident_memory, rfc3339, uptime_string};
use crate::options::COMPATIBLE_VERSION;
use crate::server::ServerShared;

pub fn varz(shared: &ServerShared) -> Value {
    let options = shared.options();
    let now = SystemTime::now();
    let (in_msgs, in_bytes, out_msgs, out_bytes) = shared.message_totals();
    let stats = &shared.stats;
    let subscriptions: usize = shared
        .accounts
        .all()
        .iter()
        .map(|a| a.subscription_count())
        .sum();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let nanos = |d: std::time::Duration| d.as_nanos() as u64;
    let slow = stats.slow_consumers.load(Ordering::Relaxed);
    let stale = stats.stale_connections.load(Ordering::Relaxed);
    let monitor_port = shared.monitor_addr.lock().map_or(0, |a| a.port());
    json!({
        "server_id": shared.id,
        "server_name": shared.name,
        "version": COMPATIBLE_VERSION,
        "proto": 1,
        "git_commit": "",
        "go": format!("rust (natrium {})", env!("CARGO_PKG_VERSION")),
        "host": options.host,
        "port": shared.client_addr.port(),
        "auth_required": options.auth_required(),
        "max_connections": options.max_connections,
        "ping_interval": nanos(options.ping_interval),
        "ping_max": options.ping_max,
        "http_host": options.http_host,
        "http_port": monitor_port,
        "http_base_path": options.http_base_path,
        "https_port": 0,
        "auth_timeout": options.auth.timeout.as_secs_f64(),
        "max_control_line": options.max_control_line,
        "max_payload": options.max_payload,
        "max_pending": options.max_pending,
        "cluster": {},
        "gateway": {},
        "leaf": {},
        "mqtt": {},
        "websocket": {},
        "jetstream": super::other::varz_jetstream(shared),
        "tls_timeout": 2,
        "write_deadline": nanos(options.write_deadline),
        "start": rfc3339(shared.start),
        "now": rfc3339(now),
        "uptime": uptime_string(now.duration_since(shared.start).unwrap_or_default()),
        "mem": resident_memory(),
        "cores": cores,
        "gomaxprocs": cores,
        "cpu": 0,
        "connections": shared.clients.lock().len(),
        "total_connections": stats.total_connections.load(Ordering::Relaxed),
        "routes": 0,
        "remotes": 0,
        "leafnodes": 0,
        "in_msgs": in_msgs,
        "out_msgs": out_msgs,
        "in_bytes": in_bytes,
        "out_bytes": out_bytes,
        "slow_consumers": slow,
        "stale_connections": stale,
        "stalled_clients": stats.stalled_clients.load(Ordering::Relaxed),
        "subscriptions": subscriptions,
        "http_req_stats": shared.http_requests.lock().clone(),
        "config_load_time": rfc3339(shared.start),
        "config_digest": "",
        "system_account": shared.accounts.system_name(),
        "slow_consumer_stats": { "clients": slow, "routes": 0, "gateways": 0, "leafs": 0 },
        "stale_connection_stats": { "clients": stale, "routes": 0, "gateways": 0, "leafs": 0 },
    })
}
