//! A light check of subject mapping destinations (`ValidateMapping`).
//!
//! Full subject transforms (partitioning, splitting, ...) are the server's
//! business; the API only needs to refuse what nats-server refuses when a
//! stream is created. This covers the common failures with the reference's
//! wording: invalid destination subjects and wildcard references
//! (`$N`, `{{wildcard(N)}}`) out of range of the source's wildcards.

use natrium_subjects::is_valid_subject;

/// Checks that `dest` is a valid mapping of `src`; the error is the text
/// nats-server puts after "stream transform: ".
pub fn validate_mapping(src: &str, dest: &str) -> Result<(), String> {
    if dest.is_empty() {
        return Ok(());
    }
    let src = if src.is_empty() { ">" } else { src };
    let wildcards = src.split('.').filter(|t| *t == "*").count();
    let mut plain = Vec::new();
    for token in dest.split('.') {
        if let Some(index) = wildcard_ref(token) {
            let index = index.ok_or_else(|| bad_dest(&format!("unknown function in {token}")))?;
            if index == 0 || index > wildcards {
                return Err(format!(
                    "invalid mapping destination: wildcard index out of range in {token}: [{index}]"
                ));
            }
            plain.push("x");
        } else if token.contains("{{") {
            plain.push("x");
        } else {
            plain.push(token);
        }
    }
    let rebuilt = plain.join(".");
    if !is_valid_subject(rebuilt.as_bytes()) {
        return Err(bad_dest("invalid subject"));
    }
    Ok(())
}

fn bad_dest(why: &str) -> String {
    format!("invalid mapping destination: {why}")
}

/// `Some(Some(n))` for `$n` / `{{wildcard(n)}}`, `Some(None)` for a
/// malformed reference, `None` for anything else. A `$` token that is not
/// `$<number>` is a literal (`$KV`, `$JS`), as in nats-server.
fn wildcard_ref(token: &str) -> Option<Option<usize>> {
    if let Some(Ok(n)) = token.strip_prefix('$').map(str::parse) {
        return Some(Some(n));
    }
    let inner = token.strip_prefix("{{")?.strip_suffix("}}")?.trim();
    let lower = inner.to_ascii_lowercase();
    let arg = lower.strip_prefix("wildcard(")?.strip_suffix(')')?;
    Some(arg.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_matches_reference_text() {
        assert_eq!(
            validate_mapping("a.*", "{{wildcard(2)}}"),
            Err(
                "invalid mapping destination: wildcard index out of range in {{wildcard(2)}}: [2]"
                    .into()
            )
        );
        assert!(validate_mapping("a.*", "b.$1").is_ok());
        assert!(validate_mapping("full.>", "full.t.>").is_ok());
        assert!(validate_mapping("A.>", "$KV.B.>").is_ok());
        assert!(validate_mapping("a", "b..c").is_err());
        assert!(validate_mapping("", "").is_ok());
    }
}
