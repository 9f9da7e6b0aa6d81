//! Consumers: configuration, defaults and validation, update rules, info,
//! pull requests and their status replies, and the consumer API bodies.
//!
//! Split like [`crate::stream`]: `config` is the wire shape, `validate` the
//! reference's rules as pure functions (state the server owns is passed
//! in), `info` and `responses` what the server answers, `requests` the
//! other request bodies, `metadata` the ADR-44 version keys.

mod config;
mod info;
pub mod metadata;
mod requests;
pub mod responses;
mod validate;

pub use config::{
    AckPolicy, ConsumerConfig, CreateAction, CreateConsumerRequest, DeliverPolicy, PriorityPolicy,
    ReplayPolicy, CONSUMER_CONFIG_FIELDS,
};
pub use info::{ConsumerInfo, PriorityGroupState, SequenceInfo};
pub use requests::{
    ConsumerListRequest, ConsumerNamesRequest, ConsumerPauseRequest, ConsumerResetRequest,
    ConsumerUnpinRequest, NextRequest, PullStatus,
};
pub use responses::*;
pub use validate::{
    check_action, check_config_for_stream, check_consumer_config, check_consumer_update,
    check_consumer_update_with, check_create_request, check_max_consumers, check_subject_form,
    check_workqueue_partition, is_valid_group_name, ConsumerLimitsContext, CreateOutcome,
    CreateSubject, ACK_FLOW_CONTROL_HEARTBEAT, DEFAULT_ACK_WAIT,
    DEFAULT_EPHEMERAL_INACTIVE_THRESHOLD, DEFAULT_MAX_ACK_PENDING, DEFAULT_MAX_WAITING,
    DEFAULT_PINNED_TTL,
};
