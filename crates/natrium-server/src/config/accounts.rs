//! The multi-tenancy keys of a configuration file: `accounts { ... }` (users,
//! limits, JetStream quotas, imports, exports, mappings), top-level
//! `mappings` (the global account's), `system_account` and `no_auth_user`.
//!
//! Each account's users join the server-wide user list tagged with their
//! account, as nats-server keeps them; references between accounts are
//! checked once the whole file is read ([`crate::account::check_options`]).

use natrium_config::{Map, Spanned, Value};

use super::auth::{apply_default_permissions, permissions, users_list};
use super::{
    boolean, duration, field_error, location, map, settings, size, string, type_error,
    ConfigFileError,
};
use crate::account::{GLOBAL_ACCOUNT, SYSTEM_ACCOUNT};
use crate::options::{
    AccountJetStream, AccountOptions, ExportKind, ExportOptions, ImportKind, ImportOptions,
    MappingDestination, MappingOptions, ResponseType, ServerOptions, ServiceLatency,
    DEFAULT_RESPONSE_THRESHOLD,
};

pub(super) fn apply_accounts(
    options: &mut ServerOptions,
    value: &Spanned<Value>,
) -> Result<(), ConfigFileError> {
    match &value.value {
        Value::Array(names) => {
            for name in names {
                let name_text = string(name)?;
                new_account(options, &name_text, name)?;
            }
        }
        Value::Map(block) => {
            for (name, entry) in settings(block) {
                new_account(options, name, entry)?;
                let account = parse_account(name, map(entry)?)?;
                if !account.1.is_empty()
                    && (options.auth.username.is_some() || options.auth.token.is_some())
                {
                    let what = if options.auth.token.is_some() {
                        "a token"
                    } else {
                        "a single user/pass"
                    };
                    return Err(field_error(
                        entry,
                        format!("Can not have {what} and accounts"),
                    ));
                }
                let (account, users) = account;
                options.auth.users.extend(users);
                // A content store of the account, answered in it.
                for (key, store) in settings(map(entry)?) {
                    if key.eq_ignore_ascii_case("content_store") {
                        options
                            .content_stores
                            .extend(crate::content_store::parse(store, Some(name))?);
                    }
                }
                if let Some(slot) = options.accounts.iter_mut().find(|a| a.name == name) {
                    *slot = account;
                }
            }
        }
        _ => return Err(type_error(value, "a block or an array of account names")),
    }
    Ok(())
}

fn new_account(
    options: &mut ServerOptions,
    name: &str,
    at: &Spanned<Value>,
) -> Result<(), ConfigFileError> {
    if name == GLOBAL_ACCOUNT {
        return Err(field_error(at, format!("{name:?} is a Reserved Account")));
    }
    if options.accounts.iter().any(|a| a.name == name) {
        return Err(field_error(at, format!("Duplicate Account Entry: {name}")));
    }
    options.accounts.push(AccountOptions {
        name: name.to_string(),
        ..AccountOptions::default()
    });
    Ok(())
}

fn parse_account(
    name: &str,
    block: &Map,
) -> Result<(AccountOptions, Vec<crate::options::UserOptions>), ConfigFileError> {
    let mut account = AccountOptions {
        name: name.to_string(),
        ..AccountOptions::default()
    };
    let mut users = Vec::new();
    for (key, entry) in settings(block) {
        match key.to_ascii_lowercase().as_str() {
            "users" => users = users_list(entry)?,
            "nkey" => {
                let key = string(entry)?;
                if !key.starts_with('A') || nkeys::KeyPair::from_public_key(&key).is_err() {
                    return Err(field_error(
                        entry,
                        format!("Not a valid public nkey for an account: {key:?}"),
                    ));
                }
                account.nkey = Some(key);
            }
            "jetstream" => account.jetstream = account_jetstream(entry)?,
            "imports" => {
                for item in super::array(entry)? {
                    account.imports.push(import(item)?);
                }
            }
            "exports" => {
                for item in super::array(entry)? {
                    account.exports.push(export(item)?);
                }
            }
            "mappings" | "maps" => account.mappings = mappings(entry)?,
            "default_permissions" => account.default_permissions = Some(permissions(entry)?),
            "limits" => limits(&mut account, entry)?,
            // Read by the caller into the server's content stores.
            "content_store" => {}
            other => return Err(field_error(entry, format!("unknown field {other:?}"))),
        }
    }
    apply_default_permissions(&mut users, &account.default_permissions);
    for user in &mut users {
        user.account = Some(name.to_string());
    }
    Ok((account, users))
}

fn limits(account: &mut AccountOptions, value: &Spanned<Value>) -> Result<(), ConfigFileError> {
    let number = |entry: &Spanned<Value>| {
        entry
            .value
            .as_i64()
            .ok_or_else(|| type_error(entry, "a number"))
    };
    for (key, entry) in settings(map(value)?) {
        let limits = &mut account.limits;
        match key.to_ascii_lowercase().as_str() {
            "max_connections" | "max_conn" => limits.max_connections = number(entry)?,
            "max_subscriptions" | "max_subs" => limits.max_subscriptions = number(entry)?,
            "max_payload" | "max_pay" => limits.max_payload = number(entry)?,
            "max_leafnodes" | "max_leafs" => limits.max_leafnodes = number(entry)?,
            other => {
                return Err(field_error(
                    entry,
                    format!("Unknown field {other:?} parsing account limits"),
                ))
            }
        }
    }
    Ok(())
}

fn account_jetstream(value: &Spanned<Value>) -> Result<Option<AccountJetStream>, ConfigFileError> {
    let enabled = |text: &str| {
        matches!(
            text.to_ascii_lowercase().as_str(),
            "enabled" | "enable" | "true" | "yes" | "on"
        )
    };
    match &value.value {
        Value::Bool(on) => Ok(on.then(AccountJetStream::default)),
        Value::String(text) => Ok(enabled(text).then(AccountJetStream::default)),
        Value::Map(block) => {
            let mut js = AccountJetStream::default();
            apply_js_limits(&mut js, block)?;
            Ok(Some(js))
        }
        _ => Err(type_error(value, "a boolean, \"enabled\" or a block")),
    }
}

fn apply_js_limits(js: &mut AccountJetStream, block: &Map) -> Result<(), ConfigFileError> {
    let limits = &mut js.limits;
    for (key, entry) in settings(block) {
        let number = || -> Result<i64, ConfigFileError> {
            match entry.value.as_i64() {
                Some(n) => Ok(n),
                None => Err(type_error(entry, "a number")),
            }
        };
        match key.to_ascii_lowercase().as_str() {
            "max_memory" | "max_mem" | "mem" | "memory" | "max_memory_store" => {
                limits.max_memory = number()?
            }
            "max_store" | "max_file" | "max_disk" | "store" | "disk" | "max_file_store"
            | "max_storage" => limits.max_storage = number()?,
            "max_streams" | "streams" => limits.max_streams = number()?,
            "max_consumers" | "consumers" => limits.max_consumers = number()?,
            "max_ack_pending" => limits.max_ack_pending = number()?,
            "max_bytes_required" | "max_stream_bytes" | "max_bytes" => {
                limits.max_bytes_required = boolean(entry)?
            }
            "mem_max_stream_bytes" | "memory_max_stream_bytes" => {
                limits.memory_max_stream_bytes = number()?
            }
            "disk_max_stream_bytes" | "store_max_stream_bytes" => {
                limits.storage_max_stream_bytes = number()?
            }
            "tiered_limits" | "tiers" => {
                // natrium-server has no replicas: the R1 tier is the account's.
                for (tier, limits_block) in settings(map(entry)?) {
                    if tier.eq_ignore_ascii_case("R1") {
                        apply_js_limits(js, map(limits_block)?)?;
                        return Ok(());
                    }
                }
                return Ok(());
            }
            "enabled" | "enable" => {}
            "cluster_traffic" => {}
            other => return Err(field_error(entry, format!("unknown field {other:?}"))),
        }
    }
    Ok(())
}

/// `{ account: A, subject: S }` inside an import.
fn account_subject(value: &Spanned<Value>) -> Result<(String, String), ConfigFileError> {
    let (mut account, mut subject) = (String::new(), String::new());
    for (key, entry) in settings(map(value)?) {
        match key.to_ascii_lowercase().as_str() {
            "account" => account = string(entry)?,
            "subject" => subject = string(entry)?,
            other => return Err(field_error(entry, format!("unknown field {other:?}"))),
        }
    }
    if account.is_empty() || subject.is_empty() {
        return Err(field_error(
            value,
            "Expect an account name and a subject".to_string(),
        ));
    }
    Ok((account, subject))
}

fn import(value: &Spanned<Value>) -> Result<ImportOptions, ConfigFileError> {
    let mut target: Option<(bool, String, String)> = None;
    let (mut prefix, mut to, mut share, mut allow_trace) = (None, None, false, false);
    for (key, entry) in settings(map(value)?) {
        match key.to_ascii_lowercase().as_str() {
            kind @ ("stream" | "service") => {
                if target.is_some() {
                    return Err(field_error(
                        entry,
                        "Detected both a stream and a service".to_string(),
                    ));
                }
                let (account, subject) = account_subject(entry)?;
                target = Some((kind == "service", account, subject));
            }
            "prefix" => prefix = Some(string(entry)?),
            "to" => to = Some(string(entry)?),
            "share" => share = boolean(entry)?,
            "allow_trace" => allow_trace = boolean(entry)?,
            other => return Err(field_error(entry, format!("unknown field {other:?}"))),
        }
    }
    let Some((service, account, subject)) = target else {
        return Err(field_error(
            value,
            "Import needs a stream or a service".to_string(),
        ));
    };
    let kind = if service {
        ImportKind::Service { to, share }
    } else {
        if prefix.is_some() && to.is_some() {
            return Err(field_error(
                value,
                "Stream import can not have a 'prefix' and a 'to' property".to_string(),
            ));
        }
        ImportKind::Stream { prefix, to }
    };
    Ok(ImportOptions {
        account,
        subject,
        kind,
        allow_trace,
        location: location(value),
    })
}

fn export(value: &Spanned<Value>) -> Result<ExportOptions, ConfigFileError> {
    let mut subject: Option<(bool, String)> = None;
    let mut accounts = None;
    let mut response = ResponseType::Singleton;
    let mut threshold = DEFAULT_RESPONSE_THRESHOLD;
    let (mut latency, mut allow_trace, mut service_only) = (None, false, None);
    for (key, entry) in settings(map(value)?) {
        match key.to_ascii_lowercase().as_str() {
            kind @ ("stream" | "service") => {
                if subject.is_some() {
                    return Err(field_error(
                        entry,
                        "Detected both a stream and a service".to_string(),
                    ));
                }
                subject = Some((kind == "service", string(entry)?));
            }
            "accounts" => {
                accounts = Some(
                    super::array(entry)?
                        .iter()
                        .map(string)
                        .collect::<Result<_, _>>()?,
                )
            }
            "response" | "response_type" => {
                service_only.get_or_insert(entry);
                response = match string(entry)?.to_ascii_lowercase().as_str() {
                    "single" | "singleton" => ResponseType::Singleton,
                    "stream" => ResponseType::Stream,
                    "chunk" | "chunked" => ResponseType::Chunked,
                    other => {
                        return Err(field_error(
                            entry,
                            format!("Unknown response type: {other:?}"),
                        ))
                    }
                };
            }
            "threshold" | "response_threshold" | "response_max_time" | "response_time" => {
                service_only.get_or_insert(entry);
                threshold = duration(entry)?;
            }
            "latency" => {
                service_only.get_or_insert(entry);
                latency = Some(service_latency(entry)?);
            }
            "allow_trace" => allow_trace = boolean(entry)?,
            "account_token_position" => {
                size(entry)?;
            }
            other => return Err(field_error(entry, format!("unknown field {other:?}"))),
        }
    }
    let Some((service, subject)) = subject else {
        return Err(field_error(
            value,
            "Export needs a stream or a service".to_string(),
        ));
    };
    if let (false, Some(entry)) = (service, service_only) {
        return Err(field_error(
            entry,
            "Detected response directive on non-service".to_string(),
        ));
    }
    let kind = if service {
        ExportKind::Service {
            response,
            threshold,
            latency,
        }
    } else {
        ExportKind::Stream
    };
    Ok(ExportOptions {
        subject,
        kind,
        accounts,
        allow_trace,
        location: location(value),
    })
}

fn service_latency(value: &Spanned<Value>) -> Result<ServiceLatency, ConfigFileError> {
    let mut latency = ServiceLatency {
        sampling: 100,
        subject: String::new(),
    };
    match &value.value {
        Value::String(subject) => latency.subject = subject.clone(),
        Value::Map(block) => {
            for (key, entry) in settings(block) {
                match key.to_ascii_lowercase().as_str() {
                    "subject" => latency.subject = string(entry)?,
                    "sampling" => {
                        let text = string(entry)?;
                        latency.sampling = if text.eq_ignore_ascii_case("headers") {
                            0
                        } else {
                            match text.trim_end_matches('%').trim().parse::<u8>() {
                                Ok(n @ 1..=100) => n,
                                _ => {
                                    return Err(field_error(
                                        entry,
                                        "sampling value should be in range [1..100]".to_string(),
                                    ))
                                }
                            }
                        };
                    }
                    other => return Err(field_error(entry, format!("unknown field {other:?}"))),
                }
            }
        }
        _ => return Err(type_error(value, "a subject or a block")),
    }
    if latency.subject.is_empty() {
        return Err(field_error(
            value,
            "Latency subject required, but missing".to_string(),
        ));
    }
    Ok(latency)
}

/// `mappings { src: dest, src: {destination, weight}, src: [ ... ] }`.
pub(super) fn mappings(value: &Spanned<Value>) -> Result<Vec<MappingOptions>, ConfigFileError> {
    let mut all = Vec::new();
    for (source, entry) in settings(map(value)?) {
        let destinations = match &entry.value {
            Value::Array(items) => items
                .iter()
                .map(destination)
                .collect::<Result<Vec<_>, _>>()?,
            _ => vec![destination(entry)?],
        };
        let mapping = MappingOptions {
            source: source.to_string(),
            destinations,
            location: location(entry),
        };
        crate::account::mapping::Mapping::compile(&mapping)
            .map_err(|err| field_error(entry, err.to_string()))?;
        all.push(mapping);
    }
    Ok(all)
}

fn destination(value: &Spanned<Value>) -> Result<MappingDestination, ConfigFileError> {
    match &value.value {
        Value::String(subject) => Ok(MappingDestination {
            subject: subject.clone(),
            weight: 100,
            cluster: None,
        }),
        Value::Map(block) => {
            let mut destination = MappingDestination {
                subject: String::new(),
                weight: 100,
                cluster: None,
            };
            for (key, entry) in settings(block) {
                match key.to_ascii_lowercase().as_str() {
                    "destination" | "dest" => destination.subject = string(entry)?,
                    "weight" => {
                        let text = string(entry)?;
                        destination.weight = match text.trim_end_matches('%').trim().parse::<u8>() {
                            Ok(n @ 0..=100) => n,
                            _ => {
                                return Err(field_error(
                                    entry,
                                    format!("Invalid weight {text:?} for mapping destination"),
                                ))
                            }
                        };
                    }
                    "cluster" => destination.cluster = Some(string(entry)?),
                    other => return Err(field_error(entry, format!("unknown field {other:?}"))),
                }
            }
            Ok(destination)
        }
        _ => Err(type_error(value, "a subject or a block")),
    }
}

/// `system_account` / `system`: the account that must exist.
pub(super) fn system_account(
    options: &mut ServerOptions,
    value: &Spanned<Value>,
) -> Result<(), ConfigFileError> {
    let name = string(value)?;
    options.system_account = Some(name);
    Ok(())
}

/// Whether `name` is a configured or built-in account.
pub(super) fn account_exists(options: &ServerOptions, name: &str) -> bool {
    name == GLOBAL_ACCOUNT
        || name == SYSTEM_ACCOUNT
        || options.accounts.iter().any(|a| a.name == name)
}
