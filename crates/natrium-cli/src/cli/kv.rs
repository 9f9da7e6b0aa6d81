//! Command-line definitions for `natrium kv ...`, the JetStream key-value
//! store, with the nats CLI's command and flag names so habits carry over.
//!
//! One difference on purpose: natrium never prompts. Whatever the nats CLI
//! would ask to confirm and cannot be undone (deleting a bucket, purging a
//! key's history, compacting) needs `--force` instead.

use std::time::Duration;

use clap::{Args, Subcommand};

use super::js::Storage;
use super::messages::parse_duration;
use super::parse_size;

/// `natrium kv ...` subcommands.
#[derive(Debug, Subcommand)]
pub enum KvCommand {
    /// Create a key-value bucket and show its status.
    #[command(
        alias = "new",
        after_help = "Examples:\n  \
        natrium kv add CONFIG --history 5 --ttl 24h\n  \
        natrium kv add CACHE --storage memory --max-bucket-size 64MiB --limit-markers 1m"
    )]
    Add(AddArgs),

    /// Store a value under a key and print the new revision.
    #[command(after_help = "Examples:\n  \
        natrium kv put CONFIG colour blue\n  \
        cat settings.json | natrium kv put CONFIG settings")]
    Put(PutArgs),

    /// Show a key's value (its latest revision, or --revision).
    #[command(after_help = "Examples:\n  \
        natrium kv get CONFIG colour\n  \
        natrium kv get CONFIG colour --revision 3 --raw")]
    Get(GetArgs),

    /// Store a value only if the key does not exist (or was deleted); print the revision.
    #[command(after_help = "Example:\n  natrium kv create CONFIG colour blue")]
    Create(PutArgs),

    /// Store a value only if the key is still at REVISION (compare and swap).
    #[command(after_help = "Examples:\n  \
        natrium kv update CONFIG colour red 4\n  \
        echo red | natrium kv update CONFIG colour 4")]
    Update(UpdateArgs),

    /// Delete a key (history kept), or with no KEY the whole bucket (needs --force).
    #[command(
        visible_alias = "rm",
        after_help = "Examples:\n  \
        natrium kv del CONFIG colour\n  \
        natrium kv rm CONFIG --force"
    )]
    Del(DelArgs),

    /// Delete a key and remove all of its history (needs --force).
    #[command(after_help = "Example:\n  natrium kv purge CONFIG colour --force")]
    Purge(KeyForceArgs),

    /// Show every revision kept for a key.
    #[command(after_help = "Examples:\n  \
        natrium kv history CONFIG colour\n  \
        natrium kv history CONFIG colour --json")]
    History(HistoryArgs),

    /// Print changes to a bucket as they happen (latest values first).
    #[command(after_help = "Examples:\n  \
        natrium kv watch CONFIG\n  \
        natrium kv watch CONFIG 'colour.>' --updates-only --count 10")]
    Watch(WatchArgs),

    /// List the buckets, or the keys of BUCKET.
    #[command(
        alias = "list",
        after_help = "Examples:\n  \
        natrium kv ls\n  \
        natrium kv ls --names\n  \
        natrium kv ls CONFIG"
    )]
    Ls(LsArgs),

    /// Show a bucket's configuration and state.
    #[command(
        visible_alias = "status",
        alias = "view",
        after_help = "Examples:\n  \
        natrium kv info CONFIG\n  \
        natrium kv status CONFIG --json"
    )]
    Info(InfoArgs),

    /// Reclaim the space of deleted keys: drop their old revisions (needs --force).
    ///
    /// Like the nats CLI: a delete or purge marker younger than 30 minutes is
    /// kept (so watchers still see the deletion), an older one is removed too.
    #[command(after_help = "Example:\n  natrium kv compact CONFIG --force")]
    Compact(BucketForceArgs),
}

/// `natrium kv add BUCKET`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Name of the new bucket (letters, digits, - and _).
    pub bucket: String,
    /// How many values to keep per key (1 to 64).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(i64).range(1..=64))]
    pub history: i64,
    #[command(flatten)]
    pub options: BucketOptions,
    /// Largest value accepted (e.g. 1MiB) [default: unlimited].
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    pub max_value_size: Option<usize>,
    /// Allow per-key TTLs and leave delete markers for keys removed by limits,
    /// kept for DURATION (needs nats-server 2.11 or later).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub limit_markers: Option<Duration>,
    /// Republish the bucket's messages matching this subject (e.g. '$KV.CONFIG.>').
    #[arg(long, value_name = "SUBJECT", requires = "republish_destination")]
    pub republish_source: Option<String>,
    /// Where to republish them.
    #[arg(long, value_name = "SUBJECT")]
    pub republish_destination: Option<String>,
    /// Republish only the headers, not the values.
    #[arg(long, requires = "republish_destination")]
    pub republish_headers: bool,
    /// Make this bucket a read-only mirror of another bucket.
    #[arg(long, value_name = "BUCKET", conflicts_with = "source")]
    pub mirror: Option<String>,
    /// The JetStream domain the mirrored bucket lives in.
    #[arg(long, value_name = "DOMAIN", requires = "mirror")]
    pub mirror_domain: Option<String>,
    /// Copy the values of another bucket into this one (repeatable).
    #[arg(long, value_name = "BUCKET")]
    pub source: Vec<String>,
}

/// Settings both stores' buckets have (`kv add`, `object add`).
#[derive(Debug, Args)]
pub struct BucketOptions {
    /// How long to keep each value or object (e.g. 30s, 10m, 24h) [default: forever].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub ttl: Option<Duration>,
    /// How many copies of the data to keep in a cluster.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub replicas: usize,
    /// Largest total size of the bucket (e.g. 1GiB) [default: unlimited].
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    pub max_bucket_size: Option<usize>,
    /// Where the bucket keeps its data.
    #[arg(long, value_enum, default_value_t = Storage::File)]
    pub storage: Storage,
    /// Compress the stored data (S2).
    #[arg(long)]
    pub compress: bool,
    /// A description of the bucket.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
}

/// `natrium kv put|create BUCKET KEY [VALUE]`.
#[derive(Debug, Args)]
pub struct PutArgs {
    /// The bucket to write to.
    pub bucket: String,
    /// The key (letters, digits, -, _, =, / and . separated tokens).
    pub key: String,
    /// The value; read from stdin when absent.
    pub value: Option<String>,
}

/// `natrium kv get BUCKET KEY`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The bucket to read from.
    pub bucket: String,
    /// The key to read.
    pub key: String,
    /// Read this revision instead of the latest.
    #[arg(long, value_name = "N")]
    pub revision: Option<u64>,
    /// Print only the value, exactly as stored.
    #[arg(long, conflicts_with = "json")]
    pub raw: bool,
    /// Print the entry as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `natrium kv update BUCKET KEY [VALUE] REVISION`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The bucket to write to.
    pub bucket: String,
    /// The key to update.
    pub key: String,
    /// VALUE then REVISION, or just REVISION (the value is then read from stdin).
    #[arg(value_name = "[VALUE] REVISION", num_args = 1..=2, required = true)]
    pub value_and_revision: Vec<String>,
}

/// `natrium kv del BUCKET [KEY]`.
#[derive(Debug, Args)]
pub struct DelArgs {
    /// The bucket.
    pub bucket: String,
    /// The key to delete; without it the whole bucket is deleted.
    pub key: Option<String>,
    /// Really delete the bucket (needed when no KEY is given).
    #[arg(short, long)]
    pub force: bool,
}

/// A bucket, a key and `--force`.
#[derive(Debug, Args)]
pub struct KeyForceArgs {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// Confirm the action (natrium never prompts).
    #[arg(short, long)]
    pub force: bool,
}

/// A bucket and `--force`.
#[derive(Debug, Args)]
pub struct BucketForceArgs {
    /// The bucket.
    pub bucket: String,
    /// Confirm the action (natrium never prompts).
    #[arg(short, long)]
    pub force: bool,
}

/// `natrium kv history BUCKET KEY`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// Print the revisions as a JSON array.
    #[arg(long)]
    pub json: bool,
}

/// `natrium kv watch BUCKET [KEY]`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The bucket.
    pub bucket: String,
    /// Keys to watch; wildcards * and > allowed.
    #[arg(default_value = ">")]
    pub key: String,
    /// Exit after printing this many changes (0: run until interrupted).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub count: u64,
    /// Only print changes made from now on, not the current values.
    #[arg(long)]
    pub updates_only: bool,
    /// Do not print deletes and purges.
    #[arg(long)]
    pub ignore_deletes: bool,
}

/// `natrium kv ls [BUCKET]` and `natrium object ls [BUCKET]`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// List what this bucket holds (keys, or objects) instead of the buckets.
    pub bucket: Option<String>,
    /// Print only the names, one per line.
    #[arg(short, long, conflicts_with = "json")]
    pub names: bool,
    /// Print JSON: the buckets' stream information, or the bucket's keys or objects.
    #[arg(long)]
    pub json: bool,
}

/// `natrium kv info BUCKET`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The bucket.
    pub bucket: String,
    /// Print the bucket's stream information as JSON.
    #[arg(long)]
    pub json: bool,
}
