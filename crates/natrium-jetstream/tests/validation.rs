//! Stream config defaults and validation against every STREAM.CREATE and
//! STREAM.UPDATE captured from nats-server 2.14.0.

mod common;

use natrium_jetstream::api::{StreamCreateResponse, StreamUpdateResponse};
use natrium_jetstream::stream::metadata::{self, set_server_metadata};
use natrium_jetstream::stream::{
    check_config, check_subject_name, check_update, CheckOptions, StreamConfig, StreamConfigRequest,
};
use natrium_jetstream::{subjects, ApiError, ErrorId};

/// What our pipeline answers to a STREAM.CREATE on an empty account.
fn create(subject: &str, body: &str) -> Result<StreamConfig, ApiError> {
    let api = subjects::parse(subject).expect("api subject");
    let subjects::Endpoint::StreamCreate(name) = api.endpoint else {
        panic!("not create")
    };
    let req = StreamConfigRequest::parse(body.as_bytes())?;
    check_subject_name(name, &req.config)?;
    let opts = CheckOptions {
        pedantic: req.pedantic,
        ..Default::default()
    };
    let mut cfg = check_config(&req.config, &opts)?;
    set_server_metadata(&mut cfg, "2.14.0", metadata::API_LEVEL);
    Ok(cfg)
}

/// Outcomes that depend on other streams (the server's job), not checked here.
const STATEFUL: &[&str] = &[
    "create_same_again",
    "create_exists_different",
    "create_overlap",
];

/// Errors whose text comes from Go's JSON decoder.
const GO_DECODER_TEXT: &[&str] = &["bad_json", "bad_json_type"];

#[test]
fn creates_match_reference_defaults_and_errors() {
    let mut checked = 0;
    for fx in common::all() {
        if !fx.subject.starts_with("$JS.API.STREAM.CREATE.") || STATEFUL.contains(&fx.name.as_str())
        {
            continue;
        }
        let Some(text) = fx.response.as_deref() else {
            continue;
        };
        let expected: StreamCreateResponse = serde_json::from_str(text).expect("response");
        let got = create(&fx.subject, &fx.request);
        match (&expected.error, got) {
            // Go's JSON syntax/type error texts are not reproduced, only the code.
            (Some(want), Err(err)) if GO_DECODER_TEXT.contains(&fx.name.as_str()) => {
                assert_eq!(
                    (err.code, err.err_code),
                    (want.code, want.err_code),
                    "{}",
                    fx.name
                )
            }
            (Some(want), Err(err)) => assert_eq!(&err, want, "{}", fx.name),
            (Some(want), Ok(_)) => panic!("{}: expected {want:?}, got a config", fx.name),
            (None, Err(err)) => panic!("{}: unexpected {err:?}", fx.name),
            (None, Ok(cfg)) => {
                let info = expected.body.info.expect("info");
                assert_eq!(cfg, info.config, "{}", fx.name);
            }
        }
        checked += 1;
    }
    assert!(checked >= 70, "only {checked} creates checked");
}

fn config_of(fixture: &str) -> StreamConfig {
    let fx = common::get(fixture);
    let r: StreamCreateResponse =
        serde_json::from_str(fx.response.as_deref().unwrap_or_default()).expect("response");
    r.body.info.expect("info").config
}

#[test]
fn updates_match_reference() {
    let orders = config_of("create_minimal");
    let kv = config_of("create_kv_like");
    let mem = config_of("create_memory_sealed_nodup");
    let mir = config_of("create_mirror");
    let cnt = config_of("create_counter_async");
    let age = config_of("create_max_age_dup_window");
    let cases: &[(&str, &StreamConfig)] = &[
        ("update_ok", &orders),
        ("update_storage", &orders),
        ("update_max_consumers", &orders),
        ("update_retention_wq", &orders),
        ("update_retention_interest", &age),
        ("update_unseal", &mem),
        ("update_deny_delete_off", &kv),
        ("update_mirror", &mir),
        ("update_counter_off", &cnt),
        ("update_persist_mode", &cnt),
        ("update_seal", &age),
    ];
    for (name, old) in cases {
        let fx = common::get(name);
        let expected: StreamUpdateResponse =
            serde_json::from_str(fx.response.as_deref().unwrap_or_default()).expect("response");
        let req = StreamConfigRequest::parse(fx.request.as_bytes()).expect("request");
        let got = check_update(old, &req.config, &CheckOptions::default()).map(|mut c| {
            set_server_metadata(&mut c, "2.14.0", metadata::API_LEVEL);
            c
        });
        match (&expected.error, got) {
            (Some(want), Err(err)) => assert_eq!(&err, want, "{name}"),
            (None, Ok(cfg)) => assert_eq!(cfg, expected.body.info.expect("info").config, "{name}"),
            (want, got) => panic!("{name}: expected {want:?}, got {got:?}"),
        }
    }
}

#[test]
fn replicas_need_clustering_also_on_update() {
    // The reference accepts num_replicas 3 on update of a single server
    // stream (see update_replicas); natrium refuses it like create does.
    let old = config_of("create_minimal");
    let mut new = old.clone();
    new.num_replicas = 3;
    let err = check_update(&old, &new, &CheckOptions::default()).unwrap_err();
    assert!(err.is(ErrorId::StreamReplicasNotSupportedErr));
    let opts = CheckOptions {
        clustered: true,
        ..Default::default()
    };
    assert_eq!(
        check_update(&old, &new, &opts).map(|c| c.num_replicas),
        Ok(3)
    );
}

#[test]
fn repeated_create_compares_without_server_metadata() {
    let stored = config_of("create_minimal");
    let again = create("$JS.API.STREAM.CREATE.ORDERS", r#"{"name":"ORDERS"}"#).expect("create");
    assert!(metadata::same_ignoring_server_metadata(&stored, &again));
    let other = create(
        "$JS.API.STREAM.CREATE.ORDERS",
        r#"{"name":"ORDERS","subjects":["x"]}"#,
    )
    .expect("create");
    assert!(!metadata::same_ignoring_server_metadata(&stored, &other));
}

#[test]
fn extra_rules_not_in_fixtures() {
    let opts = CheckOptions::default();
    let cfg = |json: &str| -> StreamConfig { serde_json::from_str(json).expect("config") };
    let err = |json: &str| check_config(&cfg(json), &opts).unwrap_err().description;
    assert_eq!(
        err(r#"{"name":"a","subjects":[">"],"no_ack":true,"num_replicas":2}"#),
        "capturing all subjects requires replicas of 1"
    );
    assert_eq!(
        err(r#"{"name":"a","sources":[{"name":"O","external":{"api":"$JS.API","deliver":"d"}}]}"#),
        "stream external api prefix $JS.API must not overlap with $JS.API"
    );
    assert_eq!(
        err(r#"{"name":"a","sources":[{"name":"O","external":{"api":"a.*","deliver":"d"}}]}"#),
        "stream external api prefix \"a.*\" must be a valid subject without wildcards"
    );
    assert_eq!(
        err(r#"{"name":"a","sources":[{"name":"O","external":{"api":"x","deliver":"d.>"}}]}"#),
        "stream external delivery prefix d.> must not contain wildcards"
    );
    let ok = check_config(&cfg(r#"{"name":"a","subjects":["$JS.EVENT.>"]}"#), &opts);
    assert!(ok.is_ok());
    let opts = CheckOptions {
        max_duplicate_window: 60_000_000_000,
        ..Default::default()
    };
    assert_eq!(
        check_config(&cfg(r#"{"name":"a"}"#), &opts).map(|c| c.duplicate_window),
        Ok(60_000_000_000)
    );
    assert_eq!(
        check_config(
            &cfg(r#"{"name":"a","duplicate_window":120000000000}"#),
            &opts
        )
        .unwrap_err()
        .description,
        "duplicates window can not be larger then server limit of 1m0s"
    );
}

#[test]
fn error_table_is_consistent() {
    let mut seen = std::collections::HashSet::new();
    for id in ErrorId::ALL {
        assert!(
            seen.insert(id.err_code()),
            "duplicate err_code {}",
            id.err_code()
        );
        assert!(
            matches!(id.code(), 400 | 404 | 409 | 412 | 429 | 500 | 503),
            "{id:?}"
        );
    }
    assert_eq!(ErrorId::ALL.len(), 222);
    let e = ApiError::with(
        ErrorId::StreamExternalDelPrefixOverlapsErrF,
        &[("prefix", "p"), ("subject", "s")],
    );
    assert_eq!(
        e.description,
        "stream external delivery prefix p overlaps with stream subject s"
    );
    assert_eq!(
        e.to_string(),
        "stream external delivery prefix p overlaps with stream subject s (10022)"
    );
    assert_eq!(
        ApiError::wrong_last_sequence(6).description,
        "wrong last sequence: 6"
    );
    assert_eq!(
        ApiError::sequence_not_found(3).description,
        "sequence 3 not found"
    );
    assert_eq!(
        ApiError::from(ErrorId::NotEnabledForAccountErr).err_code,
        10039
    );
    assert_eq!(ApiError::from(ErrorId::NotEnabledErr).err_code, 10076);
}
