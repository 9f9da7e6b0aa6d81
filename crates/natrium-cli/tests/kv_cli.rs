//! End-to-end tests of `natrium kv ...` against natrium-server and the
//! reference nats-server: a bucket's whole life (add, put, get, create,
//! compare-and-swap updates, delete, history, watch, ls, status, purge,
//! compact, rm), the `--json` outputs, and the one-line refusals.

mod common;

use std::process::Output;

use common::{
    both_servers, natrium, natrium_error, natrium_finish, natrium_spawn, natrium_text,
    natrium_with_stdin, start_natrium_with,
};

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

#[test]
fn bucket_lifecycle() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");
        let added = natrium_text(&url, &["kv", "add", "CFG", "--history", "5"]);
        assert!(
            added.contains("Information for Key-Value Store Bucket CFG"),
            "{added}"
        );
        assert_eq!(
            natrium_text(&url, &["kv", "put", "CFG", "colour", "blue"]),
            "1\n"
        );

        // Current values first, then the changes made below.
        let watch = natrium_spawn(
            &url,
            &["kv", "watch", "CFG", "--count", "4"],
            "Watching bucket",
        );
        assert_eq!(
            natrium_text(&url, &["kv", "put", "CFG", "colour", "red"]),
            "2\n"
        );
        assert_eq!(
            natrium_text(&url, &["kv", "get", "CFG", "colour", "--raw"]),
            "red"
        );
        let first = ["kv", "get", "CFG", "colour", "--revision", "1", "--raw"];
        assert_eq!(natrium_text(&url, &first), "blue");
        let entry = natrium(&url, &["kv", "get", "CFG", "colour", "--json"]);
        assert_eq!(
            (entry["revision"].as_u64(), entry["value"].as_str()),
            (Some(2), Some("red"))
        );
        let shown = natrium_text(&url, &["kv", "get", "CFG", "colour"]);
        assert!(
            shown.starts_with("CFG > colour revision: 2 created @ "),
            "{shown}"
        );

        // create refuses an existing key, update refuses a stale revision.
        let error = natrium_error(&url, &["kv", "create", "CFG", "colour", "x"]);
        assert!(
            error.contains("already exists") && error.contains("revision 2"),
            "{error}"
        );
        assert_eq!(
            natrium_text(&url, &["kv", "create", "CFG", "shape", "round"]),
            "3\n"
        );
        let error = natrium_error(&url, &["kv", "update", "CFG", "colour", "green", "1"]);
        assert!(error.contains("at revision 2, not 1"), "{error}");
        assert_eq!(
            natrium_text(&url, &["kv", "update", "CFG", "colour", "green", "2"]),
            "4\n"
        );
        let from_stdin = natrium_with_stdin(&url, &["kv", "update", "CFG", "colour", "4"], b"teal");
        assert_eq!(text(&from_stdin), "5\n", "{from_stdin:?}");

        let watched = text(&natrium_finish(watch));
        let lines: Vec<&str> = watched.lines().collect();
        assert_eq!(lines.len(), 4, "{watched}");
        assert!(
            lines[0].ends_with("] PUT CFG > colour revision 1: blue"),
            "{watched}"
        );
        assert!(
            lines[1].ends_with("] PUT CFG > colour revision 2: red"),
            "{watched}"
        );
        assert!(
            lines[2].ends_with("] PUT CFG > shape revision 3: round"),
            "{watched}"
        );
        assert!(
            lines[3].ends_with("] PUT CFG > colour revision 4: green"),
            "{watched}"
        );

        let history = natrium(&url, &["kv", "history", "CFG", "colour", "--json"]);
        let values: Vec<&str> = history
            .as_array()
            .expect("an array")
            .iter()
            .filter_map(|entry| entry["value"].as_str())
            .collect();
        assert_eq!(values, ["blue", "red", "green", "teal"]);
        let table = natrium_text(&url, &["kv", "history", "CFG", "colour"]);
        assert!(
            table.contains("History for CFG > colour") && table.contains("teal"),
            "{table}"
        );

        // Only new changes, deletes left out.
        let updates = [
            "kv",
            "watch",
            "CFG",
            "--updates-only",
            "--ignore-deletes",
            "--count",
            "1",
        ];
        let watch = natrium_spawn(&url, &updates, "Watching bucket");
        natrium_text(&url, &["kv", "del", "CFG", "colour"]);
        natrium_text(&url, &["kv", "put", "CFG", "size", "L"]);
        let watched = text(&natrium_finish(watch));
        assert!(
            watched
                .trim_end()
                .ends_with("] PUT CFG > size revision 7: L"),
            "{watched}"
        );
        let error = natrium_error(&url, &["kv", "get", "CFG", "colour"]);
        assert!(error.contains("was deleted (revision 6)"), "{error}");

        // Listings and status.
        assert!(natrium_text(&url, &["kv", "ls"]).contains("CFG"));
        assert_eq!(natrium_text(&url, &["kv", "ls", "--names"]), "CFG\n");
        let buckets = natrium(&url, &["kv", "ls", "--json"]);
        assert_eq!(buckets[0]["config"]["name"], "KV_CFG");
        assert_eq!(
            natrium(&url, &["kv", "ls", "CFG", "--json"]),
            serde_json::json!(["shape", "size"])
        );
        let status = natrium(&url, &["kv", "status", "CFG", "--json"]);
        assert_eq!(status["config"]["max_msgs_per_subject"], 5);
        assert_eq!(status["state"]["messages"], 7);
        let status = natrium_text(&url, &["kv", "info", "CFG"]);
        assert!(status.contains("History Kept: 5"), "{status}");

        // Irreversible actions need --force.
        let error = natrium_error(&url, &["kv", "purge", "CFG", "shape"]);
        assert!(error.contains("without --force"), "{error}");
        natrium_text(&url, &["kv", "purge", "CFG", "shape", "--force"]);
        let compacted = natrium_text(&url, &["kv", "compact", "CFG", "-f"]);
        assert!(compacted.contains("2 deleted key(s)"), "{compacted}");
        let history = natrium(&url, &["kv", "history", "CFG", "colour", "--json"]);
        assert_eq!(history.as_array().map(Vec::len), Some(1), "{history}");
        let error = natrium_error(&url, &["kv", "rm", "CFG"]);
        assert!(error.contains("without --force"), "{error}");
        natrium_text(&url, &["kv", "rm", "CFG", "--force"]);
        let error = natrium_error(&url, &["kv", "get", "CFG", "shape"]);
        assert!(error.contains("key-value bucket CFG not found"), "{error}");
    }
}

#[test]
fn binary_values_from_stdin_come_back_unchanged() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");
        natrium_text(&url, &["kv", "add", "BIN"]);
        let value: Vec<u8> = (0..=255u8).chain([0, 10, 13]).collect();
        let put = natrium_with_stdin(&url, &["kv", "put", "BIN", "blob"], &value);
        assert!(put.status.success(), "{put:?}");
        let output = common::natrium_output(&url, &["kv", "get", "BIN", "blob", "--raw"]);
        assert_eq!(output.stdout, value);
        let entry = natrium(&url, &["kv", "get", "BIN", "blob", "--json"]);
        assert!(entry["value_base64"].is_string(), "{entry}");
    }
}

#[test]
fn misuse_ends_with_one_line() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");
        let error = natrium_error(&url, &["kv", "get", "NOPE", "k"]);
        assert!(error.contains("key-value bucket NOPE not found: list them with `natrium kv ls`"));
        let error = natrium_error(&url, &["kv", "ls", "NOPE"]);
        assert!(error.contains("NOPE not found"), "{error}");
        let error = natrium_error(&url, &["kv", "add", "bad.name"]);
        assert!(error.contains("invalid key-value bucket name"), "{error}");
        natrium_text(&url, &["kv", "add", "OK"]);
        let error = natrium_error(&url, &["kv", "put", "OK", "bad..key", "x"]);
        assert!(error.contains("invalid key"), "{error}");
        let error = natrium_error(&url, &["kv", "get", "OK", "missing"]);
        assert!(
            error.contains("key missing not found in bucket OK"),
            "{error}"
        );
        let error = natrium_error(&url, &["kv", "update", "OK", "k", "v", "seven"]);
        assert!(error.contains("REVISION must be a whole number"), "{error}");
        let error = natrium_error(&url, &["kv", "history", "OK", "missing"]);
        assert!(error.contains("not found"), "{error}");
    }
}

#[test]
fn a_server_without_jetstream_is_named() {
    let server = start_natrium_with(|mut options| {
        options.jetstream.enabled = false;
        options
    });
    let error = natrium_error(&server.url, &["kv", "ls"]);
    assert!(error.contains("JetStream is not enabled"), "{error}");
    let error = natrium_error(&server.url, &["kv", "put", "CFG", "k", "v"]);
    assert!(error.contains("JetStream is not enabled"), "{error}");
}
