//! TLS on the client port: async-nats over TLS (the NATS way, INFO first,
//! and `handshake_first`), mutual TLS with client certificates, and plain
//! clients refused. Certificates are made per test with rcgen: a CA, a
//! server certificate for localhost/127.0.0.1, and a client certificate.

mod common;

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::StreamExt;
use natrium_server::{config, Server};

use common::HANG_GUARD;

struct Pki {
    ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
}

fn pki(dir: &Path) -> Pki {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "natrium test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
    let leaf = |names: Vec<String>, common_name: &str| {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, common_name);
        let cert = params.signed_by(&key, &issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    };
    let (server_pem, server_key_pem) =
        leaf(vec!["localhost".into(), "127.0.0.1".into()], "localhost");
    let (client_pem, client_key_pem) = leaf(vec!["client.example".into()], "client");
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    Pki {
        ca: write("ca.pem", &ca_cert.pem()),
        server_cert: write("server.pem", &server_pem),
        server_key: write("server-key.pem", &server_key_pem),
        client_cert: write("client.pem", &client_pem),
        client_key: write("client-key.pem", &client_key_pem),
    }
}

async fn start(tls_block: &str, pki: &Pki) -> Server {
    let text = format!(
        "tls {{ cert_file: \"{}\", key_file: \"{}\", ca_file: \"{}\" {tls_block} }}\n",
        pki.server_cert.display(),
        pki.server_key.display(),
        pki.ca.display()
    );
    let mut options = config::load_str(&text).expect("valid TLS config");
    options.host = "127.0.0.1".into();
    options.port = 0;
    Server::start(options).await.expect("server starts")
}

fn url(server: &Server) -> String {
    format!("tls://localhost:{}", server.client_addr().port())
}

async fn round_trip(client: &async_nats::Client) {
    let mut sub = client.subscribe("tls.check").await.unwrap();
    client.flush().await.unwrap();
    client.publish("tls.check", "secure".into()).await.unwrap();
    let message = tokio::time::timeout(HANG_GUARD, sub.next())
        .await
        .expect("delivered in time")
        .expect("subscription open");
    assert_eq!(message.payload, Bytes::from("secure"));
}

#[tokio::test]
async fn clients_upgrade_after_the_info_line() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let server = start("", &pki).await;
    // INFO announces TLS in plain text, as nats-server does.
    let raw = common::RawClient::connect(server.client_addr()).await;
    assert!(raw.info.contains("\"tls_required\":true"), "{}", raw.info);
    let client = async_nats::ConnectOptions::new()
        .add_root_certificates(pki.ca.clone())
        .require_tls(true)
        .connect(url(&server))
        .await
        .expect("TLS connect");
    round_trip(&client).await;
    server.shutdown().await;
}

#[tokio::test]
async fn plain_clients_on_a_tls_port_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let server = start("", &pki).await;
    let mut raw = common::RawClient::connect(server.client_addr()).await;
    raw.send(b"CONNECT {\"verbose\":false}\r\nPING\r\n").await;
    let answered = raw.until_closed().await;
    assert!(!answered.contains("PONG"), "{answered}");
    // The server keeps serving TLS clients.
    let client = async_nats::ConnectOptions::new()
        .add_root_certificates(pki.ca.clone())
        .require_tls(true)
        .connect(url(&server))
        .await
        .expect("TLS connect after a plain client");
    round_trip(&client).await;
    server.shutdown().await;
}

#[tokio::test]
async fn handshake_first() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let server = start(", handshake_first: true", &pki).await;
    let client = async_nats::ConnectOptions::new()
        .add_root_certificates(pki.ca.clone())
        .tls_first()
        .connect(url(&server))
        .await
        .expect("TLS-first connect");
    round_trip(&client).await;
    server.shutdown().await;
}

#[tokio::test]
async fn mutual_tls_requires_a_client_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let server = start(", verify: true", &pki).await;
    let raw = common::RawClient::connect(server.client_addr()).await;
    assert!(raw.info.contains("\"tls_verify\":true"), "{}", raw.info);
    let without = async_nats::ConnectOptions::new()
        .add_root_certificates(pki.ca.clone())
        .require_tls(true)
        .connect(url(&server))
        .await;
    assert!(without.is_err(), "no client certificate must be refused");
    let with = async_nats::ConnectOptions::new()
        .add_root_certificates(pki.ca.clone())
        .add_client_certificate(pki.client_cert.clone(), pki.client_key.clone())
        .require_tls(true)
        .connect(url(&server))
        .await
        .expect("mTLS connect");
    round_trip(&with).await;
    server.shutdown().await;
}

#[test]
fn a_bad_certificate_file_is_a_load_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.pem");
    std::fs::write(&bad, "not a certificate").unwrap();
    let text = format!(
        "tls {{ cert_file: \"{0}\", key_file: \"{0}\" }}\n",
        bad.display()
    );
    let error = config::load_str(&text).expect_err("bad PEM").to_string();
    assert!(error.contains("bad.pem"), "{error}");
    let error = config::load_str("tls { verify: true }")
        .expect_err("no cert")
        .to_string();
    assert!(error.contains("cert_file"), "{error}");
}
