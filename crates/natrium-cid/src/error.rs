//! Errors of the content store, each with the status code the service
//! replies with, so a library error and a wire error are the same thing.

use cid::Cid;

/// Status codes of error replies (`Nats-Service-Error-Code`), HTTP-like as the
/// NATS micro-service convention uses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    BadRequest = 400,
    Forbidden = 403,
    NotFound = 404,
    Conflict = 409,
    TooLarge = 413,
    /// Stored bytes that no longer hash to their CID.
    Corrupt = 422,
    Internal = 500,
    Unavailable = 503,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("malformed CID {text:?}: {reason}")]
    BadCid { text: String, reason: String },
    #[error("content does not hash to {expected} (it hashes to {actual})")]
    /// `actual` is the CID text the bytes do hash to (text keeps the error small).
    Mismatch { expected: Cid, actual: String },
    #[error("unsupported {what}: {value:#x}")]
    Unsupported { what: &'static str, value: u64 },
    #[error("block {cid} cannot be decoded: {reason}")]
    Decode { cid: Cid, reason: String },
    #[error("block {0} not found")]
    NotFound(Cid),
    #[error("{cid} links to {missing}, which is not stored (put linked blocks first)")]
    DanglingLink { cid: String, missing: Cid },
    #[error("block {0} is corrupt: its bytes no longer hash to its CID")]
    Corrupt(Cid),
    #[error("path {path:?} does not resolve: {reason}")]
    Path { path: String, reason: String },
    #[error("block of {size} bytes is larger than the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("CAR: {0}")]
    Car(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("NATS: {0}")]
    Nats(String),
    /// An error reply from the service, as received by a client.
    #[error("{description} ({code})")]
    Remote { code: u16, description: String },
}

impl Error {
    pub fn code(&self) -> u16 {
        let code = match self {
            Error::BadCid { .. }
            | Error::Unsupported { .. }
            | Error::Decode { .. }
            | Error::Path { .. }
            | Error::Car(_)
            | Error::BadRequest(_) => ErrorCode::BadRequest,
            Error::Mismatch { .. } | Error::DanglingLink { .. } => ErrorCode::Conflict,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Corrupt(_) => ErrorCode::Corrupt,
            Error::TooLarge { .. } => ErrorCode::TooLarge,
            Error::Io(_) => ErrorCode::Internal,
            Error::Nats(_) => ErrorCode::Unavailable,
            Error::Remote { code, .. } => return *code,
        };
        code as u16
    }

    pub(crate) fn nats(error: impl std::fmt::Display) -> Error {
        Error::Nats(error.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
