//! Stream configurations as the server's JSON, built from flags and files.
//!
//! A configuration is kept as a JSON object rather than a typed struct so
//! that fields this client does not know (newer servers) survive an `edit`
//! untouched. `add` starts from [`defaults`] (the nats CLI's `--defaults`
//! answers), `edit` from the stream's current configuration, `copy` from
//! another stream's; then [`super::from_flags`] writes only the flags that
//! were given.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context as _};
use serde_json::{json, Map, Value};

/// A stream configuration object.
pub type Config = Map<String, Value>;

/// The duplicate window when none is given: two minutes, as in nats-server.
const DEFAULT_DUPE_WINDOW: Duration = Duration::from_secs(120);

/// What `stream add` creates when no flag says otherwise.
pub fn defaults(name: &str) -> Config {
    let value = json!({
        "name": name,
        "retention": "limits",
        "max_consumers": -1,
        "max_msgs": -1,
        "max_bytes": -1,
        "max_age": 0,
        "max_msgs_per_subject": -1,
        "max_msg_size": -1,
        "discard": "old",
        "storage": "file",
        "num_replicas": 1,
        "duplicate_window": nanos(DEFAULT_DUPE_WINDOW),
        "compression": "none",
        "allow_direct": true,
    });
    match value {
        Value::Object(map) => map,
        _ => Config::new(),
    }
}

/// Reads a configuration file: a stream configuration, or a whole stream
/// info (as `stream info --json` prints) whose `config` is taken.
pub fn load(path: &Path) -> anyhow::Result<Config> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read stream configuration {}", path.display()))?;
    let value: Value = serde_json::from_str(&text).map_err(|err| {
        anyhow::anyhow!(
            "{} is not valid JSON ({err}): write a stream configuration such as `natrium stream info NAME --json` prints",
            path.display()
        )
    })?;
    let config = match value {
        Value::Object(mut map) => match map.remove("config") {
            Some(Value::Object(inner)) => inner,
            Some(_) => bail!("{}: \"config\" must be a JSON object", path.display()),
            None => map,
        },
        _ => bail!(
            "{} must hold a JSON object (a stream configuration)",
            path.display()
        ),
    };
    Ok(config)
}

/// Removes what the server maintains itself (`_nats.*` metadata), so a
/// configuration read from one stream can create or update another.
pub fn strip_server_fields(config: &mut Config) {
    if let Some(Value::Object(metadata)) = config.get_mut("metadata") {
        metadata.retain(|key, _| !key.starts_with("_nats."));
        if metadata.is_empty() {
            config.remove("metadata");
        }
    }
}

/// Subjects given comma- or space-separated, or repeated; empty ones refused.
pub fn split_subjects(given: &[String]) -> anyhow::Result<Vec<String>> {
    let subjects: Vec<String> = given
        .iter()
        .flat_map(|item| item.split([',', ' ']))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    for subject in &subjects {
        let tokens_ok = subject.split('.').all(|token| !token.is_empty());
        if !tokens_ok {
            bail!("invalid subject {subject:?}: subjects are dot-separated tokens, e.g. orders.>");
        }
    }
    if subjects.is_empty() {
        bail!("--subjects needs at least one subject, e.g. --subjects 'orders.>'");
    }
    Ok(subjects)
}

/// A duration as the API's nanoseconds.
pub fn nanos(duration: Duration) -> i64 {
    i64::try_from(duration.as_nanos()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_checked() {
        assert!(split_subjects(&["a..b".into()]).is_err());
        assert!(split_subjects(&[",".into()]).is_err());
        assert_eq!(split_subjects(&["a b".into()]).unwrap(), ["a", "b"]);
    }

    #[test]
    fn server_metadata_is_dropped() {
        let mut config = Config::new();
        config.insert("metadata".into(), json!({"_nats.level": "1", "team": "a"}));
        strip_server_fields(&mut config);
        assert_eq!(config["metadata"], json!({"team": "a"}));
        config.insert("metadata".into(), json!({"_nats.level": "1"}));
        strip_server_fields(&mut config);
        assert!(config.get("metadata").is_none());
    }
}
