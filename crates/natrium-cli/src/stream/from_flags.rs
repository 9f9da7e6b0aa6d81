//! Writing the configuration flags into a stream configuration.
//!
//! Every flag maps to one key of the server's JSON; only flags that were
//! given are written, so the same code serves `add` (over the defaults),
//! `edit` (over the current configuration) and `copy` (over another
//! stream's).

use serde_json::{json, Map, Value};

use super::config::{nanos, split_subjects, Config};
use crate::cli::stream::flags::{
    switch, Compression, ConfigFlags, CreateFlags, Discard, PersistMode, Retention, Storage,
};

/// Writes the given flags into `config`.
pub fn apply(flags: &ConfigFlags, config: &mut Config) -> anyhow::Result<()> {
    if !flags.subjects.is_empty() {
        config.insert("subjects".into(), json!(split_subjects(&flags.subjects)?));
    }
    let retention = flags.retention.map(|policy| match policy {
        Retention::Limits => "limits",
        Retention::Interest => "interest",
        Retention::WorkQueue => "workqueue",
    });
    let discard = flags.discard.map(|policy| match policy {
        Discard::Old => "old",
        Discard::New => "new",
    });
    let compression = flags.compression.map(|algorithm| match algorithm {
        Compression::None => "none",
        Compression::S2 => "s2",
    });
    let toggle = |on: bool, off: bool| switch(on, off).map(Value::Bool);
    let changes: [(&str, Option<Value>); 24] = [
        ("description", flags.description.as_ref().map(|d| json!(d))),
        ("num_replicas", flags.replicas.map(|n| json!(n))),
        ("retention", retention.map(|r| json!(r))),
        ("discard", discard.map(|d| json!(d))),
        ("compression", compression.map(|c| json!(c))),
        ("max_msgs", flags.max_msgs.map(|n| json!(n))),
        (
            "max_msgs_per_subject",
            flags.max_msgs_per_subject.map(|n| json!(n)),
        ),
        ("max_bytes", flags.max_bytes.map(|n| json!(n))),
        ("max_msg_size", flags.max_msg_size.map(|n| json!(n))),
        ("max_consumers", flags.max_consumers.map(|n| json!(n))),
        ("max_age", flags.max_age.map(|d| json!(nanos(d)))),
        (
            "duplicate_window",
            flags.dupe_window.map(|d| json!(nanos(d))),
        ),
        (
            "subject_delete_marker_ttl",
            flags.subject_del_markers_ttl.map(|d| json!(nanos(d))),
        ),
        ("no_ack", toggle(flags.no_ack, flags.ack)),
        (
            "discard_new_per_subject",
            toggle(flags.discard_per_subject, flags.no_discard_per_subject),
        ),
        (
            "deny_delete",
            toggle(flags.deny_delete, flags.no_deny_delete),
        ),
        ("deny_purge", toggle(flags.deny_purge, flags.no_deny_purge)),
        (
            "allow_rollup_hdrs",
            toggle(flags.allow_rollup, flags.no_allow_rollup),
        ),
        (
            "allow_direct",
            toggle(flags.allow_direct, flags.no_allow_direct),
        ),
        (
            "mirror_direct",
            toggle(flags.mirror_direct, flags.no_mirror_direct),
        ),
        (
            "allow_msg_ttl",
            toggle(flags.allow_msg_ttl, flags.no_allow_msg_ttl),
        ),
        (
            "allow_msg_counter",
            toggle(flags.allow_msg_counter, flags.no_allow_msg_counter),
        ),
        (
            "allow_atomic",
            toggle(flags.allow_batch, flags.no_allow_batch),
        ),
        (
            "allow_msg_schedules",
            toggle(flags.allow_schedules, flags.no_allow_schedules),
        ),
    ];
    for (key, value) in changes {
        if let Some(value) = value {
            config.insert(key.to_string(), value);
        }
    }
    if !flags.metadata.is_empty() {
        let metadata: Map<String, Value> = flags
            .metadata
            .iter()
            .map(|(key, value)| (key.clone(), json!(value)))
            .collect();
        config.insert("metadata".into(), Value::Object(metadata));
    }
    if let (Some(src), Some(dest)) = (&flags.republish_source, &flags.republish_destination) {
        let republish = json!({"src": src, "dest": dest, "headers_only": flags.republish_headers});
        config.insert("republish".into(), republish);
    }
    if let (Some(src), Some(dest)) = (&flags.transform_source, &flags.transform_destination) {
        config.insert(
            "subject_transform".into(),
            json!({"src": src, "dest": dest}),
        );
    }
    apply_placement(flags, config);
    Ok(())
}

fn apply_placement(flags: &ConfigFlags, config: &mut Config) {
    if flags.cluster.is_none() && flags.tags.is_empty() {
        return;
    }
    let placement = config.entry("placement").or_insert_with(|| json!({}));
    if !placement.is_object() {
        *placement = json!({});
    }
    if let Some(cluster) = &flags.cluster {
        placement["cluster"] = json!(cluster);
    }
    if !flags.tags.is_empty() {
        placement["tags"] = json!(flags.tags);
    }
}

/// Writes the flags only a new stream takes into `config`.
pub fn apply_create(flags: &CreateFlags, config: &mut Config) {
    if let Some(storage) = flags.storage {
        let name = match storage {
            Storage::File => "file",
            Storage::Memory => "memory",
        };
        config.insert("storage".into(), json!(name));
    }
    if let Some(first) = flags.first_seq {
        config.insert("first_seq".into(), json!(first));
    }
    if let Some(mirror) = &flags.mirror {
        config.insert("mirror".into(), json!({ "name": mirror }));
        config.remove("subjects");
        // A mirror keeps its origin's message ids: no window of its own
        // (a --dupe-window flag, applied later, still wins).
        config.remove("duplicate_window");
    }
    if !flags.sources.is_empty() {
        let sources: Vec<Value> = flags
            .sources
            .iter()
            .map(|name| json!({ "name": name }))
            .collect();
        config.insert("sources".into(), Value::Array(sources));
    }
    let mut limits = Map::new();
    if let Some(inactive) = flags.limit_consumer_inactive {
        limits.insert("inactive_threshold".into(), json!(nanos(inactive)));
    }
    if let Some(pending) = flags.limit_consumer_max_pending {
        limits.insert("max_ack_pending".into(), json!(pending));
    }
    if !limits.is_empty() {
        config.insert("consumer_limits".into(), Value::Object(limits));
    }
    if let Some(mode) = flags.persist_mode {
        let name = match mode {
            PersistMode::Default => "default",
            PersistMode::Async => "async",
        };
        config.insert("persist_mode".into(), json!(name));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::stream::config::defaults;

    #[test]
    fn flags_change_only_what_is_given() {
        let mut config = defaults("ORDERS");
        let flags = ConfigFlags {
            subjects: vec!["orders.new,orders.old".into(), "orders.x".into()],
            max_msgs: Some(100),
            max_age: Some(Duration::from_secs(3600)),
            deny_delete: true,
            no_allow_direct: true,
            metadata: vec![("team".into(), "a".into())],
            ..ConfigFlags::default()
        };
        apply(&flags, &mut config).unwrap();
        assert_eq!(
            config["subjects"],
            json!(["orders.new", "orders.old", "orders.x"])
        );
        assert_eq!(config["max_msgs"], json!(100));
        assert_eq!(config["max_age"], json!(3_600_000_000_000i64));
        assert_eq!(config["deny_delete"], json!(true));
        assert_eq!(config["allow_direct"], json!(false));
        assert_eq!(config["max_bytes"], json!(-1));
        assert_eq!(config["metadata"], json!({"team": "a"}));
        assert!(config.get("deny_purge").is_none());
    }

    #[test]
    fn mirrors_drop_subjects() {
        let mut config = defaults("COPY");
        config.insert("subjects".into(), json!(["a"]));
        let flags = CreateFlags {
            mirror: Some("ORDERS".into()),
            ..CreateFlags::default()
        };
        apply_create(&flags, &mut config);
        assert_eq!(config["mirror"], json!({"name": "ORDERS"}));
        assert!(config.get("subjects").is_none());
    }
}
