//! Helpers for the `natrium consumer` end-to-end tests (`consumer_cli.rs`,
//! `consumer_errors.rs`): command lines written as one string, JSON field
//! checks by pointer, and a stream made with a raw API request so the tests
//! need no `natrium stream` command.
//!
//! Command lines are split on whitespace, so no argument in them may
//! contain a space.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use serde_json::{json, Value};

use crate::common::{natrium, natrium_error, natrium_text};

pub const SECOND: u64 = 1_000_000_000;

/// `line` as arguments.
pub fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// Runs `natrium LINE`, expects success, returns stdout.
pub fn run(url: &str, line: &str) -> String {
    natrium_text(url, &words(line))
}

/// Runs `natrium LINE --json` and parses the output.
pub fn json_of(url: &str, line: &str) -> Value {
    let mut args = words(line);
    args.push("--json");
    natrium(url, &args)
}

/// Runs `natrium LINE`, expects one error line saying each of `needles`.
pub fn fails(server: &str, url: &str, line: &str, needles: &[&str]) {
    let error = natrium_error(url, &words(line));
    for needle in needles {
        assert!(
            error.contains(needle),
            "{server}: {line}: no {needle:?} in {error}"
        );
    }
}

/// Checks fields of `value` by JSON pointer (`/config/max_deliver`).
pub fn expect(server: &str, value: &Value, fields: &[(&str, Value)]) {
    for (pointer, expected) in fields {
        let actual = value.pointer(pointer).unwrap_or(&Value::Null);
        assert_eq!(actual, expected, "{server}: {pointer} in {value}");
    }
}

/// Checks that `text` contains each of `needles`.
pub fn shows(server: &str, text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "{server}: no {needle:?} in\n{text}");
    }
}

/// Creates stream `name` on `subjects` with a raw API request.
pub fn create_stream(url: &str, name: &str, subjects: &[&str]) {
    let subject = format!("$JS.API.STREAM.CREATE.{name}");
    let body = json!({ "name": name, "subjects": subjects, "storage": "memory" }).to_string();
    let reply = natrium_text(url, &["request", &subject, &body, "--raw"]);
    let reply: Value = serde_json::from_str(reply.trim()).expect("stream create reply is JSON");
    assert!(
        reply.get("error").is_none(),
        "stream create failed: {reply}"
    );
}
