//! In-process clients (what JetStream and server services are built on)
//! talk with network clients through the same account routing.

mod common;

use common::{client, embedded_default, sync, HANG_GUARD};
use futures::StreamExt;
use natrium_server::internal::InternalClient;

#[tokio::test]
async fn an_internal_service_answers_network_requests() {
    let server = embedded_default().await;
    let shared = server.shared().clone();
    let (service, mut inbox) =
        InternalClient::connect(&shared, shared.accounts.global(), "echo-service");
    let sid = service
        .subscribe("svc.echo", Some("workers"))
        .expect("valid subject");
    let responder = service.clone();
    tokio::spawn(async move {
        while let Some(request) = inbox.next().await {
            assert_eq!(request.sid, sid);
            if let Some(reply) = request.reply {
                let mut answer = b"echo: ".to_vec();
                answer.extend_from_slice(&request.payload);
                responder.publish(reply.as_bytes(), None, request.headers.as_deref(), &answer);
            }
        }
    });

    let nc = client(&server).await;
    for i in 0..100 {
        let reply = tokio::time::timeout(HANG_GUARD, nc.request("svc.echo", format!("{i}").into()))
            .await
            .expect("answered in time")
            .expect("answered");
        assert_eq!(reply.payload, format!("echo: {i}"));
    }
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("X-Id", "42");
    let reply = nc
        .send_request(
            "svc.echo",
            async_nats::Request::new()
                .payload("h".into())
                .headers(headers),
        )
        .await
        .unwrap();
    assert_eq!(reply.headers.unwrap().get("X-Id").unwrap().as_str(), "42");
}

#[tokio::test]
async fn internal_publishes_reach_network_subscribers_and_show_in_monitoring() {
    let server = embedded_default().await;
    let shared = server.shared().clone();
    let nc = client(&server).await;
    let mut sub = nc.subscribe("events.>").await.unwrap();
    sync(&nc).await;
    let (publisher, _inbox) = InternalClient::connect(&shared, shared.accounts.global(), "events");
    assert_eq!(publisher.publish(b"events.created", None, None, b"one"), 1);
    assert_eq!(publisher.publish(b"nobody.listens", None, None, b"two"), 0);
    let message = tokio::time::timeout(HANG_GUARD, sub.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (message.subject.as_str(), &message.payload[..]),
        ("events.created", &b"one"[..])
    );
}
