//! `natrium stream backup|restore` and `account backup|restore` end to end:
//! a stream with 100k messages, deletes and consumers backed up from one
//! natrium-server and restored on another with every message, sequence and
//! consumer state intact; backups moved from the reference nats-server to
//! natrium-server and back; tampered and truncated backups refused with no
//! stream left behind.
//!
//! Messages are compared through an ack-less pull consumer (sequence,
//! subject, headers, payload and timestamp of every one), stream and
//! consumer states through their info answers.

mod common;

use std::path::Path;

use async_nats::jetstream::{self, consumer::pull, consumer::AckPolicy};
use futures::StreamExt;
use serde_json::Value;

use common::{natrium_output, reference_binary, skip, start_natrium, start_server, TempDir};

type Dump = Vec<(u64, String, String, Vec<u8>, i64)>;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Creates `S` (file storage) with `count` messages, some with headers,
/// deletes a few (inside and at the end), adds two consumers with progress.
fn fill(url: &str, count: u64) {
    runtime().block_on(async {
        let client = async_nats::connect(url).await.expect("connect");
        let js = jetstream::new(client.clone());
        let stream = js
            .create_stream(jetstream::stream::Config {
                name: "S".into(),
                subjects: vec!["s.>".into()],
                ..Default::default()
            })
            .await
            .expect("stream");
        let mut acks = Vec::new();
        for i in 0..count {
            let subject = format!("s.{}", i % 7);
            let payload =
                bytes::Bytes::from(format!("message {i} {}", "x".repeat((i % 50) as usize)));
            let ack = if i % 100 == 0 {
                let mut headers = async_nats::HeaderMap::new();
                headers.insert("X-Seq", i.to_string().as_str());
                js.publish_with_headers(subject, headers, payload).await
            } else {
                js.publish(subject, payload).await
            }
            .expect("publish");
            acks.push(ack);
            if acks.len() == 2000 {
                for ack in acks.drain(..) {
                    ack.await.expect("ack");
                }
            }
        }
        for ack in acks {
            ack.await.expect("ack");
        }
        for seq in [2, 10, count / 2, count - 1, count] {
            stream.delete_message(seq).await.expect("delete");
        }
        let consumer = stream
            .create_consumer(pull::Config {
                durable_name: Some("C1".into()),
                ack_policy: AckPolicy::Explicit,
                ..Default::default()
            })
            .await
            .expect("consumer");
        let mut messages = consumer
            .fetch()
            .max_messages(30)
            .messages()
            .await
            .expect("fetch");
        let mut n = 0;
        while let Some(message) = messages.next().await {
            let message = message.expect("message");
            if n % 3 == 0 {
                message.ack().await.expect("ack");
            }
            n += 1;
        }
        stream
            .create_consumer(pull::Config {
                durable_name: Some("C2".into()),
                filter_subject: "s.3".into(),
                ..Default::default()
            })
            .await
            .expect("consumer");
        client.flush().await.expect("flush");
    });
}

/// Every message of `S`, read through an ack-less consumer.
fn dump(url: &str) -> Dump {
    runtime().block_on(async {
        let client = async_nats::connect(url).await.expect("connect");
        let js = jetstream::new(client);
        let stream = js.get_stream("S").await.expect("stream");
        let total = stream.cached_info().state.messages as usize;
        let consumer = stream
            .create_consumer(pull::Config {
                ack_policy: AckPolicy::None,
                inactive_threshold: std::time::Duration::from_secs(30),
                ..Default::default()
            })
            .await
            .expect("reader");
        let mut out = Vec::with_capacity(total);
        while out.len() < total {
            let mut batch = consumer
                .fetch()
                .max_messages(5000)
                .messages()
                .await
                .expect("fetch");
            while let Some(message) = batch.next().await {
                let message = message.expect("message");
                let info = message.info().expect("info");
                let headers = message
                    .headers
                    .as_ref()
                    .and_then(|h| h.get("X-Seq").map(|v| v.to_string()))
                    .unwrap_or_default();
                out.push((
                    info.stream_sequence,
                    message.subject.to_string(),
                    headers,
                    message.payload.to_vec(),
                    info.published.unix_timestamp_nanos() as i64,
                ));
            }
        }
        out
    })
}

fn natrium_json(url: &str, args: &[&str]) -> Value {
    let output = natrium_output(url, args);
    assert!(
        output.status.success(),
        "natrium {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

/// The parts of the stream and consumer infos a restore must keep.
fn states(url: &str) -> Value {
    let info = natrium_json(url, &["stream", "info", "S", "--json"]);
    let state = &info["state"];
    let mut out = serde_json::json!({
        "messages": state["messages"],
        "bytes_positive": state["bytes"].as_u64().unwrap_or(0) > 0,
        "first_seq": state["first_seq"],
        "last_seq": state["last_seq"],
        "num_deleted": state["num_deleted"],
        "num_subjects": state["num_subjects"],
    });
    for consumer in ["C1", "C2"] {
        let info = natrium_json(url, &["consumer", "info", "S", consumer, "--json"]);
        out[consumer] = serde_json::json!({
            "delivered": [info["delivered"]["consumer_seq"], info["delivered"]["stream_seq"]],
            "ack_floor": [info["ack_floor"]["consumer_seq"], info["ack_floor"]["stream_seq"]],
            "num_ack_pending": info["num_ack_pending"],
            "num_pending": info["num_pending"],
            "filter": info["config"]["filter_subject"],
        });
    }
    out
}

fn backup(url: &str, dir: &Path) {
    let summary = natrium_json(
        url,
        &["stream", "backup", "S", dir.to_str().unwrap(), "--json"],
    );
    assert!(summary["bytes"].as_u64().unwrap_or(0) > 0, "{summary}");
    assert!(dir.join("backup.json").is_file() && dir.join("stream.tar.s2").is_file());
}

fn restore(url: &str, dir: &Path) -> Value {
    natrium_json(url, &["stream", "restore", dir.to_str().unwrap(), "--json"])
}

#[test]
fn natrium_backup_of_100k_messages_restores_identically() {
    let source = start_natrium();
    fill(&source.url, 100_000);
    let before = dump(&source.url);
    assert_eq!(before.len(), 100_000 - 5);
    let expected = states(&source.url);
    let dir = TempDir::new();
    let backup_dir = dir.path().join("S");
    backup(&source.url, &backup_dir);

    let target = start_natrium();
    let info = restore(&target.url, &backup_dir);
    assert_eq!(info["state"]["messages"], expected["messages"], "{info}");
    assert_eq!(states(&target.url), expected);
    assert!(dump(&target.url) == before, "restored messages differ");

    // A second restore of the same stream is refused.
    let again = natrium_output(
        &target.url,
        &["stream", "restore", backup_dir.to_str().unwrap()],
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already in use"));
}

#[test]
fn tampered_and_truncated_backups_are_refused_leaving_no_stream() {
    let source = start_natrium();
    fill(&source.url, 3000);
    let dir = TempDir::new();
    let good = dir.path().join("good");
    backup(&source.url, &good);
    let data = std::fs::read(good.join("stream.tar.s2")).unwrap();
    let target = start_natrium();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("tampered", {
            let mut d = data.clone();
            let at = d.len() / 2;
            d[at] ^= 0x20;
            d
        }),
        ("truncated", data[..data.len() - 40].to_vec()),
        ("cut in half", data[..data.len() / 2].to_vec()),
    ];
    for (what, bytes) in cases {
        let bad = dir.path().join(what);
        std::fs::create_dir_all(&bad).unwrap();
        std::fs::copy(good.join("backup.json"), bad.join("backup.json")).unwrap();
        std::fs::write(bad.join("stream.tar.s2"), bytes).unwrap();
        let output = natrium_output(&target.url, &["stream", "restore", bad.to_str().unwrap()]);
        assert!(!output.status.success(), "{what} backup was restored");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("restore failed"), "{what}: {stderr}");
        let info = natrium_output(&target.url, &["stream", "info", "S"]);
        assert!(!info.status.success(), "{what}: a stream was left behind");
    }
    // The good one still restores.
    restore(&target.url, &good);
    assert_eq!(states(&target.url), states(&source.url));
}

#[test]
fn backups_move_from_nats_server_to_natrium_and_back() {
    let Some(binary) = reference_binary() else {
        return skip();
    };
    let reference = start_server(&binary, &["-js", "-sd", &TempDir::leak()]);
    fill(&reference.url, 5000);
    let before = dump(&reference.url);
    let expected = states(&reference.url);
    let dir = TempDir::new();
    let from_nats = dir.path().join("from-nats");
    backup(&reference.url, &from_nats);

    let natrium = start_natrium();
    restore(&natrium.url, &from_nats);
    assert_eq!(states(&natrium.url), expected);
    assert!(
        dump(&natrium.url) == before,
        "messages differ after nats -> natrium"
    );

    let from_natrium = dir.path().join("from-natrium");
    backup(&natrium.url, &from_natrium);
    let second = start_server(&binary, &["-js", "-sd", &TempDir::leak()]);
    restore(&second.url, &from_natrium);
    assert_eq!(states(&second.url), expected);
    assert!(
        dump(&second.url) == before,
        "messages differ after natrium -> nats"
    );
}

#[test]
fn account_backup_and_restore_every_stream() {
    let source = start_natrium();
    fill(&source.url, 500);
    let dir = TempDir::new();
    let reports = natrium_json(&source.url, &["account", "backup", dir.as_str(), "--json"]);
    assert_eq!(reports.as_array().map(Vec::len), Some(1), "{reports}");
    let target = start_natrium();
    let infos = natrium_json(&target.url, &["account", "restore", dir.as_str(), "--json"]);
    assert_eq!(infos[0]["config"]["name"], "S");
    assert_eq!(states(&target.url), states(&source.url));
}
