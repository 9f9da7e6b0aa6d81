//! Parser tests: every operation, every error class, and split input.

use super::*;

fn parser() -> Parser {
    Parser {
        headers: true,
        ..Parser::default()
    }
}

fn one(input: &[u8]) -> Result<Option<(ClientOp<'_>, usize)>, ParseError> {
    parser().parse(input)
}

#[test]
fn parses_every_operation() {
    assert_eq!(
        one(b"PUB foo 2\r\nhi\r\n"),
        Ok(Some((
            ClientOp::Pub {
                subject: b"foo",
                reply: None,
                header_len: None,
                data: b"hi"
            },
            15
        )))
    );
    assert_eq!(
        one(b"pub foo bar 0\r\n\r\n").map(|r| r.map(|(op, _)| op)),
        Ok(Some(ClientOp::Pub {
            subject: b"foo",
            reply: Some(b"bar"),
            header_len: None,
            data: b""
        }))
    );
    assert_eq!(
        one(b"HPUB foo r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n").map(|r| r.map(|(op, _)| op)),
        Ok(Some(ClientOp::Pub {
            subject: b"foo",
            reply: Some(b"r"),
            header_len: Some(12),
            data: b"NATS/1.0\r\n\r\nhi"
        }))
    );
    assert_eq!(
        one(b"SUB foo.* q 7\r\n"),
        Ok(Some((
            ClientOp::Sub {
                subject: b"foo.*",
                queue: Some(b"q"),
                sid: b"7"
            },
            15
        )))
    );
    assert_eq!(
        one(b"UNSUB 7 5\r\n"),
        Ok(Some((
            ClientOp::Unsub {
                sid: b"7",
                max: Some(5)
            },
            11
        )))
    );
    assert_eq!(one(b"PING\r\n"), Ok(Some((ClientOp::Ping, 6))));
    assert_eq!(one(b"pong\n"), Ok(Some((ClientOp::Pong, 5))));
    assert_eq!(
        one(b"CONNECT {\"verbose\":false} \r\n"),
        Ok(Some((ClientOp::Connect(b"{\"verbose\":false}"), 28)))
    );
}

#[test]
fn tolerates_extra_whitespace_like_nats_server() {
    let op = one(b"PUB  foo\t  2 \r\nhi\r\n").map(|r| r.map(|(op, _)| op));
    assert_eq!(
        op,
        Ok(Some(ClientOp::Pub {
            subject: b"foo",
            reply: None,
            header_len: None,
            data: b"hi"
        }))
    );
}

#[test]
fn waits_for_more_bytes_at_every_split_point() {
    let input = b"HPUB foo r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n";
    for split in 0..input.len() {
        assert_eq!(one(&input[..split]), Ok(None), "split at {split}");
    }
    assert!(matches!(one(input), Ok(Some(_))));
}

#[test]
fn framing_errors_answer_unknown_protocol_operation() {
    for bad in [
        &b"xyz 1\r\n"[..],
        b"MSG foo 1 2\r\nhi\r\n",
        b"PUB foo 3\r\nabcde\r\n",
        b"PUB a 2\r\nhi\nX",
    ] {
        let err = one(bad).unwrap_err();
        assert_eq!(
            err.client_error(),
            Some(ServerError::UnknownProtocolOperation),
            "{bad:?}"
        );
    }
}

#[test]
fn argument_errors_close_without_an_err_line() {
    for bad in [
        &b"PUB foo\r\n"[..],
        b"PUB foo bar baz qux 1\r\n",
        b"PUB foo -1\r\n",
        b"PUB foo abc\r\n",
        b"SUB foo\r\n",
        b"SUB foo a b c\r\n",
        b"UNSUB\r\n",
        b"HPUB foo 5 3\r\n",
        b"PUB foo 99999999999999999999999\r\n",
    ] {
        let err = one(bad).unwrap_err();
        assert!(
            matches!(err, ParseError::InvalidArguments { .. }),
            "{bad:?}: {err:?}"
        );
        assert_eq!(err.client_error(), None);
    }
}

#[test]
fn hpub_needs_headers_negotiated() {
    let plain = Parser::default();
    assert!(matches!(
        plain.parse(b"HPUB foo 12 12\r\nNATS/1.0\r\n\r\n\r\n"),
        Err(ParseError::InvalidArguments { .. })
    ));
}

#[test]
fn limits() {
    let small = Parser {
        max_payload: 100,
        ..parser()
    };
    assert_eq!(
        small.parse(b"PUB a 101\r\n"),
        Err(ParseError::PayloadTooLarge {
            size: 101,
            max: 100
        })
    );
    let mut long = b"PUB ".to_vec();
    long.extend(std::iter::repeat_n(b'a', 5000));
    assert_eq!(one(&long), Err(ParseError::ControlLineTooLong));
    long.extend_from_slice(b" 1\r\n");
    assert_eq!(one(&long), Err(ParseError::ControlLineTooLong));
    // CONNECT may carry a large JWT.
    let mut connect = b"CONNECT {\"jwt\":\"".to_vec();
    connect.extend(std::iter::repeat_n(b'a', 8000));
    connect.extend_from_slice(b"\"}\r\n");
    assert!(matches!(one(&connect), Ok(Some((ClientOp::Connect(_), _)))));
}

#[test]
fn never_panics_on_garbage() {
    // A deterministic walk over many short byte strings built from protocol-ish pieces.
    let pieces: [&[u8]; 12] = [
        b"PUB", b"HPUB", b"SUB", b" ", b"\r\n", b"\n", b"1", b"99", b"foo", b"\t", b"\r",
        b"CONNECT",
    ];
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..20_000 {
        let mut input = Vec::new();
        for _ in 0..8 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            input.extend_from_slice(pieces[(state % 12) as usize]);
        }
        let _ = parser().parse(&input);
    }
}

#[test]
fn a_line_at_the_limit_is_accepted_however_it_is_split() {
    let small = Parser {
        max_control_line: 12,
        ..parser()
    };
    let line = b"PUB abcdef 0\r\n\r\n"; // control line of exactly 12 bytes
    assert!(matches!(small.parse(line), Ok(Some(_))));
    for split in 0..line.len() {
        assert_eq!(small.parse(&line[..split]), Ok(None), "split at {split}");
    }
}
