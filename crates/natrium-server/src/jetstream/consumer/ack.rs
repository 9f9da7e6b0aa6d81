//! Ack subjects and ack bodies: how a delivered message names itself, and
//! what a client's answer to it means.
//!
//! Every delivery carries the reply subject
//! `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<ts>.<pending>`,
//! which clients parse for message metadata and publish their ack to. The
//! ack body is one of nats-server's verbs (`+ACK` or empty, `-NAK` with an
//! optional delay, `+WPI`, `+TERM` with an optional reason, `+NXT` with an
//! optional pull request).

use std::time::Duration;

use natrium_jetstream::subjects::ACK_PREFIX;

/// The reply subject of one delivery.
pub fn ack_subject(
    stream: &str,
    consumer: &str,
    deliveries: u64,
    stream_seq: u64,
    consumer_seq: u64,
    timestamp: i64,
    pending: u64,
) -> String {
    format!(
        "{ACK_PREFIX}.{stream}.{consumer}.{deliveries}.{stream_seq}.{consumer_seq}.{timestamp}.{pending}"
    )
}

/// An ack subject's parts that name the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckTarget<'a> {
    pub stream: &'a str,
    pub consumer: &'a str,
    pub stream_seq: u64,
    pub deliveries: u64,
}

/// Parses `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>`,
/// also in the domain form (`$JS.ACK.<domain>.<account hash>.<stream>…` with
/// two more tokens and a trailing random one).
pub fn parse_ack_subject(subject: &str) -> Option<AckTarget<'_>> {
    let rest = subject.strip_prefix(ACK_PREFIX)?.strip_prefix('.')?;
    let tokens: Vec<&str> = rest.split('.').collect();
    let start = match tokens.len() {
        7 => 0,
        // v2: domain, account hash, then the v1 tokens and a random token.
        n if n >= 10 => 2,
        _ => return None,
    };
    let tokens = &tokens[start..];
    Some(AckTarget {
        stream: tokens[0],
        consumer: tokens[1],
        deliveries: tokens[2].parse().ok()?,
        stream_seq: tokens[3].parse().ok()?,
    })
}

/// What a client answered to a delivery.
#[derive(Debug, Clone, PartialEq)]
pub enum AckReply {
    /// `+ACK` (or an empty body): processed.
    Ack,
    /// `-NAK`: redeliver, after the delay if one is given.
    Nak(Option<Duration>),
    /// `+WPI`: still working, restart the ack timer.
    Progress,
    /// `+TERM`: never redeliver.
    Term(Option<String>),
    /// `+NXT`: processed, and deliver more to the reply subject.
    Next(Vec<u8>),
}

/// Parses an ack body; `None` for anything nats-server does not act on.
pub fn parse_ack(body: &[u8]) -> Option<AckReply> {
    let body = body.trim_ascii();
    if body.is_empty() || body == b"+ACK" {
        return Some(AckReply::Ack);
    }
    let (verb, rest) = match body.iter().position(|b| b.is_ascii_whitespace()) {
        Some(at) => (&body[..at], body[at..].trim_ascii()),
        None => (body, &b""[..]),
    };
    match verb {
        b"+ACK" => Some(AckReply::Ack),
        b"-NAK" => Some(AckReply::Nak(nak_delay(rest))),
        b"+WPI" => Some(AckReply::Progress),
        b"+TERM" => Some(AckReply::Term(
            (!rest.is_empty()).then(|| String::from_utf8_lossy(rest).into_owned()),
        )),
        b"+NXT" => Some(AckReply::Next(rest.to_vec())),
        _ => None,
    }
}

/// `-NAK {"delay": <nanos>}` or `-NAK <duration string>`.
fn nak_delay(rest: &[u8]) -> Option<Duration> {
    if rest.is_empty() {
        return None;
    }
    #[derive(serde::Deserialize)]
    struct Delay {
        delay: i64,
    }
    if let Ok(Delay { delay }) = serde_json::from_slice::<Delay>(rest) {
        return u64::try_from(delay).ok().map(Duration::from_nanos);
    }
    let text = std::str::from_utf8(rest).ok()?;
    natrium_config::parse_duration(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_subjects_round_trip() {
        let subject = ack_subject("ORDERS", "worker", 2, 10, 7, 1_700_000_000, 3);
        assert_eq!(subject, "$JS.ACK.ORDERS.worker.2.10.7.1700000000.3");
        let target = parse_ack_subject(&subject).unwrap();
        assert_eq!(
            (
                target.stream,
                target.consumer,
                target.stream_seq,
                target.deliveries
            ),
            ("ORDERS", "worker", 10, 2)
        );
        let v2 = "$JS.ACK.hub.ACCHASH.ORDERS.worker.2.10.7.1700000000.3.rand";
        assert_eq!(parse_ack_subject(v2).unwrap().stream_seq, 10);
        assert!(parse_ack_subject("$JS.ACK.a.b").is_none());
    }

    #[test]
    fn ack_bodies() {
        assert_eq!(parse_ack(b""), Some(AckReply::Ack));
        assert_eq!(parse_ack(b"+ACK"), Some(AckReply::Ack));
        assert_eq!(parse_ack(b"-NAK"), Some(AckReply::Nak(None)));
        assert_eq!(
            parse_ack(br#"-NAK {"delay": 2000000000}"#),
            Some(AckReply::Nak(Some(Duration::from_secs(2))))
        );
        assert_eq!(parse_ack(b"+WPI"), Some(AckReply::Progress));
        assert_eq!(
            parse_ack(b"+TERM bad data"),
            Some(AckReply::Term(Some("bad data".into())))
        );
        assert_eq!(
            parse_ack(br#"+NXT {"batch":2}"#),
            Some(AckReply::Next(br#"{"batch":2}"#.to_vec()))
        );
        assert_eq!(parse_ack(b"what"), None);
    }
}
