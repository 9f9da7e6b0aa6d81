//! `natrium pub`, `sub`, `request` and `reply` end to end: the real binary
//! against a running nats-server (the reference, as a second opinion on
//! what a client does).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::{natrium_error, natrium_output, reference_binary, skip, start_server};

/// Starts a long-running natrium command and waits for its ready line on stderr.
fn start(url: &str, args: &[&str], ready: &str) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_natrium"))
        .args(["--server", url])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("natrium starts");
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut lines = BufReader::new(stderr).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) if line.contains(ready) => break,
            Some(Ok(_)) => continue,
            _ => panic!("natrium {args:?} ended before saying {ready:?}"),
        }
    }
    child
}

#[test]
fn publish_and_subscribe_with_headers_and_templates() {
    let Some(binary) = reference_binary() else {
        return skip();
    };
    let server = start_server(&binary, &[]);
    let subscriber = start(
        &server.url,
        &["sub", "greet.*", "--count", "2"],
        "Subscribing on",
    );
    let output = natrium_output(
        &server.url,
        &[
            "pub",
            "greet.world",
            "hi {{Count}}",
            "--count",
            "2",
            "-H",
            "source:test",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let received = subscriber
        .wait_with_output()
        .expect("subscriber ends after 2");
    let text = String::from_utf8_lossy(&received.stdout);
    assert!(text.contains("[#1] Received on \"greet.world\""), "{text}");
    assert!(text.contains("source: test"), "{text}");
    assert!(text.contains("hi 1") && text.contains("hi 2"), "{text}");
}

#[test]
fn reply_with_a_command_answers_requests() {
    let Some(binary) = reference_binary() else {
        return skip();
    };
    let server = start_server(&binary, &[]);
    let responder = start(
        &server.url,
        &["reply", "shout", "--command", "tr a-z A-Z", "--count", "1"],
        "Listening on",
    );
    let output = natrium_output(&server.url, &["request", "shout", "hello", "--raw"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "HELLO\n");
    responder
        .wait_with_output()
        .expect("responder ends after 1");
}

#[test]
fn a_request_nobody_answers_says_so() {
    let Some(binary) = reference_binary() else {
        return skip();
    };
    let server = start_server(&binary, &[]);
    let error = natrium_error(&server.url, &["request", "nobody.home", "x"]);
    assert!(error.contains("no responders"), "{error}");
    let error = natrium_error("nats://127.0.0.1:1", &["pub", "x", "y"]);
    assert!(error.contains("no server at"), "{error}");
}
