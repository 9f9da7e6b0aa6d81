//! End-to-end tests of `natrium object ...`: a small round trip (add, put,
//! get, info, ls, watch, rm, seal) against natrium-server and the reference
//! nats-server, a file larger than 100 MiB that must come back byte for byte
//! (natrium-server only, to keep the suite quick), and the one-line
//! refusals (existing output file, missing input, unknown bucket or object).

mod common;

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use common::{
    both_servers, natrium, natrium_command, natrium_error, natrium_finish, natrium_spawn,
    natrium_text, natrium_with_stdin, num, start_natrium, TempDir,
};

/// Writes `size` bytes of a pattern that differs from block to block, one
/// block at a time.
fn write_file(path: &Path, size: usize) {
    let mut out = BufWriter::new(File::create(path).expect("create input"));
    let mut block = vec![0u8; 1 << 20];
    let mut written = 0;
    let mut round = 0u64;
    while written < size {
        for (at, byte) in block.iter_mut().enumerate() {
            *byte = ((at as u64).wrapping_mul(31) ^ round.wrapping_mul(7919)) as u8;
        }
        let take = block.len().min(size - written);
        out.write_all(&block[..take]).expect("write input");
        written += take;
        round += 1;
    }
    out.flush().expect("flush input");
}

/// Whether two files hold the same bytes, compared a block at a time.
fn same_bytes(left: &Path, right: &Path) -> bool {
    let (mut left, mut right) = (
        File::open(left).expect("open left"),
        File::open(right).expect("open right"),
    );
    let (mut a, mut b) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let read = left.read(&mut a).expect("read left");
        let mut filled = 0;
        while filled < read {
            let more = right.read(&mut b[filled..read]).expect("read right");
            if more == 0 {
                return false;
            }
            filled += more;
        }
        if a[..read] != b[..read] {
            return false;
        }
        if read == 0 {
            return right.read(&mut b).expect("read right") == 0;
        }
    }
}

#[test]
fn small_round_trip() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");
        let dir = TempDir::new();
        let input = dir.path().join("small.bin");
        write_file(&input, 300_000);
        let input_arg = input.to_str().expect("utf-8 path");

        let added = natrium_text(&url, &["object", "add", "FILES", "--metadata", "owner=ops"]);
        assert!(
            added.contains("Information for Object Store Bucket FILES"),
            "{added}"
        );
        assert!(added.contains("owner=ops"), "{added}");
        let put = ["object", "put", "FILES", input_arg, "--name", "small.bin"];
        let stored = natrium(&url, &[&put[..], &["--json", "-H", "kind:test"]].concat());
        assert_eq!(num(&stored["size"]), 300_000);
        assert!(stored["digest"]
            .as_str()
            .is_some_and(|d| d.starts_with("SHA-256=")));
        assert_eq!(stored["headers"]["kind"][0], "test", "{stored}");
        let error = natrium_error(&url, &put);
        assert!(
            error.contains("already exists") && error.contains("--force"),
            "{error}"
        );
        natrium_text(&url, &[&put[..], &["--force"]].concat());
        let stdin_put = ["object", "put", "FILES", "--name", "notes/hello.txt"];
        let output = natrium_with_stdin(&url, &stdin_put, b"hello\n");
        assert!(output.status.success(), "{output:?}");

        let listed = natrium(&url, &["object", "ls", "FILES", "--json"]);
        let names: Vec<&str> = listed
            .as_array()
            .expect("an array")
            .iter()
            .filter_map(|object| object["name"].as_str())
            .collect();
        assert_eq!(names, ["small.bin", "notes/hello.txt"]);
        assert!(natrium_text(&url, &["object", "ls", "FILES"]).contains("SHA-256 "));
        assert_eq!(natrium_text(&url, &["object", "ls", "--names"]), "FILES\n");
        assert_eq!(
            natrium(&url, &["object", "ls", "--json"])[0]["config"]["name"],
            "OBJ_FILES"
        );
        let info = natrium(&url, &["object", "info", "FILES", "small.bin", "--json"]);
        assert_eq!(num(&info["size"]), 300_000);
        let status = natrium(&url, &["object", "status", "FILES", "--json"]);
        assert_eq!(status["config"]["name"], "OBJ_FILES");

        // Into the current directory under the name's last part, then -O.
        let output = natrium_command(None)
            .current_dir(dir.path())
            .args([
                "--server",
                &url,
                "object",
                "get",
                "FILES",
                "notes/hello.txt",
            ])
            .output()
            .expect("natrium runs");
        assert!(output.status.success(), "{output:?}");
        assert_eq!(
            std::fs::read(dir.path().join("hello.txt")).ok(),
            Some(b"hello\n".to_vec())
        );
        let copy = dir.path().join("copy.bin");
        let copy_arg = copy.to_str().expect("utf-8 path");
        let get = ["object", "get", "FILES", "small.bin", "-O", copy_arg];
        let wrote = natrium_text(&url, &get);
        assert!(wrote.starts_with("Wrote: "), "{wrote}");
        assert!(same_bytes(&input, &copy));
        let error = natrium_error(&url, &get);
        assert!(
            error.contains("already exists") && error.contains("--force"),
            "{error}"
        );
        natrium_text(&url, &[&get[..], &["--force"]].concat());
        assert!(same_bytes(&input, &copy));

        // The watch shows what is there, then the deletion.
        let watch = natrium_spawn(
            &url,
            &["object", "watch", "FILES", "--count", "3"],
            "Watching",
        );
        let error = natrium_error(&url, &["object", "rm", "FILES", "small.bin"]);
        assert!(error.contains("without --force"), "{error}");
        natrium_text(&url, &["object", "rm", "FILES", "small.bin", "--force"]);
        let watched = String::from_utf8_lossy(&natrium_finish(watch).stdout).to_string();
        let lines: Vec<&str> = watched.lines().collect();
        assert_eq!(lines.len(), 3, "{watched}");
        assert!(
            lines[0].contains("] PUT FILES > small.bin: 293.0 KiB in 3 chunks"),
            "{watched}"
        );
        assert!(
            lines[1].contains("] PUT FILES > notes/hello.txt: 6 B in 1 chunks"),
            "{watched}"
        );
        assert!(lines[2].contains("] DEL FILES > small.bin"), "{watched}");
        let error = natrium_error(&url, &["object", "info", "FILES", "small.bin"]);
        assert!(
            error.contains("object small.bin not found in bucket FILES"),
            "{error}"
        );

        natrium_text(&url, &["object", "seal", "FILES", "--force"]);
        let error = natrium_error(&url, &put);
        assert!(error.contains("sealed"), "{error}");
        let error = natrium_error(&url, &["object", "del", "FILES"]);
        assert!(error.contains("without --force"), "{error}");
        natrium_text(&url, &["object", "del", "FILES", "--force"]);
        assert!(natrium_text(&url, &["object", "ls"]).contains("No Object Store buckets found"));
    }
}

#[test]
fn a_file_over_100_mib_comes_back_identical() {
    let server = start_natrium();
    let dir = TempDir::new();
    let input = dir.path().join("big.bin");
    let size = 110 << 20;
    write_file(&input, size);
    let output = dir.path().join("big.out");
    let (input_arg, output_arg) = (
        input.to_str().expect("utf-8 path"),
        output.to_str().expect("utf-8 path"),
    );
    natrium_text(&server.url, &["object", "add", "BIG"]);
    let stored = natrium(
        &server.url,
        &[
            "object", "put", "BIG", input_arg, "--name", "big.bin", "--json",
        ],
    );
    assert_eq!(num(&stored["size"]), size as u64);
    natrium_text(
        &server.url,
        &["object", "get", "BIG", "big.bin", "-O", output_arg],
    );
    assert_eq!(
        std::fs::metadata(&output).map(|m| m.len()).ok(),
        Some(size as u64)
    );
    assert!(
        same_bytes(&input, &output),
        "the object came back different"
    );
}

#[test]
fn misuse_ends_with_one_line() {
    for (name, _server, url) in both_servers() {
        println!("against {name}");
        let dir = TempDir::new();
        let missing = dir.path().join("missing.bin");
        let missing_arg = missing.to_str().expect("utf-8 path");
        let error = natrium_error(&url, &["object", "ls", "NOPE"]);
        assert!(
            error.contains("object store bucket NOPE not found"),
            "{error}"
        );
        let error = natrium_error(&url, &["object", "put", "NOPE", missing_arg]);
        assert!(
            error.contains("cannot read") && error.contains("missing.bin"),
            "{error}"
        );
        natrium_text(&url, &["object", "add", "OK"]);
        let error = natrium_error(&url, &["object", "get", "OK", "nothing", "-O", missing_arg]);
        assert!(
            error.contains("object nothing not found in bucket OK"),
            "{error}"
        );
        assert!(!missing.exists());
        let error = natrium_error(&url, &["object", "put", "OK"]);
        assert!(error.contains("--name"), "{error}");
        let error = natrium_error(&url, &["object", "add", "OK", "--metadata", "novalue"]);
        assert!(error.contains("KEY=VALUE"), "{error}");
    }
}
