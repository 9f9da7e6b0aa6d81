//! Subjects, headers, request checks and pub acks against the captures.

mod common;

use natrium_jetstream::headers::{self, HeaderBlock, HeaderBuilder, HeaderError};
use natrium_jetstream::stream::{MsgGetRequest, MsgQuery, StreamPurgeRequest};
use natrium_jetstream::subjects::{self, Endpoint};
use natrium_jetstream::{ApiError, ErrorId, PubAck, Timestamp};

#[test]
fn every_answered_fixture_subject_parses() {
    for fx in common::all() {
        if !fx.subject.starts_with("$JS.") {
            continue;
        }
        let parsed = subjects::parse(&fx.subject);
        // The reference stays silent exactly where we do not parse.
        assert_eq!(
            parsed.is_some(),
            fx.response.is_some() || fx.response_headers.is_some(),
            "{}",
            fx.name
        );
    }
}

#[test]
fn subject_forms() {
    let p = |s| subjects::parse(s).map(|a| (a.domain, a.endpoint));
    assert_eq!(p("$JS.API.INFO"), Some((None, Endpoint::AccountInfo)));
    assert_eq!(
        p("$JS.hub.API.INFO"),
        Some((Some("hub"), Endpoint::AccountInfo))
    );
    assert_eq!(
        p("$JS.hub.API.STREAM.INFO.D"),
        Some((Some("hub"), Endpoint::StreamInfo("D")))
    );
    assert_eq!(
        p("$JS.API.STREAM.CREATE.ORDERS"),
        Some((None, Endpoint::StreamCreate("ORDERS")))
    );
    assert_eq!(p("$JS.API.STREAM.CREATE.A.B"), None);
    assert_eq!(p("$JS.API.STREAM.CREATE."), None);
    assert_eq!(
        p("$JS.API.STREAM.MSG.GET.S"),
        Some((None, Endpoint::StreamMsgGet("S")))
    );
    assert_eq!(
        p("$JS.API.DIRECT.GET.KV_cfg.$KV.cfg.a"),
        Some((None, Endpoint::DirectGetLast("KV_cfg", "$KV.cfg.a")))
    );
    assert_eq!(
        p("$JS.API.CONSUMER.CREATE.S.C.a.>"),
        Some((
            None,
            Endpoint::ConsumerCreate {
                stream: "S",
                consumer: Some("C"),
                filter: Some("a.>")
            }
        ))
    );
    assert_eq!(
        p("$JS.API.CONSUMER.MSG.NEXT.S.C"),
        Some((None, Endpoint::ConsumerMsgNext("S", "C")))
    );
    assert_eq!(p("$JS..API.INFO"), None);
    assert_eq!(p("$JS.API"), None);
    assert_eq!(p("foo"), None);
    assert_eq!(
        subjects::api_subject(Some("hub"), "INFO"),
        "$JS.hub.API.INFO"
    );
    assert_eq!(
        subjects::api_subject(None, "STREAM.NAMES"),
        "$JS.API.STREAM.NAMES"
    );
}

#[test]
fn direct_get_headers_are_rebuilt_byte_for_byte() {
    let fx = common::get("direct_get_last_by_subj");
    let raw = fx.response_headers.unwrap_or_default();
    let block = HeaderBlock::parse(raw.as_bytes()).expect("block");
    let ts = Timestamp::parse(block.get_str(headers::TIME_STAMP).unwrap_or_default()).expect("ts");
    let built = headers::direct_get_headers(None, "KV_cfg", "$KV.cfg.a", 4, ts, None);
    assert_eq!(String::from_utf8_lossy(&built), raw);

    let fx = common::get("direct_get_batch");
    let raw = fx.response_headers.unwrap_or_default();
    let block = HeaderBlock::parse(raw.as_bytes()).expect("block");
    assert_eq!(block.get_u64(headers::NUM_PENDING), Some(2));
    let ts = Timestamp::parse(block.get_str(headers::TIME_STAMP).unwrap_or_default()).expect("ts");
    let built = headers::direct_get_headers(None, "KV_cfg", "$KV.cfg.b", 2, ts, Some((2, 0)));
    assert_eq!(String::from_utf8_lossy(&built), raw);

    // Stored headers come first (captured from the reference by hand).
    let stored =
        HeaderBlock::parse(b"NATS/1.0\r\nFoo: bar\r\nNats-Msg-Id: q\r\n\r\n").expect("stored");
    let built = headers::direct_get_headers(Some(&stored), "C5", "c5", 3, Timestamp::ZERO, None);
    let block = HeaderBlock::parse(&built).expect("built");
    let keys: Vec<&[u8]> = block.iter().map(|(k, _)| k).collect();
    assert_eq!(
        keys,
        [
            &b"Foo"[..],
            b"Nats-Msg-Id",
            b"Nats-Stream",
            b"Nats-Subject",
            b"Nats-Sequence",
            b"Nats-Time-Stamp"
        ]
    );

    for (name, status) in [
        ("direct_get_missing", headers::STATUS_NOT_FOUND),
        ("direct_get_empty", headers::STATUS_EMPTY_REQUEST),
        ("direct_get_bad", headers::STATUS_MALFORMED),
    ] {
        let raw = common::get(name).response_headers.unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&headers::status_block(status)),
            raw,
            "{name}"
        );
        let block = HeaderBlock::parse(raw.as_bytes()).expect("status block");
        assert_eq!(block.status(), Some(status.0));
        assert_eq!(block.description(), status.1.as_bytes());
    }
}

#[test]
fn header_lookup_is_exact_then_case_insensitive() {
    let raw = b"NATS/1.0\r\nnats-msg-id: lower\r\nNats-Msg-Id:  exact \r\nX: 1\r\nX: 2\r\n\r\n";
    let h = HeaderBlock::parse(raw).expect("parse");
    assert_eq!(h.get(headers::MSG_ID), Some(&b"exact"[..]));
    assert_eq!(h.get("NATS-MSG-ID"), Some(&b"lower"[..]));
    assert_eq!(h.get("missing"), None);
    assert_eq!(h.get_all("X").collect::<Vec<_>>(), [&b"1"[..], b"2"]);
    assert_eq!(h.status(), None);
    let built = HeaderBuilder::new().add(headers::MSG_ID, "m1").finish();
    assert_eq!(built, b"NATS/1.0\r\nNats-Msg-Id: m1\r\n\r\n");
    let empty = HeaderBlock::parse(b"NATS/1.0\r\n\r\n").expect("empty");
    assert_eq!(empty.iter().count(), 0);
}

#[test]
fn malformed_header_blocks_are_refused_without_panicking() {
    assert_eq!(HeaderBlock::parse(b""), Err(HeaderError::BadVersion));
    assert_eq!(
        HeaderBlock::parse(b"HTTP/1.1\r\n\r\n"),
        Err(HeaderError::BadVersion)
    );
    assert_eq!(
        HeaderBlock::parse(b"NATS/1.0"),
        Err(HeaderError::Unterminated)
    );
    assert_eq!(
        HeaderBlock::parse(b"NATS/1.0\r\nA: b\r\n"),
        Err(HeaderError::Unterminated)
    );
    assert_eq!(
        HeaderBlock::parse(b"NATS/1.0 40\r\n\r\n"),
        Err(HeaderError::BadStatus)
    );
    assert_eq!(
        HeaderBlock::parse(b"NATS/1.0 4044\r\n\r\n"),
        Err(HeaderError::BadStatus)
    );
    assert_eq!(
        HeaderBlock::parse(b"NATS/1.0\r\nnocolon\r\n\r\n"),
        Err(HeaderError::BadLine)
    );
    assert_eq!(
        HeaderBlock::parse(b"NATS/1.0\r\n: v\r\n\r\n"),
        Err(HeaderError::BadLine)
    );
    // Every prefix and some byte flips of a valid block: never a panic.
    let valid = b"NATS/1.0 404 Message Not Found\r\nNats-Msg-Id: a\r\nK:\r\n\r\n".to_vec();
    for cut in 0..=valid.len() {
        let _ = HeaderBlock::parse(&valid[..cut]).map(|h| h.get("K"));
    }
    for i in 0..valid.len() {
        for b in [0u8, b'\r', b'\n', b':', b' ', 0xff] {
            let mut v = valid.clone();
            v[i] = b;
            let _ = HeaderBlock::parse(&v).map(|h| (h.get("nats-msg-id"), h.iter().count()));
        }
    }
}

fn msg_get(json: &str) -> MsgGetRequest {
    serde_json::from_str(json).expect("request")
}

#[test]
fn msg_get_requests_are_classified_like_the_reference() {
    assert_eq!(
        msg_get(r#"{"seq":1}"#).check_msg_get(),
        Ok(MsgQuery::Sequence(1))
    );
    assert_eq!(
        msg_get(r#"{"last_by_subj":"a"}"#).check_msg_get(),
        Ok(MsgQuery::LastBySubject("a"))
    );
    assert_eq!(
        msg_get(r#"{"seq":1,"next_by_subj":"c"}"#).check_msg_get(),
        Ok(MsgQuery::NextBySubject {
            from: 1,
            subject: "c"
        })
    );
    assert_eq!(
        msg_get(r#"{"next_by_subj":"c5"}"#).check_msg_get(),
        Ok(MsgQuery::NextBySubject {
            from: 0,
            subject: "c5"
        })
    );
    let bad: ApiError = ErrorId::BadRequestErr.into();
    for (name, body) in [
        (
            "msg_get_bad_both",
            r#"{"seq": 1, "last_by_subj": "ORDERS"}"#,
        ),
        ("msg_get_empty", "{}"),
    ] {
        assert_eq!(common::get(name).request, body);
        assert_eq!(msg_get(body).check_msg_get(), Err(bad.clone()), "{name}");
    }
    assert_eq!(
        msg_get(r#"{"seq":1,"batch":2}"#).check_msg_get(),
        Err(bad.clone())
    );
    assert_eq!(
        msg_get(r#"{"seq":1,"next_by_subj":"c5","last_by_subj":"c5"}"#).check_msg_get(),
        Err(bad)
    );
    let full = msg_get(
        r#"{"multi_last":["a.>"],"up_to_time":"2024-01-01T00:00:00Z","batch":3,"no_hdr":true}"#,
    );
    assert_eq!(full.multi_last, ["a.>"]);
    assert!(full.no_headers && full.up_to_time.is_some());
}

#[test]
fn purge_request_rules() {
    let req: StreamPurgeRequest =
        serde_json::from_str(&common::get("purge_keep_and_seq").request).expect("req");
    assert_eq!(req.check(), Err(ErrorId::BadRequestErr.into()));
    let req: StreamPurgeRequest =
        serde_json::from_str(r#"{"filter":"a.>","keep":1}"#).expect("req");
    assert_eq!(req.check(), Ok(()));
    assert_eq!(req.filter, "a.>");
}

#[test]
fn pub_acks_are_written_like_the_reference() {
    let text = |n: &str| common::get(n).response.unwrap_or_default();
    assert_eq!(
        String::from_utf8_lossy(&PubAck::stored("ORDERS", "", 1).to_wire()),
        text("pub_1")
    );
    let mut dup = PubAck::stored("D", "hub", 2);
    dup.duplicate = true;
    assert_eq!(
        String::from_utf8_lossy(&dup.to_wire()),
        text("domain_pub_duplicate")
    );
    let failed = PubAck::failed("ORDERS", ApiError::wrong_last_msg_id("m1"));
    assert_eq!(
        String::from_utf8_lossy(&failed.to_wire()),
        text("pub_wrong_last_msg_id")
    );
    let failed = PubAck::failed("D", ErrorId::StreamNotMatchErr.into());
    assert_eq!(
        String::from_utf8_lossy(&failed.to_wire()),
        text("domain_pub_error")
    );
    let mut batch = PubAck::stored("C5", "", 2);
    batch.batch = "b1".into();
    batch.count = 2;
    assert_eq!(
        String::from_utf8_lossy(&batch.to_wire()),
        text("pub_batch_commit")
    );
    let mut counter = PubAck::stored("CNT", "", 1);
    counter.val = "5".into();
    assert_eq!(
        String::from_utf8_lossy(&counter.to_wire()),
        text("pub_counter")
    );
}
