//! Fuzzes the client-protocol parser the way a connection drives it: parse
//! operations from the front of a buffer until it needs more bytes or fails,
//! with the input fed in two reads split at a fuzzer-chosen point. The parser
//! must never panic, never consume more than it was given, and give the same
//! operations however the input is split.
#![no_main]

use libfuzzer_sys::fuzz_target;
use natrium_protocol::{ClientOp, Parser};

fn drive(parser: &Parser, chunks: &[&[u8]]) -> Vec<String> {
    let mut buf = Vec::new();
    let mut ops = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            match parser.parse(&buf) {
                Ok(Some((op, used))) => {
                    assert!(used > 0 && used <= buf.len());
                    ops.push(describe(&op));
                    buf.drain(..used);
                }
                Ok(None) => break,
                Err(err) => {
                    ops.push(format!("error: {err}"));
                    return ops;
                }
            }
        }
    }
    ops
}

fn describe(op: &ClientOp<'_>) -> String {
    format!("{op:?}")
}

fuzz_target!(|data: &[u8]| {
    let Some((&split, input)) = data.split_first() else {
        return;
    };
    let parser = Parser {
        max_control_line: 256,
        max_payload: 4096,
        headers: split & 1 == 1,
    };
    let at = usize::from(split).min(input.len());
    let whole = drive(&parser, &[input]);
    let split_up = drive(&parser, &[&input[..at], &input[at..]]);
    assert_eq!(whole, split_up);
});
