//! Publish and subscribe permissions of an authenticated user.
//!
//! Semantics are nats-server's: a publish is allowed when its subject matches
//! an allow pattern (or there is no allow list) and no deny pattern. A
//! subscription is allowed when its subject lies within an allow pattern and
//! is not itself covered by a deny pattern; a wildcard subscription that only
//! overlaps a deny pattern is allowed, and the denied messages are filtered
//! out at delivery instead. Violations answer `-ERR 'Permissions Violation
//! for ...'` and keep the connection open.

use natrium_subjects::{subject_is_subset_of, subject_matches_filter, subjects_overlap};

/// Allow and deny patterns for one direction (publish or subscribe).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectPermission {
    /// `None`: everything not denied is allowed.
    pub allow: Option<Vec<String>>,
    pub deny: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions {
    pub publish: SubjectPermission,
    pub subscribe: SubjectPermission,
}

impl Permissions {
    pub fn can_publish(&self, subject: &[u8]) -> bool {
        let publish = &self.publish;
        let allowed = publish.allow.as_ref().is_none_or(|allow| {
            allow
                .iter()
                .any(|pattern| subject_matches_filter(subject, pattern.as_bytes()))
        });
        allowed
            && !publish
                .deny
                .iter()
                .any(|pattern| subject_matches_filter(subject, pattern.as_bytes()))
    }

    pub fn can_subscribe(&self, subject: &[u8]) -> bool {
        let subscribe = &self.subscribe;
        let allowed = subscribe.allow.as_ref().is_none_or(|allow| {
            allow
                .iter()
                .any(|pattern| subject_is_subset_of(subject, pattern.as_bytes()))
        });
        allowed
            && !subscribe
                .deny
                .iter()
                .any(|pattern| subject_is_subset_of(subject, pattern.as_bytes()))
    }

    /// Deny patterns that a subscription on `subject` overlaps without being
    /// covered by: messages on them must be filtered at delivery.
    pub fn delivery_filter(&self, subject: &[u8]) -> Vec<Box<[u8]>> {
        self.subscribe
            .deny
            .iter()
            .filter(|pattern| subjects_overlap(subject, pattern.as_bytes()))
            .map(|pattern| pattern.as_bytes().into())
            .collect()
    }
}

/// `-ERR` text for a refused publish.
pub fn publish_violation(subject: &[u8]) -> String {
    format!(
        "Permissions Violation for Publish to \"{}\"",
        String::from_utf8_lossy(subject)
    )
}

/// `-ERR` text for a refused subscription.
pub fn subscribe_violation(subject: &[u8], queue: Option<&[u8]>) -> String {
    let subject = String::from_utf8_lossy(subject);
    match queue {
        Some(queue) => format!(
            "Permissions Violation for Subscription to \"{subject}\" using queue \"{}\"",
            String::from_utf8_lossy(queue)
        ),
        None => format!("Permissions Violation for Subscription to \"{subject}\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(patterns: &[&str]) -> Vec<String> {
        patterns.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn publish_allow_and_deny() {
        let permissions = Permissions {
            publish: SubjectPermission {
                allow: Some(list(&["orders.>", "audit"])),
                deny: list(&["orders.secret.*"]),
            },
            ..Permissions::default()
        };
        assert!(permissions.can_publish(b"orders.new"));
        assert!(permissions.can_publish(b"audit"));
        assert!(!permissions.can_publish(b"billing.x"));
        assert!(!permissions.can_publish(b"orders.secret.x"));
    }

    #[test]
    fn subscriptions_must_lie_within_allow_and_outside_deny() {
        let permissions = Permissions {
            subscribe: SubjectPermission {
                allow: Some(list(&["allowed.>"])),
                deny: list(&["allowed.private.>"]),
            },
            ..Permissions::default()
        };
        assert!(permissions.can_subscribe(b"allowed.x"));
        assert!(permissions.can_subscribe(b"allowed.*"));
        assert!(!permissions.can_subscribe(b">"));
        assert!(!permissions.can_subscribe(b"secret.>"));
        assert!(!permissions.can_subscribe(b"allowed.private.x"));
        // Overlapping a deny pattern is allowed; delivery filters it.
        assert!(permissions.can_subscribe(b"allowed.>"));
        assert_eq!(permissions.delivery_filter(b"allowed.>").len(), 1);
        assert!(permissions.delivery_filter(b"allowed.public").is_empty());
    }
}
