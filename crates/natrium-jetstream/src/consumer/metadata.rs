//! Server-managed consumer metadata (ADR-44 versioning).
//!
//! nats-server 2.14 stores `_nats.req.level` (the lowest API level that
//! understands every feature the consumer uses) in the consumer's config,
//! and adds `_nats.ver` and `_nats.level` only to the configs it returns
//! from CONSUMER.CREATE and CONSUMER.INFO (CONSUMER.LIST shows the stored
//! form). Levels were verified one feature at a time on the reference.

use super::config::{AckPolicy, ConsumerConfig, PriorityPolicy};
use crate::stream::metadata::{META_LEVEL, META_REQUIRED_LEVEL, META_VERSION};

/// The lowest API level that supports every feature `cfg` uses.
pub fn required_api_level(cfg: &ConsumerConfig) -> u32 {
    if cfg.ack_policy == AckPolicy::FlowControl {
        return 4;
    }
    let paused = cfg.pause_until.is_some_and(|t| !t.is_zero());
    let priority = cfg.priority_policy != PriorityPolicy::None
        || cfg.priority_timeout != 0
        || !cfg.priority_groups.is_empty();
    u32::from(paused || priority)
}

/// The stored form: server version keys removed, `_nats.req.level` set.
pub fn set_static_metadata(cfg: &mut ConsumerConfig) {
    cfg.metadata.remove(META_VERSION);
    cfg.metadata.remove(META_LEVEL);
    cfg.metadata.insert(
        META_REQUIRED_LEVEL.to_string(),
        required_api_level(cfg).to_string(),
    );
}

/// The returned form of CREATE and INFO: the stored form plus `_nats.ver`
/// and `_nats.level`.
pub fn with_dynamic_metadata(
    cfg: &ConsumerConfig,
    version: &str,
    api_level: u32,
) -> ConsumerConfig {
    let mut out = cfg.clone();
    out.metadata
        .insert(META_VERSION.to_string(), version.to_string());
    out.metadata
        .insert(META_LEVEL.to_string(), api_level.to_string());
    out
}

/// Whether two configs are the same apart from server metadata (what a
/// CONSUMER.CREATE with action `create` compares against the existing one).
pub fn same_ignoring_server_metadata(a: &ConsumerConfig, b: &ConsumerConfig) -> bool {
    let strip = |c: &ConsumerConfig| {
        let mut c = c.clone();
        c.metadata.remove(META_VERSION);
        c.metadata.remove(META_LEVEL);
        c.metadata.remove(META_REQUIRED_LEVEL);
        c
    };
    strip(a) == strip(b)
}
