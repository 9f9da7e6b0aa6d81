//! Subject mappings: rewriting a subject that matches a source pattern into
//! a destination built from the tokens its wildcards matched.
//!
//! Streams use them for `subject_transform` (ADR-36) and `republish`
//! (ADR-28); account imports and exports will too. Destinations reference
//! the source's `*` wildcards by position as `{{wildcard(N)}}` (or the
//! legacy `$N`), and a trailing `>` carries the tokens the source's `>`
//! matched. nats-server's other mapping functions work on one wildcard's
//! token: `partition(n, wildcards…)` (FNV-1a of the tokens, modulo n, so a
//! key always lands in the same partition), `split(w, delimiter)`,
//! `splitFromLeft/Right(w, position)`, `sliceFromLeft/Right(w, size)` and
//! `random(n)` (a number below n). Function names are case-insensitive.

use crate::matching::subject_matches_filter;
use crate::validate::is_valid_subject;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("invalid source subject {0:?}")]
    InvalidSource(String),
    #[error("invalid destination subject {0:?}")]
    InvalidDestination(String),
    #[error("wildcard index {index} out of range: the source has {available} wildcards")]
    WildcardOutOfRange { index: usize, available: usize },
    #[error("mapping function {0:?} is not supported")]
    UnsupportedFunction(String),
    #[error("destination uses '>' but the source does not end in '>'")]
    UnmatchedFullWildcard,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    /// 1-based position among the source's `*` tokens.
    Wildcard(usize),
    /// The tokens the source's `>` matched.
    Rest,
    /// A function over one wildcard's token (1-based), producing one or more tokens.
    Function(Function, usize),
    /// The partition (0..buckets) of the named wildcards' tokens (all of the
    /// subject when none are named).
    Partition {
        buckets: u32,
        wildcards: Vec<usize>,
    },
    /// A random number in 0..n, per message.
    Random(u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Function {
    Split(String),
    SplitFromLeft(usize),
    SplitFromRight(usize),
    SliceFromLeft(usize),
    SliceFromRight(usize),
}

impl Function {
    fn apply(&self, token: &str, out: &mut String) {
        let len = token.len();
        let char_boundary = |at: usize| token.is_char_boundary(at);
        match self {
            Function::Split(delimiter) => {
                let parts: Vec<&str> = token
                    .split(delimiter.as_str())
                    .filter(|p| !p.is_empty())
                    .collect();
                out.push_str(&parts.join("."));
            }
            Function::SplitFromLeft(at) if *at > 0 && *at < len && char_boundary(*at) => {
                out.push_str(&token[..*at]);
                out.push('.');
                out.push_str(&token[*at..]);
            }
            Function::SplitFromRight(at) if *at > 0 && *at < len && char_boundary(len - at) => {
                out.push_str(&token[..len - at]);
                out.push('.');
                out.push_str(&token[len - at..]);
            }
            Function::SliceFromLeft(size) if *size > 0 && *size < len => {
                let chunks: Vec<&str> = token
                    .as_bytes()
                    .chunks(*size)
                    .map(|c| std::str::from_utf8(c).unwrap_or(""))
                    .collect();
                out.push_str(&chunks.join("."));
            }
            Function::SliceFromRight(size) if *size > 0 && *size < len => {
                let head = len % size;
                let mut chunks = Vec::new();
                if head > 0 {
                    chunks.push(&token[..head]);
                }
                let mut at = head;
                while at < len {
                    chunks.push(&token[at..at + size]);
                    at += size;
                }
                out.push_str(&chunks.join("."));
            }
            _ => out.push_str(token),
        }
    }
}

/// A number in 0..n from a per-thread xorshift state seeded by the clock
/// (spreading messages needs no cryptographic randomness).
fn random_below(n: u32) -> u32 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0x9E37_79B9_7F4A_7C15, |d| d.as_nanos() as u64)
                | 1,
        );
    }
    STATE.with(|state| {
        let mut x = state.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        state.set(x);
        (x % u64::from(n)) as u32
    })
}

/// FNV-1a, 32 bits: the hash nats-server partitions with.
fn fnv1a(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in bytes {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// A compiled `src → dest` mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectMapping {
    source: String,
    destination: Vec<Part>,
}

impl SubjectMapping {
    /// Compiles a mapping; an empty source means every subject (`>`).
    pub fn new(source: &str, destination: &str) -> Result<SubjectMapping, MappingError> {
        let source = if source.is_empty() { ">" } else { source };
        if !is_valid_subject(source.as_bytes()) {
            return Err(MappingError::InvalidSource(source.to_string()));
        }
        let wildcards = source.split('.').filter(|t| *t == "*").count();
        let source_has_rest = source.split('.').next_back() == Some(">");
        let mut parts = Vec::new();
        for token in destination.split('.') {
            let part = parse_token(token, destination)?;
            let referenced: Vec<usize> = match &part {
                Part::Wildcard(index) | Part::Function(_, index) => vec![*index],
                Part::Partition { wildcards, .. } => wildcards.clone(),
                _ => Vec::new(),
            };
            if let Some(&index) = referenced.iter().find(|&&i| i == 0 || i > wildcards) {
                return Err(MappingError::WildcardOutOfRange {
                    index,
                    available: wildcards,
                });
            }
            match part {
                Part::Rest if !source_has_rest => return Err(MappingError::UnmatchedFullWildcard),
                _ => {}
            }
            parts.push(part);
        }
        if destination.is_empty()
            || parts
                .iter()
                .any(|p| matches!(p, Part::Literal(l) if l.is_empty()))
        {
            return Err(MappingError::InvalidDestination(destination.to_string()));
        }
        Ok(SubjectMapping {
            source: source.to_string(),
            destination: parts,
        })
    }

    /// The mapped subject, or `None` when `subject` does not match the source.
    pub fn apply(&self, subject: &str) -> Option<String> {
        if !subject_matches_filter(subject.as_bytes(), self.source.as_bytes()) {
            return None;
        }
        let mut wildcards = Vec::new();
        let mut rest = "";
        let mut offset = 0;
        for pattern in self.source.split('.') {
            let token_end = subject[offset..]
                .find('.')
                .map_or(subject.len(), |i| offset + i);
            match pattern {
                "*" => wildcards.push(&subject[offset..token_end]),
                ">" => {
                    rest = &subject[offset..];
                    break;
                }
                _ => {}
            }
            offset = (token_end + 1).min(subject.len());
        }
        let mut out = String::with_capacity(subject.len() + 16);
        for (i, part) in self.destination.iter().enumerate() {
            if i > 0 {
                out.push('.');
            }
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Wildcard(index) => out.push_str(wildcards.get(index - 1)?),
                Part::Rest => out.push_str(rest),
                Part::Function(function, index) => {
                    function.apply(wildcards.get(index - 1)?, &mut out)
                }
                Part::Partition {
                    buckets,
                    wildcards: which,
                } => {
                    let hash = if which.is_empty() {
                        fnv1a(subject.as_bytes())
                    } else {
                        let mut key = Vec::new();
                        for index in which {
                            key.extend_from_slice(wildcards.get(index - 1)?.as_bytes());
                        }
                        fnv1a(&key)
                    };
                    out.push_str(&(hash % buckets).to_string());
                }
                Part::Random(n) => out.push_str(&random_below(*n).to_string()),
            }
        }
        Some(out)
    }
}

fn parse_token(token: &str, destination: &str) -> Result<Part, MappingError> {
    if token == ">" {
        return Ok(Part::Rest);
    }
    if let Some(index) = token.strip_prefix('$') {
        if let Ok(index) = index.parse::<usize>() {
            return Ok(Part::Wildcard(index));
        }
    }
    if let Some(inner) = token.strip_prefix("{{").and_then(|t| t.strip_suffix("}}")) {
        return parse_function(inner.trim());
    }
    if token == "*" || token.chars().any(char::is_whitespace) {
        return Err(MappingError::InvalidDestination(destination.to_string()));
    }
    Ok(Part::Literal(token.to_string()))
}

/// `name(arguments)` inside `{{ }}`.
fn parse_function(inner: &str) -> Result<Part, MappingError> {
    let unsupported = || MappingError::UnsupportedFunction(inner.to_string());
    let (name, arguments) = inner
        .strip_suffix(')')
        .and_then(|rest| rest.split_once('('))
        .ok_or_else(unsupported)?;
    let arguments: Vec<&str> = arguments.split(',').map(str::trim).collect();
    let number = |i: usize| -> Result<usize, MappingError> {
        arguments
            .get(i)
            .and_then(|a| a.parse::<usize>().ok())
            .ok_or_else(unsupported)
    };
    let two = |make: fn(usize) -> Function| -> Result<Part, MappingError> {
        if arguments.len() != 2 {
            return Err(unsupported());
        }
        Ok(Part::Function(make(number(1)?), number(0)?))
    };
    match name.trim().to_ascii_lowercase().as_str() {
        "wildcard" if arguments.len() == 1 => Ok(Part::Wildcard(number(0)?)),
        "partition" => {
            let buckets = number(0)?;
            if buckets == 0 || buckets > u32::MAX as usize {
                return Err(unsupported());
            }
            let wildcards = (1..arguments.len())
                .map(number)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Part::Partition {
                buckets: buckets as u32,
                wildcards,
            })
        }
        "split" if arguments.len() == 2 => {
            let delimiter = arguments[1].trim_matches(|c| c == '"' || c == '\'');
            if delimiter.is_empty() {
                return Err(unsupported());
            }
            Ok(Part::Function(
                Function::Split(delimiter.to_string()),
                number(0)?,
            ))
        }
        "splitfromleft" => two(Function::SplitFromLeft),
        "splitfromright" => two(Function::SplitFromRight),
        "slicefromleft" => two(Function::SliceFromLeft),
        "slicefromright" => two(Function::SliceFromRight),
        "random" if arguments.len() == 1 => match number(0)? {
            0 => Err(unsupported()),
            n => Ok(Part::Random(n.min(u32::MAX as usize) as u32)),
        },
        _ => Err(unsupported()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_placed_by_position() {
        let mapping = SubjectMapping::new("orders.*.*", "shop.{{wildcard(2)}}.$1").unwrap();
        assert_eq!(
            mapping.apply("orders.eu.new").as_deref(),
            Some("shop.new.eu")
        );
        assert_eq!(mapping.apply("billing.eu.new"), None);
        assert_eq!(mapping.apply("orders.eu"), None);
    }

    #[test]
    fn full_wildcards_carry_the_rest() {
        let mapping = SubjectMapping::new("in.>", "archive.>").unwrap();
        assert_eq!(mapping.apply("in.a.b.c").as_deref(), Some("archive.a.b.c"));
        let everything = SubjectMapping::new("", "copy.>").unwrap();
        assert_eq!(everything.apply("x.y").as_deref(), Some("copy.x.y"));
        let literal = SubjectMapping::new("a.b", "c").unwrap();
        assert_eq!(literal.apply("a.b").as_deref(), Some("c"));
    }

    #[test]
    fn bad_mappings_are_refused() {
        assert!(matches!(
            SubjectMapping::new("a.*", "b.$2"),
            Err(MappingError::WildcardOutOfRange { .. })
        ));
        assert!(matches!(
            SubjectMapping::new("a.*", "b.>"),
            Err(MappingError::UnmatchedFullWildcard)
        ));
        assert!(matches!(
            SubjectMapping::new("a.*", "{{nosuch(3,1)}}"),
            Err(MappingError::UnsupportedFunction(_))
        ));
        assert!(matches!(
            SubjectMapping::new("a.*", "{{partition(3,2)}}"),
            Err(MappingError::WildcardOutOfRange { .. })
        ));
        assert!(SubjectMapping::new("a..b", "c").is_err());
        assert!(SubjectMapping::new("a.*", "b..c").is_err());
        assert!(SubjectMapping::new("a.*", "").is_err());
    }

    #[test]
    fn token_functions() {
        let apply = |dest: &str, subject: &str| {
            SubjectMapping::new("a.*", dest)
                .unwrap()
                .apply(subject)
                .unwrap()
        };
        assert_eq!(apply("{{split(1,-)}}", "a.x-y--z"), "x.y.z");
        assert_eq!(apply("{{SplitFromLeft(1,2)}}", "a.abcdef"), "ab.cdef");
        assert_eq!(apply("{{splitFromRight(1,2)}}", "a.abcdef"), "abcd.ef");
        assert_eq!(apply("{{sliceFromLeft(1,2)}}", "a.abcde"), "ab.cd.e");
        assert_eq!(apply("{{sliceFromRight(1,2)}}", "a.abcde"), "a.bc.de");
        assert!(SubjectMapping::new("a.*", "{{left(1,3)}}").is_err());
        let random: u32 = apply("{{random(3)}}", "a.x").parse().unwrap();
        assert!(random < 3);
        // Partitions are stable per key and within range.
        let p = apply("p.{{partition(10,1)}}", "a.customer42");
        assert_eq!(p, apply("p.{{partition(10,1)}}", "a.customer42"));
        let n: u32 = p.trim_start_matches("p.").parse().unwrap();
        assert!(n < 10);
    }
}
