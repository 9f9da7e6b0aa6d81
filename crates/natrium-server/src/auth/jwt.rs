//! Operator mode: clients log in with a user JWT (a `.creds` file) whose
//! chain of trust ends at a trusted operator.
//!
//! The user JWT is issued by its account, or by one of the account's
//! signing keys (then `issuer_account` names the account); the account JWT
//! by the operator or one of its signing keys (checked when it was loaded,
//! see [`crate::account::claims`]). The client proves it holds the user's
//! seed by signing the server's nonce, unless the JWT is a bearer token
//! the account allows. Expired, not-yet-valid and revoked JWTs are refused
//! with `Authorization Violation` as nats-server refuses them (the reason
//! goes to the log).

use natrium_jwt::claims::{SigningKey, UserClaims};
use natrium_jwt::Claims;
use natrium_protocol::ConnectOptions;

use super::Identity;
use crate::options::OperatorOptions;

/// Why a JWT login failed (for the log: the client gets `-ERR
/// 'Authorization Violation'` for every one, as from nats-server).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtLoginError {
    #[error("user JWT not valid or not trusted")]
    Violation,
    #[error("user JWT has expired")]
    UserExpired,
    #[error("user JWT is revoked")]
    UserRevoked,
    #[error("account JWT has expired")]
    AccountExpired,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Authenticates a CONNECT carrying a user JWT.
pub fn authenticate(
    operator: &OperatorOptions,
    connect: &ConnectOptions,
    nonce: Option<&str>,
) -> Result<Identity, JwtLoginError> {
    let token = connect.jwt.as_deref().ok_or(JwtLoginError::Violation)?;
    let user: Claims<UserClaims> =
        natrium_jwt::decode(token).map_err(|_| JwtLoginError::Violation)?;
    if !user.subject.starts_with('U') || user.nats.kind != "user" {
        return Err(JwtLoginError::Violation);
    }
    let account_key = if user.nats.issuer_account.is_empty() {
        user.issuer.clone()
    } else {
        user.nats.issuer_account.clone()
    };
    let account = operator
        .accounts
        .get(&account_key)
        .ok_or(JwtLoginError::Violation)?;
    // Issued by the account itself, or by one of its signing keys.
    let scope = if user.issuer == account_key {
        None
    } else {
        match account.nats.signing_key(&user.issuer) {
            Some(SigningKey::Scoped(scope)) => Some(scope),
            Some(SigningKey::Plain(_)) => None,
            None => return Err(JwtLoginError::Violation),
        }
    };
    let now = now();
    if account.expired(now) {
        return Err(JwtLoginError::AccountExpired);
    }
    if user.expired(now) {
        return Err(JwtLoginError::UserExpired);
    }
    if user.not_yet_valid(now) {
        return Err(JwtLoginError::Violation);
    }
    if account.nats.revoked(&user.subject, user.issued_at) {
        return Err(JwtLoginError::UserRevoked);
    }
    // A scoped key's users get the scope's permissions and limits.
    let effective = scope.map_or(&user.nats, |scope| &scope.template);
    let bearer = effective.bearer_token;
    if bearer && account.nats.limits.disallow_bearer {
        return Err(JwtLoginError::Violation);
    }
    if !bearer {
        let nonce = nonce.ok_or(JwtLoginError::Violation)?;
        let signature = connect.sig.as_deref().ok_or(JwtLoginError::Violation)?;
        if !super::nonce_signed_by(&user.subject, nonce, signature) {
            return Err(JwtLoginError::Violation);
        }
    }
    let permissions = crate::account::claims::permissions(&effective.permissions).or_else(|| {
        account
            .nats
            .default_permissions
            .as_ref()
            .and_then(crate::account::claims::permissions)
    });
    Ok(Identity {
        user: user.subject.clone(),
        account: Some(account_key),
        permissions,
        connection_types: (!effective.allowed_connection_types.is_empty())
            .then(|| effective.allowed_connection_types.clone()),
    })
}
