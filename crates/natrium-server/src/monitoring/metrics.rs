//! `/metrics`: the `/varz` counters in the Prometheus text exposition format.
//!
//! Metric names follow the widely used prometheus-nats-exporter
//! (`gnatsd_varz_*`), so existing dashboards work without an exporter.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use super::resident_memory;
use crate::server::ServerShared;

pub fn metrics(shared: &ServerShared) -> String {
    let (in_msgs, in_bytes, out_msgs, out_bytes) = shared.message_totals();
    let stats = &shared.stats;
    let subscriptions: usize = shared
        .accounts
        .all()
        .iter()
        .map(|a| a.subscription_count())
        .sum();
    let uptime = shared.start.elapsed().unwrap_or_default().as_secs_f64();
    let series: [(&str, &str, &str, f64); 11] = [
        (
            "gnatsd_varz_in_msgs",
            "counter",
            "Messages received from clients",
            in_msgs as f64,
        ),
        (
            "gnatsd_varz_out_msgs",
            "counter",
            "Messages delivered to clients",
            out_msgs as f64,
        ),
        (
            "gnatsd_varz_in_bytes",
            "counter",
            "Payload bytes received from clients",
            in_bytes as f64,
        ),
        (
            "gnatsd_varz_out_bytes",
            "counter",
            "Bytes delivered to clients",
            out_bytes as f64,
        ),
        (
            "gnatsd_varz_connections",
            "gauge",
            "Open client connections",
            shared.clients.lock().len() as f64,
        ),
        (
            "gnatsd_varz_total_connections",
            "counter",
            "Client connections accepted since start",
            stats.total_connections.load(Ordering::Relaxed) as f64,
        ),
        (
            "gnatsd_varz_subscriptions",
            "gauge",
            "Subscriptions across all accounts",
            subscriptions as f64,
        ),
        (
            "gnatsd_varz_slow_consumers",
            "counter",
            "Clients disconnected as slow consumers",
            stats.slow_consumers.load(Ordering::Relaxed) as f64,
        ),
        (
            "gnatsd_varz_stale_connections",
            "counter",
            "Clients disconnected as stale",
            stats.stale_connections.load(Ordering::Relaxed) as f64,
        ),
        (
            "gnatsd_varz_mem",
            "gauge",
            "Resident memory in bytes",
            resident_memory() as f64,
        ),
        (
            "gnatsd_varz_uptime_seconds",
            "gauge",
            "Seconds since the server started",
            uptime,
        ),
    ];
    let mut out = String::new();
    for (name, kind, help, value) in series {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        let _ = writeln!(out, "{name}{{server_id=\"{}\"}} {value}", shared.id);
    }
    out
}
