//! End-to-end smoke test of `natrium bench js pub` against natrium-server
//! and the reference nats-server (when installed), both with JetStream.
//!
//! Small counts: it checks the JSON report (every ack counted, sequences,
//! stream state), stream reuse / `--purge` / `--keep`, and that misuse ends
//! with one clear line.

mod common;

use common::{both_servers, natrium, natrium_error, num, reference_binary, skip, start_server};

fn js_pub(extra: &[&'static str]) -> Vec<&'static str> {
    let mut args = vec!["bench", "js", "pub", "smoke.js", "--json"];
    args.extend_from_slice(extra);
    args
}

#[test]
fn js_pub_against_both_servers() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");

        // File storage, created and deleted by the run.
        let report = natrium(
            &url,
            &js_pub(&["--msgs", "2000", "--size", "64", "--window", "32"]),
        );
        assert_eq!(report["kind"], "js-pub");
        assert_eq!(num(&report["pub"]["msgs"]), 2000);
        assert_eq!(num(&report["pub"]["bytes"]), 2000 * 64);
        let js = &report["jetstream"];
        assert_eq!(js["stream"], "benchstream");
        assert_eq!(js["storage"], "file");
        assert_eq!(js["setup"], "created");
        assert_eq!(js["kept"], false);
        assert_eq!(num(&js["window"]), 32);
        assert_eq!((num(&js["first_seq"]), num(&js["last_seq"])), (1, 2000));
        assert_eq!(num(&js["stream_msgs"]), 2000);
        assert_eq!(num(&js["ack_latency"]["requests"]), 2000);
        let p50 = js["ack_latency"]["p50_us"].as_f64().unwrap_or(0.0);
        let p99 = js["ack_latency"]["p99_us"].as_f64().unwrap_or(0.0);
        assert!(p50 > 0.0 && p50 <= p99, "p50 {p50} p99 {p99}");

        // Memory storage, kept, then reused: sequences continue.
        let memory = [
            "--msgs",
            "500",
            "--storage",
            "memory",
            "--stream",
            "smokemem",
        ];
        let report = natrium(&url, &js_pub(&[&memory[..], &["--keep"]].concat()));
        assert_eq!(report["jetstream"]["setup"], "created");
        assert_eq!(report["jetstream"]["kept"], true);
        let report = natrium(&url, &js_pub(&[&memory[..], &["--keep"]].concat()));
        let js = &report["jetstream"];
        assert_eq!(js["setup"], "reused");
        assert_eq!((num(&js["first_seq"]), num(&js["last_seq"])), (501, 1000));
        assert_eq!(num(&js["stream_msgs"]), 1000);

        // The kept stream has the other storage: refused without --purge.
        let error = natrium_error(
            &url,
            &[
                "bench", "js", "pub", "smoke.js", "--stream", "smokemem", "--msgs", "1",
            ],
        );
        assert!(error.contains("exists with memory storage"), "{error}");
        assert!(error.contains("--purge"), "{error}");

        // --purge starts empty; without --keep the stream is gone afterwards.
        let report = natrium(&url, &js_pub(&[&memory[..], &["--purge"]].concat()));
        let js = &report["jetstream"];
        assert_eq!(js["setup"], "recreated");
        assert_eq!(num(&js["stream_msgs"]), 500);
        let report = natrium(&url, &js_pub(&memory));
        assert_eq!(report["jetstream"]["setup"], "created");
    }
}

#[test]
fn js_pub_without_jetstream_is_one_clear_line() {
    let Some(binary) = reference_binary() else {
        skip();
        return;
    };
    let server = start_server(&binary, &[]);
    let error = natrium_error(&server.url, &["bench", "js", "pub", "x", "--msgs", "1"]);
    assert!(error.contains("JetStream is not enabled"), "{error}");
}
