//! NATS subjects for natrium: validation, wildcard matching, and the
//! [`SubjectIndex`] that routes every published message to the
//! subscriptions interested in it.
//!
//! A subject is a byte string of `.`-separated, non-empty tokens without
//! whitespace. Subscriptions may use two wildcards, each only when it is a
//! whole token: `*` matches exactly one token and `>` matches one or more
//! trailing tokens (so it must be last). `foo*` is an ordinary literal token.
//!
//! The crate is split by job so each piece stays small and testable:
//!
//! * [`validate`]: is this a valid subscription subject,
//!   publish subject or queue name (one pass over the bytes, no allocation).
//! * [`matching`]: pattern algebra on subject strings
//!   (does a subject match a filter, do two filters overlap, is one a subset
//!   of the other). JetStream and permissions build on these.
//! * [`result`]: [`Matches`], the answer to "who gets this
//!   message", with queue subscribers grouped by queue name.
//! * `trie`, `children` and `cache` (private): the token trie the index
//!   walks on a miss, its cache-friendly child layout, and the bounded match
//!   cache that makes the common case one hash lookup.
//! * [`index`]: [`SubjectIndex`], tying the two together.
//! * [`mapping`]: [`SubjectMapping`], rewriting subjects by pattern
//!   (stream subject transforms, republish, account mappings).
//!
//! The index is generic over the stored item so this crate knows nothing of
//! connections; the server stores a cheap pointer-identity wrapper.

mod cache;
mod children;
pub mod error;
pub mod index;
pub mod mapping;
pub mod matching;
pub mod result;
mod trie;
pub mod validate;

#[cfg(test)]
mod index_tests;

pub use error::SubjectError;
pub use index::{IndexStats, SubjectIndex, DEFAULT_CACHE_CAPACITY};
pub use mapping::{MappingError, SubjectMapping};
pub use matching::{subject_is_subset_of, subject_matches_filter, subjects_overlap};
pub use result::{Matches, QueueGroup};
pub use validate::{
    is_storable_subject, is_valid_literal_subject, is_valid_queue_name, is_valid_subject,
    subject_has_wildcard,
};
