//! [`Matches`]: the set of subscriptions a published subject reaches.
//!
//! Plain subscribers each get a copy of the message; queue subscribers are
//! grouped by queue name and exactly one member of each group gets it. The
//! grouping is by name across *all* matching patterns (a group `q` on both
//! `foo.*` and `foo.bar` is one group for `foo.bar`), as nats-server does.
//!
//! The same type stores the subscriptions of one trie node, so collecting a
//! result is merging node sets, and the cache can patch a cached result in
//! place with the exact add/remove the trie performed. Groups live in a
//! `Vec` searched linearly: a subject rarely has more than a few queue names
//! and the delivery loop wants contiguous iteration, not a map.

/// A queue group in a match result: deliver to exactly one of `members`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueGroup<T> {
    /// Queue group name.
    pub name: Box<[u8]>,
    /// Subscriptions of this group that match the subject (never empty in a result).
    pub members: Vec<T>,
}

/// Subscriptions matching a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matches<T> {
    /// Non-queue subscriptions: each one receives the message.
    pub plain: Vec<T>,
    /// Queue groups, one per distinct queue name.
    pub queues: Vec<QueueGroup<T>>,
}

impl<T> Default for Matches<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Matches<T> {
    /// An empty result (does not allocate).
    pub const fn new() -> Self {
        Self {
            plain: Vec::new(),
            queues: Vec::new(),
        }
    }

    /// No subscription matched.
    pub fn is_empty(&self) -> bool {
        self.plain.is_empty() && self.queues.is_empty()
    }

    /// Number of deliveries the message fans out to: every plain
    /// subscription plus one per queue group (nats-server's "fanout").
    pub fn len(&self) -> usize {
        self.plain.len() + self.queues.len()
    }

    /// The group named `name`, if any member matched.
    pub fn queue(&self, name: &[u8]) -> Option<&QueueGroup<T>> {
        self.queues.iter().find(|g| &*g.name == name)
    }

    /// Total number of matching subscriptions, counting every queue member.
    pub fn num_subscriptions(&self) -> usize {
        self.plain.len() + self.queues.iter().map(|g| g.members.len()).sum::<usize>()
    }
}

impl<T: Clone + PartialEq> Matches<T> {
    /// Adds one subscription.
    pub(crate) fn add(&mut self, queue: Option<&[u8]>, item: T) {
        match queue {
            None => self.plain.push(item),
            Some(q) => match self.queues.iter_mut().find(|g| &*g.name == q) {
                Some(g) => g.members.push(item),
                None => self.queues.push(QueueGroup {
                    name: q.into(),
                    members: vec![item],
                }),
            },
        }
    }

    /// Removes one occurrence of `item` (in `queue`), dropping an emptied
    /// group. Order is not preserved: delivery order carries no meaning.
    pub(crate) fn remove(&mut self, queue: Option<&[u8]>, item: &T) -> bool {
        match queue {
            None => remove_one(&mut self.plain, item),
            Some(q) => {
                let Some(gi) = self.queues.iter().position(|g| &*g.name == q) else {
                    return false;
                };
                let Some(group) = self.queues.get_mut(gi) else {
                    return false;
                };
                let removed = remove_one(&mut group.members, item);
                if group.members.is_empty() {
                    self.queues.swap_remove(gi);
                }
                removed
            }
        }
    }

    /// Appends every subscription of `other`, merging queue groups by name.
    #[inline]
    pub(crate) fn merge(&mut self, other: &Matches<T>) {
        self.plain.extend_from_slice(&other.plain);
        for g in &other.queues {
            match self.queues.iter_mut().find(|m| m.name == g.name) {
                Some(m) => m.members.extend_from_slice(&g.members),
                None => self.queues.push(g.clone()),
            }
        }
    }
}

fn remove_one<T: PartialEq>(v: &mut Vec<T>, item: &T) -> bool {
    match v.iter().position(|x| x == item) {
        Some(i) => {
            v.swap_remove(i);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_remove_and_merge() {
        let mut m = Matches::new();
        assert!(m.is_empty());
        m.add(None, 1);
        m.add(Some(b"q"), 2);
        m.add(Some(b"q"), 3);
        m.add(Some(b"r"), 4);
        assert_eq!(m.len(), 3);
        assert_eq!(m.num_subscriptions(), 4);
        assert_eq!(m.queue(b"q").map(|g| g.members.len()), Some(2));

        let mut other = Matches::new();
        other.add(Some(b"q"), 5);
        other.add(Some(b"s"), 6);
        other.add(None, 7);
        m.merge(&other);
        assert_eq!(m.plain, vec![1, 7]);
        assert_eq!(m.queues.len(), 3);
        assert_eq!(
            m.queue(b"q").map(|g| g.members.clone()),
            Some(vec![2, 3, 5])
        );

        assert!(m.remove(Some(b"r"), &4));
        assert!(m.queue(b"r").is_none());
        assert!(!m.remove(Some(b"r"), &4));
        assert!(!m.remove(Some(b"q"), &1));
        assert!(m.remove(None, &1));
        assert!(!m.remove(None, &1));
        assert_eq!(m.len(), 3);
    }
}
