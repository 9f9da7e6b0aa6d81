//! The token trie behind [`SubjectIndex`](crate::SubjectIndex).
//!
//! Each node is "the subject so far" and holds the subscriptions whose
//! pattern ends there, plus its children for the next token: the literal
//! tokens (laid out by `children`), one `*` child, and the subscriptions
//! ending in `>`. Since `>` is always the last token, that last child is just
//! a subscription set and never has children of its own.
//!
//! Matching walks the literal path as a loop and only recurses into `*`
//! branches, slicing the subject at each `.` so no token list is built; each
//! node is visited at most once per match, so cost is bounded by the nodes
//! on matching paths. Insert and remove are loops too; removal prunes nodes
//! that became empty so churn on unique subjects (request/reply inboxes)
//! does not leave the trie growing. Only `for_each` and dropping recurse per
//! level, which the protocol's control-line limit keeps shallow.

use crate::children::Children;
use crate::result::Matches;
use crate::validate::{split_first_token, tokens, FWC, PWC};

/// Nested `*` branches followed by recursion before switching to a heap
/// stack: plenty for real subjects, and a small fixed bound on stack use.
const MAX_RECURSION: usize = 32;

/// Callback of [`Node::for_each`]: `(subject, queue, item)`.
pub(crate) type Visitor<'a, T> = dyn FnMut(&[u8], Option<&[u8]>, &T) + 'a;

/// One trie node; the root stands for the empty prefix.
pub(crate) struct Node<T> {
    /// Subscriptions whose pattern ends at this node.
    subs: Matches<T>,
    /// Children for literal next tokens.
    literals: Children<Node<T>>,
    /// Child for a `*` next token.
    pwc: Option<Box<Node<T>>>,
    /// Subscriptions whose pattern continues with a final `>`.
    fwc: Option<Box<Matches<T>>>,
}

impl<T> Default for Node<T> {
    fn default() -> Self {
        Self {
            subs: Matches::new(),
            literals: Children::default(),
            pwc: None,
            fwc: None,
        }
    }
}

impl<T> Node<T> {
    fn num_children(&self) -> usize {
        self.literals.len() + usize::from(self.pwc.is_some()) + usize::from(self.fwc.is_some())
    }

    fn is_empty(&self) -> bool {
        self.subs.is_empty() && self.num_children() == 0
    }

    fn child(&self, tok: &[u8]) -> Option<&Node<T>> {
        if tok == PWC {
            self.pwc.as_deref()
        } else {
            self.literals.get(tok)
        }
    }

    fn child_mut(&mut self, tok: &[u8]) -> Option<&mut Node<T>> {
        if tok == PWC {
            self.pwc.as_deref_mut()
        } else {
            self.literals.get_mut(tok)
        }
    }

    fn drop_child(&mut self, tok: &[u8]) {
        if tok == PWC {
            self.pwc = None;
        } else {
            self.literals.remove(tok);
        }
    }

    /// Visits every subscription, rebuilding each subject in a scratch buffer.
    /// Iterative (explicit stack), so depth costs heap, not call stack.
    pub(crate) fn for_each(&self, f: &mut Visitor<'_, T>) {
        let mut buf = Vec::with_capacity(64);
        // (node, length of the parent's subject in `buf`, token to append)
        let mut stack: Vec<(&Node<T>, usize, &[u8])> = vec![(self, 0, &[])];
        while let Some((node, parent_len, tok)) = stack.pop() {
            // Everything pushed after this entry lies beyond `parent_len`,
            // so truncating restores exactly the parent's subject.
            buf.truncate(parent_len);
            if !tok.is_empty() {
                push_token(&mut buf, tok);
            }
            visit(&node.subs, &buf, f);
            let len = buf.len();
            if let Some(set) = &node.fwc {
                push_token(&mut buf, FWC);
                visit(set, &buf, f);
                buf.truncate(len);
            }
            if let Some(p) = &node.pwc {
                stack.push((p, len, PWC));
            }
            node.literals
                .for_each(|tok, child| stack.push((child, len, tok)));
        }
    }
}

// Dropping a deep trie recursively could overflow the stack; flatten it instead.
impl<T> Drop for Node<T> {
    fn drop(&mut self) {
        let mut detached = Vec::new();
        self.detach_children(&mut detached);
        while let Some(mut node) = detached.pop() {
            // `node` drops at the end of this iteration with no children left.
            node.detach_children(&mut detached);
        }
    }
}

impl<T> Node<T> {
    fn detach_children(&mut self, out: &mut Vec<Node<T>>) {
        self.literals.take_all(out);
        if let Some(p) = self.pwc.take() {
            out.push(*p);
        }
    }
}

impl<T: Clone + PartialEq> Node<T> {
    /// Adds a subscription; `subject` must be a valid subject.
    pub(crate) fn insert(&mut self, subject: &[u8], queue: Option<&[u8]>, item: T) {
        let mut node = self;
        for tok in tokens(subject) {
            if tok == FWC {
                node.fwc
                    .get_or_insert_with(Default::default)
                    .add(queue, item);
                return;
            }
            node = if tok == PWC {
                node.pwc.get_or_insert_with(Default::default)
            } else {
                node.literals.get_or_insert(tok)
            };
        }
        node.subs.add(queue, item);
    }

    /// Removes one exact `(subject, queue, item)` subscription; `subject`
    /// must be a valid subject. Returns whether it was found.
    pub(crate) fn remove(&mut self, subject: &[u8], queue: Option<&[u8]>, item: &T) -> bool {
        // Pass 1: walk down and remove.
        let mut node = &mut *self;
        for tok in tokens(subject) {
            if tok == FWC {
                let Some(set) = node.fwc.as_deref_mut() else {
                    return false;
                };
                if !set.remove(queue, item) {
                    return false;
                }
                if set.is_empty() {
                    node.fwc = None;
                }
                if node.is_empty() {
                    // Prune along the tokens before the `>` (drop ".>").
                    let prefix = subject.get(..subject.len().saturating_sub(2));
                    self.prune(prefix.unwrap_or_default());
                }
                return true;
            }
            match node.child_mut(tok) {
                Some(child) => node = child,
                None => return false,
            }
        }
        if !node.subs.remove(queue, item) {
            return false;
        }
        if node.is_empty() {
            self.prune(subject);
        }
        true
    }

    /// Removes the trailing run of nodes along `path` (whose last node is
    /// empty) that hold nothing but the next node on the path.
    fn prune(&mut self, path: &[u8]) {
        if path.is_empty() {
            return;
        }
        // Pass 2: find where the removable tail starts.
        let mut node: &Node<T> = self;
        let mut cut: Option<usize> = None;
        for (i, tok) in tokens(path).enumerate() {
            let Some(child) = node.child(tok) else {
                return;
            };
            // On the path every node has the next path node as a child, so
            // "at most one child and no subscriptions" means "only the path".
            if child.subs.is_empty() && child.num_children() <= 1 {
                cut.get_or_insert(i);
            } else {
                cut = None;
            }
            node = child;
        }
        if !node.is_empty() {
            return;
        }
        let Some(cut) = cut else {
            return;
        };
        // Pass 3: detach the tail at its parent.
        let mut node = self;
        for (i, tok) in tokens(path).enumerate() {
            if i == cut {
                node.drop_child(tok);
                return;
            }
            match node.child_mut(tok) {
                Some(child) => node = child,
                None => return,
            }
        }
    }

    /// Collects every subscription matching `subject` into `out`. `subject`
    /// must have no empty tokens (see `validate::match_kind`).
    pub(crate) fn collect(&self, subject: &[u8], out: &mut Matches<T>) {
        // Branches deeper than the recursion budget queue up here instead.
        let mut deferred = Vec::new();
        self.collect_from(subject, out, 0, &mut deferred);
        while let Some((node, rest)) = deferred.pop() {
            node.collect_from(rest, out, 0, &mut deferred);
        }
    }

    fn collect_from<'a>(
        &'a self,
        subject: &'a [u8],
        out: &mut Matches<T>,
        depth: usize,
        deferred: &mut Vec<(&'a Node<T>, &'a [u8])>,
    ) {
        let mut node = self;
        let mut rest = subject;
        loop {
            let (tok, next) = split_first_token(rest);
            if let Some(set) = &node.fwc {
                out.merge(set);
            }
            if let Some(p) = &node.pwc {
                match next {
                    Some(n) if depth < MAX_RECURSION => p.collect_from(n, out, depth + 1, deferred),
                    Some(n) => deferred.push((p, n)),
                    None => out.merge(&p.subs),
                }
            }
            match node.literals.get(tok) {
                Some(child) => match next {
                    Some(n) => {
                        node = child;
                        rest = n;
                    }
                    None => {
                        out.merge(&child.subs);
                        return;
                    }
                },
                None => return,
            }
        }
    }
}

fn push_token(buf: &mut Vec<u8>, tok: &[u8]) {
    if !buf.is_empty() {
        buf.push(b'.');
    }
    buf.extend_from_slice(tok);
}

fn visit<T>(set: &Matches<T>, subject: &[u8], f: &mut Visitor<'_, T>) {
    for item in &set.plain {
        f(subject, None, item);
    }
    for g in &set.queues {
        for item in &g.members {
            f(subject, Some(&g.name), item);
        }
    }
}

#[cfg(test)]
impl<T> Node<T> {
    /// Number of nodes below this one (for pruning tests).
    pub(crate) fn count_nodes(&self) -> usize {
        let mut count = 0;
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            count += usize::from(node.fwc.is_some());
            if let Some(p) = &node.pwc {
                count += 1;
                stack.push(p);
            }
            node.literals.for_each(|_, c| {
                count += 1;
                stack.push(c);
            });
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(root: &Node<u32>, subject: &str) -> Vec<u32> {
        let mut m = Matches::new();
        root.collect(subject.as_bytes(), &mut m);
        let mut v = m.plain;
        v.sort_unstable();
        v
    }

    #[test]
    fn insert_collect_remove_prunes() {
        let mut root = Node::default();
        root.insert(b"a.b.c.d.e.f", None, 1);
        assert_eq!(root.count_nodes(), 6);
        assert!(root.remove(b"a.b.c.d.e.f", None, &1));
        assert_eq!(root.count_nodes(), 0);

        root.insert(b"a.b.*.d.e.>", None, 2);
        assert_eq!(root.count_nodes(), 6);
        assert_eq!(collect(&root, "a.b.x.d.e.f.g"), vec![2]);
        assert!(root.remove(b"a.b.*.d.e.>", None, &2));
        assert_eq!(root.count_nodes(), 0);

        root.insert(b">", None, 3);
        assert_eq!(root.count_nodes(), 1);
        assert!(root.remove(b">", None, &3));
        assert_eq!(root.count_nodes(), 0);
    }

    #[test]
    fn pruning_keeps_shared_prefixes() {
        let mut root = Node::default();
        root.insert(b"a.b.c", None, 1);
        root.insert(b"a.b", None, 2);
        root.insert(b"a.x.y", None, 3);
        root.insert(b"a.b.>", None, 4);
        assert!(root.remove(b"a.b.c", None, &1));
        // a, a.b, a.b.>, a.x, a.x.y
        assert_eq!(root.count_nodes(), 5);
        assert!(root.remove(b"a.b.>", None, &4));
        assert_eq!(root.count_nodes(), 4);
        assert!(root.remove(b"a.b", None, &2));
        assert_eq!(root.count_nodes(), 3);
        assert!(!root.remove(b"a.b", None, &2));
        assert!(root.remove(b"a.x.y", None, &3));
        assert_eq!(root.count_nodes(), 0);
    }

    #[test]
    fn remove_of_missing_is_false_and_harmless() {
        let mut root = Node::default();
        root.insert(b"a.b", None, 1);
        assert!(!root.remove(b"a.b.c", None, &1));
        assert!(!root.remove(b"a", None, &1));
        assert!(!root.remove(b"a.>", None, &1));
        assert!(!root.remove(b"a.*", None, &1));
        assert!(!root.remove(b"a.b", Some(b"q"), &1));
        assert!(!root.remove(b"a.b", None, &2));
        assert_eq!(root.count_nodes(), 2);
        assert_eq!(collect(&root, "a.b"), vec![1]);
    }

    #[test]
    fn deep_subjects_do_not_overflow() {
        // Far deeper than a 4 KiB control line allows.
        let deep = format!("{}end", "t.".repeat(20_000));
        let wild = format!("{}>", "*.".repeat(20_000));
        let mut root = Node::default();
        root.insert(deep.as_bytes(), None, 1);
        root.insert(wild.as_bytes(), None, 2);
        assert_eq!(collect(&root, &deep), vec![1, 2]);
        let mut seen = 0;
        root.for_each(&mut |_, _, _| seen += 1);
        assert_eq!(seen, 2);
        assert!(root.remove(deep.as_bytes(), None, &1));
        assert_eq!(root.count_nodes(), 20_001);
        // Dropped with the deep `*` chain still in place.
    }
}
