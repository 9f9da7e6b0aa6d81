//! Subject mappings: rewriting a subject that matches a source pattern into
//! a destination built from the tokens its wildcards matched.
//!
//! Streams use them for `subject_transform` (ADR-36) and `republish`
//! (ADR-28); account imports and exports will too. Destinations reference
//! the source's `*` wildcards by position as `{{wildcard(N)}}` (or the
//! legacy `$N`), and a trailing `>` carries the tokens the source's `>`
//! matched. nats-server's other mapping functions (partition, split, …)
//! are refused with a clear error rather than mis-applied.

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
            match part {
                Part::Wildcard(index) if index == 0 || index > wildcards => {
                    return Err(MappingError::WildcardOutOfRange {
                        index,
                        available: wildcards,
                    })
                }
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
        let inner = inner.trim();
        let argument = inner
            .strip_prefix("wildcard(")
            .or_else(|| inner.strip_prefix("Wildcard("))
            .and_then(|rest| rest.strip_suffix(')'))
            .and_then(|arg| arg.trim().parse::<usize>().ok());
        return match argument {
            Some(index) => Ok(Part::Wildcard(index)),
            None => Err(MappingError::UnsupportedFunction(inner.to_string())),
        };
    }
    if token == "*" || token.chars().any(char::is_whitespace) {
        return Err(MappingError::InvalidDestination(destination.to_string()));
    }
    Ok(Part::Literal(token.to_string()))
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
            SubjectMapping::new("a.*", "{{partition(3,1)}}"),
            Err(MappingError::UnsupportedFunction(_))
        ));
        assert!(SubjectMapping::new("a..b", "c").is_err());
        assert!(SubjectMapping::new("a.*", "b..c").is_err());
        assert!(SubjectMapping::new("a.*", "").is_err());
    }
}
