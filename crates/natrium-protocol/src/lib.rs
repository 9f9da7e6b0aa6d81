//! The NATS client protocol, as spoken between clients and natrium-server.
//!
//! The protocol is line-based text with length-prefixed payloads: a client sends
//! `CONNECT`, `PUB`, `HPUB`, `SUB`, `UNSUB`, `PING` and `PONG`; the server answers
//! with `INFO`, `MSG`, `HMSG`, `PING`, `PONG`, `+OK` and `-ERR`.
//!
//! This crate is split by direction:
//! - [`parser`] turns client bytes into [`ClientOp`]s that borrow from the read
//!   buffer, so the hot path never copies a subject or payload to parse it;
//! - [`writer`] appends server operations to an outbound buffer;
//! - [`server_ops`] reads `MSG`/`HMSG` back, for in-process subscribers;
//! - [`messages`] holds the JSON bodies of `INFO` and `CONNECT`;
//! - [`errors`] holds the exact `-ERR` texts clients and tests match on.

pub mod errors;
pub mod messages;
pub mod parser;
pub mod server_ops;
pub mod writer;

pub use errors::ServerError;
pub use messages::{ConnectOptions, ServerInfo};
pub use parser::{ClientOp, ParseError, Parser};
