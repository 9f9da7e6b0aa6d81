//! Command-line definitions for `natrium`.
//!
//! Everything the user can type is declared here with clap's derive API, and
//! nothing else: parsing is kept apart from doing, so that `bench/` receives
//! plain, already validated values (`usize` sizes, `u64` counts, ...) and the
//! help text lives in one place.
//!
//! Sizes accept binary and decimal suffixes (`128`, `1KiB`, `1k`, `1KB`,
//! `1MiB`, `1MB`), counts accept decimal ones (`100000`, `100k`, `1M`,
//! `1_000_000`); see [`parse_size`] and [`parse_count`]. The JetStream
//! subcommands (`bench js ...`) are declared in [`js`], the key-value and
//! object store ones (`bench kv`, `bench object`) in [`store`].

pub mod account;
pub mod cid;
pub mod connection;
pub mod consumer;
pub mod context;
pub mod js;
pub mod kv;
pub mod messages;
pub mod object;
pub mod rtt;
pub mod server;
pub mod store;
pub mod stream;
pub mod trace;

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};

use self::connection::ConnectionArgs;
use self::js::JsCommand;
use self::store::{KvArgs, ObjectArgs};

/// natrium: the command-line tool for NATS and natrium-server.
///
/// Connection options (--server, --creds, --context, ...) may be given before
/// or after the command; contexts saved with `natrium context add` (or the
/// nats CLI) supply the defaults.
#[derive(Debug, Parser)]
#[command(name = "natrium", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub connection: ConnectionArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Measure throughput and latency of a NATS server.
    ///
    /// Every publisher, subscriber, requester and responder gets its own
    /// connection. Throughput counts payload bytes only (MB = 1,000,000 bytes).
    #[command(subcommand)]
    Bench(BenchCommand),

    /// Publish a message (or --count of them).
    Pub(messages::PubArgs),

    /// Subscribe and print the messages that arrive.
    Sub(messages::SubArgs),

    /// Send a request and print the reply.
    Request(messages::RequestArgs),

    /// Answer requests: with a fixed body, the request itself, or a command's output.
    Reply(messages::ReplyArgs),

    /// Save, list, select and show connection contexts (shared with the nats CLI).
    #[command(subcommand)]
    Context(context::ContextCommand),

    /// Create, inspect, read from and remove JetStream consumers.
    #[command(
        subcommand,
        visible_alias = "con",
        after_help = "Examples:\n  \
        natrium consumer add ORDERS PROCESSOR --filter orders.new --max-deliver 5\n  \
        natrium consumer next ORDERS PROCESSOR --count 10\n  \
        natrium consumer report ORDERS"
    )]
    Consumer(consumer::ConsumerCommand),

    /// Create, change, inspect, read and delete JetStream streams.
    #[command(subcommand, alias = "str")]
    Stream(stream::StreamCommand),

    /// Account and JetStream usage information.
    #[command(subcommand)]
    Account(account::AccountCommand),

    /// Key-value buckets: put, get, watch and manage keys (JetStream required).
    #[command(subcommand)]
    Kv(kv::KvCommand),

    /// Object store buckets: put and get files of any size (JetStream required).
    #[command(subcommand, alias = "obj")]
    Object(object::ObjectCommand),
    /// Ask servers about themselves: ping, info, and health checks for monitoring.
    #[command(subcommand)]
    Server(server::ServerCommand),

    /// Measure the round-trip time to each server.
    Rtt(rtt::RttArgs),

    /// Content-addressed objects (IPFS-compatible CIDs) in a domain's content store.
    #[command(after_help = "Examples:\n  \
        natrium cid --domain sales put ./report.pdf\n  \
        natrium cid --domain sales get bafy.../child1/leaf -o leaf.bin\n  \
        natrium cid --domain sales car export bafy... > dag.car")]
    Cid(cid::CidArgs),
    /// Trace a message's route through the servers (message tracing, nats-server 2.11+).
    Trace(trace::TraceArgs),
    /// Serve NATS operations as Model Context Protocol tools for AI agents (stdio, or --http).
    #[command(after_help = "Examples:\n  \
        natrium mcp\n  \
        natrium mcp --read-only --context prod\n  \
        natrium mcp --http 127.0.0.1:8765 --contexts prod,staging")]
    Mcp(crate::mcp::McpArgs),
}

/// `natrium bench ...` subcommands.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Publish as fast as possible, no subscribers in this process.
    #[command(after_help = "Example:\n  natrium bench pub bench.test --msgs 1M --size 16 --pub 2")]
    Pub {
        #[command(flatten)]
        common: CommonArgs,
        /// Number of concurrent publishers, each on its own connection.
        #[arg(long = "pub", value_name = "N", default_value_t = 1, value_parser = parse_clients)]
        publishers: usize,
    },

    /// Subscribe and count messages until --msgs have arrived (start the publisher elsewhere).
    #[command(after_help = "Example (two terminals):\n  \
        natrium bench sub bench.test --msgs 1M --sub 4\n  \
        natrium bench pub bench.test --msgs 1M")]
    Sub {
        #[command(flatten)]
        common: CommonArgs,
        /// Number of concurrent subscribers, each on its own connection.
        #[arg(long = "sub", value_name = "N", default_value_t = 1, value_parser = parse_clients)]
        subscribers: usize,
    },

    /// Publishers and subscribers in one process: every subscriber receives every message.
    ///
    /// Subscribers are connected and their subscriptions confirmed by the
    /// server (flush) before any publisher starts. Reports publisher,
    /// per-subscriber and aggregate (published + received) throughput.
    #[command(
        after_help = "Examples:\n  natrium bench pubsub bench.test --msgs 1M --size 16 --pub 1 --sub 4 --json\n  \
            natrium bench pubsub bench.test --msgs 1M --tenants 200 --tenant-user acct --tenant-password pw"
    )]
    Pubsub {
        #[command(flatten)]
        common: CommonArgs,
        /// Number of concurrent publishers, each on its own connection.
        #[arg(long = "pub", value_name = "N", default_value_t = 1, value_parser = parse_clients)]
        publishers: usize,
        /// Number of concurrent subscribers, each on its own connection.
        #[arg(long = "sub", value_name = "N", default_value_t = 1, value_parser = parse_clients)]
        subscribers: usize,
        /// N isolated accounts instead: one publisher and one subscriber per
        /// account, pair i logging in as <tenant-user>i (replaces --pub/--sub).
        #[arg(long, value_name = "N", value_parser = parse_clients)]
        tenants: Option<usize>,
        /// User name prefix for --tenants (pair i is <prefix>i).
        #[arg(long, value_name = "PREFIX", default_value = "tenant")]
        tenant_user: String,
        /// Password of every --tenants user.
        #[arg(long, value_name = "PASSWORD", default_value = "secret")]
        tenant_password: String,
    },

    /// Send requests and record each round trip in an HDR histogram (p50 ... max, req/s).
    ///
    /// Each requester sends one request at a time and waits for its reply.
    /// --msgs is the total over all requesters.
    #[command(after_help = "Examples:\n  \
        natrium bench request bench.rr --msgs 100k --clients 4\n  \
        natrium bench reply bench.rr &   natrium bench request bench.rr --reply-in-process false")]
    Request {
        #[command(flatten)]
        common: CommonArgs,
        /// Number of concurrent requesters, each on its own connection.
        #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_clients)]
        clients: usize,
        /// Start a responder connection inside this process (set to false to use `natrium bench reply`).
        #[arg(long, value_name = "BOOL", default_value_t = true, action = ArgAction::Set)]
        reply_in_process: bool,
        /// Unrecorded warm-up requests per requester before measuring.
        #[arg(long, value_name = "N", default_value_t = 100, value_parser = parse_count)]
        warmup: u64,
    },

    /// Run responders that echo each request's payload back (queue group "natrium-bench").
    ///
    /// Serves until --msgs replies have been sent (0, the default here, means
    /// until interrupted with Ctrl-C).
    #[command(after_help = "Example:\n  natrium bench reply bench.rr --clients 2")]
    Reply {
        #[command(flatten)]
        common: CommonArgs,
        /// Number of responders, each on its own connection.
        #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_clients)]
        clients: usize,
    },

    /// JetStream workloads (the server must run with JetStream enabled, e.g. `-js`).
    #[command(subcommand)]
    Js(JsCommand),

    /// Key-value bucket: time sequential puts, then gets (JetStream required).
    #[command(after_help = store::KV_EXAMPLES)]
    Kv(KvArgs),

    /// Object store: time one put and one get of a large object (JetStream required).
    #[command(after_help = store::OBJECT_EXAMPLES)]
    Object(ObjectArgs),
}

/// Options shared by every `bench` subcommand that works on a subject.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Subject to publish to / subscribe on.
    pub subject: String,

    /// Number of messages (or requests) in total; suffixes k and M are accepted
    /// [default: 100000; for reply: 0 = until interrupted].
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub msgs: Option<u64>,

    /// Payload size in bytes (reply echoes the request instead); accepts 1KiB/1k (1024), 1KB (1000), 1MiB/1M, 1MB.
    #[arg(long, value_name = "BYTES", default_value = "128", value_parser = parse_size)]
    pub size: usize,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Output and patience options shared by every `bench` subcommand.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Print one JSON result object on stdout instead of the human report.
    #[arg(long)]
    pub json: bool,

    /// Also write the results (one row per client plus aggregates) to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
}

/// Parses a byte size such as `128`, `1KiB`, `1k`, `1KB`, `2MiB` or `1MB`.
///
/// `k`/`KiB` and `M`/`MiB` are powers of 1024; `KB` and `MB` are powers of 1000.
pub fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '_')
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let digits: String = digits.chars().filter(|c| *c != '_').collect();
    let number: usize = digits
        .parse()
        .map_err(|_| format!("'{text}' is not a size (try 128, 1KiB or 1MB)"))?;
    let multiplier: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "kb" => 1_000,
        "m" | "mib" => 1 << 20,
        "mb" => 1_000_000,
        "g" | "gib" => 1 << 30,
        "gb" => 1_000_000_000,
        "t" | "tib" => 1 << 40,
        "tb" => 1_000_000_000_000,
        other => {
            return Err(format!(
                "unknown size unit '{other}' (use B, KiB, KB, MiB, MB, GiB, GB, TiB or TB)"
            ))
        }
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("size '{text}' is too large"))
}

/// Parses a count such as `100000`, `1_000_000`, `100k` or `1M` (powers of 1000).
pub fn parse_count(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '_')
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let digits: String = digits.chars().filter(|c| *c != '_').collect();
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("'{text}' is not a count (try 100000, 100k or 1M)"))?;
    let multiplier: u64 = match unit {
        "" => 1,
        "k" | "K" => 1_000,
        "m" | "M" => 1_000_000,
        other => return Err(format!("unknown count suffix '{other}' (use k or M)")),
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("count '{text}' is too large"))
}

/// Parses a number of concurrent clients: at least 1.
fn parse_clients(text: &str) -> Result<usize, String> {
    let count = parse_count(text)?;
    match usize::try_from(count) {
        Ok(0) => Err("must be at least 1".to_string()),
        Ok(n) if n <= 10_000 => Ok(n),
        _ => Err("at most 10000 clients".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("128"), Ok(128));
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("1KiB"), Ok(1024));
        assert_eq!(parse_size("1k"), Ok(1024));
        assert_eq!(parse_size("1KB"), Ok(1000));
        assert_eq!(parse_size("2MiB"), Ok(2 << 20));
        assert_eq!(parse_size("1MB"), Ok(1_000_000));
        assert_eq!(parse_size("16 B"), Ok(16));
        assert!(parse_size("").is_err());
        assert!(parse_size("KiB").is_err());
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert!(parse_size("1PiB").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("99999999999999999999").is_err());
    }

    #[test]
    fn counts() {
        assert_eq!(parse_count("100000"), Ok(100_000));
        assert_eq!(parse_count("1_000_000"), Ok(1_000_000));
        assert_eq!(parse_count("100k"), Ok(100_000));
        assert_eq!(parse_count("2M"), Ok(2_000_000));
        assert!(parse_count("1.5M").is_err());
        assert!(parse_count("ten").is_err());
        assert!(parse_clients("0").is_err());
    }

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_server_after_subcommand() {
        let cli = Cli::try_parse_from([
            "natrium",
            "bench",
            "pubsub",
            "x",
            "-s",
            "nats://h:1",
            "--sub",
            "4",
        ]);
        let cli = match cli {
            Ok(cli) => cli,
            Err(err) => panic!("parse failed: {err}"),
        };
        assert_eq!(cli.connection.server.as_deref(), Some("nats://h:1"));
        match cli.command {
            Command::Bench(BenchCommand::Pubsub { subscribers, .. }) => assert_eq!(subscribers, 4),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[cfg(test)]
mod help_tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every command a user can reach says what it does and shows an example.
    #[test]
    fn every_command_has_help_and_an_example() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for sub in command.get_subcommands() {
                let path = format!("{path} {}", sub.get_name());
                if sub.get_about().is_none() {
                    missing.push(format!("{path}: no description"));
                }
                let leaf = sub.get_subcommands().next().is_none();
                let help = sub
                    .get_after_help()
                    .map(|h| h.to_string())
                    .unwrap_or_default();
                if leaf && !help.contains("natrium ") {
                    missing.push(format!("{path}: no example"));
                }
                walk(sub, &path, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "natrium", &mut missing);
        assert!(
            missing.is_empty(),
            "incomplete help:\n{}",
            missing.join("\n")
        );
    }
}
