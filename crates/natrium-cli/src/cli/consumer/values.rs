//! Value parsers for the `natrium consumer` flags: Go-style durations
//! (`1h30m`, `2d`), moments (a duration from now or a timestamp), where a
//! consumer starts delivering (`--deliver`) and the JetStream policy names.
//!
//! Parsing happens here, while clap reads the command line, so a bad value
//! is a usage error (exit 2) naming the flag, and the behaviour code only
//! ever sees checked values. Times are kept as [`OffsetDateTime`] in UTC and
//! written back as RFC 3339, the JetStream API's format.

use std::time::Duration;

use clap::ValueEnum;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime};

pub use crate::cli::messages::parse_duration;

/// A point in time given either relative to now or as a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// This long from now (into the past or the future, as the flag says).
    Span(Duration),
    /// This exact time.
    At(OffsetDateTime),
}

impl Moment {
    /// The time this long after now (durations count forwards).
    pub fn from_now(self) -> OffsetDateTime {
        match self {
            Moment::Span(span) => OffsetDateTime::now_utc() + span,
            Moment::At(at) => at,
        }
    }

    /// The time this long before now (durations count backwards).
    pub fn ago(self) -> OffsetDateTime {
        match self {
            Moment::Span(span) => OffsetDateTime::now_utc() - span,
            Moment::At(at) => at,
        }
    }
}

/// `1h`, `90m`, an RFC 3339 time (`2030-01-02T15:04:05Z`) or a UTC date and
/// time as the nats CLI writes it (`2030-01-02 15:04:05`).
pub fn parse_moment(text: &str) -> Result<Moment, String> {
    let text = text.trim();
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(Moment::At(at));
    }
    let plain = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    if let Ok(at) = PrimitiveDateTime::parse(text, plain) {
        return Ok(Moment::At(at.assume_utc()));
    }
    parse_duration(text).map(Moment::Span).map_err(|_| {
        format!(
            "{text:?} is neither a duration (e.g. 1h30m) nor a time \
             (e.g. 2030-01-02T15:04:05Z or '2030-01-02 15:04:05')"
        )
    })
}

/// Where a new consumer starts (`--deliver`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliverStart {
    All,
    Last,
    New,
    LastPerSubject,
    /// From this stream sequence on.
    Sequence(u64),
    /// From messages stored at or after this time.
    Since(Moment),
}

/// `all`, `last`, `new`, `last_per_subject`, a sequence number, a duration
/// (that long ago) or a time.
pub fn parse_deliver(text: &str) -> Result<DeliverStart, String> {
    let text = text.trim();
    Ok(match text.to_ascii_lowercase().as_str() {
        "all" => DeliverStart::All,
        "last" => DeliverStart::Last,
        "new" | "next" => DeliverStart::New,
        "last_per_subject" | "last-per-subject" | "subject" => DeliverStart::LastPerSubject,
        digits if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            let sequence = digits
                .parse()
                .map_err(|_| format!("stream sequence {text} is too large"))?;
            DeliverStart::Sequence(sequence)
        }
        _ => DeliverStart::Since(parse_moment(text).map_err(|_| {
            format!(
                "{text:?} is not a start: use all, last, new, last_per_subject, \
                 a stream sequence, a duration ago (1h) or a time (2030-01-02T15:04:05Z)"
            )
        })?),
    })
}

/// `KEY=VALUE` for `--metadata`.
pub fn parse_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("{text:?} is not KEY=VALUE")),
    }
}

/// Acknowledgement policies, as the JetStream API names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AckPolicy {
    /// Every message is acknowledged on its own.
    Explicit,
    /// Acknowledging a message acknowledges all before it.
    All,
    /// No acknowledgements; each message is delivered once.
    None,
}

impl AckPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            AckPolicy::Explicit => "explicit",
            AckPolicy::All => "all",
            AckPolicy::None => "none",
        }
    }
}

/// Replay policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReplayPolicy {
    /// As fast as the client takes them.
    Instant,
    /// At the pace they were stored.
    Original,
}

impl ReplayPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplayPolicy::Instant => "instant",
            ReplayPolicy::Original => "original",
        }
    }
}

/// Priority policies for pull consumers with priority groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum PriorityPolicy {
    /// No priority groups.
    None,
    /// Pulls of a group get messages only past a pending threshold.
    Overflow,
    /// One client of each group gets the messages until it goes quiet.
    PinnedClient,
    /// Pulls with a lower priority number are served first.
    Prioritized,
}

impl PriorityPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            PriorityPolicy::None => "none",
            PriorityPolicy::Overflow => "overflow",
            PriorityPolicy::PinnedClient => "pinned_client",
            PriorityPolicy::Prioritized => "prioritized",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("1x").is_err());
    }

    #[test]
    fn moments_and_starts() {
        assert_eq!(
            parse_moment("1h"),
            Ok(Moment::Span(Duration::from_secs(3600)))
        );
        let at = parse_moment("2030-01-02T15:04:05Z");
        assert!(
            matches!(at, Ok(Moment::At(t)) if t.year() == 2030),
            "{at:?}"
        );
        assert!(matches!(
            parse_moment("2030-01-02 15:04:05"),
            Ok(Moment::At(_))
        ));
        assert!(parse_moment("tomorrow").is_err());
        assert_eq!(parse_deliver("ALL"), Ok(DeliverStart::All));
        assert_eq!(parse_deliver("42"), Ok(DeliverStart::Sequence(42)));
        assert!(matches!(
            parse_deliver("1h"),
            Ok(DeliverStart::Since(Moment::Span(_)))
        ));
        assert!(parse_deliver("sometimes").is_err());
        assert_eq!(parse_pair("a=b=c"), Ok(("a".into(), "b=c".into())));
        assert!(parse_pair("=x").is_err());
    }
}
