//! Parses the server's own `MSG` and `HMSG` frames.
//!
//! In-process subscribers (JetStream, system services) receive deliveries in
//! exactly the bytes a network client would, so delivery needs no special
//! case for them; they read those bytes back with this parser.

/// One delivered message, borrowing from the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveredMsg<'a> {
    pub subject: &'a [u8],
    pub sid: &'a [u8],
    pub reply: Option<&'a [u8]>,
    /// Length of the header block at the start of `data`, for `HMSG`.
    pub header_len: Option<usize>,
    pub data: &'a [u8],
}

impl<'a> DeliveredMsg<'a> {
    pub fn headers(&self) -> Option<&'a [u8]> {
        self.header_len.map(|len| &self.data[..len])
    }

    pub fn payload(&self) -> &'a [u8] {
        &self.data[self.header_len.unwrap_or(0)..]
    }
}

/// Parses the frame at the front of `buf`: `Some((msg, used))` when complete.
/// Anything other than a well-formed `MSG`/`HMSG` yields `None` for the frame
/// and is skipped up to its line end by [`skip_line`].
pub fn parse_delivered(buf: &[u8]) -> Option<(DeliveredMsg<'_>, usize)> {
    let newline = memchr::memchr(b'\n', buf)?;
    let line = buf[..newline].strip_suffix(b"\r")?;
    let mut fields = line.split(|&b| b == b' ').filter(|f| !f.is_empty());
    let verb = fields.next()?;
    let headers = match verb {
        b"MSG" => false,
        b"HMSG" => true,
        _ => return None,
    };
    let mut args: [&[u8]; 5] = [&[]; 5];
    let mut count = 0;
    for field in fields {
        *args.get_mut(count)? = field;
        count += 1;
    }
    let (subject, sid, reply, header_len, size) = match (headers, count) {
        (false, 3) => (args[0], args[1], None, None, args[2]),
        (false, 4) => (args[0], args[1], Some(args[2]), None, args[3]),
        (true, 4) => (args[0], args[1], None, Some(args[2]), args[3]),
        (true, 5) => (args[0], args[1], Some(args[2]), Some(args[3]), args[4]),
        _ => return None,
    };
    let size = decimal(size)?;
    let header_len = match header_len {
        Some(len) => Some(decimal(len)?).filter(|&len| len <= size),
        None => None,
    };
    if headers && header_len.is_none() {
        return None;
    }
    let start = newline + 1;
    let end = start.checked_add(size)?;
    if buf.len() < end + 2 {
        return None;
    }
    let msg = DeliveredMsg {
        subject,
        sid,
        reply,
        header_len,
        data: &buf[start..end],
    };
    Some((msg, end + 2))
}

/// Whether `buf` holds a complete line that is not a message frame (INFO,
/// PING, +OK, -ERR sent to an in-process client); returns its length.
pub fn skip_line(buf: &[u8]) -> Option<usize> {
    let newline = memchr::memchr(b'\n', buf)?;
    let line = &buf[..newline];
    if line.starts_with(b"MSG ") || line.starts_with(b"HMSG ") {
        return None;
    }
    Some(newline + 1)
}

fn decimal(digits: &[u8]) -> Option<usize> {
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    digits.iter().try_fold(0usize, |acc, &d| {
        d.is_ascii_digit()
            .then(|| acc.checked_mul(10)?.checked_add(usize::from(d - b'0')))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writer::write_msg;

    #[test]
    fn round_trips_what_the_writer_writes() {
        let mut buf = Vec::new();
        write_msg(&mut buf, b"a.b", b"7", Some(b"_INBOX.x"), None, b"hello");
        write_msg(&mut buf, b"c", b"8", None, Some(12), b"NATS/1.0\r\n\r\nhi");
        let (first, used) = parse_delivered(&buf).expect("first frame");
        assert_eq!(
            (first.subject, first.sid, first.reply, first.payload()),
            (
                &b"a.b"[..],
                &b"7"[..],
                Some(&b"_INBOX.x"[..]),
                &b"hello"[..]
            )
        );
        let (second, rest) = parse_delivered(&buf[used..]).expect("second frame");
        assert_eq!(second.headers(), Some(&b"NATS/1.0\r\n\r\n"[..]));
        assert_eq!(second.payload(), b"hi");
        assert_eq!(used + rest, buf.len());
        for split in 0..used {
            assert!(parse_delivered(&buf[..split]).is_none());
        }
    }

    #[test]
    fn other_lines_are_skipped() {
        assert_eq!(skip_line(b"PING\r\nMSG"), Some(6));
        assert_eq!(skip_line(b"MSG a 1 0\r\n\r\n"), None);
        assert!(parse_delivered(b"HMSG a 1 20 10\r\n0123456789\r\n").is_none());
    }
}
