//! Reading the JetStream API's JSON for people: fields that may be
//! missing read as zero or empty, numbers get separators, nanoseconds
//! become `1m30s`, RFC 3339 times become `2030-01-02 15:04:05 UTC`.
//!
//! Shared by the info page ([`super::show`]) and the tables
//! ([`super::tables`]), so a view never fails on a reply it does not fully
//! understand.

use std::time::Duration;

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::output;

/// The text at `key`, or "".
pub fn text<'a>(map: &'a Map<String, Value>, key: &str) -> &'a str {
    map.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The integer at `key`, or 0.
pub fn number(map: &Map<String, Value>, key: &str) -> i64 {
    map.get(key).and_then(Value::as_i64).unwrap_or(0)
}

/// A count at `key` with separators.
pub fn count(map: &Map<String, Value>, key: &str) -> String {
    output::count(number(map, key).max(0) as u64)
}

/// A nanosecond duration at `key`, or "" when unset.
pub fn span(map: &Map<String, Value>, key: &str) -> String {
    match number(map, key) {
        nanos if nanos > 0 => output::duration(Duration::from_nanos(nanos as u64)),
        _ => String::new(),
    }
}

/// `value` when `condition` holds, else "" (a row left out).
pub fn when(condition: bool, value: impl Into<String>) -> String {
    if condition {
        value.into()
    } else {
        String::new()
    }
}

/// `last_per_subject` → `Last Per Subject`.
pub fn title_case(name: &str) -> String {
    name.split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// An API time as `2030-01-02 15:04:05 UTC` (the raw text if unparsable).
pub fn display_time(text: &str) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    parse_time(text)
        .and_then(|at| at.format(format).ok())
        .unwrap_or_else(|| text.to_string())
}

/// How long before `reference` the time `text` was, e.g. `3s ago`.
pub fn ago(text: &str, reference: &str) -> String {
    match (parse_time(text), parse_time(reference)) {
        (Some(at), Some(now)) if at.year() > 1 => {
            let elapsed = (now - at).max(time::Duration::ZERO);
            format!("{} ago", output::duration(elapsed.unsigned_abs()))
        }
        _ => "never".to_string(),
    }
}

/// Whether the boolean at `key` is true.
pub fn flag(map: &Map<String, Value>, key: &str) -> bool {
    map.get(key).and_then(Value::as_bool) == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_times() {
        assert_eq!(title_case("last_per_subject"), "Last Per Subject");
        assert_eq!(title_case("explicit"), "Explicit");
        assert_eq!(
            display_time("2030-01-02T15:04:05.123456789Z"),
            "2030-01-02 15:04:05 UTC"
        );
        assert_eq!(display_time("garbage"), "garbage");
        assert_eq!(
            ago("2030-01-02T15:04:05Z", "2030-01-02T15:04:08Z"),
            "3s ago"
        );
        assert_eq!(ago("0001-01-01T00:00:00Z", "2030-01-02T15:04:08Z"), "never");
    }
}
