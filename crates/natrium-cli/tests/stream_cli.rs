//! End-to-end tests of `natrium stream ...` and `natrium account info`
//! against natrium-server and (when installed) the reference nats-server.
//!
//! One lifecycle per server walks a stream through add (many flags), info,
//! edit, ls, report, publishing with `natrium pub`, view, get, rmm, purge,
//! copy and rm, checking the `--json` documents and the human output.
//! Another covers `--config` files; the errors are in `stream_cli_errors.rs`.

mod common;

use common::{both_servers, natrium, natrium_error, natrium_text, num, TempDir};
use serde_json::{json, Value};

fn add_orders(url: &str) -> Value {
    let flags = "--subjects orders.new,orders.old --subjects orders.x --storage file \
        --retention limits --discard old --max-msgs 1k --max-msgs-per-subject 100 \
        --max-bytes 1MB --max-age 1d --max-msg-size 64KiB --max-consumers 10 \
        --dupe-window 1m --metadata team=orders --metadata tier=gold --allow-rollup \
        --allow-msg-ttl --subject-del-markers-ttl 1m --json";
    let mut args = vec!["stream", "add", "ORDERS", "--description", "all orders"];
    args.extend(flags.split_whitespace());
    natrium(url, &args)
}

fn check_added(config: &Value) {
    assert_eq!(config["name"], "ORDERS");
    assert_eq!(
        config["subjects"],
        json!(["orders.new", "orders.old", "orders.x"])
    );
    assert_eq!(config["storage"], "file");
    assert_eq!(config["retention"], "limits");
    assert_eq!(config["discard"], "old");
    assert_eq!(num(&config["max_msgs"]), 1000);
    assert_eq!(num(&config["max_msgs_per_subject"]), 100);
    assert_eq!(num(&config["max_bytes"]), 1_000_000);
    assert_eq!(num(&config["max_age"]), 86_400 * 1_000_000_000);
    assert_eq!(num(&config["max_msg_size"]), 65_536);
    assert_eq!(num(&config["max_consumers"]), 10);
    assert_eq!(num(&config["duplicate_window"]), 60 * 1_000_000_000);
    assert_eq!(
        num(&config["subject_delete_marker_ttl"]),
        60 * 1_000_000_000
    );
    assert_eq!(config["description"], "all orders");
    assert_eq!(config["metadata"]["team"], "orders");
    assert_eq!(config["metadata"]["tier"], "gold");
    assert_eq!(config["allow_rollup_hdrs"], true);
    assert_eq!(config["allow_msg_ttl"], true);
    assert_eq!(config["allow_direct"], true);
}

fn stream_info(url: &str, name: &str) -> Value {
    natrium(url, &["stream", "info", name, "--json"])
}

fn lifecycle(server: &str, url: &str) {
    let added = add_orders(url);
    check_added(&added["config"]);

    let text = natrium_text(url, &["stream", "info", "ORDERS"]);
    for expected in [
        "Information for stream ORDERS",
        "Description: all orders",
        "Subjects: orders.new, orders.old, orders.x",
        "Maximum Messages: 1,000",
        "Maximum Age: 1d",
        "Allows Rollups: yes",
        "team: orders",
        "Messages: 0",
    ] {
        assert!(text.contains(expected), "{server}: {expected:?} in\n{text}");
    }

    // Edit changes only what is given.
    let edited = natrium(
        url,
        &["stream", "edit", "ORDERS", "--max-msgs", "2000", "--json"],
    );
    assert_eq!(num(&edited["config"]["max_msgs"]), 2000, "{server}");
    assert_eq!(edited["config"]["description"], "all orders", "{server}");
    assert_eq!(num(&edited["config"]["max_bytes"]), 1_000_000, "{server}");

    let unchanged = natrium_text(url, &["stream", "edit", "ORDERS", "--max-msgs", "2000"]);
    assert!(unchanged.contains("No difference"), "{server}: {unchanged}");

    // Listing.
    assert_eq!(natrium_text(url, &["stream", "ls", "--names"]), "ORDERS\n");
    assert_eq!(natrium(url, &["stream", "ls", "--json"]), json!(["ORDERS"]));
    let table = natrium_text(url, &["stream", "ls"]);
    assert!(
        table.contains("ORDERS") && table.contains("all orders"),
        "{table}"
    );
    let report = natrium_text(url, &["stream", "report"]);
    assert!(
        report.contains("ORDERS") && report.contains("file"),
        "{report}"
    );
    let report = natrium(url, &["stream", "report", "--json"]);
    assert_eq!(report[0]["config"]["name"], "ORDERS", "{server}");

    // Messages: 1-3 on orders.new (with a header), 4-5 on orders.old.
    natrium_text(
        url,
        &[
            "pub",
            "orders.new",
            "new {{Count}}",
            "--count",
            "3",
            "-H",
            "trace:abc",
        ],
    );
    natrium_text(url, &["pub", "orders.old", "old {{Count}}", "--count", "2"]);
    let info = stream_info(url, "ORDERS");
    assert_eq!(num(&info["state"]["messages"]), 5, "{server}");

    let view = natrium_text(url, &["stream", "view", "ORDERS"]);
    assert!(view.contains("[1] Subject: orders.new"), "{server}: {view}");
    assert!(
        view.contains("trace: abc") && view.contains("new 1"),
        "{view}"
    );
    assert!(view.contains("[5] Subject: orders.old"), "{view}");
    let raw = natrium_text(
        url,
        &[
            "stream",
            "view",
            "ORDERS",
            "--subject",
            "orders.old",
            "--raw",
        ],
    );
    assert_eq!(raw, "old 1\nold 2\n", "{server}");
    let page = natrium_text(
        url,
        &[
            "stream", "view", "ORDERS", "--id", "2", "--count", "2", "--raw",
        ],
    );
    assert_eq!(page, "new 2\nnew 3\n", "{server}");
    let first = natrium_text(url, &["stream", "view", "ORDERS", "1", "--raw"]);
    assert_eq!(
        first, "new 1\n",
        "{server}: the nats CLI's positional page size"
    );
    let recent = natrium_text(
        url,
        &[
            "stream", "view", "ORDERS", "--since", "1h", "--raw", "--count", "0",
        ],
    );
    assert_eq!(recent.lines().count(), 5, "{server}: {recent}");

    let got = natrium_text(url, &["stream", "get", "ORDERS", "2"]);
    assert!(
        got.contains("ORDERS#2") && got.contains("trace: abc") && got.contains("new 2"),
        "{got}"
    );
    let last = natrium(
        url,
        &[
            "stream",
            "get",
            "ORDERS",
            "--last-for",
            "orders.old",
            "--json",
        ],
    );
    assert_eq!(num(&last["message"]["seq"]), 5, "{server}");
    assert_eq!(last["message"]["subject"], "orders.old");

    // Deleting one message needs --force.
    let refused = natrium_error(url, &["stream", "rmm", "ORDERS", "2"]);
    assert!(refused.contains("--force"), "{refused}");
    natrium_text(url, &["stream", "rmm", "ORDERS", "2", "--force"]);
    let state = &stream_info(url, "ORDERS")["state"];
    assert_eq!(
        (num(&state["messages"]), num(&state["num_deleted"])),
        (4, 1),
        "{server}"
    );
    let gone = natrium_error(url, &["stream", "get", "ORDERS", "2"]);
    assert!(
        gone.contains("no message with sequence 2"),
        "{server}: {gone}"
    );

    // Purging one subject.
    natrium_error(
        url,
        &["stream", "purge", "ORDERS", "--subject", "orders.old"],
    );
    let purged = natrium(
        url,
        &[
            "stream",
            "purge",
            "ORDERS",
            "--subject",
            "orders.old",
            "-f",
            "--json",
        ],
    );
    assert_eq!(num(&purged["purged"]), 2, "{server}");
    assert_eq!(num(&stream_info(url, "ORDERS")["state"]["messages"]), 2);

    // Copy: the same subjects overlap (the server's error passes through).
    let overlap = natrium_error(url, &["stream", "copy", "ORDERS", "ARCHIVE"]);
    assert!(
        overlap.contains("overlap") && overlap.contains("(10065)"),
        "{server}: {overlap}"
    );
    let copy = natrium(
        url,
        &[
            "stream",
            "copy",
            "ORDERS",
            "ARCHIVE",
            "--subjects",
            "archive.*",
            "--storage",
            "memory",
            "--json",
        ],
    );
    assert_eq!(copy["config"]["name"], "ARCHIVE");
    assert_eq!(copy["config"]["subjects"], json!(["archive.*"]));
    assert_eq!(copy["config"]["storage"], "memory");
    assert_eq!(num(&copy["config"]["max_msgs"]), 2000, "{server}");
    assert_eq!(num(&copy["state"]["messages"]), 0);

    let account = natrium(url, &["account", "info", "--json"]);
    assert_eq!(
        num(&account["jetstream"]["streams"]),
        2,
        "{server}: {account}"
    );
    let account = natrium_text(url, &["account", "info"]);
    assert!(account.contains("Streams: 2 of"), "{server}: {account}");

    // Removing needs --force.
    let refused = natrium_error(url, &["stream", "rm", "ARCHIVE"]);
    assert!(refused.contains("--force"), "{refused}");
    natrium_text(url, &["stream", "rm", "ARCHIVE", "-f"]);
    natrium_text(url, &["stream", "rm", "ORDERS", "--force"]);
    assert_eq!(
        natrium(url, &["stream", "ls", "--json"]),
        json!([]),
        "{server}"
    );
}

#[test]
fn stream_lifecycle() {
    for (server, _guard, url) in both_servers() {
        lifecycle(server, &url);
    }
}

#[test]
fn add_from_config_file() {
    for (server, _guard, url) in both_servers() {
        let dir = TempDir::new();
        let file = dir.path().join("stream.json");
        let config =
            json!({"name": "FROMFILE", "subjects": ["file.>"], "max_msgs": 5, "storage": "memory"});
        std::fs::write(&file, config.to_string()).unwrap();
        let path = file.to_str().unwrap();
        let made = natrium(&url, &["stream", "add", "--config", path, "--json"]);
        assert_eq!(made["config"]["name"], "FROMFILE", "{server}");
        assert_eq!(num(&made["config"]["max_msgs"]), 5);
        assert_eq!(made["config"]["storage"], "memory");

        // A name and flags override the file.
        let other = natrium(
            &url,
            &[
                "stream",
                "add",
                "OTHER",
                "--config",
                path,
                "--subjects",
                "other.>",
                "--max-msgs",
                "7",
                "--json",
            ],
        );
        assert_eq!(other["config"]["name"], "OTHER", "{server}");
        assert_eq!(other["config"]["subjects"], json!(["other.>"]));
        assert_eq!(num(&other["config"]["max_msgs"]), 7);

        // `stream info --json` output is a valid configuration file too.
        let info_file = dir.path().join("info.json");
        std::fs::write(
            &info_file,
            natrium_text(&url, &["stream", "info", "OTHER", "--json"]),
        )
        .unwrap();
        let info_path = info_file.to_str().unwrap();
        let clone = natrium(
            &url,
            &[
                "stream",
                "add",
                "CLONE",
                "--config",
                info_path,
                "--subjects",
                "clone.>",
                "--json",
            ],
        );
        assert_eq!(num(&clone["config"]["max_msgs"]), 7, "{server}");

        // edit --config replaces the configuration.
        let edited_file = dir.path().join("edited.json");
        let edited = json!({"name": "CLONE", "subjects": ["clone.>", "clone2.>"], "max_msgs": 9, "storage": "memory"});
        std::fs::write(&edited_file, edited.to_string()).unwrap();
        let edited = natrium(
            &url,
            &[
                "stream",
                "edit",
                "CLONE",
                "--config",
                edited_file.to_str().unwrap(),
                "--json",
            ],
        );
        assert_eq!(num(&edited["config"]["max_msgs"]), 9, "{server}");
        assert_eq!(edited["config"]["subjects"], json!(["clone.>", "clone2.>"]));
    }
}

/// A stream gathering two others (`--source`) and a mirror (`--mirror`)
/// fill up from their origins on both servers.
#[test]
fn sources_and_mirrors() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");
        for (stream, subjects) in [("EU", "eu.>"), ("US", "us.>")] {
            natrium(
                &url,
                &["stream", "add", stream, "--subjects", subjects, "--json"],
            );
        }
        natrium_text(&url, &["pub", "eu.sale", "1"]);
        natrium_text(&url, &["pub", "us.sale", "2"]);
        let added = natrium(
            &url,
            &[
                "stream", "add", "ALL", "--source", "EU", "--source", "US", "--json",
            ],
        );
        assert_eq!(added["config"]["sources"].as_array().map(Vec::len), Some(2));
        natrium(
            &url,
            &["stream", "add", "EU_COPY", "--mirror", "EU", "--json"],
        );
        for (stream, wanted) in [("ALL", 2), ("EU_COPY", 1)] {
            let mut messages = 0;
            for _ in 0..200 {
                // Hang guard only: copies arrive in the background.
                messages = num(&stream_info(&url, stream)["state"]["messages"]);
                if messages >= wanted {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            assert_eq!(messages, wanted, "{stream} on {name}");
        }
        let info = stream_info(&url, "ALL");
        let mut names: Vec<&str> = info["sources"]
            .as_array()
            .expect("sources in the info")
            .iter()
            .filter_map(|s| s["name"].as_str())
            .collect();
        names.sort_unstable();
        assert_eq!(names, ["EU", "US"]);
    }
}
