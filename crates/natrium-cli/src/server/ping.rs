//! `natrium server ping`: who answers `$SYS.REQ.SERVER.PING`, and how fast.
//!
//! Each server in the cluster answers once with its statistics; the time
//! from request to answer is that server's round trip (through the cluster
//! for servers further away). Like the nats CLI, the number of servers to
//! expect defaults to the count the first answer reports; missing servers
//! make the command fail after the summary.

use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;

use super::system::{gather, no_access};
use crate::cli::server::PingArgs;
use crate::connection::{Connection, DEFAULT_TIMEOUT};
use crate::output;
use crate::rtt::short_duration;
use crate::server_errors;

const SUBJECT: &str = "$SYS.REQ.SERVER.PING";

#[derive(Serialize)]
struct Reply {
    round: u32,
    server_id: String,
    name: String,
    /// Nanoseconds from the request to this answer.
    rtt: u64,
}

#[derive(Serialize)]
struct Report {
    replies: Vec<Reply>,
    expected: usize,
    missing: usize,
}

pub async fn run(connection: &Connection, args: PingArgs) -> anyhow::Result<()> {
    let (client, mut errors) = server_errors::connect(connection).await?;
    let timeout = connection.timeout_or(DEFAULT_TIMEOUT);
    let mut report = Report {
        replies: Vec::new(),
        expected: 0,
        missing: 0,
    };
    for round in 1..=args.count {
        let expect = args.expected().map(|n| n as usize);
        let answers = gather(&client, &mut errors, SUBJECT, Bytes::new(), expect, timeout)
            .await
            .map_err(|why| no_access("server ping", &why))?;
        let expected = expect.unwrap_or_else(|| {
            answers[0].body["statsz"]["active_servers"]
                .as_u64()
                .map_or(answers.len(), |n| n as usize)
        });
        report.expected += expected;
        report.missing += expected.saturating_sub(answers.len());
        for answer in answers {
            let server = &answer.body["server"];
            let reply = Reply {
                round,
                server_id: server["id"].as_str().unwrap_or_default().to_string(),
                name: server["name"].as_str().unwrap_or_default().to_string(),
                rtt: answer.elapsed.as_nanos() as u64,
            };
            if !args.json {
                print_reply(&reply, args.id);
            }
            report.replies.push(reply);
        }
    }
    if args.json {
        output::print_json(&report)?;
    } else {
        print_summary(&report);
    }
    if report.missing > 0 {
        anyhow::bail!(
            "{} of {} expected server answer(s) missing",
            report.missing,
            report.expected
        );
    }
    Ok(())
}

fn print_reply(reply: &Reply, with_id: bool) {
    let rtt = short_duration(Duration::from_nanos(reply.rtt));
    if with_id {
        println!("{} {:<60} rtt={rtt}", reply.server_id, reply.name);
    } else {
        println!("{:<60} rtt={rtt}", reply.name);
    }
}

fn print_summary(report: &Report) {
    println!();
    println!("---- ping statistics ----");
    let millis: Vec<f64> = report
        .replies
        .iter()
        .map(|r| r.rtt as f64 / 1_000_000.0)
        .collect();
    if millis.is_empty() {
        println!("no responses received");
        return;
    }
    let max = millis.iter().copied().fold(f64::MIN, f64::max);
    let min = millis.iter().copied().fold(f64::MAX, f64::min);
    let average = millis.iter().sum::<f64>() / millis.len() as f64;
    println!(
        "{} replies max: {max:.2} min: {min:.2} avg: {average:.2} (ms)",
        millis.len()
    );
    if report.missing > 0 {
        println!("\nMissing {} server(s)", report.missing);
    }
}
