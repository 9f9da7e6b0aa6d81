//! The client protocol on the wire: exact replies, errors and where the
//! server closes, as nats-server 2.14 behaves (each case was checked against
//! the reference binary).

mod common;

use std::time::Duration;

use common::{embedded, embedded_default, RawClient};
use natrium_server::ServerOptions;

#[tokio::test]
async fn info_advertises_what_clients_need() {
    let server = embedded_default().await;
    let mut raw = tokio::net::TcpStream::connect(server.client_addr())
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::io::AsyncReadExt::read(&mut raw, &mut buf)
        .await
        .unwrap();
    let line = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(
        line.starts_with("INFO {") && line.ends_with("} \r\n"),
        "{line}"
    );
    let info: serde_json::Value = serde_json::from_str(&line[5..line.len() - 3]).unwrap();
    for field in [
        "server_id",
        "server_name",
        "version",
        "proto",
        "go",
        "host",
        "port",
        "headers",
        "max_payload",
        "client_id",
        "client_ip",
    ] {
        assert!(info.get(field).is_some(), "INFO lacks {field}: {info}");
    }
    assert_eq!(info["headers"], true);
    assert_eq!(info["max_payload"], 1024 * 1024);
    assert_eq!(info["port"], server.client_addr().port());
    assert!(info["server_id"].as_str().unwrap().starts_with('N'));
}

#[tokio::test]
async fn verbose_and_pedantic_are_on_until_connect_says_otherwise() {
    let server = embedded_default().await;
    let mut client = RawClient::connect(server.client_addr()).await;
    client.send(b"SUB a 1\r\nPUB a 2\r\nhi\r\n").await;
    assert_eq!(
        client.until_pong().await,
        "+OK\r\n+OK\r\nMSG a 1 2\r\nhi\r\n"
    );
    client.send(b"PUB foo.* 2\r\nhi\r\n").await;
    assert_eq!(
        client.until_pong().await,
        "-ERR 'Invalid Publish Subject'\r\n+OK\r\n"
    );
    client
        .send(b"CONNECT {\"verbose\":false}\r\nPUB a 0\r\n\r\n")
        .await;
    assert_eq!(client.until_pong().await, "MSG a 1 0\r\n\r\n");
}

#[tokio::test]
async fn non_pedantic_clients_may_publish_to_odd_subjects() {
    let server = embedded_default().await;
    let mut client = RawClient::connected(server.client_addr()).await;
    client
        .send(b"PUB foo.* 2\r\nhi\r\nPUB foo..x 2\r\nhi\r\n")
        .await;
    assert_eq!(client.until_pong().await, "");
}

#[tokio::test]
async fn invalid_subscriptions_are_refused_but_keep_the_connection() {
    let server = embedded_default().await;
    let mut client = RawClient::connected(server.client_addr()).await;
    client.send(b"SUB foo..bar 1\r\n").await;
    assert_eq!(client.until_pong().await, "-ERR 'Invalid Subject'\r\n");
    client.send(b"SUB foo.>.bar 2\r\n").await;
    assert_eq!(client.until_pong().await, "-ERR 'Invalid Subject'\r\n");
}

#[tokio::test]
async fn framing_errors_send_unknown_protocol_operation_and_close() {
    let server = embedded_default().await;
    for bad in [
        &b"xyz 1\r\n"[..],
        b"MSG foo 1 2\r\nhi\r\n",
        b"PUB foo 3\r\nabcde\r\n",
    ] {
        let mut client = RawClient::connected(server.client_addr()).await;
        client.send(bad).await;
        assert_eq!(
            client.until_closed().await,
            "-ERR 'Unknown Protocol Operation'\r\n",
            "{bad:?}"
        );
    }
}

#[tokio::test]
async fn malformed_arguments_close_without_an_error_line() {
    let server = embedded_default().await;
    for bad in [
        &b"PUB foo\r\n"[..],
        b"PUB foo abc\r\n",
        b"SUB foo\r\n",
        b"SUB a b c d\r\n",
        b"CONNECT {bad json\r\n",
    ] {
        let mut client = RawClient::connect(server.client_addr()).await;
        client.send(bad).await;
        assert_eq!(client.until_closed().await, "", "{bad:?}");
    }
}

#[tokio::test]
async fn oversized_payloads_and_control_lines_are_rejected() {
    let options = ServerOptions {
        max_payload: 100,
        ..ServerOptions::ephemeral()
    };
    let server = embedded(options).await;
    let mut client = RawClient::connected(server.client_addr()).await;
    client.send(b"PUB a 101\r\n").await;
    assert_eq!(
        client.until_closed().await,
        "-ERR 'Maximum Payload Violation'\r\n"
    );

    let mut client = RawClient::connected(server.client_addr()).await;
    let mut line = b"PUB ".to_vec();
    line.extend(std::iter::repeat_n(b'a', 5000));
    client.send(&line).await;
    assert_eq!(
        client.until_closed().await,
        "-ERR 'maximum control line exceeded'\r\n"
    );
}

#[tokio::test]
async fn headers_and_no_responders() {
    let server = embedded_default().await;
    let mut client = RawClient::connected(server.client_addr()).await;
    client
        .send(b"SUB foo 1\r\nHPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n")
        .await;
    assert_eq!(
        client.until_pong().await,
        "HMSG foo 1 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"
    );
    client
        .send(b"SUB inbox 2\r\nPUB nobody inbox 2\r\nhi\r\n")
        .await;
    assert_eq!(
        client.until_pong().await,
        "HMSG inbox 2 38 38\r\nNATS/1.0 503\r\nNats-Subject: nobody\r\n\r\n\r\n"
    );
}

#[tokio::test]
async fn clients_without_headers_get_plain_messages_and_cannot_hpub() {
    let server = embedded_default().await;
    let mut plain = RawClient::connect(server.client_addr()).await;
    plain
        .send(b"CONNECT {\"verbose\":false,\"headers\":false}\r\nSUB foo 1\r\n")
        .await;
    plain.until_pong().await;
    let mut with_headers = RawClient::connected(server.client_addr()).await;
    with_headers
        .send(b"HPUB foo 18 20\r\nNATS/1.0\r\nA: b\r\n\r\nhi\r\n")
        .await;
    with_headers.until_pong().await;
    assert_eq!(plain.until_pong().await, "MSG foo 1 2\r\nhi\r\n");
    plain.send(b"HPUB foo 12 12\r\nNATS/1.0\r\n\r\n\r\n").await;
    assert_eq!(plain.until_closed().await, "");
}

#[tokio::test]
async fn connect_rejects_impossible_options() {
    let server = embedded_default().await;
    let mut client = RawClient::connect(server.client_addr()).await;
    client
        .send(b"CONNECT {\"verbose\":false,\"headers\":false,\"no_responders\":true}\r\n")
        .await;
    assert_eq!(
        client.until_closed().await,
        "-ERR 'no responders requires headers support'\r\n"
    );
    let mut client = RawClient::connect(server.client_addr()).await;
    client
        .send(b"CONNECT {\"verbose\":false,\"protocol\":2}\r\n")
        .await;
    assert_eq!(
        client.until_closed().await,
        "-ERR 'invalid client protocol'\r\n"
    );
}

#[tokio::test]
async fn echo_off_and_auto_unsubscribe() {
    let server = embedded_default().await;
    let mut client = RawClient::connect(server.client_addr()).await;
    client
        .send(b"CONNECT {\"echo\":false,\"verbose\":false}\r\nSUB foo 1\r\nPUB foo 1\r\nx\r\n")
        .await;
    assert_eq!(client.until_pong().await, "");

    let mut client = RawClient::connected(server.client_addr()).await;
    client.send(b"SUB foo 1\r\nUNSUB 1 2\r\n").await;
    client
        .send(b"PUB foo 1\r\na\r\nPUB foo 1\r\nb\r\nPUB foo 1\r\nc\r\n")
        .await;
    assert_eq!(
        client.until_pong().await,
        "MSG foo 1 1\r\na\r\nMSG foo 1 1\r\nb\r\n"
    );
    // Already delivered as many as the new max: UNSUB removes at once.
    client
        .send(b"SUB bar 2\r\nPUB bar 1\r\nx\r\nUNSUB 2 1\r\nPUB bar 1\r\ny\r\n")
        .await;
    assert_eq!(client.until_pong().await, "MSG bar 2 1\r\nx\r\n");
}

#[tokio::test]
async fn queue_groups_deliver_to_exactly_one_member() {
    let server = embedded_default().await;
    let mut client = RawClient::connected(server.client_addr()).await;
    client
        .send(b"SUB work q 1\r\nSUB work q 2\r\nSUB work.* q 3\r\nSUB work 4\r\n")
        .await;
    for _ in 0..20 {
        client.send(b"PUB work 1\r\nx\r\n").await;
    }
    let out = client.until_pong().await;
    let plain = out.matches("MSG work 4 1").count();
    let queued = out.matches("MSG work 1 1").count() + out.matches("MSG work 2 1").count();
    assert_eq!((plain, queued), (20, 20), "{out}");
}

#[tokio::test]
async fn subscription_limit() {
    let options = ServerOptions {
        max_subscriptions: 2,
        ..ServerOptions::ephemeral()
    };
    let server = embedded(options).await;
    let mut client = RawClient::connected(server.client_addr()).await;
    client.send(b"SUB a 1\r\nSUB b 2\r\nSUB c 3\r\n").await;
    assert_eq!(
        client.until_pong().await,
        "-ERR 'maximum subscriptions exceeded'\r\n"
    );
}

#[tokio::test]
async fn connection_limit() {
    let options = ServerOptions {
        max_connections: 1,
        ..ServerOptions::ephemeral()
    };
    let server = embedded(options).await;
    let mut first = RawClient::connected(server.client_addr()).await;
    first.until_pong().await;
    let mut second = RawClient::connect(server.client_addr()).await;
    assert_eq!(
        second.until_closed().await,
        "-ERR 'maximum connections exceeded'\r\n"
    );
    assert_eq!(first.until_pong().await, "");
}

#[tokio::test]
async fn authentication() {
    let mut options = ServerOptions::ephemeral();
    options.auth.username = Some("a".into());
    options.auth.password = Some("b".into());
    options.auth.timeout = Duration::from_millis(300);
    let server = embedded(options).await;

    let mut client = RawClient::connect(server.client_addr()).await;
    client
        .send(b"CONNECT {\"verbose\":false,\"user\":\"a\",\"pass\":\"wrong\"}\r\n")
        .await;
    assert_eq!(
        client.until_closed().await,
        "-ERR 'Authorization Violation'\r\n"
    );

    let mut client = RawClient::connect(server.client_addr()).await;
    client.send(b"PING\r\n").await;
    assert_eq!(
        client.until_closed().await,
        "-ERR 'Authorization Violation'\r\n"
    );

    let mut client = RawClient::connect(server.client_addr()).await;
    assert_eq!(
        client.until_closed().await,
        "-ERR 'Authentication Timeout'\r\n"
    );

    let mut client = RawClient::connect(server.client_addr()).await;
    client
        .send(b"CONNECT {\"verbose\":false,\"user\":\"a\",\"pass\":\"b\"}\r\n")
        .await;
    assert_eq!(client.until_pong().await, "");
}

#[tokio::test]
async fn stale_connections_are_closed() {
    let options = ServerOptions {
        ping_interval: Duration::from_millis(100),
        ping_max: 1,
        ..ServerOptions::ephemeral()
    };
    let server = embedded(options).await;
    let mut client = RawClient::connected(server.client_addr()).await;
    // Never answering the server's PINGs.
    assert_eq!(
        client.until_closed().await,
        "PING\r\n-ERR 'Stale Connection'\r\n"
    );
}

#[tokio::test]
async fn input_split_at_every_byte_is_parsed_the_same() {
    let server = embedded_default().await;
    let script: &[u8] = b"SUB foo 1\r\nPUB foo 5\r\nhello\r\nHPUB foo 21 23\r\nNATS/1.0\r\nX-A: bc\r\n\r\nhi\r\nUNSUB 1\r\nPUB foo 1\r\nz\r\n";
    let expected = "MSG foo 1 5\r\nhello\r\nHMSG foo 1 21 23\r\nNATS/1.0\r\nX-A: bc\r\n\r\nhi\r\n";
    for split in 1..script.len() {
        let mut client = RawClient::connected(server.client_addr()).await;
        client.send(&script[..split]).await;
        tokio::task::yield_now().await;
        client.send(&script[split..]).await;
        assert_eq!(client.until_pong().await, expected, "split at {split}");
    }
}

#[tokio::test]
async fn garbage_never_disturbs_other_connections() {
    let server = embedded_default().await;
    let mut bystander = RawClient::connected(server.client_addr()).await;
    bystander.send(b"SUB watch 1\r\n").await;
    bystander.until_pong().await;
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for round in 0..200 {
        let mut garbage = Vec::new();
        for _ in 0..(round % 50 + 1) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let pieces: [&[u8]; 10] = [
                b"PUB ",
                b"SUB ",
                b"HPUB ",
                b"\r\n",
                b"99999999 ",
                b"x",
                b"\x00\xff",
                b" 3",
                b"CONNECT {",
                b"UNSUB ",
            ];
            garbage.extend_from_slice(pieces[(state % 10) as usize]);
        }
        let mut attacker = RawClient::connected(server.client_addr()).await;
        attacker.send(&garbage).await;
        drop(attacker);
    }
    let mut publisher = RawClient::connected(server.client_addr()).await;
    publisher.send(b"PUB watch 2\r\nok\r\n").await;
    publisher.until_pong().await;
    assert_eq!(bystander.until_pong().await, "MSG watch 1 2\r\nok\r\n");
}
