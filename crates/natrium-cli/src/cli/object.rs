//! Command-line definitions for `natrium object ...`, the JetStream object
//! store, with the nats CLI's command and flag names.
//!
//! natrium never prompts: where the nats CLI would ask before replacing or
//! destroying something (an existing object or local file, a bucket, a
//! seal), `--force` is required instead.

use std::path::PathBuf;

use clap::{Args, Subcommand};

pub use super::kv::{BucketOptions, LsArgs};

/// `natrium object ...` subcommands.
#[derive(Debug, Subcommand)]
pub enum ObjectCommand {
    /// Create an object store bucket and show its status.
    #[command(after_help = "Examples:\n  \
        natrium object add FILES\n  \
        natrium object add BACKUPS --ttl 720h --max-bucket-size 10GiB --metadata owner=ops")]
    Add(AddArgs),

    /// Store a file (or stdin) as an object, streamed in chunks.
    #[command(after_help = "Examples:\n  \
        natrium object put FILES ./report.pdf\n  \
        natrium object put FILES ./build.tar --name releases/v1.tar -H type:tar\n  \
        pg_dump db | natrium object put BACKUPS --name db.sql")]
    Put(PutArgs),

    /// Fetch an object into a file, streamed, its SHA-256 digest checked.
    #[command(after_help = "Examples:\n  \
        natrium object get FILES report.pdf\n  \
        natrium object get FILES releases/v1.tar -O /tmp/v1.tar --force")]
    Get(GetArgs),

    /// Delete an object, or with no NAME the whole bucket (needs --force).
    #[command(
        visible_alias = "rm",
        after_help = "Examples:\n  \
        natrium object rm FILES report.pdf --force\n  \
        natrium object del FILES --force"
    )]
    Del(DelArgs),

    /// Show an object's information, or with no NAME the bucket's status.
    #[command(
        visible_alias = "status",
        after_help = "Examples:\n  \
        natrium object info FILES report.pdf\n  \
        natrium object status FILES --json"
    )]
    Info(InfoArgs),

    /// List the objects of BUCKET, or the object store buckets.
    #[command(after_help = "Examples:\n  \
        natrium object ls\n  \
        natrium object ls FILES --json")]
    Ls(LsArgs),

    /// Seal a bucket: no object can be added, changed or removed any more (needs --force).
    #[command(after_help = "Example:\n  natrium object seal FILES --force")]
    Seal(SealArgs),

    /// Print changes to a bucket's objects as they happen (current objects first).
    #[command(after_help = "Example:\n  natrium object watch FILES --count 5")]
    Watch(WatchArgs),
}

/// `natrium object add BUCKET`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Name of the new bucket (letters, digits, - and _).
    pub bucket: String,
    #[command(flatten)]
    pub options: BucketOptions,
    /// Metadata of the bucket as KEY=VALUE (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
}

/// `natrium object put BUCKET [FILE]`.
#[derive(Debug, Args)]
pub struct PutArgs {
    /// The bucket to store into.
    pub bucket: String,
    /// The file to store; `-` or none reads stdin (then --name is required).
    pub file: Option<PathBuf>,
    /// The object's name [default: FILE as given].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// A description of the object.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Headers of the object as KEY:VALUE (repeatable).
    #[arg(short = 'H', long = "header", value_name = "KEY:VALUE")]
    pub headers: Vec<String>,
    /// Metadata of the object as KEY=VALUE (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
    /// Replace an object of the same name.
    #[arg(short, long)]
    pub force: bool,
    /// Print the stored object's information as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `natrium object get BUCKET NAME`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The bucket.
    pub bucket: String,
    /// The object's name.
    pub name: String,
    /// The file to write [default: the object name's last part, in the current directory].
    #[arg(short = 'O', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace the output file if it exists.
    #[arg(short, long)]
    pub force: bool,
}

/// `natrium object del BUCKET [NAME]`.
#[derive(Debug, Args)]
pub struct DelArgs {
    /// The bucket.
    pub bucket: String,
    /// The object to delete; without it the whole bucket is deleted.
    pub name: Option<String>,
    /// Confirm the deletion (natrium never prompts).
    #[arg(short, long)]
    pub force: bool,
}

/// `natrium object info BUCKET [NAME]`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The bucket.
    pub bucket: String,
    /// The object; without it the bucket's status is shown.
    pub name: Option<String>,
    /// Print JSON: the object's information, or the bucket's stream information.
    #[arg(long)]
    pub json: bool,
}

/// `natrium object seal BUCKET`.
#[derive(Debug, Args)]
pub struct SealArgs {
    /// The bucket.
    pub bucket: String,
    /// Confirm sealing, which cannot be undone.
    #[arg(short, long)]
    pub force: bool,
}

/// `natrium object watch BUCKET`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The bucket.
    pub bucket: String,
    /// Exit after printing this many changes (0: run until interrupted).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub count: u64,
}
