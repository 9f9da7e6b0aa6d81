//! Command-line definition of `natrium rtt`: how many round trips to time
//! per server, as a positional argument (the nats CLI's form) or as
//! `--iterations`.

use clap::Args;

/// `natrium rtt [ITERATIONS]`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    natrium rtt\n  \
    natrium rtt 20 --server nats://a:4222,nats://b:4222\n  \
    natrium rtt --iterations 10 --json")]
pub struct RttArgs {
    /// Round trips to time per server; the average is printed [default: 5].
    #[arg(value_name = "ITERATIONS", value_parser = parse_iterations)]
    pub positional_iterations: Option<u32>,
    /// Same as ITERATIONS.
    #[arg(long, value_name = "N", value_parser = parse_iterations, conflicts_with = "positional_iterations")]
    pub iterations: Option<u32>,
    /// Print the results as JSON (one document; rtt in nanoseconds).
    #[arg(long, short = 'j')]
    pub json: bool,
}

impl RttArgs {
    /// The number of round trips asked for, 5 by default.
    pub fn round_trips(&self) -> u32 {
        self.iterations.or(self.positional_iterations).unwrap_or(5)
    }
}

fn parse_iterations(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(0) => Err("at least 1 round trip".to_string()),
        Ok(n) if n <= 100_000 => Ok(n),
        Ok(_) => Err("at most 100000 round trips".to_string()),
        Err(_) => Err(format!("'{text}' is not a number of round trips")),
    }
}
