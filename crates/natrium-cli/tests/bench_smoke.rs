//! End-to-end smoke test of `natrium bench` against natrium-server and the
//! reference nats-server 2.14 (when installed; see [`common`]): the built
//! `natrium` binary runs with small counts and `--json`, and the result must
//! parse and count every message.

mod common;

use common::{both_servers, natrium, natrium_error};

#[test]
fn pubsub_and_request_against_both_servers() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");

        let report = natrium(
            &url,
            &[
                "bench",
                "pubsub",
                "smoke.test",
                "--msgs",
                "5000",
                "--size",
                "64",
                "--pub",
                "2",
                "--sub",
                "3",
                "--json",
            ],
        );
        assert_eq!(report["kind"], "pubsub");
        assert_eq!(report["pub"]["clients"], 2);
        assert_eq!(report["pub"]["msgs"], 5000);
        assert_eq!(report["sub"]["clients"], 3);
        assert_eq!(report["sub"]["msgs"], 15000);
        assert_eq!(report["sub"]["bytes"], 15000 * 64);
        assert_eq!(report["aggregate"]["msgs"], 20000);
        for subscriber in report["sub"]["per_client"].as_array().expect("per_client") {
            assert_eq!(subscriber["msgs"], 5000);
        }
        assert!(report["aggregate"]["msgs_per_sec"].as_f64().unwrap_or(0.0) > 0.0);

        let report = natrium(
            &url,
            &[
                "bench",
                "request",
                "smoke.rr",
                "--msgs",
                "300",
                "--clients",
                "2",
                "--warmup",
                "5",
                "--json",
            ],
        );
        assert_eq!(report["kind"], "request");
        assert_eq!(report["latency"]["requests"], 300);
        let p50 = report["latency"]["p50_us"].as_f64().unwrap_or(0.0);
        let p99 = report["latency"]["p99_us"].as_f64().unwrap_or(0.0);
        assert!(p50 > 0.0 && p50 <= p99, "p50 {p50} p99 {p99}");
    }
}

#[test]
fn missing_server_is_one_clear_line() {
    // Bind a port, then free it: nothing listens there any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let url = format!("nats://127.0.0.1:{port}");
    let stderr = natrium_error(&url, &["bench", "pub", "x", "--msgs", "1"]);
    assert!(stderr.contains(&format!("no server at {url}")), "{stderr}");
}
