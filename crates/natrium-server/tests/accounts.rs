//! Accounts as tenants: configured accounts with their users, isolation,
//! imports and exports, limits, per-account JetStream, no_auth_user, bcrypt
//! passwords, nkey users, queue permissions and subject mappings — each
//! driven by async-nats against an embedded server loaded from a config file.

mod common;

use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use natrium_server::{config, Server};

use common::{sync, HANG_GUARD};

/// Two domains with one stream export and one service export between them,
/// JetStream for both, and a third account without JetStream.
const DOMAINS: &str = r#"
jetstream { store_dir: "STORE" }
accounts {
  SALES: {
    jetstream: { max_streams: 2, max_consumers: 1, max_file: 1MB }
    users: [ { user: sales, password: s } ]
    exports: [
      { stream: "sales.events.>" }
      { service: "sales.quote", accounts: [INVENTORY] }
      { service: "sales.private" , accounts: [SALES] }
    ]
  }
  INVENTORY: {
    jetstream: enabled
    users: [ { user: inventory, password: i } ]
    imports: [
      { stream: { account: SALES, subject: "sales.events.>" }, prefix: "from_sales" }
      { service: { account: SALES, subject: "sales.quote" }, to: "quote" }
    ]
  }
  PLAIN: { users: [ { user: plain, password: p } ] }
}
"#;

async fn start(text: &str, dir: &std::path::Path) -> Server {
    let text = text.replace("STORE", &dir.display().to_string());
    let mut options = config::load_str(&text).expect("valid config");
    options.host = "127.0.0.1".into();
    options.port = 0;
    Server::start(options).await.expect("server starts")
}

async fn login(server: &Server, user: &str, pass: &str) -> async_nats::Client {
    async_nats::ConnectOptions::with_user_and_password(user.into(), pass.into())
        .connect(server.client_url())
        .await
        .expect("login")
}

/// The next message, skipping the round-trip probes of [`sync`] (they reach
/// wildcard subscribers on `>` too).
async fn next(sub: &mut async_nats::Subscriber) -> async_nats::Message {
    loop {
        let message = tokio::time::timeout(HANG_GUARD, sub.next())
            .await
            .expect("a message within the hang guard")
            .expect("subscription open");
        if !message.subject.starts_with("_INBOX.") {
            return message;
        }
    }
}

/// Nothing arrives: proven by a round trip on the same connection after the
/// publisher's own round trip (messages are delivered in order).
async fn assert_nothing(sub: &mut async_nats::Subscriber, client: &async_nats::Client) {
    sync(client).await;
    while let Ok(got) = tokio::time::timeout(Duration::from_millis(50), sub.next()).await {
        let message = got.expect("subscription open");
        assert!(
            message.subject.starts_with("_INBOX."),
            "unexpected message: {message:?}"
        );
    }
}

#[tokio::test]
async fn domains_are_isolated_except_through_exports() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(DOMAINS, dir.path()).await;
    let sales = login(&server, "sales", "s").await;
    let inventory = login(&server, "inventory", "i").await;
    let plain = login(&server, "plain", "p").await;

    // A wildcard subscriber in one account sees nothing of another's traffic.
    let mut everything = inventory.subscribe(">").await.unwrap();
    let mut plain_all = plain.subscribe(">").await.unwrap();
    sync(&inventory).await;
    sync(&plain).await;
    sales.publish("sales.secret", "x".into()).await.unwrap();
    sync(&sales).await;
    assert_nothing(&mut plain_all, &plain).await;

    // The exported stream arrives under the import's prefix, and only it.
    sales
        .publish("sales.events.order.1", "created".into())
        .await
        .unwrap();
    sync(&sales).await;
    let message = next(&mut everything).await;
    assert_eq!(message.subject.as_str(), "from_sales.sales.events.order.1");
    assert_eq!(message.payload, Bytes::from("created"));
    assert_nothing(&mut plain_all, &plain).await;
    drop(everything);

    // The service import: requests on "quote" reach sales.quote in SALES,
    // and the answer comes back to the requester.
    let mut quotes = sales.subscribe("sales.quote").await.unwrap();
    sync(&sales).await;
    let responder = tokio::spawn({
        let sales = sales.clone();
        async move {
            let request = next(&mut quotes).await;
            let reply = request.reply.clone().expect("request has a reply");
            assert!(reply.starts_with("_R_."), "reply remapped: {reply}");
            sales
                .publish(reply, format!("price for {:?}", request.payload).into())
                .await
                .unwrap();
            // A second answer is no longer routed (singleton response).
            sales
                .publish(request.reply.unwrap(), "late".into())
                .await
                .unwrap();
            sales.flush().await.unwrap();
        }
    });
    let answer = tokio::time::timeout(HANG_GUARD, inventory.request("quote", "widget".into()))
        .await
        .expect("answered in time")
        .expect("answered");
    assert_eq!(answer.payload, Bytes::from("price for b\"widget\""));
    responder.await.unwrap();

    // PLAIN imports nothing: the service is not reachable from there (its
    // own `>` subscriber gone, nobody answers).
    drop(plain_all);
    sync(&plain).await;
    let refused = plain.request("quote", "x".into()).await;
    assert!(
        matches!(&refused, Err(e) if e.kind() == async_nats::RequestErrorKind::NoResponders),
        "no responders expected: {refused:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn each_account_has_its_own_jetstream_and_quotas() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(DOMAINS, dir.path()).await;
    let sales = async_nats::jetstream::new(login(&server, "sales", "s").await);
    let inventory = async_nats::jetstream::new(login(&server, "inventory", "i").await);
    let plain = login(&server, "plain", "p").await;

    sales
        .create_stream(async_nats::jetstream::stream::Config {
            name: "ORDERS".into(),
            subjects: vec!["orders.>".into()],
            ..Default::default()
        })
        .await
        .expect("sales stream");
    // The other domain neither lists nor reaches it.
    let names: Vec<String> = inventory
        .stream_names()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .map(|n| n.unwrap())
        .collect();
    assert!(names.is_empty(), "inventory sees {names:?}");
    assert!(inventory.get_stream("ORDERS").await.is_err());
    // The same name in another account is another stream.
    inventory
        .create_stream(async_nats::jetstream::stream::Config {
            name: "ORDERS".into(),
            subjects: vec!["orders.>".into()],
            ..Default::default()
        })
        .await
        .expect("inventory's own ORDERS");
    sales
        .publish("orders.1", "a".into())
        .await
        .unwrap()
        .await
        .unwrap();
    let mut theirs = inventory.get_stream("ORDERS").await.unwrap();
    assert_eq!(theirs.info().await.unwrap().state.messages, 0);
    let mut ours = sales.get_stream("ORDERS").await.unwrap();
    assert_eq!(ours.info().await.unwrap().state.messages, 1);
    // Stored under the account's own directory.
    assert!(dir.path().join("jetstream/SALES/streams/ORDERS").exists());
    assert!(dir
        .path()
        .join("jetstream/INVENTORY/streams/ORDERS")
        .exists());

    // Quotas: max_streams 2, max_consumers 1, max_file 1MB.
    sales
        .create_stream(async_nats::jetstream::stream::Config {
            name: "SECOND".into(),
            subjects: vec!["second".into()],
            ..Default::default()
        })
        .await
        .expect("second stream fits");
    let third = raw_request(
        &login(&server, "sales", "s").await,
        "$JS.API.STREAM.CREATE.THIRD",
        r#"{"name":"THIRD","subjects":["third"]}"#,
    )
    .await;
    assert_eq!(third["error"]["err_code"], 10027, "{third}");
    let big = raw_request(
        &login(&server, "sales", "s").await,
        "$JS.API.STREAM.UPDATE.SECOND",
        r#"{"name":"SECOND","subjects":["second"],"max_bytes":2000000}"#,
    )
    .await;
    assert_eq!(big["error"]["err_code"], 10047, "{big}");
    ours.create_consumer(async_nats::jetstream::consumer::pull::Config {
        durable_name: Some("one".into()),
        ..Default::default()
    })
    .await
    .expect("first consumer");
    let second = raw_request(
        &login(&server, "sales", "s").await,
        "$JS.API.CONSUMER.CREATE.ORDERS.two",
        r#"{"stream_name":"ORDERS","config":{"durable_name":"two","ack_policy":"explicit"}}"#,
    )
    .await;
    assert_eq!(second["error"]["err_code"], 10026, "{second}");
    // Account info reports the account's limits.
    let info = sales.query_account().await.unwrap();
    assert_eq!(info.limits.max_streams, Some(2));
    assert_eq!(info.streams, 2);

    // An account without JetStream is told so.
    let disabled = raw_request(&plain, "$JS.API.INFO", "").await;
    assert_eq!(disabled["error"]["err_code"], 10039, "{disabled}");
    server.shutdown().await;
}

async fn raw_request(client: &async_nats::Client, subject: &str, body: &str) -> serde_json::Value {
    let reply = tokio::time::timeout(
        HANG_GUARD,
        client.request(subject.to_string(), body.to_string().into()),
    )
    .await
    .expect("answered in time")
    .expect("answered");
    serde_json::from_slice(&reply.payload).expect("JSON reply")
}

#[tokio::test]
async fn no_auth_user_bcrypt_and_connection_limits() {
    let hash = bcrypt::hash("s3cret", 4).unwrap();
    let text = format!(
        r#"
no_auth_user: guest
accounts {{
  APP: {{
    limits: {{ max_connections: 2 }}
    users: [ {{ user: guest, password: unused }}, {{ user: admin, password: "{hash}" }} ]
  }}
}}
"#
    );
    let dir = tempfile::tempdir().unwrap();
    let server = start(&text, dir.path()).await;
    // No credentials: the guest, in APP.
    let guest = async_nats::connect(server.client_url())
        .await
        .expect("guest connects");
    let admin = login(&server, "admin", "s3cret").await;
    let mut inbox = admin.subscribe("app.x").await.unwrap();
    sync(&admin).await;
    guest.publish("app.x", "hi".into()).await.unwrap();
    assert_eq!(next(&mut inbox).await.payload, Bytes::from("hi"));
    // A wrong bcrypt password is refused.
    let mut wrong = common::RawClient::connect(server.client_addr()).await;
    wrong
        .send(b"CONNECT {\"verbose\":false,\"user\":\"admin\",\"pass\":\"nope\"}\r\nPING\r\n")
        .await;
    assert!(wrong
        .until_closed()
        .await
        .contains("-ERR 'Authorization Violation'"));
    // A third connection to APP is over its limit: nats-server's error.
    let mut raw = common::RawClient::connect(server.client_addr()).await;
    raw.send(b"CONNECT {\"verbose\":false}\r\nPING\r\n").await;
    let closed = raw.until_closed().await;
    assert!(
        closed.contains("-ERR 'maximum account active connections exceeded'"),
        "{closed}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn nkey_users_and_queue_permissions() {
    let key = nkeys::KeyPair::new_user();
    let text = format!(
        r#"
authorization {{
  users: [
    {{ nkey: {}, permissions: {{ subscribe: {{ allow: ["jobs.* workers", "_INBOX.>"] }} }} }}
    {{ user: pub, password: p }}
  ]
}}
"#,
        key.public_key()
    );
    let dir = tempfile::tempdir().unwrap();
    let server = start(&text, dir.path()).await;
    let seed = key.seed().unwrap();
    let worker = async_nats::ConnectOptions::with_nkey(seed)
        .connect(server.client_url())
        .await
        .expect("nkey login");
    let mut queue = worker
        .queue_subscribe("jobs.a", "workers".into())
        .await
        .unwrap();
    sync(&worker).await;
    let publisher = login(&server, "pub", "p").await;
    publisher.publish("jobs.a", "job".into()).await.unwrap();
    assert_eq!(next(&mut queue).await.payload, Bytes::from("job"));

    // A plain subscription or another queue group on jobs.* is refused.
    let mut raw = common::RawClient::connect(server.client_addr()).await;
    let nonce = raw_nonce(&mut raw).await;
    let sig = base64url(&key.sign(nonce.as_bytes()).unwrap());
    let connect = format!(
        "CONNECT {{\"verbose\":false,\"nkey\":\"{}\",\"sig\":\"{sig}\"}}\r\nSUB jobs.a 1\r\nSUB jobs.a others 2\r\nSUB jobs.a workers 3\r\nPING\r\n",
        key.public_key()
    );
    raw.send(connect.as_bytes()).await;
    let seen = raw.until_pong().await;
    assert!(
        seen.contains("-ERR 'Permissions Violation for Subscription to \"jobs.a\"'"),
        "{seen}"
    );
    assert!(
        seen.contains(
            "Permissions Violation for Subscription to \"jobs.a\" using queue \"others\""
        ),
        "{seen}"
    );
    assert_eq!(seen.matches("-ERR").count(), 2, "{seen}");

    // A bad signature is an authorization violation.
    let mut forged = common::RawClient::connect(server.client_addr()).await;
    raw_nonce(&mut forged).await;
    let connect = format!(
        "CONNECT {{\"verbose\":false,\"nkey\":\"{}\",\"sig\":\"{sig}\"}}\r\nPING\r\n",
        key.public_key()
    );
    forged.send(connect.as_bytes()).await;
    assert!(forged
        .until_closed()
        .await
        .contains("-ERR 'Authorization Violation'"));
    server.shutdown().await;
}

async fn raw_nonce(raw: &mut common::RawClient) -> String {
    let json: serde_json::Value =
        serde_json::from_str(raw.info.trim().trim_start_matches("INFO ")).unwrap();
    json["nonce"]
        .as_str()
        .expect("INFO carries a nonce")
        .to_string()
}

fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn subject_mappings_rewrite_before_routing() {
    let text = r#"
mappings {
  "orders.*.*": "shop.{{wildcard(2)}}.{{wildcard(1)}}"
  "ab": [ { destination: "ab.a", weight: 50% }, { destination: "ab.b", weight: 50% } ]
  "part.*": "part.{{partition(4,1)}}.{{wildcard(1)}}"
  "drop": [ { destination: "drop", weight: 50% } ]
  "split.*": "{{split(1,-)}}"
}
"#;
    let dir = tempfile::tempdir().unwrap();
    let server = start(text, dir.path()).await;
    let client = common::client(&server).await;
    let mut all = client.subscribe(">").await.unwrap();
    sync(&client).await;
    client.publish("orders.eu.new", "".into()).await.unwrap();
    assert_eq!(next(&mut all).await.subject.as_str(), "shop.new.eu");
    client.publish("split.a-b-c", "".into()).await.unwrap();
    assert_eq!(next(&mut all).await.subject.as_str(), "a.b.c");
    // The same key always lands in the same partition.
    let mut partitions = std::collections::HashMap::new();
    for round in 0..3 {
        for key in ["k1", "k2", "k3", "k4", "k5", "k6"] {
            client
                .publish(format!("part.{key}"), "".into())
                .await
                .unwrap();
            let subject = next(&mut all).await.subject.to_string();
            let previous = partitions.insert(key, subject.clone());
            if round > 0 {
                assert_eq!(previous.as_deref(), Some(subject.as_str()));
            }
            let partition: u32 = subject.split('.').nth(1).unwrap().parse().unwrap();
            assert!(partition < 4);
        }
    }
    // Weighted: both destinations are used, about half each (2000 draws,
    // bounds far outside any plausible run).
    let (mut a, mut b) = (0, 0);
    for _ in 0..2000 {
        client.publish("ab", "".into()).await.unwrap();
        match next(&mut all).await.subject.as_str() {
            "ab.a" => a += 1,
            "ab.b" => b += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(a > 700 && b > 700, "a={a} b={b}");
    // Chaos: about half the messages on "drop" vanish.
    for _ in 0..1000 {
        client.publish("drop", "".into()).await.unwrap();
    }
    client.publish("end", "".into()).await.unwrap();
    let mut kept = 0;
    loop {
        let message = next(&mut all).await;
        if message.subject.as_str() == "end" {
            break;
        }
        kept += 1;
    }
    assert!(kept > 300 && kept < 700, "kept {kept} of 1000");
    server.shutdown().await;
}

#[test]
fn bad_account_configurations_fail_to_load_with_their_line() {
    let cases = [
        (
            "accounts { A: { imports: [ { stream: { account: NOPE, subject: x } } ] } }",
            "\"NOPE\" account not defined for stream import",
        ),
        (
            "accounts {\n A: { exports: [ { stream: \"a.>\", accounts: [C] } ] }\n B: { imports: [ { stream: { account: A, subject: \"a.>\" } } ] }\n C: {}\n}",
            "stream import not authorized",
        ),
        (
            "accounts {\n A: { exports: [ { service: \"s\" } ], imports: [ { service: { account: B, subject: \"s\" } } ] }\n B: { exports: [ { service: \"s\" } ], imports: [ { service: { account: A, subject: \"s\" } } ] }\n}",
            "import forms a cycle",
        ),
        (
            "accounts { A: { users: [ {user: u, password: p} ] }, B: { users: [ {user: u, password: q} ] } }",
            "Duplicate user \"u\" detected",
        ),
        ("mappings { \"a.*\": \"b.$2\" }", "wildcard index"),
        ("no_auth_user: ghost", "no_auth_user: \"ghost\" present, but users/nkeys are not defined"),
        ("accounts { A: { limits: { max_cons: 1 } } }", "max_cons"),
    ];
    for (text, expected) in cases {
        let error = config::load_str(text).expect_err(text).to_string();
        assert!(error.contains(expected), "{text}\n=> {error}");
        assert!(error.contains("line"), "no line in {error}");
    }
}

#[tokio::test]
async fn the_system_account_answers_requests_and_reports_connections() {
    let text = r#"
system_account: SYS
accounts {
  SYS: { users: [ { user: sys, password: sys } ] }
  APP: { users: [ { user: app, password: a } ] }
}
"#;
    let dir = tempfile::tempdir().unwrap();
    let server = start(text, dir.path()).await;
    let system = login(&server, "sys", "sys").await;
    let mut events = system.subscribe("$SYS.ACCOUNT.APP.>").await.unwrap();
    sync(&system).await;

    let app = async_nats::ConnectOptions::with_user_and_password("app".into(), "a".into())
        .name("probe")
        .connect(server.client_url())
        .await
        .unwrap();
    let mut connect = next(&mut events).await;
    if connect.subject.as_str() == "$SYS.ACCOUNT.APP.SERVER.CONNS" {
        let conns: serde_json::Value = serde_json::from_slice(&connect.payload).unwrap();
        assert_eq!(conns["conns"], 1);
        connect = next(&mut events).await;
    }
    assert_eq!(connect.subject.as_str(), "$SYS.ACCOUNT.APP.CONNECT");
    let event: serde_json::Value = serde_json::from_slice(&connect.payload).unwrap();
    assert_eq!(event["type"], "io.nats.server.advisory.v1.client_connect");
    assert_eq!(event["client"]["acc"], "APP");
    assert_eq!(event["client"]["user"], "app");
    assert_eq!(event["client"]["name"], "probe");

    // A user asks who it is, through the system import every account has.
    let me = raw_request(&app, "$SYS.REQ.USER.INFO", "").await;
    assert_eq!(me["data"]["user"], "app");
    assert_eq!(me["data"]["account"], "APP");
    // Its account's connections, and nobody else's.
    let connz = raw_request(&app, "$SYS.REQ.ACCOUNT.PING.CONNZ", "").await;
    assert_eq!(connz["data"]["num_connections"], 1);
    // The system user pings the server and asks for any endpoint.
    let ping = raw_request(&system, "$SYS.REQ.SERVER.PING", "").await;
    assert_eq!(
        ping["server"]["id"].as_str(),
        Some(server.shared().id.as_str())
    );
    assert!(ping["statsz"]["connections"].as_u64().unwrap() >= 2);
    let varz = raw_request(&system, "$SYS.REQ.SERVER.PING.VARZ", "").await;
    assert_eq!(varz["data"]["system_account"], "SYS");
    let by_id = format!("$SYS.REQ.SERVER.{}.HEALTHZ", server.shared().id);
    let health = raw_request(&system, &by_id, "").await;
    assert_eq!(health["data"]["status"], "ok");
    let info = raw_request(&system, "$SYS.REQ.ACCOUNT.APP.INFO", "").await;
    assert_eq!(info["data"]["account_name"], "APP");
    // An endpoint nobody serves gets no responders, as on nats-server.
    let unknown = system.request("$SYS.REQ.SERVER.PING.NOPE", "".into()).await;
    assert!(unknown.is_err());

    drop(app);
    loop {
        let message = next(&mut events).await;
        if message.subject.as_str() == "$SYS.ACCOUNT.APP.DISCONNECT" {
            let event: serde_json::Value = serde_json::from_slice(&message.payload).unwrap();
            assert_eq!(
                event["type"],
                "io.nats.server.advisory.v1.client_disconnect"
            );
            assert_eq!(event["reason"], "Client Closed");
            break;
        }
    }
    server.shutdown().await;
}

#[tokio::test]
async fn reload_applies_account_changes_and_keeps_allowed_connections() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("server.conf");
    let before = r#"
accounts {
  APP: { users: [ { user: keep, password: k }, { user: gone, password: g } ] }
}
"#;
    std::fs::write(&file, before).unwrap();
    let mut options = config::load_file(&file).unwrap();
    options.host = "127.0.0.1".into();
    options.port = 0;
    let server = Server::start(options).await.unwrap();
    let keep = login(&server, "keep", "k").await;
    let mut gone = common::RawClient::connect(server.client_addr()).await;
    gone.send(b"CONNECT {\"verbose\":false,\"user\":\"gone\",\"pass\":\"g\"}\r\n")
        .await;
    gone.until_pong().await;

    // `gone` is removed, `keep` may now only publish to app.> (and its
    // inboxes), a new
    // account OTHER appears with JetStream.
    let after = r#"
jetstream { store_dir: "STORE" }
accounts {
  APP: { users: [ { user: keep, password: k, permissions: { publish: ["app.>", "_INBOX.>"], subscribe: ">" } } ] }
  OTHER: { jetstream: enabled, users: [ { user: other, password: o } ] }
}
"#
    .replace("STORE", &dir.path().display().to_string());
    std::fs::write(&file, after).unwrap();
    server.reload().expect("reload");
    assert!(gone
        .until_closed()
        .await
        .contains("-ERR 'Authorization Violation'"));
    // keep stays connected, under its new permissions.
    let mut own = keep.subscribe("app.x").await.unwrap();
    sync(&keep).await;
    keep.publish("app.x", "ok".into()).await.unwrap();
    assert_eq!(next(&mut own).await.payload, Bytes::from("ok"));
    let mut raw = common::RawClient::connect(server.client_addr()).await;
    raw.send(
        b"CONNECT {\"verbose\":false,\"user\":\"keep\",\"pass\":\"k\"}\r\nPUB elsewhere 0\r\n\r\n",
    )
    .await;
    assert!(raw
        .until_pong()
        .await
        .contains("Permissions Violation for Publish to \"elsewhere\""));
    // The new account logs in and is isolated from APP. JetStream stays off
    // in the running server (storage settings keep their values until a
    // restart), so its API has no responders.
    let other = login(&server, "other", "o").await;
    let mut other_all = other.subscribe("app.>").await.unwrap();
    sync(&other).await;
    keep.publish("app.x", "private".into()).await.unwrap();
    assert_eq!(next(&mut own).await.payload, Bytes::from("private"));
    assert_nothing(&mut other_all, &other).await;
    let info = other.request("$JS.API.INFO", "".into()).await;
    assert!(info.is_err(), "{info:?}");
    server.shutdown().await;
}

/// The "shared stream" pattern: one account owns the stream, another uses
/// it through imports of the JetStream API, acks and the stream's subjects.
#[tokio::test]
async fn jetstream_across_accounts_through_imports() {
    let text = r#"
jetstream { store_dir: "STORE" }
accounts {
  OWNER: {
    jetstream: enabled
    users: [ { user: owner, password: o } ]
    exports: [
      { service: "$JS.API.>", response_type: stream }
      { service: "$JS.ACK.>" }
      { service: "orders.>" }
    ]
  }
  CLIENT: {
    users: [ { user: client, password: c } ]
    imports: [
      { service: { account: OWNER, subject: "$JS.API.>" }, to: "JS.OWNER.API.>" }
      { service: { account: OWNER, subject: "$JS.ACK.>" } }
      { service: { account: OWNER, subject: "orders.>" } }
    ]
  }
}
"#;
    let dir = tempfile::tempdir().unwrap();
    let server = start(text, dir.path()).await;
    let owner = async_nats::jetstream::new(login(&server, "owner", "o").await);
    let stream = owner
        .create_stream(async_nats::jetstream::stream::Config {
            name: "ORDERS".into(),
            subjects: vec!["orders.>".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    stream
        .create_consumer(async_nats::jetstream::consumer::pull::Config {
            durable_name: Some("shared".into()),
            ..Default::default()
        })
        .await
        .unwrap();

    let client =
        async_nats::jetstream::with_prefix(login(&server, "client", "c").await, "JS.OWNER.API");
    // Publishing through the imported subject is stored and acknowledged.
    let ack = client
        .publish("orders.1", "from client".into())
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!((ack.stream.as_str(), ack.sequence), ("ORDERS", 1));
    // Stream info and a pull consumer's messages come back across accounts.
    let mut shared = client.get_stream("ORDERS").await.unwrap();
    assert_eq!(shared.info().await.unwrap().state.messages, 1);
    let consumer: async_nats::jetstream::consumer::PullConsumer =
        shared.get_consumer("shared").await.unwrap();
    let mut batch = consumer.fetch().max_messages(1).messages().await.unwrap();
    let message = tokio::time::timeout(HANG_GUARD, batch.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(message.payload, Bytes::from("from client"));
    message.double_ack().await.expect("the ack crosses back");
    let mut consumer = consumer;
    assert_eq!(consumer.info().await.unwrap().num_ack_pending, 0);
    server.shutdown().await;
}
