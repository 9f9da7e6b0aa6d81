//! Publish and subscribe permissions of an authenticated user.
//!
//! Semantics are nats-server's: a publish is allowed when its subject matches
//! an allow pattern (or there is no allow list) and no deny pattern. A
//! subscription is allowed when its subject lies within an allow pattern and
//! is not itself covered by a deny pattern; a wildcard subscription that only
//! overlaps a deny pattern is allowed, and the denied messages are filtered
//! out at delivery instead. Violations answer `-ERR 'Permissions Violation
//! for ...'` and keep the connection open.
//!
//! A subscribe entry may name a queue group after a space (`"foo.* q"`,
//! the queue may hold wildcards): it then allows (or denies) only queue
//! subscriptions in matching groups. `allow_responses` lets a user publish
//! to the reply subjects of requests it received, a limited number of
//! times within a time window, even though its publish allow list does not
//! cover them.

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
    /// `allow_responses`: publishing to received requests' replies.
    pub response: Option<ResponsePermission>,
}

/// How many responses a request admits (`max`, negative: any) and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponsePermission {
    pub max_msgs: i64,
    pub expires: std::time::Duration,
}

impl Default for ResponsePermission {
    /// nats-server's defaults: one response within two minutes.
    fn default() -> Self {
        ResponsePermission {
            max_msgs: 1,
            expires: std::time::Duration::from_secs(120),
        }
    }
}

/// Splits a subscribe entry into its subject and optional queue pattern.
fn split_queue(entry: &str) -> (&str, Option<&str>) {
    match entry.split_once(' ') {
        Some((subject, queue)) => (subject, Some(queue.trim()).filter(|q| !q.is_empty())),
        None => (entry, None),
    }
}

/// Whether a subscription (`subject`, `queue`) falls under one entry.
fn entry_covers(entry: &str, subject: &[u8], queue: Option<&[u8]>) -> bool {
    let (pattern, entry_queue) = split_queue(entry);
    if !subject_is_subset_of(subject, pattern.as_bytes()) {
        return false;
    }
    match (entry_queue, queue) {
        (None, _) => true,
        (Some(group), Some(queue)) => subject_matches_filter(queue, group.as_bytes()),
        (Some(_), None) => false,
    }
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

    pub fn can_subscribe(&self, subject: &[u8], queue: Option<&[u8]>) -> bool {
        let subscribe = &self.subscribe;
        let allowed = subscribe.allow.as_ref().is_none_or(|allow| {
            allow
                .iter()
                .any(|entry| entry_covers(entry, subject, queue))
        });
        allowed
            && !subscribe
                .deny
                .iter()
                .any(|entry| entry_covers(entry, subject, queue))
    }

    /// Deny patterns that a subscription on `subject` overlaps without being
    /// covered by: messages on them must be filtered at delivery.
    pub fn delivery_filter(&self, subject: &[u8]) -> Vec<Box<[u8]>> {
        self.subscribe
            .deny
            .iter()
            .map(|entry| split_queue(entry))
            .filter(|(pattern, queue)| {
                queue.is_none() && subjects_overlap(subject, pattern.as_bytes())
            })
            .map(|(pattern, _)| pattern.as_bytes().into())
            .collect()
    }
}

type ReplyTable = std::collections::HashMap<Box<[u8]>, (i64, std::time::Instant)>;

/// The replies a user with `allow_responses` may publish to: those of the
/// requests delivered to it, each a limited number of times before it expires.
pub struct ReplyAllowance {
    permission: ResponsePermission,
    /// Reply subject → (responses left, expiry).
    replies: parking_lot::Mutex<ReplyTable>,
}

impl ReplyAllowance {
    pub fn new(permission: ResponsePermission) -> Self {
        ReplyAllowance {
            permission,
            replies: parking_lot::Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// A request with this reply subject was delivered to the user.
    pub fn record(&self, reply: &[u8]) {
        let now = std::time::Instant::now();
        let mut replies = self.replies.lock();
        if replies.len() >= 4096 {
            replies.retain(|_, (_, expires)| *expires > now);
        }
        replies.insert(
            reply.into(),
            (self.permission.max_msgs, now + self.permission.expires),
        );
    }

    /// Whether the user may publish to `subject` as a response (counting it).
    pub fn consume(&self, subject: &[u8]) -> bool {
        let now = std::time::Instant::now();
        let mut replies = self.replies.lock();
        let Some((remaining, expires)) = replies.get_mut(subject) else {
            return false;
        };
        if *expires <= now {
            replies.remove(subject);
            return false;
        }
        if *remaining > 0 {
            *remaining -= 1;
            if *remaining == 0 {
                replies.remove(subject);
            }
        }
        true
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
        assert!(permissions.can_subscribe(b"allowed.x", None));
        assert!(permissions.can_subscribe(b"allowed.*", None));
        assert!(!permissions.can_subscribe(b">", None));
        assert!(!permissions.can_subscribe(b"secret.>", None));
        assert!(!permissions.can_subscribe(b"allowed.private.x", None));
        // Overlapping a deny pattern is allowed; delivery filters it.
        assert!(permissions.can_subscribe(b"allowed.>", None));
        assert_eq!(permissions.delivery_filter(b"allowed.>").len(), 1);
        assert!(permissions.delivery_filter(b"allowed.public").is_empty());
    }

    #[test]
    fn queue_entries_only_cover_queue_subscriptions() {
        let permissions = Permissions {
            subscribe: SubjectPermission {
                allow: Some(list(&["jobs.* workers", "public.>"])),
                deny: list(&["public.> spies"]),
            },
            ..Permissions::default()
        };
        assert!(permissions.can_subscribe(b"jobs.a", Some(b"workers")));
        assert!(!permissions.can_subscribe(b"jobs.a", Some(b"others")));
        assert!(!permissions.can_subscribe(b"jobs.a", None));
        assert!(permissions.can_subscribe(b"public.x", None));
        assert!(permissions.can_subscribe(b"public.x", Some(b"q")));
        assert!(!permissions.can_subscribe(b"public.x", Some(b"spies")));
    }
}
