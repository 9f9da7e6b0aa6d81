//! The monitoring endpoints answer in nats-server's JSON shapes.

mod common;

use common::{client, embedded, http_get, http_json, sync};
use natrium_server::ServerOptions;

async fn monitored() -> natrium_server::Server {
    let options = ServerOptions {
        http_host: "127.0.0.1".into(),
        http_port: Some(0),
        ..ServerOptions::ephemeral()
    };
    embedded(options).await
}

#[tokio::test]
async fn varz_reports_identity_limits_and_traffic() {
    let server = monitored().await;
    let monitor = server.monitor_addr().expect("monitoring enabled");
    let nc = client(&server).await;
    let _sub = nc.subscribe("x").await.unwrap();
    nc.publish("x", "hello".into()).await.unwrap();
    sync(&nc).await;
    let varz = http_json(monitor, "/varz").await;
    assert_eq!(varz["server_id"].as_str().unwrap().len(), 56);
    assert_eq!(varz["port"], server.client_addr().port());
    assert_eq!(varz["max_payload"], 1024 * 1024);
    assert_eq!(varz["max_pending"], 64 * 1024 * 1024);
    assert_eq!(varz["ping_interval"], 120_000_000_000u64);
    assert_eq!(varz["connections"], 1);
    // "hello", plus sync's empty probe message (published and delivered once).
    assert_eq!(varz["in_msgs"], 2);
    assert_eq!(varz["out_msgs"], 2);
    assert_eq!(varz["in_bytes"], 5);
    assert!(varz["subscriptions"].as_u64().unwrap() >= 1);
    assert_eq!(varz["slow_consumers"], 0);
    for field in [
        "start",
        "now",
        "uptime",
        "mem",
        "cores",
        "http_req_stats",
        "version",
        "write_deadline",
    ] {
        assert!(varz.get(field).is_some(), "varz lacks {field}");
    }
}

#[tokio::test]
async fn connz_lists_connections_with_subscriptions_paging_and_closed_state() {
    let server = monitored().await;
    let monitor = server.monitor_addr().unwrap();
    let named = async_nats::ConnectOptions::new()
        .name("orders-service")
        .connect(server.client_url())
        .await
        .unwrap();
    let _a = named.subscribe("orders.>").await.unwrap();
    let _b = named
        .queue_subscribe("orders.new", "q".into())
        .await
        .unwrap();
    sync(&named).await;
    let other = client(&server).await;
    sync(&other).await;

    let connz = http_json(monitor, "/connz?subs=1").await;
    assert_eq!(connz["num_connections"], 2);
    assert_eq!(connz["total"], 2);
    let conns = connz["connections"].as_array().unwrap();
    let orders = conns
        .iter()
        .find(|c| c["name"] == "orders-service")
        .expect("named connection");
    assert_eq!(orders["subscriptions"], 2);
    assert_eq!(orders["lang"], "rust");
    let mut subs: Vec<_> = orders["subscriptions_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    subs.sort();
    assert_eq!(subs, ["orders.>", "orders.new"]);
    for field in [
        "cid",
        "kind",
        "type",
        "ip",
        "port",
        "start",
        "last_activity",
        "uptime",
        "idle",
        "pending_bytes",
        "in_msgs",
        "out_msgs",
    ] {
        assert!(orders.get(field).is_some(), "connz lacks {field}");
    }

    let page = http_json(monitor, "/connz?sort=subs&limit=1").await;
    assert_eq!(page["num_connections"], 1);
    assert_eq!(page["limit"], 1);
    assert_eq!(page["connections"][0]["name"], "orders-service");

    let detail = http_json(monitor, "/connz?subs=detail").await;
    let details = detail["connections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "orders-service")
        .unwrap();
    assert!(details["subscriptions_list_detail"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["qgroup"] == "q"));

    drop(other);
    let closed = tokio::time::timeout(common::HANG_GUARD, async {
        loop {
            let closed = http_json(monitor, "/connz?state=closed").await;
            if closed["total"] == 1 {
                return closed;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(closed["connections"][0]["reason"], "Client Closed");
    assert!(closed["connections"][0].get("stop").is_some());
}

#[tokio::test]
async fn subsz_health_and_the_empty_cluster_endpoints() {
    let server = monitored().await;
    let monitor = server.monitor_addr().unwrap();
    let nc = client(&server).await;
    let _sub = nc.queue_subscribe("svc.>", "workers".into()).await.unwrap();
    sync(&nc).await;

    // The filter leaves the client's subscription (the system account's
    // own subscriptions are counted too, as in nats-server).
    let subsz = http_json(monitor, "/subsz?subs=1&test=svc.x").await;
    assert!(subsz["num_subscriptions"].as_u64().unwrap() >= 1);
    assert_eq!(subsz["total"], 1);
    let entry = &subsz["subscriptions_list"][0];
    assert_eq!(
        (
            entry["subject"].as_str(),
            entry["qgroup"].as_str(),
            entry["account"].as_str()
        ),
        (Some("svc.>"), Some("workers"), Some("$G"))
    );
    for field in [
        "num_cache",
        "num_inserts",
        "num_removes",
        "num_matches",
        "cache_hit_rate",
        "max_fanout",
        "avg_fanout",
    ] {
        assert!(subsz.get(field).is_some(), "subsz lacks {field}");
    }

    assert_eq!(
        http_json(monitor, "/healthz").await,
        serde_json::json!({"status": "ok"})
    );
    let (status, _) = http_get(monitor, "/healthz?js-enabled-only=true").await;
    assert_eq!(status, 503, "JetStream is not enabled");
    assert_eq!(http_json(monitor, "/routez").await["num_routes"], 0);
    assert_eq!(http_json(monitor, "/leafz").await["leafnodes"], 0);
    assert!(http_json(monitor, "/gatewayz").await["outbound_gateways"].is_object());
    let accounts = http_json(monitor, "/accountz").await;
    assert_eq!(accounts["accounts"], serde_json::json!(["$G", "$SYS"]));
    let global = http_json(monitor, "/accountz?acc=$G").await;
    // The client's one and the four system imports every account has (as
    // nats-server counts them).
    assert_eq!(global["account_detail"]["subscriptions"], 5);
    assert_eq!(global["account_detail"]["client_connections"], 1);
    let (status, _) = http_get(monitor, "/nope").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn metrics_are_prometheus_text() {
    let server = monitored().await;
    let monitor = server.monitor_addr().unwrap();
    let nc = client(&server).await;
    nc.publish("m", "x".into()).await.unwrap();
    sync(&nc).await;
    let (status, body) = http_get(monitor, "/metrics").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("# TYPE gnatsd_varz_in_msgs counter"),
        "{body}"
    );
    let in_msgs = body
        .lines()
        .find(|l| l.starts_with("gnatsd_varz_in_msgs{"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse::<f64>().ok());
    // The published message and sync's probe.
    assert_eq!(in_msgs, Some(2.0));
    assert!(body.contains("gnatsd_varz_connections{"));
    // Per account, labelled by account: the global account has the client.
    let global_connections = body
        .lines()
        .find(|l| {
            l.starts_with("gnatsd_accstatz_current_connections{") && l.contains("account=\"$G\"")
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse::<f64>().ok());
    assert_eq!(global_connections, Some(1.0), "{body}");
}
