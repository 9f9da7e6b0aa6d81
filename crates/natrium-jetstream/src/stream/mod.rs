//! Streams: configuration, defaults and validation, info and requests.

mod config;
mod info;
pub mod metadata;
mod requests;
mod validate;

pub use config::{
    Compression, ConsumerLimits, DiscardPolicy, ExternalStream, PersistMode, Placement, RePublish,
    RetentionPolicy, StorageType, StreamConfig, StreamConfigRequest, StreamSource,
    SubjectTransform,
};
pub use info::{
    ClusterInfo, LostStreamData, PeerInfo, StreamAlternate, StreamInfo, StreamSourceInfo,
    StreamState,
};
pub use requests::{
    MsgGetRequest, MsgQuery, StoredMsg, StreamInfoRequest, StreamListRequest,
    StreamMsgDeleteRequest, StreamNamesRequest, StreamPurgeRequest,
};
pub use validate::{
    check_config, check_subject_name, check_update, is_valid_name, CheckOptions,
    DEFAULT_DUPLICATE_WINDOW, MAX_DESCRIPTION_LEN, MAX_METADATA_LEN, MAX_NAME_LEN, MAX_REPLICAS,
};
