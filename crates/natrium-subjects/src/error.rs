//! Errors returned by the subject index.
//!
//! Only insertion can fail (removal of something that is not there simply
//! reports `false`), and the server maps both cases to the protocol's
//! `-ERR 'Invalid Subject'`-style replies, so the variants carry no payload:
//! the caller already has the offending bytes.

/// Why a subscription could not be added to a [`SubjectIndex`](crate::SubjectIndex).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SubjectError {
    /// Empty, has an empty token, contains whitespace, or has `>` before the end.
    #[error("invalid subject")]
    InvalidSubject,
    /// Empty or contains whitespace.
    #[error("invalid queue group name")]
    InvalidQueue,
}
