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

#[test]
fn request_collects_several_replies() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");
        let first = start(
            &url,
            &["reply", "census", "one", "--count", "1"],
            "Listening on",
        );
        let second = start(
            &url,
            &["reply", "census", "two", "--count", "1"],
            "Listening on",
        );
        let output = natrium_output(
            &url,
            &[
                "request",
                "census",
                "",
                "--replies",
                "2",
                "--reply-timeout",
                "5s",
                "--json",
            ],
        );
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let mut bodies: Vec<String> = stdout
            .lines()
            .map(|line| {
                let reply: serde_json::Value = serde_json::from_str(line).expect("JSON line");
                reply["data"].as_str().unwrap_or_default().to_string()
            })
            .collect();
        bodies.sort();
        assert_eq!(bodies, ["one", "two"], "{stdout}");
        first.wait_with_output().expect("first responder ends");
        second.wait_with_output().expect("second responder ends");
    }
}

#[test]
fn sub_prints_json_lines_and_listens_on_an_inbox() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");
        let subscriber = start(
            &url,
            &["sub", "lines.*", "--json", "--count", "2"],
            "Subscribing on",
        );
        let published = natrium_output(
            &url,
            &[
                "pub",
                "lines.a",
                "{\"n\": {{Count}}}",
                "--count",
                "2",
                "-H",
                "k:v",
            ],
        );
        assert!(published.status.success());
        let received = subscriber.wait_with_output().expect("subscriber ends");
        let stdout = String::from_utf8_lossy(&received.stdout);
        let lines: Vec<serde_json::Value> = stdout
            .lines()
            .map(|line| serde_json::from_str(line).expect("JSON line"))
            .collect();
        assert_eq!(lines.len(), 2, "{stdout}");
        assert_eq!(lines[0]["subject"], "lines.a");
        assert_eq!(lines[0]["headers"]["k"][0], "v");
        assert_eq!(lines[1]["data"], "{\"n\": 2}");

        let (inbox_sub, ready) = common::natrium_spawn_line(
            &url,
            &["sub", "--inbox", "--count", "1", "--raw"],
            "Subscribing on",
        );
        let inbox = ready
            .trim()
            .trim_start_matches("Subscribing on ")
            .to_string();
        assert!(inbox.starts_with("_INBOX."), "{ready}");
        assert!(natrium_output(&url, &["pub", &inbox, "to the inbox"])
            .status
            .success());
        let received = inbox_sub.wait_with_output().expect("inbox subscriber ends");
        assert_eq!(String::from_utf8_lossy(&received.stdout), "to the inbox\n");
    }
}

#[test]
fn bad_subjects_and_headers_fail_with_one_line() {
    // Checked before connecting: no server needed.
    let url = "nats://127.0.0.1:1";
    let error = natrium_error(url, &["pub", "a b", "x"]);
    assert!(error.contains("invalid subject \"a b\""), "{error}");
    let error = natrium_error(url, &["sub", "a..b"]);
    assert!(error.contains("empty token"), "{error}");
    let error = natrium_error(url, &["request", "orders.*", "x"]);
    assert!(error.contains("wildcards"), "{error}");
    let error = natrium_error(url, &["pub", "x", "y", "-H", "bad name:1"]);
    assert!(error.contains("invalid header name"), "{error}");
}

#[test]
fn permission_violations_fail_with_one_line() {
    use natrium_server::permissions::{Permissions, SubjectPermission};
    let denied = Permissions {
        publish: SubjectPermission {
            allow: None,
            deny: vec!["secret.>".to_string()],
        },
        subscribe: SubjectPermission {
            allow: None,
            deny: vec!["hidden.>".to_string()],
        },
        ..Permissions::default()
    };
    let natrium = common::start_natrium_with(|mut options| {
        options.auth.users = vec![natrium_server::UserOptions {
            user: "app".to_string(),
            password: "app".to_string(),
            permissions: Some(denied),
            ..natrium_server::UserOptions::default()
        }];
        options
    });
    let mut servers: Vec<(&str, Box<dyn std::any::Any>, String)> =
        vec![("natrium-server", Box::new(()), natrium.url.clone())];
    let config = common::TempDir::new();
    if let Some(binary) = common::reference_binary() {
        let file = config.path().join("perm.conf");
        std::fs::write(
            &file,
            "authorization { users [{user: app, password: app, permissions: \
             {publish: {deny: [\"secret.>\"]}, subscribe: {deny: [\"hidden.>\"]}}}] }\n",
        )
        .expect("write config");
        let server = common::start_server(&binary, &["-c", file.to_str().expect("utf-8")]);
        let url = server.url.clone();
        servers.push(("nats-server", Box::new(server), url));
    }
    let login = ["--user", "app", "--password", "app"];
    for (name, _server, url) in servers {
        println!("against {name}");
        let error = natrium_error(&url, &[&["pub", "secret.plans", "x"], &login[..]].concat());
        assert!(
            error.contains("Permissions Violation for Publish"),
            "{error}"
        );
        let error = natrium_error(&url, &[&["sub", "hidden.things"], &login[..]].concat());
        assert!(
            error.contains("Permissions Violation for Subscription"),
            "{error}"
        );
        let error = natrium_error(
            &url,
            &[&["request", "secret.plans", "x"], &login[..]].concat(),
        );
        assert!(error.contains("Permissions Violation"), "{error}");
        let allowed = natrium_output(&url, &[&["pub", "public.news", "x"], &login[..]].concat());
        assert!(allowed.status.success());
    }
}
