//! Subject and queue-name validation.
//!
//! Publish subjects are checked on every `PUB`, so everything here is a
//! single pass over the bytes with no allocation and no token vector: one
//! loop tracks where the current token started and classifies it when a `.`
//! (or the end) is reached. The rules follow nats-server:
//!
//! * a subject is non-empty and every `.`-separated token is non-empty;
//! * no whitespace anywhere (space, tab, CR, LF and form feed, as nats-server);
//! * `*` and `>` are wildcards only as whole tokens, and `>` must be last;
//! * a queue name is any non-empty run of non-whitespace bytes.

/// Token separator.
pub(crate) const SEP: u8 = b'.';
/// Single-token wildcard, as a whole token.
pub(crate) const PWC: &[u8] = b"*";
/// Tail wildcard, as a whole token.
pub(crate) const FWC: &[u8] = b">";

/// The whitespace nats-server refuses inside subjects.
#[inline]
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0c)
}

/// What [`classify`] found out about a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Valid, no wildcard tokens: can be published to.
    Literal,
    /// Valid, contains `*` and/or a final `>`.
    Wildcard,
}

/// Validates `subject` in one pass; `None` when invalid.
#[inline]
pub(crate) fn classify(subject: &[u8]) -> Option<Kind> {
    if subject.is_empty() {
        return None;
    }
    let mut wild = false;
    let mut start = 0;
    for (i, &b) in subject.iter().enumerate() {
        if b == SEP {
            if !check_token(subject, start, i, false, &mut wild) {
                return None;
            }
            start = i + 1;
        } else if is_space(b) {
            return None;
        }
    }
    if !check_token(subject, start, subject.len(), true, &mut wild) {
        return None;
    }
    Some(if wild { Kind::Wildcard } else { Kind::Literal })
}

/// Checks the token `subject[start..end]`; only the last token may be `>`.
#[inline]
fn check_token(subject: &[u8], start: usize, end: usize, last: bool, wild: &mut bool) -> bool {
    match subject.get(start..end) {
        None | Some([]) => false,
        Some(b"*") => {
            *wild = true;
            true
        }
        Some(b">") => {
            *wild = true;
            last
        }
        Some(_) => true,
    }
}

/// Whether `subject` is valid for a subscription (wildcards allowed).
pub fn is_valid_subject(subject: &[u8]) -> bool {
    classify(subject).is_some()
}

/// Whether `subject` is valid for publishing: valid and without wildcard tokens.
pub fn is_valid_literal_subject(subject: &[u8]) -> bool {
    classify(subject) == Some(Kind::Literal)
}

/// Whether a stream may store a message under `subject`: non-empty tokens
/// and no whitespace. As in nats-server, `*` and `>` tokens are taken
/// literally here (a client may publish to `$KV.B.*`; it is stored under
/// that name and matched by filters like any other token).
pub fn is_storable_subject(subject: &[u8]) -> bool {
    !subject.is_empty()
        && tokens(subject).all(|t| !t.is_empty())
        && !subject.iter().any(|&b| is_space(b))
}

/// Whether `queue` is a valid queue group name: non-empty, no whitespace.
pub fn is_valid_queue_name(queue: &[u8]) -> bool {
    !queue.is_empty() && !queue.iter().any(|&b| is_space(b))
}

/// Whether any whole token of `subject` is `*` or `>`. Does not validate.
pub fn subject_has_wildcard(subject: &[u8]) -> bool {
    subject.split(|&b| b == SEP).any(|t| t == PWC || t == FWC)
}

/// Iterates the tokens of `subject` (empty tokens included, as `split` does).
#[inline]
pub(crate) fn tokens(subject: &[u8]) -> impl Iterator<Item = &[u8]> {
    subject.split(|&b| b == SEP)
}

/// Splits off the first token: `(token, rest after the '.')`.
#[inline]
pub(crate) fn split_first_token(s: &[u8]) -> (&[u8], Option<&[u8]>) {
    match s.iter().position(|&b| b == SEP) {
        Some(i) => {
            let (tok, rest) = s.split_at(i);
            // `rest` starts with the separator; skip it.
            (tok, rest.get(1..))
        }
        None => (s, None),
    }
}

/// One pass deciding whether the index can match `subject`: `None` when it
/// has an empty token (no subscription can match it), otherwise whether it
/// is literal and so may be cached. Whitespace is the parser's business and
/// is not rechecked on this hot path.
#[inline]
pub(crate) fn match_kind(subject: &[u8]) -> Option<Kind> {
    if subject.is_empty() {
        return None;
    }
    let mut wild = false;
    let mut start = 0;
    for (i, &b) in subject.iter().enumerate() {
        if b == SEP {
            if !token_for_match(subject, start, i, &mut wild) {
                return None;
            }
            start = i + 1;
        }
    }
    if !token_for_match(subject, start, subject.len(), &mut wild) {
        return None;
    }
    Some(if wild { Kind::Wildcard } else { Kind::Literal })
}

#[inline]
fn token_for_match(subject: &[u8], start: usize, end: usize, wild: &mut bool) -> bool {
    match subject.get(start..end) {
        None | Some([]) => false,
        Some(b"*") | Some(b">") => {
            *wild = true;
            true
        }
        Some(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects() {
        let table: &[(&str, bool, bool)] = &[
            // (subject, valid subscription subject, valid publish subject)
            ("foo", true, true),
            ("foo.bar.baz", true, true),
            ("_INBOX.abc123.x", true, true),
            ("foo.bar.*", true, false),
            ("foo.bar.>", true, false),
            ("*", true, false),
            (">", true, false),
            ("*.*.>", true, false),
            ("foo.*.bar", true, false),
            ("", false, false),
            (".", false, false),
            ("..", false, false),
            (".foo", false, false),
            ("foo.", false, false),
            ("foo..bar", false, false),
            ("foo.bar..baz", false, false),
            (">.bar", false, false),
            ("foo.>.bar", false, false),
            ("foo.>.>", false, false),
            ("foo bar", false, false),
            ("foo\tbar", false, false),
            ("foo\rbar", false, false),
            ("foo\nbar", false, false),
            ("foo\x0cbar", false, false),
            (" foo", false, false),
            ("foo. ", false, false),
            ("foo.* ", false, false),
            // Wildcard characters inside a longer token are literal.
            ("foo*", true, true),
            ("foo**", true, true),
            ("foo.**", true, true),
            ("foo*bar", true, true),
            ("foo.*bar", true, true),
            ("foo*.bar", true, true),
            ("*bar", true, true),
            ("foo>", true, true),
            ("foo>>", true, true),
            ("foo.>>", true, true),
            ("foo>bar", true, true),
            ("foo.>bar", true, true),
            ("foo>.bar", true, true),
            (">bar", true, true),
            (">>.bar", true, true),
            ("ümlaut.δ", true, true),
        ];
        for &(s, valid, literal) in table {
            assert_eq!(
                is_valid_subject(s.as_bytes()),
                valid,
                "is_valid_subject({s:?})"
            );
            assert_eq!(
                is_valid_literal_subject(s.as_bytes()),
                literal,
                "is_valid_literal_subject({s:?})"
            );
        }
    }

    #[test]
    fn wildcard_detection() {
        let table: &[(&str, bool)] = &[
            ("foo", false),
            ("foo.*", true),
            ("*", true),
            (">", true),
            ("foo.>", true),
            ("foo.*.bar", true),
            ("foo*", false),
            ("*foo", false),
            ("foo.>bar", false),
            ("a.**.b", false),
            ("", false),
        ];
        for &(s, wc) in table {
            assert_eq!(subject_has_wildcard(s.as_bytes()), wc, "{s:?}");
        }
    }

    #[test]
    fn queue_names() {
        assert!(is_valid_queue_name(b"workers"));
        assert!(is_valid_queue_name(b"q.with.dots"));
        assert!(is_valid_queue_name(b"*"));
        assert!(!is_valid_queue_name(b""));
        assert!(!is_valid_queue_name(b"a b"));
        assert!(!is_valid_queue_name(b"a\tb"));
        assert!(!is_valid_queue_name(b"a\r\n"));
    }

    #[test]
    fn token_splitting() {
        assert_eq!(
            split_first_token(b"foo.bar"),
            (&b"foo"[..], Some(&b"bar"[..]))
        );
        assert_eq!(split_first_token(b"foo"), (&b"foo"[..], None));
        assert_eq!(split_first_token(b"foo."), (&b"foo"[..], Some(&b""[..])));
        assert_eq!(split_first_token(b""), (&b""[..], None));
        assert_eq!(match_kind(b"a.b"), Some(Kind::Literal));
        assert_eq!(match_kind(b"a.*"), Some(Kind::Wildcard));
        assert_eq!(match_kind(b"a..b"), None);
        assert_eq!(match_kind(b"a."), None);
        assert_eq!(match_kind(b""), None);
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let alphabet = b"ab.*> \t\x00\xff";
        for len in 0..12 {
            for _ in 0..200 {
                let s: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        alphabet[(x % alphabet.len() as u64) as usize]
                    })
                    .collect();
                let _ = is_valid_subject(&s);
                let _ = is_valid_literal_subject(&s);
                let _ = subject_has_wildcard(&s);
                let _ = match_kind(&s);
            }
        }
    }
}
