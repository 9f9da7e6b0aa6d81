//! Benchmark results: from raw samples to the human, JSON and CSV outputs.
//!
//! Workloads hand in [`Sample`]s (messages, bytes, first and last instant of
//! one client) and latency histograms; this module derives rates the way
//! `nats bench` does, so numbers are comparable with it:
//!
//! * a client's rate is its messages over its own span (for a subscriber, from
//!   its first to its last message);
//! * a group's rate (all publishers, all subscribers) is the group's messages
//!   over the span from the earliest start to the latest end;
//! * the pub/sub aggregate counts published plus received messages over the
//!   span of everyone.
//!
//! MB/s counts payload bytes only, with MB = 1,000,000 bytes.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Serialize;

use super::jetstream::fetch::FetchSummary;
use super::jetstream::summary::JetStreamSummary;
use super::kv::KvSummary;
use super::object::ObjectSummary;
use super::BenchError;

/// Histogram range (see [`latency_histogram`]).
const HISTOGRAM_LOW_NS: u64 = 10;
const HISTOGRAM_HIGH_NS: u64 = 600_000_000_000;

/// What one client did.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub msgs: u64,
    pub bytes: u64,
    pub start: Instant,
    pub end: Instant,
}

/// Messages and bytes over a span, with derived rates.
#[derive(Debug, Clone, Serialize)]
pub struct Rate {
    pub msgs: u64,
    pub bytes: u64,
    pub seconds: f64,
    pub msgs_per_sec: f64,
    pub mb_per_sec: f64,
}

impl Rate {
    /// The samples' messages and bytes over the span from the earliest
    /// start to the latest end.
    pub fn over(samples: &[Sample]) -> Rate {
        let msgs = samples.iter().map(|s| s.msgs).sum();
        let bytes = samples.iter().map(|s| s.bytes).sum();
        let start = samples.iter().map(|s| s.start).min();
        let end = samples.iter().map(|s| s.end).max();
        let seconds = match (start, end) {
            (Some(start), Some(end)) => end.saturating_duration_since(start).as_secs_f64(),
            _ => 0.0,
        };
        let per_sec = |n: u64| {
            if seconds > 0.0 {
                n as f64 / seconds
            } else {
                0.0
            }
        };
        Rate {
            msgs,
            bytes,
            seconds,
            msgs_per_sec: per_sec(msgs),
            mb_per_sec: per_sec(bytes) / 1e6,
        }
    }
}

/// A group of clients of the same role.
#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    pub clients: usize,
    /// The group as a whole.
    #[serde(flatten)]
    pub total: Rate,
    pub min_msgs_per_sec: f64,
    pub avg_msgs_per_sec: f64,
    pub max_msgs_per_sec: f64,
    pub per_client: Vec<Rate>,
}

impl Throughput {
    /// Summarises the samples of one group (publishers, subscribers, ...).
    pub fn from_samples(samples: &[Sample]) -> Throughput {
        let per_client: Vec<Rate> = samples.iter().map(|s| Rate::over(&[*s])).collect();
        let rates: Vec<f64> = per_client.iter().map(|r| r.msgs_per_sec).collect();
        let avg = if rates.is_empty() {
            0.0
        } else {
            rates.iter().sum::<f64>() / rates.len() as f64
        };
        Throughput {
            clients: samples.len(),
            total: Rate::over(samples),
            min_msgs_per_sec: rates.iter().copied().reduce(f64::min).unwrap_or(0.0),
            avg_msgs_per_sec: avg,
            max_msgs_per_sec: rates.iter().copied().reduce(f64::max).unwrap_or(0.0),
            per_client,
        }
    }
}

/// Round-trip statistics, in microseconds.
#[derive(Debug, Clone, Serialize)]
pub struct LatencyStats {
    pub requests: u64,
    pub seconds: f64,
    pub requests_per_sec: f64,
    pub min_us: f64,
    pub mean_us: f64,
    pub p50_us: f64,
    pub p90_us: f64,
    pub p99_us: f64,
    pub p999_us: f64,
    pub max_us: f64,
}

impl LatencyStats {
    /// `histogram` holds nanoseconds; `span` is the requests' wall time.
    pub fn new(histogram: &Histogram<u64>, span: &Sample) -> LatencyStats {
        let us = |ns: u64| ns as f64 / 1_000.0;
        let rate = Rate::over(&[*span]);
        let empty = histogram.is_empty();
        let at = |q: f64| {
            if empty {
                0.0
            } else {
                us(histogram.value_at_quantile(q))
            }
        };
        LatencyStats {
            requests: histogram.len(),
            seconds: rate.seconds,
            requests_per_sec: rate.msgs_per_sec,
            min_us: if empty { 0.0 } else { us(histogram.min()) },
            mean_us: if empty {
                0.0
            } else {
                histogram.mean() / 1_000.0
            },
            p50_us: at(0.50),
            p90_us: at(0.90),
            p99_us: at(0.99),
            p999_us: at(0.999),
            max_us: if empty { 0.0 } else { us(histogram.max()) },
        }
    }
}

/// Latency of all requesters together, and of each one.
#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub clients: usize,
    #[serde(flatten)]
    pub total: LatencyStats,
    pub per_client: Vec<LatencyStats>,
}

/// The result of one `natrium bench` run (the `--json` object).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `pub`, `sub`, `pubsub`, `request`, `reply`, `js-pub`, `js-fetch`, `kv`
    /// or `object`.
    pub kind: &'static str,
    pub server: String,
    pub subject: String,
    /// Messages (requests) requested with `--msgs`.
    pub msgs: u64,
    /// Payload size in bytes.
    pub size: usize,
    #[serde(rename = "pub", skip_serializing_if = "Option::is_none")]
    pub publishers: Option<Throughput>,
    #[serde(rename = "sub", skip_serializing_if = "Option::is_none")]
    pub subscribers: Option<Throughput>,
    /// Published plus received messages over the whole run (pubsub only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregate: Option<Rate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<Latency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responders: Option<Throughput>,
    /// Stream, sequences and ack latency (`js-pub` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jetstream: Option<JetStreamSummary>,
    /// Stream, consumer and fetches (`js-fetch` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetch: Option<FetchSummary>,
    /// Put and get rates and latencies (`kv` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kv: Option<KvSummary>,
    /// Put and get rates of one object (`object` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectSummary>,
}

impl Report {
    /// An empty report for `kind`, to be filled by the workload.
    pub fn new(kind: &'static str, server: &str, subject: &str, msgs: u64, size: usize) -> Report {
        Report {
            kind,
            server: server.to_string(),
            subject: subject.to_string(),
            msgs,
            size,
            publishers: None,
            subscribers: None,
            aggregate: None,
            latency: None,
            responders: None,
            jetstream: None,
            fetch: None,
            kv: None,
            object: None,
        }
    }

    /// Fills `pub`, `sub` and (with both) `aggregate` from raw samples.
    pub fn with_throughput(mut self, pubs: &[Sample], subs: &[Sample]) -> Report {
        if !pubs.is_empty() {
            self.publishers = Some(Throughput::from_samples(pubs));
        }
        if !subs.is_empty() {
            self.subscribers = Some(Throughput::from_samples(subs));
        }
        if !pubs.is_empty() && !subs.is_empty() {
            let all: Vec<Sample> = pubs.iter().chain(subs).copied().collect();
            self.aggregate = Some(Rate::over(&all));
        }
        self
    }
}

/// Prints the report (human text or JSON) and writes the CSV file if asked.
pub fn emit(report: &Report, json: bool, csv: Option<&Path>) -> Result<(), BenchError> {
    let stdout_error = |err: &dyn std::fmt::Display| BenchError::Output {
        path: "<stdout>".into(),
        reason: err.to_string(),
    };
    let text = if json {
        let mut text = serde_json::to_string_pretty(report).map_err(|e| stdout_error(&e))?;
        text.push('\n');
        text
    } else {
        human(report)
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| stdout_error(&e))?;
    if let Some(path) = csv {
        std::fs::write(path, csv_text(report)).map_err(|err| BenchError::Output {
            path: path.to_path_buf(),
            reason: err.to_string(),
        })?;
    }
    Ok(())
}

/// The human-readable report.
pub fn human(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "natrium bench {} on '{}' at {}: {} msgs x {} B",
        report.kind,
        report.subject,
        report.server,
        group_digits(report.msgs),
        group_digits(report.size as u64)
    );
    if let Some(aggregate) = &report.aggregate {
        let _ = writeln!(out, "\nPub/Sub aggregate: {}", rate_line(aggregate));
    }
    for (title, group) in [
        ("Publishers", &report.publishers),
        ("Subscribers", &report.subscribers),
        ("Responders", &report.responders),
    ] {
        if let Some(group) = group {
            human_group(&mut out, title, group);
        }
    }
    if let Some(latency) = &report.latency {
        let t = &latency.total;
        let _ = writeln!(
            out,
            "\nRequests: {} round trips by {} requester(s) in {:.3} s = {} req/s",
            group_digits(t.requests),
            latency.clients,
            t.seconds,
            group_digits(t.requests_per_sec.round() as u64)
        );
        latency_line(&mut out, "Latency", t);
    }
    if let Some(jetstream) = &report.jetstream {
        jetstream.human(&mut out);
    }
    if let Some(fetch) = &report.fetch {
        fetch.human(&mut out);
    }
    if let Some(kv) = &report.kv {
        kv.human(&mut out);
    }
    if let Some(object) = &report.object {
        object.human(&mut out);
    }
    out
}

fn human_group(out: &mut String, title: &str, group: &Throughput) {
    let _ = writeln!(
        out,
        "\n{title} ({}): {}",
        group.clients,
        rate_line(&group.total)
    );
    if group.clients > 1 {
        for (i, rate) in group.per_client.iter().enumerate() {
            let _ = writeln!(out, "  [{}] {}", i + 1, rate_line(rate));
        }
        let _ = writeln!(
            out,
            "  per client msgs/s: min {} | avg {} | max {}",
            group_digits(group.min_msgs_per_sec.round() as u64),
            group_digits(group.avg_msgs_per_sec.round() as u64),
            group_digits(group.max_msgs_per_sec.round() as u64)
        );
    }
}

fn rate_line(rate: &Rate) -> String {
    format!(
        "{} msgs/s  {:.2} MB/s  ({} msgs in {:.3} s)",
        group_digits(rate.msgs_per_sec.round() as u64),
        rate.mb_per_sec,
        group_digits(rate.msgs),
        rate.seconds
    )
}

/// Appends `{title} (us): p50 ... | mean ...`, one line.
pub fn latency_line(out: &mut String, title: &str, t: &LatencyStats) {
    let _ = writeln!(
        out,
        "{title} (us): p50 {:.1} | p90 {:.1} | p99 {:.1} | p99.9 {:.1} | max {:.1} | mean {:.1}",
        t.p50_us, t.p90_us, t.p99_us, t.p999_us, t.max_us, t.mean_us
    );
}

/// Appends the CSV row of round trips of `size` bytes; `labels` are the
/// kind, role and client columns.
pub fn latency_csv_row(out: &mut String, labels: [&str; 3], size: usize, s: &LatencyStats) {
    let [kind, role, client] = labels;
    let _ = writeln!(
        out,
        "{kind},{role},{client},{},{},{:.6},{:.1},{:.3},{:.1},{:.1},{:.1},{:.1},{:.1}",
        s.requests,
        s.requests * size as u64,
        s.seconds,
        s.requests_per_sec,
        s.requests_per_sec * size as f64 / 1e6,
        s.p50_us,
        s.p90_us,
        s.p99_us,
        s.p999_us,
        s.max_us
    );
}

/// An empty latency histogram in nanoseconds: 10 ns to 10 min, 3
/// significant digits.
pub fn latency_histogram() -> Result<Histogram<u64>, BenchError> {
    Histogram::new_with_bounds(HISTOGRAM_LOW_NS, HISTOGRAM_HIGH_NS, 3)
        .map_err(|e| BenchError::Client(format!("creating histogram failed: {e}")))
}

/// Records one round trip in a histogram made by [`latency_histogram`].
pub fn record_latency(histogram: &mut Histogram<u64>, latency: Duration) {
    let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
    histogram.saturating_record(nanos.max(HISTOGRAM_LOW_NS));
}

/// `1234567` -> `1,234,567`.
pub fn group_digits(n: u64) -> String {
    let digits: Vec<char> = n.to_string().chars().collect();
    let head = match digits.len() % 3 {
        0 => 3.min(digits.len()),
        short => short,
    };
    let mut out: String = digits[..head].iter().collect();
    for group in digits[head..].chunks(3) {
        out.push(',');
        out.extend(group);
    }
    out
}

/// CSV: one row per client and one per group, latency columns for requests.
pub fn csv_text(report: &Report) -> String {
    let mut out = String::from(
        "kind,role,client,msgs,bytes,seconds,msgs_per_sec,mb_per_sec,\
         p50_us,p90_us,p99_us,p999_us,max_us\n",
    );
    let mut rate_row = |role: &str, client: &str, rate: &Rate| {
        let _ = writeln!(
            out,
            "{},{role},{client},{},{},{:.6},{:.1},{:.3},,,,,",
            report.kind, rate.msgs, rate.bytes, rate.seconds, rate.msgs_per_sec, rate.mb_per_sec
        );
    };
    for (role, group) in [
        ("pub", &report.publishers),
        ("sub", &report.subscribers),
        ("reply", &report.responders),
    ] {
        if let Some(group) = group {
            for (i, rate) in group.per_client.iter().enumerate() {
                rate_row(role, &(i + 1).to_string(), rate);
            }
            rate_row(role, "all", &group.total);
        }
    }
    if let Some(aggregate) = &report.aggregate {
        rate_row("aggregate", "all", aggregate);
    }
    if let Some(latency) = &report.latency {
        let row = |out: &mut String, client: &str, stats: &LatencyStats| {
            latency_csv_row(out, [report.kind, "request", client], report.size, stats);
        };
        for (i, stats) in latency.per_client.iter().enumerate() {
            row(&mut out, &(i + 1).to_string(), stats);
        }
        row(&mut out, "all", &latency.total);
    }
    if let Some(jetstream) = &report.jetstream {
        jetstream.csv(report.kind, report.size, &mut out);
    }
    if let Some(kv) = &report.kv {
        kv.csv(report.kind, report.size, &mut out);
    }
    if let Some(object) = &report.object {
        object.csv(report.kind, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(msgs: u64, start: Instant, millis: u64) -> Sample {
        Sample {
            msgs,
            bytes: msgs * 16,
            start,
            end: start + Duration::from_millis(millis),
        }
    }

    #[test]
    fn rates_follow_nats_bench() {
        let t0 = Instant::now();
        let pubs = [sample(1000, t0, 1000)];
        let subs = [
            sample(1000, t0, 500),
            sample(1000, t0 + Duration::from_millis(500), 1500),
        ];
        let report = Report::new("pubsub", "nats://x", "s", 1000, 16).with_throughput(&pubs, &subs);
        let sub = report.subscribers.as_ref().map(|s| s.total.clone());
        let sub = sub.unwrap_or_else(|| panic!("no sub group"));
        assert_eq!(sub.msgs, 2000);
        assert!((sub.seconds - 2.0).abs() < 1e-9);
        assert!((sub.msgs_per_sec - 1000.0).abs() < 1e-6);
        let aggregate = report.aggregate.unwrap_or_else(|| panic!("no aggregate"));
        assert_eq!(aggregate.msgs, 3000);
        assert!((aggregate.mb_per_sec - 3000.0 * 16.0 / 2.0 / 1e6).abs() < 1e-9);
    }

    #[test]
    fn zero_span_has_zero_rate() {
        let t0 = Instant::now();
        let rate = Rate::over(&[sample(1, t0, 0)]);
        assert_eq!(rate.msgs_per_sec, 0.0);
    }

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(1234567), "1,234,567");
    }

    #[test]
    fn csv_has_one_row_per_client_and_group() {
        let t0 = Instant::now();
        let pubs = [sample(10, t0, 10)];
        let subs = [sample(10, t0, 10), sample(10, t0, 10)];
        let report = Report::new("pubsub", "nats://x", "s", 10, 16).with_throughput(&pubs, &subs);
        let csv = csv_text(&report);
        // header + pub(1 + all) + sub(2 + all) + aggregate
        assert_eq!(csv.lines().count(), 1 + 2 + 3 + 1);
        assert!(csv.lines().all(|l| l.split(',').count() == 13));
    }
}
