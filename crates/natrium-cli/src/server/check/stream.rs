//! `server check stream`: is a stream there and alive — enough messages,
//! a recent newest message, the expected number of sources, and sources
//! and mirror keeping up (lag) and being heard from (last seen).
//!
//! `--msgs-warn/--msgs-critical N` trip at N messages or fewer, as in the
//! nats CLI; `--age-warn/--age-critical` look at the newest message.

use std::time::Duration;

use async_nats::jetstream::stream::SourceInfo;

use super::{age, connect, Outcome, Perf};
use crate::cli::server::check::StreamCheck;
use crate::connection::Connection;
use crate::rtt::short_duration;

pub async fn check(connection: &Connection, limits: &StreamCheck) -> Outcome {
    let mut outcome = Outcome::new("stream", &limits.stream);
    let Some(client) = connect(connection, &mut outcome).await else {
        return outcome;
    };
    let jetstream = connection.jetstream(client);
    let stream = match jetstream.get_stream(&limits.stream).await {
        Ok(stream) => stream,
        Err(err) => {
            outcome.critical(format!("could not load stream {}: {err}", limits.stream));
            return outcome;
        }
    };
    let info = stream.cached_info();
    let messages = info.state.messages;

    if limits.msgs_warn.is_some() || limits.msgs_critical.is_some() {
        let (warn, crit) = (limits.msgs_warn, limits.msgs_critical);
        outcome.perf(
            Perf::new("messages", messages as f64, "")
                .thresholds(warn.unwrap_or(0) as f64, crit.unwrap_or(0) as f64),
        );
        if crit.is_some_and(|crit| messages <= crit) {
            outcome.critical(format!("{messages} messages"));
        } else if warn.is_some_and(|warn| messages <= warn) {
            outcome.warn(format!("{messages} messages"));
        } else {
            outcome.ok(format!("{messages} messages"));
        }
    }

    if limits.age_warn.is_some() || limits.age_critical.is_some() {
        let (warn, crit) = (limits.age_warn, limits.age_critical);
        if messages == 0 {
            match crit {
                Some(_) => outcome.critical("no messages"),
                None => outcome.warn("no messages"),
            }
        } else {
            let newest = age(info.state.last_timestamp.unix_timestamp_nanos());
            outcome.perf(Perf::new("age", newest.as_secs_f64(), "s").thresholds(
                warn.map_or(0.0, |d| d.as_secs_f64()),
                crit.map_or(0.0, |d| d.as_secs_f64()),
            ));
            let text = format!("newest message {} old", short_duration(newest));
            if crit.is_some_and(|crit| newest >= crit) {
                outcome.critical(text);
            } else if warn.is_some_and(|warn| newest >= warn) {
                outcome.warn(text);
            } else {
                outcome.ok(text);
            }
        }
    }

    check_sources(&mut outcome, &info.sources, limits);
    if info.config.mirror.is_some() {
        check_mirror(&mut outcome, info.mirror.as_ref(), limits);
    }
    outcome
}

fn lag_limit(limits: &StreamCheck) -> Option<u64> {
    limits.lag_critical.filter(|lag| *lag > 0)
}

fn seen_limit(limits: &StreamCheck) -> Option<Duration> {
    limits.seen_critical.filter(|seen| !seen.is_zero())
}

/// Lagging at or beyond the limit; never heard from counts as inactive.
fn lagged(source: &SourceInfo, limit: Option<u64>) -> bool {
    limit.is_some_and(|limit| source.lag >= limit)
}

fn inactive(source: &SourceInfo, limit: Option<Duration>) -> bool {
    limit.is_some_and(|limit| source.active.is_none_or(|active| active >= limit))
}

fn check_sources(outcome: &mut Outcome, sources: &[SourceInfo], limits: &StreamCheck) {
    let count = sources.len();
    outcome.perf(Perf::new("sources", count as f64, "").thresholds(
        limits.min_sources.unwrap_or(0) as f64,
        limits.max_sources.unwrap_or(0) as f64,
    ));
    let too_few = limits.min_sources.is_some_and(|min| count < min);
    let too_many = limits.max_sources.is_some_and(|max| count > max);
    if too_few || too_many {
        outcome.critical(format!("{count} sources"));
    } else {
        outcome.ok(format!("{count} sources"));
    }
    let (lag, seen) = (lag_limit(limits), seen_limit(limits));
    if lag.is_none() && seen.is_none() {
        return;
    }
    let behind = sources.iter().filter(|s| lagged(s, lag)).count();
    let quiet = sources.iter().filter(|s| inactive(s, seen)).count();
    outcome.perf(Perf::new("sources_lagged", behind as f64, ""));
    outcome.perf(Perf::new("sources_inactive", quiet as f64, ""));
    if behind > 0 {
        outcome.critical(format!("{behind} sources are lagged"));
    } else {
        outcome.ok(format!("{count} sources current"));
    }
    if quiet > 0 {
        outcome.critical(format!("{quiet} sources are inactive"));
    } else {
        outcome.ok(format!("{count} sources active"));
    }
}

fn check_mirror(outcome: &mut Outcome, mirror: Option<&SourceInfo>, limits: &StreamCheck) {
    let (lag, seen) = (lag_limit(limits), seen_limit(limits));
    if lag.is_none() && seen.is_none() {
        return;
    }
    let Some(mirror) = mirror else {
        outcome.critical("mirror state missing");
        return;
    };
    outcome.perf(Perf::new("lag", mirror.lag as f64, "").thresholds(0.0, lag.unwrap_or(0) as f64));
    let active = mirror.active.unwrap_or(Duration::MAX);
    outcome.perf(
        Perf::new(
            "active",
            mirror.active.map_or(-1.0, |a| a.as_secs_f64()),
            "s",
        )
        .thresholds(0.0, seen.map_or(0.0, |s| s.as_secs_f64())),
    );
    let mut healthy = true;
    if lagged(mirror, lag) {
        outcome.critical(format!("Mirror Lag {}", mirror.lag));
        healthy = false;
    }
    if inactive(mirror, seen) {
        outcome.critical(match mirror.active {
            Some(_) => format!("Mirror Seen {} ago", short_duration(active)),
            None => "Mirror never seen".to_string(),
        });
        healthy = false;
    }
    if healthy {
        outcome.ok(format!("Mirror {}", mirror.name));
    }
}
