//! `server check jetstream`: the account's JetStream use against its
//! limits. Each resource gets two metrics (the amount and the percentage
//! of its limit); percentages above the thresholds warn or go critical,
//! unlimited resources count as 0%. A threshold of -1 turns that test off.

use super::{connect, Outcome, Perf};
use crate::cli::server::check::JetStreamCheck;
use crate::connection::Connection;
use crate::output;

pub async fn check(connection: &Connection, limits: &JetStreamCheck) -> Outcome {
    let mut outcome = Outcome::new("jetstream", "JetStream");
    let Some(client) = connect(connection, &mut outcome).await else {
        return outcome;
    };
    let jetstream = connection.jetstream(client);
    let account = match jetstream.query_account().await {
        Ok(account) => account,
        Err(err) => {
            outcome.critical(format!("JetStream not available: {err}"));
            return outcome;
        }
    };
    let usage = [
        (
            "memory",
            "B",
            limits.mem_warn,
            limits.mem_critical,
            account.limits.max_memory,
            account.memory,
        ),
        (
            "storage",
            "B",
            limits.store_warn,
            limits.store_critical,
            account.limits.max_storage,
            account.storage,
        ),
        (
            "streams",
            "",
            limits.streams_warn,
            limits.streams_critical,
            account.limits.max_streams,
            account.streams as u64,
        ),
        (
            "consumers",
            "",
            limits.consumers_warn,
            limits.consumers_critical,
            account.limits.max_consumers,
            account.consumers as u64,
        ),
    ];
    for (item, unit, warn, crit, limit, used) in usage {
        judge(&mut outcome, item, unit, (warn, crit), limit, used);
    }
    if outcome.status().code() == 0 {
        outcome.ok(format!(
            "{} streams, {} consumers, {} memory, {} storage",
            account.streams,
            account.consumers,
            output::bytes(account.memory),
            output::bytes(account.storage)
        ));
    }
    outcome
}

fn judge(
    outcome: &mut Outcome,
    item: &str,
    unit: &'static str,
    (warn, crit): (i64, i64),
    limit: Option<i64>,
    used: u64,
) {
    let percent = match limit {
        Some(limit) if limit > 0 => (used as f64 / limit as f64 * 100.0) as i64,
        _ => 0,
    };
    outcome.perf(Perf::new(item, used as f64, unit));
    outcome.perf(
        Perf::new(&format!("{item}_pct"), percent as f64, "%").thresholds(warn as f64, crit as f64),
    );
    if warn >= 0 && crit >= 0 && warn >= crit {
        outcome.critical(format!(
            "{item}: invalid thresholds (warning {warn}% must be below critical {crit}%)"
        ));
    } else if percent > 100 {
        outcome.critical(format!("{item}: exceeds the account limit"));
    } else if crit >= 0 && percent > crit {
        outcome.critical(format!("{percent}% {item}"));
    } else if warn >= 0 && percent > warn {
        outcome.warn(format!("{percent}% {item}"));
    }
}
