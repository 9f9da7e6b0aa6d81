//! Every JSON response captured from nats-server 2.14.0 decodes into our
//! types and encodes back to the identical bytes.

mod common;

use natrium_jetstream::api::*;
use natrium_jetstream::gojson;
use natrium_jetstream::PubAck;
use serde::de::DeserializeOwned;
use serde::Serialize;

fn same_bytes<T: Serialize + DeserializeOwned>(name: &str, text: &str) {
    let parsed: T = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
    let again = gojson::to_string(&parsed).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(again, text, "{name} does not round trip");
}

#[test]
fn every_json_response_round_trips_byte_for_byte() {
    let mut checked = 0;
    for fx in common::all() {
        let Some(text) = fx.response.as_deref() else {
            continue;
        };
        if fx.response_headers.is_some() || text.is_empty() || !text.starts_with('{') {
            continue;
        }
        let name = fx.name.as_str();
        match common::response_type(&fx).as_deref() {
            Some(StreamCreateBody::TYPE) => same_bytes::<StreamCreateResponse>(name, text),
            Some(StreamUpdateBody::TYPE) => same_bytes::<StreamUpdateResponse>(name, text),
            Some(StreamInfoBody::TYPE) => same_bytes::<StreamInfoResponse>(name, text),
            Some(StreamDeleteBody::TYPE) => same_bytes::<StreamDeleteResponse>(name, text),
            Some(StreamMsgDeleteBody::TYPE) => same_bytes::<StreamMsgDeleteResponse>(name, text),
            Some(StreamPurgeBody::TYPE) => same_bytes::<StreamPurgeResponse>(name, text),
            Some(StreamNamesBody::TYPE) => same_bytes::<StreamNamesResponse>(name, text),
            Some(StreamListBody::TYPE) => same_bytes::<StreamListResponse>(name, text),
            Some(StreamMsgGetBody::TYPE) => same_bytes::<StreamMsgGetResponse>(name, text),
            Some(ConsumerCreateBody::TYPE) => same_bytes::<ConsumerCreateResponse>(name, text),
            Some(ConsumerInfoBody::TYPE) => same_bytes::<ConsumerInfoResponse>(name, text),
            Some(ConsumerDeleteBody::TYPE) => same_bytes::<ConsumerDeleteResponse>(name, text),
            Some(ConsumerNamesBody::TYPE) => same_bytes::<ConsumerNamesResponse>(name, text),
            Some(ConsumerListBody::TYPE) => same_bytes::<ConsumerListResponse>(name, text),
            Some(ConsumerPauseBody::TYPE) => same_bytes::<ConsumerPauseResponse>(name, text),
            Some(ConsumerUnpinBody::TYPE) => same_bytes::<ConsumerUnpinResponse>(name, text),
            Some("io.nats.jetstream.api.v1.account_info_response") => {
                same_bytes::<AccountInfoResponse>(name, text)
            }
            Some(other) => panic!("{name}: unhandled type {other}"),
            None => {
                let ack: PubAck =
                    serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(String::from_utf8_lossy(&ack.to_wire()), text, "{name}");
            }
        }
        checked += 1;
    }
    assert!(checked > 250, "only {checked} responses checked");
}

#[test]
fn built_responses_match_captures() {
    let fx = common::get("delete_ok");
    let r = StreamDeleteResponse::ok(StreamDeleteBody { success: true });
    assert_eq!(r.to_vec(), fx.response.unwrap_or_default().as_bytes());

    let fx = common::get("delete_not_found");
    let r = StreamDeleteResponse::err(natrium_jetstream::ErrorId::StreamNotFoundErr);
    assert_eq!(r.to_vec(), fx.response.unwrap_or_default().as_bytes());

    let fx = common::get("info_not_found");
    let r = StreamInfoResponse::err(natrium_jetstream::ErrorId::StreamNotFoundErr);
    assert_eq!(r.to_vec(), fx.response.unwrap_or_default().as_bytes());

    let fx = common::get("purge_deny");
    let r = StreamPurgeResponse::err(natrium_jetstream::ApiError::with(
        natrium_jetstream::ErrorId::StreamPurgeFailedF,
        &[("err", "stream purge not permitted")],
    ));
    assert_eq!(r.to_vec(), fx.response.unwrap_or_default().as_bytes());

    let fx = common::get("names_empty");
    let r = StreamNamesResponse::ok(StreamNamesBody {
        paged: Paged::new(0, 0, NAMES_LIMIT),
        streams: None,
    });
    assert_eq!(r.to_vec(), fx.response.unwrap_or_default().as_bytes());

    let fx = common::get("list_empty");
    let r = StreamListResponse::ok(StreamListBody {
        paged: Paged::new(0, 0, LIST_LIMIT),
        ..Default::default()
    });
    assert_eq!(r.to_vec(), fx.response.unwrap_or_default().as_bytes());

    let fx = common::get("info_empty");
    let mut info = natrium_jetstream::AccountInfo::default();
    info.api.level = 4;
    let r = AccountInfoResponse::ok(info);
    assert_eq!(r.to_vec(), fx.response.unwrap_or_default().as_bytes());
}

#[test]
fn paging_matches_reference() {
    // names_offset: 15 streams, offset 2.
    let p = Paged::new(15, 2, NAMES_LIMIT);
    assert_eq!((p.total, p.offset, p.limit), (15, 2, 1024));
    assert_eq!(p.range(), 2..15);
    // list_offset_past: the offset is clamped to the total.
    let p = Paged::new(15, 100, LIST_LIMIT);
    assert_eq!((p.offset, p.range()), (15, 15..15));
    let p = Paged::new(3000, 1024, NAMES_LIMIT);
    assert_eq!(p.range(), 1024..2048);
    let p = Paged::new(10, -5, 4);
    assert_eq!(p.range(), 0..4);
}
