//! Configuration reload: `SIGHUP` or `natrium-server --signal reload`.
//!
//! The configuration is read again exactly as at start (the file, then the
//! same command-line flags over it, so flags keep winning as in
//! nats-server) and swapped in. Limits, authorization, permissions, ping and
//! lame-duck settings and log levels take effect at once; connections whose
//! credentials the new authorization no longer admits are closed. What
//! cannot change while the server runs (listen addresses, server name,
//! JetStream storage, content stores, pid and log files) keeps its running value and is
//! named in a warning. A configuration that does not parse changes nothing.
//!
//! Accounts are reconfigured in place: limits, mappings, imports and
//! exports change for connected clients too, users and permissions are
//! checked again per connection, and accounts that gain JetStream get it.

use crate::cli::{self, CliError, Command};
use crate::config::{self, ConfigFileError};
use crate::server::ServerShared;

#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error("no configuration file to reload (start the server with -c FILE)")]
    NoConfigFile,
    #[error(transparent)]
    Config(#[from] ConfigFileError),
    #[error(transparent)]
    CommandLine(#[from] CliError),
}

/// Reloads; returns the settings that changed in the file but must keep their
/// running values until a restart.
pub fn reload(shared: &std::sync::Arc<ServerShared>) -> Result<Vec<&'static str>, ReloadError> {
    let current = shared.options();
    let path = current
        .config_file
        .clone()
        .ok_or(ReloadError::NoConfigFile)?;
    let mut next = if current.command_line.is_empty() {
        config::load_file(&path)?
    } else {
        match cli::parse(current.command_line.clone())? {
            Command::Run(options) => *options,
            _ => return Err(ReloadError::NoConfigFile),
        }
    };
    next.command_line = current.command_line.clone();
    let mut kept = Vec::new();
    macro_rules! keep_running {
        ($($field:ident),+) => {$(
            if next.$field != current.$field {
                kept.push(stringify!($field));
                next.$field = current.$field.clone();
            }
        )+};
    }
    keep_running!(
        host,
        port,
        http_host,
        http_port,
        http_base_path,
        server_name,
        pid_file,
        log_file,
        jetstream,
        content_stores
    );
    crate::logging::set_levels(next.debug, next.trace);
    shared.accounts.configure(&next);
    shared.replace_options(next);
    if let Err(err) = crate::jetstream::enable_accounts(shared) {
        tracing::error!("Reloading JetStream accounts: {err}");
    }
    Ok(kept)
}
