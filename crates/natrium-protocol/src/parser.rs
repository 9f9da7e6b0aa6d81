//! Parses client operations in place from a connection's read buffer.
//!
//! [`Parser::parse`] looks at the front of the buffer and returns either one
//! complete operation borrowing from it (plus how many bytes it used), `None`
//! when more bytes are needed, or an error. Keeping no state between calls
//! makes split reads trivially correct: the caller keeps unconsumed bytes and
//! calls again after the next read, and re-scanning one control line is far
//! cheaper than the bookkeeping of a byte-at-a-time state machine.
//!
//! Errors mirror nats-server: framing errors (an unknown verb, a payload not
//! followed by CRLF) answer `-ERR 'Unknown Protocol Operation'`, oversized
//! lines and payloads have their own `-ERR`, and malformed arguments close the
//! connection without an `-ERR`, exactly as nats-server does.

use crate::errors::ServerError;

/// One operation sent by a client. Slices borrow from the read buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientOp<'a> {
    /// `CONNECT {json}`.
    Connect(&'a [u8]),
    /// `PUB` or `HPUB`: `data` holds the header block (its first `header_len`
    /// bytes, when present) followed by the payload.
    Pub {
        subject: &'a [u8],
        reply: Option<&'a [u8]>,
        header_len: Option<usize>,
        data: &'a [u8],
    },
    /// `SUB <subject> [queue] <sid>`.
    Sub {
        subject: &'a [u8],
        queue: Option<&'a [u8]>,
        sid: &'a [u8],
    },
    /// `UNSUB <sid> [max]`.
    Unsub {
        sid: &'a [u8],
        max: Option<u64>,
    },
    Ping,
    Pong,
    /// `INFO`, `+OK` and `-ERR` from a client are accepted and ignored.
    Ignored,
}

/// Why a client's bytes could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("unknown protocol operation")]
    UnknownOperation,
    #[error("maximum control line exceeded")]
    ControlLineTooLong,
    #[error("maximum payload exceeded: {size} vs {max}")]
    PayloadTooLarge { size: usize, max: usize },
    #[error("processing {op}: {reason}")]
    InvalidArguments {
        op: &'static str,
        reason: &'static str,
    },
}

impl ParseError {
    /// The `-ERR` nats-server sends before closing, if it sends one at all.
    pub fn client_error(&self) -> Option<ServerError> {
        match self {
            ParseError::UnknownOperation => Some(ServerError::UnknownProtocolOperation),
            ParseError::ControlLineTooLong => Some(ServerError::MaxControlLineExceeded),
            ParseError::PayloadTooLarge { .. } => Some(ServerError::MaxPayloadViolation),
            ParseError::InvalidArguments { .. } => None,
        }
    }
}

/// The limits and negotiated features that parsing depends on.
#[derive(Debug, Clone, Copy)]
pub struct Parser {
    pub max_control_line: usize,
    pub max_payload: usize,
    /// Set once the client's CONNECT asked for headers; `HPUB` is refused before.
    pub headers: bool,
}

/// CONNECT carries credentials (JWTs can be large), so its line gets a roomier
/// limit than the control lines of messages.
const MAX_CONNECT_LINE: usize = 1024 * 1024;

/// The longest decimal size we accept (a `usize` on 64-bit has 20 digits).
const MAX_SIZE_DIGITS: usize = 19;

impl Default for Parser {
    fn default() -> Self {
        Parser {
            max_control_line: 4096,
            max_payload: 1024 * 1024,
            headers: false,
        }
    }
}

impl Parser {
    /// Parses the operation at the front of `buf`.
    ///
    /// Returns `Ok(Some((op, consumed)))` for a complete operation, `Ok(None)`
    /// when `buf` holds only part of one, or the error that ends the connection.
    pub fn parse<'a>(&self, buf: &'a [u8]) -> Result<Option<(ClientOp<'a>, usize)>, ParseError> {
        let Some(&first) = buf.first() else {
            return Ok(None);
        };
        if !is_op_start(first) {
            return Err(ParseError::UnknownOperation);
        }
        let Some(newline) = memchr::memchr(b'\n', buf) else {
            // A trailing CR may be the first half of the line's CRLF.
            let line_so_far = buf.strip_suffix(b"\r").unwrap_or(buf);
            if line_so_far.len() > self.line_limit(buf) {
                return Err(ParseError::ControlLineTooLong);
            }
            return Ok(None);
        };
        let line_end = if newline > 0 && buf[newline - 1] == b'\r' {
            newline - 1
        } else {
            newline
        };
        let line = &buf[..line_end];
        if line.len() > self.line_limit(line) {
            return Err(ParseError::ControlLineTooLong);
        }
        let after_line = newline + 1;
        let (verb, args) = split_verb(line);
        match Verb::recognize(verb) {
            Some(Verb::Pub) => self.parse_pub(args, &buf[after_line..], after_line, false),
            Some(Verb::HPub) => {
                if !self.headers {
                    return Err(invalid("HPUB", "headers are not enabled by CONNECT"));
                }
                self.parse_pub(args, &buf[after_line..], after_line, true)
            }
            Some(Verb::Sub) => Ok(Some((parse_sub(args)?, after_line))),
            Some(Verb::Unsub) => Ok(Some((parse_unsub(args)?, after_line))),
            Some(Verb::Ping) => Ok(Some((ClientOp::Ping, after_line))),
            Some(Verb::Pong) => Ok(Some((ClientOp::Pong, after_line))),
            Some(Verb::Connect) => Ok(Some((ClientOp::Connect(trim(args)), after_line))),
            Some(Verb::Ignored) => Ok(Some((ClientOp::Ignored, after_line))),
            None => Err(ParseError::UnknownOperation),
        }
    }

    fn line_limit(&self, line: &[u8]) -> usize {
        if starts_with_ignore_case(line, b"CONNECT") {
            MAX_CONNECT_LINE.max(self.max_control_line)
        } else {
            self.max_control_line
        }
    }

    fn parse_pub<'a>(
        &self,
        args: &'a [u8],
        body: &'a [u8],
        body_start: usize,
        with_headers: bool,
    ) -> Result<Option<(ClientOp<'a>, usize)>, ParseError> {
        let op = if with_headers { "HPUB" } else { "PUB" };
        let mut fields = [&b""[..]; 4];
        let count =
            split_args(args, &mut fields).ok_or_else(|| invalid(op, "too many arguments"))?;
        let (subject, reply, header_len, size) = match (with_headers, count) {
            (false, 2) => (fields[0], None, None, parse_size(fields[1])),
            (false, 3) => (fields[0], Some(fields[1]), None, parse_size(fields[2])),
            (true, 3) => (
                fields[0],
                None,
                parse_size(fields[1]),
                parse_size(fields[2]),
            ),
            (true, 4) => (
                fields[0],
                Some(fields[1]),
                parse_size(fields[2]),
                parse_size(fields[3]),
            ),
            _ => return Err(invalid(op, "wrong number of arguments")),
        };
        let size = size.ok_or_else(|| invalid(op, "bad size"))?;
        if with_headers {
            let header_len = header_len.ok_or_else(|| invalid(op, "bad header size"))?;
            if header_len > size {
                return Err(invalid(op, "header size larger than total size"));
            }
        }
        if size > self.max_payload {
            return Err(ParseError::PayloadTooLarge {
                size,
                max: self.max_payload,
            });
        }
        // The payload must be followed by CRLF; until it all arrived, wait.
        if body.len() < size + 2 {
            return Ok(None);
        }
        if &body[size..size + 2] != b"\r\n" {
            return Err(ParseError::UnknownOperation);
        }
        let op = ClientOp::Pub {
            subject,
            reply,
            header_len,
            data: &body[..size],
        };
        Ok(Some((op, body_start + size + 2)))
    }
}

enum Verb {
    Pub,
    HPub,
    Sub,
    Unsub,
    Ping,
    Pong,
    Connect,
    Ignored,
}

impl Verb {
    fn recognize(verb: &[u8]) -> Option<Verb> {
        let verb_is = |name: &[u8]| verb.eq_ignore_ascii_case(name);
        // Ordered by frequency on the hot path.
        if verb_is(b"PUB") {
            Some(Verb::Pub)
        } else if verb_is(b"HPUB") {
            Some(Verb::HPub)
        } else if verb_is(b"PING") {
            Some(Verb::Ping)
        } else if verb_is(b"PONG") {
            Some(Verb::Pong)
        } else if verb_is(b"SUB") {
            Some(Verb::Sub)
        } else if verb_is(b"UNSUB") {
            Some(Verb::Unsub)
        } else if verb_is(b"CONNECT") {
            Some(Verb::Connect)
        } else if verb_is(b"INFO") || verb_is(b"+OK") || verb_is(b"-ERR") {
            Some(Verb::Ignored)
        } else {
            None
        }
    }
}

fn parse_sub(args: &[u8]) -> Result<ClientOp<'_>, ParseError> {
    let mut fields = [&b""[..]; 3];
    match split_args(args, &mut fields) {
        Some(2) => Ok(ClientOp::Sub {
            subject: fields[0],
            queue: None,
            sid: fields[1],
        }),
        Some(3) => Ok(ClientOp::Sub {
            subject: fields[0],
            queue: Some(fields[1]),
            sid: fields[2],
        }),
        _ => Err(invalid("SUB", "wrong number of arguments")),
    }
}

fn parse_unsub(args: &[u8]) -> Result<ClientOp<'_>, ParseError> {
    let mut fields = [&b""[..]; 2];
    match split_args(args, &mut fields) {
        Some(1) => Ok(ClientOp::Unsub {
            sid: fields[0],
            max: None,
        }),
        // nats-server treats an unparsable max as "no max".
        Some(2) => Ok(ClientOp::Unsub {
            sid: fields[0],
            max: parse_size(fields[1]).map(|max| max as u64),
        }),
        _ => Err(invalid("UNSUB", "wrong number of arguments")),
    }
}

fn invalid(op: &'static str, reason: &'static str) -> ParseError {
    ParseError::InvalidArguments { op, reason }
}

fn is_op_start(byte: u8) -> bool {
    matches!(
        byte.to_ascii_uppercase(),
        b'P' | b'H' | b'S' | b'U' | b'C' | b'I' | b'+' | b'-'
    )
}

fn is_space(byte: u8) -> bool {
    byte == b' ' || byte == b'\t'
}

fn split_verb(line: &[u8]) -> (&[u8], &[u8]) {
    match line.iter().position(|&b| is_space(b)) {
        Some(end) => (&line[..end], &line[end..]),
        None => (line, &[]),
    }
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| !is_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(start, |i| i + 1);
    &bytes[start..end.max(start)]
}

fn starts_with_ignore_case(line: &[u8], prefix: &[u8]) -> bool {
    line.len() >= prefix.len() && line[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Splits whitespace-separated arguments into `fields`; `None` if there are
/// more arguments than fields.
fn split_args<'a>(args: &'a [u8], fields: &mut [&'a [u8]]) -> Option<usize> {
    let mut count = 0;
    for field in args.split(|&b| is_space(b)).filter(|f| !f.is_empty()) {
        *fields.get_mut(count)? = field;
        count += 1;
    }
    Some(count)
}

/// Parses a non-negative decimal size; `None` for anything else.
fn parse_size(digits: &[u8]) -> Option<usize> {
    if digits.is_empty() || digits.len() > MAX_SIZE_DIGITS {
        return None;
    }
    digits.iter().try_fold(0usize, |acc, &d| {
        if d.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add(usize::from(d - b'0'))
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests;
