//! `natrium rtt`: how long a round trip to each server takes.
//!
//! async-nats has no public PING/PONG timer and its `flush` only empties the
//! socket buffer, so a round trip is measured the other way a client can: a
//! [`Loopback`] subscribes to a fresh inbox, publishes to it and waits for
//! the message to come back through the server. That is one network round
//! trip plus the server's routing, which is what an application sees.
//!
//! Like the nats CLI, every URL is a target, and a host name that resolves
//! to several addresses is timed at each of them (except with TLS or
//! credentials in the URL, where the name itself must be used). The first
//! round trip also registers the subscription, so it is a warm-up and not
//! counted.

use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context as _};
use async_nats::{Client, ServerAddr, Subscriber};
use bytes::Bytes;
use futures::StreamExt;
use serde::Serialize;

use crate::cli::rtt::RttArgs;
use crate::connection::{Connection, DEFAULT_TIMEOUT};
use crate::messages::rfc3339;
use crate::output;

/// A private inbox this client publishes to and hears back from.
pub struct Loopback {
    client: Client,
    inbox: String,
    echoes: Subscriber,
}

impl Loopback {
    pub async fn open(client: &Client) -> anyhow::Result<Loopback> {
        let inbox = client.new_inbox();
        let echoes = client
            .subscribe(inbox.clone())
            .await
            .context("cannot subscribe to an inbox")?;
        Ok(Loopback {
            client: client.clone(),
            inbox,
            echoes,
        })
    }

    /// Sends `payload` through the server and back; returns the time taken
    /// and what came back.
    pub async fn send(
        &mut self,
        payload: Bytes,
        timeout: Duration,
    ) -> anyhow::Result<(Duration, Bytes)> {
        let started = Instant::now();
        self.client
            .publish(self.inbox.clone(), payload)
            .await
            .context("cannot publish to the server")?;
        self.client
            .flush()
            .await
            .context("cannot write to the server")?;
        match tokio::time::timeout(timeout, self.echoes.next()).await {
            Ok(Some(echo)) => Ok((started.elapsed(), echo.payload)),
            Ok(None) => bail!("the connection to the server closed"),
            Err(_) => bail!(
                "the server did not echo a message within {}",
                output::duration(timeout)
            ),
        }
    }

    /// One empty message there and back.
    pub async fn round_trip(&mut self, timeout: Duration) -> anyhow::Result<Duration> {
        Ok(self.send(Bytes::new(), timeout).await?.0)
    }
}

/// A short duration with useful precision: `224µs`, `1.25ms`, `2.10s`.
pub fn short_duration(value: Duration) -> String {
    if value < Duration::from_millis(1) {
        format!("{}µs", value.as_micros())
    } else if value < Duration::from_secs(1) {
        format!("{:.2}ms", value.as_secs_f64() * 1000.0)
    } else {
        format!("{:.2}s", value.as_secs_f64())
    }
}

/// One URL as given, and the addresses it was timed at.
#[derive(Serialize)]
struct Target {
    url: String,
    results: Vec<Measurement>,
}

#[derive(Serialize)]
struct Measurement {
    time: String,
    address: String,
    /// Average round trip in nanoseconds; 0 when it failed.
    rtt: u64,
    /// The URL connected to (the address, or the URL itself when not split).
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub async fn run(connection: &Connection, args: RttArgs) -> anyhow::Result<()> {
    let timeout = connection.timeout_or(DEFAULT_TIMEOUT);
    let mut targets = Vec::new();
    for url in &connection.servers {
        let mut target = Target {
            url: label(url)?,
            results: Vec::new(),
        };
        for (address, connect_to) in addresses(connection, url).await? {
            let single = Connection {
                servers: vec![connect_to],
                ..connection.clone()
            };
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            let outcome = average(&single, args.round_trips(), timeout).await;
            target.results.push(Measurement {
                time: rfc3339(now),
                url: address.clone(),
                address,
                rtt: outcome.as_ref().map_or(0, |d| d.as_nanos() as u64),
                error: outcome.err().map(|err| format!("{err:#}")),
            });
        }
        targets.push(target);
    }
    if args.json {
        output::print_json(&targets)?;
    } else {
        print_human(&targets);
    }
    let failed = targets.iter().flat_map(|t| &t.results).find_map(|r| {
        r.error
            .as_ref()
            .map(|error| format!("{}: {error}", r.address))
    });
    match failed {
        Some(failure) => bail!("cannot time a round trip to {failure}"),
        None => Ok(()),
    }
}

fn print_human(targets: &[Target]) {
    let width = targets
        .iter()
        .flat_map(|t| &t.results)
        .map(|r| r.address.len() + 3)
        .max()
        .unwrap_or(3);
    for target in targets {
        println!("{}:\n", target.url);
        for result in &target.results {
            let rtt = match result.error {
                None => short_duration(Duration::from_nanos(result.rtt)),
                Some(_) => "failed".to_string(),
            };
            println!("{:>width$}: {rtt}", result.address);
        }
        println!();
    }
}

/// Connects, warms up, and averages `round_trips` loopback round trips.
async fn average(
    connection: &Connection,
    round_trips: u32,
    timeout: Duration,
) -> anyhow::Result<Duration> {
    let client = connection.connect().await?;
    let mut loopback = Loopback::open(&client).await?;
    loopback.round_trip(timeout).await?;
    let mut total = Duration::ZERO;
    for _ in 0..round_trips {
        total += loopback.round_trip(timeout).await?;
    }
    Ok(total / round_trips.max(1))
}

/// `scheme://host:port` of a URL, without any credentials in it.
fn label(url: &str) -> anyhow::Result<String> {
    let address: ServerAddr = url
        .parse()
        .map_err(|err| anyhow::anyhow!("invalid server URL {url:?}: {err}"))?;
    Ok(format!(
        "{}://{}",
        address.scheme(),
        join_host_port(address.host(), address.port())
    ))
}

/// The addresses to time for `url`: `(label, URL to connect to)` pairs.
async fn addresses(connection: &Connection, url: &str) -> anyhow::Result<Vec<(String, String)>> {
    let address: ServerAddr = url
        .parse()
        .map_err(|err| anyhow::anyhow!("invalid server URL {url:?}: {err}"))?;
    let uses_tls = address.scheme() == "tls"
        || connection.tls_ca.is_some()
        || connection.tls_cert.is_some()
        || connection.tls_first;
    let whole = vec![(label(url)?, url.to_string())];
    if uses_tls || address.has_user_pass() || address.host().parse::<IpAddr>().is_ok() {
        return Ok(whole);
    }
    let Ok(resolved) = tokio::net::lookup_host((address.host(), address.port())).await else {
        return Ok(whole);
    };
    let mut found: Vec<(String, String)> = Vec::new();
    for socket in resolved {
        let text = format!("{}://{socket}", address.scheme());
        if !found.iter().any(|(seen, _)| *seen == text) {
            found.push((text.clone(), text));
        }
    }
    Ok(if found.is_empty() { whole } else { found })
}

fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_keep_precision() {
        assert_eq!(short_duration(Duration::from_micros(224)), "224µs");
        assert_eq!(short_duration(Duration::from_micros(1250)), "1.25ms");
        assert_eq!(short_duration(Duration::from_millis(2100)), "2.10s");
    }

    #[test]
    fn labels_hide_credentials() {
        assert_eq!(
            label("nats://user:secret@127.0.0.1:4222").unwrap(),
            "nats://127.0.0.1:4222"
        );
        assert_eq!(label("localhost").unwrap(), "nats://localhost:4222");
    }
}
