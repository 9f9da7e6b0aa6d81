//! Server-managed stream metadata (ADR-44 versioning, on top of ADR-33).
//!
//! nats-server 2.14 stamps every stream config it returns with
//! `_nats.ver` (server version), `_nats.level` (the API level it speaks) and
//! `_nats.req.level` (the lowest API level that understands every feature
//! the stream uses). Clients compare these to refuse streams they cannot
//! serve. Levels were verified one feature at a time on the reference.

use super::config::{PersistMode, StreamConfig};

/// The JetStream API level nats-server 2.14 reports.
pub const API_LEVEL: u32 = 4;
/// Metadata key: server version.
pub const META_VERSION: &str = "_nats.ver";
/// Metadata key: server API level.
pub const META_LEVEL: &str = "_nats.level";
/// Metadata key: required API level.
pub const META_REQUIRED_LEVEL: &str = "_nats.req.level";
/// Prefix reserved for server metadata.
pub const META_RESERVED_PREFIX: &str = "_nats.";

/// The lowest API level that supports every feature `cfg` uses.
pub fn required_api_level(cfg: &StreamConfig) -> u32 {
    let mut level = 0;
    if cfg.allow_msg_ttl || cfg.subject_delete_marker_ttl > 0 {
        level = 1;
    }
    if cfg.allow_msg_counter
        || cfg.allow_atomic
        || cfg.allow_msg_schedules
        || cfg.persist_mode == PersistMode::Async
    {
        level = 2;
    }
    if cfg.allow_batched {
        level = 4;
    }
    level
}

/// Replaces the server keys of `cfg.metadata` with fresh ones.
pub fn set_server_metadata(cfg: &mut StreamConfig, version: &str, api_level: u32) {
    cfg.metadata
        .retain(|k, _| !k.starts_with(META_RESERVED_PREFIX));
    let required = required_api_level(cfg);
    cfg.metadata
        .insert(META_LEVEL.to_string(), api_level.to_string());
    cfg.metadata
        .insert(META_REQUIRED_LEVEL.to_string(), required.to_string());
    cfg.metadata
        .insert(META_VERSION.to_string(), version.to_string());
}

/// Whether two configs are the same apart from server metadata (what
/// makes a repeated STREAM.CREATE succeed instead of failing with 10058).
pub fn same_ignoring_server_metadata(a: &StreamConfig, b: &StreamConfig) -> bool {
    let strip = |c: &StreamConfig| {
        let mut c = c.clone();
        c.metadata
            .retain(|k, _| !k.starts_with(META_RESERVED_PREFIX));
        c
    };
    strip(a) == strip(b)
}
