//! The JetStream API's timestamps (RFC 3339, nanosecond precision, UTC):
//! reading them, showing them to people, and comparing them with now.
//!
//! Small and dependency-free on purpose: the API only ever sends
//! `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::output;

/// Nanoseconds since the Unix epoch of an RFC 3339 timestamp.
pub fn parse(text: &str) -> Option<i128> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes[4] != b'-' || bytes[7] != b'-' || bytes[13] != b':' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let mut rest = &text[19..];
    let mut fraction_nanos = 0i128;
    if let Some(after_dot) = rest.strip_prefix('.') {
        let digits = after_dot
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after_dot.len());
        let fraction = &after_dot[..digits.min(9)];
        let padded = format!("{fraction:0<9}");
        fraction_nanos = padded.parse().ok()?;
        rest = &after_dot[digits..];
    }
    let offset_seconds = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hours: i64 = rest.get(1..3)?.parse().ok()?;
            let minutes: i64 = rest.get(4..6)?.parse().ok()?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Some(i128::from(seconds) * 1_000_000_000 + fraction_nanos)
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Now, in nanoseconds since the Unix epoch.
pub fn now_nanos() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0)
}

/// Whether a timestamp is the API's "never" (Go's zero time or the epoch).
pub fn is_unset(text: &str) -> bool {
    parse(text).is_none_or(|nanos| nanos <= 0)
}

/// `2025-01-02 03:04:05 UTC`, or "" for an unset time.
pub fn show(text: &str) -> String {
    if is_unset(text) {
        return String::new();
    }
    match text.get(0..19) {
        Some(seconds) if text.ends_with('Z') => format!("{} UTC", seconds.replace('T', " ")),
        _ => text.to_string(),
    }
}

/// How long ago a timestamp was: `3m4s`, or "never" when unset.
pub fn ago(text: &str) -> String {
    match parse(text).filter(|nanos| *nanos > 0) {
        Some(then) => {
            let elapsed = (now_nanos() - then).max(0);
            let elapsed = Duration::from_nanos(u64::try_from(elapsed).unwrap_or(u64::MAX));
            // Whole seconds read better in tables.
            output::duration(Duration::from_secs(elapsed.as_secs().max(1)))
        }
        None => "never".to_string(),
    }
}

/// `2025-01-02 03:04:05 UTC (3m4s ago)`, or "" for an unset time.
pub fn show_with_age(text: &str) -> String {
    if is_unset(text) {
        return String::new();
    }
    format!("{} ({} ago)", show(text), ago(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse("2026-11-23T11:43:41.5Z"),
            Some(1_795_434_221_500_000_000)
        );
        assert_eq!(
            parse("2026-11-23T12:43:41.000000001+01:00"),
            Some(1_795_434_221_000_000_001)
        );
        assert!(parse("yesterday").is_none());
        assert!(is_unset("0001-01-01T00:00:00Z"));
        assert_eq!(show("2026-11-23T11:43:41.123Z"), "2026-11-23 11:43:41 UTC");
        assert_eq!(show("0001-01-01T00:00:00Z"), "");
    }
}
