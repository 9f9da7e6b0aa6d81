//! NATS JWTs as nats-io/jwt v2 defines them: the operator → account → user
//! chain of trust that `nsc` manages and every NATS client logs in with.
//!
//! A JWT is `header.claims.signature`, each part base64url without padding;
//! the header says `{"typ":"JWT","alg":"ed25519-nkey"}` and the signature is
//! the issuer's ed25519 nkey signature of `header.claims`. [`decode`] checks
//! the form and the signature against the claims' own `iss`; what the
//! issuer must be (the operator for accounts, the account or one of its
//! signing keys for users) is the server's business, given the typed
//! [`claims`]. [`encode`] signs claims (tests, `natrium auth`). [`creds`]
//! reads and writes `.creds` files.
//!
//! Hand-written rather than a generic JWT crate: the algorithm is nkeys',
//! which no general JWT library implements, and the claim shapes must be
//! nats-io/jwt's to the field.

pub mod claims;
pub mod creds;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::Digest;

pub use claims::{AccountClaims, Claims, OperatorClaims, UserClaims};

const HEADER: &str = r#"{"typ":"JWT","alg":"ed25519-nkey"}"#;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    #[error("expected 3 chunks in a JWT")]
    Shape,
    #[error("invalid JWT encoding")]
    Encoding,
    #[error("unsupported JWT header (not ed25519-nkey)")]
    Header,
    #[error("invalid claims: {0}")]
    Claims(String),
    #[error("invalid issuer key {0:?}")]
    Issuer(String),
    #[error("JWT signature is not valid")]
    Signature,
    #[error("can't sign: {0}")]
    Signing(String),
}

/// Decodes a JWT and verifies its signature by its own `iss`.
pub fn decode<T: DeserializeOwned>(token: &str) -> Result<Claims<T>, JwtError> {
    let token = token.trim();
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Shape);
    };
    let header_json = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| JwtError::Encoding)?;
    let header_fields: serde_json::Value =
        serde_json::from_slice(&header_json).map_err(|_| JwtError::Header)?;
    let algorithm = header_fields["alg"].as_str().unwrap_or_default();
    if !algorithm.eq_ignore_ascii_case("ed25519-nkey") && !algorithm.eq_ignore_ascii_case("ed25519")
    {
        return Err(JwtError::Header);
    }
    let claims_json = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| JwtError::Encoding)?;
    let claims: Claims<T> =
        serde_json::from_slice(&claims_json).map_err(|e| JwtError::Claims(e.to_string()))?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| JwtError::Encoding)?;
    let issuer = nkeys::KeyPair::from_public_key(&claims.issuer)
        .map_err(|_| JwtError::Issuer(claims.issuer.clone()))?;
    let signed = &token[..header.len() + 1 + payload.len()];
    issuer
        .verify(signed.as_bytes(), &signature)
        .map_err(|_| JwtError::Signature)?;
    Ok(claims)
}

/// Signs `claims` with `issuer` (its `iss` and `jti` are set here).
pub fn encode<T: Serialize>(
    claims: &mut Claims<T>,
    issuer: &nkeys::KeyPair,
) -> Result<String, JwtError> {
    claims.issuer = issuer.public_key();
    claims.id = String::new();
    let unsigned = serde_json::to_vec(claims).map_err(|e| JwtError::Claims(e.to_string()))?;
    // The id is the base32 SHA-256 of the claims without it, as nats-io/jwt.
    claims.id = data_encoding::BASE32_NOPAD.encode(&sha2::Sha256::digest(&unsigned));
    let json = serde_json::to_vec(claims).map_err(|e| JwtError::Claims(e.to_string()))?;
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(HEADER),
        URL_SAFE_NO_PAD.encode(json)
    );
    let signature = issuer
        .sign(signed.as_bytes())
        .map_err(|e| JwtError::Signing(e.to_string()))?;
    Ok(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tampering() {
        let operator = nkeys::KeyPair::new_operator();
        let account = nkeys::KeyPair::new_account();
        let mut claims = Claims::new(&account.public_key(), "SALES", AccountClaims::default());
        let token = encode(&mut claims, &operator).unwrap();
        let decoded: Claims<AccountClaims> = decode(&token).unwrap();
        assert_eq!(decoded.subject, account.public_key());
        assert_eq!(decoded.issuer, operator.public_key());
        assert_eq!(decoded.name, "SALES");
        assert_eq!(decoded.nats.kind, "account");
        let mut forged = token.clone();
        forged.insert(token.len() - 3, 'A');
        assert!(decode::<AccountClaims>(&forged).is_err());
        assert_eq!(decode::<AccountClaims>("a.b"), Err(JwtError::Shape));
    }
}
