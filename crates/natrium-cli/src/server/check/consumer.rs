//! `server check consumer`: is a consumer keeping up — messages waiting to
//! be delivered or acknowledged, pull requests queued, redeliveries, and
//! how long ago it last delivered or saw an acknowledgement. Thresholds of
//! 0 are off, as in the nats CLI.

use std::time::Duration;

use super::{age, connect, Outcome, Perf};
use crate::cli::server::check::ConsumerCheck;
use crate::connection::Connection;
use crate::rtt::short_duration;

pub async fn check(connection: &Connection, limits: &ConsumerCheck) -> Outcome {
    let name = format!("{}_{}", limits.stream, limits.consumer);
    let mut outcome = Outcome::new("consumer", &name);
    let Some(client) = connect(connection, &mut outcome).await else {
        return outcome;
    };
    let jetstream = connection.jetstream(client);
    let info = match jetstream.get_stream(&limits.stream).await {
        Ok(stream) => stream
            .consumer_info(&limits.consumer)
            .await
            .map_err(|e| e.to_string()),
        Err(err) => Err(format!("stream {}: {err}", limits.stream)),
    };
    let info = match info {
        Ok(info) => info,
        Err(err) => {
            outcome.critical(format!(
                "could not load consumer {}: {err}",
                limits.consumer
            ));
            return outcome;
        }
    };
    let counts = [
        (
            "ack_pending",
            info.num_ack_pending as u64,
            limits.outstanding_ack_critical,
            "Ack Pending",
        ),
        (
            "pull_waiting",
            info.num_waiting as u64,
            limits.waiting_critical,
            "Waiting Pulls",
        ),
        (
            "pending",
            info.num_pending,
            limits.unprocessed_critical,
            "Unprocessed Messages",
        ),
        (
            "redelivered",
            info.num_redelivered as u64,
            limits.redelivery_critical,
            "Redelivered",
        ),
    ];
    for (metric, value, limit, label) in counts {
        let limit = limit.filter(|n| *n > 0);
        outcome
            .perf(Perf::new(metric, value as f64, "").thresholds(0.0, limit.unwrap_or(0) as f64));
        match limit {
            None => {}
            Some(limit) if value >= limit => outcome.critical(format!("{label}: {value}")),
            Some(_) => outcome.ok(format!("{label}: {value}")),
        }
    }
    let last_delivery = info
        .delivered
        .last_active
        .map(|t| age(t.unix_timestamp_nanos()));
    let last_ack = info
        .ack_floor
        .last_active
        .map(|t| age(t.unix_timestamp_nanos()));
    since(
        &mut outcome,
        ("last_delivery", "delivery", "No deliveries"),
        last_delivery,
        limits.last_delivery_critical,
    );
    since(
        &mut outcome,
        ("last_ack", "ack", "No acknowledgements"),
        last_ack,
        limits.last_ack_critical,
    );
    outcome
}

/// Judges how long ago something last happened (`None`: never); `names`
/// are the metric, the thing, and what to say when it never happened.
fn since(
    outcome: &mut Outcome,
    (metric, what, never): (&str, &str, &str),
    ago: Option<Duration>,
    limit: Option<Duration>,
) {
    let limit = limit.filter(|d| !d.is_zero());
    if let Some(ago) = ago {
        outcome.perf(
            Perf::new(metric, ago.as_secs_f64(), "s")
                .thresholds(0.0, limit.map_or(0.0, |d| d.as_secs_f64())),
        );
    }
    let Some(limit) = limit else { return };
    match ago {
        None => outcome.critical(never),
        Some(ago) if ago >= limit => {
            outcome.critical(format!("Last {what} {} ago", short_duration(ago)))
        }
        Some(ago) => outcome.ok(format!("Last {what} {} ago", short_duration(ago))),
    }
}
