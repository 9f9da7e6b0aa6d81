//! End-to-end tests of the one-line errors of `natrium stream ...`:
//! unknown streams, bad configuration files, invalid flag values, server
//! rejections with their codes, and servers without JetStream (where
//! `account info` still succeeds and says why JetStream is missing).

mod common;

use common::{
    both_servers, natrium, natrium_error, natrium_output, natrium_text, reference_binary, skip,
    start_natrium_with, start_server, TempDir,
};
use serde_json::json;

#[test]
fn errors_are_one_clear_line() {
    for (server, _guard, url) in both_servers() {
        let missing = natrium_error(&url, &["stream", "info", "NOPE"]);
        assert!(
            missing.contains("stream NOPE not found (10059)")
                && missing.contains("natrium stream ls"),
            "{server}: {missing}"
        );
        let edit = natrium_error(&url, &["stream", "edit", "NOPE", "--max-msgs", "1"]);
        assert!(edit.contains("not found (10059)"), "{server}: {edit}");
        natrium_error(&url, &["stream", "view", "NOPE"]);

        let dir = TempDir::new();
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{ not json").unwrap();
        let error = natrium_error(
            &url,
            &["stream", "add", "X", "--config", bad.to_str().unwrap()],
        );
        assert!(error.contains("not valid JSON"), "{error}");
        let absent = dir.path().join("absent.json");
        let error = natrium_error(
            &url,
            &["stream", "add", "X", "--config", absent.to_str().unwrap()],
        );
        assert!(error.contains("cannot read"), "{error}");

        let error = natrium_error(&url, &["stream", "add", "NOSUBJECTS"]);
        assert!(error.contains("--subjects"), "{error}");
        let error = natrium_error(&url, &["stream", "add", "a.b", "--subjects", "x"]);
        assert!(error.contains("invalid stream name"), "{error}");

        // A server-side rejection comes through with its code.
        let error = natrium_error(
            &url,
            &[
                "stream",
                "add",
                "BIG",
                "--subjects",
                "big",
                "--replicas",
                "3",
            ],
        );
        assert!(
            error.contains("stream BIG:") && error.contains('('),
            "{server}: {error}"
        );

        // Invalid flag values are usage errors (exit 2), caught before connecting.
        for bad_flags in [
            &["--max-age", "soon"][..],
            &["--retention", "forever"],
            &["--storage", "disk"],
            &["--max-bytes", "lots"],
            &["--replicas", "0"],
            &["--metadata", "novalue"],
        ] {
            let mut args = vec!["stream", "add", "X", "--subjects", "x"];
            args.extend_from_slice(bad_flags);
            let output = natrium_output(&url, &args);
            assert_eq!(output.status.code(), Some(2), "{args:?}");
        }
        assert_eq!(
            natrium(&url, &["stream", "ls", "--json"]),
            json!([]),
            "{server}"
        );
    }
}

#[test]
fn jetstream_disabled() {
    let natrium_server = start_natrium_with(|mut options| {
        options.jetstream.enabled = false;
        options
    });
    let mut urls = vec![("natrium-server", natrium_server.url.clone())];
    let reference = reference_binary().map(|binary| start_server(&binary, &[]));
    match &reference {
        Some(server) => urls.push(("nats-server", server.url.clone())),
        None => skip(),
    }
    for (server, url) in urls {
        let error = natrium_error(&url, &["stream", "ls"]);
        assert!(
            error.contains("JetStream is not enabled"),
            "{server}: {error}"
        );
        let error = natrium_error(&url, &["stream", "add", "X", "--subjects", "x"]);
        assert!(
            error.contains("JetStream is not enabled"),
            "{server}: {error}"
        );
        // account info still describes the connection, and says why JetStream is missing.
        let account = natrium(&url, &["account", "info", "--json"]);
        assert!(account["jetstream"].is_null(), "{server}: {account}");
        assert!(account["connection"]["version"].is_string());
        let text = natrium_text(&url, &["account", "info"]);
        assert!(text.contains("not available"), "{server}: {text}");
    }
}
