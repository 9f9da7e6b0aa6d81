//! The `natrium-server` command line, compatible with nats-server's.
//!
//! nats-server uses Go's `flag` package, so `-p 4222`, `--port 4222`,
//! `-p=4222` and `--port=4222` are all the same flag and multi-letter short
//! names like `-js`, `-sd` and `-DV` exist. clap cannot express that, so this
//! is a small table-driven parser: client test harnesses and operators' scripts
//! start the server this way and must keep working unchanged.
//!
//! Flags override the configuration file, as in nats-server.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::{self, ConfigFileError};
use crate::options::ServerOptions;

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    Run(Box<ServerOptions>),
    /// `-t`: the configuration is valid; exit.
    TestConfig(Box<ServerOptions>),
    /// `--signal NAME[=PID|PIDFILE]`.
    Signal {
        signal: String,
        target: Option<String>,
        pid_file: Option<PathBuf>,
    },
    Version,
    Help,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("flag provided but not defined: -{0}")]
    UnknownFlag(String),
    #[error("flag needs an argument: -{0}")]
    MissingValue(String),
    #[error("invalid value {value:?} for flag -{flag}: {reason}")]
    InvalidValue {
        flag: String,
        value: String,
        reason: String,
    },
    #[error(transparent)]
    Config(#[from] ConfigFileError),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Value,
}

/// Every flag nats-server 2.14 accepts: aliases map to one canonical name.
const FLAGS: &[(&[&str], Kind)] = &[
    (&["a", "addr", "net"], Kind::Value),
    (&["p", "port"], Kind::Value),
    (&["n", "name", "server_name"], Kind::Value),
    (&["P", "pid"], Kind::Value),
    (&["m", "http_port"], Kind::Value),
    (&["ms", "https_port"], Kind::Value),
    (&["c", "config"], Kind::Value),
    (&["t"], Kind::Bool),
    (&["sl", "signal"], Kind::Value),
    (&["client_advertise"], Kind::Value),
    (&["ports_file_dir"], Kind::Value),
    (&["l", "log"], Kind::Value),
    (&["T", "logtime"], Kind::Bool),
    (&["s", "syslog"], Kind::Bool),
    (&["r", "remote_syslog"], Kind::Value),
    (&["D", "debug"], Kind::Bool),
    (&["V", "trace"], Kind::Bool),
    (&["VV"], Kind::Bool),
    (&["DV"], Kind::Bool),
    (&["DVV"], Kind::Bool),
    (&["log_size_limit"], Kind::Value),
    (&["max_traced_msg_len"], Kind::Value),
    (&["js", "jetstream"], Kind::Bool),
    (&["sd", "store_dir"], Kind::Value),
    (&["user"], Kind::Value),
    (&["pass"], Kind::Value),
    (&["auth"], Kind::Value),
    (&["tls"], Kind::Bool),
    (&["tlscert"], Kind::Value),
    (&["tlskey"], Kind::Value),
    (&["tlsverify"], Kind::Bool),
    (&["tlscacert"], Kind::Value),
    (&["routes"], Kind::Value),
    (&["cluster"], Kind::Value),
    (&["cluster_name"], Kind::Value),
    (&["no_advertise"], Kind::Bool),
    (&["cluster_advertise"], Kind::Value),
    (&["connect_retries"], Kind::Value),
    (&["cluster_listen"], Kind::Value),
    (&["profile"], Kind::Value),
    (&["h", "help"], Kind::Bool),
    (&["help_tls"], Kind::Bool),
    (&["v", "version"], Kind::Bool),
];

/// One flag as given: its canonical (first) name and its value.
struct Flag {
    name: &'static str,
    value: String,
}

/// Parses the arguments after the program name.
pub fn parse<I, S>(args: I) -> Result<Command, CliError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let flags = tokenize(args.into_iter().map(Into::into).collect())?;
    let has = |name: &str| flags.iter().any(|f| f.name == name && f.value != "false");
    if has("h") || has("help_tls") {
        return Ok(Command::Help);
    }
    if has("v") {
        return Ok(Command::Version);
    }
    if let Some(signal) = flags.iter().find(|f| f.name == "sl") {
        let (name, target) = match signal.value.split_once('=') {
            Some((name, target)) => (name.to_string(), Some(target.to_string())),
            None => (signal.value.clone(), None),
        };
        let pid_file = flags
            .iter()
            .find(|f| f.name == "P")
            .map(|f| PathBuf::from(&f.value));
        return Ok(Command::Signal {
            signal: name,
            target,
            pid_file,
        });
    }
    let mut options = match flags.iter().find(|f| f.name == "c") {
        Some(file) => config::load_file(std::path::Path::new(&file.value))?,
        None => ServerOptions::default(),
    };
    for flag in &flags {
        apply(&mut options, flag)?;
    }
    if has("t") {
        Ok(Command::TestConfig(Box::new(options)))
    } else {
        Ok(Command::Run(Box::new(options)))
    }
}

fn tokenize(args: Vec<String>) -> Result<Vec<Flag>, CliError> {
    let mut flags = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let Some(body) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else {
            // Go's flag package stops at the first non-flag argument; nats-server
            // then ignores the rest. Refusing is kinder than ignoring silently.
            return Err(CliError::UnknownFlag(arg));
        };
        let (name, inline_value) = match body.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (body, None),
        };
        let (canonical, kind) = FLAGS
            .iter()
            .find(|(names, _)| names.contains(&name))
            .map(|(names, kind)| (names[0], *kind))
            .ok_or_else(|| CliError::UnknownFlag(name.to_string()))?;
        let value = match (kind, inline_value) {
            (_, Some(value)) => value,
            (Kind::Bool, None) => "true".to_string(),
            (Kind::Value, None) => args
                .next()
                .ok_or_else(|| CliError::MissingValue(name.to_string()))?,
        };
        flags.push(Flag {
            name: canonical,
            value,
        });
    }
    Ok(flags)
}

fn apply(options: &mut ServerOptions, flag: &Flag) -> Result<(), CliError> {
    let value = flag.value.as_str();
    let on = || parse_bool(flag.name, value);
    match flag.name {
        "a" => options.host = value.to_string(),
        "p" => options.port = parse_port(flag.name, value)?,
        "n" => options.server_name = Some(value.to_string()),
        "P" => options.pid_file = Some(PathBuf::from(value)),
        "m" => options.http_port = Some(parse_port(flag.name, value)?),
        "l" => options.log_file = Some(PathBuf::from(value)),
        "T" => options.logtime = on()?,
        "D" => options.debug = on()?,
        "V" | "VV" => options.trace = on()?,
        "DV" | "DVV" => {
            options.debug = on()?;
            options.trace = options.debug;
        }
        "js" => options.jetstream.enabled = on()?,
        "sd" => options.jetstream.store_dir = Some(PathBuf::from(value)),
        "user" => options.auth.username = Some(value.to_string()),
        "pass" => options.auth.password = Some(value.to_string()),
        "auth" => options.auth.token = Some(value.to_string()),
        "max_traced_msg_len" | "log_size_limit" | "t" | "c" => {}
        "tls" | "tlscert" | "tlskey" | "tlsverify" | "tlscacert" => {
            let tls = options.tls.get_or_insert_with(|| {
                crate::options::TlsOptions::new(PathBuf::new(), PathBuf::new())
            });
            match flag.name {
                "tlscert" => tls.cert_file = PathBuf::from(value),
                "tlskey" => tls.key_file = PathBuf::from(value),
                "tlscacert" => tls.ca_file = Some(PathBuf::from(value)),
                "tlsverify" => tls.verify = on()?,
                _ => {}
            }
        }
        "routes" | "cluster" | "cluster_name" | "no_advertise" | "cluster_advertise"
        | "connect_retries" | "cluster_listen" => options.unsupported.push(format!(
            "--{}: clustering is not supported: use a leafnode connection instead",
            flag.name
        )),
        other => options.unsupported.push(format!(
            "-{other}: not supported by natrium-server; ignored"
        )),
    }
    Ok(())
}

fn parse_bool(flag: &str, value: &str) -> Result<bool, CliError> {
    match value {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(CliError::InvalidValue {
            flag: flag.to_string(),
            value: value.to_string(),
            reason: "not a boolean".to_string(),
        }),
    }
}

/// Ports as nats-server reads them: `-1` (and 0) means "any free port".
fn parse_port(flag: &str, value: &str) -> Result<u16, CliError> {
    match value.parse::<i64>() {
        Ok(-1) | Ok(0) => Ok(0),
        Ok(port) if (1..=65535).contains(&port) => Ok(port as u16),
        _ => Err(CliError::InvalidValue {
            flag: flag.to_string(),
            value: value.to_string(),
            reason: "not a port number (1-65535, or -1 for any free port)".to_string(),
        }),
    }
}

/// nats-server's usage text, with natrium's name.
pub const USAGE: &str = "\
Usage: natrium-server [options]

Server Options:
    -a, --addr, --net <host>         Bind to host address (default: 0.0.0.0)
    -p, --port <port>                Use port for clients (default: 4222; -1 for any free port)
    -n, --name
        --server_name <server_name>  Server name (default: auto)
    -P, --pid <file>                 File to store PID
    -m, --http_port <port>           Use port for http monitoring
    -c, --config <file>              Configuration file
    -t                               Test configuration and exit
    -sl,--signal <signal>[=<pid>]    Send signal to natrium-server process (ldm, stop, quit, term, reload)
                                     <pid> can be either a PID (e.g. 1) or the path to a PID file

Logging Options:
    -l, --log <file>                 File to redirect log output
    -T, --logtime                    Timestamp log entries (default: true)
    -D, --debug                      Enable debugging output
    -V, --trace                      Trace the raw protocol
    -DV                              Debug and trace

JetStream Options:
    -js, --jetstream                 Enable JetStream functionality
    -sd, --store_dir <dir>           Set the storage directory

Authorization Options:
        --user <user>                User required for connections
        --pass <password>            Password required for connections
        --auth <token>               Authorization token required for connections

TLS Options (accepted; TLS is not supported yet):
        --tls, --tlscert <file>, --tlskey <file>, --tlsverify, --tlscacert <file>

Cluster Options (accepted; natrium-server does not cluster: use leafnodes):
        --routes, --cluster, --cluster_name, --cluster_listen, ...

Common Options:
    -h, --help                       Show this message
    -v, --version                    Show version
";

/// How long nats-server waits before the first lame-duck client is closed.
pub const DEFAULT_LDM_GRACE: Duration = Duration::from_secs(10);

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> ServerOptions {
        match parse(args.iter().copied()) {
            Ok(Command::Run(options)) => *options,
            other => panic!("expected Run, got {other:?}"),
        }
    }

    #[test]
    fn go_flag_forms_are_all_accepted() {
        for args in [
            &["-p", "5222"][..],
            &["--port", "5222"],
            &["-p=5222"],
            &["--port=5222"],
        ] {
            assert_eq!(run(args).port, 5222, "{args:?}");
        }
        assert_eq!(run(&["-p", "-1"]).port, 0);
        let options = run(&["-js", "-sd=/tmp/x", "-DV", "-a", "127.0.0.1", "-m", "8222"]);
        assert!(options.jetstream.enabled && options.debug && options.trace);
        assert_eq!(options.jetstream.store_dir, Some(PathBuf::from("/tmp/x")));
        assert_eq!(options.http_port, Some(8222));
        assert_eq!(options.host, "127.0.0.1");
    }

    #[test]
    fn signals_and_errors() {
        match parse(["--signal", "ldm=/tmp/n.pid"]) {
            Ok(Command::Signal { signal, target, .. }) => {
                assert_eq!(signal, "ldm");
                assert_eq!(target.as_deref(), Some("/tmp/n.pid"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse(["--bogus"]), Err(CliError::UnknownFlag(_))));
        assert!(matches!(parse(["-p"]), Err(CliError::MissingValue(_))));
        assert!(matches!(
            parse(["-p", "x"]),
            Err(CliError::InvalidValue { .. })
        ));
        let options = run(&["--cluster", "nats://x:6222"]);
        assert_eq!(options.unsupported.len(), 1);
    }
}
