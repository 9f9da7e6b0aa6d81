//! nats-server's `checkStreamCfg` and `configUpdateCheck`: defaults and
//! validation of stream configurations.
//!
//! [`check_config`] takes what a client sent and returns the config the
//! server stores (defaults filled in) or the exact [`ApiError`] the
//! reference returns, checking in the reference's order so the first
//! failure reported is the same. [`check_update`] adds the rules for
//! `STREAM.UPDATE`. Checks that need other streams (subject overlap with
//! other streams, mirror/source origins, cycles) or account limits belong
//! to the server, which has that state.

use natrium_subjects::{
    is_valid_literal_subject, is_valid_subject, subject_is_subset_of, subjects_overlap,
};

use super::config::{DiscardPolicy, PersistMode, RetentionPolicy, StorageType, StreamConfig};
use crate::errors::{ApiError, ErrorId};
use crate::time::go_duration;
use crate::transform::validate_mapping;

/// Longest stream (and consumer) name.
pub const MAX_NAME_LEN: usize = 255;
/// Longest description.
pub const MAX_DESCRIPTION_LEN: usize = 4096;
/// Largest total of metadata key and value bytes.
pub const MAX_METADATA_LEN: usize = 128 * 1024;
/// Most replicas a stream may ask for.
pub const MAX_REPLICAS: i64 = 5;
/// Default duplicate window: two minutes.
pub const DEFAULT_DUPLICATE_WINDOW: i64 = 2 * 60 * 1_000_000_000;
const MS_100: i64 = 100_000_000;
const SECOND: i64 = 1_000_000_000;

/// Server-side knobs of the check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckOptions {
    /// The request's `pedantic` flag: refuse instead of adjusting.
    pub pedantic: bool,
    /// Server limit on the duplicate window (nanoseconds), 0 for none.
    pub max_duplicate_window: i64,
    /// Whether this server runs clustered JetStream (replicas > 1 allowed).
    pub clustered: bool,
}

/// Whether `name` is a valid stream or consumer name (ADR-6): non-empty and
/// without whitespace, `.`, `*`, `>` or path separators.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.bytes().any(|b| {
            matches!(
                b,
                b' ' | b'\t' | b'\r' | b'\n' | 0x0c | b'.' | b'*' | b'>' | b'/' | b'\\'
            )
        })
}

fn invalid(msg: &str) -> ApiError {
    ApiError::invalid_config(msg)
}

/// Checks the name in a request subject against the body (10056).
pub fn check_subject_name(subject_name: &str, cfg: &StreamConfig) -> Result<(), ApiError> {
    if subject_name != cfg.name {
        return Err(ErrorId::StreamMismatchErr.into());
    }
    Ok(())
}

/// Applies nats-server's defaults and validation to a requested config.
pub fn check_config(config: &StreamConfig, opts: &CheckOptions) -> Result<StreamConfig, ApiError> {
    if config.name.contains(['/', '\\']) {
        return Err(ErrorId::StreamNameContainsPathSeparatorsErr.into());
    }
    if !is_valid_name(&config.name) {
        return Err(invalid(
            "stream name is required and can not contain '.', '*', '>', '\\', '/'",
        ));
    }
    if config.name.len() > MAX_NAME_LEN {
        return Err(invalid(&format!(
            "stream name is too long, maximum allowed is {MAX_NAME_LEN}"
        )));
    }
    if config.description.len() > MAX_DESCRIPTION_LEN {
        return Err(invalid(&format!(
            "stream description is too long, maximum allowed is {MAX_DESCRIPTION_LEN}"
        )));
    }
    let metadata_len: usize = config.metadata.iter().map(|(k, v)| k.len() + v.len()).sum();
    if metadata_len > MAX_METADATA_LEN {
        return Err(invalid(&format!(
            "stream metadata exceeds maximum size of {MAX_METADATA_LEN} bytes"
        )));
    }

    let mut cfg = config.clone();
    fill_limits(&mut cfg)?;
    check_durations(&mut cfg, opts)?;
    check_features(&mut cfg, opts)?;
    check_mirror_and_sources(&cfg)?;
    check_subjects(&mut cfg)?;
    check_transforms(&mut cfg, opts)?;
    if cfg.num_replicas > 1 && !opts.clustered {
        return Err(ErrorId::StreamReplicasNotSupportedErr.into());
    }
    Ok(cfg)
}

/// Replicas and the "-1 is unlimited" limits.
fn fill_limits(cfg: &mut StreamConfig) -> Result<(), ApiError> {
    if cfg.num_replicas == 0 {
        cfg.num_replicas = 1;
    }
    if cfg.num_replicas > MAX_REPLICAS {
        return Err(invalid(&format!("maximum replicas is {MAX_REPLICAS}")));
    }
    if cfg.num_replicas < 0 {
        return Err(ErrorId::ReplicasCountCannotBeNegative.into());
    }
    for v in [
        &mut cfg.max_msgs,
        &mut cfg.max_msgs_per_subject,
        &mut cfg.max_bytes,
        &mut cfg.max_consumers,
    ] {
        if *v <= 0 {
            *v = -1;
        }
    }
    if cfg.max_msg_size <= 0 {
        cfg.max_msg_size = -1;
    }
    if cfg.max_age < 0 {
        return Err(invalid("max age can not be negative"));
    }
    Ok(())
}

/// Duplicate window default (not for mirrors or sourcing streams) and the
/// max age / window rules.
fn check_durations(cfg: &mut StreamConfig, opts: &CheckOptions) -> Result<(), ApiError> {
    if cfg.duplicate_window == 0 && cfg.mirror.is_none() && cfg.sources.is_empty() {
        let mut window = DEFAULT_DUPLICATE_WINDOW;
        if opts.max_duplicate_window > 0 && window > opts.max_duplicate_window {
            if opts.pedantic {
                return Err(ApiError::pedantic(
                    "duplicate window limits are higher than current limits",
                ));
            }
            window = opts.max_duplicate_window;
        }
        if cfg.max_age != 0 && cfg.max_age < window {
            if opts.pedantic {
                return Err(ApiError::pedantic(
                    "duplicate window cannot be bigger than max age",
                ));
            }
            cfg.duplicate_window = cfg.max_age;
        } else {
            cfg.duplicate_window = window;
        }
    }
    if cfg.max_age > 0 && cfg.max_age < MS_100 {
        return Err(invalid("max age needs to be >= 100ms"));
    }
    if cfg.duplicate_window < 0 {
        return Err(invalid("duplicates window can not be negative"));
    }
    if cfg.max_age != 0 && cfg.duplicate_window > cfg.max_age {
        return Err(invalid("duplicates window can not be larger then max age"));
    }
    if opts.max_duplicate_window > 0 && cfg.duplicate_window > opts.max_duplicate_window {
        return Err(invalid(&format!(
            "duplicates window can not be larger then server limit of {}",
            go_duration(opts.max_duplicate_window)
        )));
    }
    if cfg.duplicate_window > 0 && cfg.duplicate_window < MS_100 {
        return Err(invalid("duplicates window needs to be >= 100ms"));
    }
    Ok(())
}

/// Roll-ups, discard-new-per-subject, delete markers, counters, persistence.
fn check_features(cfg: &mut StreamConfig, opts: &CheckOptions) -> Result<(), ApiError> {
    if cfg.deny_purge && cfg.allow_rollup_hdrs {
        return Err(invalid("roll-ups require the purge permission"));
    }
    if cfg.discard_new_per_subject {
        if cfg.discard != DiscardPolicy::New {
            return Err(invalid(
                "discard new per subject requires discard new policy to be set",
            ));
        }
        if cfg.max_msgs_per_subject <= 0 {
            return Err(invalid(
                "discard new per subject requires max msgs per subject > 0",
            ));
        }
    }
    if cfg.subject_delete_marker_ttl > 0 {
        if cfg.subject_delete_marker_ttl < SECOND {
            return Err(invalid(
                "subject delete marker TTL must be at least 1 second",
            ));
        }
        if !cfg.allow_msg_ttl {
            if opts.pedantic {
                return Err(invalid(
                    "subject delete marker cannot be set if message TTLs are disabled",
                ));
            }
            cfg.allow_msg_ttl = true;
        }
        if !cfg.allow_rollup_hdrs {
            if opts.pedantic {
                return Err(invalid(
                    "subject delete marker cannot be set if roll-ups are disabled",
                ));
            }
            cfg.allow_rollup_hdrs = true;
            cfg.deny_purge = false;
        }
    } else if cfg.subject_delete_marker_ttl < 0 {
        return Err(invalid("subject delete marker TTL must not be negative"));
    }
    if cfg.allow_msg_counter && cfg.mirror.is_none() {
        if cfg.allow_msg_ttl {
            return Err(invalid("counter stream cannot use message TTLs"));
        }
        if cfg.discard == DiscardPolicy::New {
            return Err(invalid("counter stream cannot use discard new"));
        }
        if cfg.retention != RetentionPolicy::Limits {
            return Err(invalid("counter stream can only use limits retention"));
        }
    }
    if cfg.persist_mode == PersistMode::Async {
        if cfg.storage != StorageType::File {
            return Err(invalid(
                "async persist mode is only supported on file storage",
            ));
        }
        if cfg.allow_atomic {
            return Err(invalid(
                "async persist mode is not supported with atomic batch publish",
            ));
        }
    }
    Ok(())
}

/// Mirror and source rules that need no other stream.
fn check_mirror_and_sources(cfg: &StreamConfig) -> Result<(), ApiError> {
    if let Some(m) = &cfg.mirror {
        if cfg.first_seq > 0 {
            return Err(ErrorId::MirrorWithFirstSeqErr.into());
        }
        if !cfg.subjects.is_empty() {
            return Err(ErrorId::MirrorWithSubjectsErr.into());
        }
        if !cfg.sources.is_empty() {
            return Err(ErrorId::MirrorWithSourcesErr.into());
        }
        if !m.filter_subject.is_empty() && !m.subject_transforms.is_empty() {
            return Err(ErrorId::MirrorMultipleFiltersNotAllowed.into());
        }
        if cfg.subject_delete_marker_ttl > 0 {
            return Err(invalid("subject delete markers forbidden on mirrors"));
        }
        if cfg.allow_msg_counter {
            return Err(ErrorId::MirrorWithCountersErr.into());
        }
        if cfg.allow_atomic {
            return Err(ErrorId::MirrorWithAtomicPublishErr.into());
        }
        if cfg.allow_msg_schedules {
            return Err(ErrorId::MirrorWithMsgSchedulesErr.into());
        }
        if cfg.allow_batched {
            return Err(ErrorId::MirrorWithBatchPublishErr.into());
        }
        if !durable_consumer_ok(m) {
            return Err(ErrorId::MirrorDurableConsumerCfgInvalid.into());
        }
        for (i, tr) in m.subject_transforms.iter().enumerate() {
            if !tr.source.is_empty() && !is_valid_subject(tr.source.as_bytes()) {
                return Err(ApiError::with(
                    ErrorId::MirrorInvalidSubjectFilter,
                    &[("err", &format!("invalid subject {}", tr.source))],
                ));
            }
            if let Err(e) = validate_mapping(&tr.source, &tr.destination) {
                return Err(ApiError::with(
                    ErrorId::MirrorInvalidTransformDestination,
                    &[("err", &e)],
                ));
            }
            for (j, other) in m.subject_transforms.iter().enumerate() {
                if i != j && subjects_overlap(tr.source.as_bytes(), other.source.as_bytes()) {
                    return Err(ErrorId::MirrorOverlappingSubjectFilters.into());
                }
            }
        }
        match &m.external {
            None if !is_valid_name(&m.name) => return Err(ErrorId::MirrorInvalidStreamName.into()),
            Some(ext) => check_external(&ext.api_prefix, &ext.deliver_prefix)?,
            None => {}
        }
    }
    let mut seen = std::collections::HashSet::new();
    for src in &cfg.sources {
        if !is_valid_name(&src.name) {
            return Err(ErrorId::SourceInvalidStreamName.into());
        }
        if !durable_consumer_ok(src) {
            return Err(ErrorId::SourceDurableConsumerCfgInvalid.into());
        }
        if !seen.insert(source_index_name(src)) {
            return Err(ErrorId::SourceDuplicateDetected.into());
        }
        if let Some(ext) = &src.external {
            check_external(&ext.api_prefix, &ext.deliver_prefix)?;
            continue;
        }
        if !src.filter_subject.is_empty() && !src.subject_transforms.is_empty() {
            return Err(ErrorId::SourceMultipleFiltersNotAllowed.into());
        }
        for tr in &src.subject_transforms {
            if !tr.source.is_empty() && !is_valid_subject(tr.source.as_bytes()) {
                return Err(ApiError::with(
                    ErrorId::SourceInvalidSubjectFilter,
                    &[("err", &format!("invalid subject {}", tr.source))],
                ));
            }
            if let Err(e) = validate_mapping(&tr.source, &tr.destination) {
                return Err(ApiError::with(
                    ErrorId::SourceInvalidTransformDestination,
                    &[("err", &e)],
                ));
            }
        }
        for (i, tr) in src.subject_transforms.iter().enumerate() {
            for (j, other) in src.subject_transforms.iter().enumerate() {
                if i != j && subject_is_subset_of(tr.source.as_bytes(), other.source.as_bytes()) {
                    return Err(ErrorId::SourceOverlappingSubjectFilters.into());
                }
            }
        }
    }
    Ok(())
}

/// A `consumer` (ADR-58) needs a valid name and a literal deliver subject,
/// and leaves start and filter to the consumer: the source may not set
/// `opt_start_seq`, `opt_start_time` or `filter_subject`.
fn durable_consumer_ok(src: &super::config::StreamSource) -> bool {
    let Some(consumer) = &src.consumer else {
        return true;
    };
    is_valid_name(&consumer.name)
        && is_valid_literal_subject(consumer.deliver_subject.as_bytes())
        && src.opt_start_seq == 0
        && src.opt_start_time.is_none()
        && src.filter_subject.is_empty()
}

/// The identity nats-server uses to spot duplicate sources.
fn source_index_name(src: &super::config::StreamSource) -> String {
    let mut name = src.name.clone();
    if let Some(ext) = &src.external {
        name.push(':');
        name.push_str(&ext.api_prefix);
    }
    // Sources fed by different durable consumers are different sources.
    if let Some(consumer) = &src.consumer {
        name.push('#');
        name.push_str(&consumer.name);
    }
    let (source, dest) = if src.subject_transforms.is_empty() {
        let f = if src.filter_subject.is_empty() {
            ">"
        } else {
            &src.filter_subject
        };
        (f.to_string(), ">".to_string())
    } else {
        let pick = |s: &str| {
            if s.is_empty() {
                ">".to_string()
            } else {
                s.to_string()
            }
        };
        let s: Vec<String> = src
            .subject_transforms
            .iter()
            .map(|t| pick(&t.source))
            .collect();
        let d: Vec<String> = src
            .subject_transforms
            .iter()
            .map(|t| pick(&t.destination))
            .collect();
        (s.join("\x0c"), d.join("\x0c"))
    };
    format!("{name} {source} {dest}")
}

fn check_external(api: &str, deliver: &str) -> Result<(), ApiError> {
    if !deliver.is_empty() && !is_valid_literal_subject(deliver.as_bytes()) {
        return Err(ApiError::with(
            ErrorId::StreamInvalidExternalDeliverySubjErrF,
            &[("prefix", deliver)],
        ));
    }
    if !api.is_empty() {
        if !is_valid_literal_subject(api.as_bytes()) {
            return Err(invalid(&format!(
                "stream external api prefix {} must be a valid subject without wildcards",
                crate::serde_util::go_quote(api)
            )));
        }
        if subjects_overlap(api.as_bytes(), b"$JS.API") {
            return Err(ApiError::with(
                ErrorId::StreamExternalApiOverlapErrF,
                &[("prefix", api), ("subject", "$JS.API")],
            ));
        }
    }
    Ok(())
}

/// Default subjects, validity, API overlap and self-overlap.
fn check_subjects(cfg: &mut StreamConfig) -> Result<(), ApiError> {
    if cfg.subjects.is_empty() {
        if cfg.mirror.is_none() && cfg.sources.is_empty() {
            cfg.subjects.push(cfg.name.clone());
        }
        return Ok(());
    }
    if cfg.mirror.is_some() {
        return Err(ErrorId::MirrorWithSubjectsErr.into());
    }
    for subj in &cfg.subjects {
        if !is_valid_subject(subj.as_bytes()) {
            return Err(invalid("invalid subject"));
        }
        if subj == ">" {
            if !cfg.no_ack {
                return Err(invalid("capturing all subjects requires no-ack to be true"));
            }
            if cfg.num_replicas != 1 {
                return Err(invalid("capturing all subjects requires replicas of 1"));
            }
        }
        if !cfg.no_ack {
            let b = subj.as_bytes();
            for ns in [&b"$JS.>"[..], b"$JSC.>", b"$NRG.>"] {
                if subjects_overlap(b, ns) && !subject_is_subset_of(b, b"$JS.EVENT.>") {
                    return Err(invalid(
                        "subjects that overlap with jetstream api require no-ack to be true",
                    ));
                }
            }
            if subjects_overlap(b, b"$SYS.>") && !subject_is_subset_of(b, b"$SYS.ACCOUNT.>") {
                return Err(invalid(
                    "subjects that overlap with system api require no-ack to be true",
                ));
            }
        }
    }
    for (i, subj) in cfg.subjects.iter().enumerate() {
        for (j, other) in cfg.subjects.iter().enumerate() {
            if i != j && subjects_overlap(other.as_bytes(), subj.as_bytes()) {
                return Err(invalid(&format!(
                    "subject {} overlaps with {}",
                    crate::serde_util::go_quote(subj),
                    crate::serde_util::go_quote(other)
                )));
            }
        }
    }
    Ok(())
}

/// Republish, input transform and placement.
fn check_transforms(cfg: &mut StreamConfig, opts: &CheckOptions) -> Result<(), ApiError> {
    if let Some(rp) = cfg.republish.as_mut() {
        if rp.source.is_empty() {
            if opts.pedantic {
                return Err(ApiError::pedantic("republish source can not be empty"));
            }
            rp.source = ">".to_string();
        }
        let dest = rp.destination.as_bytes();
        if cfg
            .subjects
            .iter()
            .any(|s| subjects_overlap(dest, s.as_bytes()))
        {
            return Err(invalid(
                "stream configuration for republish destination forms a cycle",
            ));
        }
        if validate_mapping(&rp.source, &rp.destination).is_err() {
            return Err(invalid(&format!(
                "stream configuration for republish with transform from '{}' to '{}' not valid",
                rp.source, rp.destination
            )));
        }
    }
    if let Some(tr) = &cfg.subject_transform {
        if !tr.source.is_empty() && !is_valid_subject(tr.source.as_bytes()) {
            return Err(ApiError::with(
                ErrorId::StreamTransformInvalidSource,
                &[("err", &format!("invalid subject {}", tr.source))],
            ));
        }
        if let Err(e) = validate_mapping(&tr.source, &tr.destination) {
            return Err(ApiError::with(
                ErrorId::StreamTransformInvalidDestination,
                &[("err", &e)],
            ));
        }
    }
    if cfg
        .placement
        .as_ref()
        .is_some_and(|p| !p.preferred.is_empty())
    {
        return Err(invalid("preferred server not permitted in placement"));
    }
    Ok(())
}

/// `STREAM.UPDATE`: checks `new` and what may not change from `old`.
///
/// Returns the config to store (sealing forces its implied settings).
pub fn check_update(
    old: &StreamConfig,
    new: &StreamConfig,
    opts: &CheckOptions,
) -> Result<StreamConfig, ApiError> {
    let mut cfg = check_config(new, opts)?;
    let fail = |m: &str| Err(invalid(m));
    if cfg.name != old.name {
        return fail("stream configuration name must match original");
    }
    if cfg.storage != old.storage {
        return fail("stream configuration update can not change storage type");
    }
    if cfg.retention != old.retention
        && (old.retention == RetentionPolicy::WorkQueue
            || cfg.retention == RetentionPolicy::WorkQueue)
    {
        return fail(
            "stream configuration update can not change retention policy to/from workqueue",
        );
    }
    if !old.template_owner.is_empty() {
        return fail("stream configuration update not allowed on template owned stream");
    }
    if !cfg.template_owner.is_empty() {
        return fail("stream configuration update can not be owned by a template");
    }
    if !cfg.sealed && old.sealed {
        return fail("stream configuration update can not unseal a sealed stream");
    }
    if !cfg.deny_delete && old.deny_delete {
        return fail("stream configuration update can not cancel deny message deletes");
    }
    if !cfg.deny_purge && old.deny_purge {
        return fail("stream configuration update can not cancel deny purge");
    }
    // A mirror can be promoted to a normal stream by dropping its `mirror`
    // (2.12), but a mirror can't be added, changed or given another origin.
    if cfg.mirror.is_some() && cfg.mirror != old.mirror {
        return Err(ErrorId::StreamMirrorNotUpdatableErr.into());
    }
    if old.allow_msg_ttl && !cfg.allow_msg_ttl {
        return fail("message TTL status can not be disabled");
    }
    if cfg.allow_msg_counter != old.allow_msg_counter {
        return fail("stream configuration update can not change message counter setting");
    }
    if cfg.persist_mode != old.persist_mode {
        return fail("stream configuration update can not change persist mode");
    }
    if cfg.sealed {
        cfg.max_age = 0;
        cfg.discard = DiscardPolicy::New;
        cfg.deny_delete = true;
        cfg.deny_purge = true;
        cfg.allow_rollup_hdrs = false;
    }
    Ok(cfg)
}
