//! Exit statuses other than "worked" (0) and "failed" (1).
//!
//! Most commands succeed or fail, and `main.rs` turns any error into one
//! `natrium: ...` line and status 1. Health checks are different: they have
//! already printed their verdict and must exit with the Nagios code that
//! goes with it (1 WARNING, 2 CRITICAL, 3 UNKNOWN). They return an
//! [`ExitStatus`] as their error; `main.rs` recognises it, prints nothing
//! more and exits with that code. `std::process::exit` is called nowhere, so
//! destructors and buffered output run as usual.

/// "Exit with this status; the output has been printed already."
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("exit status {0}")]
pub struct ExitStatus(pub u8);
