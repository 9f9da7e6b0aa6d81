//! JetStream consumers through async-nats: pull fetch and batches, push
//! delivery, every ack kind, redelivery, max_deliver with its advisory,
//! work-queue and interest retention, persistence across a restart, and
//! Key-Value and Object Store built on them.

mod common;

use std::time::Duration;

use async_nats::jetstream::consumer::{self, pull, push, AckPolicy, DeliverPolicy};
use async_nats::jetstream::{self, kv, object_store, stream, AckKind};
use common::HANG_GUARD;
use futures::{StreamExt, TryStreamExt};
use tokio::io::AsyncReadExt;

async fn setup(
    dir: &std::path::Path,
) -> (
    natrium_server::Server,
    async_nats::Client,
    jetstream::Context,
) {
    let server = common::embedded_jetstream(dir, 0).await;
    let client = async_nats::connect(server.client_url()).await.unwrap();
    let js = jetstream::new(client.clone());
    (server, client, js)
}

async fn tasks(js: &jetstream::Context, retention: stream::RetentionPolicy) -> stream::Stream {
    js.create_stream(stream::Config {
        name: "TASKS".into(),
        subjects: vec!["tasks.>".into()],
        retention,
        ..Default::default()
    })
    .await
    .expect("stream created")
}

/// The next message of a consumer's message stream, failing rather than hanging.
async fn next_of<S, M, E>(messages: &mut S) -> M
where
    S: futures::Stream<Item = Result<M, E>> + Unpin,
    E: std::fmt::Debug,
{
    tokio::time::timeout(HANG_GUARD, messages.next())
        .await
        .expect("a message in time")
        .expect("the stream goes on")
        .expect("a message, not an error")
}

/// Everything a fetch of up to `max` messages gets within `expires_ms`.
async fn fetch_until_expired(
    consumer: &consumer::PullConsumer,
    max: usize,
    expires_ms: u64,
) -> Vec<jetstream::Message> {
    consumer
        .fetch()
        .max_messages(max)
        .expires(Duration::from_millis(expires_ms))
        .messages()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap()
}

async fn publish_n(js: &jetstream::Context, subject: &str, n: usize) {
    for i in 0..n {
        js.publish(subject.to_string(), format!("task {i}").into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn pull_consumer_fetches_acks_and_reports_its_state() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _client, js) = setup(dir.path()).await;
    let stream = tasks(&js, stream::RetentionPolicy::Limits).await;
    publish_n(&js, "tasks.a", 10).await;
    let consumer: consumer::PullConsumer = stream
        .create_consumer(pull::Config {
            durable_name: Some("worker".into()),
            ..Default::default()
        })
        .await
        .expect("consumer created");
    let info = consumer.cached_info();
    assert_eq!(
        info.config.ack_wait,
        Duration::from_secs(30),
        "defaults filled in"
    );
    assert_eq!(info.num_pending, 10);
    let account = js.query_account().await.unwrap();
    assert_eq!((account.streams, account.consumers), (1, 1));

    let mut batch = consumer.fetch().max_messages(4).messages().await.unwrap();
    let mut seen = Vec::new();
    while let Some(message) = tokio::time::timeout(HANG_GUARD, batch.next())
        .await
        .unwrap()
    {
        let message = message.unwrap();
        let meta = message.info().unwrap();
        seen.push((
            meta.stream_sequence,
            meta.consumer_sequence,
            meta.delivered,
            meta.pending,
        ));
        message.ack().await.unwrap();
    }
    assert_eq!(
        seen,
        vec![(1, 1, 1, 9), (2, 2, 1, 8), (3, 3, 1, 7), (4, 4, 1, 6)]
    );

    // Double ack: the server confirms once the ack is kept.
    let mut batch = consumer.fetch().max_messages(1).messages().await.unwrap();
    let message = batch.next().await.unwrap().unwrap();
    message.double_ack().await.expect("ack confirmed");

    let mut consumer = consumer;
    let info = consumer.info().await.unwrap();
    assert_eq!(
        (
            info.delivered.stream_sequence,
            info.ack_floor.stream_sequence
        ),
        (5, 5)
    );
    assert_eq!((info.num_pending, info.num_ack_pending), (5, 0));

    // A fetch beyond what is there ends without error once the stream is drained.
    let rest: Vec<_> = fetch_until_expired(&consumer, 20, 300).await;
    assert_eq!(rest.len(), 5);
}

#[tokio::test]
async fn nak_term_progress_and_redelivery_with_backoff_and_max_deliver() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, client, js) = setup(dir.path()).await;
    let stream = tasks(&js, stream::RetentionPolicy::Limits).await;
    publish_n(&js, "tasks.a", 3).await;
    let mut advisories = client
        .subscribe("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.TASKS.retry")
        .await
        .unwrap();
    let consumer: consumer::PullConsumer = stream
        .create_consumer(pull::Config {
            durable_name: Some("retry".into()),
            ack_wait: Duration::from_millis(400),
            max_deliver: 3,
            backoff: vec![Duration::from_millis(100), Duration::from_millis(200)],
            ..Default::default()
        })
        .await
        .unwrap();
    let mut messages = consumer.messages().await.unwrap();
    let mut deliveries: Vec<(u64, i64)> = Vec::new();
    while deliveries.len() < 5 {
        let message = tokio::time::timeout(HANG_GUARD, messages.next())
            .await
            .expect("deliveries keep coming")
            .unwrap()
            .unwrap();
        let info = message.info().unwrap();
        deliveries.push((info.stream_sequence, info.delivered));
        match info.stream_sequence {
            // 1: processed. 2: given up on. 3: never acknowledged.
            1 => message.ack_with(AckKind::Progress).await.unwrap(),
            2 => message.ack_with(AckKind::Term).await.unwrap(),
            _ => message.ack_with(AckKind::Nak(None)).await.unwrap(),
        }
        if info.stream_sequence == 1 {
            message.ack().await.unwrap();
        }
    }
    assert!(
        deliveries.contains(&(3, 3)),
        "redelivered up to max_deliver: {deliveries:?}"
    );
    assert!(
        !deliveries.iter().any(|&(seq, n)| seq != 3 && n > 1),
        "{deliveries:?}"
    );
    let advisory = tokio::time::timeout(HANG_GUARD, advisories.next())
        .await
        .unwrap()
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&advisory.payload).unwrap();
    assert_eq!(body["type"], "io.nats.jetstream.advisory.v1.max_deliver");
    assert_eq!(
        (body["stream_seq"].as_u64(), body["deliveries"].as_u64()),
        (Some(3), Some(3))
    );
}

#[tokio::test]
async fn push_consumer_delivers_to_its_subject_and_queue_group() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _client, js) = setup(dir.path()).await;
    let stream = tasks(&js, stream::RetentionPolicy::Limits).await;
    publish_n(&js, "tasks.a", 5).await;
    let consumer: consumer::PushConsumer = stream
        .create_consumer(push::Config {
            durable_name: Some("pusher".into()),
            deliver_subject: "deliver.here".into(),
            deliver_group: Some("workers".into()),
            ack_policy: AckPolicy::Explicit,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut messages = consumer.messages().await.unwrap();
    for expected in 1..=5u64 {
        let message = next_of(&mut messages).await;
        assert_eq!(message.info().unwrap().stream_sequence, expected);
        assert_eq!(
            message.subject.as_str(),
            "tasks.a",
            "the stream subject is kept"
        );
        message.ack().await.unwrap();
    }
}

#[tokio::test]
async fn ordered_consumer_reads_everything_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _client, js) = setup(dir.path()).await;
    let stream = tasks(&js, stream::RetentionPolicy::Limits).await;
    publish_n(&js, "tasks.a", 50).await;
    let consumer = stream
        .create_consumer(push::OrderedConfig {
            deliver_subject: "ordered.inbox".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut messages = consumer.messages().await.unwrap();
    for expected in 1..=50u64 {
        let message = next_of(&mut messages).await;
        assert_eq!(message.info().unwrap().stream_sequence, expected);
    }
}

#[tokio::test]
async fn work_queue_removes_acknowledged_messages() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _client, js) = setup(dir.path()).await;
    let mut stream = tasks(&js, stream::RetentionPolicy::WorkQueue).await;
    publish_n(&js, "tasks.a", 4).await;
    let consumer: consumer::PullConsumer = stream
        .create_consumer(pull::Config {
            durable_name: Some("wq".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    // A second unfiltered consumer on a work queue is refused.
    let second = stream
        .create_consumer(pull::Config {
            durable_name: Some("wq2".into()),
            ..Default::default()
        })
        .await;
    assert!(second.is_err());
    let mut batch = consumer.fetch().max_messages(2).messages().await.unwrap();
    while let Some(message) = batch.next().await {
        message.unwrap().double_ack().await.unwrap();
    }
    let info = stream.info().await.unwrap();
    assert_eq!((info.state.messages, info.state.first_sequence), (2, 3));
}

#[tokio::test]
async fn consumer_state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let (server, _client, js) = setup(dir.path()).await;
        let stream = tasks(&js, stream::RetentionPolicy::Limits).await;
        publish_n(&js, "tasks.a", 6).await;
        let consumer: consumer::PullConsumer = stream
            .create_consumer(pull::Config {
                durable_name: Some("keeper".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        let mut batch = consumer.fetch().max_messages(3).messages().await.unwrap();
        let mut n = 0;
        while let Some(message) = batch.next().await {
            let message = message.unwrap();
            n += 1;
            if n < 3 {
                message.double_ack().await.unwrap();
            }
            // The third stays unacknowledged.
        }
        let port = server.client_addr().port();
        server.shutdown().await;
        port
    };
    let server = common::embedded_jetstream(dir.path(), port).await;
    let js = jetstream::new(async_nats::connect(server.client_url()).await.unwrap());
    let stream = js.get_stream("TASKS").await.unwrap();
    let mut consumer: consumer::PullConsumer = stream
        .get_consumer("keeper")
        .await
        .expect("consumer restored");
    let info = consumer.info().await.unwrap();
    assert_eq!(info.delivered.stream_sequence, 3);
    assert_eq!(info.ack_floor.stream_sequence, 2);
    assert_eq!(info.num_ack_pending, 1);
    let mut batch = consumer.fetch().max_messages(1).messages().await.unwrap();
    let next = batch.next().await.unwrap().unwrap();
    assert_eq!(
        next.info().unwrap().stream_sequence,
        4,
        "continues after what it delivered"
    );
}

#[tokio::test]
async fn key_value_put_get_history_keys_and_watch() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _client, js) = setup(dir.path()).await;
    let kv = js
        .create_key_value(kv::Config {
            bucket: "profiles".into(),
            history: 5,
            ..Default::default()
        })
        .await
        .expect("bucket created");
    kv.put("alice", "v1".into()).await.unwrap();
    kv.put("alice", "v2".into()).await.unwrap();
    kv.put("bob", "b1".into()).await.unwrap();
    assert_eq!(kv.get("alice").await.unwrap().unwrap(), "v2");
    let revision = kv.entry("bob").await.unwrap().unwrap().revision;
    assert!(
        kv.update("bob", "stale".into(), revision - 1)
            .await
            .is_err(),
        "CAS conflict"
    );
    kv.update("bob", "b2".into(), revision)
        .await
        .expect("CAS update");

    let history: Vec<_> = kv
        .history("alice")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        history.iter().map(|e| e.value.clone()).collect::<Vec<_>>(),
        vec!["v1", "v2"]
    );
    let mut keys: Vec<String> = kv.keys().await.unwrap().try_collect().await.unwrap();
    keys.sort();
    assert_eq!(keys, vec!["alice", "bob"]);

    let mut watch = kv.watch("alice").await.unwrap();
    kv.put("alice", "v3".into()).await.unwrap();
    let entry = next_of(&mut watch).await;
    assert_eq!(
        (entry.key.as_str(), &entry.value[..]),
        ("alice", &b"v3"[..])
    );
    kv.delete("alice").await.unwrap();
    let entry = next_of(&mut watch).await;
    assert_eq!(entry.operation, kv::Operation::Delete);
    assert!(kv.get("alice").await.unwrap().is_none());
}

#[tokio::test]
async fn object_store_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _client, js) = setup(dir.path()).await;
    let store = js
        .create_object_store(object_store::Config {
            bucket: "blobs".into(),
            ..Default::default()
        })
        .await
        .expect("object store created");
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    store
        .put("big.bin", &mut data.as_slice())
        .await
        .expect("put");
    let mut object = store.get("big.bin").await.expect("get");
    let mut back = Vec::new();
    object.read_to_end(&mut back).await.unwrap();
    assert_eq!(back.len(), data.len());
    assert!(back == data, "identical bytes back");
    let names: Vec<_> = store.list().await.unwrap().try_collect().await.unwrap();
    assert_eq!(names.len(), 1);
    store.delete("big.bin").await.unwrap();
    assert!(store.get("big.bin").await.is_err());
}

#[tokio::test]
async fn deliver_policies() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _client, js) = setup(dir.path()).await;
    let stream = tasks(&js, stream::RetentionPolicy::Limits).await;
    for subject in ["tasks.a", "tasks.b", "tasks.a", "tasks.b", "tasks.c"] {
        js.publish(subject, "x".into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    let first_of = |policy: DeliverPolicy, name: &str| {
        let stream = stream.clone();
        let name = name.to_string();
        async move {
            let consumer: consumer::PullConsumer = stream
                .create_consumer(pull::Config {
                    durable_name: Some(name),
                    deliver_policy: policy,
                    filter_subject: "tasks.>".into(),
                    ..Default::default()
                })
                .await
                .unwrap();
            let messages: Vec<_> = fetch_until_expired(&consumer, 10, 200).await;
            messages
                .iter()
                .map(|m| m.info().unwrap().stream_sequence)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        first_of(DeliverPolicy::All, "all").await,
        vec![1, 2, 3, 4, 5]
    );
    assert_eq!(first_of(DeliverPolicy::Last, "last").await, vec![5]);
    assert_eq!(first_of(DeliverPolicy::New, "new").await, Vec::<u64>::new());
    assert_eq!(
        first_of(DeliverPolicy::ByStartSequence { start_sequence: 4 }, "seq").await,
        vec![4, 5]
    );
    assert_eq!(
        first_of(DeliverPolicy::LastPerSubject, "lps").await,
        vec![3, 4, 5]
    );
}

#[tokio::test]
async fn consumer_advisories_for_create_terminate_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, client, js) = setup(dir.path()).await;
    let stream = tasks(&js, stream::RetentionPolicy::Limits).await;
    let mut advisories = client
        .subscribe("$JS.EVENT.ADVISORY.CONSUMER.*.TASKS.audited")
        .await
        .unwrap();
    common::sync(&client).await;
    publish_n(&js, "tasks.a", 1).await;
    let consumer: consumer::PullConsumer = stream
        .create_consumer(pull::Config {
            durable_name: Some("audited".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut batch = consumer.fetch().max_messages(1).messages().await.unwrap();
    let message = next_of(&mut batch).await;
    message.ack_with(AckKind::Term).await.unwrap();
    stream.delete_consumer("audited").await.unwrap();
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let advisory = tokio::time::timeout(HANG_GUARD, advisories.next())
            .await
            .unwrap()
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&advisory.payload).unwrap();
        seen.push((
            advisory.subject.to_string(),
            body["type"].as_str().unwrap_or_default().to_string(),
        ));
    }
    assert_eq!(
        seen,
        vec![
            (
                "$JS.EVENT.ADVISORY.CONSUMER.CREATED.TASKS.audited".to_string(),
                "io.nats.jetstream.advisory.v1.consumer_action".to_string()
            ),
            (
                "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.TASKS.audited".to_string(),
                "io.nats.jetstream.advisory.v1.terminated".to_string()
            ),
            (
                "$JS.EVENT.ADVISORY.CONSUMER.DELETED.TASKS.audited".to_string(),
                "io.nats.jetstream.advisory.v1.consumer_action".to_string()
            ),
        ]
    );
}

/// A 256 MiB object goes in and comes back byte for byte, streamed both
/// ways (neither side holds it whole).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_store_256_mib() {
    use sha2::Digest;

    const SIZE: usize = 256 << 20;
    let dir = tempfile::tempdir().unwrap();
    let (_server, _client, js) = setup(dir.path()).await;
    let store = js
        .create_object_store(object_store::Config {
            bucket: "large".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut reader = PatternReader {
        left: SIZE,
        position: 0,
    };
    store.put("big", &mut reader).await.expect("put");
    let info = store.info("big").await.unwrap();
    assert_eq!(info.size, SIZE);
    let mut object = store.get("big").await.unwrap();
    let mut buffer = vec![0u8; 1 << 20];
    let (mut total, mut expected, mut got) = (0usize, sha2::Sha256::new(), sha2::Sha256::new());
    let mut pattern = PatternReader {
        left: SIZE,
        position: 0,
    };
    loop {
        let n = object.read(&mut buffer).await.unwrap();
        if n == 0 {
            break;
        }
        got.update(&buffer[..n]);
        let mut same = vec![0u8; n];
        pattern.fill(&mut same);
        expected.update(&same);
        total += n;
    }
    assert_eq!(total, SIZE);
    assert_eq!(got.finalize(), expected.finalize(), "identical bytes back");
}

/// A reader of `left` bytes of a fixed pattern, made up as it is read.
struct PatternReader {
    left: usize,
    position: usize,
}

impl PatternReader {
    fn fill(&mut self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(self.left);
        for byte in &mut buf[..n] {
            *byte = (self.position % 251) as u8;
            self.position += 1;
        }
        self.left -= n;
        n
    }
}

impl tokio::io::AsyncRead for PatternReader {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let n = self.fill(buf.initialize_unfilled());
        buf.advance(n);
        std::task::Poll::Ready(Ok(()))
    }
}

/// An ordered consumer whose server-side consumer vanishes (its pull
/// request ends with `409 Consumer Deleted`) creates a new one where it
/// left off, and the reader sees every message once, in order.
#[tokio::test]
async fn ordered_consumer_recovers_when_its_consumer_vanishes() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _client, js) = setup(dir.path()).await;
    let stream = tasks(&js, stream::RetentionPolicy::Limits).await;
    publish_n(&js, "tasks.a", 20).await;
    let mut consumer = stream
        .create_consumer(pull::OrderedConfig::default())
        .await
        .unwrap();
    let name = consumer.info().await.unwrap().name.clone();
    let mut messages = consumer.messages().await.unwrap();
    for expected in 1..=10u64 {
        let message = next_of(&mut messages).await;
        assert_eq!(message.info().unwrap().stream_sequence, expected);
    }
    stream.delete_consumer(&name).await.unwrap();
    publish_n(&js, "tasks.a", 10).await;
    for expected in 11..=30u64 {
        let message = next_of(&mut messages).await;
        assert_eq!(message.info().unwrap().stream_sequence, expected);
    }
}

/// An ephemeral consumer nobody uses goes away after its inactive
/// threshold; one whose push subscriber is still there stays.
#[tokio::test]
async fn inactive_ephemerals_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, client, js) = setup(dir.path()).await;
    let stream = tasks(&js, stream::RetentionPolicy::Limits).await;
    let idle: consumer::PullConsumer = stream
        .create_consumer(pull::Config {
            inactive_threshold: Duration::from_millis(200),
            ..Default::default()
        })
        .await
        .unwrap();
    let idle_name = idle.cached_info().name.clone();
    let _listener = client.subscribe("watched.inbox").await.unwrap();
    let watched: consumer::PushConsumer = stream
        .create_consumer(push::Config {
            deliver_subject: "watched.inbox".into(),
            inactive_threshold: Duration::from_millis(200),
            ..Default::default()
        })
        .await
        .unwrap();
    let watched_name = watched.cached_info().name.clone();
    let mut gone = false;
    for _ in 0..100 {
        // Hang guard only: the threshold is short, the loop bounded.
        if stream.consumer_info(&idle_name).await.is_err() {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gone, "the idle ephemeral was removed");
    assert!(
        stream.consumer_info(&watched_name).await.is_ok(),
        "a consumer with a listener stays"
    );
}

#[tokio::test]
async fn object_store_links_watch_metadata_and_seal() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _client, js) = setup(dir.path()).await;
    let mut store = js
        .create_object_store(object_store::Config {
            bucket: "docs".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut watch = store.watch().await.unwrap();
    store
        .put("report.pdf", &mut &b"%PDF-1.7 pretend"[..])
        .await
        .unwrap();
    let seen = next_of(&mut watch).await;
    assert_eq!(seen.name, "report.pdf");

    let object = store.get("report.pdf").await.unwrap();
    store.add_link("latest", &object).await.expect("link");
    let mut linked = store.get("latest").await.expect("the link resolves");
    let mut body = Vec::new();
    linked.read_to_end(&mut body).await.unwrap();
    assert_eq!(body, b"%PDF-1.7 pretend");

    let renamed = store
        .update_metadata(
            "report.pdf",
            object_store::UpdateMetadata {
                name: "report-2026.pdf".into(),
                description: Some("yearly".into()),
                ..Default::default()
            },
        )
        .await
        .expect("metadata updated");
    assert_eq!(renamed.description.as_deref(), Some("yearly"));

    store.seal().await.expect("sealed");
    let sealed = store.put("more.txt", &mut &b"no room"[..]).await;
    assert!(sealed.is_err(), "a sealed store takes nothing new");
}

/// Per-key TTL (ADR-48): a key created with a TTL is gone once it passed,
/// and a bucket's max_age removes old values, leaving a marker watchers see.
#[tokio::test]
async fn key_value_ttls() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _client, js) = setup(dir.path()).await;
    let kv = js
        .create_key_value(kv::Config {
            bucket: "sessions".into(),
            max_age: Duration::from_secs(1),
            // Markers live 2 s; per-key TTLs shorter than that are raised
            // to it (as nats-server 2.14.0 does), so "short" lives 2 s.
            limit_markers: Some(Duration::from_secs(2)),
            ..Default::default()
        })
        .await
        .expect("bucket with limit markers");
    kv.create_with_ttl("short", "bye".into(), Duration::from_secs(1))
        .await
        .expect("create with a TTL");
    kv.put("aged", "old".into()).await.unwrap();
    let mut watch = kv.watch_with_history("aged").await.unwrap();
    // The value (unless it already aged out), then the bucket's max_age
    // takes it and watchers see the marker as a purge.
    let mut entry = next_of(&mut watch).await;
    if entry.operation == kv::Operation::Put {
        assert_eq!(&entry.value[..], b"old");
        entry = next_of(&mut watch).await;
    }
    assert_eq!(entry.operation, kv::Operation::Purge);
    assert!(kv.get("aged").await.unwrap().is_none());
    let mut gone = false;
    for _ in 0..100 {
        // Hang guard only.
        if kv.get("short").await.unwrap().is_none() {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gone, "the key with a TTL expired");
}

/// A fetch given up by its client (its inbox unsubscribed) leaves a pull
/// request behind; it must neither count as waiting nor take the next
/// message from the fetch that follows (which would then stall until the
/// old request's 60 s expiry).
#[tokio::test]
async fn a_cancelled_fetch_does_not_capture_the_next_message() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, client, js) = setup(dir.path()).await;
    let stream = tasks(&js, stream::RetentionPolicy::Limits).await;
    let mut consumer: consumer::PullConsumer = stream
        .create_consumer(pull::Config {
            durable_name: Some("worker".into()),
            ..Default::default()
        })
        .await
        .expect("consumer created");

    // Nothing to fetch yet: the client gives up and drops the request (a
    // waiting batch: async-nats' fetch() sends no_wait, which ends at once
    // on an empty stream).
    let abandoned = consumer
        .batch()
        .max_messages(1)
        .expires(Duration::from_secs(60))
        .messages()
        .await
        .unwrap();
    common::sync(&client).await;
    assert_eq!(consumer.info().await.unwrap().num_waiting, 1);
    drop(abandoned);
    common::sync(&client).await;
    assert_eq!(
        consumer.info().await.unwrap().num_waiting,
        0,
        "the abandoned request no longer waits"
    );

    let mut next = consumer
        .fetch()
        .max_messages(1)
        .expires(HANG_GUARD)
        .messages()
        .await
        .unwrap();
    publish_n(&js, "tasks.a", 1).await;
    let message = next_of(&mut next).await;
    assert_eq!(message.info().unwrap().stream_sequence, 1);
}
