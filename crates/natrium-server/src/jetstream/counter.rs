//! Counters (ADR-49): streams whose subjects each hold a running total.
//!
//! A publish to a stream with `allow_msg_counter` carries no payload, only a
//! `Nats-Incr: +N` (or `-N`) header. The server loads the subject's last
//! value, adds the increment with arbitrary precision, and stores
//! `{"val":"<total>"}` with the publish's headers kept (and a previous
//! `Nats-Counter-Sources` header carried over, so sourcing state is never
//! lost). The acknowledgement reports the new total as `val`.

use natrium_jetstream::errors::ErrorId;
use natrium_jetstream::headers::{
    HeaderBlock, HeaderBuilder, COUNTER_SOURCES, EXPECTED_LAST_MSG_ID, EXPECTED_LAST_SEQ,
    EXPECTED_LAST_SUBJECT_SEQ, EXPECTED_STREAM, INCR, ROLLUP,
};
use natrium_jetstream::ApiError;
use natrium_store::MessageStore;
use num_bigint::BigInt;
use serde::{Deserialize, Serialize};

/// The body of a counter message.
#[derive(Serialize, Deserialize)]
struct CounterValue {
    val: String,
}

/// A counter publish, resolved: what to store and the total to acknowledge.
pub struct CounterUpdate {
    pub headers: Vec<u8>,
    pub body: Vec<u8>,
    pub total: String,
}

/// Resolves a publish against the counter rules. `Ok(None)`: not a counter
/// stream and no increment given, so store the message as it is.
pub fn resolve(
    allow_counters: bool,
    store: &dyn MessageStore,
    subject: &[u8],
    headers: Option<&HeaderBlock<'_>>,
    payload: &[u8],
) -> Result<Option<CounterUpdate>, ApiError> {
    let increment = headers.and_then(|h| h.get_str(INCR));
    if !allow_counters {
        return match increment {
            Some(_) => Err(ErrorId::MessageIncrDisabledErr.into()),
            None => Ok(None),
        };
    }
    let Some(increment) = increment else {
        return Err(ErrorId::MessageIncrMissingErr.into());
    };
    if !payload.is_empty() {
        return Err(ErrorId::MessageIncrPayloadErr.into());
    }
    let forbidden = [
        ROLLUP,
        EXPECTED_STREAM,
        EXPECTED_LAST_SEQ,
        EXPECTED_LAST_SUBJECT_SEQ,
        EXPECTED_LAST_MSG_ID,
    ];
    if forbidden
        .iter()
        .any(|name| headers.and_then(|h| h.get(name)).is_some())
    {
        return Err(ErrorId::MessageIncrInvalidErr.into());
    }
    let delta = parse_increment(increment).ok_or(ErrorId::MessageIncrInvalidErr)?;
    let (previous, sources) = match store.load_last(subject) {
        Ok(last) => {
            let value: CounterValue = serde_json::from_slice(&last.payload)
                .map_err(|_| ApiError::from(ErrorId::MessageCounterBrokenErr))?;
            let previous: BigInt = value
                .val
                .parse()
                .map_err(|_| ApiError::from(ErrorId::MessageCounterBrokenErr))?;
            let sources = HeaderBlock::parse(&last.headers)
                .ok()
                .and_then(|h| h.get_str(COUNTER_SOURCES).map(str::to_string));
            (previous, sources)
        }
        Err(_) => (BigInt::from(0), None),
    };
    let total = (previous + delta).to_string();
    let mut builder = match headers {
        Some(block) => HeaderBuilder::from_block(block),
        None => HeaderBuilder::new(),
    };
    if let Some(sources) =
        sources.filter(|_| headers.and_then(|h| h.get(COUNTER_SOURCES)).is_none())
    {
        builder = builder.add(COUNTER_SOURCES, &sources);
    }
    let body = serde_json::to_vec(&CounterValue { val: total.clone() }).unwrap_or_default();
    Ok(Some(CounterUpdate {
        headers: builder.finish(),
        body,
        total,
    }))
}

/// `+N`, `-N` or `N`: any integer, however large.
fn parse_increment(text: &str) -> Option<BigInt> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'+') => (false, &text[1..]),
        Some(b'-') => (true, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude: BigInt = digits.parse().ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn increments() {
        assert_eq!(parse_increment("+1"), Some(BigInt::from(1)));
        assert_eq!(parse_increment("-10"), Some(BigInt::from(-10)));
        assert_eq!(parse_increment("0"), Some(BigInt::from(0)));
        let huge = "+123456789012345678901234567890";
        assert_eq!(
            parse_increment(huge).map(|v| v.to_string()),
            Some(huge[1..].to_string())
        );
        for bad in ["", "+", "1.5", "+-1", "ten", " 1"] {
            assert_eq!(parse_increment(bad), None, "{bad:?}");
        }
    }
}
