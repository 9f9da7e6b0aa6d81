//! Authentication of clients against the configured users and tokens.
//!
//! This covers nats-server's single-user, token and users-list modes for the
//! global account. Comparisons run in constant time so a password cannot be
//! guessed byte by byte from response timing.

use natrium_protocol::ConnectOptions;

use crate::options::AuthOptions;
use crate::permissions::Permissions;

/// Who a client authenticated as.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// Empty when no user name applies (no authentication, or a token).
    pub user: String,
    pub permissions: Option<Permissions>,
}

/// The credentials in a CONNECT matched no configured user or token.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("authentication error")]
pub struct AuthenticationFailed;

/// Checks a CONNECT's credentials against the configured users and tokens.
pub fn authenticate(
    auth: &AuthOptions,
    connect: &ConnectOptions,
) -> Result<Identity, AuthenticationFailed> {
    let identity = |user: &str, permissions: &Option<Permissions>| Identity {
        user: user.to_string(),
        permissions: permissions
            .clone()
            .or_else(|| auth.default_permissions.clone()),
    };
    if !auth.required() {
        return Ok(identity("", &None));
    }
    let given_user = connect.user.as_deref().unwrap_or("");
    let given_pass = connect.pass.as_deref().unwrap_or("");
    if let Some(token) = &auth.token {
        let given = connect.auth_token.as_deref().unwrap_or("");
        return if constant_time_eq(given.as_bytes(), token.as_bytes()) {
            Ok(identity("", &None))
        } else {
            Err(AuthenticationFailed)
        };
    }
    if let Some(user) = &auth.username {
        let pass = auth.password.as_deref().unwrap_or("");
        if constant_time_eq(given_user.as_bytes(), user.as_bytes())
            && constant_time_eq(given_pass.as_bytes(), pass.as_bytes())
        {
            return Ok(identity(user, &None));
        }
    }
    for user in &auth.users {
        if constant_time_eq(given_user.as_bytes(), user.user.as_bytes())
            && constant_time_eq(given_pass.as_bytes(), user.password.as_bytes())
        {
            return Ok(identity(&user.user, &user.permissions));
        }
    }
    Err(AuthenticationFailed)
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
    use crate::options::UserOptions;

    fn connect(user: &str, pass: &str, token: &str) -> ConnectOptions {
        ConnectOptions {
            user: Some(user.into()),
            pass: Some(pass.into()),
            auth_token: Some(token.into()),
            ..ConnectOptions::default()
        }
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
            users: vec![UserOptions {
                user: "x".into(),
                password: "y".into(),
                permissions: None,
            }],
            ..AuthOptions::default()
        };
        assert!(authenticate(&users, &connect("x", "y", "")).is_ok());
        assert!(authenticate(&users, &connect("x", "", "")).is_err());
    }
}
