//! Go's `time.ParseDuration`, which nats-server applies to duration options
//! written as strings (`ping_interval: "2m"`, `write_deadline: "10s"`).
//!
//! Grammar: an optional sign, then one or more `<number><unit>` groups, where
//! the number may have a fraction (`1.5h`, `.5s`, `1.s`) and the unit is one
//! of `ns`, `us`, `µs`, `μs`, `ms`, `s`, `m`, `h`. A lone `0` needs no unit.
//! The total must fit in Go's `int64` nanoseconds. Fractions are applied the
//! way Go does (through `f64`), so results match nats-server to the
//! nanosecond. Negative durations cannot be represented by
//! [`std::time::Duration`] and are reported as [`DurationError::Negative`].

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("invalid duration \"{0}\"")]
    Invalid(String),
    #[error("missing unit in duration \"{0}\"")]
    MissingUnit(String),
    #[error("unknown unit \"{unit}\" in duration \"{input}\"")]
    UnknownUnit { unit: String, input: String },
    #[error("negative duration \"{0}\"")]
    Negative(String),
}

/// Go's limit: durations are `int64` nanoseconds (`1 << 63` is allowed only
/// as the magnitude of a negative value).
const LIMIT: u64 = 1 << 63;

fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => 1,
        "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60 * 1_000_000_000,
        "h" => 3_600 * 1_000_000_000,
        _ => return None,
    })
}

/// Parses a Go duration string such as `"1h30m"`, `"1.5s"` or `"250ms"`.
pub fn parse_duration(input: &str) -> Result<Duration, DurationError> {
    let invalid = || DurationError::Invalid(input.to_string());
    let (negative, mut rest) = match input.as_bytes().first() {
        Some(b'-') => (true, &input[1..]),
        Some(b'+') => (false, &input[1..]),
        _ => (false, input),
    };
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        if !rest.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
            return Err(invalid());
        }
        let (whole, after_whole) = leading_int(rest).ok_or_else(invalid)?;
        let has_whole = after_whole.len() != rest.len();
        rest = after_whole;
        let (mut fraction, mut scale, mut has_fraction) = (0u64, 1f64, false);
        if let Some(after_dot) = rest.strip_prefix('.') {
            let (f, s, after_fraction) = leading_fraction(after_dot);
            has_fraction = after_fraction.len() != after_dot.len();
            (fraction, scale, rest) = (f, s, after_fraction);
        }
        if !has_whole && !has_fraction {
            return Err(invalid());
        }
        let unit_len = rest
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(rest.len());
        if unit_len == 0 {
            return Err(DurationError::MissingUnit(input.to_string()));
        }
        let (unit, after_unit) = rest.split_at(unit_len);
        rest = after_unit;
        let nanos = unit_nanos(unit).ok_or_else(|| DurationError::UnknownUnit {
            unit: unit.to_string(),
            input: input.to_string(),
        })?;
        if whole > LIMIT / nanos {
            return Err(invalid());
        }
        let mut value = whole * nanos;
        if fraction > 0 {
            // Same float arithmetic as Go, for identical rounding.
            value += (fraction as f64 * (nanos as f64 / scale)) as u64;
            if value > LIMIT {
                return Err(invalid());
            }
        }
        total = total
            .checked_add(value)
            .filter(|t| *t <= LIMIT)
            .ok_or_else(invalid)?;
    }
    if negative {
        return if total == 0 {
            Ok(Duration::ZERO)
        } else {
            Err(DurationError::Negative(input.to_string()))
        };
    }
    if total > LIMIT - 1 {
        return Err(invalid());
    }
    Ok(Duration::from_nanos(total))
}

/// Leading decimal digits as an integer; `None` on overflow past `1 << 63`.
fn leading_int(s: &str) -> Option<(u64, &str)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let mut value: u64 = 0;
    for b in s[..digits].bytes() {
        if value > LIMIT / 10 {
            return None;
        }
        value = value * 10 + u64::from(b - b'0');
        if value > LIMIT {
            return None;
        }
    }
    Some((value, &s[digits..]))
}

/// Leading fraction digits as `(numerator, scale)`; digits that would
/// overflow are ignored, as Go does.
fn leading_fraction(s: &str) -> (u64, f64, &str) {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let (mut value, mut scale, mut overflow) = (0u64, 1f64, false);
    for b in s[..digits].bytes() {
        if overflow {
            continue;
        }
        if value > (LIMIT - 1) / 10 {
            overflow = true;
            continue;
        }
        let next = value * 10 + u64::from(b - b'0');
        if next > LIMIT {
            overflow = true;
            continue;
        }
        value = next;
        scale *= 10.0;
    }
    (value, scale, &s[digits..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Duration {
        parse_duration(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn simple_units() {
        assert_eq!(ok("0"), Duration::ZERO);
        assert_eq!(ok("5s"), Duration::from_secs(5));
        assert_eq!(ok("+5s"), Duration::from_secs(5));
        assert_eq!(ok("2m"), Duration::from_secs(120));
        assert_eq!(ok("1h"), Duration::from_secs(3600));
        assert_eq!(ok("250ms"), Duration::from_millis(250));
        assert_eq!(ok("10us"), Duration::from_micros(10));
        assert_eq!(ok("10µs"), Duration::from_micros(10));
        assert_eq!(ok("10μs"), Duration::from_micros(10));
        assert_eq!(ok("7ns"), Duration::from_nanos(7));
        assert_eq!(ok("-0"), Duration::ZERO);
        assert_eq!(ok("-0s"), Duration::ZERO);
    }

    #[test]
    fn fractions_and_combinations() {
        assert_eq!(ok("1.5s"), Duration::from_millis(1500));
        assert_eq!(ok(".5s"), Duration::from_millis(500));
        assert_eq!(ok("1.s"), Duration::from_secs(1));
        assert_eq!(ok("1h30m"), Duration::from_secs(5400));
        assert_eq!(
            ok("1h2m3s4ms5us6ns"),
            Duration::from_nanos(3_723_004_005_006)
        );
        assert_eq!(ok("0.3333333333s"), Duration::from_nanos(333_333_333));
        assert_eq!(
            ok("2562047h47m16.854775807s"),
            Duration::from_nanos(i64::MAX as u64)
        );
    }

    #[test]
    fn errors() {
        assert_eq!(parse_duration(""), Err(DurationError::Invalid("".into())));
        assert_eq!(parse_duration("-"), Err(DurationError::Invalid("-".into())));
        assert_eq!(parse_duration("."), Err(DurationError::Invalid(".".into())));
        assert_eq!(parse_duration("s"), Err(DurationError::Invalid("s".into())));
        assert_eq!(
            parse_duration("10"),
            Err(DurationError::MissingUnit("10".into()))
        );
        assert_eq!(
            parse_duration("3d"),
            Err(DurationError::UnknownUnit {
                unit: "d".into(),
                input: "3d".into()
            })
        );
        assert_eq!(
            parse_duration("-1s"),
            Err(DurationError::Negative("-1s".into()))
        );
        assert!(parse_duration("2562047h47m16.854775808s").is_err());
        assert!(parse_duration("9999999999999999999h").is_err());
        assert_eq!(
            parse_duration("1s 2s").unwrap_err().to_string(),
            "unknown unit \"s \" in duration \"1s 2s\""
        );
    }
}
