//! The JetStream part of a `bench js pub` report.
//!
//! [`JetStreamSummary`] is the `jetstream` object of the `--json` output; it
//! also renders its lines of the human report and its CSV row, so that the
//! generic [`report`](super::super::report) module only has to call it.

use std::fmt::Write as _;

use serde::Serialize;

use super::super::report::{group_digits, latency_csv_row, latency_line, LatencyStats};

/// What happened to the stream and how long acks took.
#[derive(Debug, Clone, Serialize)]
pub struct JetStreamSummary {
    /// Stream name.
    pub stream: String,
    /// `file` or `memory`.
    pub storage: &'static str,
    /// Publishes kept in flight.
    pub window: usize,
    /// `created`, `recreated` (with --purge) or `reused`.
    pub setup: &'static str,
    /// Whether the stream was left in place at the end (--keep).
    pub kept: bool,
    /// Sequence of the first and last acknowledged publish.
    pub first_seq: u64,
    pub last_seq: u64,
    /// Stream state after the last ack (from stream info).
    pub stream_msgs: u64,
    pub stream_bytes: u64,
    /// Publish-to-ack round trips; `requests` counts acks.
    pub ack_latency: LatencyStats,
}

impl JetStreamSummary {
    /// Appends the human-readable lines.
    pub fn human(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "\nStream '{}' ({} storage, {}), {} publishes in flight: acked sequences {}..{}; \
             stream held {} msgs ({:.2} MB) at the end, {}",
            self.stream,
            self.storage,
            self.setup,
            group_digits(self.window as u64),
            group_digits(self.first_seq),
            group_digits(self.last_seq),
            group_digits(self.stream_msgs),
            self.stream_bytes as f64 / 1e6,
            if self.kept { "kept" } else { "then deleted" }
        );
        latency_line(out, "Ack latency", &self.ack_latency);
    }

    /// Appends the CSV row of the acks (same columns as request latency).
    pub fn csv(&self, kind: &str, size: usize, out: &mut String) {
        latency_csv_row(out, [kind, "ack", "all"], size, &self.ack_latency);
    }
}
