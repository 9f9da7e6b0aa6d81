//! Command-line definitions for `natrium bench js ...` (JetStream workloads).
//!
//! Kept apart from the core `bench` grammar in the parent module so that
//! each file stays small; the value parsers are the parent's.

use clap::{Args, Subcommand, ValueEnum};

use super::{parse_count, CommonArgs};

/// Stream used when `--stream` is not given.
pub const DEFAULT_STREAM: &str = "benchstream";

/// Publishes kept in flight when `--window` is not given.
pub const DEFAULT_WINDOW: usize = 256;

/// Messages asked for by one fetch when `--batch` is not given.
pub const DEFAULT_BATCH: usize = 256;

/// Durable pull consumer used when `--consumer` is not given.
pub const DEFAULT_CONSUMER: &str = "benchfetch";

/// `natrium bench js ...` subcommands.
#[derive(Debug, Subcommand)]
pub enum JsCommand {
    /// Publish to a JetStream stream and wait for every acknowledgement.
    ///
    /// Creates the stream (or reuses it), then publishes --msgs messages of
    /// --size bytes keeping --window publishes in flight. Every ack is checked
    /// (right stream, no error, sequences strictly increasing in publish
    /// order, stream message count grown by --msgs). Reports msgs/s, MB/s and
    /// the publish-to-ack latency percentiles. The stream is deleted at the
    /// end, even if it existed before, unless --keep is given.
    #[command(after_help = "Examples:\n  \
        natrium bench js pub bench.js --msgs 100k --size 128 --window 256\n  \
        natrium bench js pub bench.js --storage memory --purge --keep --json")]
    Pub(JsPubArgs),

    /// Fill a stream, then consume it with a durable pull consumer and fetch.
    ///
    /// Creates the stream (or reuses it) and publishes --msgs messages of
    /// --size bytes into it (acked, --window in flight, not timed). Then
    /// creates a durable pull consumer with explicit acks starting at the
    /// first of those messages, and times fetching them all, --batch per
    /// fetch, acking each one. Every message must arrive once, in stream
    /// order, and the consumer must end with nothing pending. Reports msgs/s
    /// and MB/s. The stream is deleted at the end unless --keep is given.
    #[command(after_help = "Examples:\n  \
        natrium bench js fetch bench.fetch --msgs 100k --size 128 --batch 256\n  \
        natrium bench js fetch bench.fetch --storage memory --json")]
    Fetch(JsFetchArgs),
}

/// Where a stream keeps its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Storage {
    /// Files under the server's store directory.
    File,
    /// Memory only.
    Memory,
}

impl Storage {
    /// The name used by the JetStream API and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Storage::File => "file",
            Storage::Memory => "memory",
        }
    }
}

/// Options of `natrium bench js pub`: the stream and how to publish into it
/// (also how `js fetch` fills its stream).
#[derive(Debug, Args)]
pub struct JsPubArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Stream to publish into; created with SUBJECT as its only subject if missing.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_STREAM)]
    pub stream: String,

    /// Storage of the stream when this command creates it.
    #[arg(long, value_enum, default_value_t = Storage::File)]
    pub storage: Storage,

    /// Start empty: delete the stream if it exists, then create it again.
    #[arg(long)]
    pub purge: bool,

    /// Keep the stream at the end (by default it is deleted).
    #[arg(long)]
    pub keep: bool,

    /// Publishes awaiting their ack at any time.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_WINDOW, value_parser = parse_window)]
    pub window: usize,
}

/// Options of `natrium bench js fetch`.
#[derive(Debug, Args)]
pub struct JsFetchArgs {
    /// The stream, and how it is filled before the timed consumption.
    #[command(flatten)]
    pub fill: JsPubArgs,

    /// Messages asked for by each fetch.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BATCH, value_parser = parse_window)]
    pub batch: usize,

    /// Name of the durable pull consumer (replaced if the stream already has it).
    #[arg(long, value_name = "NAME", default_value = DEFAULT_CONSUMER)]
    pub consumer: String,
}

/// Parses an in-flight window: 1 to 1,000,000.
fn parse_window(text: &str) -> Result<usize, String> {
    let count = parse_count(text)?;
    match usize::try_from(count) {
        Ok(0) => Err("must be at least 1".to_string()),
        Ok(n) if n <= 1_000_000 => Ok(n),
        _ => Err("at most 1000000 publishes in flight".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        assert_eq!(parse_window("256"), Ok(256));
        assert_eq!(parse_window("1k"), Ok(1000));
        assert!(parse_window("0").is_err());
        assert!(parse_window("2M").is_err());
    }

    #[test]
    fn js_pub_parses() {
        use crate::cli::{BenchCommand, Cli, Command};
        use clap::Parser;
        let argv = [
            "natrium",
            "bench",
            "js",
            "pub",
            "x.y",
            "--storage",
            "memory",
            "--window",
            "1k",
            "--purge",
        ];
        match Cli::try_parse_from(argv).map(|cli| cli.command) {
            Ok(Command::Bench(BenchCommand::Js(JsCommand::Pub(args)))) => {
                assert_eq!(args.common.subject, "x.y");
                assert_eq!(args.storage, Storage::Memory);
                assert_eq!(args.window, 1000);
                assert_eq!(args.stream, DEFAULT_STREAM);
                assert!(args.purge && !args.keep);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn js_fetch_parses() {
        use crate::cli::{BenchCommand, Cli, Command};
        use clap::Parser;
        let argv = ["natrium", "bench", "js", "fetch", "x.y", "--batch", "1k"];
        match Cli::try_parse_from(argv).map(|cli| cli.command) {
            Ok(Command::Bench(BenchCommand::Js(JsCommand::Fetch(args)))) => {
                assert_eq!(args.fill.common.subject, "x.y");
                assert_eq!(args.fill.storage, Storage::File);
                assert_eq!(args.batch, 1000);
                assert_eq!(args.consumer, DEFAULT_CONSUMER);
                assert!(!args.fill.keep);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
