//! `server check connection`: can a client connect, how long does that
//! take, how long is a round trip, and does a message make it through the
//! server and back unchanged.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use super::{connect, Outcome, Perf};
use crate::cli::server::check::ConnectionCheck;
use crate::connection::{Connection, DEFAULT_TIMEOUT};
use crate::rtt::{short_duration, Loopback};

pub async fn check(connection: &Connection, limits: &ConnectionCheck) -> Outcome {
    let mut outcome = Outcome::new("connections", "Connection");
    let started = Instant::now();
    let Some(client) = connect(connection, &mut outcome).await else {
        return outcome;
    };
    let url = connection.url();
    let connect_time = started.elapsed();
    let (warn, crit) = (limits.connect_warn, limits.connect_critical);
    outcome.perf(seconds("connect_time", connect_time, warn, crit));
    if connect_time >= crit {
        outcome.critical(format!(
            "connected to {url}, connect time exceeded {}",
            short_duration(crit)
        ));
    } else if connect_time >= warn {
        outcome.warn(format!(
            "connected to {url}, connect time exceeded {}",
            short_duration(warn)
        ));
    } else {
        outcome.ok(format!(
            "connected to {url} in {}",
            short_duration(connect_time)
        ));
    }

    let timeout = connection.timeout_or(DEFAULT_TIMEOUT);
    let mut loopback = match Loopback::open(&client).await {
        Ok(loopback) => loopback,
        Err(err) => {
            outcome.critical(format!("cannot subscribe: {err:#}"));
            return outcome;
        }
    };
    // The first trip also registers the subscription; time the second.
    let rtt = match loopback.round_trip(timeout).await {
        Ok(_) => loopback.round_trip(timeout).await,
        Err(err) => Err(err),
    };
    match rtt {
        Ok(rtt) => {
            let (warn, crit) = (limits.rtt_warn, limits.rtt_critical);
            outcome.perf(seconds("rtt", rtt, warn, crit));
            judge(&mut outcome, rtt, warn, crit, "rtt time");
        }
        Err(err) => {
            outcome.critical(format!("rtt failed: {err:#}"));
            return outcome;
        }
    }

    let payload = probe_payload();
    match loopback.send(payload.clone(), timeout).await {
        Ok((took, echoed)) => {
            let (warn, crit) = (limits.req_warn, limits.req_critical);
            outcome.perf(seconds("request_time", took, warn, crit));
            if echoed != payload {
                outcome.critical("did not receive the message sent");
            }
            judge(&mut outcome, took, warn, crit, "round trip request");
        }
        Err(err) => outcome.critical(format!("round trip request failed: {err:#}")),
    }
    outcome
}

fn seconds(name: &str, value: Duration, warn: Duration, crit: Duration) -> Perf {
    Perf::new(name, value.as_secs_f64(), "s").thresholds(warn.as_secs_f64(), crit.as_secs_f64())
}

fn judge(outcome: &mut Outcome, took: Duration, warn: Duration, crit: Duration, what: &str) {
    if took >= crit {
        outcome.critical(format!("{what} took {}", short_duration(took)));
    } else if took >= warn {
        outcome.warn(format!("{what} took {}", short_duration(took)));
    } else {
        outcome.ok(format!("{what} {}", short_duration(took)));
    }
}

/// 100 bytes that differ per run, so an echo cannot be a stale message.
fn probe_payload() -> Bytes {
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let text: String = format!("{seed:032x}").chars().cycle().take(100).collect();
    Bytes::from(text)
}
