//! The authentication keys of a configuration file: `authorization { ... }`,
//! user lists (in it and in accounts) and permissions in all their forms.

use natrium_config::{Spanned, Value};

use super::{array, field_error, map, seconds, settings, string, ConfigFileError};
use crate::options::{
    Permissions, ResponsePermission, ServerOptions, SubjectPermission, UserOptions,
};

pub(super) fn apply_authorization(
    options: &mut ServerOptions,
    value: &Spanned<Value>,
) -> Result<(), ConfigFileError> {
    let mut default_permissions = None;
    let mut users = Vec::new();
    for (key, entry) in settings(map(value)?) {
        match key.to_ascii_lowercase().as_str() {
            "user" | "username" => options.auth.username = Some(string(entry)?),
            "pass" | "password" => options.auth.password = Some(string(entry)?),
            "token" => options.auth.token = Some(string(entry)?),
            "timeout" => options.auth.timeout = seconds(entry)?,
            "users" => users = users_list(entry)?,
            "default_permissions" | "default_permission" | "default_perms" | "permissions" => {
                default_permissions = Some(permissions(entry)?)
            }
            other => return Err(field_error(entry, format!("unknown field {other:?}"))),
        }
    }
    if (options.auth.username.is_some() || options.auth.password.is_some())
        && options.auth.token.is_some()
    {
        return Err(field_error(
            value,
            "Cannot have a user/pass and token".to_string(),
        ));
    }
    apply_default_permissions(&mut users, &default_permissions);
    options.auth.default_permissions = default_permissions;
    options.auth.users.extend(users);
    Ok(())
}

/// Users without permissions of their own get the block's defaults.
pub(super) fn apply_default_permissions(users: &mut [UserOptions], defaults: &Option<Permissions>) {
    if let Some(defaults) = defaults {
        for user in users.iter_mut().filter(|u| u.permissions.is_none()) {
            user.permissions = Some(defaults.clone());
        }
    }
}

pub(super) fn users_list(value: &Spanned<Value>) -> Result<Vec<UserOptions>, ConfigFileError> {
    array(value)?.iter().map(user_options).collect()
}

fn user_options(value: &Spanned<Value>) -> Result<UserOptions, ConfigFileError> {
    let mut user = UserOptions::default();
    for (key, entry) in settings(map(value)?) {
        match key.to_ascii_lowercase().as_str() {
            "user" | "username" => user.user = string(entry)?,
            "pass" | "password" => user.password = string(entry)?,
            "nkey" => user.nkey = Some(string(entry)?),
            "permissions" | "permission" | "perms" | "authorization" => {
                user.permissions = Some(permissions(entry)?)
            }
            "allowed_connection_types" | "connection_types" | "clients" => {
                let types = match &entry.value {
                    Value::Array(items) => items.iter().map(string).collect::<Result<_, _>>()?,
                    _ => vec![string(entry)?],
                };
                user.allowed_connection_types = Some(types);
            }
            other => return Err(field_error(entry, format!("unknown field {other:?}"))),
        }
    }
    match &user.nkey {
        None if user.user.is_empty() => {
            return Err(field_error(value, "User entry requires a user".to_string()))
        }
        Some(nkey) => {
            if !is_public_user_nkey(nkey) {
                return Err(field_error(
                    value,
                    "Not a valid public nkey for a user".to_string(),
                ));
            }
            if !user.user.is_empty() || !user.password.is_empty() {
                return Err(field_error(
                    value,
                    "Nkey users do not take usernames or passwords".to_string(),
                ));
            }
        }
        None => {}
    }
    Ok(user)
}

/// A public user nkey: `U` and a valid checksum.
pub(super) fn is_public_user_nkey(key: &str) -> bool {
    key.starts_with('U') && nkeys::KeyPair::from_public_key(key).is_ok()
}

/// `{ publish: ..., subscribe: ..., allow_responses: ... }`; each direction a
/// subject, a list of subjects (the allow list) or `{ allow: ..., deny: ... }`.
pub(super) fn permissions(value: &Spanned<Value>) -> Result<Permissions, ConfigFileError> {
    let mut permissions = Permissions::default();
    for (key, entry) in settings(map(value)?) {
        match key.to_ascii_lowercase().as_str() {
            "publish" | "pub" | "import" => permissions.publish = subject_permission(entry, false)?,
            "subscribe" | "sub" | "export" => {
                permissions.subscribe = subject_permission(entry, true)?
            }
            "allow_responses" | "publish_allow_responses" | "allow_resp" => {
                permissions.response = response_permission(entry)?
            }
            other => return Err(field_error(entry, format!("unknown field {other:?}"))),
        }
    }
    if permissions.response.is_some() && permissions.publish.allow.is_none() {
        // As nats-server: allowing responses turns off the blanket allow.
        permissions.publish.allow = Some(Vec::new());
    }
    Ok(permissions)
}

fn response_permission(
    value: &Spanned<Value>,
) -> Result<Option<ResponsePermission>, ConfigFileError> {
    let mut response = ResponsePermission::default();
    match &value.value {
        Value::Bool(true) => return Ok(Some(response)),
        Value::Bool(false) => return Ok(None),
        Value::Map(block) => {
            for (key, entry) in settings(block) {
                match key.to_ascii_lowercase().as_str() {
                    "max" | "max_msgs" | "max_messages" | "max_responses" => {
                        match entry.value.as_i64() {
                            Some(0) => {}
                            Some(n) => response.max_msgs = n,
                            None => return Err(super::type_error(entry, "a number")),
                        }
                    }
                    "expires" | "expiration" | "ttl" => {
                        let ttl = super::duration(entry)?;
                        if !ttl.is_zero() {
                            response.expires = ttl;
                        }
                    }
                    other => return Err(field_error(entry, format!("unknown field {other:?}"))),
                }
            }
        }
        _ => {
            return Err(field_error(
                value,
                "error parsing response permissions, expected a boolean or a map".to_string(),
            ))
        }
    }
    Ok(Some(response))
}

fn subject_permission(
    value: &Spanned<Value>,
    queues: bool,
) -> Result<SubjectPermission, ConfigFileError> {
    match &value.value {
        Value::Map(block) => {
            let mut permission = SubjectPermission::default();
            for (key, entry) in settings(block) {
                match key.to_ascii_lowercase().as_str() {
                    "allow" => permission.allow = Some(subjects(entry, queues)?),
                    "deny" => permission.deny = subjects(entry, queues)?,
                    other => return Err(field_error(entry, format!("unknown field {other:?}"))),
                }
            }
            Ok(permission)
        }
        _ => Ok(SubjectPermission {
            allow: Some(subjects(value, queues)?),
            deny: Vec::new(),
        }),
    }
}

/// Subjects of a permission list; subscribe entries may carry a queue group.
fn subjects(value: &Spanned<Value>, queues: bool) -> Result<Vec<String>, ConfigFileError> {
    let list = match &value.value {
        Value::Array(items) => items.iter().map(string).collect::<Result<Vec<_>, _>>()?,
        _ => vec![string(value)?],
    };
    let valid = |entry: &String| match entry.split_once(' ') {
        Some((subject, queue)) if queues => {
            natrium_subjects::is_valid_subject(subject.as_bytes())
                && natrium_subjects::is_valid_subject(queue.trim().as_bytes())
        }
        _ => natrium_subjects::is_valid_subject(entry.as_bytes()),
    };
    if let Some(bad) = list.iter().find(|entry| !valid(entry)) {
        return Err(field_error(
            value,
            format!("invalid subject {bad:?} in permissions"),
        ));
    }
    Ok(list)
}
