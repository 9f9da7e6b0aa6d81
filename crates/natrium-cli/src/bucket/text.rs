//! How bucket contents read on screen: times, values that may be binary,
//! and fields of the server's stream JSON.
//!
//! Times are UTC in RFC 3339, to the second for people ([`timestamp`]) and
//! in full for JSON ([`rfc3339`]). Values are shown as text when printable
//! and as base64 otherwise, like the nats CLI does.

use std::io::Write;

use anyhow::anyhow;
use base64::Engine as _;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// A time the way these commands print it: RFC 3339, UTC, whole seconds.
pub fn timestamp(time: OffsetDateTime) -> String {
    let utc = time.to_offset(UtcOffset::UTC);
    utc.replace_nanosecond(0)
        .unwrap_or(utc)
        .format(&Rfc3339)
        .unwrap_or_else(|_| utc.to_string())
}

/// A stream JSON time string (`created`, `state.last_ts`) as [`timestamp`]
/// does, or as the server wrote it when it does not parse.
pub fn json_timestamp(value: &Value) -> String {
    let text = value.as_str().unwrap_or_default();
    OffsetDateTime::parse(text, &Rfc3339)
        .map(timestamp)
        .unwrap_or_else(|_| text.to_string())
}

/// A time with all its precision, for JSON output.
pub fn rfc3339(time: OffsetDateTime) -> String {
    time.to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| time.to_string())
}

/// How long ago a stream JSON time string was (`state.last_ts`), or `never`
/// for the zero time a stream without messages reports.
pub fn json_age(value: &Value) -> String {
    let text = value.as_str().unwrap_or_default();
    match OffsetDateTime::parse(text, &Rfc3339) {
        Ok(time) if time.year() > 1 => {
            let elapsed = OffsetDateTime::now_utc() - time;
            crate::output::duration(elapsed.try_into().unwrap_or_default())
        }
        _ => "never".to_string(),
    }
}

/// Whether a stream configuration JSON asks for compression.
pub fn is_compressed(config: &Value) -> bool {
    config["compression"]
        .as_str()
        .is_some_and(|compression| compression != "none")
}

/// The storage of a stream configuration JSON, as the nats CLI names it.
pub fn storage_name(config: &Value) -> String {
    match config["storage"].as_str() {
        Some("memory") => "Memory".to_string(),
        Some("file") | None => "File".to_string(),
        Some(other) => other.to_string(),
    }
}

/// The first lines of `kv info` and `object info BUCKET`, as the nats CLI
/// prints them.
pub fn print_status_heading(kind: super::Kind, name: &str, info: &Value) {
    let store = match kind {
        super::Kind::KeyValue => "Key-Value Store",
        super::Kind::Object => "Object Store",
    };
    println!(
        "Information for {store} Bucket {name} created {}",
        json_timestamp(&info["created"])
    );
    println!();
    println!("Configuration:");
    println!();
}

/// A value as text when it is printable, base64 otherwise (like the nats CLI).
pub fn printable(value: &[u8]) -> String {
    match std::str::from_utf8(value) {
        Ok(text)
            if text
                .chars()
                .all(|c| !c.is_control() || c == '\n' || c == '\t') =>
        {
            text.to_string()
        }
        _ => base64::engine::general_purpose::STANDARD.encode(value),
    }
}

/// [`printable`], shortened to its first and last 15 characters when long.
pub fn preview(value: &[u8]) -> String {
    let text = printable(value);
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 40 {
        return text;
    }
    let head: String = chars[..15].iter().collect();
    let tail: String = chars[chars.len() - 15..].iter().collect();
    format!("{head}...{tail}")
}

/// Writes one line to stdout and flushes it, failing (not panicking) when
/// stdout is gone, e.g. piped into `head`.
pub fn print_line(line: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|err| anyhow!("cannot write to stdout: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_times() {
        assert_eq!(printable(b"blue"), "blue");
        assert_eq!(printable(&[0, 1, 2]), "AAEC");
        let long = "x".repeat(20) + &"y".repeat(30);
        assert_eq!(
            preview(long.as_bytes()),
            format!("{}...{}", "x".repeat(15), "y".repeat(15))
        );
        assert_eq!(
            timestamp(OffsetDateTime::UNIX_EPOCH),
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(
            json_age(&Value::String("0001-01-01T00:00:00Z".into())),
            "never"
        );
    }
}
