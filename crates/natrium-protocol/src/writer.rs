//! Appends server operations to a connection's outbound buffer.
//!
//! Deliveries are written straight into the subscriber's buffer under its lock,
//! so these functions take `&mut Vec<u8>` and never allocate beyond growing it.

use crate::errors::ServerError;

/// Appends `MSG <subject> <sid> [reply] <size>\r\n<payload>\r\n`, or the `HMSG`
/// form when the message carries headers (`header_len` is the length of the
/// header block at the start of `data`).
pub fn write_msg(
    out: &mut Vec<u8>,
    subject: &[u8],
    sid: &[u8],
    reply: Option<&[u8]>,
    header_len: Option<usize>,
    data: &[u8],
) {
    match header_len {
        Some(len) if len <= data.len() => {
            let (headers, payload) = data.split_at(len);
            write_msg_parts(out, subject, sid, reply, Some(headers), payload);
        }
        _ => write_msg_parts(out, subject, sid, reply, None, data),
    }
}

/// [`write_msg`] with the header block and the payload given apart, so a
/// sender holding them in two buffers need not join them first.
pub fn write_msg_parts(
    out: &mut Vec<u8>,
    subject: &[u8],
    sid: &[u8],
    reply: Option<&[u8]>,
    headers: Option<&[u8]>,
    payload: &[u8],
) {
    let mut num = itoa::Buffer::new();
    let header_len = headers.map(<[u8]>::len);
    let total = header_len.unwrap_or(0) + payload.len();
    out.reserve(subject.len() + sid.len() + reply.map_or(0, <[u8]>::len) + total + 40);
    out.extend_from_slice(if header_len.is_some() {
        b"HMSG "
    } else {
        b"MSG "
    });
    out.extend_from_slice(subject);
    out.push(b' ');
    out.extend_from_slice(sid);
    out.push(b' ');
    if let Some(reply) = reply {
        out.extend_from_slice(reply);
        out.push(b' ');
    }
    if let Some(header_len) = header_len {
        out.extend_from_slice(num.format(header_len).as_bytes());
        out.push(b' ');
    }
    out.extend_from_slice(num.format(total).as_bytes());
    out.extend_from_slice(b"\r\n");
    if let Some(headers) = headers {
        out.extend_from_slice(headers);
    }
    out.extend_from_slice(payload);
    out.extend_from_slice(b"\r\n");
}

/// The most bytes [`write_msg`] writes for these lengths: verb, spaces, two
/// decimal sizes and CRLFs around the given fields.
pub const fn msg_size_bound(subject: usize, sid: usize, reply: usize, data: usize) -> usize {
    subject + sid + reply + data + 56
}

/// The most bytes [`write_err_text`] writes for a text of this length.
pub const fn err_size_bound(text: usize) -> usize {
    text + 10
}

/// Appends `-ERR '<text>'\r\n`.
pub fn write_err(out: &mut Vec<u8>, error: ServerError) {
    write_err_text(out, error.text());
}

/// Appends `-ERR '<text>'\r\n` for texts that carry detail (permissions).
pub fn write_err_text(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(b"-ERR '");
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(b"'\r\n");
}

pub const PING: &[u8] = b"PING\r\n";
pub const PONG: &[u8] = b"PONG\r\n";
pub const OK: &[u8] = b"+OK\r\n";

/// The header block of the 503 status a requester gets when nobody listens;
/// nats-server names the subject that had no responders.
pub fn no_responders_headers(subject: &[u8]) -> Vec<u8> {
    let mut headers = Vec::with_capacity(40 + subject.len());
    headers.extend_from_slice(b"NATS/1.0 503\r\nNats-Subject: ");
    headers.extend_from_slice(subject);
    headers.extend_from_slice(b"\r\n\r\n");
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_write_what_the_joined_form_writes() {
        let (mut joined, mut parts) = (Vec::new(), Vec::new());
        write_msg(
            &mut joined,
            b"s",
            b"9",
            Some(b"r"),
            Some(12),
            b"NATS/1.0\r\n\r\nbody",
        );
        write_msg_parts(
            &mut parts,
            b"s",
            b"9",
            Some(b"r"),
            Some(b"NATS/1.0\r\n\r\n"),
            b"body",
        );
        assert_eq!(joined, parts);
        assert_eq!(parts, b"HMSG s 9 r 12 16\r\nNATS/1.0\r\n\r\nbody\r\n");
    }

    #[test]
    fn msg_forms() {
        let mut out = Vec::new();
        write_msg(&mut out, b"foo", b"1", None, None, b"hi");
        write_msg(&mut out, b"foo", b"22", Some(b"inbox"), None, b"");
        write_msg(
            &mut out,
            b"foo",
            b"3",
            None,
            Some(12),
            b"NATS/1.0\r\n\r\nhi",
        );
        let mut bounded = Vec::new();
        write_msg(
            &mut bounded,
            b"s",
            b"9",
            Some(b"r"),
            Some(usize::MAX / 2),
            &[0; 3],
        );
        assert!(bounded.len() <= msg_size_bound(1, 1, 1, 3) + 20);
        assert_eq!(
            out,
            b"MSG foo 1 2\r\nhi\r\nMSG foo 22 inbox 0\r\n\r\nHMSG foo 3 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"
        );
    }

    #[test]
    fn no_responders_is_what_nats_server_sends() {
        let headers = no_responders_headers(b"nobody");
        assert_eq!(headers, b"NATS/1.0 503\r\nNats-Subject: nobody\r\n\r\n");
        assert_eq!(headers.len(), 38);
    }
}
