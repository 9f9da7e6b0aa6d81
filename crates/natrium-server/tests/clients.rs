//! What users see through the official async-nats client: publish/subscribe,
//! wildcards, queue groups, request/reply, headers, no-responders, limits.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{client, embedded, embedded_default, sync, HANG_GUARD};
use futures::StreamExt;
use natrium_server::ServerOptions;

async fn next(sub: &mut async_nats::Subscriber) -> async_nats::Message {
    tokio::time::timeout(HANG_GUARD, sub.next())
        .await
        .expect("message within the hang guard")
        .expect("subscription open")
}

#[tokio::test]
async fn publish_subscribe_with_wildcards() {
    let server = embedded_default().await;
    let nc = client(&server).await;
    let mut exact = nc.subscribe("sales.domain.order").await.unwrap();
    let mut star = nc.subscribe("sales.*.order").await.unwrap();
    let mut tail = nc.subscribe("sales.>").await.unwrap();
    let mut other = nc.subscribe("billing.>").await.unwrap();
    sync(&nc).await;

    nc.publish("sales.domain.order", "created".into())
        .await
        .unwrap();
    nc.publish("sales.domain.order.line", "added".into())
        .await
        .unwrap();
    nc.publish("billing.x", "b".into()).await.unwrap();
    sync(&nc).await;

    assert_eq!(next(&mut exact).await.payload, "created");
    assert_eq!(next(&mut star).await.payload, "created");
    assert_eq!(next(&mut tail).await.payload, "created");
    assert_eq!(next(&mut tail).await.payload, "added");
    assert_eq!(next(&mut other).await.subject.as_str(), "billing.x");
}

#[tokio::test]
async fn messages_arrive_in_order_across_connections() {
    let server = embedded_default().await;
    let publisher = client(&server).await;
    let subscriber = client(&server).await;
    let mut sub = subscriber.subscribe("seq").await.unwrap();
    sync(&subscriber).await;
    for i in 0..10_000u32 {
        publisher
            .publish("seq", i.to_string().into())
            .await
            .unwrap();
    }
    sync(&publisher).await;
    for i in 0..10_000u32 {
        assert_eq!(next(&mut sub).await.payload, i.to_string());
    }
}

#[tokio::test]
async fn queue_groups_spread_work_and_never_duplicate() {
    let server = embedded_default().await;
    let nc = client(&server).await;
    let mut workers = Vec::new();
    for _ in 0..4 {
        let worker = client(&server).await;
        let sub = worker
            .queue_subscribe("jobs", "workers".into())
            .await
            .unwrap();
        sync(&worker).await;
        workers.push((worker, sub));
    }
    let mut audit = nc.subscribe("jobs").await.unwrap();
    sync(&nc).await;
    const JOBS: usize = 2000;
    for i in 0..JOBS {
        nc.publish("jobs", i.to_string().into()).await.unwrap();
    }
    sync(&nc).await;
    for _ in 0..JOBS {
        next(&mut audit).await;
    }
    // Every job went to exactly one worker, and every worker got some.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut per_worker = Vec::new();
    for (worker, mut sub) in workers {
        sync(&worker).await;
        sub.unsubscribe().await.unwrap();
        let mut count = 0;
        while let Some(message) = sub.next().await {
            *seen
                .entry(String::from_utf8_lossy(&message.payload).into_owned())
                .or_default() += 1;
            count += 1;
        }
        per_worker.push(count);
    }
    assert_eq!(seen.len(), JOBS, "every job delivered");
    assert!(seen.values().all(|&n| n == 1), "no job delivered twice");
    assert!(
        per_worker.iter().all(|&n| n > 0),
        "work spread across members: {per_worker:?}"
    );
}

#[tokio::test]
async fn request_reply_and_headers() {
    let server = embedded_default().await;
    let responder = client(&server).await;
    let mut service = responder.subscribe("echo").await.unwrap();
    sync(&responder).await;
    tokio::spawn(async move {
        while let Some(request) = service.next().await {
            let mut headers = async_nats::HeaderMap::new();
            let seen = request
                .headers
                .as_ref()
                .and_then(|h| h.get("X-Trace"))
                .map(|v| v.as_str().to_string())
                .unwrap_or_default();
            headers.insert("X-Seen", seen.as_str());
            if let Some(reply) = request.reply {
                responder
                    .publish_with_headers(reply, headers, request.payload)
                    .await
                    .unwrap();
            }
        }
    });
    let nc = client(&server).await;
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("X-Trace", "abc");
    let request = async_nats::Request::new()
        .payload("ping".into())
        .headers(headers);
    let reply = nc.send_request("echo", request).await.unwrap();
    assert_eq!(reply.payload, "ping");
    assert_eq!(
        reply.headers.unwrap().get("X-Seen").unwrap().as_str(),
        "abc"
    );
}

#[tokio::test]
async fn requests_without_responders_fail_fast() {
    let server = embedded_default().await;
    let nc = client(&server).await;
    let err = nc.request("nobody.home", "hi".into()).await.unwrap_err();
    assert_eq!(err.kind(), async_nats::RequestErrorKind::NoResponders);
}

#[tokio::test]
async fn auto_unsubscribe_after_n() {
    let server = embedded_default().await;
    let nc = client(&server).await;
    let mut sub = nc.subscribe("limited").await.unwrap();
    sub.unsubscribe_after(3).await.unwrap();
    sync(&nc).await;
    for i in 0..10 {
        nc.publish("limited", i.to_string().into()).await.unwrap();
    }
    sync(&nc).await;
    let mut got = Vec::new();
    while let Some(message) = tokio::time::timeout(HANG_GUARD, sub.next()).await.unwrap() {
        got.push(message.payload);
    }
    assert_eq!(got, vec!["0", "1", "2"]);
}

#[tokio::test]
async fn oversized_publish_is_refused_by_the_client_from_info() {
    let options = ServerOptions {
        max_payload: 1024,
        ..ServerOptions::ephemeral()
    };
    let server = embedded(options).await;
    let nc = client(&server).await;
    assert_eq!(nc.server_info().max_payload, 1024);
    let err = nc.publish("big", vec![0u8; 2048].into()).await.unwrap_err();
    assert_eq!(
        err.kind(),
        async_nats::client::PublishErrorKind::MaxPayloadExceeded
    );
}

#[tokio::test]
async fn slow_consumer_is_disconnected_and_others_are_unaffected() {
    let options = ServerOptions {
        max_pending: 64 * 1024,
        ..ServerOptions::ephemeral()
    };
    let server = embedded(options).await;
    // A subscriber that never reads its socket.
    let mut stalled = common::RawClient::connected(server.client_addr()).await;
    stalled.send(b"SUB firehose 1\r\n").await;
    stalled.until_pong().await;
    let healthy = client(&server).await;
    let mut healthy_sub = healthy.subscribe("firehose").await.unwrap();
    sync(&healthy).await;
    let publisher = client(&server).await;
    // 32 MiB in all: far beyond the stalled socket's kernel buffers plus max_pending.
    // The healthy subscriber keeps up (each message is received before the
    // next is sent), so only the stalled one can be slow.
    let payload = bytes::Bytes::from(vec![b'x'; 8 * 1024]);
    for _ in 0..4096 {
        publisher
            .publish("firehose", payload.clone())
            .await
            .unwrap();
        assert_eq!(next(&mut healthy_sub).await.payload.len(), 8 * 1024);
    }
    let slow = server
        .shared()
        .stats
        .slow_consumers
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        slow, 1,
        "the stalled subscriber was counted as a slow consumer"
    );
    // The stalled connection was closed (reading drains what was buffered, then EOF).
    stalled.until_closed().await;
    let closed = server
        .shared()
        .closed_clients
        .lock()
        .iter()
        .map(|c| c.reason)
        .collect::<Vec<_>>();
    assert_eq!(
        closed,
        [natrium_server::client::CloseReason::SlowConsumerPendingBytes]
    );
}

#[tokio::test]
async fn clients_reconnect_after_a_restart_on_the_same_port() {
    let server = embedded_default().await;
    let addr = server.client_addr();
    let nc = async_nats::ConnectOptions::new()
        .retry_on_initial_connect()
        .connect(server.client_url())
        .await
        .unwrap();
    let mut sub = nc.subscribe("after.restart").await.unwrap();
    sync(&nc).await;
    server.shutdown().await;
    let options = ServerOptions {
        port: addr.port(),
        ..ServerOptions::ephemeral()
    };
    let _restarted = embedded(options).await;
    // The client resubscribes on reconnect; publish until it is through.
    let publisher = async_nats::connect(format!("nats://{addr}")).await.unwrap();
    let message = tokio::time::timeout(HANG_GUARD, async {
        loop {
            publisher
                .publish("after.restart", "back".into())
                .await
                .unwrap();
            sync(&publisher).await;
            if let Ok(Some(message)) =
                tokio::time::timeout(Duration::from_millis(100), sub.next()).await
            {
                return message;
            }
        }
    })
    .await
    .expect("resubscribed after restart");
    assert_eq!(message.payload, "back");
}
