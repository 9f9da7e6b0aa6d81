//! `natrium pub`, `sub`, `request` and `reply` end to end: the real binary
//! against natrium-server and, as a second opinion on what a client does,
//! the reference nats-server.

mod common;

use common::{both_servers, natrium_error, natrium_output, natrium_spawn as start};

struct Url {
    url: String,
}

#[test]
fn publish_and_subscribe_with_headers_and_templates() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");
        let server = Url { url };
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
}

#[test]
fn reply_with_a_command_answers_requests() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");
        let server = Url { url };
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
}

#[test]
fn a_request_nobody_answers_says_so() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");
        let server = Url { url };
        let error = natrium_error(&server.url, &["request", "nobody.home", "x"]);
        assert!(error.contains("no responders"), "{error}");
        let error = natrium_error("nats://127.0.0.1:1", &["pub", "x", "y"]);
        assert!(error.contains("no server at"), "{error}");
    }
}
