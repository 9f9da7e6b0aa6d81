//! Command-line definition of `natrium trace`: the subject and body of the
//! traced message, its extra headers, and whether it is delivered.

use clap::Args;

/// `natrium trace SUBJECT [PAYLOAD]`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    natrium trace orders.new '{\"id\":1}'\n  \
    natrium trace orders.new --trace-only\n  \
    natrium trace orders.new -H source:cli -T")]
pub struct TraceArgs {
    /// The subject to publish the traced message to.
    pub subject: String,
    /// The message body [default: empty].
    pub payload: Option<String>,
    /// Report the route only: the servers deliver and store nothing
    /// (`Nats-Trace-Only`). Without it the message really is delivered.
    #[arg(long)]
    pub trace_only: bool,
    /// Adds a header to the traced message, KEY:VALUE (repeatable).
    #[arg(short = 'H', long = "header", value_name = "KEY:VALUE")]
    pub headers: Vec<String>,
    /// Show each event's time since the message came in.
    #[arg(short = 'T', long)]
    pub timestamp: bool,
    /// Print the trace reports the servers sent, as JSON (one array).
    #[arg(long, short = 'j')]
    pub json: bool,
}
