//! Subject checks done before anything is sent, so a typo fails with one
//! line saying what is wrong instead of a server error or silence.
//!
//! The rules are NATS's: dot-separated tokens, none empty, no whitespace;
//! `*` matches one token and `>` the rest (so it must come last), and both
//! are for subscribing only. A token merely containing `*` or `>` (such as
//! `a*b`) is literal, as nats-server treats it.

use anyhow::bail;

/// A subject to publish (or send a request, or reply) to: no wildcards.
pub fn check_literal(subject: &str) -> anyhow::Result<()> {
    check_tokens(subject)?;
    if subject.split('.').any(|token| token == "*" || token == ">") {
        bail!(
            "cannot publish to {subject:?}: wildcards (* and >) are for subscribing; publish to a concrete subject such as orders.created"
        );
    }
    Ok(())
}

/// A subject to subscribe to: wildcards allowed, `>` only at the end.
pub fn check_filter(subject: &str) -> anyhow::Result<()> {
    check_tokens(subject)?;
    let tokens: Vec<&str> = subject.split('.').collect();
    if tokens[..tokens.len() - 1].contains(&">") {
        bail!("invalid subject {subject:?}: > matches the remaining tokens, so it must come last (e.g. orders.>)");
    }
    Ok(())
}

/// A queue group name: one word without whitespace.
pub fn check_queue(group: &str) -> anyhow::Result<()> {
    if group.is_empty() || group.chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!("invalid queue group {group:?}: use a name without spaces, such as workers");
    }
    Ok(())
}

fn check_tokens(subject: &str) -> anyhow::Result<()> {
    if subject.is_empty() {
        bail!("the subject is empty: give one such as orders.created");
    }
    if subject.chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!(
            "invalid subject {subject:?}: subjects cannot contain spaces or control characters (use dots: orders.created)"
        );
    }
    if subject.split('.').any(str::is_empty) {
        bail!(
            "invalid subject {subject:?}: it has an empty token (subjects are dot-separated words such as orders.created)"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_subjects() {
        assert!(check_literal("orders.created").is_ok());
        assert!(check_literal("$JS.API.STREAM.CREATE.X").is_ok());
        assert!(check_literal("a*b").is_ok());
        assert!(check_literal("a b").is_err());
        assert!(check_literal("a..b").is_err());
        assert!(check_literal(".a").is_err());
        assert!(check_literal("a.").is_err());
        assert!(check_literal("").is_err());
        assert!(check_literal("a.*").is_err());
        assert!(check_literal("a.>").is_err());
    }

    #[test]
    fn filters() {
        assert!(check_filter("orders.*").is_ok());
        assert!(check_filter(">").is_ok());
        assert!(check_filter("a.*.>").is_ok());
        assert!(check_filter("a.>.b").is_err());
        assert!(check_filter("a..b").is_err());
        assert!(check_filter("a\tb").is_err());
        assert!(check_queue("workers").is_ok());
        assert!(check_queue("two words").is_err());
    }
}
