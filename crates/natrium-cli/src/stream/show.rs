//! A stream info as people read it: the configuration, the limits and the
//! state, in aligned `label: value` sections (the nats CLI's layout).
//!
//! Reads the server's JSON directly, so a field missing from an older or
//! different server simply shows as empty or its default.

use serde_json::Value;

use super::time;
use crate::output;

/// Prints a whole stream info answer.
pub fn stream(info: &Value) {
    let config = &info["config"];
    let name = config["name"].as_str().unwrap_or("?");
    println!(
        "Information for stream {name} created {}",
        time::show(info["created"].as_str().unwrap_or(""))
    );
    println!();
    configuration(config);
    limits(config);
    metadata(config);
    replication(info);
    state(&info["state"]);
}

/// The state section alone (after a purge).
pub fn state(state: &Value) {
    let number = |key: &str| state[key].as_u64().unwrap_or(0);
    let at = |seq: &str, ts: &str| {
        let when = time::show(state[ts].as_str().unwrap_or(""));
        if when.is_empty() {
            output::count(number(seq))
        } else {
            format!("{} @ {when}", output::count(number(seq)))
        }
    };
    let subjects = number("num_subjects");
    println!("State:");
    output::print_fields(&[
        ("Messages", output::count(number("messages"))),
        ("Bytes", output::bytes(number("bytes"))),
        ("First Sequence", at("first_seq", "first_ts")),
        ("Last Sequence", at("last_seq", "last_ts")),
        ("Deleted Messages", output::count(number("num_deleted"))),
        ("Active Consumers", output::count(number("consumer_count"))),
        (
            "Number of Subjects",
            if subjects > 0 {
                output::count(subjects)
            } else {
                String::new()
            },
        ),
    ]);
    println!();
}

fn configuration(config: &Value) {
    let text = |key: &str| config[key].as_str().unwrap_or("").to_string();
    let flag = |key: &str| config[key].as_bool().unwrap_or(false);
    let subjects: Vec<&str> = config["subjects"]
        .as_array()
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let discard = if flag("discard_new_per_subject") {
        "new per subject".to_string()
    } else {
        text("discard")
    };
    let pair = |key: &str| {
        let value = &config[key];
        match (value["src"].as_str(), value["dest"].as_str()) {
            (Some(src), Some(dest)) => format!("{src} to {dest}"),
            _ => String::new(),
        }
    };
    let mut republish = pair("republish");
    if !republish.is_empty() && config["republish"]["headers_only"].as_bool() == Some(true) {
        republish.push_str(" (headers only)");
    }
    let sources: Vec<&str> = config["sources"]
        .as_array()
        .map(|list| list.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default();
    let yes_no = |value: bool| if value { "yes" } else { "no" }.to_string();
    println!("Configuration:");
    output::print_fields(&[
        ("Description", text("description")),
        ("Subjects", subjects.join(", ")),
        ("Replicas", config["num_replicas"].to_string()),
        (
            "Sealed",
            if flag("sealed") {
                "yes".into()
            } else {
                String::new()
            },
        ),
        ("Storage", text("storage")),
        ("Compression", text("compression")),
        ("First Sequence", first_seq(config)),
        (
            "Mirror",
            config["mirror"]["name"].as_str().unwrap_or("").to_string(),
        ),
        ("Sources", sources.join(", ")),
        ("Subject Transform", pair("subject_transform")),
        ("Republishing", republish),
        ("Retention", text("retention")),
        ("Acknowledgments", yes_no(!flag("no_ack"))),
        ("Discard Policy", discard),
        (
            "Duplicate Window",
            match config["duplicate_window"].as_i64() {
                Some(n) if n > 0 => output::nanos_or_unlimited(n),
                _ => "none".to_string(),
            },
        ),
        ("Direct Get", yes_no(flag("allow_direct"))),
        ("Mirror Direct Get", yes_no(flag("mirror_direct"))),
        ("Allows Batch Publish", yes_no(flag("allow_atomic"))),
        ("Allows Counters", yes_no(flag("allow_msg_counter"))),
        ("Allows Msg Delete", yes_no(!flag("deny_delete"))),
        ("Allows Per-Message TTL", yes_no(flag("allow_msg_ttl"))),
        ("Allows Purge", yes_no(!flag("deny_purge"))),
        ("Allows Rollups", yes_no(flag("allow_rollup_hdrs"))),
        ("Allows Schedules", yes_no(flag("allow_msg_schedules"))),
        (
            "Subject Delete Markers TTL",
            optional_nanos(config, "subject_delete_marker_ttl"),
        ),
    ]);
    println!();
}

fn limits(config: &Value) {
    let number = |key: &str| config[key].as_i64().unwrap_or(-1);
    let consumer_limits = &config["consumer_limits"];
    println!("Limits:");
    output::print_fields(&[
        ("Maximum Messages", output::limit(number("max_msgs"))),
        (
            "Maximum Per Subject",
            output::limit(number("max_msgs_per_subject")),
        ),
        ("Maximum Bytes", output::byte_limit(number("max_bytes"))),
        ("Maximum Age", nanos(config, "max_age")),
        (
            "Maximum Message Size",
            output::byte_limit(number("max_msg_size")),
        ),
        ("Maximum Consumers", output::limit(number("max_consumers"))),
        (
            "Consumer Inactive Threshold",
            optional_nanos(consumer_limits, "inactive_threshold"),
        ),
        (
            "Consumer Max Ack Pending",
            match consumer_limits["max_ack_pending"].as_i64() {
                Some(n) if n > 0 => output::count(n as u64),
                _ => String::new(),
            },
        ),
    ]);
    println!();
}

fn metadata(config: &Value) {
    let Some(map) = config["metadata"].as_object() else {
        return;
    };
    let fields: Vec<(&str, String)> = map
        .iter()
        .filter(|(key, _)| !key.starts_with("_nats."))
        .map(|(key, value)| (key.as_str(), value.as_str().unwrap_or("").to_string()))
        .collect();
    if fields.is_empty() {
        return;
    }
    println!("Metadata:");
    output::print_fields(&fields);
    println!();
}

/// Where a mirror or the sources stand: lag, last contact, errors.
fn replication(info: &Value) {
    let mut origins: Vec<(&str, &Value)> = Vec::new();
    if info["mirror"].is_object() {
        origins.push(("Mirror", &info["mirror"]));
    }
    for source in info["sources"].as_array().into_iter().flatten() {
        origins.push(("Source", source));
    }
    for (kind, origin) in origins {
        let seen = match origin["active"].as_i64() {
            Some(n) if n >= 0 => format!("{} ago", output::nanos_or_unlimited(n.max(1))),
            _ => "never".to_string(),
        };
        println!("{kind} Information:");
        output::print_fields(&[
            (
                "Stream Name",
                origin["name"].as_str().unwrap_or("").to_string(),
            ),
            ("Lag", output::count(origin["lag"].as_u64().unwrap_or(0))),
            ("Last Seen", seen),
            (
                "Error",
                origin["error"]["description"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            ),
        ]);
        println!();
    }
}

fn first_seq(config: &Value) -> String {
    match config["first_seq"].as_u64() {
        Some(seq) if seq > 1 => output::count(seq),
        _ => String::new(),
    }
}

/// A nanosecond duration field; 0 or absent reads as "unlimited".
fn nanos(object: &Value, key: &str) -> String {
    output::nanos_or_unlimited(object[key].as_i64().unwrap_or(0))
}

/// A nanosecond duration field shown only when set.
fn optional_nanos(object: &Value, key: &str) -> String {
    match object[key].as_i64() {
        Some(n) if n > 0 => output::nanos_or_unlimited(n),
        _ => String::new(),
    }
}
