//! End-to-end smoke test of `natrium bench js fetch`, `bench kv` and
//! `bench object` against natrium-server and the reference nats-server
//! (when installed), both with JetStream.
//!
//! Small counts and sizes: it checks that the JSON reports parse and count
//! every message, operation and byte, that a kept stream is consumed from
//! where the run's own messages start, and that misuse ends with one clear
//! line. No timing is asserted.

mod common;

use common::{both_servers, natrium, natrium_error, num, reference_binary, skip, start_server};

#[test]
fn fetch_kv_and_object_against_both_servers() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");

        // js fetch: 1000 messages in batches of 64 (the last one short), kept.
        let fetch = [
            "bench",
            "js",
            "fetch",
            "smoke.fetch",
            "--msgs",
            "1000",
            "--size",
            "32",
            "--batch",
            "64",
            "--json",
        ];
        let report = natrium(&url, &[&fetch[..], &["--keep"]].concat());
        assert_eq!(report["kind"], "js-fetch");
        assert_eq!(num(&report["sub"]["msgs"]), 1000);
        assert_eq!(num(&report["sub"]["bytes"]), 1000 * 32);
        assert!(report["sub"]["msgs_per_sec"].as_f64().unwrap_or(0.0) > 0.0);
        let summary = &report["fetch"];
        assert_eq!(summary["setup"], "created");
        assert_eq!(summary["consumer"], "benchfetch");
        assert_eq!(num(&summary["batch"]), 64);
        assert!(num(&summary["fetches"]) >= 16, "{summary}");
        assert_eq!(
            (num(&summary["first_seq"]), num(&summary["last_seq"])),
            (1, 1000)
        );

        // Reused: the stale consumer is replaced and only the new messages count.
        let report = natrium(&url, &fetch);
        let summary = &report["fetch"];
        assert_eq!(summary["setup"], "reused");
        assert_eq!(summary["kept"], false);
        assert_eq!(
            (num(&summary["first_seq"]), num(&summary["last_seq"])),
            (1001, 2000)
        );

        // kv: 300 puts over 7 keys, then 300 gets, each checked.
        let report = natrium(
            &url,
            &[
                "bench", "kv", "--msgs", "300", "--size", "20", "--keys", "7", "--json",
            ],
        );
        assert_eq!(report["kind"], "kv");
        let kv = &report["kv"];
        assert_eq!(kv["bucket"], "bench");
        assert_eq!(num(&kv["keys"]), 7);
        assert_eq!(num(&kv["last_revision"]), 300);
        for phase in ["put", "get"] {
            assert_eq!(num(&kv[phase]["requests"]), 300, "{phase}");
            let p50 = kv[phase]["p50_us"].as_f64().unwrap_or(0.0);
            let p99 = kv[phase]["p99_us"].as_f64().unwrap_or(0.0);
            assert!(p50 > 0.0 && p50 <= p99, "{phase}: p50 {p50} p99 {p99}");
        }

        // object: 3 MiB + 5 bytes in 256 KiB chunks, memory storage.
        let size = 3 * 1024 * 1024 + 5;
        let size_arg = size.to_string();
        let report = natrium(
            &url,
            &[
                "bench",
                "object",
                "--size",
                &size_arg,
                "--chunk",
                "256KiB",
                "--storage",
                "memory",
                "--json",
            ],
        );
        assert_eq!(report["kind"], "object");
        let object = &report["object"];
        assert_eq!(object["storage"], "memory");
        assert_eq!(num(&object["chunks"]), 13);
        for phase in ["put", "get"] {
            assert_eq!(num(&object[phase]["bytes"]), size, "{phase}");
            assert!(object[phase]["mb_per_sec"].as_f64().unwrap_or(0.0) > 0.0);
        }
        assert_eq!(object["checksum"].as_str().map(str::len), Some(16));
    }
}

#[test]
fn kv_and_object_without_jetstream_are_one_clear_line() {
    let Some(binary) = reference_binary() else {
        skip();
        return;
    };
    let server = start_server(&binary, &[]);
    for args in [
        &["bench", "kv", "--msgs", "1"][..],
        &["bench", "object", "--size", "1KiB"],
        &["bench", "js", "fetch", "x", "--msgs", "1"],
    ] {
        let error = natrium_error(&server.url, args);
        assert!(
            error.contains("JetStream is not enabled"),
            "{args:?}: {error}"
        );
    }
}
