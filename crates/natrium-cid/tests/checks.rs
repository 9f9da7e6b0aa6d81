//! What the service refuses and what it detects: bad input gets a clear
//! error reply (`Nats-Service-Error-Code` + description) and stores nothing;
//! corruption is found by get and by verify; paths resolve through named
//! links; a reader role (publish permissions) can get but not put.

mod common;

use async_nats::HeaderMap;
use bytes::Bytes;
use common::{pattern, start, start_with, DOMAIN};
use natrium_cid::store::{key, BlockStore, StoreConfig};
use natrium_cid::{Block, Codec, HashAlg};
use natrium_server::options::{Permissions, SubjectPermission};
use natrium_server::UserOptions;

async fn store(nats: &async_nats::Client) -> BlockStore {
    BlockStore::open(nats.clone(), &StoreConfig::new(DOMAIN))
        .await
        .expect("store")
}

/// A plain request; returns (error code header, description header, body).
async fn raw_request(
    nats: &async_nats::Client,
    subject: &str,
    body: &[u8],
) -> (Option<String>, Option<String>, Bytes) {
    let reply = nats
        .request_with_headers(
            subject.to_string(),
            HeaderMap::new(),
            Bytes::copy_from_slice(body),
        )
        .await
        .expect("a reply");
    let header = |name: &str| {
        reply
            .headers
            .as_ref()
            .and_then(|h| h.get(name))
            .map(|v| v.as_str().to_string())
    };
    (
        header("Nats-Service-Error-Code"),
        header("Nats-Service-Error"),
        reply.payload,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_and_nothing_is_stored() {
    let node = start().await;
    let store = store(&node.nats).await;
    node.client.put_bytes(b"seed").await.expect("put");
    let before = store.usage().await.expect("usage");

    let hello = Block::new(Codec::Raw, HashAlg::Sha2_256, &b"hello"[..]);
    let subject = format!("sales.objects.put.{}", hello.cid());
    let (code, description, body) = raw_request(&node.nats, &subject, b"jello").await;
    assert_eq!(code.as_deref(), Some("409"));
    assert!(description
        .expect("description")
        .contains("does not hash to"));
    let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON error");
    assert_eq!(body["error"]["code"], 409);

    let (code, description, _) =
        raw_request(&node.nats, "sales.objects.put.bafynotacid", b"x").await;
    assert_eq!(code.as_deref(), Some("400"));
    assert!(description.expect("description").contains("malformed CID"));

    let (code, _, _) = raw_request(
        &node.nats,
        &format!("sales.objects.get.{}", hello.cid()),
        b"",
    )
    .await;
    assert_eq!(code.as_deref(), Some("404"));
    let (code, _, _) = raw_request(&node.nats, "sales.objects.frobnicate.x", b"").await;
    assert_eq!(code.as_deref(), Some("400"));

    // A document linking to a block the store does not have.
    let dangling = format!(
        r#"{{"links":[{{"name":"x","cid":{{"/":"{}"}}}}]}}"#,
        hello.cid()
    );
    let error = node
        .client
        .dag_put(dangling.as_bytes(), Codec::DagCbor)
        .await
        .unwrap_err();
    assert_eq!(error.code(), 409, "{error}");
    assert!(error.to_string().contains("not stored"), "{error}");
    let (code, _, _) = raw_request(&node.nats, "sales.objects.dag.put", b"{not json").await;
    assert_eq!(code.as_deref(), Some("400"));

    // A dag-pb node whose child is missing, sent as a block.
    let file = pattern(300 * 1024);
    let mut builder = natrium_cid::unixfs::FileBuilder::default();
    let mut blocks = Vec::new();
    builder.push(&file, &mut blocks);
    builder.finish(&mut blocks);
    let root = blocks.last().expect("root");
    let error = node.client.put_block(root).await.unwrap_err();
    assert_eq!(error.code(), 409, "{error}");

    // A truncated CAR stops at the break with an error.
    node.client.put_bytes(&file).await.expect("put");
    let mut car = Vec::new();
    node.client
        .export_car(root.cid(), &mut car)
        .await
        .expect("export");
    let fresh = start().await;
    let error = fresh
        .client
        .import_car(&car[..car.len() - 10])
        .await
        .unwrap_err();
    assert!(error.to_string().contains("truncated"), "{error}");
    let error = fresh.client.import_car(&b"\x05abc"[..]).await.unwrap_err();
    assert!(error.to_string().contains("CAR"), "{error}");

    store_is(&store, before, 3).await;
}

/// The store grew by exactly `extra_blocks` since `before` (the 300 KiB file).
async fn store_is(store: &BlockStore, before: (u64, u64), extra_blocks: u64) {
    let (_, messages) = store.usage().await.expect("usage");
    assert_eq!(
        messages,
        before.1 + extra_blocks,
        "only the good put stored anything"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corruption_is_detected_by_get_and_verify() {
    let node = start().await;
    let bytes = pattern(3 * 256 * 1024);
    let put = node.client.put_bytes(&bytes).await.expect("put");
    let report = node.client.verify(&put.cid).await.expect("verify");
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["blocks"], 4);

    // Rot one leaf in place, behind the service's back.
    let leaf = Block::new(
        Codec::Raw,
        HashAlg::Sha2_256,
        bytes[256 * 1024..512 * 1024].to_vec(),
    );
    let js = async_nats::jetstream::new(node.nats.clone());
    js.publish(
        format!("$CID.{DOMAIN}.B.{}", key(leaf.cid())),
        Bytes::from_static(b"rotten"),
    )
    .await
    .expect("publish")
    .await
    .expect("ack");

    let error = node
        .client
        .get_bytes(&put.cid.to_string())
        .await
        .unwrap_err();
    assert_eq!(error.code(), 422, "{error}");
    assert!(
        error.to_string().contains(&leaf.cid().to_string()),
        "{error}"
    );
    let report = node.client.verify(&put.cid).await.expect("verify");
    assert_eq!(report["ok"], false);
    assert_eq!(
        report["corrupt"],
        serde_json::json!([leaf.cid().to_string()])
    );
    let error = node.client.get_block(leaf.cid()).await.unwrap_err();
    assert_eq!(error.code(), 422, "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paths_resolve_through_named_links() {
    let node = start().await;
    let hello = node.client.put_bytes(b"hello world\n").await.expect("put");
    let child = format!(
        r#"{{"name":"child1","links":[{{"name":"leaf","cid":{{"/":"{}"}}}}],"size":12}}"#,
        hello.cid
    );
    let child = node
        .client
        .dag_put(child.as_bytes(), Codec::DagCbor)
        .await
        .expect("dag put");
    assert_eq!(child.to_string(), common::known()["docs"]["child_cbor"]);
    let root = format!(
        r#"{{"name":"root","links":[{{"name":"child1","cid":{{"/":"{child}"}}}}],"tags":["a","b"],"n":-3}}"#
    );
    let root = node
        .client
        .dag_put(root.as_bytes(), Codec::DagCbor)
        .await
        .expect("dag put");
    assert_eq!(root.to_string(), common::known()["docs"]["root_cbor"]);

    let path = format!("{root}/child1/leaf");
    assert_eq!(
        node.client.get_bytes(&path).await.expect("get by path"),
        b"hello world\n"
    );
    assert_eq!(
        node.client.resolve(&path).await.expect("resolve"),
        hello.cid
    );
    let doc: serde_json::Value = serde_json::from_slice(
        &node
            .client
            .dag_get(&format!("{root}/child1"))
            .await
            .expect("dag get"),
    )
    .expect("JSON");
    assert_eq!(doc["name"], "child1");
    let tag = node
        .client
        .dag_get(&format!("{root}/tags/1"))
        .await
        .expect("dag get value");
    assert_eq!(&tag[..], br#""b""#);
    let meta = node
        .client
        .meta(&format!("{root}/child1"))
        .await
        .expect("meta");
    assert_eq!(
        (meta["codec"].as_str(), meta["links"].as_u64()),
        (Some("dag-cbor"), Some(1))
    );
    let links = node.client.links(&root.to_string()).await.expect("links");
    assert_eq!(links[0]["cid"], child.to_string());
    let walk = node.client.walk(&root.to_string()).await.expect("walk");
    assert_eq!(
        walk.iter().map(|(c, d)| (*c, *d)).collect::<Vec<_>>(),
        vec![(root, 0), (child, 1), (hello.cid, 2)]
    );

    let error = node
        .client
        .get_bytes(&format!("{root}/nope"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), 400, "{error}");
    assert!(error.to_string().contains("nope"), "{error}");
    let error = node.client.get_bytes(&root.to_string()).await.unwrap_err();
    assert!(error.to_string().contains("dag.get"), "{error}");
    // A plain request gets a one-chunk file in one message.
    let reply = node
        .nats
        .request(format!("sales.objects.get.{path}"), Bytes::new())
        .await
        .expect("reply");
    assert_eq!(&reply.payload[..], b"hello world\n");
    assert_eq!(
        reply
            .headers
            .as_ref()
            .and_then(|h| h.get("Cid-End"))
            .map(|v| v.as_str()),
        Some("12")
    );
}

fn user(name: &str, publish: Option<&[&str]>) -> UserOptions {
    UserOptions {
        user: name.to_string(),
        password: "secret".to_string(),
        permissions: publish.map(|allow| Permissions {
            publish: SubjectPermission {
                allow: Some(allow.iter().map(|s| s.to_string()).collect()),
                deny: Vec::new(),
            },
            subscribe: SubjectPermission::default(),
            ..Permissions::default()
        }),
        ..UserOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_can_get_but_not_put() {
    let node = start_with(|mut options| {
        options.auth.users = vec![
            user("service", None),
            user(
                "reader",
                Some(&["sales.objects.get.>", "sales.objects.meta.>", "_INBOX.>"]),
            ),
        ];
        options
    })
    .await;
    let put = node
        .client
        .put_bytes(&pattern(100_000))
        .await
        .expect("service puts");
    let reader = async_nats::ConnectOptions::new()
        .user_and_password("reader".into(), "secret".into())
        .connect(node.server.client_url())
        .await
        .expect("reader connects");
    let client = natrium_cid::Client::new(reader.clone(), DOMAIN)
        .with_timeout(std::time::Duration::from_secs(2));
    assert_eq!(
        client
            .get_bytes(&put.cid.to_string())
            .await
            .expect("reader gets"),
        pattern(100_000)
    );
    assert!(client.meta(&put.cid.to_string()).await.is_ok());
    let store = store(&node.nats).await;
    let before = store.usage().await.expect("usage");
    assert!(
        client.put_bytes(b"not allowed").await.is_err(),
        "the reader's put is refused"
    );
    assert_eq!(
        store.usage().await.expect("usage"),
        before,
        "nothing stored"
    );
}
