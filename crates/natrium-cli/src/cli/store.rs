//! Command-line definitions for `natrium bench kv` and `natrium bench object`
//! (the JetStream key-value and object stores).
//!
//! These workloads address a bucket, not a subject, so they do not take the
//! parent's [`CommonArgs`](super::CommonArgs); they share its output options
//! ([`OutputArgs`]), its value parsers and the stream [`Storage`] choice.

use clap::Args;

use super::js::Storage;
use super::{parse_count, parse_size, OutputArgs};

/// Bucket used when `--bucket` is not given (its stream is `KV_bench` for
/// `bench kv`, `OBJ_bench` for `bench object`).
pub const DEFAULT_BUCKET: &str = "bench";

/// Distinct keys written by `bench kv` when `--keys` is not given.
pub const DEFAULT_KEYS: u64 = 1000;

/// Examples shown after `natrium bench kv --help`.
pub const KV_EXAMPLES: &str = "Examples:\n  \
    natrium bench kv --msgs 50k --size 128 --keys 1000\n  \
    natrium bench kv --storage memory --keep --json";

/// Examples shown after `natrium bench object --help`.
pub const OBJECT_EXAMPLES: &str = "Examples:\n  \
    natrium bench object --size 256MiB\n  \
    natrium bench object --size 32MiB --chunk 1MiB --storage memory --json";

/// Options of `natrium bench kv`.
///
/// Creates the bucket (or reuses it), times --msgs puts one after the other
/// over --keys keys, then --msgs gets of those keys, checking that every get
/// returns the value last put. Reports put and get ops/s and their latency
/// percentiles. The bucket is deleted at the end unless --keep is given.
#[derive(Debug, Args)]
pub struct KvArgs {
    /// Number of puts, and then of gets; suffixes k and M are accepted [default: 100000].
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub msgs: Option<u64>,

    /// Value size in bytes; accepts 1KiB/1k (1024), 1KB (1000), 1MiB/1M, 1MB.
    #[arg(long, value_name = "BYTES", default_value = "128", value_parser = parse_size)]
    pub size: usize,

    /// Distinct keys, written in turn (put i goes to key i mod K).
    #[arg(long, value_name = "K", default_value_t = DEFAULT_KEYS, value_parser = parse_keys)]
    pub keys: u64,

    #[command(flatten)]
    pub bucket: BucketArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// The bucket a key-value or object store workload uses.
#[derive(Debug, Args)]
pub struct BucketArgs {
    /// Bucket name (its stream is KV_<NAME> or OBJ_<NAME>).
    #[arg(long = "bucket", value_name = "NAME", default_value = DEFAULT_BUCKET)]
    pub name: String,

    /// Storage of the bucket when this command creates it.
    #[arg(long, value_enum, default_value_t = Storage::File)]
    pub storage: Storage,

    /// Keep the bucket at the end (by default it is deleted).
    #[arg(long)]
    pub keep: bool,
}

/// Options of `natrium bench object`.
///
/// Creates the bucket (or reuses it), times one put of a --size object whose
/// bytes are generated while it is sent (never held in memory), then one get
/// read to the end, checking the byte count and a checksum of the content.
/// Reports MB/s for each. The bucket is deleted at the end unless --keep.
#[derive(Debug, Args)]
pub struct ObjectArgs {
    /// Object size; accepts 1KiB/1k (1024), 1KB (1000), 1MiB/1M, 1MB.
    #[arg(long, value_name = "BYTES", default_value = "256MiB", value_parser = parse_size)]
    pub size: usize,

    /// Chunk size: bytes per stored message of the object.
    #[arg(long, value_name = "BYTES", default_value = "128KiB", value_parser = parse_chunk)]
    pub chunk: usize,

    #[command(flatten)]
    pub bucket: BucketArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Parses a number of keys: 1 to 10,000,000.
fn parse_keys(text: &str) -> Result<u64, String> {
    match parse_count(text)? {
        0 => Err("must be at least 1".to_string()),
        n if n <= 10_000_000 => Ok(n),
        _ => Err("at most 10000000 keys".to_string()),
    }
}

/// Parses a chunk size: 1 byte to 8 MiB (a chunk is one message).
fn parse_chunk(text: &str) -> Result<usize, String> {
    match parse_size(text)? {
        0 => Err("must be at least 1 byte".to_string()),
        n if n <= 8 << 20 => Ok(n),
        _ => Err("at most 8MiB per chunk".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{BenchCommand, Cli, Command};
    use clap::Parser;

    #[test]
    fn limits() {
        assert_eq!(parse_keys("1k"), Ok(1000));
        assert!(parse_keys("0").is_err());
        assert_eq!(parse_chunk("128KiB"), Ok(128 << 10));
        assert!(parse_chunk("0").is_err());
        assert!(parse_chunk("9MiB").is_err());
    }

    #[test]
    fn kv_and_object_parse() {
        let kv = Cli::try_parse_from(["natrium", "bench", "kv", "--msgs", "5k", "--keys", "10"]);
        match kv.map(|cli| cli.command) {
            Ok(Command::Bench(BenchCommand::Kv(args))) => {
                assert_eq!((args.msgs, args.keys, args.size), (Some(5000), 10, 128));
                assert_eq!(args.bucket.name, DEFAULT_BUCKET);
            }
            other => panic!("unexpected {other:?}"),
        }
        let object = Cli::try_parse_from(["natrium", "bench", "object", "--size", "32MiB"]);
        match object.map(|cli| cli.command) {
            Ok(Command::Bench(BenchCommand::Object(args))) => {
                assert_eq!((args.size, args.chunk), (32 << 20, 128 << 10));
                assert_eq!(args.bucket.storage, Storage::File);
                assert!(!args.bucket.keep && !args.output.json);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
