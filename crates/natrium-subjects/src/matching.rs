//! Pattern algebra on subject strings, without an index.
//!
//! * [`subject_matches_filter`]: does a published subject match a
//!   subscription pattern. The cache uses it to find which cached subjects a
//!   new or removed subscription affects; permissions and JetStream filters
//!   use it directly.
//! * [`subjects_overlap`]: can two patterns match a common subject (stream
//!   subject collisions, overlapping consumer filters).
//! * [`subject_is_subset_of`]: is everything one pattern matches also matched
//!   by another (import/export and permission containment).
//!
//! All walk both subjects token by token over slices and allocate nothing.

use crate::validate::{is_valid_subject, tokens, FWC, PWC, SEP};

/// Whether the published `subject` is matched by the pattern `filter`.
///
/// Tokens of `subject` are taken literally: a `*` in `subject` only matches
/// a `*` or a wildcard in `filter`. Subjects with empty tokens never match.
pub fn subject_matches_filter(subject: &[u8], filter: &[u8]) -> bool {
    // One pass over both byte strings, bailing at the first differing byte:
    // the cache runs this for every cached subject on each wildcard
    // subscribe/unsubscribe, so it must not tokenize first.
    if filter.is_empty() {
        return false;
    }
    let (mut s, mut f) = (subject, filter);
    loop {
        // Both are at the start of a token here.
        if matches!(s.first(), None | Some(&SEP)) {
            return false;
        }
        match f {
            [b'>'] | [b'>', SEP, ..] => {
                // `>` takes this token and everything after it.
                return !s.ends_with(&[SEP]) && !s.windows(2).any(|w| w == [SEP, SEP]);
            }
            [b'*'] | [b'*', SEP, ..] => {
                let end = s.iter().position(|&b| b == SEP).unwrap_or(s.len());
                s = &s[end..];
                f = &f[1..];
            }
            _ => {
                while let (Some((&fb, f_rest)), Some((&sb, s_rest))) =
                    (f.split_first(), s.split_first())
                {
                    if fb == SEP {
                        break;
                    }
                    if fb != sb {
                        return false;
                    }
                    (f, s) = (f_rest, s_rest);
                }
            }
        }
        // Both tokens must end together, at a separator or at the end.
        match (f.split_first(), s.split_first()) {
            (None, None) => return true,
            (Some((&SEP, f_rest)), Some((&SEP, s_rest))) if !f_rest.is_empty() => {
                (f, s) = (f_rest, s_rest)
            }
            _ => return false,
        }
    }
}

/// Whether some literal subject is matched by both patterns `a` and `b`.
///
/// Exact rather than conservative: `foo.>` and `*` do not overlap (one needs
/// two or more tokens, the other exactly one). Invalid subjects overlap nothing.
pub fn subjects_overlap(a: &[u8], b: &[u8]) -> bool {
    if !is_valid_subject(a) || !is_valid_subject(b) {
        return false;
    }
    let mut at = tokens(a);
    let mut bt = tokens(b);
    loop {
        match (at.next(), bt.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) => {
                // The other side has at least this token left, which `>` absorbs.
                if x == FWC || y == FWC {
                    return true;
                }
                if x != PWC && y != PWC && x != y {
                    return false;
                }
            }
            // One ran out while the other still needs tokens.
            _ => return false,
        }
    }
}

/// Whether every subject matched by pattern `sub` is also matched by `of`.
///
/// `foo.bar` ⊆ `foo.*` ⊆ `foo.>` ⊆ `>`; `foo.*` is not a subset of `foo.bar`.
/// Invalid subjects are subsets of nothing.
pub fn subject_is_subset_of(sub: &[u8], of: &[u8]) -> bool {
    if !is_valid_subject(sub) || !is_valid_subject(of) {
        return false;
    }
    let mut st = tokens(sub);
    let mut ot = tokens(of);
    loop {
        match (st.next(), ot.next()) {
            (None, None) => return true,
            (Some(s), Some(o)) => {
                if o == FWC {
                    return true;
                }
                // `sub` reaches arbitrarily deep here; `of` does not.
                if s == FWC {
                    return false;
                }
                // `*` in `of` covers any single token, literal or `*`.
                if o == PWC {
                    continue;
                }
                // `o` is literal: `s` must be that same literal.
                if s != o {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_filter_table() {
        let table: &[(&str, &str, bool)] = &[
            ("foo", "foo", true),
            ("foo", "bar", false),
            ("foo", "*", true),
            ("foo", ">", true),
            ("foo.bar", ">", true),
            ("foo.bar", "foo.>", true),
            ("foo.bar", "bar.>", false),
            ("foo", "foo.>", false),
            ("foo.bar", "*", false),
            ("foo.bar", "*.*", true),
            ("foo.bar", "*.bar", true),
            ("foo.bar", "*.baz", false),
            ("foo.bar", "foo", false),
            ("foo", "foo.bar", false),
            ("stats.test.22", "stats.>", true),
            ("stats.test.22", "stats.*.*", true),
            ("stats.test.foos", "stats.test.foos", true),
            ("stats.test.foos", "stats.test.foo", false),
            ("stats.test", "stats.test.*", false),
            ("stats.test.foos", "stats.*", false),
            ("stats.test.foos", "stats.*.*.foos", false),
            ("a.b.c.d", "a.*.c.>", true),
            ("a.b.c", "a.*.c.>", false),
            // Non-token wildcard characters are literal.
            ("*bar", "*bar", true),
            ("foo*", "foo*", true),
            ("foo*", "foo", false),
            ("foo*bar", "foo*bar", true),
            ("foo.***.bar", "foo.***.bar", true),
            (">bar", ">bar", true),
            ("foo>", "foo>", true),
            ("foo>bar", "foo>bar", true),
            ("foo.>>>.bar", "foo.>>>.bar", true),
            ("foo.>>>.bar", "foo.>", true),
            ("foo.bar", "foo.>bar", false),
            // Degenerate input.
            ("", "", false),
            ("", ">", false),
            ("foo", "", false),
            ("foo..bar", "foo.*.bar", false),
            ("foo..bar", ">", false),
            (".foo", "*.foo", false),
        ];
        for &(s, f, want) in table {
            assert_eq!(
                subject_matches_filter(s.as_bytes(), f.as_bytes()),
                want,
                "{s:?} ~ {f:?}"
            );
        }
    }

    #[test]
    fn overlap_table() {
        let table: &[(&str, &str, bool)] = &[
            ("foo", "foo", true),
            ("foo", "bar", false),
            ("foo.*", "foo.bar", true),
            ("foo.*", "*.bar", true),
            ("foo.*", "bar.*", false),
            ("foo.*", "foo.*.baz", false),
            ("foo.>", "foo.*.baz", true),
            ("foo.>", "foo", false),
            ("foo.>", "*", false),
            ("foo.>", "*.*", true),
            (">", "a.b.c", true),
            (">", "*", true),
            ("*.b.*", "a.*.c", true),
            ("*.b.*", "a.c.*", false),
            ("foo*", "foo", false),
            ("foo*", "*", true),
            ("a.>", "b.>", false),
            ("a.>", "a.>", true),
            ("a.b.>", "a.>", true),
            ("foo..bar", "foo.*.bar", false),
            ("", "", false),
        ];
        for &(a, b, want) in table {
            assert_eq!(
                subjects_overlap(a.as_bytes(), b.as_bytes()),
                want,
                "{a:?} ∩ {b:?}"
            );
            assert_eq!(
                subjects_overlap(b.as_bytes(), a.as_bytes()),
                want,
                "{b:?} ∩ {a:?}"
            );
        }
    }

    #[test]
    fn subset_table() {
        let table: &[(&str, &str, bool)] = &[
            ("foo", "foo", true),
            ("foo", "bar", false),
            ("foo.bar", "foo.*", true),
            ("foo.*", "foo.*", true),
            ("foo.*", "foo.>", true),
            ("foo.>", "foo.>", true),
            ("foo.>", ">", true),
            ("foo.*", ">", true),
            ("*", ">", true),
            (">", ">", true),
            ("foo.*", "foo.bar", false),
            ("foo.>", "foo.*", false),
            ("foo.>", "foo.*.>", false),
            ("foo.*.>", "foo.>", true),
            ("foo", "foo.>", false),
            ("foo.bar", "*.*", true),
            ("*.*", "foo.*", false),
            ("foo.bar.baz", "foo.*", false),
            ("foo", "*.foo", false),
            ("foo*", "*", true),
            ("*", "foo*", false),
            ("foo..bar", ">", false),
            ("foo", "", false),
        ];
        for &(a, b, want) in table {
            assert_eq!(
                subject_is_subset_of(a.as_bytes(), b.as_bytes()),
                want,
                "{a:?} ⊆ {b:?}"
            );
        }
    }

    /// Reference semantics for `subject_matches_filter`, on token vectors.
    fn reference_matches(subject: &[u8], filter: &[u8]) -> bool {
        let s: Vec<&[u8]> = tokens(subject).collect();
        let f: Vec<&[u8]> = tokens(filter).collect();
        if subject.is_empty() || filter.is_empty() || s.iter().any(|t| t.is_empty()) {
            return false;
        }
        for (i, ft) in f.iter().enumerate() {
            if *ft == FWC {
                return s.len() > i;
            }
            match s.get(i) {
                Some(st) if *ft == PWC || ft == st => {}
                _ => return false,
            }
        }
        s.len() == f.len()
    }

    #[test]
    fn matches_filter_agrees_with_reference_on_random_bytes() {
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let alphabet = b"ab.*>";
        let gen = |next: &mut dyn FnMut() -> u64| -> Vec<u8> {
            let len = (next() % 8) as usize;
            (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect()
        };
        for _ in 0..200_000 {
            let s = gen(&mut next);
            let f = gen(&mut next);
            assert_eq!(
                subject_matches_filter(&s, &f),
                reference_matches(&s, &f),
                "{:?} ~ {:?}",
                String::from_utf8_lossy(&s),
                String::from_utf8_lossy(&f)
            );
        }
    }

    /// Cross-checks the three functions against each other on a small universe.
    #[test]
    fn algebra_is_consistent() {
        let toks = ["a", "b", "*", ">"];
        let mut patterns = Vec::new();
        for n in 1..=3 {
            let mut idx = vec![0usize; n];
            loop {
                let p: Vec<&str> = idx.iter().map(|&i| toks[i]).collect();
                let p = p.join(".");
                if is_valid_subject(p.as_bytes()) {
                    patterns.push(p);
                }
                let mut k = 0;
                while k < n {
                    idx[k] += 1;
                    if idx[k] < toks.len() {
                        break;
                    }
                    idx[k] = 0;
                    k += 1;
                }
                if k == n {
                    break;
                }
            }
        }
        // Literal subjects up to 4 tokens over {a, b, c}: enough to witness
        // every overlap of patterns with at most 3 tokens.
        let mut literals = Vec::new();
        for n in 1..=4u32 {
            for mut code in 0..3usize.pow(n) {
                let mut s = Vec::new();
                for _ in 0..n {
                    s.push(["a", "b", "c"][code % 3]);
                    code /= 3;
                }
                literals.push(s.join("."));
            }
        }
        for p in &patterns {
            for q in &patterns {
                let both = literals.iter().any(|l| {
                    subject_matches_filter(l.as_bytes(), p.as_bytes())
                        && subject_matches_filter(l.as_bytes(), q.as_bytes())
                });
                assert_eq!(
                    subjects_overlap(p.as_bytes(), q.as_bytes()),
                    both,
                    "{p} ∩ {q}"
                );
                if subject_is_subset_of(p.as_bytes(), q.as_bytes()) {
                    for l in &literals {
                        if subject_matches_filter(l.as_bytes(), p.as_bytes()) {
                            assert!(
                                subject_matches_filter(l.as_bytes(), q.as_bytes()),
                                "{l} {p} {q}"
                            );
                        }
                    }
                }
            }
        }
    }
}
