//! Command-line definitions for the core NATS commands: `pub`, `sub`,
//! `request` and `reply`, with the nats CLI's flag names so scripts and
//! habits carry over.

use std::time::Duration;

use clap::Args;

/// `natrium pub SUBJECT [BODY]`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    natrium pub orders.created '{\"id\": 1}'\n  \
    natrium pub sensor.temp 'reading {{Count}} at {{TimeStamp}}' --count 10 --sleep 100ms\n  \
    echo hello | natrium pub greet -H source:stdin")]
pub struct PubArgs {
    /// Subject to publish to.
    pub subject: String,
    /// Message body; read from stdin when absent. Templates: {{Count}},
    /// {{TimeStamp}}, {{Unix}}, {{ID}}.
    pub body: Option<String>,
    /// Headers as KEY:VALUE (repeatable).
    #[arg(short = 'H', long = "header", value_name = "KEY:VALUE")]
    pub headers: Vec<String>,
    /// Reply subject to set on the message.
    #[arg(long, value_name = "SUBJECT")]
    pub reply: Option<String>,
    /// How many messages to publish.
    #[arg(long, default_value_t = 1)]
    pub count: u64,
    /// Pause between messages (e.g. 100ms, 1s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub sleep: Option<Duration>,
}

/// `natrium sub SUBJECT`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    natrium sub 'sales.domain.>'\n  \
    natrium sub orders.* --queue workers --count 10\n  \
    natrium sub events.> --raw\n  \
    natrium sub events.> --json | jq .data\n  \
    natrium sub --inbox        (then send requests with `natrium pub SUBJECT BODY --reply <inbox>`)")]
pub struct SubArgs {
    /// Subject to subscribe to (wildcards * and > allowed).
    #[arg(required_unless_present = "inbox")]
    pub subject: Option<String>,
    /// Subscribe to a new inbox (its name is printed) instead of a subject.
    #[arg(long, short = 'i', conflicts_with = "subject")]
    pub inbox: bool,
    /// Join this queue group.
    #[arg(long, value_name = "GROUP")]
    pub queue: Option<String>,
    /// Exit after this many messages (0: run until interrupted).
    #[arg(long, default_value_t = 0)]
    pub count: u64,
    /// Print only the bodies, one per line.
    #[arg(long, short = 'r')]
    pub raw: bool,
    /// Print only headers and subjects, not bodies.
    #[arg(long)]
    pub headers_only: bool,
    /// Print each message as one JSON line: {subject, reply, headers, data}
    /// (data_base64 instead of data for non-UTF-8 bodies).
    #[arg(long, conflicts_with_all = ["raw", "headers_only", "pretty", "translate"])]
    pub json: bool,
    /// Indent bodies that are JSON objects or arrays.
    #[arg(long)]
    pub pretty: bool,
    /// Pipe each body through this shell command before printing (e.g. 'jq .').
    #[arg(long, value_name = "CMD")]
    pub translate: Option<String>,
}

/// `natrium request SUBJECT [BODY]`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    natrium request time.now ''\n  \
    natrium request orders.lookup '{\"id\": 7}' -H trace:abc --timeout 2s\n  \
    natrium request service.discover '' --replies 0 --timeout 1s   (every reply within 1s)")]
pub struct RequestArgs {
    /// Subject to send the request to.
    pub subject: String,
    /// Request body; read from stdin when absent.
    pub body: Option<String>,
    /// Headers as KEY:VALUE (repeatable).
    #[arg(short = 'H', long = "header", value_name = "KEY:VALUE")]
    pub headers: Vec<String>,
    /// Print only the reply body.
    #[arg(long, short = 'r')]
    pub raw: bool,
    /// Wait for this many replies (0: every reply until the timeout).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub replies: u64,
    /// With several replies: how much longer than the average reply time
    /// to wait for the next one.
    #[arg(long, value_name = "DURATION", default_value = "300ms", value_parser = parse_duration)]
    pub reply_timeout: Duration,
    /// Print each reply as one JSON line: {subject, reply, headers, data}.
    #[arg(long, conflicts_with_all = ["raw", "pretty", "translate"])]
    pub json: bool,
    /// Indent replies that are JSON objects or arrays.
    #[arg(long)]
    pub pretty: bool,
    /// Pipe each reply body through this shell command before printing.
    #[arg(long, value_name = "CMD")]
    pub translate: Option<String>,
}

/// `natrium reply SUBJECT [BODY]`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    natrium reply time.now --command date\n  \
    natrium reply greet 'hello {{Count}}'\n  \
    natrium reply echo.> --echo --queue echoers")]
pub struct ReplyArgs {
    /// Subject to answer requests on.
    pub subject: String,
    /// Body of every reply (templates as for pub).
    pub body: Option<String>,
    /// Answer with the request itself (its body and headers).
    #[arg(long, conflicts_with_all = ["body", "command"])]
    pub echo: bool,
    /// Run this shell command per request, with the request body on its
    /// stdin, and answer with its stdout.
    #[arg(long, value_name = "CMD", conflicts_with = "body")]
    pub command: Option<String>,
    /// Join this queue group (spread requests over several responders).
    #[arg(long, value_name = "GROUP")]
    pub queue: Option<String>,
    /// Exit after answering this many requests (0: run until interrupted).
    #[arg(long, default_value_t = 0)]
    pub count: u64,
}

/// Durations as Go and the nats CLI write them: one or more number-unit
/// parts (`500ms`, `1h30m`, `1.5s`, `2d`, `1w`, `1y`; units ns, us, ms, s,
/// m, h, d, w, y), or a plain number of seconds. Every command's duration
/// flags read through this one parser.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let invalid = || format!("invalid duration {text:?} (use e.g. 500ms, 30s, 1h30m, 2d or 1w)");
    if text.is_empty() {
        return Err(invalid());
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_len);
        let value: f64 = number.parse().map_err(|_| invalid())?;
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let seconds = match unit {
            "" if next.is_empty() && total == 0.0 => 1.0,
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            "w" => 7.0 * 86_400.0,
            "y" => 365.0 * 86_400.0,
            _ => return Err(invalid()),
        };
        total += value * seconds;
        rest = next;
    }
    Duration::try_from_secs_f64(total).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert!(parse_duration("soon").is_err());
    }
}
