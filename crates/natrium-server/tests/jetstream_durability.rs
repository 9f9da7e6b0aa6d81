//! Nothing acknowledged is lost: a server killed with SIGKILL while
//! publishes are in flight comes back with every acknowledged message, byte
//! for byte. With `sync_interval: always` that holds for an OS crash too
//! (each ack waits for fsync); with the default interval the ack waits for
//! the write to reach the OS, which is what a process kill needs.

mod common;

use std::collections::BTreeMap;

use async_nats::jetstream::{self, stream};
use common::{path_str, temp_file, ServerProcess, HANG_GUARD};
use futures::stream::{FuturesUnordered, StreamExt};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_kill_9_with_sync_always() {
    acknowledged_messages_survive_kill_9("sync_interval: always").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_kill_9_with_the_default_sync_interval() {
    acknowledged_messages_survive_kill_9("").await;
}

async fn acknowledged_messages_survive_kill_9(sync_setting: &str) {
    let store = tempfile::tempdir().unwrap();
    let config = format!(
        "jetstream {{\n  store_dir: \"{}\"\n  {sync_setting}\n}}\n",
        path_str(store.path())
    );
    let (_dir, config_path) = temp_file("js.conf", &config);
    let server =
        ServerProcess::start(&["-c", path_str(&config_path), "-a", "127.0.0.1", "-p", "-1"]);
    assert!(
        server
            .log_lines()
            .iter()
            .any(|l| l.contains("Store Directory: \"") && l.contains("jetstream")),
        "nats-server's Store Directory line: {:?}",
        server.log_lines()
    );
    let port = server.port;
    let client = async_nats::connect(server.url()).await.unwrap();
    let js = jetstream::new(client);
    js.create_stream(stream::Config {
        name: "TRUTH".into(),
        subjects: vec!["truth.>".into()],
        ..Default::default()
    })
    .await
    .unwrap();

    // 256 publishes in flight; kill the server once 300 are acknowledged.
    let mut acked = BTreeMap::new();
    let mut in_flight = FuturesUnordered::new();
    let mut next = 0u32;
    let mut server = Some(server);
    while acked.len() < 300 || !in_flight.is_empty() {
        while server.is_some() && in_flight.len() < 256 {
            let payload = format!("event-{next}-{}", "x".repeat((next % 97) as usize));
            match js
                .publish(format!("truth.{}", next % 7), payload.clone().into())
                .await
            {
                Ok(ack) => in_flight.push(async move { (payload, ack.await) }),
                Err(_) => break,
            }
            next += 1;
        }
        let Some((payload, result)) = in_flight.next().await else {
            break;
        };
        if let Ok(ack) = result {
            acked.insert(ack.sequence, payload);
        }
        if acked.len() >= 300 {
            if let Some(mut process) = server.take() {
                process.signal(libc::SIGKILL);
                process.wait();
            }
        }
    }
    assert!(acked.len() >= 300);

    let restarted = ServerProcess::start(&[
        "-c",
        path_str(&config_path),
        "-a",
        "127.0.0.1",
        "-p",
        &port.to_string(),
    ]);
    let client = async_nats::connect(restarted.url()).await.unwrap();
    let js = jetstream::new(client);
    let stream = tokio::time::timeout(HANG_GUARD, js.get_stream("TRUTH"))
        .await
        .unwrap()
        .expect("stream restored");
    for (seq, payload) in &acked {
        let message = stream
            .get_raw_message(*seq)
            .await
            .unwrap_or_else(|e| panic!("acknowledged seq {seq} lost: {e}"));
        assert_eq!(message.payload, payload.as_bytes(), "seq {seq} differs");
    }
}

/// A durable consumer's progress survives SIGKILL: acknowledged messages
/// are not delivered again, unacknowledged ones are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_progress_survives_kill_9() {
    use async_nats::jetstream::consumer::{pull, PullConsumer};

    let store = tempfile::tempdir().unwrap();
    let config = format!(
        "jetstream {{\n  store_dir: \"{}\"\n  sync_interval: always\n}}\n",
        path_str(store.path())
    );
    let (_dir, config_path) = temp_file("js.conf", &config);
    let args = |port: &str| {
        vec![
            "-c".to_string(),
            path_str(&config_path).to_string(),
            "-a".into(),
            "127.0.0.1".into(),
            "-p".into(),
            port.to_string(),
        ]
    };
    let first_args = args("-1");
    let mut server =
        ServerProcess::start(&first_args.iter().map(String::as_str).collect::<Vec<_>>());
    let port = server.port;
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    let stream = js
        .create_stream(stream::Config {
            name: "WORK".into(),
            subjects: vec!["work.>".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    for i in 0..10 {
        js.publish("work.item", format!("{i}").into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    let consumer: PullConsumer = stream
        .create_consumer(pull::Config {
            durable_name: Some("worker".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut batch = consumer.fetch().max_messages(6).messages().await.unwrap();
    let mut n = 0;
    while let Some(message) = batch.next().await {
        let message = message.unwrap();
        n += 1;
        if n <= 4 {
            message.double_ack().await.expect("ack kept");
        }
    }
    server.signal(libc::SIGKILL);
    server.wait();

    let restart_args = args(&port.to_string());
    let restarted =
        ServerProcess::start(&restart_args.iter().map(String::as_str).collect::<Vec<_>>());
    let js = jetstream::new(async_nats::connect(restarted.url()).await.unwrap());
    let stream = js.get_stream("WORK").await.unwrap();
    let mut consumer: PullConsumer = stream.get_consumer("worker").await.unwrap();
    let info = consumer.info().await.unwrap();
    assert_eq!(
        info.ack_floor.stream_sequence, 4,
        "acknowledged before the kill"
    );
    assert_eq!(info.delivered.stream_sequence, 6);
    assert_eq!(
        info.num_ack_pending, 2,
        "5 and 6 were delivered, not acknowledged"
    );
    let mut batch = consumer.fetch().max_messages(1).messages().await.unwrap();
    let next = batch.next().await.unwrap().unwrap();
    assert_eq!(
        next.info().unwrap().stream_sequence,
        7,
        "delivery goes on after what was delivered"
    );
}
