//! Authentication of clients against the configured users and tokens.
//!
//! This covers nats-server's configuration-file modes: a single user, a
//! token, or a list of users, each in the account it names, with a plain
//! or bcrypt (`$2a$…`) password, or an nkey that signs the nonce the server
//! sent in INFO. `no_auth_user` stands in for clients that present nothing.
//! Plain comparisons run in constant time so a password cannot be guessed
//! byte by byte from response timing.

pub mod jwt;

use base64::Engine;
use natrium_protocol::ConnectOptions;

use crate::options::{AuthOptions, UserOptions};
use crate::permissions::Permissions;

/// Who a client authenticated as.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// Empty when no user name applies (no authentication, or a token).
    pub user: String,
    /// The account the user belongs to; `None` is the global account.
    pub account: Option<String>,
    pub permissions: Option<Permissions>,
    /// The user's `allowed_connection_types`, when limited.
    pub connection_types: Option<Vec<String>>,
}

/// The credentials in a CONNECT matched no configured user or token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("authentication error")]
pub struct AuthenticationFailed;

/// What a connection knows when it authenticates a CONNECT.
pub struct AuthContext<'a> {
    pub auth: &'a AuthOptions,
    pub no_auth_user: Option<&'a str>,
    /// The nonce sent in INFO, when one was.
    pub nonce: Option<&'a str>,
    /// Operator mode: users log in with JWTs instead.
    pub operator: Option<&'a crate::options::OperatorOptions>,
}

/// A refused login (the client is told `Authorization Violation`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error(transparent)]
    Failed(#[from] AuthenticationFailed),
    #[error(transparent)]
    Jwt(#[from] jwt::JwtLoginError),
}

/// Authenticates a CONNECT in whichever mode the server is in.
pub fn login(context: &AuthContext<'_>, connect: &ConnectOptions) -> Result<Identity, LoginError> {
    match context.operator {
        Some(operator) => Ok(jwt::authenticate(operator, connect, context.nonce)?),
        None => Ok(authenticate(context, connect)?),
    }
}

/// Checks a CONNECT's credentials against the configured users and tokens.
pub fn authenticate(
    context: &AuthContext<'_>,
    connect: &ConnectOptions,
) -> Result<Identity, AuthenticationFailed> {
    let auth = context.auth;
    let identity = |user: &UserOptions| Identity {
        user: user.name().to_string(),
        account: user.account.clone(),
        permissions: user
            .permissions
            .clone()
            .or_else(|| auth.default_permissions.clone()),
        connection_types: user.allowed_connection_types.clone(),
    };
    if !auth.required() {
        return Ok(Identity::default());
    }
    let given_user = connect.user.as_deref().unwrap_or("");
    let given_pass = connect.pass.as_deref().unwrap_or("");
    if let Some(nkey) = connect.nkey.as_deref().filter(|k| !k.is_empty()) {
        let user = auth
            .users
            .iter()
            .find(|u| u.nkey.as_deref() == Some(nkey))
            .ok_or(AuthenticationFailed)?;
        let nonce = context.nonce.ok_or(AuthenticationFailed)?;
        let signature = connect.sig.as_deref().ok_or(AuthenticationFailed)?;
        return if nonce_signed_by(nkey, nonce, signature) {
            Ok(identity(user))
        } else {
            Err(AuthenticationFailed)
        };
    }
    let presented_nothing = given_user.is_empty()
        && given_pass.is_empty()
        && connect.auth_token.as_deref().unwrap_or("").is_empty()
        && connect.jwt.as_deref().unwrap_or("").is_empty();
    if presented_nothing {
        if let Some(name) = context.no_auth_user {
            let user = auth
                .users
                .iter()
                .find(|u| u.name() == name)
                .ok_or(AuthenticationFailed)?;
            return Ok(identity(user));
        }
    }
    if let Some(token) = &auth.token {
        let given = connect.auth_token.as_deref().unwrap_or("");
        return if password_matches(given, token) {
            Ok(Identity {
                permissions: auth.default_permissions.clone(),
                ..Identity::default()
            })
        } else {
            Err(AuthenticationFailed)
        };
    }
    if let Some(user) = &auth.username {
        let pass = auth.password.as_deref().unwrap_or("");
        if constant_time_eq(given_user.as_bytes(), user.as_bytes())
            && password_matches(given_pass, pass)
        {
            return Ok(Identity {
                user: user.clone(),
                permissions: auth.default_permissions.clone(),
                ..Identity::default()
            });
        }
    }
    let user = auth
        .users
        .iter()
        .filter(|u| u.nkey.is_none())
        .find(|u| constant_time_eq(given_user.as_bytes(), u.user.as_bytes()))
        .ok_or(AuthenticationFailed)?;
    if password_matches(given_pass, &user.password) {
        Ok(identity(user))
    } else {
        Err(AuthenticationFailed)
    }
}

/// A password against its configured form: bcrypt hashes are verified,
/// anything else is compared in constant time.
fn password_matches(given: &str, configured: &str) -> bool {
    if configured.starts_with("$2") {
        return bcrypt::verify(given, configured).unwrap_or(false);
    }
    constant_time_eq(given.as_bytes(), configured.as_bytes())
}

/// Whether `signature` (base64url, or standard base64 as older clients
/// send it) is `nkey`'s signature of the nonce.
pub fn nonce_signed_by(nkey: &str, nonce: &str, signature: &str) -> bool {
    let Ok(key) = nkeys::KeyPair::from_public_key(nkey) else {
        return false;
    };
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature.trim_end_matches('='))
        .or_else(|_| base64::engine::general_purpose::STANDARD.decode(signature));
    match decoded {
        Ok(signature) => key.verify(nonce.as_bytes(), &signature).is_ok(),
        Err(_) => false,
    }
}

/// A fresh nonce for INFO: 11 random bytes, base64url (as nats-server's).
pub fn new_nonce() -> String {
    let bytes: [u8; 11] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut difference = a.len() ^ b.len();
    for (i, &x) in a.iter().enumerate() {
        difference |= usize::from(x ^ b.get(i).copied().unwrap_or(!x));
    }
    difference == 0
}

/// The CONNECT JSON with secrets replaced, for trace logs (as nats-server does).
pub fn redact_connect(json: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(json) {
        Ok(mut fields) => {
            for secret in ["pass", "auth_token", "sig", "jwt"] {
                if let Some(value) = fields.get_mut(secret) {
                    *value = serde_json::Value::String("[REDACTED]".to_string());
                }
            }
            serde_json::Value::Object(fields).to_string()
        }
        Err(_) => "[unparsable]".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connect(user: &str, pass: &str, token: &str) -> ConnectOptions {
        ConnectOptions {
            user: Some(user.into()),
            pass: Some(pass.into()),
            auth_token: Some(token.into()),
            ..ConnectOptions::default()
        }
    }

    fn authenticate(
        auth: &AuthOptions,
        connect: &ConnectOptions,
    ) -> Result<Identity, AuthenticationFailed> {
        super::authenticate(
            &AuthContext {
                auth,
                no_auth_user: None,
                nonce: None,
                operator: None,
            },
            connect,
        )
    }

    #[test]
    fn modes() {
        let open = AuthOptions::default();
        assert_eq!(
            authenticate(&open, &ConnectOptions::default()),
            Ok(Identity::default())
        );
        let single = AuthOptions {
            username: Some("a".into()),
            password: Some("b".into()),
            ..AuthOptions::default()
        };
        assert_eq!(
            authenticate(&single, &connect("a", "b", "")).map(|identity| identity.user),
            Ok("a".to_string())
        );
        assert!(authenticate(&single, &connect("a", "bb", "")).is_err());
        let token = AuthOptions {
            token: Some("s3cret".into()),
            ..AuthOptions::default()
        };
        assert!(authenticate(&token, &connect("", "", "s3cret")).is_ok());
        assert!(authenticate(&token, &connect("", "", "s3cre")).is_err());
        let users = AuthOptions {
            users: vec![
                UserOptions {
                    user: "x".into(),
                    password: "y".into(),
                    ..UserOptions::default()
                },
                UserOptions {
                    user: "h".into(),
                    // bcrypt of "secret" (cost 4), made with the bcrypt crate.
                    password: bcrypt::hash("secret", 4).unwrap(),
                    ..UserOptions::default()
                },
            ],
            ..AuthOptions::default()
        };
        assert!(authenticate(&users, &connect("x", "y", "")).is_ok());
        assert!(authenticate(&users, &connect("x", "", "")).is_err());
        assert!(authenticate(&users, &connect("h", "secret", "")).is_ok());
        assert!(authenticate(&users, &connect("h", "secrets", "")).is_err());
    }

    #[test]
    fn nkey_users_sign_the_nonce() {
        let key = nkeys::KeyPair::new_user();
        let auth = AuthOptions {
            users: vec![UserOptions {
                nkey: Some(key.public_key()),
                ..UserOptions::default()
            }],
            ..AuthOptions::default()
        };
        let nonce = new_nonce();
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(key.sign(nonce.as_bytes()).unwrap());
        let connect = ConnectOptions {
            nkey: Some(key.public_key()),
            sig: Some(signature),
            ..ConnectOptions::default()
        };
        let context = AuthContext {
            auth: &auth,
            no_auth_user: None,
            nonce: Some(&nonce),
            operator: None,
        };
        assert!(super::authenticate(&context, &connect).is_ok());
        let other = AuthContext {
            nonce: Some("another"),
            ..context
        };
        assert!(super::authenticate(&other, &connect).is_err());
    }
}
