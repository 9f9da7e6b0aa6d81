//! Known-answer tests: natrium-cid's CIDs equal the reference IPFS/IPLD
//! implementations' for the same bytes and options.
//!
//! The expected values are in tests/data/known.json, produced by
//! `cd tests/cid-reference && npm ci && node reference.mjs` (ipfs-unixfs-importer,
//! @ipld/dag-cbor, @ipld/dag-json with their defaults, which are those of
//! `ipfs add --cid-version=1 --raw-leaves`). `reference_implementation_agrees`
//! re-runs that script when its node_modules are installed (scripts/test
//! installs them) so the recorded values cannot go stale.

mod common;

use common::known;
use natrium_cid::block::{parse_cid, Codec};
use natrium_cid::dag;
use natrium_cid::unixfs::file_cid;
use natrium_cid::{Block, HashAlg};

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

#[test]
fn files_match_ipfs() {
    let known = known();
    assert_eq!(
        file_cid(b"hello world\n", HashAlg::Sha2_256)
            .cid
            .to_string(),
        known["files"]["hello_world"]
    );
    for (name, size) in known["sizes"].as_object().expect("sizes") {
        let size = size.as_u64().expect("size") as usize;
        let root = file_cid(&pattern(size), HashAlg::Sha2_256);
        assert_eq!(root.size, size as u64);
        assert_eq!(
            root.cid.to_string(),
            known["files"][name],
            "{name} ({size} bytes)"
        );
    }
}

#[test]
fn documents_match_ipld() {
    let known = known();
    let hello = known["files"]["hello_world"].as_str().expect("cid");
    let child = format!(
        r#"{{"name":"child1","links":[{{"name":"leaf","cid":{{"/":"{hello}"}}}}],"size":12}}"#
    );
    let child_value = dag::from_dag_json(child.as_bytes()).expect("DAG-JSON");
    let cbor = dag::encode(&child_value, Codec::DagCbor, HashAlg::Sha2_256).expect("encodes");
    assert_eq!(cbor.cid().to_string(), known["docs"]["child_cbor"]);
    let json = dag::encode(&child_value, Codec::DagJson, HashAlg::Sha2_256).expect("encodes");
    assert_eq!(json.cid().to_string(), known["docs"]["child_json"]);
    let root = format!(
        r#"{{"name":"root","links":[{{"name":"child1","cid":{{"/":"{}"}}}}],"tags":["a","b"],"n":-3}}"#,
        cbor.cid()
    );
    let root_value = dag::from_dag_json(root.as_bytes()).expect("DAG-JSON");
    let root = dag::encode(&root_value, Codec::DagCbor, HashAlg::Sha2_256).expect("encodes");
    assert_eq!(root.cid().to_string(), known["docs"]["root_cbor"]);
    let abc = Block::new(Codec::Raw, HashAlg::Sha2_256, &b"abc"[..]);
    assert_eq!(abc.cid().to_string(), known["docs"]["raw_abc"]);
    // The links of the nested document, by name.
    let links = root.links().expect("links");
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].name, "links/0/cid");
    assert_eq!(links[0].cid, *cbor.cid());
}

#[test]
fn cidv0_is_accepted_for_reading() {
    let v0 = parse_cid("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn").expect("CIDv0");
    assert_eq!(v0.version(), cid::Version::V0);
    assert_eq!(
        natrium_cid::store::key(&v0),
        "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354"
    );
    assert!(parse_cid("bafy-not-a-cid").is_err());
    assert!(parse_cid("").is_err());
}

#[test]
fn blake3_is_an_option() {
    let block = Block::new(Codec::Raw, HashAlg::Blake3, &b"abc"[..]);
    assert_eq!(block.cid().hash().code(), 0x1e);
    Block::verified(*block.cid(), &b"abc"[..]).expect("verifies");
    assert!(Block::verified(*block.cid(), &b"abd"[..]).is_err());
}

#[test]
fn reference_implementation_agrees() {
    if let Some(fresh) = common::reference(&[]) {
        assert_eq!(fresh, common::known());
    }
}
