//! Subject mappings of an account (`mappings { ... }`): a published subject
//! that matches a source is rewritten before routing.
//!
//! A source may have several weighted destinations (A/B tests, canaries):
//! one is picked per message by weight. When the weights add up to less
//! than 100 and the source is not itself a destination, the rest of the
//! traffic keeps its subject; when the source is listed, the rest is
//! dropped (chaos testing), as nats-server does.

use natrium_subjects::mapping::{MappingError, SubjectMapping};
use natrium_subjects::subject_matches_filter;

use crate::options::MappingOptions;

#[derive(Debug, thiserror::Error)]
pub enum MappingConfigError {
    #[error("Error adding mapping for {subject:?} to {destination:?} : {reason}")]
    Invalid {
        subject: String,
        destination: String,
        reason: String,
    },
    #[error("Error adding mapping for {0:?}: total weight needs to be <= 100")]
    Weights(String),
}

/// What a mapping decided for one message.
#[derive(Debug, PartialEq, Eq)]
pub enum Mapped {
    /// The subject is not mapped.
    Unchanged,
    To(String),
    /// The weights left this message without a destination.
    Dropped,
}

/// One source with its weighted destinations (weights cumulative, out of 100).
#[derive(Debug)]
pub struct Mapping {
    source: String,
    destinations: Vec<(u8, Option<SubjectMapping>)>,
}

impl Mapping {
    pub fn compile(options: &MappingOptions) -> Result<Mapping, MappingConfigError> {
        let invalid = |destination: &str, error: MappingError| MappingConfigError::Invalid {
            subject: options.source.clone(),
            destination: destination.to_string(),
            // nats-server's wording where natrium-jetstream knows it.
            reason: natrium_jetstream::transform::validate_mapping(&options.source, destination)
                .err()
                .unwrap_or_else(|| format!("invalid mapping destination: {error}")),
        };
        let mut total: u32 = 0;
        let mut listed_source = false;
        let mut destinations = Vec::new();
        for destination in &options.destinations {
            // natrium-server has no cluster: cluster-scoped destinations never apply.
            if destination.cluster.is_some() {
                continue;
            }
            total += u32::from(destination.weight);
            if total > 100 {
                return Err(MappingConfigError::Weights(options.source.clone()));
            }
            listed_source |= destination.subject == options.source;
            let mapping = SubjectMapping::new(&options.source, &destination.subject)
                .map_err(|error| invalid(&destination.subject, error))?;
            destinations.push((total as u8, Some(mapping)));
        }
        if total < 100 && !listed_source {
            // The rest keeps its subject.
            destinations.push((100, None));
        }
        Ok(Mapping {
            source: options.source.clone(),
            destinations,
        })
    }

    /// Maps `subject` when it matches the source; `roll` is a number in 0..100.
    pub fn apply(&self, subject: &str, roll: u8) -> Mapped {
        if !subject_matches_filter(subject.as_bytes(), self.source.as_bytes()) {
            return Mapped::Unchanged;
        }
        for (upto, mapping) in &self.destinations {
            if roll < *upto {
                return match mapping {
                    Some(mapping) => mapping.apply(subject).map_or(Mapped::Unchanged, Mapped::To),
                    None => Mapped::Unchanged,
                };
            }
        }
        Mapped::Dropped
    }
}

/// All of an account's mappings, tried in order; the first matching source wins.
#[derive(Debug, Default)]
pub struct Mappings(Vec<Mapping>);

impl Mappings {
    pub fn compile(options: &[MappingOptions]) -> Result<Mappings, MappingConfigError> {
        options
            .iter()
            .map(Mapping::compile)
            .collect::<Result<_, _>>()
            .map(Mappings)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a mapping's source covers `subject` (even if the weights
    /// then left it as it was).
    pub fn covers(&self, subject: &[u8]) -> bool {
        self.0
            .iter()
            .any(|m| subject_matches_filter(subject, m.source.as_bytes()))
    }

    pub fn apply(&self, subject: &[u8], roll: u8) -> Mapped {
        let Ok(subject) = std::str::from_utf8(subject) else {
            return Mapped::Unchanged;
        };
        // The first mapping whose source matches decides, even when its
        // weights leave the subject as it is.
        match self
            .0
            .iter()
            .find(|m| subject_matches_filter(subject.as_bytes(), m.source.as_bytes()))
        {
            Some(mapping) => mapping.apply(subject, roll),
            None => Mapped::Unchanged,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::MappingDestination;

    fn mapping(source: &str, destinations: &[(&str, u8)]) -> Mapping {
        Mapping::compile(&MappingOptions {
            source: source.to_string(),
            destinations: destinations
                .iter()
                .map(|(subject, weight)| MappingDestination {
                    subject: subject.to_string(),
                    weight: *weight,
                    cluster: None,
                })
                .collect(),
            location: String::new(),
        })
        .unwrap()
    }

    #[test]
    fn weights_split_traffic() {
        let ab = mapping("foo", &[("a", 60), ("b", 40)]);
        assert_eq!(ab.apply("foo", 0), Mapped::To("a".into()));
        assert_eq!(ab.apply("foo", 59), Mapped::To("a".into()));
        assert_eq!(ab.apply("foo", 60), Mapped::To("b".into()));
        assert_eq!(ab.apply("bar", 0), Mapped::Unchanged);
        let canary = mapping("foo", &[("canary", 10)]);
        assert_eq!(canary.apply("foo", 50), Mapped::Unchanged);
        let chaos = mapping("foo", &[("foo", 80)]);
        assert_eq!(chaos.apply("foo", 10), Mapped::To("foo".into()));
        assert_eq!(chaos.apply("foo", 90), Mapped::Dropped);
        assert!(Mapping::compile(&MappingOptions {
            source: "x".into(),
            destinations: vec![
                MappingDestination {
                    subject: "a".into(),
                    weight: 70,
                    cluster: None
                },
                MappingDestination {
                    subject: "b".into(),
                    weight: 70,
                    cluster: None
                },
            ],
            location: String::new(),
        })
        .is_err());
    }
}
