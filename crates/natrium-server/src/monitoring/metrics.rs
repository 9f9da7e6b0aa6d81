//! `/metrics`: the `/varz` counters in the Prometheus text exposition format.
//!
//! Rendered from the `/varz` document itself, so the two can never disagree.
//! Metric names follow the widely used prometheus-nats-exporter
//! (`gnatsd_varz_*`), so existing dashboards work without an exporter;
//! per-account series (`gnatsd_accstatz_*`, labelled `account`) come from
//! `/accstatz` the same way.

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
    account_series(shared, &mut out);
    out
}

/// (metric name, path into an `/accstatz` entry, type, help).
const ACCOUNT_SERIES: &[(&str, &str, &str, &str)] = &[
    (
        "current_connections",
        "conns",
        "gauge",
        "Open client connections of the account",
    ),
    (
        "total_connections",
        "total_conns",
        "gauge",
        "Client connections of the account",
    ),
    (
        "leaf_nodes",
        "leafnodes",
        "gauge",
        "Leaf node connections of the account",
    ),
    (
        "subscriptions",
        "num_subscriptions",
        "gauge",
        "Subscriptions in the account",
    ),
    (
        "received_messages",
        "received.msgs",
        "counter",
        "Messages received from the account's clients",
    ),
    (
        "received_bytes",
        "received.bytes",
        "counter",
        "Bytes received from the account's clients",
    ),
    (
        "sent_messages",
        "sent.msgs",
        "counter",
        "Messages sent to the account's clients",
    ),
    (
        "sent_bytes",
        "sent.bytes",
        "counter",
        "Bytes sent to the account's clients",
    ),
    (
        "slow_consumers",
        "slow_consumers",
        "counter",
        "Slow consumers of the account",
    ),
];

fn account_series(shared: &ServerShared, out: &mut String) {
    let all = super::Query::from_pairs([("unused".to_string(), "1".to_string())]);
    let statz = super::other::accstatz(shared, &all);
    let accounts = statz["account_statz"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (name, path, kind, help) in ACCOUNT_SERIES {
        let _ = writeln!(out, "# HELP gnatsd_accstatz_{name} {help}");
        let _ = writeln!(out, "# TYPE gnatsd_accstatz_{name} {kind}");
        for account in &accounts {
            let value = path
                .split('.')
                .try_fold(account, |v, key| v.get(key))
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            let _ = writeln!(
                out,
                "gnatsd_accstatz_{name}{{server_id=\"{}\",account=\"{}\"}} {value}",
                shared.id,
                account["acc"].as_str().unwrap_or_default()
            );
        }
    }
}
