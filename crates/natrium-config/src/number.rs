//! Numbers, sizes, IP-like strings and datetimes.
//!
//! A value that starts with a digit (or `-`) is ambiguous in this format:
//! `4222` is an integer, `1.5` a float, `127.0.0.1:4222` a string, `1GB` the
//! integer 1073741824, `2m` the integer 2000000 (mega, not minutes!), `10s`
//! a string, `2016-01-01T00:00:00Z` a datetime. The rules below reproduce
//! nats-server's lexer (verified against the 2.14 binary):
//!
//! * digits followed by a terminator (blank, newline, `,`, `;`, `}`, end of
//!   input, and `]` inside an array) are an integer;
//! * digits followed by one of `k m g t p e` (any case), then any run of
//!   `b`/`i`, then a terminator or a digit, are an integer with a size
//!   suffix: `k`=1000, `kb`/`ki`/`kib`=1024, likewise `m g t p e` for the
//!   powers 2..6;
//! * digits, `.`, digits form a float; a second `.` turns it into a string of
//!   digits, dots, colons and dashes (an IP address, possibly with a port);
//! * four digits and `-` start a datetime, which must be full Zulu form;
//! * any other character after the digits makes the whole thing an unquoted
//!   string (`12abc`, `10s`, `500ms`).
//!
//! Deliberate differences from nats-server, all on inputs it mishandles:
//! `]` ends a number inside an array (nats-server rejects `[1, 2]`), an
//! overflowing size (`10E`) is an error instead of wrapping around, and an
//! unknown suffix combination (`1kbb`) is an error instead of silently
//! dropping the key.

use crate::error::ConfigError;
use crate::lexer::{describe, is_blank, is_newline, Lexer, Token};
use crate::value::Value;

fn is_size_suffix(c: char) -> bool {
    matches!(c.to_ascii_lowercase(), 'k' | 'm' | 'g' | 't' | 'p' | 'e')
}

/// Characters that end a bare number.
fn ends_number(c: Option<char>, in_array: bool) -> bool {
    match c {
        None => true,
        Some(c) => {
            is_newline(c) || is_blank(c) || matches!(c, '}' | ';' | ',') || (in_array && c == ']')
        }
    }
}

/// A value starting with a digit.
pub(crate) fn scan_unsigned(lx: &mut Lexer<'_>, in_array: bool) -> Result<Token, ConfigError> {
    let position = lx.position();
    let start = lx.offset();
    lx.eat_while(|c| c.is_ascii_digit());
    match lx.peek() {
        Some('-') => {
            if lx.offset() - start != 4 {
                return Err(lx.syntax_error("All ISO8601 dates must be in full Zulu form."));
            }
            lx.bump();
            scan_datetime_rest(lx)?;
            let text = lx.slice_from(start);
            if !valid_datetime(text) {
                return Err(ConfigError::invalid(
                    position,
                    format!("expected Zulu formatted DateTime, but got '{text}'"),
                ));
            }
            Ok(Token::Scalar(Value::DateTime(text.to_string())))
        }
        Some('.') => scan_fraction(lx, start, position),
        Some(c) if is_size_suffix(c) => scan_suffix(lx, start, position, in_array),
        next if ends_number(next, in_array) => integer(lx.slice_from(start), position),
        // `12abc`, `10s`: the digits were the start of an unquoted string.
        // Like nats-server, the character that decided it is taken
        // literally, even if it is `]`, `\` or a quote.
        _ => {
            lx.bump();
            lx.scan_unquoted(lx.slice_from(start).to_string())
        }
    }
}

/// A value starting with `-`: must be a (possibly sized) integer or a float.
pub(crate) fn scan_negative(lx: &mut Lexer<'_>, in_array: bool) -> Result<Token, ConfigError> {
    let position = lx.position();
    let start = lx.offset();
    lx.bump();
    match lx.peek() {
        Some(c) if c.is_ascii_digit() => {}
        Some('.') => return Err(lx.syntax_error("Floats must start with a digit, not '.'.")),
        other => {
            return Err(lx.syntax_error(format!("Expected a digit but got {}.", describe(other))))
        }
    }
    lx.eat_while(|c| c.is_ascii_digit());
    match lx.peek() {
        Some('.') => scan_fraction(lx, start, position),
        Some(c) if is_size_suffix(c) => scan_suffix(lx, start, position, in_array),
        // Whatever follows is the caller's problem ("expected value end").
        _ => integer(lx.slice_from(start), position),
    }
}

/// After the integer part, at `.`: a float, or an IP-like string.
fn scan_fraction(
    lx: &mut Lexer<'_>,
    start: usize,
    position: crate::value::Position,
) -> Result<Token, ConfigError> {
    lx.bump(); // '.'
    if !lx.peek().is_some_and(|c| c.is_ascii_digit()) {
        return Err(lx.syntax_error(format!(
            "Floats must have a digit after the '.', but got {} instead.",
            describe(lx.peek())
        )));
    }
    lx.eat_while(|c| c.is_ascii_digit());
    if lx.peek() == Some('.') {
        lx.eat_while(|c| c.is_ascii_digit() || matches!(c, '.' | ':' | '-'));
        return Ok(Token::Scalar(Value::String(
            lx.slice_from(start).to_string(),
        )));
    }
    let text = lx.slice_from(start);
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(Token::Scalar(Value::Float(f))),
        _ => Err(ConfigError::invalid(
            position,
            format!("float '{text}' is out of the range"),
        )),
    }
}

/// After the integer part, at a size suffix letter.
fn scan_suffix(
    lx: &mut Lexer<'_>,
    start: usize,
    position: crate::value::Position,
    in_array: bool,
) -> Result<Token, ConfigError> {
    lx.bump();
    lx.eat_while(|c| matches!(c, 'b' | 'B' | 'i' | 'I'));
    let next = lx.peek();
    if ends_number(next, in_array) || next.is_some_and(|c| c.is_ascii_digit()) {
        integer(lx.slice_from(start), position)
    } else {
        // `1gx`, `500ms`: not a size after all.
        lx.scan_unquoted(lx.slice_from(start).to_string())
    }
}

/// Converts `-?digits[suffix]` to an integer, applying the size multiplier.
fn integer(text: &str, position: crate::value::Position) -> Result<Token, ConfigError> {
    let split = text
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '-'))
        .map_or(text.len(), |(i, _)| i);
    let (digits, suffix) = text.split_at(split);
    let out_of_range = || {
        ConfigError::invalid(
            position.clone(),
            format!("integer '{text}' is out of the range"),
        )
    };
    let base: i64 = digits.parse().map_err(|_| out_of_range())?;
    let multiplier = size_multiplier(suffix).ok_or_else(|| {
        ConfigError::invalid(
            position.clone(),
            format!("invalid size suffix '{suffix}' in '{text}'"),
        )
    })?;
    let value = base.checked_mul(multiplier).ok_or_else(out_of_range)?;
    Ok(Token::Scalar(Value::Integer(value)))
}

/// `k`/`m`/... are powers of 1000; with `b`, `i` or `ib` powers of 1024.
pub(crate) fn size_multiplier(suffix: &str) -> Option<i64> {
    let lower = suffix.to_ascii_lowercase();
    let mut chars = lower.chars();
    let Some(letter) = chars.next() else {
        return Some(1);
    };
    let power = match letter {
        'k' => 1,
        'm' => 2,
        'g' => 3,
        't' => 4,
        'p' => 5,
        'e' => 6,
        _ => return None,
    };
    let base: i64 = match chars.as_str() {
        "" => 1000,
        "b" | "i" | "ib" => 1024,
        _ => return None,
    };
    Some(base.pow(power))
}

/// Checks the `MM-DDTHH:MM:SSZ` that must follow `YYYY-`.
fn scan_datetime_rest(lx: &mut Lexer<'_>) -> Result<(), ConfigError> {
    for expected in "00-00T00:00:00Z".chars() {
        let position = lx.position();
        let got = lx.bump();
        let ok = match expected {
            '0' => got.is_some_and(|c| c.is_ascii_digit()),
            literal => got == Some(literal),
        };
        if !ok {
            let what = if expected == '0' {
                "digit".to_string()
            } else {
                format!("'{expected}'")
            };
            return Err(ConfigError::syntax(
                position,
                format!(
                    "Expected {what} in ISO8601 datetime, but found {} instead.",
                    describe(got)
                ),
            ));
        }
    }
    Ok(())
}

/// Range checks Go's `time.Parse` applies to `2006-01-02T15:04:05Z`.
fn valid_datetime(text: &str) -> bool {
    let field = |range: std::ops::Range<usize>| -> u32 {
        text.get(range)
            .and_then(|s| s.parse().ok())
            .unwrap_or(u32::MAX)
    };
    let (year, month, day) = (field(0..4), field(5..7), field(8..10));
    let (hour, minute, second) = (field(11..13), field(14..16), field(17..19));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days_in_month).contains(&day) && hour < 24 && minute < 60 && second < 60
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(src: &str, in_array: bool) -> Result<Token, ConfigError> {
        let mut lx = Lexer::new(src, None);
        lx.scan_value(in_array).map(|t| t.value)
    }

    fn int(src: &str) -> i64 {
        match scan(src, false) {
            Ok(Token::Scalar(Value::Integer(i))) => i,
            other => panic!("{src}: expected integer, got {other:?}"),
        }
    }

    fn string(src: &str) -> String {
        match scan(src, false) {
            Ok(Token::Scalar(Value::String(s))) => s,
            other => panic!("{src}: expected string, got {other:?}"),
        }
    }

    #[test]
    fn size_suffixes_match_nats_server() {
        let cases: &[(&str, i64)] = &[
            ("1k", 1000),
            ("1K", 1000),
            ("1kb", 1024),
            ("1KB", 1024),
            ("1Kb", 1024),
            ("1ki", 1024),
            ("1KiB", 1024),
            ("1m", 1_000_000),
            ("1mb", 1 << 20),
            ("1mi", 1 << 20),
            ("1mib", 1 << 20),
            ("1g", 1_000_000_000),
            ("1GB", 1 << 30),
            ("1gi", 1 << 30),
            ("1t", 1_000_000_000_000),
            ("1tb", 1 << 40),
            ("1p", 1_000_000_000_000_000),
            ("1pb", 1 << 50),
            ("1e", 1_000_000_000_000_000_000),
            ("1eb", 1 << 60),
            ("-1k", -1000),
            ("007", 7),
            ("2m", 2_000_000),
        ];
        for &(src, want) in cases {
            assert_eq!(int(src), want, "{src}");
        }
    }

    #[test]
    fn digit_prefixed_strings() {
        assert_eq!(string("10s"), "10s");
        assert_eq!(string("500ms"), "500ms");
        assert_eq!(string("1h30m"), "1h30m");
        assert_eq!(string("12abc"), "12abc");
        assert_eq!(string("1gx"), "1gx");
        assert_eq!(string("1ib"), "1ib");
        assert_eq!(string("127.0.0.1:4222"), "127.0.0.1:4222");
        assert_eq!(string("1.2.3.4:5-6"), "1.2.3.4:5-6");
        assert_eq!(string("4222#x"), "4222#x");
    }

    #[test]
    fn floats() {
        assert!(matches!(scan("1.5", false), Ok(Token::Scalar(Value::Float(f))) if f == 1.5));
        assert!(matches!(scan("-0.25", false), Ok(Token::Scalar(Value::Float(f))) if f == -0.25));
        assert!(scan("1.", false).is_err());
        assert!(scan("-.5", false).is_err());
        assert!(scan("-x", false).is_err());
    }

    #[test]
    fn right_bracket_ends_numbers_only_in_arrays() {
        assert!(matches!(
            scan("1]", true),
            Ok(Token::Scalar(Value::Integer(1)))
        ));
        assert!(matches!(
            scan("1k]", true),
            Ok(Token::Scalar(Value::Integer(1000)))
        ));
        // Outside an array nats-server reads `1]` as the string "1]".
        assert_eq!(string("1]"), "1]");
    }

    #[test]
    fn ranges() {
        assert_eq!(int("9223372036854775807"), i64::MAX);
        assert_eq!(int("-9223372036854775808"), i64::MIN);
        assert!(scan("99999999999999999999", false).is_err());
        assert!(scan("10E", false).is_err());
        assert!(scan("1kbb", false).is_err());
    }

    #[test]
    fn datetimes() {
        assert!(matches!(
            scan("2016-02-29T23:59:59Z", false),
            Ok(Token::Scalar(Value::DateTime(ref s))) if s == "2016-02-29T23:59:59Z"
        ));
        for bad in [
            "2016-13-01T00:00:00Z",
            "2016-02-30T00:00:00Z",
            "2015-02-29T00:00:00Z",
            "2016-01-01T24:00:00Z",
            "2016-01-01",
            "12-34",
        ] {
            assert!(scan(bad, false).is_err(), "{bad}");
        }
    }
}
