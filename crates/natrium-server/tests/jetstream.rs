//! JetStream streams through async-nats's own JetStream API: management,
//! publish acknowledgements, de-duplication, compare-and-set headers,
//! purge, message get/delete, and persistence across restarts.

mod common;

use async_nats::jetstream::{self, message::PublishMessage as Publish, stream};
use common::{embedded, HANG_GUARD};
use futures::TryStreamExt;
use natrium_server::{JetStreamOptions, ServerOptions};

async fn context(server: &natrium_server::Server) -> jetstream::Context {
    let client = async_nats::connect(server.client_url()).await.unwrap();
    jetstream::new(client)
}

fn orders(storage: stream::StorageType) -> stream::Config {
    stream::Config {
        name: "ORDERS".into(),
        subjects: vec!["orders.>".into()],
        storage,
        ..Default::default()
    }
}

#[tokio::test]
async fn stream_lifecycle_with_both_storages() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::embedded_jetstream(dir.path(), 0).await;
    let js = context(&server).await;
    for storage in [stream::StorageType::File, stream::StorageType::Memory] {
        let mut stream = js.create_stream(orders(storage)).await.expect("created");
        let info = stream.info().await.unwrap();
        assert_eq!(info.config.name, "ORDERS");
        assert_eq!(info.config.storage, storage);
        assert_eq!(info.config.max_messages, -1, "defaults are filled in");
        assert_eq!(
            info.config.duplicate_window,
            std::time::Duration::from_secs(120)
        );

        // Creating again with the same config is fine; a different one is refused.
        js.create_stream(orders(storage))
            .await
            .expect("idempotent create");
        let mut other = orders(storage);
        other.max_messages = 10;
        assert!(
            js.create_stream(other).await.is_err(),
            "different config refused"
        );

        let names: Vec<String> = js.stream_names().try_collect().await.unwrap();
        assert_eq!(names, vec!["ORDERS".to_string()]);

        let mut updated = orders(storage);
        updated.max_messages = 1000;
        let info = js.update_stream(updated).await.expect("updated");
        assert_eq!(info.config.max_messages, 1000);

        assert!(js.delete_stream("ORDERS").await.unwrap().success);
        assert!(js.get_stream("ORDERS").await.is_err(), "gone after delete");
    }
    assert!(js.get_stream("NOPE").await.is_err());
}

#[tokio::test]
async fn publishes_are_acknowledged_in_sequence_and_readable() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::embedded_jetstream(dir.path(), 0).await;
    let js = context(&server).await;
    let stream = js
        .create_stream(orders(stream::StorageType::File))
        .await
        .unwrap();
    for i in 1..=50u64 {
        let ack = js
            .publish(format!("orders.{}", i % 5), format!("order {i}").into())
            .await
            .unwrap()
            .await
            .unwrap();
        assert_eq!(
            (ack.stream.as_str(), ack.sequence, ack.duplicate),
            ("ORDERS", i, false)
        );
    }
    let message = stream.get_raw_message(7).await.unwrap();
    assert_eq!(
        (message.subject.as_str(), &message.payload[..]),
        ("orders.2", &b"order 7"[..])
    );
    let last = stream
        .get_last_raw_message_by_subject("orders.0")
        .await
        .unwrap();
    assert_eq!(last.sequence, 50);
    assert!(stream.get_raw_message(999).await.is_err());

    let mut stream = stream;
    let info = stream.info().await.unwrap();
    assert_eq!(
        (
            info.state.messages,
            info.state.first_sequence,
            info.state.last_sequence
        ),
        (50, 1, 50)
    );
    assert_eq!(info.state.subjects_count, 5);

    assert!(stream.delete_message(7).await.unwrap());
    assert!(stream.get_raw_message(7).await.is_err(), "deleted");
    assert!(stream.delete_message(7).await.is_err(), "already deleted");

    let purged = stream.purge().filter("orders.1").await.unwrap();
    assert_eq!(purged.purged, 10);
    let purged = stream.purge().keep(5).await.unwrap();
    assert_eq!(purged.purged, 34);
    let info = stream.info().await.unwrap();
    assert_eq!(info.state.messages, 5);
}

#[tokio::test]
async fn duplicates_and_expected_headers() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::embedded_jetstream(dir.path(), 0).await;
    let js = context(&server).await;
    js.create_stream(orders(stream::StorageType::Memory))
        .await
        .unwrap();

    let first = js
        .send_publish(
            "orders.a",
            Publish::build().payload("x".into()).message_id("id-1"),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    let again = js
        .send_publish(
            "orders.a",
            Publish::build().payload("x".into()).message_id("id-1"),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!((first.sequence, first.duplicate), (1, false));
    assert_eq!(
        (again.sequence, again.duplicate),
        (1, true),
        "same id within the window"
    );

    let ok = js
        .send_publish(
            "orders.b",
            Publish::build()
                .payload("y".into())
                .expected_last_sequence(1),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(ok.sequence, 2);
    let wrong = js
        .send_publish(
            "orders.b",
            Publish::build()
                .payload("z".into())
                .expected_last_sequence(1),
        )
        .await
        .unwrap()
        .await;
    let text = format!("{:?}", wrong.expect_err("wrong last sequence"));
    assert!(
        text.contains("10071") || text.contains("wrong last sequence"),
        "{text}"
    );

    let wrong_subject = js
        .send_publish(
            "orders.a",
            Publish::build()
                .payload("z".into())
                .expected_last_subject_sequence(5),
        )
        .await
        .unwrap()
        .await;
    assert!(wrong_subject.is_err());
    let wrong_stream = js
        .send_publish(
            "orders.a",
            Publish::build()
                .payload("z".into())
                .expected_stream("OTHER"),
        )
        .await
        .unwrap()
        .await;
    assert!(wrong_stream.is_err());
    let wrong_id = js
        .send_publish(
            "orders.a",
            Publish::build()
                .payload("z".into())
                .expected_last_message_id("nope"),
        )
        .await
        .unwrap()
        .await;
    assert!(wrong_id.is_err());
    let right_id = js
        .send_publish(
            "orders.a",
            Publish::build()
                .payload("z".into())
                .expected_last_message_id("id-1"),
        )
        .await
        .unwrap()
        .await;
    assert_eq!(right_id.unwrap().sequence, 3);
}

#[tokio::test]
async fn limits_and_account_info() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::embedded_jetstream(dir.path(), 0).await;
    let js = context(&server).await;
    let mut config = orders(stream::StorageType::File);
    config.max_messages = 3;
    config.discard = stream::DiscardPolicy::New;
    js.create_stream(config).await.unwrap();
    for _ in 0..3 {
        js.publish("orders.x", "x".into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    let refused = js.publish("orders.x", "x".into()).await.unwrap().await;
    assert!(refused.is_err(), "discard new refuses past max_msgs");
    let account = js.query_account().await.unwrap();
    assert_eq!(account.streams, 1);
    assert!(account.storage > 0);
}

/// A server storing in `dir` with a file-backed ORDERS stream; its port, to
/// restart on.
async fn file_orders(dir: &std::path::Path) -> (natrium_server::Server, u16, jetstream::Context) {
    let server = common::embedded_jetstream(dir, 0).await;
    let port = server.client_addr().port();
    let js = context(&server).await;
    js.create_stream(orders(stream::StorageType::File))
        .await
        .unwrap();
    (server, port, js)
}

#[tokio::test]
async fn streams_and_messages_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (server, port, js) = file_orders(dir.path()).await;
    for i in 0..100u32 {
        js.send_publish(
            "orders.new",
            Publish::build()
                .payload(format!("{i}").into())
                .message_id(format!("m{i}")),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    }
    let before = js
        .get_stream("ORDERS")
        .await
        .unwrap()
        .info()
        .await
        .unwrap()
        .clone();
    server.shutdown().await;

    let server = common::embedded_jetstream(dir.path(), port).await;
    let js = context(&server).await;
    let mut stream = tokio::time::timeout(HANG_GUARD, js.get_stream("ORDERS"))
        .await
        .unwrap()
        .expect("restored");
    let after = stream.info().await.unwrap();
    assert_eq!(after.config, before.config);
    assert_eq!(after.created, before.created);
    assert_eq!(after.state.messages, 100);
    assert_eq!(after.state.first_timestamp, before.state.first_timestamp);
    assert_eq!(after.state.last_timestamp, before.state.last_timestamp);
    let message = stream.get_raw_message(42).await.unwrap();
    assert_eq!(&message.payload[..], b"41");
    // The de-duplication window came back too.
    let retry = js
        .send_publish(
            "orders.new",
            Publish::build().payload("99".into()).message_id("m99"),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!((retry.sequence, retry.duplicate), (100, true));
}

#[tokio::test]
async fn messages_older_than_max_age_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::embedded_jetstream(dir.path(), 0).await;
    let js = context(&server).await;
    let mut config = orders(stream::StorageType::File);
    config.max_age = std::time::Duration::from_millis(300);
    config.duplicate_window = std::time::Duration::from_millis(300);
    let mut stream = js.create_stream(config).await.unwrap();
    for _ in 0..10 {
        js.publish("orders.x", "x".into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    let emptied = tokio::time::timeout(HANG_GUARD, async {
        loop {
            let info = stream.info().await.unwrap();
            if info.state.messages == 0 {
                return info.state.last_sequence;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("aged messages expire");
    assert_eq!(emptied, 10, "sequences are kept when messages age out");
}

#[tokio::test]
async fn direct_get_rollups_and_message_ttl() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::embedded_jetstream(dir.path(), 0).await;
    let js = context(&server).await;
    let mut config = orders(stream::StorageType::File);
    config.allow_direct = true;
    config.allow_rollup = true;
    config.allow_message_ttl = true;
    let stream = js.create_stream(config).await.unwrap();
    for (i, subject) in ["orders.a", "orders.b", "orders.a", "orders.b", "orders.a"]
        .iter()
        .enumerate()
    {
        js.publish(*subject, format!("{i}").into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    let third = stream.direct_get(3).await.unwrap();
    assert_eq!(
        (third.subject.as_str(), &third.payload[..]),
        ("orders.a", &b"2"[..])
    );
    let last_b = stream
        .direct_get_last_for_subject("orders.b")
        .await
        .unwrap();
    assert_eq!(last_b.sequence, 4);
    let next_a = stream
        .direct_get_next_for_subject("orders.a", Some(2))
        .await
        .unwrap();
    assert_eq!(next_a.sequence, 3);
    assert!(
        stream.direct_get(99).await.is_err(),
        "404 for a missing sequence"
    );

    let mut rollup = async_nats::HeaderMap::new();
    rollup.insert("Nats-Rollup", "sub");
    js.publish_with_headers("orders.a", rollup, "rolled".into())
        .await
        .unwrap()
        .await
        .unwrap();
    let mut stream = stream;
    let info = stream.info().await.unwrap();
    assert_eq!(
        info.state.messages, 3,
        "orders.a rolled up to one message, orders.b kept"
    );
    let mut all = async_nats::HeaderMap::new();
    all.insert("Nats-Rollup", "all");
    js.publish_with_headers("orders.c", all, "only".into())
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(stream.info().await.unwrap().state.messages, 1);

    let mut bad = async_nats::HeaderMap::new();
    bad.insert("Nats-TTL", "soon");
    assert!(js
        .publish_with_headers("orders.t", bad, "x".into())
        .await
        .unwrap()
        .await
        .is_err());
    let mut ttl = async_nats::HeaderMap::new();
    ttl.insert("Nats-TTL", "1s");
    let ack = js
        .publish_with_headers("orders.t", ttl, "short-lived".into())
        .await
        .unwrap()
        .await
        .unwrap();
    tokio::time::timeout(HANG_GUARD, async {
        while stream.direct_get(ack.sequence).await.is_ok() {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the message expires after its TTL");
}

#[tokio::test]
async fn rollups_and_ttl_need_the_stream_to_allow_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::embedded_jetstream(dir.path(), 0).await;
    let js = context(&server).await;
    js.create_stream(orders(stream::StorageType::Memory))
        .await
        .unwrap();
    for (header, value) in [("Nats-Rollup", "sub"), ("Nats-TTL", "5s")] {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(header, value);
        let refused = js
            .publish_with_headers("orders.x", headers, "x".into())
            .await
            .unwrap()
            .await;
        assert!(
            refused.is_err(),
            "{header} refused without the stream allowing it"
        );
    }
}

#[tokio::test]
async fn key_value_put_get_update_delete() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::embedded_jetstream(dir.path(), 0).await;
    let js = context(&server).await;
    let kv = js
        .create_key_value(async_nats::jetstream::kv::Config {
            bucket: "profiles".into(),
            history: 5,
            ..Default::default()
        })
        .await
        .expect("bucket created");
    let first = kv.put("alice", "v1".into()).await.unwrap();
    assert_eq!(kv.get("alice").await.unwrap().as_deref(), Some(&b"v1"[..]));
    let second = kv
        .update("alice", "v2".into(), first)
        .await
        .expect("CAS with the right revision");
    assert!(
        kv.update("alice", "v3".into(), first).await.is_err(),
        "CAS with a stale revision fails"
    );
    assert_eq!(kv.entry("alice").await.unwrap().unwrap().revision, second);
    assert!(
        kv.create("alice", "again".into()).await.is_err(),
        "create refuses an existing key"
    );
    kv.create("bob", "new".into())
        .await
        .expect("create a new key");
    kv.delete("alice").await.unwrap();
    assert_eq!(kv.get("alice").await.unwrap(), None);
    assert_eq!(kv.get("bob").await.unwrap().as_deref(), Some(&b"new"[..]));
    let status = kv.status().await.unwrap();
    assert_eq!(status.bucket(), "profiles");
}

#[tokio::test]
async fn a_damaged_tail_is_cut_off_and_the_server_serves_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (server, port, js) = file_orders(dir.path()).await;
    for i in 0..20u32 {
        js.publish("orders.x", format!("intact {i}").into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    server.shutdown().await;

    // Tear the last record of the newest segment and add garbage after it.
    let msgs = dir
        .path()
        .join("jetstream")
        .join("$G")
        .join("streams")
        .join("ORDERS")
        .join("msgs");
    let newest = std::fs::read_dir(&msgs)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "blk"))
        .max()
        .expect("a segment file");
    let length = std::fs::metadata(&newest).unwrap().len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&newest)
        .unwrap();
    file.set_len(length - 5).unwrap();
    drop(file);
    let mut bytes = std::fs::read(&newest).unwrap();
    bytes.extend_from_slice(b"\xde\xad\xbe\xef garbage");
    std::fs::write(&newest, bytes).unwrap();

    let server = common::embedded_jetstream(dir.path(), port).await;
    let js = context(&server).await;
    let mut stream = js.get_stream("ORDERS").await.expect("stream still served");
    let info = stream.info().await.unwrap();
    assert_eq!(
        info.state.messages, 19,
        "only the torn last message is gone"
    );
    for seq in 1..=19u64 {
        let message = stream.get_raw_message(seq).await.unwrap();
        assert_eq!(message.payload, format!("intact {}", seq - 1).as_bytes());
    }
    let ack = js
        .publish("orders.x", "after".into())
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(
        ack.sequence, 20,
        "new messages continue after the surviving ones"
    );
}

#[tokio::test]
async fn subject_transforms_and_republish() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::embedded_jetstream(dir.path(), 0).await;
    let client = async_nats::connect(server.client_url()).await.unwrap();
    let js = jetstream::new(client.clone());
    let mut events = client.subscribe("events.>").await.unwrap();
    common::sync(&client).await;

    let mut config = orders(stream::StorageType::Memory);
    config.subject_transform = Some(stream::SubjectTransform {
        source: "orders.*.*".into(),
        destination: "orders.{{wildcard(2)}}.{{wildcard(1)}}".into(),
    });
    config.republish = Some(stream::Republish {
        source: "orders.>".into(),
        destination: "events.>".into(),
        headers_only: false,
    });
    let stream = js.create_stream(config).await.unwrap();
    js.publish("orders.eu.new", "o-1".into())
        .await
        .unwrap()
        .await
        .unwrap();

    let stored = stream.get_raw_message(1).await.unwrap();
    assert_eq!(
        stored.subject.as_str(),
        "orders.new.eu",
        "stored under the transformed subject"
    );
    let copy = tokio::time::timeout(HANG_GUARD, futures::StreamExt::next(&mut events))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(copy.subject.as_str(), "events.new.eu");
    assert_eq!(&copy.payload[..], b"o-1");
    let headers = copy.headers.expect("republish headers");
    assert_eq!(headers.get("Nats-Stream").unwrap().as_str(), "ORDERS");
    assert_eq!(
        headers.get("Nats-Subject").unwrap().as_str(),
        "orders.new.eu"
    );
    assert_eq!(headers.get("Nats-Sequence").unwrap().as_str(), "1");
    assert_eq!(headers.get("Nats-Last-Sequence").unwrap().as_str(), "0");

    let mut bad = orders(stream::StorageType::Memory);
    bad.name = "BAD".into();
    bad.subjects = vec!["bad.>".into()];
    bad.republish = Some(stream::Republish {
        source: "bad.*".into(),
        destination: "x.$2".into(),
        headers_only: false,
    });
    assert!(
        js.create_stream(bad).await.is_err(),
        "a mapping that cannot work is refused"
    );
}

#[tokio::test]
async fn counters_add_with_arbitrary_precision() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::embedded_jetstream(dir.path(), 0).await;
    let client = async_nats::connect(server.client_url()).await.unwrap();
    let js = jetstream::new(client.clone());
    let mut config = orders(stream::StorageType::File);
    config.name = "COUNTERS".into();
    config.subjects = vec!["hits.>".into()];
    config.allow_message_counter = true;
    config.allow_direct = true;
    let stream = js.create_stream(config).await.unwrap();

    let increment = |value: &'static str| {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Incr", value);
        headers
    };
    // The acknowledgement carries the new total (checked on the raw reply).
    let reply = client
        .request_with_headers("hits.page", increment("+5"), "".into())
        .await
        .unwrap();
    let ack: serde_json::Value = serde_json::from_slice(&reply.payload).unwrap();
    assert_eq!(ack["val"], "5");
    js.publish_with_headers("hits.page", increment("-2"), "".into())
        .await
        .unwrap()
        .await
        .unwrap();
    js.publish_with_headers(
        "hits.page",
        increment("+99999999999999999999999999"),
        "".into(),
    )
    .await
    .unwrap()
    .await
    .unwrap();
    let last = stream
        .direct_get_last_for_subject("hits.page")
        .await
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&last.payload).unwrap();
    assert_eq!(value["val"], "100000000000000000000000002");
    assert_eq!(
        last.headers.get("Nats-Incr").unwrap().as_str(),
        "+99999999999999999999999999"
    );

    // Rules: an increment is required, a payload is not allowed, the value must be a number.
    assert!(js
        .publish("hits.page", "".into())
        .await
        .unwrap()
        .await
        .is_err());
    assert!(js
        .publish_with_headers("hits.page", increment("+1"), "body".into())
        .await
        .unwrap()
        .await
        .is_err());
    assert!(js
        .publish_with_headers("hits.page", increment("one"), "".into())
        .await
        .unwrap()
        .await
        .is_err());
}

#[tokio::test]
async fn storage_quotas_refuse_with_nats_server_codes() {
    let dir = tempfile::tempdir().unwrap();
    let options = ServerOptions {
        jetstream: JetStreamOptions {
            enabled: true,
            store_dir: Some(dir.path().to_path_buf()),
            max_file_store: Some(64 * 1024),
            max_memory_store: Some(32 * 1024),
            ..JetStreamOptions::default()
        },
        ..ServerOptions::ephemeral()
    };
    let server = embedded(options).await;
    let client = async_nats::connect(server.client_url()).await.unwrap();
    let request = |subject: &'static str, body: &'static str| {
        let client = client.clone();
        async move {
            let reply = client.request(subject, body.into()).await.unwrap();
            serde_json::from_slice::<serde_json::Value>(&reply.payload).unwrap()
        }
    };
    let file = request(
        "$JS.API.STREAM.CREATE.BIG",
        r#"{"name":"BIG","subjects":["big"],"max_bytes":1000000}"#,
    )
    .await;
    assert_eq!(
        (
            file["error"]["code"].as_u64(),
            file["error"]["err_code"].as_u64()
        ),
        (Some(500), Some(10047))
    );
    let memory = request(
        "$JS.API.STREAM.CREATE.MEM",
        r#"{"name":"MEM","subjects":["mem"],"storage":"memory","max_bytes":100000}"#,
    )
    .await;
    assert_eq!(memory["error"]["err_code"], 10028);
    let created = request(
        "$JS.API.STREAM.CREATE.S",
        r#"{"name":"S","subjects":["s"]}"#,
    )
    .await;
    assert!(created.get("error").is_none(), "{created}");

    let mut refused = None;
    for i in 0..200 {
        let reply = client.request("s", vec![b'x'; 1000].into()).await.unwrap();
        let ack: serde_json::Value = serde_json::from_slice(&reply.payload).unwrap();
        if ack.get("error").is_some() {
            refused = Some((i, ack));
            break;
        }
    }
    let (count, ack) = refused.expect("the quota is reached");
    assert!(
        count > 50,
        "about 64 KiB of messages fit first, got {count}"
    );
    assert_eq!(
        (
            ack["error"]["code"].as_u64(),
            ack["error"]["err_code"].as_u64()
        ),
        (Some(503), Some(10023))
    );
    let info = request("$JS.API.INFO", "").await;
    assert_eq!(
        info["limits"]["max_storage"], -1,
        "account limits, not the server's store limit"
    );
}

#[tokio::test]
async fn stream_bytes_are_counted_as_nats_server_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::embedded_jetstream(dir.path(), 0).await;
    let js = context(&server).await;
    // Figures read off nats-server 2.14.0 for the same two messages.
    for (storage, name, expected) in [
        (stream::StorageType::File, "F", 94),
        (stream::StorageType::Memory, "M", 62),
    ] {
        let subject = name.to_lowercase();
        let mut stream = js
            .create_stream(stream::Config {
                name: name.into(),
                subjects: vec![subject.clone()],
                storage,
                ..Default::default()
            })
            .await
            .unwrap();
        js.publish(subject.clone(), "hello".into())
            .await
            .unwrap()
            .await
            .unwrap();
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("A", "b");
        js.publish_with_headers(subject, headers, "hello".into())
            .await
            .unwrap()
            .await
            .unwrap();
        assert_eq!(
            stream.info().await.unwrap().state.bytes,
            expected,
            "{storage:?}"
        );
    }
}

#[tokio::test]
async fn jsz_and_varz_report_jetstream() {
    let dir = tempfile::tempdir().unwrap();
    let options = ServerOptions {
        http_host: "127.0.0.1".into(),
        http_port: Some(0),
        jetstream: JetStreamOptions {
            enabled: true,
            store_dir: Some(dir.path().to_path_buf()),
            ..JetStreamOptions::default()
        },
        ..ServerOptions::ephemeral()
    };
    let server = embedded(options).await;
    let monitor = server.monitor_addr().unwrap();
    let js = context(&server).await;
    js.create_stream(orders(stream::StorageType::File))
        .await
        .unwrap();
    js.publish("orders.x", "hello".into())
        .await
        .unwrap()
        .await
        .unwrap();

    let jsz = common::http_json(monitor, "/jsz").await;
    assert_eq!(
        (jsz["streams"].as_u64(), jsz["messages"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(jsz["storage"].as_u64().unwrap() > 0);
    assert_eq!(jsz["api"]["level"], 4);
    let store_dir = dir.path().join("jetstream").display().to_string();
    assert_eq!(jsz["config"]["store_dir"], store_dir);
    let varz = common::http_json(monitor, "/varz").await;
    assert_eq!(varz["jetstream"]["config"]["store_dir"], store_dir);
    assert_eq!(varz["jetstream"]["stats"]["api"]["level"], 4);
    let (status, _) = common::http_get(monitor, "/healthz?js-enabled-only=true").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn compressed_streams_store_less_and_read_back_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::embedded_jetstream(dir.path(), 0).await;
    let port = server.client_addr().port();
    let js = context(&server).await;
    js.create_stream(stream::Config {
        name: "LOGS".into(),
        subjects: vec!["logs.>".into()],
        compression: Some(stream::Compression::S2),
        ..Default::default()
    })
    .await
    .unwrap();
    let line = |i: usize| format!("{i}: GET /index.html 200 OK user-agent=natrium ").repeat(60);
    for i in 0..50 {
        js.publish("logs.web", line(i).into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    let raw: usize = (0..50).map(|i| line(i).len()).sum();
    let on_disk: u64 = std::fs::read_dir(dir.path().join("jetstream/$G/streams/LOGS/msgs"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(
        (on_disk as usize) < raw / 4,
        "{on_disk} bytes on disk for {raw} bytes of payload"
    );
    server.shutdown().await;

    let server = common::embedded_jetstream(dir.path(), port).await;
    let js = context(&server).await;
    let stream = js.get_stream("LOGS").await.unwrap();
    for (seq, i) in [(1u64, 0usize), (25, 24), (50, 49)] {
        let message = stream.get_raw_message(seq).await.unwrap();
        assert_eq!(message.payload, line(i).as_bytes());
    }
}

/// A stream gathering other streams (sources) goes on after a restart from
/// where it was: nothing copied twice, nothing new missed.
#[tokio::test]
async fn sources_resume_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (server, port, js) = file_orders(dir.path()).await;
    let gathered = stream::Config {
        name: "ALL".into(),
        sources: Some(vec![stream::Source {
            name: "ORDERS".into(),
            ..Default::default()
        }]),
        ..Default::default()
    };
    js.create_stream(gathered.clone()).await.unwrap();
    for i in 0..3u32 {
        js.publish("orders.new", format!("{i}").into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    wait_for_messages(&js, "ALL", 3).await;
    server.shutdown().await;

    let server = common::embedded_jetstream(dir.path(), port).await;
    let js = context(&server).await;
    js.publish("orders.new", "3".into())
        .await
        .unwrap()
        .await
        .unwrap();
    wait_for_messages(&js, "ALL", 4).await;
    let mut all = js.get_stream("ALL").await.unwrap();
    let last = all.get_raw_message(4).await.unwrap();
    assert_eq!(&last.payload[..], b"3");
    assert_eq!(
        all.info().await.unwrap().state.messages,
        4,
        "nothing copied twice"
    );
}

/// Waits (hang guard only) until `stream` holds `count` messages.
async fn wait_for_messages(js: &jetstream::Context, stream: &str, count: u64) {
    let deadline = tokio::time::Instant::now() + HANG_GUARD;
    loop {
        let mut handle = js.get_stream(stream).await.unwrap();
        let messages = handle.info().await.unwrap().state.messages;
        if messages >= count {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{stream} has {messages} messages"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
