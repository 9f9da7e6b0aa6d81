//! `natrium trace`: publishes a message with `Nats-Trace-Dest` and prints the
//! route the servers report for it, the way `nats trace` does.
//!
//! Each server the message passes sends one report (ADR-41) to the trace
//! inbox. The report of the server the message entered is the root; an
//! egress to another server names a hop (`1`, `1.2`, ...) and the report of
//! that server carries the same value in its `Nats-Trace-Hop` header, so the
//! reports form a tree, printed indented per server. A report announces in
//! `hops` how many more reports its egresses lead to, so collecting ends as
//! soon as all have arrived (or at the timeout).
//!
//! Rendering is a pure function of the reports ([`render`]) so it is tested
//! without a server.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{bail, Context as _};
use futures::StreamExt;
use serde_json::Value;

use crate::cli::trace::TraceArgs;
use crate::connection::{Connection, DEFAULT_TIMEOUT};
use crate::consumer::fields::parse_time;

const KIND_CLIENT: i64 = 0;
const KIND_JETSTREAM: i64 = 5;

pub async fn run(connection: &Connection, args: TraceArgs) -> anyhow::Result<()> {
    let timeout = connection.timeout_or(DEFAULT_TIMEOUT);
    let client = connection.connect().await?;
    let inbox = client.new_inbox();
    let mut reports = client
        .subscribe(inbox.clone())
        .await
        .context("cannot subscribe to the trace inbox")?;
    let mut headers = crate::messages::parse_headers(&args.headers)?.unwrap_or_default();
    headers.insert("Nats-Trace-Dest", inbox.as_str());
    if args.trace_only {
        headers.insert("Nats-Trace-Only", "true");
    }
    let payload = args.payload.clone().unwrap_or_default();
    client
        .publish_with_headers(args.subject.clone(), headers, payload.into())
        .await
        .context("cannot publish the traced message")?;
    client.flush().await.context("cannot write to the server")?;
    if !args.json {
        let deliver = if args.trace_only {
            ""
        } else {
            "with delivery to the final destination"
        };
        println!(
            "Tracing message route to subject {} {deliver}\n",
            args.subject
        );
    }
    let deadline = tokio::time::Instant::now() + timeout;
    let mut collected: Vec<Value> = Vec::new();
    let mut expected = 1;
    while collected.len() < expected {
        let Ok(next) = tokio::time::timeout_at(deadline, reports.next()).await else {
            break;
        };
        let Some(message) = next else { break };
        let encoding = message
            .headers
            .as_ref()
            .and_then(|h| h.get("Content-Encoding"))
            .map(|v| v.as_str().to_string());
        let Some(report) = decode(encoding.as_deref(), &message.payload) else {
            continue;
        };
        expected += report["hops"].as_u64().unwrap_or(0) as usize;
        collected.push(report);
    }
    if collected.is_empty() {
        bail!(
            "no trace report within {}: does the server support message tracing (nats-server 2.11 or later)?",
            crate::output::duration(timeout)
        );
    }
    if args.json {
        crate::output::print_json(&collected)?;
    } else {
        print!("{}", render(&collected, args.timestamp));
    }
    Ok(())
}

/// A report's JSON, uncompressed as its `Content-Encoding` says
/// (servers compress when the traced message asked with `Accept-Encoding`).
fn decode(encoding: Option<&str>, payload: &[u8]) -> Option<Value> {
    use std::io::Read as _;
    let mut plain = Vec::new();
    let body = match encoding {
        Some("gzip") => {
            flate2::read::GzDecoder::new(payload)
                .read_to_end(&mut plain)
                .ok()?;
            &plain[..]
        }
        Some("snappy") => {
            snap::read::FrameDecoder::new(payload)
                .read_to_end(&mut plain)
                .ok()?;
            &plain[..]
        }
        _ => payload,
    };
    serde_json::from_slice(body).ok()
}

/// The route as `nats trace` prints it: the tree of reports, the legend
/// and how many egresses of each kind there were.
pub fn render(reports: &[Value], timestamps: bool) -> String {
    let hop_of = |report: &Value| {
        report["request"]["header"]["Nats-Trace-Hop"][0]
            .as_str()
            .map(str::to_string)
    };
    let mut by_hop = BTreeMap::new();
    let mut root = None;
    for report in reports {
        match hop_of(report) {
            Some(hop) => {
                by_hop.insert(hop, report);
            }
            None => root = root.or(Some(report)),
        }
    }
    let Some(root) = root.or(reports.first()) else {
        return String::new();
    };
    let start = events(root)
        .iter()
        .find(|e| e["type"] == "in")
        .and_then(|e| e["ts"].as_str())
        .or(root["server"]["time"].as_str())
        .and_then(parse_time);
    let mut renderer = Renderer {
        out: String::new(),
        by_hop,
        start,
        timestamps,
        egress: BTreeMap::new(),
    };
    renderer.report(root, 0);
    let mut out = renderer.out;
    out.push('\n');
    out.push_str(
        "Legend: Client: --C Router: --> Gateway: ==> Leafnode: ~~> JetStream: --J Error: --X\n\n",
    );
    if !renderer.egress.is_empty() {
        out.push_str("Egress Count:\n\n");
        let mut counts: Vec<(&str, usize)> = renderer.egress.into_iter().collect();
        counts.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
        let width = counts.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (kind, count) in &counts {
            let _ = writeln!(out, "  {kind:>width$}: {count}");
        }
        out.push('\n');
        if let Some((_, n)) = counts.iter().find(|(k, _)| *k == "JetStream") {
            if *n > 1 {
                let _ = writeln!(out, "WARNING: The message was received by {n} streams");
            }
        }
    }
    out
}

fn events(report: &Value) -> &[Value] {
    report["events"].as_array().map_or(&[], Vec::as_slice)
}

fn text<'a>(event: &'a Value, key: &str) -> &'a str {
    event[key].as_str().unwrap_or("")
}

struct Renderer<'r> {
    out: String,
    by_hop: BTreeMap<String, &'r Value>,
    start: Option<time::OffsetDateTime>,
    timestamps: bool,
    /// Egresses by kind name, JetStream streams included.
    egress: BTreeMap<&'static str, usize>,
}

impl<'r> Renderer<'r> {
    fn line(&mut self, indent: usize, event: &Value, line: &str) {
        let prefix = " ".repeat(indent * 4);
        let stamp = if self.timestamps {
            format!("[{}] ", self.since(event))
        } else {
            String::new()
        };
        let _ = writeln!(self.out, "{prefix}{stamp}{line}");
    }

    /// The event's time after the message came in, as Go prints durations.
    fn since(&self, event: &Value) -> String {
        let at = event["ts"].as_str().and_then(parse_time);
        match (self.start, at) {
            (Some(start), Some(at)) => {
                let nanos = (at - start).whole_nanoseconds();
                if nanos < 0 {
                    "Skew".to_string()
                } else {
                    go_duration(((nanos + 500) / 1000 * 1000) as u128)
                }
            }
            _ => "0s".to_string(),
        }
    }

    fn report(&mut self, report: &'r Value, indent: usize) {
        let all = events(report);
        let of = |kind: &'static str| all.iter().filter(move |e| e["type"] == kind);
        let server = &report["server"];
        let ingress = of("in").next();
        if let Some(ingress) = ingress {
            let mut parts = vec![connection(ingress)];
            let cluster = text(server, "cluster");
            let kind = ingress["kind"].as_i64().unwrap_or(-1);
            if !cluster.is_empty() && (kind == KIND_CLIENT || kind == 2) {
                parts.push(format!("cluster:{cluster:?}"));
            }
            parts.push(format!("server:{:?}", text(server, "name")));
            parts.push(format!("version:{:?}", text(server, "ver")));
            self.line(indent, ingress, &parts.join(" "));
            if let Some(error) = ingress["error"].as_str() {
                self.line(indent, ingress, &format!("--X Error: {error}"));
            }
        }
        if let Some(mapping) = of("sm").next() {
            let line = format!("    Mapping subject:{:?}", text(mapping, "to"));
            self.line(indent, mapping, &line);
        }
        for import in of("si") {
            let line = format!(
                "    Service Import from:{:?} to:{:?} account:{:?}",
                text(import, "from"),
                text(import, "to"),
                text(import, "acc")
            );
            self.line(indent, import, &line);
        }
        for export in of("se") {
            let line = format!(
                "    Stream Export subject:{:?} account:{:?}",
                text(export, "to"),
                text(export, "acc")
            );
            self.line(indent, export, &line);
        }
        if let Some(js) = of("js").next() {
            let action = if js["nointerest"].as_bool().unwrap_or(false) {
                "no interest"
            } else {
                "stored"
            };
            let line = format!(
                "--J JetStream action:{action:?} stream:{:?} subject:{:?}",
                text(js, "stream"),
                text(js, "subject")
            );
            self.line(indent, js, &line);
            if let Some(error) = js["error"].as_str() {
                self.line(indent, js, &format!("--X Error: {error}"));
            }
            *self.egress.entry("JetStream").or_default() += 1;
        }
        let egresses: Vec<&Value> = of("eg").collect();
        let clean_client_ingress = ingress.is_some_and(|i| {
            i["kind"].as_i64() == Some(KIND_CLIENT) && i["error"].as_str().is_none()
        });
        if egresses.is_empty() && clean_client_ingress {
            let _ = writeln!(self.out, "{}--X No active interest", " ".repeat(indent * 4));
        }
        for egress in egresses {
            let kind = egress["kind"].as_i64().unwrap_or(-1);
            let mut parts = vec![arrow(kind).to_string(), connection(egress)];
            for (key, label) in [("acc", "account"), ("sub", "subject"), ("queue", "queue")] {
                let value = text(egress, key);
                if !value.is_empty() {
                    parts.push(format!("{label}:{value:?}"));
                }
            }
            self.line(indent, egress, &parts.join(" "));
            if let Some(error) = egress["error"].as_str() {
                self.line(indent, egress, &format!("  --X Error: {error}"));
            }
            *self.egress.entry(kind_name(kind)).or_default() += 1;
            let linked = egress["hop"]
                .as_str()
                .and_then(|hop| self.by_hop.get(hop).copied());
            if let Some(next) = linked {
                self.report(next, indent + 1);
            }
        }
    }
}

/// `Client "name" cid:5` (the name only when there is one).
fn connection(event: &Value) -> String {
    let kind = event["kind"].as_i64().unwrap_or(-1);
    let id = event["cid"].as_u64().unwrap_or(0);
    let prefix = match kind {
        0 => "cid",
        1 => "rid",
        2 => "gid",
        4 => "lid",
        _ => "id",
    };
    match event["name"].as_str().filter(|n| !n.is_empty()) {
        Some(name) => format!("{} {name:?} {prefix}:{id}", kind_name(kind)),
        None => format!("{} {prefix}:{id}", kind_name(kind)),
    }
}

fn kind_name(kind: i64) -> &'static str {
    match kind {
        0 => "Client",
        1 => "Router",
        2 => "Gateway",
        3 => "System",
        4 => "Leafnode",
        KIND_JETSTREAM => "JetStream",
        6 => "Account",
        _ => "Unknown Kind",
    }
}

fn arrow(kind: i64) -> &'static str {
    match kind {
        0 => "--C",
        KIND_JETSTREAM => "--J",
        1 => "-->",
        2 => "==>",
        4 => "~~>",
        _ => "",
    }
}

/// A duration as Go's `time.Duration.String` prints it: `0s`, `15µs`,
/// `1.234ms`, `2.5s`, `1m2s`.
fn go_duration(nanos: u128) -> String {
    fn trimmed(value: f64, unit: &str) -> String {
        let mut text = format!("{value:.9}");
        while text.ends_with('0') {
            text.pop();
        }
        if text.ends_with('.') {
            text.pop();
        }
        format!("{text}{unit}")
    }
    let d = Duration::from_nanos(nanos as u64);
    match nanos {
        0 => "0s".to_string(),
        n if n < 1_000 => format!("{n}ns"),
        n if n < 1_000_000 => trimmed(n as f64 / 1e3, "µs"),
        n if n < 1_000_000_000 => trimmed(n as f64 / 1e6, "ms"),
        _ => {
            let secs = d.as_secs();
            let (hours, minutes) = (secs / 3600, (secs % 3600) / 60);
            let rest = trimmed((secs % 60) as f64 + d.subsec_nanos() as f64 / 1e9, "s");
            match (hours, minutes) {
                (0, 0) => rest,
                (0, m) => format!("{m}m{rest}"),
                (h, m) => format!("{h}h{m}m{rest}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report() -> Value {
        json!({
            "server": {"name": "n1", "ver": "2.14.0", "id": "X", "time": "2026-01-01T00:00:00.000020Z"},
            "request": {"header": {"Nats-Trace-Dest": ["t"]}, "msgsize": 5},
            "events": [
                {"type": "in", "ts": "2026-01-01T00:00:00.000000Z", "kind": 0, "cid": 7, "name": "pub", "acc": "A", "subj": "map.in"},
                {"type": "sm", "ts": "2026-01-01T00:00:00.000001Z", "to": "map.out"},
                {"type": "si", "ts": "2026-01-01T00:00:00.000002Z", "acc": "B", "from": "map.out", "to": "svc"},
                {"type": "js", "ts": "2026-01-01T00:00:00.000003Z", "stream": "S", "subject": "svc"},
                {"type": "eg", "ts": "2026-01-01T00:00:00.0000154Z", "kind": 0, "cid": 8, "name": "sub", "acc": "B", "sub": "svc", "queue": "q"},
                {"type": "eg", "ts": "2026-01-01T00:00:00.001500Z", "kind": 0, "cid": 9, "sub": "svc", "error": "Not delivered because of no echo"}
            ]
        })
    }

    #[test]
    fn renders_the_route_as_nats_trace_does() {
        let text = render(&[report()], false);
        let expected = "\
Client \"pub\" cid:7 server:\"n1\" version:\"2.14.0\"
    Mapping subject:\"map.out\"
    Service Import from:\"map.out\" to:\"svc\" account:\"B\"
--J JetStream action:\"stored\" stream:\"S\" subject:\"svc\"
--C Client \"sub\" cid:8 account:\"B\" subject:\"svc\" queue:\"q\"
--C Client cid:9 subject:\"svc\"
  --X Error: Not delivered because of no echo

Legend: Client: --C Router: --> Gateway: ==> Leafnode: ~~> JetStream: --J Error: --X

Egress Count:

     Client: 2
  JetStream: 1

";
        assert_eq!(text, expected);
    }

    #[test]
    fn timestamps_and_no_interest() {
        let text = render(&[report()], true);
        assert!(text.contains("[1µs]     Mapping"), "{text}");
        assert!(text.contains("[15µs] --C Client \"sub\""), "{text}");
        assert!(text.contains("[1.5ms] --C Client cid:9"), "{text}");
        let lonely = json!({
            "server": {"name": "n1", "ver": "2.14.0"},
            "request": {"header": {}},
            "events": [{"type": "in", "ts": "2026-01-01T00:00:00Z", "kind": 0, "cid": 1, "acc": "A", "subj": "x"}]
        });
        let text = render(&[lonely], false);
        assert!(
            text.starts_with(
                "Client cid:1 server:\"n1\" version:\"2.14.0\"\n--X No active interest\n\nLegend"
            ),
            "{text}"
        );
        assert!(!text.contains("Egress Count"));
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(15_000), "15µs");
        assert_eq!(go_duration(1_234_000), "1.234ms");
        assert_eq!(go_duration(2_500_000_000), "2.5s");
        assert_eq!(go_duration(62_000_000_000), "1m2s");
    }
}
