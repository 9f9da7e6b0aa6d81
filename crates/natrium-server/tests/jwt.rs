//! Operator mode, side by side with the reference nats-server 2.14.0: the
//! same config file (operator JWT, `resolver: MEMORY`, `resolver_preload`)
//! and the same creds, made here with natrium-jwt (operator → account →
//! users), give the same results on both servers: creds logins (issued by
//! the account and by its signing key), account limits and permissions
//! from the JWTs, and the refusals of expired, not-yet-valid, revoked,
//! bearer-disallowed, wrongly signed and unknown-account JWTs.

mod common;

use std::path::Path;

use base64::Engine;
use bytes::Bytes;
use futures::StreamExt;
use natrium_jwt::claims::{AccountClaims, Export, Import, OperatorClaims, Permission, UserClaims};
use natrium_jwt::{encode, Claims};

use common::{RawClient, ServerProcess, HANG_GUARD};

struct Fixture {
    operator: nkeys::KeyPair,
    app: nkeys::KeyPair,
    app_signer: nkeys::KeyPair,
    other: nkeys::KeyPair,
    config: String,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// An operator with two accounts: APP (limits, a signing key, one revoked
/// user, a service export) and OTHER (imports APP's service).
fn fixture(revoked_user: &str) -> Fixture {
    let operator = nkeys::KeyPair::new_operator();
    let app = nkeys::KeyPair::new_account();
    let app_signer = nkeys::KeyPair::new_account();
    let other = nkeys::KeyPair::new_account();
    let mut operator_claims =
        Claims::new(&operator.public_key(), "TEST_OP", OperatorClaims::default());
    let operator_jwt = encode(&mut operator_claims, &operator).unwrap();

    let mut app_nats = AccountClaims::default();
    app_nats.limits.conn = 50;
    app_nats.limits.disallow_bearer = true;
    app_nats
        .signing_keys
        .push(natrium_jwt::claims::SigningKey::Plain(
            app_signer.public_key(),
        ));
    app_nats
        .revocations
        .insert(revoked_user.to_string(), now() + 60);
    app_nats.exports.push(Export {
        subject: "app.svc".into(),
        kind: "service".into(),
        ..Export::default()
    });
    let mut app_claims = Claims::new(&app.public_key(), "APP", app_nats);
    let app_jwt = encode(&mut app_claims, &operator).unwrap();

    let mut other_nats = AccountClaims::default();
    other_nats.imports.push(Import {
        subject: "app.svc".into(),
        account: app.public_key(),
        kind: "service".into(),
        ..Import::default()
    });
    let mut other_claims = Claims::new(&other.public_key(), "OTHER", other_nats);
    let other_jwt = encode(&mut other_claims, &operator).unwrap();

    let config = format!(
        "operator: {operator_jwt}\nresolver: MEMORY\nresolver_preload: {{\n  {}: {app_jwt}\n  {}: {other_jwt}\n}}\n",
        app.public_key(),
        other.public_key()
    );
    Fixture {
        operator,
        app,
        app_signer,
        other,
        config,
    }
}

/// A user JWT and seed; `adjust` changes the claims before signing.
fn user(
    name: &str,
    issuer: &nkeys::KeyPair,
    issuer_account: Option<&str>,
    adjust: impl FnOnce(&mut Claims<UserClaims>),
) -> (String, nkeys::KeyPair) {
    let key = nkeys::KeyPair::new_user();
    let mut nats = UserClaims::default();
    if let Some(account) = issuer_account {
        nats.issuer_account = account.to_string();
    }
    let mut claims = Claims::new(&key.public_key(), name, nats);
    adjust(&mut claims);
    (encode(&mut claims, issuer).unwrap(), key)
}

fn creds(jwt: &str, key: &nkeys::KeyPair) -> String {
    natrium_jwt::creds::format(jwt, &key.seed().unwrap())
}

/// What a raw client logging in with `jwt` (signing the nonce with `key`) gets.
async fn login_line(server: &ServerProcess, jwt: &str, key: &nkeys::KeyPair) -> String {
    let mut raw = RawClient::connect(server.addr()).await;
    let info: serde_json::Value =
        serde_json::from_str(raw.info.trim().trim_start_matches("INFO ")).unwrap();
    let nonce = info["nonce"].as_str().expect("INFO carries a nonce");
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(key.sign(nonce.as_bytes()).unwrap());
    let connect = format!(
        "CONNECT {{\"verbose\":false,\"pedantic\":false,\"protocol\":1,\"jwt\":\"{jwt}\",\"sig\":\"{sig}\"}}\r\nPING\r\n"
    );
    raw.send(connect.as_bytes()).await;
    let mut seen = String::new();
    loop {
        let line = String::from_utf8_lossy(&raw.read_line_or_close().await).into_owned();
        if line.is_empty() {
            return seen.trim().to_string();
        }
        if line.starts_with("PONG") {
            return "PONG".to_string();
        }
        if line.starts_with("-ERR") {
            return line.trim().to_string();
        }
        seen.push_str(&line);
    }
}

fn servers(config: &Path) -> Vec<(&'static str, ServerProcess)> {
    let path = config.to_str().unwrap();
    let mut all = vec![(
        "natrium",
        ServerProcess::start(&["-c", path, "-a", "127.0.0.1", "-p", "-1"]),
    )];
    match common::reference_binary() {
        Some(reference) => all.push((
            "nats-server",
            ServerProcess::start_binary(
                reference.to_str().unwrap(),
                &["-c", path, "-a", "127.0.0.1", "-p", "-1"],
            ),
        )),
        None => println!("no reference nats-server: natrium only"),
    }
    all
}

#[tokio::test]
async fn creds_logins_and_refusals_match_nats_server() {
    let revoked = nkeys::KeyPair::new_user();
    let fixture = fixture(&revoked.public_key());
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("operator.conf");
    std::fs::write(&config, &fixture.config).unwrap();
    let app_key = fixture.app.public_key();

    let good = user("good", &fixture.app, None, |_| {});
    let signed = user("signed", &fixture.app_signer, Some(&app_key), |_| {});
    let reader = user("reader", &fixture.app, None, |claims| {
        claims.nats.permissions.publish = Permission {
            allow: Some(vec!["_INBOX.>".into()]),
            deny: None,
        };
    });
    let expired = user("expired", &fixture.app, None, |claims| {
        claims.expires = Some(now() - 10);
    });
    let early = user("early", &fixture.app, None, |claims| {
        claims.not_before = Some(now() + 3600);
    });
    let bearer = user("bearer", &fixture.app, None, |claims| {
        claims.nats.bearer_token = true;
    });
    let foreign_signer = nkeys::KeyPair::new_account();
    let unsigned = user("stranger", &foreign_signer, Some(&app_key), |_| {});
    let unknown_account = user("lost", &nkeys::KeyPair::new_account(), None, |_| {});
    let revoked_jwt = {
        let mut claims = Claims::new(&revoked.public_key(), "revoked", UserClaims::default());
        encode(&mut claims, &fixture.app).unwrap()
    };
    let _ = &fixture.operator;

    for (name, server) in servers(&config) {
        println!("against {name}");
        // Logins that work.
        assert_eq!(
            login_line(&server, &good.0, &good.1).await,
            "PONG",
            "{name}"
        );
        assert_eq!(
            login_line(&server, &signed.0, &signed.1).await,
            "PONG",
            "{name}: issued by the account's signing key"
        );
        // A signature of the nonce by another key.
        let other_key = nkeys::KeyPair::new_user();
        let wrong_sig = login_line(&server, &good.0, &other_key).await;
        let refusals = [
            ("wrong nonce signature", wrong_sig),
            ("expired", login_line(&server, &expired.0, &expired.1).await),
            (
                "not yet valid",
                login_line(&server, &early.0, &early.1).await,
            ),
            (
                "bearer disallowed",
                login_line(&server, &bearer.0, &bearer.1).await,
            ),
            (
                "unknown signing key",
                login_line(&server, &unsigned.0, &unsigned.1).await,
            ),
            (
                "unknown account",
                login_line(&server, &unknown_account.0, &unknown_account.1).await,
            ),
            ("revoked", login_line(&server, &revoked_jwt, &revoked).await),
            ("garbage", login_line(&server, "not.a.jwt", &good.1).await),
        ];
        for (case, line) in &refusals {
            assert_eq!(line, "-ERR 'Authorization Violation'", "{name} {case}");
        }
        // Through async-nats with a creds file: permissions and the
        // service import from OTHER to APP.
        let app_client = async_nats::ConnectOptions::with_credentials(&creds(&good.0, &good.1))
            .unwrap()
            .connect(server.url())
            .await
            .expect("creds login");
        let mut service = app_client.subscribe("app.svc").await.unwrap();
        app_client.flush().await.unwrap();
        common::sync(&app_client).await;
        let other_user = user("other", &fixture.other, None, |_| {});
        let other_client =
            async_nats::ConnectOptions::with_credentials(&creds(&other_user.0, &other_user.1))
                .unwrap()
                .connect(server.url())
                .await
                .expect("creds login in OTHER");
        let responder = tokio::spawn({
            let app_client = app_client.clone();
            async move {
                let request = tokio::time::timeout(HANG_GUARD, service.next())
                    .await
                    .unwrap()
                    .unwrap();
                app_client
                    .publish(request.reply.unwrap(), "served".into())
                    .await
                    .unwrap();
                app_client.flush().await.unwrap();
            }
        });
        let answer = tokio::time::timeout(HANG_GUARD, other_client.request("app.svc", "q".into()))
            .await
            .expect("in time")
            .expect("answered across the import");
        assert_eq!(answer.payload, Bytes::from("served"));
        responder.await.unwrap();
        let mut raw = RawClient::connect(server.addr()).await;
        let info: serde_json::Value =
            serde_json::from_str(raw.info.trim().trim_start_matches("INFO ")).unwrap();
        let nonce = info["nonce"].as_str().unwrap().to_string();
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(reader.1.sign(nonce.as_bytes()).unwrap());
        raw.send(
            format!(
                "CONNECT {{\"verbose\":false,\"jwt\":\"{}\",\"sig\":\"{sig}\"}}\r\nPUB app.x 0\r\n\r\n",
                reader.0
            )
            .as_bytes(),
        )
        .await;
        let seen = raw.until_pong().await;
        assert!(
            seen.contains("Permissions Violation for Publish to \"app.x\""),
            "{name}: {seen}"
        );
    }
}

#[tokio::test]
async fn the_same_refusals_on_both_servers() {
    let Some(_) = common::reference_binary() else {
        println!("no reference nats-server");
        return;
    };
    let revoked = nkeys::KeyPair::new_user();
    let fixture = fixture(&revoked.public_key());
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("operator.conf");
    std::fs::write(&config, &fixture.config).unwrap();
    let expired = user("expired", &fixture.app, None, |claims| {
        claims.expires = Some(now() - 10);
    });
    let revoked_jwt = {
        let mut claims = Claims::new(&revoked.public_key(), "revoked", UserClaims::default());
        encode(&mut claims, &fixture.app).unwrap()
    };
    let mut lines = Vec::new();
    for (_, server) in servers(&config) {
        lines.push((
            login_line(&server, &expired.0, &expired.1).await,
            login_line(&server, &revoked_jwt, &revoked).await,
        ));
    }
    assert_eq!(lines[0], lines[1], "natrium vs nats-server");
    assert_eq!(lines[0].0, "-ERR 'Authorization Violation'");
}
