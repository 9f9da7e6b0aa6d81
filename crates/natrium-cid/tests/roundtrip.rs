//! Round trips through the `{domain}.objects.*` service on an embedded
//! natrium-server: sizes around the chunk boundary and a 100 MiB file
//! streamed both ways, dedup, pins and gc, CAR export into a fresh server.

mod common;

use std::time::Duration;

use common::{known, pattern, start, PatternCheck, PatternReader};
use natrium_cid::client::PutOptions;
use natrium_cid::store::{BlockStore, StoreConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sizes_round_trip_with_the_ipfs_cids() {
    let node = start().await;
    let known = known();
    for name in [
        "empty",
        "one_byte",
        "chunk_minus_one",
        "chunk",
        "chunk_plus_one",
        "one_mib",
    ] {
        let size = known["sizes"][name].as_u64().expect("size") as usize;
        let bytes = pattern(size);
        let put = node.client.put_bytes(&bytes).await.expect("put");
        assert_eq!(put.cid.to_string(), known["files"][name], "{name}");
        assert_eq!(put.size, size as u64);
        let back = node
            .client
            .get_bytes(&put.cid.to_string())
            .await
            .expect("get");
        assert!(back == bytes, "{name}: content differs");
        let meta = node.client.meta(&put.cid.to_string()).await.expect("meta");
        assert_eq!(meta["size"], size as u64, "{name}: {meta}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_mib_streams_in_and_out() {
    let node = start().await;
    let len = 100 * 1024 * 1024;
    let put = node
        .client
        .put_reader(PatternReader { at: 0, len }, PutOptions::default())
        .await
        .expect("put");
    assert_eq!(put.cid.to_string(), known()["files"]["hundred_mib"]);
    assert_eq!(put.blocks, 400 + 3 + 1, "400 leaves, 3 nodes and the root");
    let mut check = PatternCheck::default();
    let got = node
        .client
        .get_to(&put.cid.to_string(), &mut check)
        .await
        .expect("get");
    assert_eq!((got, check.at, check.mismatches), (len, len, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_put_stores_nothing() {
    let node = start().await;
    let store = BlockStore::open(node.nats.clone(), &StoreConfig::new(common::DOMAIN))
        .await
        .expect("store");
    let bytes = pattern(3 * 256 * 1024 + 5);
    let first = node.client.put_bytes(&bytes).await.expect("put");
    assert_eq!((first.blocks, first.new_blocks), (5, 5));
    let usage = store.usage().await.expect("usage");
    let second = node.client.put_bytes(&bytes).await.expect("put again");
    assert_eq!((second.cid, second.new_blocks), (first.cid, 0));
    assert_eq!(store.usage().await.expect("usage"), usage, "no bytes added");
    // A file that shares its first chunk stores only what differs.
    let mut other = bytes.clone();
    other.truncate(2 * 256 * 1024);
    other.extend_from_slice(b"different tail");
    let third = node.client.put_bytes(&other).await.expect("put");
    assert_eq!(third.new_blocks, 2, "one new leaf and a new root");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gc_keeps_pinned_dags_only() {
    let node = start().await;
    let kept = node
        .client
        .put_reader(
            &pattern(600 * 1024)[..],
            PutOptions {
                pin: true,
                ..PutOptions::default()
            },
        )
        .await
        .expect("put pinned");
    let dropped = node
        .client
        .put_bytes(b"nobody pins this")
        .await
        .expect("put");
    let meta = node.client.meta(&kept.cid.to_string()).await.expect("meta");
    assert_eq!(meta["pinned"], true);
    let young = node.client.gc(Duration::from_secs(3600)).await.expect("gc");
    assert_eq!(young["deleted"], 0, "young blocks are kept: {young}");
    let report = node.client.gc(Duration::ZERO).await.expect("gc");
    assert_eq!(report["deleted"], 1, "{report}");
    let missing = node
        .client
        .get_bytes(&dropped.cid.to_string())
        .await
        .unwrap_err();
    assert_eq!(missing.code(), 404, "{missing}");
    assert_eq!(
        node.client
            .get_bytes(&kept.cid.to_string())
            .await
            .expect("get"),
        pattern(600 * 1024)
    );
    assert!(node.client.unpin(&kept.cid).await.expect("unpin"));
    let report = node.client.gc(Duration::ZERO).await.expect("gc");
    assert_eq!(report["deleted"], 4, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gc_keeps_the_old_leaves_of_a_young_root() {
    let node = start().await;
    let mut builder = natrium_cid::unixfs::FileBuilder::default();
    let mut blocks = Vec::new();
    builder.push(&pattern(512 * 1024 + 1), &mut blocks);
    builder.finish(&mut blocks);
    let root = blocks.pop().expect("root");
    for leaf in &blocks {
        node.client.put_block(leaf).await.expect("leaf");
    }
    // The leaves age past the grace period before their root arrives.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    node.client.put_block(&root).await.expect("root");
    let report = node.client.gc(Duration::from_secs(1)).await.expect("gc");
    assert_eq!(report["deleted"], 0, "{report}");
    let report = node.client.gc(Duration::ZERO).await.expect("gc");
    assert_eq!(report["deleted"], 4, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn car_export_imports_into_a_fresh_server() {
    let source = start().await;
    let bytes = pattern(1024 * 1024);
    let put = source.client.put_bytes(&bytes).await.expect("put");
    let mut car = Vec::new();
    let written = source
        .client
        .export_car(&put.cid, &mut car)
        .await
        .expect("export");
    assert_eq!(written, 5);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("one.car");
    std::fs::write(&path, &car).expect("write car");
    reference_reads_car(&path, &put.cid.to_string(), 5);

    let fresh = start().await;
    let imported = fresh.client.import_car(&car[..]).await.expect("import");
    assert_eq!(imported.roots, vec![put.cid]);
    assert_eq!((imported.blocks, imported.new_blocks), (5, 5));
    assert_eq!(
        fresh
            .client
            .get_bytes(&put.cid.to_string())
            .await
            .expect("get"),
        bytes
    );
    let walk_source = source
        .client
        .walk(&put.cid.to_string())
        .await
        .expect("walk");
    let walk_fresh = fresh.client.walk(&put.cid.to_string()).await.expect("walk");
    assert_eq!(walk_source, walk_fresh);

    // Parents before children (as `ipfs dag export` writes) imports too.
    let mut reversed = Vec::new();
    {
        let mut reader = natrium_cid::car::CarReader::new(&car[..])
            .await
            .expect("reads");
        let mut blocks = Vec::new();
        while let Some(block) = reader.next_block().await.expect("block") {
            blocks.push(block);
        }
        blocks.reverse();
        let mut writer = natrium_cid::car::CarWriter::new(&mut reversed, &[put.cid])
            .await
            .expect("writes");
        for block in &blocks {
            writer.write(block).await.expect("writes");
        }
        writer.finish().await.expect("finish");
    }
    let third = start().await;
    let imported = third
        .client
        .import_car(&reversed[..])
        .await
        .expect("import");
    assert_eq!(imported.new_blocks, 5);
    assert_eq!(
        third
            .client
            .get_bytes(&put.cid.to_string())
            .await
            .expect("get"),
        bytes
    );
}

/// The JS reference (@ipld/car) reads our CAR and re-hashes its blocks.
fn reference_reads_car(path: &std::path::Path, root: &str, blocks: u64) {
    if let Some(report) = common::reference(&["car".as_ref(), path.as_os_str()]) {
        assert_eq!(report["roots"], serde_json::json!([root]));
        assert_eq!(report["blocks"], blocks);
    }
}

/// A UnixFS directory made by the JS reference importer, moved in by CAR:
/// paths resolve through dag-pb link names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ipfs_directory_imports_and_resolves_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let car = dir.path().join("dir.car");
    let Some(entries) = common::reference(&["dir-car".as_ref(), car.as_os_str()]) else {
        return;
    };
    let node = start().await;
    let bytes = std::fs::read(&car).expect("car");
    let imported = node.client.import_car(&bytes[..]).await.expect("import");
    let root = entries["dir"].as_str().expect("dir").to_string();
    assert_eq!(imported.roots[0].to_string(), root);
    assert_eq!(imported.blocks, 6);
    let file = node
        .client
        .get_bytes(&format!("{root}/sub/b.bin"))
        .await
        .expect("get by name");
    assert!(file == pattern(300_000));
    assert_eq!(
        natrium_cid::unixfs::file_cid(&file, natrium_cid::HashAlg::Sha2_256)
            .cid
            .to_string(),
        entries["dir/sub/b.bin"],
        "natrium's CID of the file is the importer's"
    );
    assert_eq!(
        node.client
            .get_bytes(&format!("{root}/a.txt"))
            .await
            .expect("get"),
        b"hello world\n"
    );
    let meta = node.client.meta(&root).await.expect("meta");
    assert_eq!(meta["type"], "directory");
    let error = node.client.get_bytes(&root).await.unwrap_err();
    assert!(error.to_string().contains("directory"), "{error}");
    let names: Vec<_> = node
        .client
        .links(&root)
        .await
        .expect("links")
        .iter()
        .map(|l| l["name"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(names, ["a.txt", "sub"]);
    let sub = node
        .client
        .resolve(&format!("{root}/sub"))
        .await
        .expect("resolve");
    assert_eq!(sub.to_string(), entries["dir/sub"]);
}
