//! Shared helpers: an embedded natrium-server with JetStream, the content
//! store service on it, and the deterministic test pattern.

#![allow(dead_code)]

use std::pin::Pin;
use std::task::{Context, Poll};

use natrium_cid::{Client, Service, ServiceConfig};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

pub struct Node {
    pub server: natrium_server::Server,
    pub nats: async_nats::Client,
    pub client: Client,
    pub service: Service,
    pub _dir: tempfile::TempDir,
}

pub const DOMAIN: &str = "sales";

pub async fn start() -> Node {
    start_with(|options| options).await
}

/// A server with JetStream in a temporary directory (after `adjust`), the
/// service of domain `sales` on it, and a client of that domain.
pub async fn start_with(
    adjust: impl FnOnce(natrium_server::ServerOptions) -> natrium_server::ServerOptions,
) -> Node {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut options = natrium_server::ServerOptions::ephemeral();
    options.jetstream.enabled = true;
    options.jetstream.store_dir = Some(dir.path().to_path_buf());
    let options = adjust(options);
    let service_user = options.auth.users.first().cloned();
    let server = natrium_server::Server::start(options)
        .await
        .expect("server starts");
    let mut connect = async_nats::ConnectOptions::new();
    if let Some(user) = service_user {
        connect = connect.user_and_password(user.user, user.password);
    }
    let nats = connect
        .connect(server.client_url())
        .await
        .expect("connects");
    let service = Service::start(nats.clone(), ServiceConfig::new(DOMAIN))
        .await
        .expect("service starts");
    let client = Client::new(nats.clone(), DOMAIN);
    Node {
        server,
        nats,
        client,
        service,
        _dir: dir,
    }
}

pub fn pattern_byte(i: u64) -> u8 {
    (i % 251) as u8
}

pub fn pattern(len: usize) -> Vec<u8> {
    (0..len as u64).map(pattern_byte).collect()
}

/// `len` bytes of the pattern, generated as they are read.
pub struct PatternReader {
    pub at: u64,
    pub len: u64,
}

impl AsyncRead for PatternReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let n = (buf.remaining() as u64).min(self.len - self.at) as usize;
        let start = self.at;
        let bytes: Vec<u8> = (start..start + n as u64).map(pattern_byte).collect();
        buf.put_slice(&bytes);
        self.at += n as u64;
        Poll::Ready(Ok(()))
    }
}

/// Checks written bytes against the pattern as they arrive.
#[derive(Default)]
pub struct PatternCheck {
    pub at: u64,
    pub mismatches: u64,
}

impl AsyncWrite for PatternCheck {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        for byte in buf {
            if *byte != pattern_byte(self.at) {
                self.mismatches += 1;
            }
            self.at += 1;
        }
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

pub fn known() -> serde_json::Value {
    serde_json::from_str(include_str!("../data/known.json")).expect("known.json is JSON")
}

/// Runs tests/cid-reference/reference.mjs (the JS IPFS reference) with
/// `args` and parses its JSON; `None` (and a note) when its node_modules are
/// not installed (`npm ci` there; scripts/test does it).
pub fn reference(args: &[&std::ffi::OsStr]) -> Option<serde_json::Value> {
    let dir =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/cid-reference");
    if !dir.join("node_modules").exists() {
        eprintln!("skipped the reference check: run `npm ci` in tests/cid-reference");
        return None;
    }
    let output = std::process::Command::new("node")
        .arg("reference.mjs")
        .args(args)
        .current_dir(&dir)
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).expect("the reference prints JSON"))
}
