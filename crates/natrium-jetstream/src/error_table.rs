//! Every JetStream API error nats-server can return, as data.
//!
//! Transcribed from nats-server's `errors.json` (the source of its generated
//! `jetstream_errors_generated.go`, checked against the 2.14.0 binary): identifier, HTTP-like `code`, the stable
//! `err_code` clients switch on, and the description template. Templates
//! keep nats-server's `{placeholder}` tokens; [`crate::ApiError::with`] fills
//! them in. Identifiers drop the `JS` prefix of the Go constants.

macro_rules! error_table {
    ($($id:ident = $code:literal, $err_code:literal, $desc:literal;)*) => {
        /// Identifies one JetStream API error (the Go constant, minus `JS`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorId {
            $(
                #[doc = $desc]
                $id,
            )*
        }

        impl ErrorId {
            /// Every identifier, in table order.
            pub const ALL: &'static [ErrorId] = &[$(ErrorId::$id,)*];

            /// The HTTP-like status code (400, 404, 409, 412, 429, 500, 503).
            pub const fn code(self) -> u16 {
                match self { $(ErrorId::$id => $code,)* }
            }

            /// The stable JetStream error number (`err_code`).
            pub const fn err_code(self) -> u16 {
                match self { $(ErrorId::$id => $err_code,)* }
            }

            /// The description template, with `{placeholder}` tokens.
            pub const fn template(self) -> &'static str {
                match self { $(ErrorId::$id => $desc,)* }
            }

            /// The Go constant's name without the `JS` prefix.
            pub const fn name(self) -> &'static str {
                match self { $(ErrorId::$id => stringify!($id),)* }
            }
        }
    };
}

error_table! {
    ClusterPeerNotMemberErr = 400, 10040, "peer not a member";
    ConsumerEphemeralWithDurableInSubjectErr = 400, 10019, "consumer expected to be ephemeral but detected a durable name set in subject";
    StreamExternalDelPrefixOverlapsErrF = 400, 10022, "stream external delivery prefix {prefix} overlaps with stream subject {subject}";
    AccountResourcesExceededErr = 400, 10002, "resource limits exceeded for account";
    ClusterNotAvailErr = 503, 10008, "JetStream system temporarily unavailable";
    StreamSubjectOverlapErr = 400, 10065, "subjects overlap with an existing stream";
    StreamWrongLastSequenceErrF = 400, 10071, "wrong last sequence: {seq}";
    TemplateNameNotMatchSubjectErr = 400, 10073, "template name in subject does not match request";
    ClusterNoPeersErrF = 400, 10005, "{err}";
    ConsumerEphemeralWithDurableNameErr = 400, 10020, "consumer expected to be ephemeral but a durable name was set in request";
    InsufficientResourcesErr = 503, 10023, "insufficient resources";
    MirrorMaxMessageSizeTooBigErr = 400, 10030, "stream mirror must have max message size >= source";
    StreamTemplateDeleteErrF = 500, 10067, "{err}";
    BadRequestErr = 400, 10003, "bad request";
    ClusterUnSupportFeatureErr = 503, 10036, "not currently supported in clustered mode";
    ConsumerNotFoundErr = 404, 10014, "consumer not found";
    SourceMaxMessageSizeTooBigErr = 400, 10046, "stream source must have max message size >= target";
    StreamAssignmentErrF = 500, 10048, "{err}";
    StreamMessageExceedsMaximumErr = 400, 10054, "message size exceeds maximum allowed";
    StreamTemplateCreateErrF = 500, 10066, "{err}";
    InvalidJSONErr = 400, 10025, "invalid JSON: {err}";
    StreamInvalidExternalDeliverySubjErrF = 400, 10024, "stream external delivery prefix {prefix} must not contain wildcards";
    StreamRestoreErrF = 500, 10062, "restore failed: {err}";
    ClusterIncompleteErr = 503, 10004, "incomplete results";
    NoAccountErr = 503, 10035, "account not found";
    RaftGeneralErrF = 500, 10041, "{err}";
    RestoreSubscribeFailedErrF = 500, 10042, "JetStream unable to subscribe to restore snapshot {subject}: {err}";
    StreamDeleteErrF = 500, 10050, "{err}";
    StreamExternalApiOverlapErrF = 400, 10021, "stream external api prefix {prefix} must not overlap with {subject}";
    MirrorWithSubjectsErr = 400, 10034, "stream mirrors can not contain subjects";
    MirrorWithFirstSeqErr = 400, 10143, "stream mirrors can not have first sequence configured";
    NotEnabledErr = 503, 10076, "JetStream not enabled";
    NotEnabledForAccountErr = 503, 10039, "JetStream not enabled for account";
    SequenceNotFoundErrF = 400, 10043, "sequence {seq} not found";
    StreamMirrorNotUpdatableErr = 400, 10055, "stream mirror configuration can not be updated";
    StreamSequenceNotMatchErr = 503, 10063, "expected stream sequence does not match";
    StreamWrongLastMsgIDErrF = 400, 10070, "wrong last msg ID: {id}";
    TempStorageFailedErr = 500, 10072, "JetStream unable to open temp storage for restore";
    StorageResourcesExceededErr = 500, 10047, "insufficient storage resources available";
    StreamMismatchErr = 400, 10056, "stream name in subject does not match request";
    StreamNotMatchErr = 400, 10060, "expected stream does not match";
    MirrorConsumerSetupFailedErrF = 500, 10029, "{err}";
    NotEmptyRequestErr = 400, 10038, "expected an empty request payload";
    StreamNameExistErr = 400, 10058, "stream name already in use with a different configuration";
    ClusterTagsErr = 400, 10011, "tags placement not supported for operation";
    MaximumConsumersLimitErr = 400, 10026, "maximum consumers limit reached";
    SourceConsumerSetupFailedErrF = 500, 10045, "{err}";
    ConsumerCreateErrF = 500, 10012, "{err}";
    ConsumerDurableNameNotInSubjectErr = 400, 10016, "consumer expected to be durable but no durable name set in subject";
    StreamLimitsErrF = 500, 10053, "{err}";
    StreamReplicasNotUpdatableErr = 400, 10061, "Replicas configuration can not be updated";
    StreamTemplateNotFoundErr = 404, 10068, "template not found";
    ClusterNotAssignedErr = 500, 10007, "JetStream cluster not assigned to this server";
    ClusterNotLeaderErr = 500, 10009, "JetStream cluster can not handle request";
    ConsumerNameExistErr = 400, 10013, "consumer name already in use";
    MirrorWithSourcesErr = 400, 10031, "stream mirrors can not also contain other sources";
    StreamNotFoundErr = 404, 10059, "stream not found";
    ClusterRequiredErr = 503, 10010, "JetStream clustering support required";
    ConsumerDurableNameNotSetErr = 400, 10018, "consumer expected to be durable but a durable name was not set";
    MaximumStreamsLimitErr = 400, 10027, "maximum number of streams reached";
    MirrorWithStartSeqAndTimeErr = 400, 10032, "stream mirrors can not have both start seq and start time configured";
    StreamSnapshotErrF = 500, 10064, "snapshot failed: {err}";
    StreamUpdateErrF = 500, 10069, "{err}";
    ClusterNotActiveErr = 500, 10006, "JetStream not in clustered mode";
    ConsumerDurableNameNotMatchSubjectErr = 400, 10017, "consumer name in subject does not match durable name in request";
    MemoryResourcesExceededErr = 500, 10028, "insufficient memory resources available";
    MirrorWithSubjectFiltersErr = 400, 10033, "stream mirrors can not contain filtered subjects";
    StreamCreateErrF = 500, 10049, "{err}";
    ClusterServerNotMemberErr = 400, 10044, "server is not a member of the cluster";
    NoMessageFoundErr = 404, 10037, "no message found";
    SnapshotDeliverSubjectInvalidErr = 400, 10015, "deliver subject not valid";
    StreamGeneralErrorF = 500, 10051, "{err}";
    StreamInvalidConfigF = 500, 10052, "{err}";
    StreamReplicasNotSupportedErr = 500, 10074, "replicas > 1 not supported in non-clustered mode";
    StreamMsgDeleteFailedF = 500, 10057, "{err}";
    PeerRemapErr = 503, 10075, "peer remap failed";
    StreamStoreFailedF = 503, 10077, "{err}";
    ConsumerConfigRequiredErr = 400, 10078, "consumer config required";
    ConsumerDeliverToWildcardsErr = 400, 10079, "consumer deliver subject has wildcards";
    ConsumerPushMaxWaitingErr = 400, 10080, "consumer in push mode can not set max waiting";
    ConsumerDeliverCycleErr = 400, 10081, "consumer deliver subject forms a cycle";
    ConsumerMaxPendingAckPolicyRequiredErr = 400, 10082, "consumer requires ack policy for max ack pending";
    ConsumerSmallHeartbeatErr = 400, 10083, "consumer idle heartbeat needs to be >= 100ms";
    ConsumerPullRequiresAckErr = 400, 10084, "consumer in pull mode requires explicit ack policy on workqueue stream";
    ConsumerPullNotDurableErr = 400, 10085, "consumer in pull mode requires a durable name";
    ConsumerPullWithRateLimitErr = 400, 10086, "consumer in pull mode can not have rate limit set";
    ConsumerMaxWaitingNegativeErr = 400, 10087, "consumer max waiting needs to be positive";
    ConsumerHBRequiresPushErr = 400, 10088, "consumer idle heartbeat requires a push based consumer";
    ConsumerFCRequiresPushErr = 400, 10089, "consumer flow control requires a push based consumer";
    ConsumerDirectRequiresPushErr = 400, 10090, "consumer direct requires a push based consumer";
    ConsumerDirectRequiresEphemeralErr = 400, 10091, "consumer direct requires an ephemeral consumer";
    ConsumerOnMappedErr = 400, 10092, "consumer direct on a mapped consumer";
    ConsumerFilterNotSubsetErr = 400, 10093, "consumer filter subject is not a valid subset of the interest subjects";
    ConsumerInvalidPolicyErrF = 400, 10094, "{err}";
    ConsumerInvalidSamplingErrF = 400, 10095, "failed to parse consumer sampling configuration: {err}";
    StreamInvalidErr = 500, 10096, "stream not valid";
    ConsumerWQRequiresExplicitAckErr = 400, 10098, "workqueue stream requires explicit ack";
    ConsumerWQMultipleUnfilteredErr = 400, 10099, "multiple non-filtered consumers not allowed on workqueue stream";
    ConsumerWQConsumerNotUniqueErr = 400, 10100, "filtered consumer not unique on workqueue stream";
    ConsumerWQConsumerNotDeliverAllErr = 400, 10101, "consumer must be deliver all on workqueue stream";
    ConsumerNameTooLongErrF = 400, 10102, "consumer name is too long, maximum allowed is {max}";
    ConsumerBadDurableNameErr = 400, 10103, "durable name can not contain '.', '*', '>'";
    ConsumerStoreFailedErrF = 500, 10104, "error creating store for consumer: {err}";
    ConsumerExistingActiveErr = 400, 10105, "consumer already exists and is still active";
    ConsumerReplacementWithDifferentNameErr = 400, 10106, "consumer replacement durable config not the same";
    ConsumerDescriptionTooLongErrF = 400, 10107, "consumer description is too long, maximum allowed is {max}";
    StreamHeaderExceedsMaximumErr = 400, 10097, "header size exceeds maximum allowed of 64k";
    ConsumerWithFlowControlNeedsHeartbeats = 400, 10108, "consumer with flow control also needs heartbeats";
    StreamSealedErr = 400, 10109, "invalid operation on sealed stream";
    StreamPurgeFailedF = 500, 10110, "{err}";
    StreamRollupFailedF = 500, 10111, "{err}";
    ConsumerInvalidDeliverSubject = 400, 10112, "invalid push consumer deliver subject";
    StreamMaxBytesRequired = 400, 10113, "account requires a stream config to have max bytes set";
    ConsumerMaxRequestBatchNegativeErr = 400, 10114, "consumer max request batch needs to be > 0";
    ConsumerMaxRequestExpiresTooSmall = 400, 10115, "consumer max request expires needs to be >= 1ms";
    ConsumerMaxDeliverBackoffErr = 400, 10116, "max deliver is required to be > length of backoff values";
    StreamInfoMaxSubjectsErr = 500, 10117, "subject details would exceed maximum allowed";
    StreamOfflineErr = 500, 10118, "stream is offline";
    ConsumerOfflineErr = 500, 10119, "consumer is offline";
    NoLimitsErr = 400, 10120, "no JetStream default or applicable tiered limit present";
    ConsumerMaxPendingAckExcessErrF = 400, 10121, "consumer max ack pending exceeds system limit of {limit}";
    StreamMaxStreamBytesExceeded = 400, 10122, "stream max bytes exceeds account limit max stream bytes";
    StreamMoveAndScaleErr = 400, 10123, "can not move and scale a stream in a single update";
    StreamMoveInProgressErr = 400, 10124, "stream move already in progress";
    ConsumerMaxRequestBatchExceededF = 400, 10125, "consumer max request batch exceeds server limit of {limit}";
    ConsumerReplicasExceedsStream = 400, 10126, "consumer config replica count exceeds parent stream";
    ConsumerNameContainsPathSeparatorsErr = 400, 10127, "Consumer name can not contain path separators";
    StreamNameContainsPathSeparatorsErr = 400, 10128, "Stream name can not contain path separators";
    StreamMoveNotInProgress = 400, 10129, "stream move not in progress";
    StreamNameExistRestoreFailedErr = 400, 10130, "stream name already in use, cannot restore";
    ConsumerCreateFilterSubjectMismatchErr = 400, 10131, "Consumer create request did not match filtered subject from create subject";
    ConsumerCreateDurableAndNameMismatch = 400, 10132, "Consumer Durable and Name have to be equal if both are provided";
    ReplicasCountCannotBeNegative = 400, 10133, "replicas count cannot be negative";
    ConsumerReplicasShouldMatchStream = 400, 10134, "consumer config replicas must match interest retention stream's replicas";
    ConsumerMetadataLengthErrF = 400, 10135, "consumer metadata exceeds maximum size of {limit}";
    ConsumerDuplicateFilterSubjects = 400, 10136, "consumer cannot have both FilterSubject and FilterSubjects specified";
    ConsumerMultipleFiltersNotAllowed = 400, 10137, "consumer with multiple subject filters cannot use subject based API";
    ConsumerOverlappingSubjectFilters = 400, 10138, "consumer subject filters cannot overlap";
    ConsumerEmptyFilter = 400, 10139, "consumer filter in FilterSubjects cannot be empty";
    SourceDuplicateDetected = 400, 10140, "duplicate source configuration detected";
    SourceInvalidStreamName = 400, 10141, "sourced stream name is invalid";
    MirrorInvalidStreamName = 400, 10142, "mirrored stream name is invalid";
    SourceMultipleFiltersNotAllowed = 400, 10144, "source with multiple subject transforms cannot also have a single subject filter";
    SourceInvalidSubjectFilter = 400, 10145, "source transform source: {err}";
    SourceInvalidTransformDestination = 400, 10146, "source transform: {err}";
    SourceOverlappingSubjectFilters = 400, 10147, "source filters can not overlap";
    ConsumerAlreadyExists = 400, 10148, "consumer already exists";
    ConsumerDoesNotExist = 400, 10149, "consumer does not exist";
    MirrorMultipleFiltersNotAllowed = 400, 10150, "mirror with multiple subject transforms cannot also have a single subject filter";
    MirrorInvalidSubjectFilter = 400, 10151, "mirror transform source: {err}";
    MirrorOverlappingSubjectFilters = 400, 10152, "mirror subject filters can not overlap";
    ConsumerInactiveThresholdExcess = 400, 10153, "consumer inactive threshold exceeds system limit of {limit}";
    MirrorInvalidTransformDestination = 400, 10154, "mirror transform: {err}";
    StreamTransformInvalidSource = 400, 10155, "stream transform source: {err}";
    StreamTransformInvalidDestination = 400, 10156, "stream transform: {err}";
    PedanticErrF = 400, 10157, "pedantic mode: {err}";
    StreamDuplicateMessageConflict = 409, 10158, "duplicate message id is in process";
    ConsumerPriorityPolicyWithoutGroup = 400, 10159, "Setting PriorityPolicy requires at least one PriorityGroup to be set";
    ConsumerInvalidPriorityGroupErr = 400, 10160, "Provided priority group does not exist for this consumer";
    ConsumerEmptyGroupName = 400, 10161, "Group name cannot be an empty string";
    ConsumerInvalidGroupNameErr = 400, 10162, "Valid priority group name must match A-Z, a-z, 0-9, -_/=)+ and may not exceed 16 characters";
    StreamExpectedLastSeqPerSubjectNotReady = 503, 10163, "expected last sequence per subject temporarily unavailable";
    StreamWrongLastSequenceConstantErr = 400, 10164, "wrong last sequence";
    MessageTTLInvalidErr = 400, 10165, "invalid per-message TTL";
    MessageTTLDisabledErr = 400, 10166, "per-message TTL is disabled";
    StreamTooManyRequests = 429, 10167, "too many requests";
    MessageIncrDisabledErr = 400, 10168, "message counters is disabled";
    MessageIncrMissingErr = 400, 10169, "message counter increment is missing";
    MessageIncrPayloadErr = 400, 10170, "message counter has payload";
    MessageIncrInvalidErr = 400, 10171, "message counter increment is invalid";
    MessageCounterBrokenErr = 400, 10172, "message counter is broken";
    MirrorWithCountersErr = 400, 10173, "stream mirrors can not also calculate counters";
    AtomicPublishDisabledErr = 400, 10174, "atomic publish is disabled";
    AtomicPublishMissingSeqErr = 400, 10175, "atomic publish sequence is missing";
    AtomicPublishIncompleteBatchErr = 400, 10176, "atomic publish batch is incomplete";
    AtomicPublishUnsupportedHeaderBatchErr = 400, 10177, "atomic publish unsupported header used: {header}";
    ConsumerPushWithPriorityGroupErr = 400, 10178, "priority groups can not be used with push consumers";
    AtomicPublishInvalidBatchIDErr = 400, 10179, "atomic publish batch ID is invalid";
    StreamMinLastSeqErr = 412, 10180, "min last sequence";
    ConsumerAckPolicyInvalidErr = 400, 10181, "consumer ack policy invalid";
    ConsumerReplayPolicyInvalidErr = 400, 10182, "consumer replay policy invalid";
    ConsumerAckWaitNegativeErr = 400, 10183, "consumer ack wait needs to be positive";
    ConsumerBackOffNegativeErr = 400, 10184, "consumer backoff needs to be positive";
    RequiredApiLevelErr = 412, 10185, "JetStream minimum api level required";
    MirrorWithMsgSchedulesErr = 400, 10186, "stream mirrors can not also schedule messages";
    SourceWithMsgSchedulesErr = 400, 10187, "stream source can not also schedule messages";
    MessageSchedulesDisabledErr = 400, 10188, "message schedules is disabled";
    MessageSchedulesPatternInvalidErr = 400, 10189, "message schedules pattern is invalid";
    MessageSchedulesTargetInvalidErr = 400, 10190, "message schedules target is invalid";
    MessageSchedulesTTLInvalidErr = 400, 10191, "message schedules invalid per-message TTL";
    MessageSchedulesRollupInvalidErr = 400, 10192, "message schedules invalid rollup";
    StreamExpectedLastSeqPerSubjectInvalid = 400, 10193, "missing sequence for expected last sequence per subject";
    StreamOfflineReasonErrF = 500, 10194, "stream is offline: {err}";
    ConsumerOfflineReasonErrF = 500, 10195, "consumer is offline: {err}";
    ConsumerPriorityGroupWithPolicyNone = 400, 10196, "consumer can not have priority groups when policy is none";
    ConsumerPinnedTTLWithoutPriorityPolicyNone = 400, 10197, "PinnedTTL cannot be set when PriorityPolicy is none";
    MirrorWithAtomicPublishErr = 400, 10198, "stream mirrors can not also use atomic publishing";
    AtomicPublishTooLargeBatchErrF = 400, 10199, "atomic publish batch is too large: {size}";
    AtomicPublishInvalidBatchCommitErr = 400, 10200, "atomic publish batch commit is invalid";
    AtomicPublishContainsDuplicateMessageErr = 400, 10201, "atomic publish batch contains duplicate message id";
    ClusterServerMemberChangeInflightErr = 400, 10202, "cluster member change is in progress";
    MessageSchedulesSourceInvalidErr = 400, 10203, "message schedules source is invalid";
    ConsumerInvalidResetErr = 400, 10204, "invalid reset: {err}";
    BatchPublishDisabledErr = 400, 10205, "batch publish is disabled";
    BatchPublishInvalidPatternErr = 400, 10206, "batch publish pattern is invalid";
    BatchPublishInvalidBatchIDErr = 400, 10207, "batch publish ID is invalid";
    BatchPublishUnknownBatchIDErr = 400, 10208, "batch publish ID unknown";
    MirrorWithBatchPublishErr = 400, 10209, "stream mirrors can not also use batch publishing";
    AtomicPublishTooManyInflight = 429, 10210, "atomic publish too many inflight";
    BatchPublishTooManyInflight = 429, 10211, "batch publish too many inflight";
    MessageSchedulesSchedulerInvalidErr = 400, 10212, "message schedules invalid scheduler";
    MirrorDurableConsumerCfgInvalid = 400, 10213, "stream mirror consumer config is invalid";
    MirrorConsumerRequiresAckFCErr = 400, 10214, "stream mirror consumer requires flow control ack policy";
    SourceDurableConsumerCfgInvalid = 400, 10215, "stream source consumer config is invalid";
    SourceDurableConsumerDuplicateDetected = 400, 10216, "duplicate stream source consumer detected";
    SourceConsumerRequiresAckFCErr = 400, 10217, "stream source consumer requires flow control ack policy";
    ConsumerAckFCRequiresPushErr = 400, 10218, "flow control ack policy requires a push based consumer";
    ConsumerAckFCRequiresFCErr = 400, 10219, "flow control ack policy requires flow control";
    ConsumerAckFCRequiresMaxAckPendingErr = 400, 10220, "flow control ack policy requires max ack pending";
    ConsumerAckFCRequiresNoAckWaitErr = 400, 10221, "flow control ack policy requires unset ack wait";
    ConsumerAckFCRequiresNoMaxDeliverErr = 400, 10222, "flow control ack policy requires unset max deliver";
    MessageSchedulesTimeZoneInvalidErr = 400, 10223, "message schedules time zone is invalid";
}
