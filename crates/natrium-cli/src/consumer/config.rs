//! Building a consumer configuration (the JetStream API's JSON) from a
//! `--config` file and the command-line flags.
//!
//! The configuration stays a `serde_json` object from start to end, so
//! fields natrium does not know (newer servers, a file written by another
//! tool) pass through untouched. Each flag that was given sets its field;
//! nothing else is touched, which is what makes `consumer edit` change only
//! what the user asked for.

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::cli::consumer::settings::ConsumerSettings;
use crate::cli::consumer::values::DeliverStart;

/// A consumer configuration as JSON fields.
pub type Config = Map<String, Value>;

/// Reads a consumer configuration from `path`: either a configuration or a
/// whole consumer info (`consumer info --json`), whose `config` is used.
pub fn read_file(path: &Path) -> anyhow::Result<Config> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read consumer configuration {}", path.display()))?;
    let value: Value = serde_json::from_str(&text).map_err(|err| {
        anyhow::anyhow!(
            "{} is not valid JSON ({err}): give a consumer configuration such as \
             {{\"durable_name\": \"C\", \"ack_policy\": \"explicit\"}}",
            path.display()
        )
    })?;
    let config = match value.get("config") {
        Some(inner) if value.get("stream_name").is_some() => inner.clone(),
        _ => value,
    };
    match config {
        Value::Object(config) => Ok(config),
        _ => anyhow::bail!(
            "{} does not hold a JSON object: give a consumer configuration",
            path.display()
        ),
    }
}

/// Removes the metadata the server manages itself (`_nats.*`), so an
/// edited configuration carries only the user's.
pub fn strip_server_metadata(config: &mut Config) {
    if let Some(Value::Object(metadata)) = config.get_mut("metadata") {
        metadata.retain(|key, _| !key.starts_with("_nats."));
        if metadata.is_empty() {
            config.remove("metadata");
        }
    }
}

/// An RFC 3339 time for the API.
pub fn timestamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// Nanoseconds, as the API measures durations.
fn nanos(span: Duration) -> Value {
    json!(u64::try_from(span.as_nanos()).unwrap_or(u64::MAX))
}

/// Sets the field of every flag that was given.
pub fn apply(config: &mut Config, flags: &ConsumerSettings) {
    let mut set = |key: &str, value: Value| {
        config.insert(key.to_string(), value);
    };
    if let Some(ack) = flags.ack {
        set("ack_policy", json!(ack.as_str()));
    }
    if let Some(wait) = flags.wait {
        set("ack_wait", nanos(wait));
    }
    if let Some(max) = flags.max_deliver {
        set("max_deliver", json!(max));
    }
    if !flags.backoff.is_empty() {
        set(
            "backoff",
            flags.backoff.iter().copied().map(nanos).collect(),
        );
    }
    if let Some(replay) = flags.replay {
        set("replay_policy", json!(replay.as_str()));
    }
    if let Some(percent) = flags.sample {
        let frequency = if percent == 0 {
            String::new()
        } else {
            format!("{percent}%")
        };
        set("sample_freq", json!(frequency));
    }
    let numbers = [
        ("max_ack_pending", flags.max_pending),
        ("max_waiting", flags.max_waiting),
        ("max_batch", flags.max_batch),
        ("max_bytes", flags.max_bytes.map(|b| b as i64)),
        ("num_replicas", flags.replicas),
        ("rate_limit_bps", flags.bps.map(|b| b as i64)),
    ];
    for (key, number) in numbers {
        if let Some(number) = number {
            set(key, json!(number));
        }
    }
    let spans = [
        ("max_expires", flags.max_expires),
        ("inactive_threshold", flags.inactive_threshold),
        ("idle_heartbeat", flags.heartbeat),
        ("priority_timeout", flags.pinned_ttl),
    ];
    for (key, span) in spans {
        if let Some(span) = span {
            set(key, nanos(span));
        }
    }
    if let Some(headers_only) = flags.headers_only {
        set("headers_only", json!(headers_only));
    }
    if let Some(flow_control) = flags.flow_control {
        set("flow_control", json!(flow_control));
    }
    if let Some(target) = &flags.target {
        set("deliver_subject", json!(target));
    }
    if let Some(group) = &flags.deliver_group {
        set("deliver_group", json!(group));
    }
    if let Some(description) = &flags.description {
        set("description", json!(description));
    }
    if flags.memory {
        set("mem_storage", json!(true));
    }
    if let Some(until) = flags.pause_until {
        set("pause_until", json!(timestamp(until.from_now())));
    }
    if !flags.priority_groups.is_empty() {
        set("priority_groups", json!(flags.priority_groups));
    }
    if let Some(policy) = flags.priority_policy {
        set("priority_policy", json!(policy.as_str()));
    }
    if !flags.metadata.is_empty() {
        let metadata: Map<String, Value> = flags
            .metadata
            .iter()
            .map(|(key, value)| (key.clone(), json!(value)))
            .collect();
        set("metadata", Value::Object(metadata));
    }
    if flags.pull {
        config.remove("deliver_subject");
        config.remove("deliver_group");
    }
    apply_filters(config, &flags.filters);
    if let Some(start) = flags.deliver {
        apply_start(config, start);
    }
}

/// One filter goes to `filter_subject`, several to `filter_subjects` (the
/// server refuses both at once, so the other is cleared).
fn apply_filters(config: &mut Config, filters: &[String]) {
    match filters {
        [] => {}
        [one] => {
            config.remove("filter_subjects");
            config.insert("filter_subject".into(), json!(one));
        }
        many => {
            config.remove("filter_subject");
            config.insert("filter_subjects".into(), json!(many));
        }
    }
}

/// `deliver_policy` and its start sequence or time.
fn apply_start(config: &mut Config, start: DeliverStart) {
    config.remove("opt_start_seq");
    config.remove("opt_start_time");
    let policy = match start {
        DeliverStart::All => "all",
        DeliverStart::Last => "last",
        DeliverStart::New => "new",
        DeliverStart::LastPerSubject => "last_per_subject",
        DeliverStart::Sequence(sequence) => {
            config.insert("opt_start_seq".into(), json!(sequence));
            "by_start_sequence"
        }
        DeliverStart::Since(moment) => {
            config.insert("opt_start_time".into(), json!(timestamp(moment.ago())));
            "by_start_time"
        }
    };
    config.insert("deliver_policy".into(), json!(policy));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_given_flags_change_fields() {
        let mut config = Config::new();
        config.insert("description".into(), json!("kept"));
        config.insert("filter_subjects".into(), json!(["a", "b"]));
        let flags = ConsumerSettings {
            filters: vec!["c".into()],
            max_deliver: Some(-1),
            deliver: Some(DeliverStart::Sequence(7)),
            backoff: vec![Duration::from_secs(1), Duration::from_millis(1500)],
            sample: Some(30),
            ..ConsumerSettings::default()
        };
        apply(&mut config, &flags);
        assert_eq!(config["description"], "kept");
        assert_eq!(config["filter_subject"], "c");
        assert!(!config.contains_key("filter_subjects"));
        assert_eq!(config["max_deliver"], -1);
        assert_eq!(config["deliver_policy"], "by_start_sequence");
        assert_eq!(config["opt_start_seq"], 7);
        assert_eq!(
            config["backoff"],
            json!([1_000_000_000u64, 1_500_000_000u64])
        );
        assert_eq!(config["sample_freq"], "30%");
        assert!(!config.contains_key("ack_policy"));
    }

    #[test]
    fn server_metadata_is_dropped() {
        let mut config = Config::new();
        config.insert("metadata".into(), json!({"_nats.level": "1", "team": "a"}));
        strip_server_metadata(&mut config);
        assert_eq!(config["metadata"], json!({"team": "a"}));
    }
}
