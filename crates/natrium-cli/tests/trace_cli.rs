//! `natrium trace` end to end, against natrium-server and the reference
//! nats-server: a delivered message (with and without --trace-only), a
//! stored one, and one nobody listens to, printed as `nats trace` does.

mod common;

use common::{both_servers, natrium, natrium_finish, natrium_spawn, natrium_text};

/// The lines that do not depend on which server answered (connection ids
/// and server names are the servers' own).
fn route(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            let line = match line.find(" cid:") {
                Some(at) => {
                    let rest = &line[at + 5..];
                    let end = rest.find(' ').unwrap_or(rest.len());
                    format!("{} cid:N{}", &line[..at], &rest[end..])
                }
                None => line.to_string(),
            };
            match line.find(" server:") {
                Some(at) => line[..at].to_string(),
                None => line,
            }
        })
        .collect()
}

#[test]
fn trace_prints_the_route_on_both_servers() {
    let mut routes = Vec::new();
    for (name, _server, url) in both_servers() {
        println!("against {name}");
        let config = r#"{"name":"ORDERS","subjects":["orders.>"],"storage":"memory"}"#;
        let created = natrium_text(&url, &["request", "$JS.API.STREAM.CREATE.ORDERS", config]);
        assert!(!created.contains("\"error\""), "{created}");
        let sub = natrium_spawn(&url, &["sub", "traced", "--count", "1"], "Subscribing");

        let only = natrium_text(&url, &["trace", "traced", "hello", "--trace-only"]);
        let delivered = natrium_text(&url, &["trace", "traced", "hello", "-H", "x-a:1"]);
        let received = natrium_finish(sub);
        let received = String::from_utf8_lossy(&received.stdout).to_string();
        assert!(received.contains("hello"), "delivered once: {received}");
        let stored = natrium_text(&url, &["trace", "orders.1", "--trace-only"]);
        let lonely = natrium_text(&url, &["trace", "nobody"]);
        let zipped = natrium_text(&url, &["trace", "nobody", "-H", "Accept-Encoding:gzip"]);
        let framed = natrium_text(&url, &["trace", "nobody", "-H", "Accept-Encoding:snappy"]);
        assert_eq!(route(&zipped), route(&lonely), "gzip reports are read");
        assert_eq!(route(&framed), route(&lonely), "snappy reports are read");
        let reports = natrium(&url, &["trace", "traced", "--json", "--trace-only"]);
        assert_eq!(reports[0]["events"][0]["type"], "in", "{reports}");
        assert_eq!(
            reports[0]["request"]["header"]["Nats-Trace-Only"][0],
            "true"
        );
        routes.push((
            route(&only),
            route(&delivered),
            route(&stored),
            route(&lonely),
        ));
    }
    let (only, delivered, stored, lonely) = &routes[0];
    assert_eq!(
        only[..4],
        [
            "Tracing message route to subject traced ".to_string(),
            String::new(),
            "Client \"natrium\" cid:N".to_string(),
            "--C Client \"natrium\" cid:N subject:\"traced\"".to_string(),
        ]
    );
    assert!(only.contains(&"  Client: 1".to_string()), "{only:?}");
    assert_eq!(
        delivered[0],
        "Tracing message route to subject traced with delivery to the final destination"
    );
    assert!(
        stored.contains(
            &"--J JetStream action:\"stored\" stream:\"ORDERS\" subject:\"orders.1\"".to_string()
        ),
        "{stored:?}"
    );
    assert!(stored.contains(&"  JetStream: 1".to_string()), "{stored:?}");
    assert!(
        lonely.contains(&"--X No active interest".to_string()),
        "{lonely:?}"
    );
    if let Some(reference) = routes.get(1) {
        assert_eq!(
            &routes[0], reference,
            "natrium-server and nats-server print the same route"
        );
    }
}
