//! The built-in content store: `content_store { … }` in the configuration
//! starts the `{domain}.objects.*` service with the server, under the
//! server's own authorization (a reader role can get but not put).

use natrium_server::{config, Server, StartError};

fn config_with(dir: &std::path::Path, rest: &str) -> natrium_server::ServerOptions {
    let text = format!(
        "host: 127.0.0.1\nport: -1\njetstream {{ store_dir: {:?} }}\n{rest}",
        dir.display().to_string()
    );
    config::load_str(&text).expect("configuration parses")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_store_answers_with_the_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = config_with(
        dir.path(),
        "content_store { domain: sales, stream: SALES_BLOCKS }",
    );
    assert_eq!(options.content_stores[0].domain, "sales");
    let server = Server::start(options).await.expect("starts");
    let nats = async_nats::connect(server.client_url())
        .await
        .expect("connects");
    let client = natrium_cid::Client::new(nats.clone(), "sales");
    let put = client.put_bytes(b"hello world\n").await.expect("put");
    assert_eq!(
        put.cid.to_string(),
        "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"
    );
    assert_eq!(
        client.get_bytes(&put.cid.to_string()).await.expect("get"),
        b"hello world\n"
    );
    let js = async_nats::jetstream::new(nats);
    js.get_stream("SALES_BLOCKS")
        .await
        .expect("the configured stream holds the blocks");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_role_gets_but_cannot_put() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = config_with(
        dir.path(),
        r#"
        authorization {
          users: [
            { user: svc, password: s3cret }
            { user: reader, password: r, permissions: { publish: ["sales.objects.get.>", "sales.objects.meta.>", "_INBOX.>"] } }
          ]
        }
        content_store: [ { domain: sales, user: svc, password: s3cret, storage: memory } ]
        "#,
    );
    let server = Server::start(options).await.expect("starts");
    let connect = |user: &str, password: &str| {
        async_nats::ConnectOptions::new()
            .user_and_password(user.into(), password.into())
            .connect(server.client_url())
    };
    let writer = natrium_cid::Client::new(connect("svc", "s3cret").await.expect("svc"), "sales");
    let put = writer.put_bytes(b"report").await.expect("put");
    let reader = natrium_cid::Client::new(connect("reader", "r").await.expect("reader"), "sales")
        .with_timeout(std::time::Duration::from_secs(2));
    assert_eq!(
        reader.get_bytes(&put.cid.to_string()).await.expect("get"),
        b"report"
    );
    assert!(reader.put_bytes(b"forbidden").await.is_err());
    let error = reader
        .get_bytes(
            &natrium_cid::unixfs::file_cid(b"forbidden", Default::default())
                .cid
                .to_string(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.code(), 404, "the refused put stored nothing: {error}");
    server.shutdown().await;
}

#[tokio::test]
async fn misconfiguration_is_an_error() {
    let error = config::load_str("content_store { domain: sales, colour: blue }").unwrap_err();
    assert!(
        error.to_string().contains("unknown field \"colour\""),
        "{error}"
    );
    let error = config::load_str("content_store { domain: \"a.b\" }").unwrap_err();
    assert!(error.to_string().contains("one subject token"), "{error}");
    let mut options = config::load_str("content_store { domain: sales }").expect("parses");
    options.host = "127.0.0.1".into();
    options.port = 0;
    match Server::start(options).await {
        Err(StartError::ContentStore(message)) => {
            assert!(message.contains("JetStream"), "{message}")
        }
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("started without JetStream"),
    }
}

/// A store inside an account block serves that account: it logs in as one
/// of the account's users, and objects stay in the account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_in_an_account_serves_that_account() {
    let dir = tempfile::tempdir().unwrap();
    let options = config_with(
        dir.path(),
        "accounts {\n  SALES: {\n    jetstream: enabled\n    users: [ { user: svc, password: s }, { user: app, password: a } ]\n    content_store { domain: sales, user: svc, password: s }\n  }\n  OTHER: { jetstream: enabled, users: [ { user: other, password: o } ] }\n}\n",
    );
    let server = Server::start(options).await.expect("server starts");
    let connect = |user: &str, pass: &str| {
        async_nats::ConnectOptions::with_user_and_password(user.into(), pass.into())
            .connect(server.client_url())
    };
    let app = natrium_cid::Client::new(connect("app", "a").await.unwrap(), "sales");
    let cid = app
        .put_bytes(b"sales data")
        .await
        .expect("put in SALES")
        .cid
        .to_string();
    assert_eq!(
        app.get_bytes(&cid).await.expect("get in SALES"),
        b"sales data"
    );
    let other = natrium_cid::Client::new(connect("other", "o").await.unwrap(), "sales");
    assert!(
        other.get_bytes(&cid).await.is_err(),
        "another account has no such service"
    );
    server.shutdown().await;

    // Without a user of the account, the store cannot start.
    let options = config_with(
        dir.path(),
        "accounts {\n  SALES: { jetstream: enabled, users: [ { user: svc, password: s } ], content_store { domain: sales } }\n}\n",
    );
    match Server::start(options).await {
        Err(StartError::ContentStore(message)) => {
            assert!(message.contains("account"), "{message}")
        }
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("started a store without the account's credentials"),
    }
}
