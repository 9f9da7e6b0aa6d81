//! Turns a nats-server configuration file into [`ServerOptions`].
//!
//! Parsing the format (includes, variables, sizes) is `natrium-config`'s job;
//! this module knows what the keys mean. Keys are matched case-insensitively
//! and an unknown key is an error with its file, line and column, exactly as
//! nats-server reports it, so a typo never silently changes behaviour.

use std::path::{Path, PathBuf};
use std::time::Duration;

mod accounts;
mod auth;
mod operator;

use natrium_config::{Map, Spanned, Value};

use crate::options::{AccountOptions, ServerOptions};

/// A configuration file that could not be read or understood.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    #[error(transparent)]
    Parse(#[from] natrium_config::ConfigError),
    #[error("{location}: {message}")]
    Field { location: String, message: String },
}

/// Loads a configuration file over nats-server's defaults.
pub fn load_file(path: &Path) -> Result<ServerOptions, ConfigFileError> {
    let map = natrium_config::parse_file(path)?;
    let mut options = ServerOptions {
        config_file: Some(path.to_path_buf()),
        ..ServerOptions::default()
    };
    apply_map(&mut options, &map)?;
    Ok(options)
}

/// Loads configuration text (for embedding and tests).
pub fn load_str(text: &str) -> Result<ServerOptions, ConfigFileError> {
    let map = natrium_config::parse_str(text)?;
    let mut options = ServerOptions::default();
    apply_map(&mut options, &map)?;
    Ok(options)
}

fn apply_map(options: &mut ServerOptions, map: &Map) -> Result<(), ConfigFileError> {
    let mut operator = operator::OperatorKeys::default();
    for (key, value) in settings(map) {
        match key.to_ascii_lowercase().as_str() {
            "operator" | "operators" | "root" | "roots" | "root_operators" | "root_operator" => {
                operator.operator(value)?
            }
            "resolver" | "account_resolver" | "accounts_resolver" => {
                operator.resolver(options, value)?
            }
            "resolver_preload" => operator.preload(value)?,
            key => apply_key(options, key, value)?,
        }
    }
    operator.finish(options)?;
    check_references(options, map)
}

/// What can only be checked once every key is read: the names one part of
/// the file gives to another (accounts, users, imports of exports).
fn check_references(options: &ServerOptions, map: &Map) -> Result<(), ConfigFileError> {
    let at = |key: &str| {
        settings(map)
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, value)| location(value))
            .unwrap_or_else(|| "configuration".to_string())
    };
    if let Some(system) = &options.system_account {
        if !accounts::account_exists(options, system) {
            return Err(ConfigFileError::Field {
                location: at("system_account"),
                message: format!("system account {system:?} is not defined"),
            });
        }
    }
    if let Some(user) = &options.no_auth_user {
        if options.auth.users.is_empty() {
            return Err(ConfigFileError::Field {
                location: at("no_auth_user"),
                message: format!("no_auth_user: {user:?} present, but users/nkeys are not defined"),
            });
        }
        if !options.auth.users.iter().any(|u| u.name() == user) {
            return Err(ConfigFileError::Field {
                location: at("no_auth_user"),
                message: format!(
                    "no_auth_user: {user:?} not present as user or nkey in authorization block or account configuration"
                ),
            });
        }
    }
    let mut seen = std::collections::HashSet::new();
    for user in &options.auth.users {
        if !seen.insert(user.name()) {
            let what = if user.nkey.is_some() { "nkey" } else { "user" };
            return Err(ConfigFileError::Field {
                location: at(if user.account.is_some() {
                    "accounts"
                } else {
                    "authorization"
                }),
                message: format!("Duplicate {what} {:?} detected", user.name()),
            });
        }
    }
    crate::account::check_options(options).map_err(|err| ConfigFileError::Field {
        location: err.location.clone(),
        message: err.message,
    })
}

fn apply_key(
    options: &mut ServerOptions,
    key: &str,
    value: &Spanned<Value>,
) -> Result<(), ConfigFileError> {
    match key {
        "listen" => {
            let (host, port) = host_port(value)?;
            if let Some(host) = host {
                options.host = host;
            }
            options.port = port;
        }
        "port" => options.port = port(value)?,
        "host" | "net" => options.host = string(value)?,
        "server_name" => options.server_name = Some(string(value)?),
        "http" | "monitor" => {
            let (host, port) = host_port(value)?;
            if let Some(host) = host {
                options.http_host = host;
            }
            options.http_port = Some(port);
        }
        "http_port" | "monitor_port" => options.http_port = Some(port(value)?),
        "http_base_path" => options.http_base_path = string(value)?,
        "max_payload" => options.max_payload = size(value)?,
        "max_connections" | "max_conn" => options.max_connections = size(value)?,
        "max_subscriptions" | "max_subs" => options.max_subscriptions = size(value)?,
        "max_control_line" => options.max_control_line = size(value)?,
        "max_pending" => options.max_pending = size(value)?,
        "write_deadline" => options.write_deadline = duration(value)?,
        "ping_interval" => options.ping_interval = duration(value)?,
        "ping_max" => options.ping_max = size(value)? as u32,
        "lame_duck_duration" => options.lame_duck_duration = duration(value)?,
        "lame_duck_grace_period" => options.lame_duck_grace_period = duration(value)?,
        "pid_file" => options.pid_file = Some(PathBuf::from(string(value)?)),
        "log_file" => options.log_file = Some(PathBuf::from(string(value)?)),
        "debug" => options.debug = boolean(value)?,
        "trace" | "trace_verbose" => options.trace = boolean(value)?,
        "logtime" => options.logtime = boolean(value)?,
        "authorization" => auth::apply_authorization(options, value)?,
        "accounts" => accounts::apply_accounts(options, value)?,
        "system_account" | "system" => accounts::system_account(options, value)?,
        "no_auth_user" => options.no_auth_user = Some(string(value)?),
        "mappings" | "maps" => {
            let mappings = accounts::mappings(value)?;
            global_account_options(options).mappings.extend(mappings);
        }
        "jetstream" => apply_jetstream(options, value)?,
        "content_store" => options
            .content_stores
            .extend(crate::content_store::parse(value, None)?),
        "max_traced_msg_len"
        | "logfile_size_limit"
        | "log_size_limit"
        | "syslog"
        | "remote_syslog"
        | "ports_file_dir"
        | "client_advertise"
        | "no_header_support"
        | "connect_error_reports"
        | "reconnect_error_reports"
        | "disable_sublist_cache"
        | "logtime_utc"
        | "prof_port" => {}
        "cluster" | "gateway" | "routes" => options.unsupported.push(format!(
            "{}: '{key}': clustering is not supported: use a leafnode connection instead",
            location(value)
        )),
        "tls" => apply_tls(options, value)?,
        "leafnodes"
        | "leaf"
        | "websocket"
        | "mqtt"
        | "no_sys_acc"
        | "no_system_account"
        | "resolver_tls"
        | "resolver_pinned_accounts"
        | "trusted"
        | "trusted_keys" => options.unsupported.push(format!(
            "{}: '{key}' is not supported yet; ignored",
            location(value)
        )),
        _ => return Err(field_error(value, format!("unknown field {key:?}"))),
    }
    Ok(())
}

fn apply_jetstream(
    options: &mut ServerOptions,
    value: &Spanned<Value>,
) -> Result<(), ConfigFileError> {
    let js = &mut options.jetstream;
    match &value.value {
        Value::Bool(enabled) => js.enabled = *enabled,
        Value::String(s) => {
            js.enabled = matches!(
                s.to_ascii_lowercase().as_str(),
                "enabled" | "true" | "yes" | "on"
            )
        }
        Value::Map(block) => {
            js.enabled = true;
            for (key, entry) in settings(block) {
                match key.to_ascii_lowercase().as_str() {
                    "store_dir" | "storedir" | "store" => {
                        js.store_dir = Some(PathBuf::from(string(entry)?))
                    }
                    "max_memory_store" | "max_mem_store" | "max_mem" => {
                        js.max_memory_store = Some(size(entry)? as i64)
                    }
                    "max_file_store" | "max_file" => js.max_file_store = Some(size(entry)? as i64),
                    "domain" => js.domain = Some(string(entry)?),
                    "enabled" | "enable" => js.enabled = boolean(entry)?,
                    "sync_interval" | "sync" => {
                        js.sync = Some(match &entry.value {
                            Value::String(s) if s.eq_ignore_ascii_case("always") => {
                                natrium_store::SyncPolicy::Always
                            }
                            _ => natrium_store::SyncPolicy::Interval(duration(entry)?),
                        })
                    }
                    "strict"
                    | "max_buffered_msgs"
                    | "max_buffered_size"
                    | "unique_tag"
                    | "max_outstanding_catchup"
                    | "cipher"
                    | "key"
                    | "prev_key"
                    | "limits"
                    | "request_queue_limit"
                    | "compress_ok"
                    | "max_ha_assets" => {}
                    other => return Err(field_error(entry, format!("unknown field {other:?}"))),
                }
            }
        }
        _ => return Err(type_error(value, "a boolean or a block")),
    }
    Ok(())
}

/// `tls { cert_file, key_file, ca_file, verify, timeout, handshake_first, min_version }`.
fn apply_tls(options: &mut ServerOptions, value: &Spanned<Value>) -> Result<(), ConfigFileError> {
    let mut tls = crate::options::TlsOptions::new(PathBuf::new(), PathBuf::new());
    for (key, entry) in settings(map(value)?) {
        match key.to_ascii_lowercase().as_str() {
            "cert_file" => tls.cert_file = PathBuf::from(string(entry)?),
            "key_file" => tls.key_file = PathBuf::from(string(entry)?),
            "ca_file" => tls.ca_file = Some(PathBuf::from(string(entry)?)),
            "verify" => tls.verify = boolean(entry)?,
            "timeout" => tls.timeout = seconds(entry)?,
            "handshake_first" | "first" | "immediate" => {
                tls.handshake_first = match &entry.value {
                    Value::Bool(on) => *on,
                    // A fallback delay ("300ms"): natrium waits for TLS only.
                    Value::String(s) => !matches!(s.to_ascii_lowercase().as_str(), "false" | "off"),
                    _ => return Err(type_error(entry, "a boolean or a duration")),
                }
            }
            "min_version" => tls.min_version = Some(string(entry)?),
            "verify_and_map"
            | "verify_cert_and_check_known_urls"
            | "pinned_certs"
            | "ocsp_peer"
            | "cert_store"
            | "cert_match"
            | "cert_match_by"
            | "cert_match_skip_invalid"
            | "ca_certs_match" => options.unsupported.push(format!(
                "{}: tls '{key}' is not supported yet; ignored",
                location(entry)
            )),
            "cipher_suites" | "curve_preferences" | "insecure" | "connection_rate_limit" => {}
            other => return Err(field_error(entry, format!("unknown field {other:?}"))),
        }
    }
    if tls.cert_file.as_os_str().is_empty() || tls.key_file.as_os_str().is_empty() {
        return Err(field_error(
            value,
            "missing 'cert_file' or 'key_file' in TLS configuration".to_string(),
        ));
    }
    crate::transport::tls::acceptor(&tls).map_err(|err| field_error(value, err.to_string()))?;
    options.tls = Some(tls);
    Ok(())
}

/// The global account's entry (created on first use): where top-level
/// `mappings` live, as in nats-server.
fn global_account_options(options: &mut ServerOptions) -> &mut AccountOptions {
    let global = crate::account::GLOBAL_ACCOUNT;
    if let Some(index) = options.accounts.iter().position(|a| a.name == global) {
        return &mut options.accounts[index];
    }
    options.accounts.push(AccountOptions {
        name: global.to_string(),
        ..AccountOptions::default()
    });
    options.accounts.last_mut().expect("just pushed")
}

/// The entries of a block that are settings: a key that other values refer
/// to as `$name` is a variable definition, and nats-server skips it.
pub(crate) fn settings(map: &Map) -> impl Iterator<Item = (&str, &Spanned<Value>)> {
    map.entries()
        .iter()
        .filter(|entry| !entry.used_as_variable)
        .map(|entry| (entry.key.as_str(), &entry.value))
}

fn location(value: &Spanned<Value>) -> String {
    let position = &value.position;
    match &position.file {
        Some(file) => format!("{}:{}:{}", file.display(), position.line, position.column),
        None => format!("line {}:{}", position.line, position.column),
    }
}

pub(crate) fn field_error(value: &Spanned<Value>, message: String) -> ConfigFileError {
    ConfigFileError::Field {
        location: location(value),
        message,
    }
}

fn type_error(value: &Spanned<Value>, expected: &str) -> ConfigFileError {
    field_error(
        value,
        format!("expected {expected}, got {}", value.value.type_name()),
    )
}

pub(crate) fn string(value: &Spanned<Value>) -> Result<String, ConfigFileError> {
    match &value.value {
        Value::String(s) => Ok(s.clone()),
        Value::Integer(i) => Ok(i.to_string()),
        _ => Err(type_error(value, "a string")),
    }
}

fn boolean(value: &Spanned<Value>) -> Result<bool, ConfigFileError> {
    value
        .value
        .as_bool()
        .ok_or_else(|| type_error(value, "a boolean"))
}

fn size(value: &Spanned<Value>) -> Result<usize, ConfigFileError> {
    match value.value.as_i64() {
        Some(n) if n >= 0 => Ok(n as usize),
        _ => Err(type_error(value, "a non-negative number")),
    }
}

fn port(value: &Spanned<Value>) -> Result<u16, ConfigFileError> {
    match value.value.as_i64() {
        Some(-1) | Some(0) => Ok(0),
        Some(n) if (1..=65535).contains(&n) => Ok(n as u16),
        _ => Err(type_error(value, "a port number")),
    }
}

pub(crate) fn map(value: &Spanned<Value>) -> Result<&Map, ConfigFileError> {
    value
        .value
        .as_map()
        .ok_or_else(|| type_error(value, "a block"))
}

fn array(value: &Spanned<Value>) -> Result<&[Spanned<Value>], ConfigFileError> {
    value
        .value
        .as_array()
        .ok_or_else(|| type_error(value, "an array"))
}

/// `host:port`, `:port` or a bare port.
fn host_port(value: &Spanned<Value>) -> Result<(Option<String>, u16), ConfigFileError> {
    if value.value.as_i64().is_some() {
        return Ok((None, port(value)?));
    }
    let text = string(value)?;
    let (host, port_text) = text
        .rsplit_once(':')
        .ok_or_else(|| field_error(value, format!("expected host:port, got {text:?}")))?;
    let port = match port_text.parse::<i64>() {
        Ok(-1) | Ok(0) => 0,
        Ok(n) if (1..=65535).contains(&n) => n as u16,
        _ => return Err(field_error(value, format!("invalid port in {text:?}"))),
    };
    let host = (!host.is_empty()).then(|| host.to_string());
    Ok((host, port))
}

/// Durations are strings like "2m" or plain numbers of seconds.
fn duration(value: &Spanned<Value>) -> Result<Duration, ConfigFileError> {
    match &value.value {
        Value::String(s) => natrium_config::parse_duration(s)
            .map_err(|e| field_error(value, format!("invalid duration {s:?}: {e}"))),
        _ => seconds(value),
    }
}

fn seconds(value: &Spanned<Value>) -> Result<Duration, ConfigFileError> {
    match &value.value {
        Value::Integer(n) if *n >= 0 => Ok(Duration::from_secs(*n as u64)),
        Value::Float(f) if *f >= 0.0 && f.is_finite() => Ok(Duration::from_secs_f64(*f)),
        Value::String(_) => duration(value),
        _ => Err(type_error(value, "a duration")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_common_keys() {
        let options = load_str(
            "listen: 127.0.0.1:4333\nhttp: 8333\nmax_payload: 2MB\nping_interval: \"30s\"\n\
             write_deadline = \"2s\"\nauthorization { user: a, password: b, timeout: 1.5 }\n\
             jetstream { store_dir: \"/data\", max_mem: 1G }\n",
        )
        .expect("valid config");
        assert_eq!((options.host.as_str(), options.port), ("127.0.0.1", 4333));
        assert_eq!(options.http_port, Some(8333));
        assert_eq!(options.max_payload, 2 * 1024 * 1024);
        assert_eq!(options.ping_interval, Duration::from_secs(30));
        assert_eq!(options.write_deadline, Duration::from_secs(2));
        assert_eq!(options.auth.username.as_deref(), Some("a"));
        assert_eq!(options.auth.timeout, Duration::from_millis(1500));
        assert!(options.jetstream.enabled);
        assert_eq!(options.jetstream.store_dir, Some(PathBuf::from("/data")));
    }

    #[test]
    fn variables_are_not_settings() {
        let options = load_str("client_port: 4555\nport: $client_port\nauthorization {\n  PASS: s3cret\n  users = [ {user: a, password: $PASS} ]\n}\n")
            .expect("variables resolve");
        assert_eq!(options.port, 4555);
        assert_eq!(options.auth.users[0].password, "s3cret");
    }

    #[test]
    fn permissions_in_all_their_forms() {
        let options = load_str(
            "authorization {\n  default_permissions { publish: \"_INBOX.>\" }\n  users = [\n    {user: a, password: p, permissions: { publish: { allow: [\"orders.>\"], deny: \"orders.secret\" }, subscribe: [\"a\", \"b.*\"] }}\n    {user: b, password: p}\n  ]\n}\n",
        )
        .expect("valid permissions");
        let a = options.auth.users[0]
            .permissions
            .as_ref()
            .expect("a has permissions");
        assert_eq!(a.publish.allow, Some(vec!["orders.>".to_string()]));
        assert_eq!(a.publish.deny, vec!["orders.secret".to_string()]);
        assert_eq!(
            a.subscribe.allow,
            Some(vec!["a".to_string(), "b.*".to_string()])
        );
        let default = options.auth.default_permissions.as_ref().expect("defaults");
        assert_eq!(default.publish.allow, Some(vec!["_INBOX.>".to_string()]));
        // Users without permissions of their own get the defaults, as in nats-server.
        assert_eq!(options.auth.users[1].permissions.as_ref(), Some(default));
        assert!(load_str("authorization { users = [ {user: a, password: p, permissions: { publish: { alow: x } }} ] }").is_err());
    }

    #[test]
    fn jetstream_sync_interval() {
        let always = load_str("jetstream { sync_interval: always }").expect("valid");
        assert_eq!(
            always.jetstream.sync,
            Some(natrium_store::SyncPolicy::Always)
        );
        let every = load_str("jetstream { sync_interval: \"30s\" }").expect("valid");
        assert_eq!(
            every.jetstream.sync,
            Some(natrium_store::SyncPolicy::Interval(Duration::from_secs(30)))
        );
        assert_eq!(
            load_str("jetstream: enabled")
                .expect("valid")
                .jetstream
                .sync,
            None
        );
    }

    #[test]
    fn unknown_fields_are_errors_with_their_line() {
        let err = load_str("port: 1\nfoo_bar: 2\n").expect_err("unknown field");
        let text = err.to_string();
        assert!(text.contains("unknown field \"foo_bar\""), "{text}");
        assert!(text.contains('2'), "{text}");
    }
}
