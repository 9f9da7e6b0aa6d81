//! nats-server 2.14 decodes stream configs strictly: unknown fields are refused.

use natrium_jetstream::stream::StreamConfigRequest;

#[test]
fn unknown_fields_are_invalid_json() {
    let err = StreamConfigRequest::parse(br#"{"name":"A","subjects":["a"],"foo":1}"#).unwrap_err();
    assert_eq!((err.code, err.err_code), (400, 10025));
    assert_eq!(err.description, "invalid JSON: json: unknown field \"foo\"");
    let ok = StreamConfigRequest::parse(
        br#"{"name":"A","subjects":["a"],"pedantic":true,"max_msgs":5}"#,
    )
    .unwrap();
    assert!(ok.pedantic);
    assert_eq!(ok.config.max_msgs, 5);
}
