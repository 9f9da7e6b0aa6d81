//! The wire conventions of the `{domain}.objects.*` service, shared by the
//! service and the [`crate::client::Client`] so the two cannot drift.
//!
//! - Errors are replies with the NATS micro-service headers
//!   `Nats-Service-Error-Code` (HTTP-like status) and `Nats-Service-Error`
//!   (description), and the same as JSON: `{"error":{"code":…,"description":…}}`.
//! - A content get is streamed: one message per leaf chunk, in order; the last
//!   carries `Cid-End: <total bytes>` (a single-chunk file is one message).
//!   Every [`FLOW_WINDOW`] chunks the service sends an empty message with
//!   `Cid-Flow` and a reply subject and waits for any reply before going on,
//!   so a slow reader slows the sender instead of becoming a slow consumer.
//! - `Cid-Block: true` on a get asks for exactly one block, unassembled.

pub const ERROR_CODE: &str = "Nats-Service-Error-Code";
pub const ERROR: &str = "Nats-Service-Error";
pub const END: &str = "Cid-End";
pub const FLOW: &str = "Cid-Flow";
pub const BLOCK: &str = "Cid-Block";
/// On `put` without a CID: the codec of the body (`raw`, `dag-pb`, `dag-cbor`,
/// `dag-json`) when it is one block; absent means "a whole file".
pub const CODEC: &str = "Cid-Codec";
/// On `put` and `dag.put`: `blake3` instead of sha2-256.
pub const HASH: &str = "Cid-Hash";
/// On `put`: pin the stored root.
pub const PIN: &str = "Cid-Pin";

/// Chunks between flow-control round trips (8 MiB of 256 KiB chunks).
pub const FLOW_WINDOW: u64 = 32;
