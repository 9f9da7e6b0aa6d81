//! End-to-end tests of `natrium cid ...` against natrium-server's built-in
//! content store, and of `natrium cid serve` running the same service
//! against the reference nats-server.

mod common;

use common::{
    natrium, natrium_error, natrium_output, natrium_spawn, natrium_text, natrium_with_stdin,
    reference_binary, skip, start_natrium_with, start_server, TempDir,
};
use natrium_server::options::ContentStoreOptions;

fn with_store(options: natrium_server::ServerOptions) -> natrium_server::ServerOptions {
    natrium_server::ServerOptions {
        content_stores: vec![ContentStoreOptions {
            domain: "sales".into(),
            ..ContentStoreOptions::default()
        }],
        ..options
    }
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// `cid --domain sales ARGS...`.
fn sales<'a>(args: &[&'a str]) -> Vec<&'a str> {
    [&["cid", "--domain", "sales"][..], args].concat()
}

const ONE_MIB: &str = "bafybeiedpcapwld4tkgtzwahfofgn4wex5ryysf4se6hwpmlrsh4ntnrau";

#[test]
fn put_get_stat_ls_verify_pin_gc() {
    let server = start_natrium_with(with_store);
    let url = &server.url;
    let dir = TempDir::new();
    let input = dir.path().join("one.bin");
    std::fs::write(&input, pattern(1 << 20)).expect("write input");
    let cid = natrium_text(url, &sales(&["put", input.to_str().unwrap()]));
    assert_eq!(cid.trim(), ONE_MIB);
    let again = natrium(url, &sales(&["put", "--json", input.to_str().unwrap()]));
    assert_eq!(
        (again["cid"].as_str(), again["new_blocks"].as_u64()),
        (Some(ONE_MIB), Some(0))
    );

    let out = dir.path().join("back.bin");
    natrium_text(url, &sales(&["get", ONE_MIB, "-o", out.to_str().unwrap()]));
    assert!(std::fs::read(&out).expect("read back") == pattern(1 << 20));
    let refused = natrium_error(url, &sales(&["get", ONE_MIB, "-o", out.to_str().unwrap()]));
    assert!(refused.contains("--force"), "{refused}");

    let stat = natrium(url, &sales(&["stat", "--json", ONE_MIB]));
    assert_eq!(
        (
            stat["size"].as_u64(),
            stat["links"].as_u64(),
            stat["pinned"].as_bool()
        ),
        (Some(1 << 20), Some(4), Some(true))
    );
    let ls = natrium_text(url, &sales(&["ls", ONE_MIB]));
    assert_eq!(ls.lines().count(), 4);
    assert!(
        ls.lines()
            .all(|l| l.starts_with("bafkrei") && l.contains("\t262144\t")),
        "{ls}"
    );
    let verify = natrium_text(url, &sales(&["verify", ONE_MIB]));
    assert!(verify.contains("verified"), "{verify}");

    let stdin = natrium_with_stdin(url, &sales(&["put", "--no-pin", "-"]), b"hello world\n");
    assert_eq!(
        String::from_utf8_lossy(&stdin.stdout).trim(),
        "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"
    );
    let gc = natrium(url, &sales(&["gc", "--grace", "0s", "--json"]));
    assert_eq!(gc["deleted"], 1, "{gc}");
    let missing = natrium_error(
        url,
        &sales(&[
            "get",
            "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4",
        ]),
    );
    assert!(
        missing.contains("not found") && missing.contains("404"),
        "{missing}"
    );
    let bad = natrium_error(url, &sales(&["stat", "bafynot"]));
    assert!(bad.contains("malformed CID"), "{bad}");
    assert!(natrium_text(url, &sales(&["unpin", ONE_MIB])).contains("unpinned"));
}

#[test]
fn dag_documents_and_paths() {
    let server = start_natrium_with(with_store);
    let url = &server.url;
    let leaf = natrium_with_stdin(url, &sales(&["put", "-"]), b"hello world\n");
    let leaf = String::from_utf8_lossy(&leaf.stdout).trim().to_string();
    let doc = format!(
        r#"{{"name":"child1","links":[{{"name":"leaf","cid":{{"/":"{leaf}"}}}}],"size":12}}"#
    );
    let child = natrium_with_stdin(url, &sales(&["dag", "put"]), doc.as_bytes());
    assert!(
        child.status.success(),
        "{}",
        String::from_utf8_lossy(&child.stderr)
    );
    let child = String::from_utf8_lossy(&child.stdout).trim().to_string();
    assert_eq!(
        child,
        "bafyreiev4id5s3x5bzeyetwbzd3aaakgtnbfegile6ifj2y4n42rmfwnpa"
    );
    let got = natrium(url, &sales(&["dag", "get", &child]));
    assert_eq!(got["links"][0]["cid"]["/"], leaf.as_str());
    let content = natrium_output(url, &sales(&["get", &format!("{child}/leaf")]));
    assert_eq!(content.stdout, b"hello world\n");
    let walk = natrium_text(url, &sales(&["walk", &child]));
    assert_eq!(walk, format!("{child}\n  {leaf}\n"));
    let dangling = natrium_with_stdin(
        url,
        &sales(&["dag", "put"]),
        br#"{"x":{"/":"bafkreif2pall7dybz7vecqka3zo24irdwabwdi4wc55jznaq75q7eaavvu"}}"#,
    );
    assert_eq!(dangling.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&dangling.stderr).contains("not stored"));
}

#[test]
fn car_export_then_import_into_a_fresh_server() {
    let source = start_natrium_with(with_store);
    let dir = TempDir::new();
    let input = dir.path().join("one.bin");
    std::fs::write(&input, pattern(1 << 20)).expect("write input");
    natrium_text(&source.url, &sales(&["put", input.to_str().unwrap()]));
    let car = dir.path().join("one.car");
    natrium_text(
        &source.url,
        &sales(&["car", "export", ONE_MIB, "-o", car.to_str().unwrap()]),
    );

    let fresh = start_natrium_with(with_store);
    let truncated = dir.path().join("cut.car");
    let bytes = std::fs::read(&car).expect("car");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    let error = natrium_error(
        &fresh.url,
        &sales(&["car", "import", truncated.to_str().unwrap()]),
    );
    assert!(error.contains("truncated"), "{error}");
    let stat = natrium_output(
        &fresh.url,
        &sales(&[
            "stat",
            "--json",
            "bafkreibruh455iawsviqslif5c7uurdcfdemh22mtnytyzvnzn75kpejxy",
        ]),
    );
    assert_eq!(
        stat.status.code(),
        Some(1),
        "the truncated CAR stored nothing, not even its first leaf"
    );

    let imported = natrium(
        &fresh.url,
        &sales(&["car", "import", "--pin", "--json", car.to_str().unwrap()]),
    );
    assert_eq!(imported["roots"], serde_json::json!([ONE_MIB]));
    assert_eq!(imported["new_blocks"], 5);
    let back = natrium_output(&fresh.url, &sales(&["get", ONE_MIB]));
    assert!(back.stdout == pattern(1 << 20));
}

#[test]
fn serve_runs_the_store_against_the_reference_server() {
    let Some(binary) = reference_binary() else {
        return skip();
    };
    let store = TempDir::leak();
    let server = start_server(&binary, &["-js", "-sd", &store]);
    let mut service = natrium_spawn(&server.url, &sales(&["serve"]), "answering on");
    let put = natrium_with_stdin(&server.url, &sales(&["put", "-"]), &pattern(300_000));
    let cid = String::from_utf8_lossy(&put.stdout).trim().to_string();
    assert!(
        put.status.success() && cid.starts_with("bafybei"),
        "{}",
        String::from_utf8_lossy(&put.stderr)
    );
    let back = natrium_output(&server.url, &sales(&["get", &cid]));
    assert!(back.stdout == pattern(300_000));
    let _ = service.kill();
    let _ = service.wait();
}
