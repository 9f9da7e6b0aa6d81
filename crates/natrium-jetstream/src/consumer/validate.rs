//! nats-server's consumer defaults and validation: the CONSUMER.CREATE
//! handler's subject checks, `setConsumerConfigDefaults`,
//! `checkConsumerCfg`, the new-consumer rules of `addConsumer` and the
//! update rules of `checkNewConsumerConfig`.
//!
//! Every function is pure and returns the exact [`ApiError`] the reference
//! returns, checking in the reference's order so the first failure reported
//! is the same (verified against `tests/fixtures/consumer_*.json`). Rules
//! that need server state (does the consumer exist, the other consumers of
//! a work-queue stream, how many consumers there are, interest on a deliver
//! subject) take that state as arguments, so the server calls them with
//! what it knows.

use natrium_subjects::{is_valid_subject, subject_has_wildcard, subject_is_subset_of};

use super::config::{AckPolicy, ConsumerConfig, CreateAction, DeliverPolicy, PriorityPolicy};
use super::metadata::same_ignoring_server_metadata;
use crate::errors::{ApiError, ErrorId};
use crate::stream::{
    is_valid_name, RetentionPolicy, StreamConfig, MAX_DESCRIPTION_LEN, MAX_METADATA_LEN,
    MAX_NAME_LEN,
};
use crate::time::go_duration;

const SECOND: i64 = 1_000_000_000;
const MILLISECOND: i64 = 1_000_000;
/// Default `ack_wait` of acknowledged consumers: 30s.
pub const DEFAULT_ACK_WAIT: i64 = 30 * SECOND;
/// Default `max_ack_pending` when acknowledgements are required.
pub const DEFAULT_MAX_ACK_PENDING: i64 = 1000;
/// Default `max_waiting` of pull consumers.
pub const DEFAULT_MAX_WAITING: i64 = 512;
/// Inactive threshold stamped on ephemerals that set none: 5s.
pub const DEFAULT_EPHEMERAL_INACTIVE_THRESHOLD: i64 = 5 * SECOND;
/// Default `priority_timeout` of `pinned_client` consumers: 2m.
pub const DEFAULT_PINNED_TTL: i64 = 120 * SECOND;
/// Heartbeat forced on `flow_control` ack consumers: 1s.
pub const ACK_FLOW_CONTROL_HEARTBEAT: i64 = SECOND;

/// Server, account and request settings the checks depend on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsumerLimitsContext {
    /// The request's `pedantic` flag: refuse instead of adjusting.
    pub pedantic: bool,
    /// Server `jetstream.limits.max_ack_pending`, 0 for none.
    pub server_max_ack_pending: i64,
    /// Server `jetstream.limits.max_request_batch`, 0 for none.
    pub server_max_request_batch: i64,
    /// Account (tier) `max_ack_pending`, 0 for none.
    pub account_max_ack_pending: i64,
    /// Clustered JetStream (consumer replicas above 1 allowed).
    pub clustered: bool,
}

/// Which CONSUMER.CREATE subject form a request came on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateSubject<'a> {
    /// `$JS.API.CONSUMER.CREATE.<stream>`: old-style ephemeral.
    LegacyEphemeral,
    /// `$JS.API.CONSUMER.DURABLE.CREATE.<stream>.<durable>`.
    LegacyDurable(&'a str),
    /// `$JS.API.CONSUMER.CREATE.<stream>.<consumer>[.<filter>]`.
    Named {
        /// Consumer name from the subject.
        consumer: &'a str,
        /// Filter subject from the subject's remaining tokens.
        filter: Option<&'a str>,
    },
}

impl<'a> CreateSubject<'a> {
    /// The create form of a parsed API endpoint, with its stream name.
    pub fn from_endpoint(endpoint: &crate::subjects::Endpoint<'a>) -> Option<(&'a str, Self)> {
        use crate::subjects::Endpoint;
        match *endpoint {
            Endpoint::ConsumerCreate {
                stream,
                consumer: None,
                ..
            } => Some((stream, CreateSubject::LegacyEphemeral)),
            Endpoint::ConsumerCreate {
                stream,
                consumer: Some(consumer),
                filter,
            } => Some((stream, CreateSubject::Named { consumer, filter })),
            Endpoint::ConsumerDurableCreate(stream, durable) => {
                Some((stream, CreateSubject::LegacyDurable(durable)))
            }
            _ => None,
        }
    }

    fn consumer_name(&self) -> Option<&'a str> {
        match *self {
            CreateSubject::LegacyEphemeral => None,
            CreateSubject::LegacyDurable(name) => Some(name),
            CreateSubject::Named { consumer, .. } => Some(consumer),
        }
    }
}

/// The CONSUMER.CREATE handler's checks of the subject against the body,
/// in nats-server's order: stream name (10056), path separators (10127),
/// durable name (10018/10017/10020), filter in the subject (10137/10131),
/// and replicas above 1 without clustering (10074). Returns the config
/// with `name` set from the subject, as the reference stores it.
pub fn check_create_request(
    subject_stream: &str,
    form: CreateSubject<'_>,
    req: &super::config::CreateConsumerRequest,
    clustered: bool,
) -> Result<ConsumerConfig, ApiError> {
    if req.stream_name != subject_stream {
        return Err(ErrorId::StreamMismatchErr.into());
    }
    check_subject_form(&req.config, form, clustered)
}

/// [`check_create_request`] without the stream name check.
pub fn check_subject_form(
    config: &ConsumerConfig,
    form: CreateSubject<'_>,
    clustered: bool,
) -> Result<ConsumerConfig, ApiError> {
    let mut cfg = config.clone();
    if form
        .consumer_name()
        .is_some_and(|n| n.contains(['/', '\\']))
    {
        return Err(ErrorId::ConsumerNameContainsPathSeparatorsErr.into());
    }
    match form {
        CreateSubject::LegacyEphemeral => {
            if cfg.is_durable() {
                return Err(ErrorId::ConsumerEphemeralWithDurableNameErr.into());
            }
        }
        CreateSubject::LegacyDurable(name) => {
            if !cfg.is_durable() {
                return Err(ErrorId::ConsumerDurableNameNotSetErr.into());
            }
            if cfg.durable_name != name {
                return Err(ErrorId::ConsumerDurableNameNotMatchSubjectErr.into());
            }
            cfg.name = name.to_string();
        }
        CreateSubject::Named { consumer, filter } => {
            if cfg.is_durable() && cfg.durable_name != consumer {
                return Err(ErrorId::ConsumerDurableNameNotMatchSubjectErr.into());
            }
            cfg.name = consumer.to_string();
            if let Some(filter) = filter {
                if !cfg.filter_subjects.is_empty() {
                    return Err(ErrorId::ConsumerMultipleFiltersNotAllowed.into());
                }
                if cfg.filter_subject != filter {
                    return Err(ErrorId::ConsumerCreateFilterSubjectMismatchErr.into());
                }
            }
        }
    }
    if !clustered && cfg.num_replicas > 1 {
        return Err(ErrorId::StreamReplicasNotSupportedErr.into());
    }
    Ok(cfg)
}

/// Validates a consumer and fills its defaults exactly as nats-server does
/// for a consumer on `stream`: the subject checks of [`check_subject_form`]
/// (`subject_consumer_name` `None` is the legacy ephemeral form), then
/// [`check_config_for_stream`].
///
/// `action` is not needed here (it only matters against an existing
/// consumer, see [`check_action`]) and is accepted for call-site symmetry.
pub fn check_consumer_config(
    stream: &StreamConfig,
    config: &ConsumerConfig,
    subject_consumer_name: Option<&str>,
    subject_filter: Option<&str>,
    action: CreateAction,
    limits: &ConsumerLimitsContext,
) -> Result<ConsumerConfig, ApiError> {
    let _ = action;
    let form = match subject_consumer_name {
        None => CreateSubject::LegacyEphemeral,
        Some(consumer) => CreateSubject::Named {
            consumer,
            filter: subject_filter,
        },
    };
    let cfg = check_subject_form(config, form, limits.clustered)?;
    check_config_for_stream(stream, &cfg, limits)
}

/// Defaults (`setConsumerConfigDefaults`), validation (`checkConsumerCfg`),
/// the work-queue rules that need no other consumer, the durable name
/// length, and the 5s inactive threshold of ephemerals.
pub fn check_config_for_stream(
    stream: &StreamConfig,
    config: &ConsumerConfig,
    limits: &ConsumerLimitsContext,
) -> Result<ConsumerConfig, ApiError> {
    let mut cfg = config.clone();
    apply_defaults(&mut cfg, stream, limits)?;
    check_names_and_replicas(&cfg, stream)?;
    check_acks(&cfg)?;
    check_delivery_mode(&cfg, stream, limits)?;
    check_limits(&cfg, stream, limits)?;
    check_filters(&cfg)?;
    check_start(&cfg)?;
    check_misc(&cfg, stream)?;
    if stream.retention == RetentionPolicy::WorkQueue && !cfg.direct && !cfg.sourcing {
        if !matches!(cfg.ack_policy, AckPolicy::Explicit | AckPolicy::FlowControl) {
            return Err(ErrorId::ConsumerWQRequiresExplicitAckErr.into());
        }
        if cfg.deliver_policy != DeliverPolicy::All {
            return Err(ErrorId::ConsumerWQConsumerNotDeliverAllErr.into());
        }
    }
    if cfg.durable_name.len() > MAX_NAME_LEN {
        return Err(ApiError::with(
            ErrorId::ConsumerNameTooLongErrF,
            &[("max", &MAX_NAME_LEN.to_string())],
        ));
    }
    if !cfg.is_durable() && cfg.inactive_threshold <= 0 {
        cfg.inactive_threshold = DEFAULT_EPHEMERAL_INACTIVE_THRESHOLD;
    }
    Ok(cfg)
}

/// Replaces a negative value with 0 (or refuses it when pedantic).
fn not_negative(v: &mut i64, pedantic: bool, what: &str) -> Result<(), ApiError> {
    if *v < 0 {
        if pedantic {
            return Err(ApiError::pedantic(format!("{what} must not be negative")));
        }
        *v = 0;
    }
    Ok(())
}

/// `setConsumerConfigDefaults`.
fn apply_defaults(
    cfg: &mut ConsumerConfig,
    stream: &StreamConfig,
    limits: &ConsumerLimitsContext,
) -> Result<(), ApiError> {
    let pedantic = limits.pedantic;
    if cfg.max_deliver == 0 || cfg.max_deliver < -1 {
        if pedantic && cfg.max_deliver < -1 {
            return Err(ApiError::pedantic("max_deliver must be set to -1"));
        }
        cfg.max_deliver = -1;
    }
    not_negative(&mut cfg.max_waiting, pedantic, "max_waiting")?;
    if cfg.max_ack_pending < -1 {
        if pedantic {
            return Err(ApiError::pedantic("max_ack_pending must be set to -1"));
        }
        cfg.max_ack_pending = -1;
    }
    not_negative(&mut cfg.max_batch, pedantic, "max_batch")?;
    not_negative(&mut cfg.max_expires, pedantic, "max_expires")?;
    not_negative(&mut cfg.max_bytes, pedantic, "max_bytes")?;
    not_negative(&mut cfg.idle_heartbeat, pedantic, "idle_heartbeat")?;
    not_negative(&mut cfg.inactive_threshold, pedantic, "inactive_threshold")?;
    not_negative(&mut cfg.priority_timeout, pedantic, "priority_timeout")?;

    if cfg.is_pull() && cfg.max_waiting == 0 {
        cfg.max_waiting = DEFAULT_MAX_WAITING;
    }
    if cfg.ack_wait == 0 && matches!(cfg.ack_policy, AckPolicy::Explicit | AckPolicy::All) {
        cfg.ack_wait = DEFAULT_ACK_WAIT;
    }
    if let Some(&first) = cfg.backoff.first() {
        if pedantic && cfg.ack_wait != first {
            return Err(ApiError::pedantic(
                "first backoff value has to equal batch AckWait",
            ));
        }
        cfg.ack_wait = first;
    }
    let stream_limits = &stream.consumer_limits;
    if cfg.max_ack_pending == 0 {
        if pedantic && stream_limits.max_ack_pending > 0 {
            return Err(ApiError::pedantic(
                "max_ack_pending must be set if it's configured in stream limits",
            ));
        }
        cfg.max_ack_pending = stream_limits.max_ack_pending;
    }
    if cfg.inactive_threshold == 0 {
        if pedantic && stream_limits.inactive_threshold > 0 {
            return Err(ApiError::pedantic(
                "inactive_threshold must be set if it's configured in stream limits",
            ));
        }
        cfg.inactive_threshold = stream_limits.inactive_threshold;
    }
    if cfg.max_ack_pending == 0 && cfg.ack_policy != AckPolicy::None {
        let mut pending = DEFAULT_MAX_ACK_PENDING;
        for limit in [
            limits.server_max_ack_pending,
            limits.account_max_ack_pending,
        ] {
            if limit > 0 && limit < pending {
                pending = limit;
            }
        }
        cfg.max_ack_pending = pending;
    }
    if cfg.is_pull() && cfg.max_batch == 0 && limits.server_max_request_batch > 0 {
        if pedantic {
            return Err(ApiError::pedantic(
                "max_request_batch must be set if it's JetStream limits are set",
            ));
        }
        cfg.max_batch = limits.server_max_request_batch;
    }
    if cfg.priority_policy == PriorityPolicy::PinnedClient && cfg.priority_timeout == 0 {
        cfg.priority_timeout = DEFAULT_PINNED_TTL;
    }
    if cfg.ack_policy == AckPolicy::FlowControl && !pedantic {
        cfg.flow_control = true;
        cfg.idle_heartbeat = ACK_FLOW_CONTROL_HEARTBEAT;
    }
    Ok(())
}

/// Name characters and replica counts.
fn check_names_and_replicas(cfg: &ConsumerConfig, stream: &StreamConfig) -> Result<(), ApiError> {
    if !cfg.name.is_empty() && !is_valid_name(&cfg.name) {
        return Err(ApiError::invalid_config(
            "consumer name can not contain '.', '*', '>', '\\', '/'",
        ));
    }
    if cfg.is_durable() && !is_valid_name(&cfg.durable_name) {
        return Err(ApiError::invalid_config(
            "consumer durable name can not contain '.', '*', '>', '\\', '/'",
        ));
    }
    if cfg.num_replicas > 0 && cfg.num_replicas > stream.num_replicas {
        return Err(ErrorId::ConsumerReplicasExceedsStream.into());
    }
    if cfg.num_replicas < 0 {
        return Err(ErrorId::ReplicasCountCannotBeNegative.into());
    }
    if matches!(
        stream.retention,
        RetentionPolicy::Interest | RetentionPolicy::WorkQueue
    ) && cfg.num_replicas != 0
        && cfg.num_replicas != stream.num_replicas
    {
        return Err(ErrorId::ConsumerReplicasShouldMatchStream.into());
    }
    Ok(())
}

/// Ack wait, backoff and the `flow_control` ack policy.
fn check_acks(cfg: &ConsumerConfig) -> Result<(), ApiError> {
    if cfg.backoff.iter().any(|&b| b < 0) {
        return Err(ErrorId::ConsumerBackOffNegativeErr.into());
    }
    if cfg.ack_wait < 0 {
        return Err(ErrorId::ConsumerAckWaitNegativeErr.into());
    }
    if cfg.ack_policy == AckPolicy::FlowControl {
        if cfg.is_pull() {
            return Err(ErrorId::ConsumerAckFCRequiresPushErr.into());
        }
        if !cfg.flow_control {
            return Err(ErrorId::ConsumerAckFCRequiresFCErr.into());
        }
        if cfg.idle_heartbeat != ACK_FLOW_CONTROL_HEARTBEAT {
            return Err(ApiError::invalid_config(
                "flow control ack policy heartbeat needs to be 1s",
            ));
        }
        if cfg.max_ack_pending <= 0 {
            return Err(ErrorId::ConsumerAckFCRequiresMaxAckPendingErr.into());
        }
        if cfg.ack_wait != 0 || !cfg.backoff.is_empty() {
            return Err(ErrorId::ConsumerAckFCRequiresNoAckWaitErr.into());
        }
        if cfg.max_deliver > 0 {
            return Err(ErrorId::ConsumerAckFCRequiresNoMaxDeliverErr.into());
        }
    }
    check_backoff_max_deliver(cfg)?;
    if cfg.description.len() > MAX_DESCRIPTION_LEN {
        return Err(ApiError::with(
            ErrorId::ConsumerDescriptionTooLongErrF,
            &[("max", &MAX_DESCRIPTION_LEN.to_string())],
        ));
    }
    Ok(())
}

/// More backoff steps than deliveries is refused (10116).
fn check_backoff_max_deliver(cfg: &ConsumerConfig) -> Result<(), ApiError> {
    let steps = i64::try_from(cfg.backoff.len()).unwrap_or(i64::MAX);
    if steps > 0 && cfg.max_deliver != -1 && steps > cfg.max_deliver {
        return Err(ErrorId::ConsumerMaxDeliverBackoffErr.into());
    }
    Ok(())
}

/// Push (deliver subject) versus pull rules.
fn check_delivery_mode(
    cfg: &ConsumerConfig,
    stream: &StreamConfig,
    limits: &ConsumerLimitsContext,
) -> Result<(), ApiError> {
    if !cfg.is_pull() {
        let dsubj = cfg.deliver_subject.as_bytes();
        if subject_has_wildcard(dsubj) {
            return Err(ErrorId::ConsumerDeliverToWildcardsErr.into());
        }
        if !is_valid_subject(dsubj) {
            return Err(ErrorId::ConsumerInvalidDeliverSubject.into());
        }
        if stream
            .subjects
            .iter()
            .any(|s| subject_is_subset_of(dsubj, s.as_bytes()))
        {
            return Err(ErrorId::ConsumerDeliverCycleErr.into());
        }
        if cfg.max_waiting != 0 {
            return Err(ErrorId::ConsumerPushMaxWaitingErr.into());
        }
        if cfg.max_ack_pending > 0 && cfg.ack_policy == AckPolicy::None {
            return Err(ErrorId::ConsumerMaxPendingAckPolicyRequiredErr.into());
        }
        if cfg.idle_heartbeat > 0 && cfg.idle_heartbeat < 100 * MILLISECOND {
            return Err(ErrorId::ConsumerSmallHeartbeatErr.into());
        }
        return Ok(());
    }
    if cfg.ack_policy == AckPolicy::None && stream.retention == RetentionPolicy::WorkQueue {
        return Err(ErrorId::ConsumerPullRequiresAckErr.into());
    }
    if cfg.rate_limit_bps > 0 {
        return Err(ErrorId::ConsumerPullWithRateLimitErr.into());
    }
    if cfg.max_waiting < 0 {
        return Err(ErrorId::ConsumerMaxWaitingNegativeErr.into());
    }
    if cfg.idle_heartbeat > 0 {
        return Err(ErrorId::ConsumerHBRequiresPushErr.into());
    }
    if cfg.flow_control {
        return Err(ErrorId::ConsumerFCRequiresPushErr.into());
    }
    if cfg.max_batch < 0 {
        return Err(ErrorId::ConsumerMaxRequestBatchNegativeErr.into());
    }
    if cfg.max_expires != 0 && cfg.max_expires < MILLISECOND {
        return Err(ErrorId::ConsumerMaxRequestExpiresTooSmall.into());
    }
    if limits.server_max_request_batch > 0 && cfg.max_batch > limits.server_max_request_batch {
        return Err(ApiError::with(
            ErrorId::ConsumerMaxRequestBatchExceededF,
            &[("limit", &limits.server_max_request_batch.to_string())],
        ));
    }
    Ok(())
}

/// Server, account and stream limits on acks and inactivity.
fn check_limits(
    cfg: &ConsumerConfig,
    stream: &StreamConfig,
    limits: &ConsumerLimitsContext,
) -> Result<(), ApiError> {
    for limit in [
        limits.server_max_ack_pending,
        limits.account_max_ack_pending,
        stream.consumer_limits.max_ack_pending,
    ] {
        if limit > 0 && cfg.max_ack_pending > limit {
            return Err(ApiError::with(
                ErrorId::ConsumerMaxPendingAckExcessErrF,
                &[("limit", &limit.to_string())],
            ));
        }
    }
    let max_inactive = stream.consumer_limits.inactive_threshold;
    if max_inactive > 0 && cfg.inactive_threshold > max_inactive {
        return Err(ApiError::with(
            ErrorId::ConsumerInactiveThresholdExcess,
            &[("limit", &go_duration(max_inactive))],
        ));
    }
    if cfg.direct {
        if cfg.is_pull() {
            return Err(ErrorId::ConsumerDirectRequiresPushErr.into());
        }
        if cfg.is_durable() {
            return Err(ErrorId::ConsumerDirectRequiresEphemeralErr.into());
        }
    }
    Ok(())
}

/// `filter_subject` / `filter_subjects`: exclusive, valid, non-empty and
/// not overlapping one another. (Filters outside the stream's subjects are
/// accepted by 2.14.)
fn check_filters(cfg: &ConsumerConfig) -> Result<(), ApiError> {
    if !cfg.filter_subject.is_empty() && !cfg.filter_subjects.is_empty() {
        return Err(ErrorId::ConsumerDuplicateFilterSubjects.into());
    }
    if !cfg.filter_subject.is_empty() && !is_valid_subject(cfg.filter_subject.as_bytes()) {
        return Err(ApiError::invalid_config("invalid subject"));
    }
    if cfg.filter_subjects.iter().any(String::is_empty) {
        return Err(ErrorId::ConsumerEmptyFilter.into());
    }
    let filters = cfg.filters();
    for (i, a) in filters.iter().enumerate() {
        if !is_valid_subject(a.as_bytes()) {
            return Err(ApiError::invalid_config("invalid subject"));
        }
        for (j, b) in filters.iter().enumerate() {
            if i != j && subject_is_subset_of(a.as_bytes(), b.as_bytes()) {
                return Err(ErrorId::ConsumerOverlappingSubjectFilters.into());
            }
        }
    }
    Ok(())
}

/// Deliver policy versus `opt_start_seq` / `opt_start_time`.
fn check_start(cfg: &ConsumerConfig) -> Result<(), ApiError> {
    let policy = |msg: String| ApiError::with(ErrorId::ConsumerInvalidPolicyErrF, &[("err", &msg)]);
    let also_set = |dp: &str, start: &str| {
        Err(policy(format!(
            "consumer delivery policy is deliver {dp}, but optional start {start} is also set"
        )))
    };
    let not_set = |dp: &str, what: &str| {
        Err(policy(format!(
            "consumer delivery policy is deliver {dp}, but optional {what} is not set"
        )))
    };
    let (seq, time) = (cfg.opt_start_seq > 0, cfg.opt_start_time.is_some());
    let unfiltered = cfg.filter_subject.is_empty() && cfg.filter_subjects.is_empty();
    match cfg.deliver_policy {
        DeliverPolicy::All | DeliverPolicy::Last | DeliverPolicy::New => {
            let dp = match cfg.deliver_policy {
                DeliverPolicy::All => "all",
                DeliverPolicy::Last => "last",
                _ => "new",
            };
            if seq {
                return also_set(dp, "sequence");
            }
            if time {
                return also_set(dp, "time");
            }
        }
        DeliverPolicy::LastPerSubject => {
            if seq {
                return also_set("last per subject", "sequence");
            }
            if time {
                return also_set("last per subject", "time");
            }
            if unfiltered {
                return not_set("last per subject", "filter subject");
            }
        }
        DeliverPolicy::ByStartSequence => {
            if !seq {
                return not_set("by start sequence", "start sequence");
            }
            if time {
                return also_set("by start sequence", "time");
            }
        }
        DeliverPolicy::ByStartTime => {
            if !time {
                return not_set("by start time", "start time");
            }
            if cfg.opt_start_seq != 0 {
                return also_set("by start time", "start sequence");
            }
        }
    }
    Ok(())
}

/// Sampling, flow control, names, metadata, priority groups, placement.
fn check_misc(cfg: &ConsumerConfig, stream: &StreamConfig) -> Result<(), ApiError> {
    if !cfg.sample_freq.is_empty() {
        let digits = cfg
            .sample_freq
            .strip_suffix('%')
            .unwrap_or(&cfg.sample_freq);
        let err = match go_atoi(digits) {
            Err(e) => Some(e),
            Ok(n) if n < 0 => Some("<nil>".to_string()),
            Ok(_) => None,
        };
        if let Some(err) = err {
            return Err(ApiError::with(
                ErrorId::ConsumerInvalidSamplingErrF,
                &[("err", &err)],
            ));
        }
    }
    if cfg.flow_control && cfg.idle_heartbeat == 0 {
        return Err(ErrorId::ConsumerWithFlowControlNeedsHeartbeats.into());
    }
    if cfg.is_durable() && !cfg.name.is_empty() && cfg.name != cfg.durable_name {
        return Err(ErrorId::ConsumerCreateDurableAndNameMismatch.into());
    }
    let metadata_len: usize = cfg.metadata.iter().map(|(k, v)| k.len() + v.len()).sum();
    if metadata_len > MAX_METADATA_LEN {
        return Err(ApiError::with(
            ErrorId::ConsumerMetadataLengthErrF,
            &[("limit", &format!("{}KB", MAX_METADATA_LEN / 1024))],
        ));
    }
    if cfg.priority_policy != PriorityPolicy::None {
        if !cfg.is_pull() {
            return Err(ErrorId::ConsumerPushWithPriorityGroupErr.into());
        }
        if cfg.priority_groups.is_empty() {
            return Err(ErrorId::ConsumerPriorityPolicyWithoutGroup.into());
        }
        for group in &cfg.priority_groups {
            if group.is_empty() {
                return Err(ErrorId::ConsumerEmptyGroupName.into());
            }
            if !is_valid_group_name(group) {
                return Err(ErrorId::ConsumerInvalidGroupNameErr.into());
            }
        }
    } else {
        if !cfg.priority_groups.is_empty() {
            return Err(ErrorId::ConsumerPriorityGroupWithPolicyNone.into());
        }
        if cfg.priority_timeout > 0 {
            return Err(ErrorId::ConsumerPinnedTTLWithoutPriorityPolicyNone.into());
        }
    }
    if stream
        .placement
        .as_ref()
        .is_some_and(|p| !p.preferred.is_empty())
    {
        return Err(ApiError::invalid_config(
            "preferred server not permitted in placement",
        ));
    }
    Ok(())
}

/// Priority group names: 1 to 16 of `A-Za-z0-9/_=-`.
pub fn is_valid_group_name(group: &str) -> bool {
    (1..=16).contains(&group.len())
        && group
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'=' | b'-'))
}

/// Go's `strconv.Atoi` with its error text.
fn go_atoi(s: &str) -> Result<i64, String> {
    let quoted = crate::serde_util::go_quote(s);
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.Atoi: parsing {quoted}: invalid syntax"));
    }
    s.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing {quoted}: value out of range"))
}

/// What a CONSUMER.CREATE will do given the consumer that already exists
/// under the same name (after defaults are applied to `new`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateOutcome {
    /// No such consumer: create it.
    Create,
    /// The consumer exists: update it (see [`check_consumer_update`]).
    Update,
}

/// The `action` rules: `create` on an existing consumer with a different
/// config is 10148 (server metadata aside), `update` on a missing one 10149.
pub fn check_action(
    action: CreateAction,
    existing: Option<&ConsumerConfig>,
    new: &ConsumerConfig,
) -> Result<CreateOutcome, ApiError> {
    match existing {
        Some(old) => {
            if action == CreateAction::Create && !same_ignoring_server_metadata(old, new) {
                return Err(ErrorId::ConsumerAlreadyExists.into());
            }
            Ok(CreateOutcome::Update)
        }
        None if action == CreateAction::Update => Err(ErrorId::ConsumerDoesNotExist.into()),
        None => Ok(CreateOutcome::Create),
    }
}

/// The consumer limit of a stream and account (10026 when `current`
/// consumers already reach it). Direct (mirror/source) consumers do not
/// count towards `current`.
pub fn check_max_consumers(
    stream: &StreamConfig,
    account_max_consumers: i64,
    current: usize,
) -> Result<(), ApiError> {
    let mut max = stream.max_consumers;
    if max <= 0 || (account_max_consumers > 0 && account_max_consumers < max) {
        max = account_max_consumers;
    }
    let current = i64::try_from(current).unwrap_or(i64::MAX);
    if max > 0 && current >= max {
        return Err(ErrorId::MaximumConsumersLimitErr.into());
    }
    Ok(())
}

/// Work-queue streams partition messages between consumers: a new consumer
/// must be filtered when others exist (10099) and its filters may not
/// overlap another consumer's (10100, also checked when `existing` is
/// updated). `others` are the stream's other non-direct consumers.
pub fn check_workqueue_partition<'a>(
    stream: &StreamConfig,
    config: &ConsumerConfig,
    others: impl IntoIterator<Item = &'a ConsumerConfig>,
    existing: bool,
) -> Result<(), ApiError> {
    if stream.retention != RetentionPolicy::WorkQueue || config.direct || config.sourcing {
        return Ok(());
    }
    let others: Vec<&ConsumerConfig> = others.into_iter().filter(|o| !o.direct).collect();
    let mine = config.filters();
    if !existing && !others.is_empty() && mine.is_empty() {
        return Err(ErrorId::ConsumerWQMultipleUnfilteredErr.into());
    }
    for filter in &mine {
        for other in &others {
            let theirs = other.filters();
            if theirs.is_empty()
                || theirs.iter().any(|t| {
                    subject_is_subset_of(filter.as_bytes(), t.as_bytes())
                        || subject_is_subset_of(t.as_bytes(), filter.as_bytes())
                })
            {
                return Err(ErrorId::ConsumerWQConsumerNotUniqueErr.into());
            }
        }
    }
    Ok(())
}

/// The update rules of an existing consumer (`checkNewConsumerConfig`):
/// `new` is the requested config after [`check_consumer_config`]. Returns
/// the config to store. Changing a fixed setting is 10012 (code 500) with
/// nats-server's text.
pub fn check_consumer_update(
    old: &ConsumerConfig,
    new: &ConsumerConfig,
) -> Result<ConsumerConfig, ApiError> {
    check_consumer_update_with(old, new, false)
}

/// [`check_consumer_update`], where `old_deliver_subject_has_interest`
/// says whether someone still listens on the old push deliver subject
/// (then moving it is 10013, as in nats-server).
pub fn check_consumer_update_with(
    old: &ConsumerConfig,
    new: &ConsumerConfig,
    old_deliver_subject_has_interest: bool,
) -> Result<ConsumerConfig, ApiError> {
    if old == new {
        return Ok(new.clone());
    }
    let fixed = |what: &str| {
        Err(ApiError::with(
            ErrorId::ConsumerCreateErrF,
            &[("err", what)],
        ))
    };
    if old.deliver_policy != new.deliver_policy {
        return fixed("deliver policy can not be updated");
    }
    if old.opt_start_seq != new.opt_start_seq {
        return fixed("start sequence can not be updated");
    }
    if old.opt_start_time != new.opt_start_time {
        return fixed("start time can not be updated");
    }
    if old.ack_policy != new.ack_policy {
        return fixed("ack policy can not be updated");
    }
    if old.replay_policy != new.replay_policy {
        return fixed("replay policy can not be updated");
    }
    if old.idle_heartbeat != new.idle_heartbeat {
        return fixed("heart beats can not be updated");
    }
    if old.flow_control != new.flow_control {
        return fixed("flow control can not be updated");
    }
    if old.deliver_subject != new.deliver_subject {
        if old.is_pull() {
            return fixed("can not update pull consumer to push based");
        }
        if new.is_pull() {
            return fixed("can not update push consumer to pull based");
        }
        if old_deliver_subject_has_interest {
            return Err(ErrorId::ConsumerNameExistErr.into());
        }
    }
    if old.max_waiting != new.max_waiting {
        return fixed("max waiting can not be updated");
    }
    check_backoff_max_deliver(new)?;
    Ok(new.clone())
}
