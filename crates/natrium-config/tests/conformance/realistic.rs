//! Whole configurations of the kind nats-server deployments use.

use natrium_config::Value;

use crate::support::{boolean, get, int, loader_with_env, parse, string};

/// A representative server config. nats-server 2.14 accepts it with `-t`
/// (once the certificate files named in `tls` exist).
pub const SERVER_CONF: &str = r#"# natrium / nats-server configuration
server_name: "n1-east"
listen: 0.0.0.0:4222
http_port: 8222
max_payload: 8MB
max_pending: 64MB
max_connections: 64K
write_deadline: "10s"
ping_interval: "2m"
ping_max: 3
debug: false
trace: off
logtime: true
log_file: /var/log/nats/nats.log

jetstream {
  store_dir: "/data"
  max_mem: 1GB
  max_file: 10GiB
  domain: east
}

authorization {
  timeout: 2.5
  ADMIN_PASS: "s3cr3t"
  users = [
    {user: admin, password: $ADMIN_PASS, permissions: {publish: ">", subscribe: ">"}}
    {user: "svc", password: '$2a$11$W2zko751KUvVy59mUTWmpOdWXn5XGbY6mBIl8e9QBUMSwrgBVlPGW'}
  ]
}

accounts {
  SYS: { users: [ {user: sys, password: sys} ] }
  A: {
    jetstream: enabled
    users: [
      {user: a, password: a}
    ]
    exports: [
      {stream: "orders.>"}
      {service: "help"}
    ]
  }
  B: {
    users: [ {user: b, password: b} ]
    imports: [
      {stream: {account: A, subject: "orders.>"}, prefix: "from_a"}
    ]
  }
}
system_account: SYS

cluster {
  name: east
  listen: 0.0.0.0:6222
  routes = [
    nats-route://n2:6222
    nats-route://n3:6222
  ]
}

leafnodes {
  remotes = [
    { url: "tls://connect.ngs.global:7422", credentials: "/etc/nats/ngs.creds" }
  ]
}

tls {
  cert_file: "/etc/nats/cert.pem"
  key_file:  "/etc/nats/key.pem"
  timeout: 2
  verify: true
}

mappings = {
  "orders.*": "orders.east.{{wildcard(1)}}"
}
"#;

#[test]
fn full_server_config() {
    let m = parse(SERVER_CONF);
    assert_eq!(string(&m, "server_name"), "n1-east");
    assert_eq!(string(&m, "listen"), "0.0.0.0:4222");
    assert_eq!(int(&m, "http_port"), 8222);
    assert_eq!(int(&m, "max_payload"), 8 << 20);
    assert_eq!(int(&m, "max_pending"), 64 << 20);
    assert_eq!(int(&m, "max_connections"), 64_000);
    assert_eq!(string(&m, "write_deadline"), "10s");
    assert_eq!(string(&m, "ping_interval"), "2m");
    assert!(!boolean(&m, "debug"));
    assert!(!boolean(&m, "trace"));
    assert!(boolean(&m, "logtime"));
    assert_eq!(string(&m, "log_file"), "/var/log/nats/nats.log");

    assert_eq!(string(&m, "jetstream.store_dir"), "/data");
    assert_eq!(int(&m, "jetstream.max_mem"), 1 << 30);
    assert_eq!(int(&m, "jetstream.max_file"), 10 << 30);

    assert_eq!(get(&m, "authorization.timeout").as_f64(), Some(2.5));
    assert_eq!(string(&m, "authorization.users.0.user"), "admin");
    assert_eq!(string(&m, "authorization.users.0.password"), "s3cr3t");
    assert_eq!(string(&m, "authorization.users.0.permissions.publish"), ">");
    assert_eq!(
        string(&m, "authorization.users.1.password"),
        "$2a$11$W2zko751KUvVy59mUTWmpOdWXn5XGbY6mBIl8e9QBUMSwrgBVlPGW"
    );
    // The variable's key stays in the map, flagged as used.
    let auth = get(&m, "authorization").as_map().expect("authorization");
    assert!(auth.entry("ADMIN_PASS").is_some_and(|e| e.used_as_variable));
    assert!(auth.entry("users").is_some_and(|e| !e.used_as_variable));

    let accounts = get(&m, "accounts").as_map().expect("accounts");
    assert_eq!(accounts.keys().collect::<Vec<_>>(), ["SYS", "A", "B"]);
    assert_eq!(string(&m, "accounts.A.jetstream"), "enabled");
    assert_eq!(string(&m, "accounts.A.users.0.user"), "a");
    assert_eq!(string(&m, "accounts.A.exports.0.stream"), "orders.>");
    assert_eq!(string(&m, "accounts.B.imports.0.stream.account"), "A");
    assert_eq!(string(&m, "accounts.B.imports.0.prefix"), "from_a");
    assert_eq!(string(&m, "system_account"), "SYS");

    assert_eq!(string(&m, "cluster.routes.1"), "nats-route://n3:6222");
    assert_eq!(
        string(&m, "leafnodes.remotes.0.url"),
        "tls://connect.ngs.global:7422"
    );
    assert!(boolean(&m, "tls.verify"));
    assert_eq!(int(&m, "tls.timeout"), 2);
    let mappings = get(&m, "mappings").as_map().expect("mappings");
    assert_eq!(
        mappings.get("orders.*").and_then(|v| v.value.as_str()),
        Some("orders.east.{{wildcard(1)}}")
    );
}

#[test]
fn twelve_factor_config_from_environment() {
    let conf = "port: $NATS_PORT\n\
                server_name: $HOSTNAME\n\
                jetstream { max_mem: $JS_MEM, store_dir: $JS_DIR }\n\
                authorization { token: $TOKEN }\n";
    let loader = loader_with_env(&[
        ("NATS_PORT", "4333"),
        ("HOSTNAME", "pod-7"),
        ("JS_MEM", "2GB"),
        ("JS_DIR", "\"/var/lib/nats js\""),
        ("TOKEN", "t0k3n"),
    ]);
    let m = loader.parse_str(conf).expect("parse");
    assert_eq!(int(&m, "port"), 4333);
    assert_eq!(string(&m, "server_name"), "pod-7");
    assert_eq!(int(&m, "jetstream.max_mem"), 2 << 30);
    assert_eq!(string(&m, "jetstream.store_dir"), "/var/lib/nats js");
    assert_eq!(string(&m, "authorization.token"), "t0k3n");
}

#[test]
fn values_are_cloned_not_shared() {
    let m = parse("defaults { max_mem: 1G }\na { js: $defaults }\nb { js: $defaults }\n");
    assert_eq!(int(&m, "a.js.max_mem"), 1_000_000_000);
    assert_eq!(get(&m, "a.js"), get(&m, "b.js"));
    assert!(matches!(get(&m, "defaults"), Value::Map(_)));
}
