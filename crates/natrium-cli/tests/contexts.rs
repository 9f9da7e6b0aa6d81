//! Contexts end to end: files in the nats CLI's format and place are read,
//! selected and written by `natrium`, and commands connect through them.

mod common;

use std::process::Output;

use common::{natrium_command, start_natrium, TempDir};
use serde_json::Value;

/// Runs natrium with `config` as the configuration directory and no --server.
fn run(config: &TempDir, args: &[&str]) -> Output {
    natrium_command(Some(config.path()))
        .args(args)
        .output()
        .expect("natrium runs")
}

fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).to_string()
}

#[test]
fn a_nats_cli_context_file_is_used_and_kept_intact() {
    let server = start_natrium();
    let config = TempDir::new();
    let dir = config.path().join("nats").join("context");
    std::fs::create_dir_all(&dir).expect("mkdir");
    // Written as the nats CLI writes it, including fields natrium ignores.
    let file = serde_json::json!({
        "description": "made by nats",
        "url": server.url,
        "token": "", "user": "", "password": "", "creds": "", "nkey": "",
        "cert": "", "key": "", "ca": "", "nsc": "",
        "jetstream_domain": "", "jetstream_api_prefix": "", "jetstream_event_prefix": "",
        "inbox_prefix": "", "user_jwt": "", "color_scheme": "solarized",
        "tls_first": false, "windows_cert_store": ""
    });
    std::fs::write(dir.join("lab.json"), file.to_string()).expect("write context");
    std::fs::write(config.path().join("nats").join("context.txt"), "lab").expect("select");

    // No --server: the selected context names the server.
    ok(run(&config, &["pub", "ctx.test", "hello"]));

    let listed: Value =
        serde_json::from_str(&ok(run(&config, &["context", "ls", "--json"]))).expect("json");
    assert_eq!(listed, serde_json::json!(["lab"]));
    let table = ok(run(&config, &["context", "ls"]));
    assert!(
        table.contains("* lab") && table.contains("made by nats"),
        "{table}"
    );

    // Editing through natrium keeps the fields it does not know.
    ok(run(
        &config,
        &["context", "add", "lab", "--description", "edited"],
    ));
    let saved: Value =
        serde_json::from_slice(&std::fs::read(dir.join("lab.json")).expect("read")).expect("json");
    assert_eq!(saved["description"], "edited");
    assert_eq!(saved["color_scheme"], "solarized");
    assert_eq!(saved["url"], server.url.as_str());
}

#[test]
fn contexts_are_added_selected_shown_and_removed() {
    let server = start_natrium();
    let config = TempDir::new();
    let url = server.url.as_str();
    ok(run(
        &config,
        &[
            "context",
            "add",
            "one",
            "--server",
            url,
            "--user",
            "u",
            "--password",
            "p",
        ],
    ));
    ok(run(
        &config,
        &[
            "context",
            "add",
            "two",
            "--server",
            "nats://127.0.0.1:1",
            "--select",
        ],
    ));
    let selected = std::fs::read_to_string(config.path().join("nats/context.txt")).expect("read");
    assert_eq!(selected.trim(), "two");

    let shown: Value =
        serde_json::from_str(&ok(run(&config, &["context", "show", "one", "--json"])))
            .expect("json");
    assert_eq!(shown["url"], url);
    assert_eq!(shown["user"], "u");
    let human = ok(run(&config, &["context", "show", "one"]));
    assert!(!human.contains(": p\n"), "password shown: {human}");

    // The selected context points nowhere; --context picks another one.
    let failed = run(&config, &["pub", "x", "y"]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("no server at nats://127.0.0.1:1"));
    // natrium-server here has no users, so user/password are simply unused.
    ok(run(&config, &["--context", "one", "pub", "x", "y"]));

    let refused = run(&config, &["context", "rm", "two"]);
    assert_eq!(refused.status.code(), Some(1));
    ok(run(&config, &["context", "select", "one"]));
    ok(run(&config, &["context", "rm", "two"]));
    let listed: Value =
        serde_json::from_str(&ok(run(&config, &["context", "ls", "--json"]))).expect("json");
    assert_eq!(listed, serde_json::json!(["one"]));

    let unknown = run(&config, &["--context", "nope", "pub", "x", "y"]);
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("unknown context \"nope\""), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn printing_into_a_closed_pipe_ends_quietly() {
    let config = TempDir::new();
    for name in ["a", "b", "c"] {
        ok(run(
            &config,
            &["context", "add", name, "--description", "x"],
        ));
    }
    let mut child = natrium_command(Some(config.path()))
        .args(["context", "ls"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("natrium runs");
    // The reader goes away before natrium prints (`natrium ... | head -0`).
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("natrium ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
