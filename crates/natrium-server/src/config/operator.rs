//! The operator-mode keys of a configuration file: `operator` (JWTs or the
//! files holding them), `resolver` (`MEMORY`) and `resolver_preload` (account
//! public key → account JWT). They are gathered while the file is read and
//! checked together at the end ([`finish`]), since their order in the file
//! is free; each preloaded account becomes a configured account named by
//! its public key.

use std::collections::BTreeMap;

use natrium_config::{Spanned, Value};

use super::{field_error, location, map, settings, string, ConfigFileError};
use crate::options::ServerOptions;

/// What the operator keys said, before they are checked.
#[derive(Default)]
pub(super) struct OperatorKeys {
    jwts: Vec<String>,
    preload: BTreeMap<String, String>,
    at: Option<String>,
}

impl OperatorKeys {
    pub(super) fn operator(&mut self, value: &Spanned<Value>) -> Result<(), ConfigFileError> {
        self.at.get_or_insert_with(|| location(value));
        let entries: Vec<&Spanned<Value>> = match &value.value {
            Value::Array(items) => items.iter().collect(),
            _ => vec![value],
        };
        for entry in entries {
            let text = string(entry)?;
            let jwt = if text.trim_start().starts_with("eyJ") {
                text
            } else {
                std::fs::read_to_string(&text).map_err(|e| {
                    field_error(entry, format!("error reading operator JWT {text:?}: {e}"))
                })?
            };
            // A file may hold the JWT inside armour lines, as nsc writes them.
            let jwt = jwt
                .lines()
                .map(str::trim)
                .find(|line| line.starts_with("eyJ"))
                .unwrap_or_default()
                .to_string();
            self.jwts.push(jwt);
        }
        Ok(())
    }

    pub(super) fn resolver(
        &mut self,
        options: &mut ServerOptions,
        value: &Spanned<Value>,
    ) -> Result<(), ConfigFileError> {
        let kind = match &value.value {
            Value::String(kind) => kind.to_ascii_uppercase(),
            Value::Map(block) => settings(block)
                .find(|(k, _)| k.eq_ignore_ascii_case("type"))
                .map(|(_, v)| string(v).map(|s| s.to_ascii_uppercase()))
                .transpose()?
                .unwrap_or_else(|| "FULL".to_string()),
            _ => return Err(super::type_error(value, "MEMORY or a block")),
        };
        if kind != "MEMORY" {
            options.unsupported.push(format!(
                "{}: resolver type {kind:?} is not supported yet: only the preloaded accounts are known",
                location(value)
            ));
        }
        Ok(())
    }

    pub(super) fn preload(&mut self, value: &Spanned<Value>) -> Result<(), ConfigFileError> {
        for (key, entry) in settings(map(value)?) {
            self.preload.insert(key.to_string(), string(entry)?);
        }
        Ok(())
    }

    /// Checks the chain of trust and turns it into operator mode.
    pub(super) fn finish(self, options: &mut ServerOptions) -> Result<(), ConfigFileError> {
        let Some(at) = self.at else {
            if !self.preload.is_empty() {
                return Err(ConfigFileError::Field {
                    location: "resolver_preload".to_string(),
                    message: "resolver_preload needs an operator".to_string(),
                });
            }
            return Ok(());
        };
        let error = |message: String| ConfigFileError::Field {
            location: at.clone(),
            message,
        };
        if !options.auth.users.is_empty()
            || options.auth.username.is_some()
            || options.auth.token.is_some()
        {
            return Err(error(
                "operator mode does not allow users, user/pass or a token in authorization"
                    .to_string(),
            ));
        }
        let operator = crate::account::claims::load_operator(&self.jwts, &self.preload)
            .map_err(|e| error(e.to_string()))?;
        for claims in operator.accounts.values() {
            options.accounts.retain(|a| a.name != claims.subject);
            options
                .accounts
                .push(crate::account::claims::account_options(claims));
        }
        if options.system_account.is_none() {
            let system = self.jwts.iter().find_map(|jwt| {
                natrium_jwt::decode::<natrium_jwt::OperatorClaims>(jwt)
                    .ok()
                    .map(|claims| claims.nats.system_account)
                    .filter(|key| !key.is_empty())
            });
            options.system_account = system;
        }
        options.operator = Some(operator);
        Ok(())
    }
}
