//! The one-line errors of `natrium consumer ...`, against natrium-server
//! and, when installed, the reference nats-server: unknown streams and
//! consumers, settings the server refuses (its description and err_code),
//! input refused before asking the server, unusable configuration files,
//! bad flag values (usage errors) and a server without JetStream.

mod common;
mod consumer;

use common::{both_servers, natrium_error, natrium_output, TempDir};
use consumer::{create_stream, fails, run, words};

#[test]
fn errors_are_one_line() {
    for (server, _guard, url) in both_servers() {
        let url = url.as_str();
        create_stream(url, "S", &["s.>"]);
        run(url, "consumer add S C --description one");

        let error = natrium_error(url, &words("consumer ls NOPE"));
        assert_eq!(
            error.trim(),
            "natrium: stream NOPE not found (10059): list streams with natrium stream ls",
            "{server}"
        );
        fails(
            server,
            url,
            "consumer next S MISSING",
            &["consumer MISSING not found (10014)"],
        );
        fails(
            server,
            url,
            "consumer add NOPE C",
            &["stream NOPE not found (10059)"],
        );

        // Settings the server refuses: its description and err_code.
        fails(
            server,
            url,
            "consumer add S X --target t.x --flow-control",
            &["heartbeat", "(10108)"],
        );
        fails(
            server,
            url,
            "consumer edit S C --deliver last",
            &["cannot update consumer S > C:", "(10012)"],
        );
        fails(
            server,
            url,
            "consumer add S C --description two",
            &["already exists", "(10148)", "natrium consumer edit S C"],
        );

        // Refused before asking the server.
        fails(
            server,
            url,
            "consumer add S a.b",
            &["invalid consumer name"],
        );
        fails(server, url, "consumer add S", &["--ephemeral"]);
        fails(
            server,
            url,
            "consumer add S Y --heartbeat 1s",
            &["--target"],
        );
        fails(
            server,
            url,
            "consumer next S C --wait 200ms",
            &["no messages for S > C"],
        );

        // A pull the server refuses (status 409).
        run(url, "consumer add S SMALL --max-batch 2");
        fails(
            server,
            url,
            "consumer next S SMALL --count 5",
            &["refused the pull from S > SMALL", "(409)"],
        );

        // Configuration files that cannot be used.
        let dir = TempDir::new();
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{ not json").expect("write");
        let bad = bad.to_str().expect("utf-8 path");
        fails(
            server,
            url,
            &format!("consumer add S F --config {bad}"),
            &["is not valid JSON"],
        );
        let missing = dir.path().join("missing.json");
        let missing = missing.to_str().expect("utf-8 path");
        fails(
            server,
            url,
            &format!("consumer add S F --config {missing}"),
            &["cannot read consumer configuration"],
        );

        // Bad flag values are usage errors (exit 2).
        for line in [
            "consumer add S Z --wait soon",
            "consumer add S Z --ack maybe",
            "consumer add S Z --sample 101",
            "consumer add S Z --deliver sometimes",
            "consumer add S Z --metadata novalue",
            "consumer add S Z --pull --target x",
            "consumer pause S C whenever",
            "consumer next S C --count 0",
        ] {
            let output = natrium_output(url, &words(line));
            assert_eq!(output.status.code(), Some(2), "{server}: {line}");
        }
    }
}

#[test]
fn without_jetstream() {
    let natrium_server = common::start_natrium_with(|mut options| {
        options.jetstream.enabled = false;
        options
    });
    let mut urls = vec![("natrium-server", natrium_server.url.clone())];
    let reference = common::reference_binary().map(|binary| common::start_server(&binary, &[]));
    if let Some(reference) = &reference {
        urls.push(("nats-server", reference.url.clone()));
    }
    for (server, url) in urls {
        fails(server, &url, "consumer ls S", &["JetStream is not enabled"]);
    }
}
