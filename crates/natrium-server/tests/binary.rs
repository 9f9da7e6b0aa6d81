//! The `natrium-server` binary as operators and client test harnesses use it:
//! nats-server's flags, config files, log lines, pid file and signals.

mod common;

use std::process::Command;

use common::{path_str, temp_file, RawClient, ServerProcess};

const BIN: &str = env!("CARGO_BIN_EXE_natrium-server");

#[test]
fn random_port_is_logged_with_the_real_port() {
    let server = ServerProcess::start(&["-a", "127.0.0.1", "-p", "-1"]);
    assert_ne!(server.port, 0);
    let lines = server.log_lines();
    let listening = lines
        .iter()
        .find(|l| l.contains("Listening for client connections on"))
        .expect("listening line");
    assert!(
        listening.ends_with(&format!("127.0.0.1:{}", server.port)),
        "{listening}"
    );
    // nats-server's shape: [pid] date time [INF] message
    assert!(
        listening.starts_with('[') && listening.contains(" [INF] Listening"),
        "{listening}"
    );
    assert!(lines.iter().any(|l| l.ends_with("[INF] Server is ready")));
    std::net::TcpStream::connect(server.addr()).expect("accepts clients");
}

#[test]
fn version_help_and_unknown_flags() {
    let version = Command::new(BIN).arg("-v").output().unwrap();
    assert!(version.status.success());
    assert!(String::from_utf8_lossy(&version.stdout).contains("natrium-server: v"));
    let help = Command::new(BIN).arg("--help").output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--store_dir"));
    let bad = Command::new(BIN).arg("--no-such-flag").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr)
        .contains("flag provided but not defined: -no-such-flag"));
}

#[test]
fn config_file_is_applied_and_flags_override_it() {
    let (_dir, path) = temp_file(
        "server.conf",
        "# natrium test config\nlisten: 127.0.0.1:4999\nserver_name: $NAME\nmax_payload: 2KB\nauthorization {\n  users = [ {user: alice, password: secret} ]\n}\n",
    );
    // `$NAME` is not defined in the file, so it resolves from the environment.
    let server = ServerProcess::start_with_env(
        &["-c", path_str(&path), "-p", "-1"],
        &[("NAME", "from-env")],
    );
    let lines = server.log_lines();
    assert!(
        lines.iter().any(|l| l.contains("Name:     from-env")),
        "{lines:?}"
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut raw = RawClient::connect(server.addr()).await;
        raw.send(
            b"CONNECT {\"verbose\":false,\"user\":\"alice\",\"pass\":\"secret\"}\r\nPUB a 3000\r\n",
        )
        .await;
        assert_eq!(
            raw.until_closed().await,
            "-ERR 'Maximum Payload Violation'\r\n"
        );
    });
}

#[test]
fn bad_config_files_name_the_line() {
    let (_dir, path) = temp_file("bad.conf", "port: 4222\nfoo_bar: 2\n");
    let out = Command::new(BIN)
        .args(["-c", path_str(&path), "-t"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown field \"foo_bar\"") && stderr.contains(":2:"),
        "{stderr}"
    );

    let (_dir, path) = temp_file("syntax.conf", "port: 4222\nauthorization {\n  user: a\n");
    let out = Command::new(BIN)
        .args(["-c", path_str(&path), "-t"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "unterminated block must be refused");

    let (_dir, path) = temp_file("good.conf", "port: 4222\n");
    let out = Command::new(BIN)
        .args(["-c", path_str(&path), "-t"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("is valid"));
}

#[test]
fn sigterm_shuts_down_cleanly_and_removes_the_pid_file() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("natrium.pid");
    let mut server = ServerProcess::start(&["-p", "-1", "-P", path_str(&pid_file)]);
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(pid, server.child.id());
    server.signal(libc::SIGTERM);
    assert_eq!(server.wait(), Some(0));
    assert!(!pid_file.exists());
    assert!(server
        .log_lines()
        .iter()
        .any(|l| l.contains("Trapped \"terminated\" signal")));
}

#[test]
fn signal_flag_reaches_the_server_through_its_pid_file() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("natrium.pid");
    let mut server = ServerProcess::start(&["-p", "-1", "-P", path_str(&pid_file)]);
    let status = Command::new(BIN)
        .args(["--signal", &format!("quit={}", path_str(&pid_file))])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(server.wait(), Some(0));
}

#[test]
fn lame_duck_mode_tells_clients_and_then_exits() {
    let (_dir, path) = temp_file(
        "ldm.conf",
        "lame_duck_duration: \"1s\"\nlame_duck_grace_period: \"200ms\"\n",
    );
    let mut server = ServerProcess::start(&["-c", path_str(&path), "-p", "-1"]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut client = RawClient::connected(server.addr()).await;
        client.until_pong().await;
        server.signal(libc::SIGUSR2);
        let rest = client.until_closed().await;
        assert!(
            rest.starts_with("INFO {") && rest.contains("\"ldm\":true"),
            "{rest}"
        );
    });
    assert_eq!(server.wait(), Some(0));
    assert!(
        std::net::TcpStream::connect(server.addr()).is_err(),
        "no longer accepting"
    );
}

#[test]
fn accepted_but_unsupported_flags_warn() {
    let server = ServerProcess::start(&[
        "-p",
        "-1",
        "--cluster",
        "nats://127.0.0.1:6222",
        "-js",
        "-sd",
        "/tmp/natrium-test-js",
    ]);
    assert!(server
        .log_lines()
        .iter()
        .any(|l| l.contains("[WRN]") && l.contains("use a leafnode")));
}

#[test]
fn log_file_flag_writes_the_log_there() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("natrium.log");
    let mut child = Command::new(BIN)
        .args(["-p", "-1", "-l", path_str(&log)])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut text = String::new();
    for _ in 0..500 {
        text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("Server is ready") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        text.contains("[INF] Listening for client connections on"),
        "{text}"
    );
    assert!(text.contains("[INF] Server is ready"), "{text}");
}

#[test]
fn reload_applies_auth_and_limits_and_keeps_what_cannot_change() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("server.conf");
    let pid_file = dir.path().join("natrium.pid");
    std::fs::write(
        &config,
        "max_payload: 1KB\nauthorization { users = [ {user: a, password: old} ] }\n",
    )
    .unwrap();
    let server = ServerProcess::start(&[
        "-c",
        path_str(&config),
        "-a",
        "127.0.0.1",
        "-p",
        "-1",
        "-P",
        path_str(&pid_file),
    ]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut old_session = runtime.block_on(async {
        let mut client = RawClient::connect(server.addr()).await;
        client
            .send(b"CONNECT {\"verbose\":false,\"user\":\"a\",\"pass\":\"old\"}\r\n")
            .await;
        assert_eq!(client.until_pong().await, "");
        client
    });

    std::fs::write(
        &config,
        "max_payload: 2KB\nhttp_port: 18321\nauthorization { users = [ {user: a, password: new} ] }\n",
    )
    .unwrap();
    let status = Command::new(BIN)
        .args(["--signal", &format!("reload={}", path_str(&pid_file))])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + common::HANG_GUARD;
    while !server
        .log_lines()
        .iter()
        .any(|l| l.contains("Reloaded server configuration"))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no reload: {:?}",
            server.log_lines()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let lines = server.log_lines();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("[WRN]") && l.contains("'http_port'")),
        "{lines:?}"
    );

    runtime.block_on(async {
        // The session authenticated with the old password is closed.
        assert_eq!(
            old_session.until_closed().await,
            "-ERR 'Authorization Violation'\r\n"
        );
        let mut refused = RawClient::connect(server.addr()).await;
        refused
            .send(b"CONNECT {\"verbose\":false,\"user\":\"a\",\"pass\":\"old\"}\r\n")
            .await;
        assert_eq!(
            refused.until_closed().await,
            "-ERR 'Authorization Violation'\r\n"
        );
        let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        let mut info = vec![0u8; 2048];
        let n = tokio::io::AsyncReadExt::read(&mut stream, &mut info)
            .await
            .unwrap();
        assert!(String::from_utf8_lossy(&info[..n]).contains("\"max_payload\":2048"));
        let mut fresh = RawClient::connect(server.addr()).await;
        fresh
            .send(b"CONNECT {\"verbose\":false,\"user\":\"a\",\"pass\":\"new\"}\r\n")
            .await;
        assert_eq!(fresh.until_pong().await, "");
    });
}
