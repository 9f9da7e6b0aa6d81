//! `natrium rtt` and `natrium server ping|info|check` end to end, against
//! natrium-server and the reference nats-server.
//!
//! Checks are judged by their Nagios exit codes (0 OK, 2 CRITICAL) and the
//! first word of their one-line output. Streams and consumers are created
//! through the raw JetStream API with `natrium request`, so these tests do
//! not depend on the `natrium stream` commands.

mod common;

use std::process::Output;

use common::{
    both_servers, natrium, natrium_error, natrium_output, natrium_text, num, reference_binary,
    skip, start_natrium_with, start_server, TempDir,
};
use serde_json::Value;

/// Runs a check and returns (exit code, stdout); Nagios output is one line.
fn check(url: &str, args: &[&str]) -> (i32, String) {
    let output: Output = natrium_output(url, &[&["server", "check"], args].concat());
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    if !args.contains(&"json") {
        assert_eq!(stdout.lines().count(), 1, "one line: {stdout}");
    }
    (output.status.code().unwrap_or(-1), stdout)
}

fn create_stream(url: &str, name: &str, subjects: &str) {
    let config = format!(r#"{{"name":"{name}","subjects":["{subjects}"],"storage":"memory"}}"#);
    let subject = format!("$JS.API.STREAM.CREATE.{name}");
    let reply = natrium_text(url, &["request", &subject, &config, "--raw"]);
    assert!(!reply.contains("\"error\""), "{reply}");
}

#[test]
fn rtt_reports_a_positive_round_trip_per_server() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");
        let report = natrium(&url, &["rtt", "--iterations", "3", "--json"]);
        let results = &report[0]["results"];
        assert!(num(&results[0]["rtt"]) > 0, "{report}");
        assert!(results[0]["address"]
            .as_str()
            .unwrap_or("")
            .starts_with("nats://"));
        let text = natrium_text(&url, &["rtt", "2"]);
        assert!(text.contains(&format!("{url}:")), "{text}");
    }
}

#[test]
fn server_info_without_system_account_shows_the_info_block() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");
        let info = natrium(&url, &["server", "info", "--json"]);
        assert!(!info["version"].as_str().unwrap_or("").is_empty(), "{info}");
        assert!(
            !info["server_id"].as_str().unwrap_or("").is_empty(),
            "{info}"
        );
        assert_eq!(info["jetstream"], true);
        let text = natrium_text(&url, &["server", "info"]);
        assert!(text.contains("Server information for"), "{text}");
        assert!(text.contains("Version:"), "{text}");
        let error = natrium_error(&url, &["server", "info", "some-other-server"]);
        assert!(error.contains("system account"), "{error}");
    }
}

#[test]
fn server_ping_needs_the_system_account() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");
        let error = natrium_error(&url, &["server", "ping"]);
        assert!(
            error.contains("needs system account credentials"),
            "{error}"
        );
    }
}

const SYSTEM_USER_CONFIG: &str =
    "accounts { SYS { users [{user: sys, password: sys}] } }\nsystem_account: SYS\n";

/// `server ping` and `server info` answered through the system account, on
/// natrium-server and on nats-server with the same configuration.
#[test]
fn server_ping_and_info_with_a_system_user() {
    let natrium = common::start_natrium_with(|options| {
        let mut configured =
            natrium_server::config::load_str(SYSTEM_USER_CONFIG).expect("valid config");
        configured.host = options.host.clone();
        configured.port = options.port;
        configured
    });
    system_user_answers(&natrium.url);
    let Some(binary) = reference_binary() else {
        skip();
        return;
    };
    let dir = TempDir::new();
    let config = dir.path().join("sys.conf");
    std::fs::write(&config, SYSTEM_USER_CONFIG).expect("write config");
    let server = start_server(&binary, &["-c", config.to_str().expect("utf-8 path")]);
    system_user_answers(&server.url);
}

fn system_user_answers(url: &str) {
    let sys = ["--user", "sys", "--password", "sys"];
    let report = natrium(url, &[&["server", "ping", "--json"], &sys[..]].concat());
    assert_eq!(
        report["replies"].as_array().map(Vec::len),
        Some(1),
        "{report}"
    );
    assert_eq!(num(&report["expected"]), 1);
    assert_eq!(num(&report["missing"]), 0);
    assert!(num(&report["replies"][0]["rtt"]) > 0);
    let text = natrium_text(url, &[&["server", "ping", "--id"], &sys[..]].concat());
    assert!(text.contains("---- ping statistics ----"), "{text}");
    assert!(text.contains("1 replies"), "{text}");
    let id = report["replies"][0]["server_id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let varz = natrium(
        url,
        &[&["server", "info", &id, "--json"], &sys[..]].concat(),
    );
    assert_eq!(varz["server_id"], id.as_str());
    assert!(varz["git_commit"].is_string(), "VARZ, not INFO: {varz}");
    let text = natrium_text(url, &[&["server", "info"], &sys[..]].concat());
    assert!(text.contains("Process Details"), "{text}");
}

#[test]
fn server_mapping_tries_a_mapping_locally() {
    let url = "nats://127.0.0.1:1";
    let mapped = natrium_text(
        url,
        &[
            "server",
            "mapping",
            "orders.*.*",
            "shop.{{wildcard(2)}}.$1",
            "orders.eu.new",
        ],
    );
    assert_eq!(mapped.trim(), "shop.new.eu");
    let error = natrium_error(
        url,
        &["server", "mapping", "orders.*", "shop.$2", "orders.x"],
    );
    assert!(error.contains("out of range"), "{error}");
    let error = natrium_error(
        url,
        &["server", "mapping", "orders.*", "shop.$1", "billing.x"],
    );
    assert!(error.contains("does not match"), "{error}");
    let output = common::natrium_with_stdin(
        url,
        &["server", "mapping", "k.*", "p.{{partition(3,1)}}.$1"],
        b"k.a\nk.a\nk.b\n",
    );
    let lines: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0], lines[1], "the same key, the same partition");
    assert!(lines[2].ends_with(".b"));
}

#[test]
fn connection_check_is_ok_or_critical() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");
        let (code, line) = check(&url, &["connection"]);
        assert_eq!(code, 0, "{line}");
        assert!(line.starts_with("OK Connection OK:connected to"), "{line}");
        assert!(line.contains("| connect_time="), "{line}");
        let (code, json) = check(&url, &["--format", "json", "conn"]);
        assert_eq!(code, 0);
        let _: Value = serde_json::from_str(&json).expect("json");
    }
    let output = natrium_output("nats://127.0.0.1:1", &["server", "check", "connection"]);
    assert_eq!(output.status.code(), Some(2));
    let line = String::from_utf8_lossy(&output.stdout);
    assert!(line.starts_with("CRITICAL Connection"), "{line}");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn jetstream_check_needs_jetstream() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");
        let (code, line) = check(&url, &["jetstream"]);
        assert_eq!(code, 0, "{line}");
        assert!(line.starts_with("OK JetStream"), "{line}");
        assert!(line.contains("memory_pct=0%;75;90"), "{line}");
    }
    let plain = start_natrium_with(|mut options| {
        options.jetstream.enabled = false;
        options
    });
    let (code, line) = check(&plain.url, &["js"]);
    assert_eq!(code, 2, "{line}");
    assert!(
        line.starts_with("CRITICAL JetStream Crit:JetStream not available"),
        "{line}"
    );
    if let Some(binary) = reference_binary() {
        let server = start_server(&binary, &[]);
        let (code, line) = check(&server.url, &["jetstream"]);
        assert_eq!(code, 2, "{line}");
    }
}

#[test]
fn stream_check_counts_messages() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");
        create_stream(&url, "CHECKED", "checked.>");
        let (code, line) = check(
            &url,
            &["stream", "--stream", "CHECKED", "--msgs-critical", "1"],
        );
        assert_eq!(code, 2, "{line}");
        assert!(
            line.starts_with("CRITICAL CHECKED Crit:0 messages"),
            "{line}"
        );
        natrium_text(&url, &["pub", "checked.a", "x", "--count", "2"]);
        let (code, line) = check(
            &url,
            &[
                "stream",
                "--stream",
                "CHECKED",
                "--msgs-critical",
                "1",
                "--age-critical",
                "1h",
            ],
        );
        assert_eq!(code, 0, "{line}");
        assert!(line.contains("OK:2 messages"), "{line}");
        let (code, line) = check(
            &url,
            &["stream", "--stream", "CHECKED", "--min-sources", "1"],
        );
        assert_eq!(code, 2, "{line}");
        let (code, line) = check(&url, &["stream", "--stream", "MISSING"]);
        assert_eq!(code, 2, "{line}");
        assert!(line.contains("could not load stream MISSING"), "{line}");
    }
}

#[test]
fn consumer_check_sees_the_backlog() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");
        create_stream(&url, "WORK", "work.>");
        natrium_text(&url, &["pub", "work.item", "x", "--count", "3"]);
        let config =
            r#"{"stream_name":"WORK","config":{"durable_name":"worker","ack_policy":"explicit"}}"#;
        natrium_text(
            &url,
            &[
                "request",
                "$JS.API.CONSUMER.CREATE.WORK.worker",
                config,
                "--raw",
            ],
        );
        let consumer = ["consumer", "--stream", "WORK", "--consumer", "worker"];
        let (code, line) = check(
            &url,
            &[&consumer[..], &["--unprocessed-critical", "3"]].concat(),
        );
        assert_eq!(code, 2, "{line}");
        assert!(line.contains("pending=3"), "{line}");
        let (code, line) = check(
            &url,
            &[&consumer[..], &["--unprocessed-critical", "10"]].concat(),
        );
        assert_eq!(code, 0, "{line}");
        let (code, line) = check(
            &url,
            &[&consumer[..], &["--last-delivery-critical", "1m"]].concat(),
        );
        assert_eq!(code, 2, "{line}");
        assert!(line.contains("No deliveries"), "{line}");
        let (code, json) = check(
            &url,
            &[
                "--format",
                "json",
                "consumer",
                "--stream",
                "WORK",
                "--consumer",
                "nobody",
            ],
        );
        assert_eq!(code, 2);
        let document: Value = serde_json::from_str(&json).expect("json");
        assert_eq!(document["status"], "CRITICAL");
    }
}
