//! Message tracing (ADR-41) end to end with async-nats: a message published
//! with `Nats-Trace-Dest` is reported to that subject as it is mapped,
//! carried through a stream export and a service import, stored by
//! JetStream and delivered; `Nats-Trace-Only` reports without delivering or
//! storing, and `allow_trace` decides whether the report crosses accounts.

mod common;

use std::time::Duration;

use futures::StreamExt;
use natrium_server::{config, Server};
use serde_json::Value;

use common::{sync, HANG_GUARD};

const CONFIG: &str = r#"
jetstream { store_dir: "STORE" }
accounts {
  A: {
    jetstream: enabled
    users: [ { user: a, password: a, permissions: { publish: { deny: ["denied.>"] } } } ]
    mappings: { "map.in": "map.out" }
    exports: [
      { service: "svc.>", allow_trace: true }
      { service: "quiet.>" }
      { stream: "ticker.>" }
      { stream: "tock.>" }
    ]
  }
  B: {
    users: [ { user: b, password: b } ]
    imports: [
      { stream: { account: A, subject: "ticker.>" }, allow_trace: true }
      { stream: { account: A, subject: "tock.>" }, prefix: "pre" }
      { service: { account: A, subject: "svc.>" } }
      { service: { account: A, subject: "quiet.>" }, to: "other.>" }
    ]
  }
}
"#;

async fn start(dir: &std::path::Path) -> Server {
    let text = CONFIG.replace("STORE", &dir.display().to_string());
    let mut options = config::load_str(&text).expect("valid config");
    options.host = "127.0.0.1".into();
    options.port = 0;
    Server::start(options).await.expect("server starts")
}

async fn login(server: &Server, user: &str, name: &str) -> async_nats::Client {
    async_nats::ConnectOptions::with_user_and_password(user.into(), user.into())
        .name(name)
        .connect(server.client_url())
        .await
        .expect("login")
}

/// Publishes `subject` traced (and trace-only when asked) and returns the
/// report's events, with the report itself checked for its fixed parts.
async fn trace(client: &async_nats::Client, subject: &str, only: bool) -> Vec<Value> {
    let dest = client.new_inbox();
    let mut reports = client.subscribe(dest.clone()).await.unwrap();
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Nats-Trace-Dest", dest.as_str());
    if only {
        headers.insert("Nats-Trace-Only", "true");
    }
    client
        .publish_with_reply_and_headers(
            subject.to_string(),
            "reply.to".to_string(),
            headers,
            "hello".into(),
        )
        .await
        .unwrap();
    let report = tokio::time::timeout(HANG_GUARD, reports.next())
        .await
        .expect("a trace report")
        .expect("subscription open");
    let report: Value = serde_json::from_slice(&report.payload).unwrap();
    assert_eq!(report["request"]["header"]["Nats-Trace-Dest"][0], dest);
    assert!(report["request"]["msgsize"].as_u64().unwrap() > 5);
    assert!(report["server"]["id"].is_string());
    assert!(report.get("hops").is_none(), "no hops without routes");
    let events = report["events"].as_array().unwrap().clone();
    let ingress = &events[0];
    assert_eq!(ingress["type"], "in");
    assert_eq!(ingress["kind"], 0);
    assert_eq!(ingress["subj"], subject);
    events
}

/// Each event's type and the fields that do not vary between runs.
fn shape(events: &[Value]) -> Vec<Value> {
    events
        .iter()
        .map(|event| {
            let mut event = event.clone();
            let object = event.as_object_mut().unwrap();
            object.remove("ts");
            object.remove("cid");
            event
        })
        .collect()
}

async fn received(sub: &mut async_nats::Subscriber) -> Option<async_nats::Message> {
    tokio::time::timeout(Duration::from_millis(100), sub.next())
        .await
        .ok()
        .flatten()
}

#[tokio::test]
async fn traces_a_mapped_imported_stored_and_delivered_message() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let publisher = login(&server, "a", "pubA").await;
    let subscriber = login(&server, "a", "subA").await;
    let importer = login(&server, "b", "clientB").await;
    let js = async_nats::jetstream::new(publisher.clone());
    js.create_stream(async_nats::jetstream::stream::Config {
        name: "ORDERS".into(),
        subjects: vec!["orders.>".into()],
        ..Default::default()
    })
    .await
    .unwrap();
    let mut plain = subscriber.subscribe("plain").await.unwrap();
    let _queue = subscriber
        .queue_subscribe("plain", "q1".into())
        .await
        .unwrap();
    let mut mapped = subscriber.subscribe("map.out").await.unwrap();
    let mut service = subscriber.subscribe("svc.>").await.unwrap();
    let mut quiet = subscriber.subscribe("quiet.>").await.unwrap();
    let mut ticker = importer.subscribe("ticker.x").await.unwrap();
    let mut tock = importer.subscribe("pre.tock.x").await.unwrap();
    sync(&subscriber).await;
    sync(&importer).await;

    // Delivered: one egress per subscription, queue named.
    let events = trace(&publisher, "plain", false).await;
    assert_eq!(
        shape(&events[1..]),
        vec![
            serde_json::json!({"type": "eg", "kind": 0, "name": "subA", "sub": "plain"}),
            serde_json::json!({"type": "eg", "kind": 0, "name": "subA", "sub": "plain", "queue": "q1"}),
        ]
    );
    assert_eq!(events[0]["name"], "pubA");
    assert_eq!(events[0]["acc"], "A");
    let got = received(&mut plain).await.expect("delivered");
    assert!(got.headers.unwrap().get("Nats-Trace-Dest").is_some());

    // Mapped.
    let events = trace(&publisher, "map.in", false).await;
    assert_eq!(
        shape(&events[1..]),
        vec![
            serde_json::json!({"type": "sm", "to": "map.out"}),
            serde_json::json!({"type": "eg", "kind": 0, "name": "subA", "sub": "map.out"}),
        ]
    );
    assert!(received(&mut mapped).await.is_some());

    // A stream export whose import allows tracing, and one that does not.
    let events = trace(&publisher, "ticker.x", false).await;
    assert_eq!(
        shape(&events[1..]),
        vec![
            serde_json::json!({"type": "se", "acc": "B", "to": "ticker.x"}),
            serde_json::json!({"type": "eg", "kind": 0, "name": "clientB", "acc": "B", "sub": "ticker.x"}),
        ]
    );
    assert!(received(&mut ticker).await.is_some());
    let events = trace(&publisher, "tock.x", false).await;
    assert_eq!(
        shape(&events[1..]),
        vec![serde_json::json!({"type": "se", "acc": "B", "to": "pre.tock.x"})]
    );
    assert!(
        received(&mut tock).await.is_some(),
        "delivered, just not reported"
    );

    // Service imports: the export's allow_trace decides.
    let events = trace(&importer, "svc.x", false).await;
    assert_eq!(
        shape(&events[1..]),
        vec![
            serde_json::json!({"type": "si", "acc": "A", "from": "svc.x", "to": "svc.x"}),
            serde_json::json!({"type": "eg", "kind": 0, "name": "subA", "acc": "A", "sub": "svc.>"}),
        ]
    );
    assert!(received(&mut service).await.is_some());
    let events = trace(&importer, "other.x", false).await;
    assert_eq!(
        shape(&events[1..]),
        vec![serde_json::json!({"type": "si", "acc": "A", "from": "other.x", "to": "quiet.x"})]
    );
    let got = received(&mut quiet).await.expect("delivered");
    assert_eq!(
        got.headers
            .unwrap()
            .get("Nats-Trace-Dest")
            .unwrap()
            .as_str(),
        "trace disabled",
        "an export without allow_trace gets the trace switched off"
    );

    // Stored by JetStream.
    let events = trace(&publisher, "orders.1", false).await;
    assert_eq!(
        shape(&events[1..]),
        vec![serde_json::json!({"type": "js", "stream": "ORDERS", "subject": "orders.1"})]
    );

    // Refused by a full stream, and dropped by an interest stream without consumers.
    js.create_stream(async_nats::jetstream::stream::Config {
        name: "ONE".into(),
        subjects: vec!["one.>".into()],
        max_messages: 1,
        discard: async_nats::jetstream::stream::DiscardPolicy::New,
        ..Default::default()
    })
    .await
    .unwrap();
    js.create_stream(async_nats::jetstream::stream::Config {
        name: "INTEREST".into(),
        subjects: vec!["int.>".into()],
        retention: async_nats::jetstream::stream::RetentionPolicy::Interest,
        ..Default::default()
    })
    .await
    .unwrap();
    trace(&publisher, "one.1", false).await;
    let events = trace(&publisher, "one.2", false).await;
    assert_eq!(
        shape(&events[1..]),
        vec![
            serde_json::json!({"type": "js", "stream": "ONE", "subject": "one.2", "error": "maximum messages exceeded"})
        ]
    );
    let events = trace(&publisher, "int.1", false).await;
    assert_eq!(
        shape(&events[1..]),
        vec![
            serde_json::json!({"type": "js", "stream": "INTEREST", "subject": "int.1", "nointerest": true})
        ]
    );

    // Trace only: the same route, nothing delivered or stored.
    let events = trace(&publisher, "plain", true).await;
    assert_eq!(events.len(), 3);
    let events = trace(&publisher, "ticker.x", true).await;
    assert_eq!(events.len(), 3);
    let events = trace(&importer, "svc.x", true).await;
    assert_eq!(events.len(), 3);
    let events = trace(&publisher, "orders.2", true).await;
    assert_eq!(events[1]["type"], "js");
    sync(&subscriber).await;
    sync(&importer).await;
    assert!(received(&mut plain).await.is_none());
    assert!(received(&mut ticker).await.is_none());
    assert!(received(&mut service).await.is_none());
    let mut stream = js.get_stream("ORDERS").await.unwrap();
    assert_eq!(stream.info().await.unwrap().state.messages, 1);

    server.shutdown().await;
}

#[tokio::test]
async fn reports_a_refused_publish_and_undelivered_subscriptions() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let publisher = login(&server, "a", "pubA").await;

    let events = trace(&publisher, "denied.x", false).await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0]["error"],
        "Permissions Violation for Publish to \"denied.x\""
    );

    let events = trace(&publisher, "nobody.here", false).await;
    assert_eq!(events.len(), 1);

    let quiet = async_nats::ConnectOptions::with_user_and_password("a".into(), "a".into())
        .no_echo()
        .connect(server.client_url())
        .await
        .unwrap();
    let _own = quiet.subscribe("echoed").await.unwrap();
    quiet.flush().await.unwrap();
    let events = trace(&quiet, "echoed", false).await;
    assert_eq!(events[1]["error"], "Not delivered because of no echo");
    server.shutdown().await;
}
