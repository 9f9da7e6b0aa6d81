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

/// Durations as the nats CLI takes them: `500ms`, `2s`, `1m`, or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("invalid duration {text:?} (use e.g. 500ms, 2s, 1m)"))?;
    let seconds = match unit {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "us" | "µs" => value / 1_000_000.0,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => {
            return Err(format!(
                "invalid duration unit in {text:?} (use ms, s, m or h)"
            ))
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("invalid duration {text:?}: {e}"))
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
