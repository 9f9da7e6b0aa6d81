//! End-to-end tests of `natrium consumer ...` against natrium-server and,
//! when installed, the reference nats-server: each server gets the whole
//! lifecycle (add with many flags, info, edit, ls, report, next with acks,
//! pause and resume, a push consumer, rm), then configuration files, start
//! positions, priority groups and ephemerals. Errors are in
//! `consumer_errors.rs`; helpers in `consumer/mod.rs`.

mod common;
mod consumer;

use common::{both_servers, natrium_error, natrium_output, natrium_text, TempDir};
use consumer::{create_stream, expect, fails, json_of, run, shows, words, SECOND};
use serde_json::json;

#[test]
fn consumer_lifecycle() {
    for (server, _guard, url) in both_servers() {
        let url = url.as_str();
        create_stream(url, "ORDERS", &["orders.>"]);

        let info = json_of(
            url,
            "consumer add ORDERS C1 --filter orders.new --ack explicit --wait 30s \
             --max-deliver 5 --replay instant --sample 50 --max-pending 100 --max-waiting 10 \
             --max-batch 20 --max-expires 10s --max-bytes 1MiB --inactive-threshold 1h \
             --description first --metadata team=orders --deliver all",
        );
        expect(
            server,
            &info,
            &[
                ("/config/durable_name", json!("C1")),
                ("/config/filter_subject", json!("orders.new")),
                ("/config/ack_policy", json!("explicit")),
                ("/config/ack_wait", json!(30 * SECOND)),
                ("/config/max_deliver", json!(5)),
                ("/config/sample_freq", json!("50%")),
                ("/config/max_ack_pending", json!(100)),
                ("/config/max_waiting", json!(10)),
                ("/config/max_batch", json!(20)),
                ("/config/max_expires", json!(10 * SECOND)),
                ("/config/max_bytes", json!(1 << 20)),
                ("/config/inactive_threshold", json!(3600 * SECOND)),
                ("/config/metadata/team", json!("orders")),
            ],
        );
        let page = run(url, "consumer info ORDERS C1");
        shows(
            server,
            &page,
            &[
                "Information for Consumer ORDERS > C1",
                "Description: first",
                "Filter Subject: orders.new",
                "Maximum Deliveries: 5",
                "Ack Wait: 30s",
                "Max Ack Pending: 100",
                "Metadata: team=orders",
                "Paused: no",
            ],
        );

        // edit: the given fields change, the others stay.
        let edited = json_of(
            url,
            "consumer edit ORDERS C1 --description second --max-deliver 7",
        );
        expect(
            server,
            &edited,
            &[
                ("/config/description", json!("second")),
                ("/config/max_deliver", json!(7)),
                ("/config/filter_subject", json!("orders.new")),
                ("/config/ack_wait", json!(30 * SECOND)),
            ],
        );

        // ls and report list it.
        assert_eq!(run(url, "consumer ls ORDERS --names"), "C1\n", "{server}");
        assert_eq!(json_of(url, "consumer ls ORDERS --names"), json!(["C1"]));
        expect(
            server,
            &json_of(url, "consumer ls ORDERS"),
            &[("/0/name", json!("C1"))],
        );
        shows(server, &run(url, "consumer ls ORDERS"), &["C1", "second"]);
        shows(
            server,
            &run(url, "consumer report ORDERS"),
            &["C1", "Pull", "Explicit"],
        );
        expect(
            server,
            &json_of(url, "consumer report ORDERS"),
            &[("/0/name", json!("C1"))],
        );

        // next: two messages printed and acked, the third left pending.
        natrium_text(
            url,
            &["pub", "orders.new", "order {{Count}}", "--count", "3"],
        );
        let pulled = run(url, "consumer next ORDERS C1 --count 2");
        shows(
            server,
            &pulled,
            &[
                "[#1] Received on \"orders.new\"",
                "order 1",
                "[#2]",
                "order 2",
            ],
        );
        assert!(!pulled.contains("order 3"), "{server}: {pulled}");
        expect(
            server,
            &json_of(url, "consumer info ORDERS C1"),
            &[
                ("/ack_floor/stream_seq", json!(2)),
                ("/delivered/stream_seq", json!(2)),
                ("/num_pending", json!(1)),
                ("/num_ack_pending", json!(0)),
            ],
        );
        shows(
            server,
            &run(url, "consumer info ORDERS C1"),
            &["Acknowledgment Floor: Consumer sequence: 2 Stream sequence: 2"],
        );
        assert_eq!(
            run(url, "consumer next ORDERS C1 --raw --no-ack"),
            "order 3\n"
        );
        let state = json_of(url, "consumer info ORDERS C1");
        expect(server, &state, &[("/num_ack_pending", json!(1))]);

        // pause and resume.
        let paused = run(url, "consumer pause ORDERS C1 1h");
        assert!(
            paused.starts_with("Paused ORDERS > C1 until "),
            "{server}: {paused}"
        );
        expect(
            server,
            &json_of(url, "consumer info ORDERS C1"),
            &[("/paused", json!(true))],
        );
        shows(
            server,
            &run(url, "consumer info ORDERS C1"),
            &["Paused: until "],
        );
        shows(server, &run(url, "consumer report ORDERS"), &["yes"]);
        assert_eq!(
            run(url, "consumer resume ORDERS C1"),
            "Resumed ORDERS > C1\n"
        );
        let state = json_of(url, "consumer info ORDERS C1");
        assert_ne!(state["paused"], true, "{server}: {state}");
        fails(server, url, "consumer resume ORDERS C1", &["is not paused"]);

        // A push consumer.
        let push = json_of(
            url,
            "consumer add ORDERS P1 --target deliver.p1 --deliver new --ack none \
             --heartbeat 5s --flow-control --deliver-group workers",
        );
        expect(
            server,
            &push,
            &[
                ("/config/deliver_subject", json!("deliver.p1")),
                ("/config/deliver_group", json!("workers")),
                ("/config/deliver_policy", json!("new")),
                ("/config/ack_policy", json!("none")),
                ("/config/flow_control", json!(true)),
                ("/config/idle_heartbeat", json!(5 * SECOND)),
            ],
        );
        shows(
            server,
            &run(url, "consumer info ORDERS P1"),
            &["Delivery Subject: deliver.p1"],
        );
        fails(
            server,
            url,
            "consumer next ORDERS P1",
            &["push consumer", "natrium sub deliver.p1"],
        );

        // rm wants --force; then the consumer is gone.
        fails(server, url, "consumer rm ORDERS P1", &["--force"]);
        assert_eq!(
            run(url, "consumer rm ORDERS P1 -f"),
            "Deleted consumer ORDERS > P1\n"
        );
        let error = natrium_error(url, &words("consumer info ORDERS P1"));
        assert_eq!(
            error.trim(),
            "natrium: consumer P1 not found (10014): list consumers with natrium consumer ls ORDERS",
            "{server}"
        );
        assert_eq!(run(url, "consumer ls ORDERS --names"), "C1\n", "{server}");
    }
}

#[test]
fn config_files_starts_and_ephemerals() {
    for (server, _guard, url) in both_servers() {
        let url = url.as_str();
        create_stream(url, "JOBS", &["jobs.>"]);
        natrium_text(url, &["pub", "jobs.a", "job {{Count}}", "--count", "3"]);
        let dir = TempDir::new();

        // A configuration file; flags override it.
        let file = dir.path().join("consumer.json");
        let config = json!({
            "durable_name": "FROMFILE", "ack_policy": "all", "filter_subject": "jobs.>",
            "max_deliver": 3, "description": "from-file",
        });
        std::fs::write(&file, config.to_string()).expect("write config");
        let file = file.to_str().expect("utf-8 path");
        let info = json_of(
            url,
            &format!("consumer add JOBS --config {file} --description flag"),
        );
        expect(
            server,
            &info,
            &[
                ("/name", json!("FROMFILE")),
                ("/config/ack_policy", json!("all")),
                ("/config/max_deliver", json!(3)),
                ("/config/description", json!("flag")),
            ],
        );

        // `consumer info --json` output is a valid --config, under a new name.
        let copy = dir.path().join("info.json");
        std::fs::write(&copy, run(url, "consumer info JOBS FROMFILE --json")).expect("write");
        let copy = copy.to_str().expect("utf-8 path");
        let info = json_of(url, &format!("consumer add JOBS COPY --config {copy}"));
        expect(
            server,
            &info,
            &[
                ("/name", json!("COPY")),
                ("/config/description", json!("flag")),
            ],
        );

        // edit --config replaces the settings; the name stays. No change is fine.
        let edited = json_of(url, &format!("consumer edit JOBS COPY --config {file}"));
        expect(
            server,
            &edited,
            &[
                ("/name", json!("COPY")),
                ("/config/description", json!("from-file")),
            ],
        );
        let same = natrium_output(url, &words("consumer edit JOBS COPY --max-deliver 3"));
        assert!(same.status.success(), "{server}");
        assert!(
            String::from_utf8_lossy(&same.stderr).contains("nothing changed"),
            "{server}"
        );

        // Start positions: a sequence and a time.
        expect(
            server,
            &json_of(url, "consumer add JOBS SEQ --deliver 2"),
            &[
                ("/config/deliver_policy", json!("by_start_sequence")),
                ("/config/opt_start_seq", json!(2)),
                ("/num_pending", json!(2)),
            ],
        );
        let by_time = json_of(url, "consumer add JOBS SINCE --deliver 1h");
        expect(
            server,
            &by_time,
            &[("/config/deliver_policy", json!("by_start_time"))],
        );
        assert!(
            by_time["config"]["opt_start_time"].is_string(),
            "{server}: {by_time}"
        );
        shows(
            server,
            &run(url, "consumer info JOBS SEQ"),
            &["Deliver Policy: From sequence 2"],
        );

        // Backoff, headers only, several filters, memory, priority groups.
        let tuned = json_of(
            url,
            "consumer add JOBS TUNED --backoff 1s,5s --max-deliver 4 --headers-only \
             --filter jobs.a --filter jobs.b --memory --priority-groups urgent \
             --priority-policy pinned_client --pinned-ttl 30s",
        );
        expect(
            server,
            &tuned,
            &[
                ("/config/backoff", json!([SECOND, 5 * SECOND])),
                ("/config/headers_only", json!(true)),
                ("/config/filter_subjects", json!(["jobs.a", "jobs.b"])),
                ("/config/mem_storage", json!(true)),
                ("/config/priority_groups", json!(["urgent"])),
                ("/config/priority_policy", json!("pinned_client")),
                ("/config/priority_timeout", json!(30 * SECOND)),
            ],
        );
        let off = json_of(url, "consumer edit JOBS TUNED --headers-only=false");
        assert_ne!(off["config"]["headers_only"], true, "{server}: {off}");
        // next pulls for the consumer's priority group by itself.
        assert_eq!(
            run(url, "consumer next JOBS TUNED --raw"),
            "job 1\n",
            "{server}"
        );

        // Created paused: next says so.
        expect(
            server,
            &json_of(url, "consumer add JOBS LATER --pause-until 1h"),
            &[("/paused", json!(true))],
        );
        fails(
            server,
            url,
            "consumer next JOBS LATER --wait 200ms",
            &["paused"],
        );

        // Ephemeral: no durable name, a server-chosen name.
        let ephemeral = json_of(url, "consumer add JOBS --ephemeral");
        assert!(
            ephemeral["config"].get("durable_name").is_none(),
            "{server}: {ephemeral}"
        );
        assert!(
            !ephemeral["name"].as_str().unwrap_or("").is_empty(),
            "{server}"
        );
    }
}
