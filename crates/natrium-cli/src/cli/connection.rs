//! The connection flags every command accepts, with the nats CLI's names and
//! environment variables (`NATS_URL`, `NATS_CREDS`, ...). Each one overrides
//! the same setting of the chosen context (see [`crate::connection`]).

use std::time::Duration;

use clap::Args;

use super::messages::parse_duration;

/// Global connection options (they may appear before or after the command).
#[derive(Debug, Clone, Default, Args)]
pub struct ConnectionArgs {
    /// NATS server URLs, comma separated [default: the context's, else nats://127.0.0.1:4222].
    #[arg(
        short = 's',
        long = "server",
        value_name = "URLS",
        env = "NATS_URL",
        global = true
    )]
    pub server: Option<String>,

    /// User name (or a token when no password is given).
    #[arg(long, value_name = "USER", env = "NATS_USER", global = true)]
    pub user: Option<String>,

    /// Password for --user.
    #[arg(long, value_name = "PASSWORD", env = "NATS_PASSWORD", global = true)]
    pub password: Option<String>,

    /// Authentication token.
    #[arg(long, value_name = "TOKEN", env = "NATS_TOKEN", global = true)]
    pub token: Option<String>,

    /// User credentials file (JWT and seed, as written by nsc).
    #[arg(long, value_name = "FILE", env = "NATS_CREDS", global = true)]
    pub creds: Option<String>,

    /// File holding the user's nkey seed (SU...).
    #[arg(long, value_name = "FILE", env = "NATS_NKEY", global = true)]
    pub nkey: Option<String>,

    /// TLS client certificate (PEM).
    #[arg(long, value_name = "FILE", env = "NATS_CERT", global = true)]
    pub tlscert: Option<String>,

    /// TLS client private key (PEM).
    #[arg(long, value_name = "FILE", env = "NATS_KEY", global = true)]
    pub tlskey: Option<String>,

    /// TLS certificate authority chain (PEM) to verify the server with.
    #[arg(long, value_name = "FILE", env = "NATS_CA", global = true)]
    pub tlsca: Option<String>,

    /// Start TLS before the server's INFO (servers configured with handshake_first).
    #[arg(long, global = true)]
    pub tlsfirst: bool,

    /// How long to wait for the server and for replies (e.g. 500ms, 5s) [default: 5s; bench: 10s].
    #[arg(long, value_name = "DURATION", env = "NATS_TIMEOUT", value_parser = parse_duration, global = true)]
    pub timeout: Option<Duration>,

    /// Saved context to use instead of the selected one (see `natrium context`).
    #[arg(long, value_name = "NAME", env = "NATS_CONTEXT", global = true)]
    pub context: Option<String>,

    /// JetStream domain to talk to.
    #[arg(long = "js-domain", value_name = "DOMAIN", global = true)]
    pub js_domain: Option<String>,

    /// JetStream API subject prefix (for imported JetStream across accounts).
    #[arg(long = "js-api-prefix", value_name = "PREFIX", global = true)]
    pub js_api_prefix: Option<String>,

    /// Prefix for reply inboxes instead of _INBOX.
    #[arg(long = "inbox-prefix", value_name = "PREFIX", global = true)]
    pub inbox_prefix: Option<String>,
}
