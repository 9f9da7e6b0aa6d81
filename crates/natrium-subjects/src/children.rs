//! The literal-token children of a trie node, laid out for cache locality.
//!
//! A miss walks one child lookup per token, and with many subscriptions the
//! trie no longer fits in CPU cache, so the cost is mostly memory traffic.
//! Two layouts keep it down:
//!
//! * Tokens of up to 22 bytes (nearly all, including 22-character NUID
//!   inbox tokens) are stored inline in a 24-byte [`Token`], so comparing a
//!   key needs no pointer chase and inserting one needs no allocation.
//! * Most nodes have a single child (`orders.<id>.created`), so up to
//!   [`SMALL_MAX`] children live in a small vector searched linearly, with
//!   no hashing and no hash table allocation. Past that a hash map takes
//!   over, holding boxed nodes so its buckets stay small and dense.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};

use hashbrown::{DefaultHashBuilder, HashMap};

/// Longest token stored inline.
const INLINE: usize = 22;

/// Children kept in a linear vector up to this count.
const SMALL_MAX: usize = 4;

/// A trie edge label: the token's bytes, inline when short.
#[derive(Clone)]
pub(crate) enum Token {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl Token {
    pub(crate) fn new(tok: &[u8]) -> Self {
        let mut bytes = [0; INLINE];
        match bytes.get_mut(..tok.len()) {
            Some(dst) => {
                dst.copy_from_slice(tok);
                Token::Inline {
                    len: tok.len() as u8,
                    bytes,
                }
            }
            None => Token::Heap(tok.into()),
        }
    }

    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Token::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or_default(),
            Token::Heap(b) => b,
        }
    }
}

// Hash and equality must agree with `[u8]` for `Borrow<[u8]>` lookups.
impl Hash for Token {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl PartialEq for Token {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Token {}

impl Borrow<[u8]> for Token {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl From<&[u8]> for Token {
    fn from(tok: &[u8]) -> Self {
        Token::new(tok)
    }
}

/// Literal children of one node.
pub(crate) enum Children<N> {
    Small(Vec<(Token, N)>),
    Map(HashMap<Token, Box<N>, DefaultHashBuilder>),
}

impl<N> Default for Children<N> {
    fn default() -> Self {
        Children::Small(Vec::new())
    }
}

impl<N: Default> Children<N> {
    pub(crate) fn len(&self) -> usize {
        match self {
            Children::Small(v) => v.len(),
            Children::Map(m) => m.len(),
        }
    }

    #[inline]
    pub(crate) fn get(&self, tok: &[u8]) -> Option<&N> {
        match self {
            Children::Small(v) => v.iter().find(|(k, _)| k.as_bytes() == tok).map(|(_, n)| n),
            Children::Map(m) => m.get(tok).map(|n| &**n),
        }
    }

    pub(crate) fn get_mut(&mut self, tok: &[u8]) -> Option<&mut N> {
        match self {
            Children::Small(v) => v
                .iter_mut()
                .find(|(k, _)| k.as_bytes() == tok)
                .map(|(_, n)| n),
            Children::Map(m) => m.get_mut(tok).map(|n| &mut **n),
        }
    }

    /// The child for `tok`, created empty if missing.
    pub(crate) fn get_or_insert(&mut self, tok: &[u8]) -> &mut N {
        if let Children::Small(v) = self {
            if v.len() >= SMALL_MAX && !v.iter().any(|(k, _)| k.as_bytes() == tok) {
                let map = v.drain(..).map(|(k, n)| (k, Box::new(n))).collect();
                *self = Children::Map(map);
            }
        }
        match self {
            Children::Small(v) => {
                let i = match v.iter().position(|(k, _)| k.as_bytes() == tok) {
                    Some(i) => i,
                    None => {
                        v.push((Token::new(tok), N::default()));
                        v.len() - 1
                    }
                };
                &mut v[i].1
            }
            Children::Map(m) => m.entry_ref(tok).or_default(),
        }
    }

    pub(crate) fn remove(&mut self, tok: &[u8]) {
        match self {
            Children::Small(v) => {
                if let Some(i) = v.iter().position(|(k, _)| k.as_bytes() == tok) {
                    v.swap_remove(i);
                }
            }
            Children::Map(m) => {
                m.remove(tok);
                // hashbrown never shrinks on its own; give memory back after
                // a burst of unique tokens (e.g. inboxes) has drained away.
                let cap = m.capacity();
                if cap > 64 && m.len() * 4 < cap {
                    m.shrink_to(m.len() * 2);
                }
            }
        }
    }

    pub(crate) fn for_each<'a>(&'a self, mut f: impl FnMut(&'a [u8], &'a N)) {
        match self {
            Children::Small(v) => v.iter().for_each(|(k, n)| f(k.as_bytes(), n)),
            Children::Map(m) => m.iter().for_each(|(k, n)| f(k.as_bytes(), n)),
        }
    }

    /// Moves every child into `out`, leaving this empty.
    pub(crate) fn take_all(&mut self, out: &mut Vec<N>) {
        match self {
            Children::Small(v) => out.extend(v.drain(..).map(|(_, n)| n)),
            Children::Map(m) => out.extend(m.drain().map(|(_, n)| *n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_compact_and_round_trips() {
        assert_eq!(std::mem::size_of::<Token>(), 24);
        for len in [0, 1, 21, 22, 23, 100] {
            let bytes: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            let t = Token::new(&bytes);
            assert_eq!(t.as_bytes(), &bytes[..]);
            assert_eq!(matches!(t, Token::Inline { .. }), len <= INLINE);
        }
    }

    #[test]
    fn grows_from_small_to_map() {
        let mut c: Children<u32> = Children::default();
        for i in 0..20u32 {
            *c.get_or_insert(format!("t{i}").as_bytes()) = i;
            assert_eq!(c.len(), i as usize + 1);
            assert_eq!(matches!(c, Children::Small(_)), c.len() <= SMALL_MAX);
        }
        for i in 0..20u32 {
            assert_eq!(c.get(format!("t{i}").as_bytes()), Some(&i));
            *c.get_or_insert(format!("t{i}").as_bytes()) += 100;
        }
        assert_eq!(c.len(), 20);
        assert!(c.get(b"missing").is_none());
        for i in 0..20u32 {
            c.remove(format!("t{i}").as_bytes());
        }
        assert_eq!(c.len(), 0);
        let mut small: Children<u32> = Children::default();
        *small.get_or_insert(b"a") = 1;
        *small.get_or_insert(b"b") = 2;
        small.remove(b"a");
        assert_eq!(small.get(b"b"), Some(&2));
        assert_eq!(small.get_mut(b"a"), None);
    }
}
