//! `/metrics`: the `/varz` counters in the Prometheus text exposition format.
//!
//! Rendered from the `/varz` document itself, so the two can never disagree.
//! Metric names follow the widely used prometheus-nats-exporter
//! (`gnatsd_varz_*`), so existing dashboards work without an exporter.

use std::fmt::Write;

use serde_json::Value;

use crate::server::ServerShared;

/// (varz field, metric type, help text) for each exported series.
const SERIES: &[(&str, &str, &str)] = &[
    ("in_msgs", "counter", "Messages received from clients"),
    ("out_msgs", "counter", "Messages delivered to clients"),
    ("in_bytes", "counter", "Payload bytes received from clients"),
    ("out_bytes", "counter", "Bytes delivered to clients"),
    ("connections", "gauge", "Open client connections"),
    (
        "total_connections",
        "counter",
        "Client connections accepted since start",
    ),
    (
        "subscriptions",
        "gauge",
        "Subscriptions across all accounts",
    ),
    (
        "slow_consumers",
        "counter",
        "Clients disconnected as slow consumers",
    ),
    (
        "stale_connections",
        "counter",
        "Clients disconnected as stale",
    ),
    (
        "stalled_clients",
        "counter",
        "Times a publisher paused for a subscriber that fell behind",
    ),
    ("mem", "gauge", "Resident memory in bytes"),
];

pub fn metrics(shared: &ServerShared) -> String {
    let varz = super::varz::varz(shared);
    let mut out = String::new();
    let mut series = |name: &str, kind: &str, help: &str, value: f64| {
        let _ = writeln!(out, "# HELP gnatsd_varz_{name} {help}");
        let _ = writeln!(out, "# TYPE gnatsd_varz_{name} {kind}");
        let _ = writeln!(
            out,
            "gnatsd_varz_{name}{{server_id=\"{}\"}} {value}",
            shared.id
        );
    };
    for (field, kind, help) in SERIES {
        let value = varz.get(*field).and_then(Value::as_f64).unwrap_or(0.0);
        series(field, kind, help, value);
    }
    let uptime = shared.start.elapsed().unwrap_or_default().as_secs_f64();
    series(
        "uptime_seconds",
        "gauge",
        "Seconds since the server started",
        uptime,
    );
    out
}
