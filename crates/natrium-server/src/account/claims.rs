//! Accounts from JWTs: an account's claims (nats-io/jwt v2) turned into the
//! same [`AccountOptions`] a config file produces, so everything downstream
//! (limits, JetStream quotas, imports, exports, mappings) works alike.
//!
//! [`load_operator`] checks the chain at load: the operator JWTs (self-
//! signed or by their own signing keys), and each account JWT issued by a
//! trusted operator key.

use std::collections::BTreeMap;

use natrium_jwt::claims::{AccountClaims, OperatorClaims, Permission};
use natrium_jwt::Claims;

use crate::options::{
    AccountJetStream, AccountLimits, AccountOptions, ExportKind, ExportOptions, ImportKind,
    ImportOptions, MappingDestination, MappingOptions, OperatorOptions, Permissions, ResponseType,
    ServiceLatency, SubjectPermission, DEFAULT_RESPONSE_THRESHOLD,
};

#[derive(Debug, thiserror::Error)]
pub enum ClaimsError {
    #[error("operator JWT: {0}")]
    Operator(String),
    #[error("account JWT for {key}: {reason}")]
    Account { key: String, reason: String },
}

/// Decodes and checks operator JWTs and preloaded account JWTs.
pub fn load_operator(
    operator_jwts: &[String],
    preload: &BTreeMap<String, String>,
) -> Result<OperatorOptions, ClaimsError> {
    let mut trusted = Vec::new();
    for token in operator_jwts {
        let operator: Claims<OperatorClaims> =
            natrium_jwt::decode(token).map_err(|e| ClaimsError::Operator(e.to_string()))?;
        if operator.nats.kind != "operator" || !operator.subject.starts_with('O') {
            return Err(ClaimsError::Operator("not an operator JWT".to_string()));
        }
        if operator.issuer != operator.subject
            && !operator.nats.signing_keys.contains(&operator.issuer)
        {
            return Err(ClaimsError::Operator(
                "issued by a key the operator does not trust".to_string(),
            ));
        }
        trusted.push(operator.subject.clone());
        trusted.extend(operator.nats.signing_keys.iter().cloned());
    }
    let mut accounts = BTreeMap::new();
    for (key, token) in preload {
        let account = check_account(&trusted, token).map_err(|reason| ClaimsError::Account {
            key: key.clone(),
            reason,
        })?;
        if &account.subject != key {
            return Err(ClaimsError::Account {
                key: key.clone(),
                reason: format!("the JWT is for {}", account.subject),
            });
        }
        accounts.insert(key.clone(), account);
    }
    Ok(OperatorOptions {
        trusted_keys: trusted,
        accounts,
        operator_jwts: operator_jwts.to_vec(),
    })
}

/// An account JWT, verified and issued by a trusted key.
pub fn check_account(trusted: &[String], token: &str) -> Result<Claims<AccountClaims>, String> {
    let account: Claims<AccountClaims> = natrium_jwt::decode(token).map_err(|e| e.to_string())?;
    if account.nats.kind != "account" || !account.subject.starts_with('A') {
        return Err("not an account JWT".to_string());
    }
    if !trusted.contains(&account.issuer) {
        return Err(format!(
            "issuer {} is not a trusted operator key",
            account.issuer
        ));
    }
    Ok(account)
}

fn subject_permission(permission: &Permission) -> SubjectPermission {
    SubjectPermission {
        allow: permission.allow.clone(),
        deny: permission.deny.clone().unwrap_or_default(),
    }
}

/// JWT permissions as the server's; `None` when they restrict nothing.
pub fn permissions(claims: &natrium_jwt::claims::Permissions) -> Option<Permissions> {
    if claims.publish.is_empty() && claims.subscribe.is_empty() && claims.resp.is_none() {
        return None;
    }
    let response = claims.resp.map(|resp| crate::options::ResponsePermission {
        max_msgs: if resp.max == 0 { 1 } else { resp.max },
        expires: if resp.ttl > 0 {
            std::time::Duration::from_nanos(resp.ttl as u64)
        } else {
            crate::options::ResponsePermission::default().expires
        },
    });
    let mut permissions = Permissions {
        publish: subject_permission(&claims.publish),
        subscribe: subject_permission(&claims.subscribe),
        response,
    };
    if permissions.response.is_some() && permissions.publish.allow.is_none() {
        permissions.publish.allow = Some(Vec::new());
    }
    Some(permissions)
}

/// An account's claims as account options (named by its public key).
pub fn account_options(claims: &Claims<AccountClaims>) -> AccountOptions {
    let nats = &claims.nats;
    let limits = &nats.limits;
    let jetstream = limits.jetstream_enabled().then(|| {
        let mut js = natrium_jetstream::account::AccountLimits {
            max_memory: limits.mem_storage,
            max_storage: limits.disk_storage,
            max_bytes_required: limits.max_bytes_required,
            ..Default::default()
        };
        let set = |n: i64| if n == 0 { -1 } else { n };
        js.max_streams = set(limits.streams);
        js.max_consumers = set(limits.consumer);
        js.max_ack_pending = set(limits.max_ack_pending);
        js.memory_max_stream_bytes = set(limits.mem_max_stream_bytes);
        js.storage_max_stream_bytes = set(limits.disk_max_stream_bytes);
        AccountJetStream { limits: js }
    });
    let location = format!("account JWT {}", claims.subject);
    let exports = nats
        .exports
        .iter()
        .map(|export| ExportOptions {
            subject: export.subject.clone(),
            kind: if export.kind == "service" {
                ExportKind::Service {
                    response: match export.response_type.as_deref() {
                        Some("Stream") => ResponseType::Stream,
                        Some("Chunked") => ResponseType::Chunked,
                        _ => ResponseType::Singleton,
                    },
                    threshold: if export.response_threshold > 0 {
                        std::time::Duration::from_nanos(export.response_threshold as u64)
                    } else {
                        DEFAULT_RESPONSE_THRESHOLD
                    },
                    latency: export.service_latency.as_ref().map(|l| ServiceLatency {
                        sampling: l.sampling.clamp(0, 100) as u8,
                        subject: l.results.clone(),
                    }),
                }
            } else {
                ExportKind::Stream
            },
            // Token-required exports admit only importers with an activation
            // (not checked yet): none, rather than everyone.
            accounts: export.token_req.then(Vec::new),
            allow_trace: export.allow_trace,
            location: location.clone(),
        })
        .collect();
    let imports = nats
        .imports
        .iter()
        .map(|import| {
            let local = if import.local_subject.is_empty() {
                import.to.clone()
            } else {
                import.local_subject.clone()
            };
            let local = (!local.is_empty()).then_some(local);
            ImportOptions {
                account: import.account.clone(),
                subject: import.subject.clone(),
                kind: if import.kind == "service" {
                    ImportKind::Service {
                        to: local,
                        share: import.share,
                    }
                } else {
                    ImportKind::Stream {
                        prefix: None,
                        to: local,
                    }
                },
                allow_trace: import.allow_trace,
                location: location.clone(),
            }
        })
        .collect();
    let mappings = nats
        .mappings
        .iter()
        .map(|(source, destinations)| MappingOptions {
            source: source.clone(),
            destinations: destinations
                .iter()
                .map(|d| MappingDestination {
                    subject: d.subject.clone(),
                    weight: if d.weight == 0 { 100 } else { d.weight },
                    cluster: (!d.cluster.is_empty()).then(|| d.cluster.clone()),
                })
                .collect(),
            location: location.clone(),
        })
        .collect();
    AccountOptions {
        name: claims.subject.clone(),
        nkey: Some(claims.subject.clone()),
        jetstream,
        limits: AccountLimits {
            max_connections: limits.conn,
            max_subscriptions: limits.subs,
            max_payload: limits.payload,
            max_leafnodes: limits.leaf,
        },
        imports,
        exports,
        mappings,
        default_permissions: nats.default_permissions.as_ref().and_then(permissions),
    }
}
