//! `natrium server check ...`: health checks for Nagios and friends.
//!
//! Each check fills an [`Outcome`] with OK, warning and critical findings
//! and performance data, never failing itself: a dead server is a CRITICAL
//! finding, not an error. The outcome is printed as one Nagios line
//! (`OK Connection OK:connected to ... | connect_time=0.0012s;0.5000;1.0000`)
//! or a JSON document, and the command exits with the Nagios code (0 OK,
//! 1 WARNING, 2 CRITICAL, 3 UNKNOWN) through [`ExitStatus`]. The wording
//! and perfdata follow the nats CLI's checks so dashboards keep working.

mod connection;
mod consumer;
mod jetstream;
mod stream;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_nats::Client;
use serde_json::{json, Value};

use crate::cli::server::check::{CheckArgs, CheckCommand, CheckFormat};
use crate::connection::Connection;
use crate::exit::ExitStatus;
use crate::output;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Warning,
    Critical,
    Unknown,
}

impl Status {
    pub fn code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Warning => 1,
            Status::Critical => 2,
            Status::Unknown => 3,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Critical => "CRITICAL",
            Status::Unknown => "UNKNOWN",
        }
    }

    /// The label in its traffic-light colour (ANSI), for terminals.
    fn coloured(self) -> String {
        let colour = match self {
            Status::Ok => "32",
            Status::Warning => "33",
            Status::Critical => "31",
            Status::Unknown => "35",
        };
        format!("\x1b[1;{colour}m{}\x1b[0m", self.label())
    }
}

/// One performance metric: `name=value[unit][;warn;crit]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Perf {
    pub name: String,
    pub value: f64,
    pub warn: f64,
    pub crit: f64,
    pub unit: &'static str,
}

impl Perf {
    pub fn new(name: &str, value: f64, unit: &'static str) -> Perf {
        Perf {
            name: name.to_string(),
            value,
            warn: 0.0,
            crit: 0.0,
            unit,
        }
    }

    pub fn thresholds(mut self, warn: f64, crit: f64) -> Perf {
        self.warn = warn;
        self.crit = crit;
        self
    }

    /// Nagios perfdata; seconds keep four decimals, the rest none.
    fn nagios(&self) -> String {
        let number = |value: f64| {
            if self.unit == "s" {
                format!("{value:.4}")
            } else {
                format!("{value:.0}")
            }
        };
        let mut text = format!("{}={}{}", self.name, number(self.value), self.unit);
        if self.warn != 0.0 || self.crit != 0.0 {
            text.push(';');
            if self.warn != 0.0 {
                text.push_str(&number(self.warn));
            }
            if self.crit != 0.0 {
                text.push(';');
                text.push_str(&number(self.crit));
            }
        }
        text
    }
}

/// What a check found.
#[derive(Debug, Clone)]
pub struct Outcome {
    suite: &'static str,
    name: String,
    oks: Vec<String>,
    warnings: Vec<String>,
    criticals: Vec<String>,
    unknown: Option<String>,
    perf: Vec<Perf>,
}

impl Outcome {
    pub fn new(suite: &'static str, name: &str) -> Outcome {
        Outcome {
            suite,
            name: name.to_string(),
            oks: Vec::new(),
            warnings: Vec::new(),
            criticals: Vec::new(),
            unknown: None,
            perf: Vec::new(),
        }
    }

    pub fn ok(&mut self, message: impl Into<String>) {
        self.oks.push(message.into());
    }

    pub fn warn(&mut self, message: impl Into<String>) {
        self.warnings.push(message.into());
    }

    pub fn critical(&mut self, message: impl Into<String>) {
        self.criticals.push(message.into());
    }

    /// The check could not run for reasons of its own (not the server's).
    pub fn unknown(&mut self, message: impl Into<String>) {
        self.unknown = Some(message.into());
    }

    pub fn perf(&mut self, perf: Perf) {
        self.perf.push(perf);
    }

    pub fn status(&self) -> Status {
        if self.unknown.is_some() {
            Status::Unknown
        } else if !self.criticals.is_empty() {
            Status::Critical
        } else if !self.warnings.is_empty() {
            Status::Warning
        } else {
            Status::Ok
        }
    }

    /// `STATUS NAME Crit:.. Warn:.. OK:.. | perfdata`, one line.
    pub fn nagios(&self, colour: bool) -> String {
        let status = self.status();
        let mut parts = vec![if colour {
            status.coloured()
        } else {
            status.label().to_string()
        }];
        parts.push(self.name.clone());
        parts.extend(self.unknown.iter().map(|m| format!("Unknown:{m}")));
        parts.extend(self.criticals.iter().map(|m| format!("Crit:{m}")));
        parts.extend(self.warnings.iter().map(|m| format!("Warn:{m}")));
        parts.extend(self.oks.iter().map(|m| format!("OK:{m}")));
        let mut line = parts.join(" ");
        if !self.perf.is_empty() {
            let perf: Vec<String> = self.perf.iter().map(Perf::nagios).collect();
            line.push_str(" | ");
            line.push_str(&perf.join(" "));
        }
        line
    }

    /// The nats CLI's JSON form of a check result.
    pub fn json(&self) -> Value {
        let perf: Vec<Value> = self
            .perf
            .iter()
            .map(|p| json!({"name": p.name, "value": p.value, "warning": p.warn, "critical": p.crit, "unit": p.unit}))
            .collect();
        let mut document = json!({
            "status": self.status().label(),
            "check_suite": self.suite,
            "check_name": self.name,
            "perf_data": perf,
        });
        let lists = [
            ("ok", &self.oks),
            ("warning", &self.warnings),
            ("critical", &self.criticals),
        ];
        for (key, list) in lists {
            if !list.is_empty() {
                document[key] = json!(list);
            }
        }
        if let Some(unknown) = &self.unknown {
            document["unknown"] = json!(unknown);
        }
        document
    }
}

pub async fn run(connection: &Connection, args: CheckArgs) -> anyhow::Result<()> {
    let outcome = match &args.check {
        CheckCommand::Connection(limits) => connection::check(connection, limits).await,
        CheckCommand::Jetstream(limits) => jetstream::check(connection, limits).await,
        CheckCommand::Stream(limits) => stream::check(connection, limits).await,
        CheckCommand::Consumer(limits) => consumer::check(connection, limits).await,
    };
    match args.format {
        CheckFormat::Nagios => println!("{}", outcome.nagios(output::colour_enabled())),
        CheckFormat::Json => output::print_json(&outcome.json())?,
    }
    match outcome.status().code() {
        0 => Ok(()),
        code => Err(ExitStatus(code).into()),
    }
}

/// Connects, recording failure in `outcome`: bad local settings (an
/// unreadable credentials file) are UNKNOWN, an unreachable or refusing
/// server CRITICAL.
async fn connect(connection: &Connection, outcome: &mut Outcome) -> Option<Client> {
    let options = match connection.options() {
        Ok(options) => options,
        Err(err) => {
            outcome.unknown(format!("cannot prepare the connection: {err:#}"));
            return None;
        }
    };
    match connection.connect_with(options).await {
        Ok(client) => Some(client),
        Err(err) => {
            outcome.critical(format!("connection failed: {err:#}"));
            None
        }
    }
}

/// How long ago a JetStream timestamp (nanoseconds since the epoch) was.
fn age(unix_nanos: i128) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128);
    Duration::from_nanos(now.saturating_sub(unix_nanos).clamp(0, u64::MAX as i128) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nagios_line_and_status() {
        let mut outcome = Outcome::new("connections", "Connection");
        outcome.ok("connected to nats://h:4222 in 1.20ms");
        outcome.perf(Perf::new("connect_time", 0.0012, "s").thresholds(0.5, 1.0));
        outcome.perf(Perf::new("sources", 0.0, "").thresholds(0.0, 2.0));
        assert_eq!(outcome.status(), Status::Ok);
        assert_eq!(
            outcome.nagios(false),
            "OK Connection OK:connected to nats://h:4222 in 1.20ms | connect_time=0.0012s;0.5000;1.0000 sources=0;;2"
        );
        outcome.warn("slow");
        assert_eq!(outcome.status().code(), 1);
        outcome.critical("down");
        assert_eq!(outcome.status().code(), 2);
        assert!(outcome
            .nagios(false)
            .starts_with("CRITICAL Connection Crit:down Warn:slow"));
        assert_eq!(outcome.json()["status"], "CRITICAL");
        outcome.unknown("no creds");
        assert_eq!(outcome.status().code(), 3);
    }
}
