//! The monitoring HTTP endpoints (`-m PORT`), in nats-server's JSON shapes.
//!
//! Dashboards, the nats CLI and Prometheus exporters read these documents, so
//! field names and units (nanosecond durations, RFC 3339 times) follow
//! nats-server. `/metrics` is natrium's addition: the same numbers in the
//! Prometheus text format, so no exporter sidecar is needed.

pub mod connz;
mod metrics;
pub mod other;
pub mod subsz;
pub mod varz;

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tracing::info;

use crate::server::{ServerShared, StartError};

/// Binds the monitoring listener and serves it in the background.
pub async fn start(
    shared: Arc<ServerShared>,
    host: &str,
    port: u16,
) -> Result<SocketAddr, StartError> {
    let addr = format!("{host}:{port}");
    let listener =
        TcpListener::bind(&addr)
            .await
            .map_err(|source| StartError::MonitorListener {
                addr: addr.clone(),
                source,
            })?;
    let local = listener
        .local_addr()
        .map_err(|source| StartError::MonitorListener { addr, source })?;
    info!("Starting http monitor on {host}:{}", local.port());
    tokio::spawn(async move {
        loop {
            let stream = tokio::select! {
                _ = shared_stopped(&shared) => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => continue,
                },
            };
            let shared = shared.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let shared = shared.clone();
                    async move { Ok::<_, Infallible>(route(&shared, request)) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(local)
}

async fn shared_stopped(shared: &ServerShared) {
    while !shared.is_shutting_down() {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Query parameters of a request, decoded.
pub struct Query(HashMap<String, String>);

impl Query {
    /// A query from already decoded pairs (`$SYS` requests carry their
    /// options as JSON, not in a URL).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Query {
        Query(pairs.into_iter().collect())
    }

    fn parse(query: Option<&str>) -> Query {
        let pairs = query
            .unwrap_or("")
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((key, value)) => (key.to_string(), value.to_string()),
                None => (pair.to_string(), String::new()),
            })
            .collect();
        Query(pairs)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Every pair, for deriving another query.
    pub fn pairs(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.0.iter().map(|(k, v)| (k.clone(), v.clone()))
    }

    /// Present and not "false"/"0" (nats-server accepts `?subs=1`, `?subs=true`, `?subs`).
    pub fn flag(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| !matches!(v, "false" | "0"))
    }

    pub fn number(&self, key: &str) -> Option<usize> {
        self.get(key).and_then(|v| v.parse().ok())
    }
}

fn route(shared: &ServerShared, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let options = shared.options();
    let base = options.http_base_path.trim_end_matches('/');
    let path = request.uri().path();
    let path = path.strip_prefix(base).unwrap_or(path);
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let query = Query::parse(request.uri().query());
    *shared
        .http_requests
        .lock()
        .entry(path.to_string())
        .or_insert(0) += 1;
    let json =
        |value: serde_json::Value| json_response(StatusCode::OK, &value, query.get("callback"));
    match path {
        "/" => html_index(),
        "/varz" => json(varz::varz(shared)),
        "/connz" => json(connz::connz(shared, &query)),
        "/subsz" | "/subscriptionsz" => json(subsz::subsz(shared, &query)),
        "/routez" => json(other::routez(shared)),
        "/gatewayz" => json(other::gatewayz(shared)),
        "/leafz" => json(other::leafz(shared)),
        "/accountz" => json(other::accountz(shared, &query)),
        "/accstatz" => json(other::accstatz(shared, &query)),
        "/jsz" => json(other::jsz(shared)),
        "/healthz" => {
            let (status, body) = other::healthz(shared, &query);
            json_response(status, &body, None)
        }
        "/metrics" => text_response(metrics::metrics(shared)),
        _ => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Full::new(Bytes::from_static(b"404 page not found\n")))
            .unwrap_or_default(),
    }
}

fn json_response(
    status: StatusCode,
    value: &serde_json::Value,
    callback: Option<&str>,
) -> Response<Full<Bytes>> {
    let mut body = serde_json::to_vec_pretty(value).unwrap_or_default();
    let mut content_type = "application/json";
    if let Some(callback) = callback {
        // JSONP, as nats-server offers it for browser dashboards.
        let mut wrapped = format!("{callback}(").into_bytes();
        wrapped.extend_from_slice(&body);
        wrapped.push(b')');
        body = wrapped;
        content_type = "application/javascript";
    }
    Response::builder()
        .status(status)
        .header("Content-Type", content_type)
        .header("Access-Control-Allow-Origin", "*")
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_default()
}

fn text_response(text: String) -> Response<Full<Bytes>> {
    Response::builder()
        .header("Content-Type", "text/plain; version=0.0.4")
        .body(Full::new(Bytes::from(text)))
        .unwrap_or_default()
}

fn html_index() -> Response<Full<Bytes>> {
    let links = [
        "varz", "connz", "routez", "gatewayz", "leafz", "subsz", "accountz", "healthz", "metrics",
    ]
    .iter()
    .map(|e| format!("<a href=\"./{e}\">{e}</a><br/>"))
    .collect::<String>();
    let body = format!("<html><body><h1>natrium-server</h1>{links}</body></html>");
    Response::builder()
        .header("Content-Type", "text/html")
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_default()
}

/// A subject index's statistics with nats-server's `/subsz` field names.
pub fn index_stats_json(stats: &natrium_subjects::IndexStats) -> serde_json::Value {
    serde_json::json!({
        "num_subscriptions": stats.num_subscriptions,
        "num_cache": stats.num_cache,
        "num_inserts": stats.num_inserts,
        "num_removes": stats.num_removes,
        "num_matches": stats.num_matches,
        "cache_hit_rate": stats.cache_hit_rate,
        "max_fanout": stats.max_fanout,
        "avg_fanout": stats.avg_fanout,
    })
}

/// RFC 3339 with nanoseconds, as Go's encoding/json writes a time.Time.
pub fn rfc3339(time: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(time).to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// A duration the way Go's `time.Duration.String()` rounds it for `uptime`: `1d2h3m4s`.
pub fn uptime_string(duration: std::time::Duration) -> String {
    let mut secs = duration.as_secs();
    let days = secs / 86_400;
    secs %= 86_400;
    let (hours, minutes, seconds) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    let mut out = String::new();
    if days > 0 {
        out.push_str(&format!("{days}d"));
    }
    if days > 0 || hours > 0 {
        out.push_str(&format!("{hours}h"));
    }
    if days > 0 || hours > 0 || minutes > 0 {
        out.push_str(&format!("{minutes}m"));
    }
    out.push_str(&format!("{seconds}s"));
    out
}

/// Resident memory of this process in bytes (Linux), 0 where unknown.
pub fn resident_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kb| kb * 1024)
}
