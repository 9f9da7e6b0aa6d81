//! Configured publish/subscribe permissions are enforced as nats-server does:
//! violations answer `-ERR 'Permissions Violation ...'`, the connection stays
//! open, and nothing forbidden is delivered.

mod common;

use common::{embedded, RawClient};

const CONFIG: &str = r#"
authorization {
  users = [
    { user: limited, password: pw, permissions: {
        publish: { allow: ["allowed.>"] },
        subscribe: { allow: ["allowed.>"], deny: ["allowed.private"] } } }
    { user: admin, password: pw }
  ]
}
"#;

async fn server() -> natrium_server::Server {
    let mut options = natrium_server::config::load_str(CONFIG).expect("valid config");
    options.host = "127.0.0.1".into();
    options.port = 0;
    embedded(options).await
}

async fn login(server: &natrium_server::Server, user: &str) -> RawClient {
    let mut client = RawClient::connect(server.client_addr()).await;
    let connect = format!("CONNECT {{\"verbose\":false,\"user\":\"{user}\",\"pass\":\"pw\"}}\r\n");
    client.send(connect.as_bytes()).await;
    assert_eq!(client.until_pong().await, "", "{user} logs in");
    client
}

#[tokio::test]
async fn violations_are_refused_and_the_connection_stays() {
    let server = server().await;
    let mut admin = login(&server, "admin").await;
    admin.send(b"SUB secret.> 1\r\n").await;
    admin.until_pong().await;

    let mut limited = login(&server, "limited").await;
    limited
        .send(b"SUB secret.> 9\r\nPUB secret.x 2\r\nhi\r\nSUB allowed.x q 8\r\n")
        .await;
    assert_eq!(
        limited.until_pong().await,
        "-ERR 'Permissions Violation for Subscription to \"secret.>\"'\r\n\
         -ERR 'Permissions Violation for Publish to \"secret.x\"'\r\n"
    );
    assert_eq!(
        admin.until_pong().await,
        "",
        "the forbidden publish was not delivered"
    );

    admin
        .send(b"PUB secret.y 2\r\nno\r\nPUB allowed.x 3\r\nyes\r\n")
        .await;
    admin.until_pong().await;
    assert_eq!(limited.until_pong().await, "MSG allowed.x 8 3\r\nyes\r\n");
}

#[tokio::test]
async fn denied_subjects_are_filtered_from_wildcard_subscriptions() {
    let server = server().await;
    let mut limited = login(&server, "limited").await;
    limited
        .send(b"SUB allowed.private 1\r\nSUB allowed.* 2\r\n")
        .await;
    assert_eq!(
        limited.until_pong().await,
        "-ERR 'Permissions Violation for Subscription to \"allowed.private\"'\r\n"
    );
    let mut admin = login(&server, "admin").await;
    admin
        .send(b"PUB allowed.private 1\r\nx\r\nPUB allowed.public 1\r\ny\r\n")
        .await;
    admin.until_pong().await;
    assert_eq!(
        limited.until_pong().await,
        "MSG allowed.public 2 1\r\ny\r\n"
    );
}
