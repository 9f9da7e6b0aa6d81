//! The `consumer info` page: a "Configuration" section listing only the
//! settings that are set (as the nats CLI does, so the page is about what
//! was configured) and a "State" section with delivery and ack progress.
//!
//! `--json` bypasses this and prints the server's document.

use std::time::Duration;

use serde_json::{Map, Value};

use super::api::{as_map, object};
use super::fields::{count, display_time, flag, number, span, text, title_case, when};
use crate::output;

/// A count at `key` when it is above zero, else "" (row left out).
fn positive(map: &Map<String, Value>, key: &str) -> String {
    when(number(map, key) > 0, count(map, key))
}

/// "Consumer sequence: C Stream sequence: S" of a `delivered` / `ack_floor`.
fn sequences(position: &Map<String, Value>) -> String {
    format!(
        "Consumer sequence: {} Stream sequence: {}",
        count(position, "consumer_seq"),
        count(position, "stream_seq")
    )
}

/// Where the consumer started.
fn deliver_policy(config: &Map<String, Value>) -> String {
    match text(config, "deliver_policy") {
        "by_start_sequence" => format!("From sequence {}", count(config, "opt_start_seq")),
        "by_start_time" => format!("Since {}", display_time(text(config, "opt_start_time"))),
        "" => "All".to_string(),
        other => title_case(other),
    }
}

/// `k=v, k=v` of the user's metadata (the server's `_nats.*` left out).
fn metadata(config: &Map<String, Value>) -> String {
    let Some(metadata) = config.get("metadata").and_then(Value::as_object) else {
        return String::new();
    };
    metadata
        .iter()
        .filter(|(key, _)| !key.starts_with("_nats."))
        .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A list of strings or nanosecond durations, comma separated.
fn list(config: &Map<String, Value>, key: &str) -> String {
    let Some(Value::Array(items)) = config.get(key) else {
        return String::new();
    };
    items
        .iter()
        .map(|item| match (item.as_u64(), item.as_str()) {
            (Some(nanos), _) => output::duration(Duration::from_nanos(nanos)),
            (_, Some(text)) => text.to_string(),
            _ => item.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `consumer info` page.
pub fn info(info: &Value) {
    let state = as_map(info);
    let config = object(info, "config");
    println!(
        "Information for Consumer {} > {} created {}",
        text(state, "stream_name"),
        text(state, "name"),
        display_time(text(state, "created"))
    );
    println!();
    println!("Configuration:");
    println!();
    output::print_fields(&configuration(state, config));
    println!();
    println!("State:");
    println!();
    output::print_fields(&progress(info, config));
}

/// The rows of the "Configuration" section.
fn configuration(
    state: &Map<String, Value>,
    config: &Map<String, Value>,
) -> Vec<(&'static str, String)> {
    let name = text(state, "name");
    let durable = text(config, "durable_name");
    let push = !text(config, "deliver_subject").is_empty();
    let priority = text(config, "priority_policy");
    let sample = text(config, "sample_freq").trim_end_matches('%');
    vec![
        ("Name", name.to_string()),
        ("Durable Name", when(durable != name, durable)),
        ("Description", text(config, "description").to_string()),
        (
            "Delivery Subject",
            text(config, "deliver_subject").to_string(),
        ),
        (
            "Deliver Queue Group",
            text(config, "deliver_group").to_string(),
        ),
        ("Pull Mode", when(!push, "true")),
        ("Filter Subject", text(config, "filter_subject").to_string()),
        ("Filter Subjects", list(config, "filter_subjects")),
        ("Deliver Policy", deliver_policy(config)),
        ("Ack Policy", title_case(text(config, "ack_policy"))),
        ("Ack Wait", span(config, "ack_wait")),
        ("Replay Policy", title_case(text(config, "replay_policy"))),
        ("Maximum Deliveries", positive(config, "max_deliver")),
        ("Backoff", list(config, "backoff")),
        (
            "Sampling Rate",
            when(!sample.is_empty(), format!("{sample}%")),
        ),
        ("Rate Limit (bits/s)", positive(config, "rate_limit_bps")),
        ("Max Ack Pending", positive(config, "max_ack_pending")),
        ("Max Waiting Pulls", positive(config, "max_waiting")),
        ("Max Pull Batch", positive(config, "max_batch")),
        ("Max Pull Expire", span(config, "max_expires")),
        (
            "Max Pull MaxBytes",
            when(
                number(config, "max_bytes") > 0,
                output::bytes(number(config, "max_bytes") as u64),
            ),
        ),
        ("Idle Heartbeat", span(config, "idle_heartbeat")),
        (
            "Flow Control",
            when(push, flag(config, "flow_control").to_string()),
        ),
        ("Headers Only", when(flag(config, "headers_only"), "true")),
        ("Inactive Threshold", span(config, "inactive_threshold")),
        ("Replicas", positive(config, "num_replicas")),
        ("Memory Storage", when(flag(config, "mem_storage"), "true")),
        (
            "Priority Policy",
            when(!matches!(priority, "" | "none"), title_case(priority)),
        ),
        ("Priority Groups", list(config, "priority_groups")),
        ("Pinned TTL", span(config, "priority_timeout")),
        ("Metadata", metadata(config)),
    ]
}

/// The rows of the "State" section.
fn progress(info: &Value, config: &Map<String, Value>) -> Vec<(&'static str, String)> {
    let state = as_map(info);
    let acked = text(config, "ack_policy") != "none";
    let push = !text(config, "deliver_subject").is_empty();
    let out_of = |key: &str, limit: &str, none: &str| match number(config, limit) {
        max if max > 0 => format!(
            "{} of maximum {}",
            count(state, key),
            output::count(max as u64)
        ),
        _ => format!("{}{none}", count(state, key)),
    };
    let paused = if flag(state, "paused") {
        let remaining = number(state, "pause_remaining").max(0) as u64;
        format!(
            "until {} ({} remaining)",
            display_time(text(config, "pause_until")),
            output::duration(Duration::from_nanos(remaining))
        )
    } else {
        "no".to_string()
    };
    vec![
        (
            "Last Delivered Message",
            sequences(object(info, "delivered")),
        ),
        (
            "Acknowledgment Floor",
            when(acked, sequences(object(info, "ack_floor"))),
        ),
        (
            "Outstanding Acks",
            when(acked, out_of("num_ack_pending", "max_ack_pending", "")),
        ),
        (
            "Redelivered Messages",
            when(acked, count(state, "num_redelivered")),
        ),
        ("Unprocessed Messages", count(state, "num_pending")),
        (
            "Waiting Pulls",
            when(!push, out_of("num_waiting", "max_waiting", " of unlimited")),
        ),
        (
            "Active Interest",
            when(
                push,
                if flag(state, "push_bound") {
                    "Active"
                } else {
                    "No interest"
                },
            ),
        ),
        ("Paused", paused),
    ]
}
