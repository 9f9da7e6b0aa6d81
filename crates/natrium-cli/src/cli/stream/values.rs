//! Value parsers for the stream flags: limits where `-1` means unlimited,
//! sizes with units, ages with days, weeks and years, `KEY=VALUE` pairs.
//!
//! They live apart from the flag declarations so that each can be unit
//! tested on its own, and return `String` errors so clap prints them as a
//! usage error (exit 2) naming the flag.

use std::time::Duration;

use crate::cli::{parse_count, parse_size};

/// A message or consumer limit: `-1` (unlimited), `1000`, `10k`, `1M`.
pub fn parse_limit(text: &str) -> Result<i64, String> {
    if text.trim() == "-1" {
        return Ok(-1);
    }
    let count = parse_count(text)?;
    i64::try_from(count).map_err(|_| format!("limit '{text}' is too large"))
}

/// A byte limit: `-1` (unlimited), `1024`, `512MiB`, `1GB`, `2GiB`.
pub fn parse_byte_limit(text: &str) -> Result<i64, String> {
    if text.trim() == "-1" {
        return Ok(-1);
    }
    let size = parse_size(text)?;
    i64::try_from(size).map_err(|_| format!("size '{text}' is too large"))
}

/// A maximum message size: like [`parse_byte_limit`], at most 2 GiB - 1
/// (the server keeps it in 32 bits).
pub fn parse_message_size(text: &str) -> Result<i64, String> {
    let size = parse_byte_limit(text)?;
    if size > i64::from(i32::MAX) {
        return Err(format!(
            "'{text}' is too large: a message may be at most {} bytes",
            i32::MAX
        ));
    }
    Ok(size)
}

/// A number of replicas: 1 to 5.
pub fn parse_replicas(text: &str) -> Result<i64, String> {
    match text.trim().parse::<i64>() {
        Ok(n) if (1..=5).contains(&n) => Ok(n),
        _ => Err(format!("'{text}' is not a replica count (use 1 to 5)")),
    }
}

/// An age or window such as `30s`, `1h30m`, `1d`, `2w`, `1y`, `1.5h` or
/// `500ms`; a plain number is seconds, and `0`, `-1` or `unlimited` mean no
/// limit (a zero duration).
pub fn parse_age(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if matches!(text, "0" | "-1" | "unlimited" | "") {
        return Ok(Duration::ZERO);
    }
    crate::cli::messages::parse_duration(text)
}

/// Metadata as `KEY=VALUE`.
pub fn parse_metadata(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("invalid metadata '{text}' (use KEY=VALUE)")),
    }
}

/// A message sequence: 1 or more.
pub fn parse_sequence(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) | Err(_) => Err(format!("'{text}' is not a message sequence (1 or more)")),
        Ok(seq) => Ok(seq),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(parse_age("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_age("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_age("2w"), Ok(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_age("1y"), Ok(Duration::from_secs(365 * 86_400)));
        assert_eq!(parse_age("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_age("1d3h5m2s"), Ok(Duration::from_secs(97_502)));
        assert_eq!(parse_age("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_age("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_age("-1"), Ok(Duration::ZERO));
        assert!(parse_age("soon").is_err());
        assert!(parse_age("1x").is_err());
        assert!(parse_age("1h30").is_err());
    }

    #[test]
    fn limits() {
        assert_eq!(parse_limit("-1"), Ok(-1));
        assert_eq!(parse_limit("10k"), Ok(10_000));
        assert!(parse_limit("-2").is_err());
        assert_eq!(parse_byte_limit("1GB"), Ok(1_000_000_000));
        assert_eq!(parse_byte_limit("1GiB"), Ok(1 << 30));
        assert_eq!(parse_byte_limit("-1"), Ok(-1));
        assert!(parse_byte_limit("lots").is_err());
        assert!(parse_message_size("4GiB").is_err());
        assert_eq!(parse_message_size("1MiB"), Ok(1 << 20));
        assert!(parse_replicas("0").is_err());
        assert_eq!(parse_replicas("3"), Ok(3));
    }

    #[test]
    fn pairs_and_sequences() {
        assert_eq!(
            parse_metadata("team=orders"),
            Ok(("team".into(), "orders".into()))
        );
        assert!(parse_metadata("novalue").is_err());
        assert_eq!(parse_sequence("7"), Ok(7));
        assert!(parse_sequence("0").is_err());
    }
}
