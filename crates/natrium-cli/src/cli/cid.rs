//! Command-line definitions for `natrium cid ...`: content-addressed objects
//! (natrium-cid) through a domain's `{domain}.objects.*` service.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use super::messages::parse_duration;

/// `natrium cid` and its domain.
#[derive(Debug, Args)]
pub struct CidArgs {
    /// The content store's domain (subjects `{domain}.objects.*`).
    #[arg(
        long,
        global = true,
        env = "NATRIUM_CID_DOMAIN",
        default_value = "default"
    )]
    pub domain: String,

    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: CidCommand,
}

#[derive(Debug, Subcommand)]
pub enum CidCommand {
    /// Store a file (or stdin) as a UnixFS DAG and print its CID (the CID
    /// `ipfs add --cid-version=1 --raw-leaves` gives); pinned unless --no-pin.
    #[command(after_help = "Examples:\n  \
        natrium cid put --domain sales ./report.pdf\n  \
        tar c build | natrium cid put --domain sales -")]
    Put {
        /// The file, or `-` for stdin.
        file: PathBuf,
        /// Do not pin the root (gc may then delete it).
        #[arg(long)]
        no_pin: bool,
        /// Hash with blake3 instead of sha2-256 (CIDs then differ from IPFS's defaults).
        #[arg(long)]
        blake3: bool,
    },

    /// Fetch content by CID or path (`CID/name/name`), every block verified.
    #[command(
        after_help = "Example:\n  natrium cid --domain sales get bafybeiedpcapwld4tkgtzwahfofgn4wex5ryysf4se6hwpmlrsh4ntnrau -o report.pdf\n  natrium cid --domain sales get bafybeiedpcapwld4tkgtzwahfofgn4wex5ryysf4se6hwpmlrsh4ntnrau/child1/leaf > leaf.bin"
    )]
    Get {
        path: String,
        /// Write into FILE instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Replace FILE when it exists.
        #[arg(long)]
        force: bool,
    },

    /// Show a block's metadata: codec, type, sizes, links, pinned, created.
    #[command(
        after_help = "Example:\n  natrium cid --domain sales stat bafybeiedpcapwld4tkgtzwahfofgn4wex5ryysf4se6hwpmlrsh4ntnrau --json"
    )]
    Stat { path: String },

    /// List a block's links.
    #[command(
        after_help = "Example:\n  natrium cid --domain sales ls bafybeiedpcapwld4tkgtzwahfofgn4wex5ryysf4se6hwpmlrsh4ntnrau"
    )]
    Ls { path: String },

    /// Every block of a DAG, parents first.
    #[command(
        after_help = "Example:\n  natrium cid --domain sales walk bafybeiedpcapwld4tkgtzwahfofgn4wex5ryysf4se6hwpmlrsh4ntnrau"
    )]
    Walk { path: String },

    /// DAG-JSON documents.
    #[command(subcommand)]
    Dag(DagCommand),

    /// Re-hash every block of a DAG in the store and report any corruption (exit 1).
    #[command(
        after_help = "Example:\n  natrium cid --domain sales verify bafybeiedpcapwld4tkgtzwahfofgn4wex5ryysf4se6hwpmlrsh4ntnrau"
    )]
    Verify { cid: String },

    /// Keep a DAG through garbage collection.
    #[command(
        after_help = "Example:\n  natrium cid --domain sales pin bafybeiedpcapwld4tkgtzwahfofgn4wex5ryysf4se6hwpmlrsh4ntnrau"
    )]
    Pin { cid: String },

    /// Let garbage collection delete a DAG.
    #[command(
        after_help = "Example:\n  natrium cid --domain sales unpin bafybeiedpcapwld4tkgtzwahfofgn4wex5ryysf4se6hwpmlrsh4ntnrau"
    )]
    Unpin { cid: String },

    /// Delete blocks no pinned DAG reaches.
    #[command(after_help = "Example:\n  natrium cid --domain sales gc --grace 10m")]
    Gc {
        /// Keep blocks younger than this (a put may still be linking them).
        #[arg(long, default_value = "60s", value_parser = parse_duration)]
        grace: Duration,
    },

    /// CARv1 files, to and from IPFS tools.
    #[command(subcommand)]
    Car(CarCommand),

    /// Run the `{domain}.objects.*` service against the connected server (JetStream needed).
    #[command(
        after_help = "Example:\n  natrium --server nats://127.0.0.1:4222 cid --domain sales serve --stream SALES_OBJECTS"
    )]
    Serve {
        /// Stream for the blocks (default DOMAIN_<DOMAIN>_OBJECTS).
        #[arg(long)]
        stream: Option<String>,
        /// Memory storage instead of file storage.
        #[arg(long)]
        memory: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DagCommand {
    /// Print a document (or the value at a path) as DAG-JSON.
    #[command(
        after_help = "Example:\n  natrium cid --domain sales dag get bafybeiedpcapwld4tkgtzwahfofgn4wex5ryysf4se6hwpmlrsh4ntnrau/links/0"
    )]
    Get { path: String },
    /// Store a DAG-JSON document (links as {"/": "CID"}) and print its CID.
    #[command(
        after_help = "Example:\n  echo '{\"name\": \"root\", \"links\": [{\"name\": \"child1\", \"cid\": {\"/\": \"bafk...\"}}]}' | natrium cid --domain sales dag put"
    )]
    Put {
        /// The file, or `-` for stdin.
        #[arg(default_value = "-")]
        file: PathBuf,
        /// The codec to store it in.
        #[arg(long, value_enum, default_value_t = DocCodec::DagCbor)]
        codec: DocCodec,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DocCodec {
    DagCbor,
    DagJson,
}

#[derive(Debug, Subcommand)]
pub enum CarCommand {
    /// Write the DAG under CID as a CARv1 file (stdout unless -o).
    #[command(
        after_help = "Example:\n  natrium cid --domain sales car export bafybeiedpcapwld4tkgtzwahfofgn4wex5ryysf4se6hwpmlrsh4ntnrau -o dag.car"
    )]
    Export {
        cid: String,
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Store every block of a CARv1 file (or stdin); a file is checked whole first.
    #[command(after_help = "Example:\n  natrium cid --domain sales car import dag.car --pin")]
    Import {
        #[arg(default_value = "-")]
        file: PathBuf,
        /// Pin the CAR's roots.
        #[arg(long)]
        pin: bool,
    },
}
