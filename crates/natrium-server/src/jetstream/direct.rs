//! Direct Get (ADR-31): reading messages without the JSON envelope.
//!
//! `$JS.API.DIRECT.GET.<stream>` takes a JSON request (`seq`,
//! `last_by_subj`, `next_by_subj`, `batch`, `max_bytes`) and
//! `$JS.API.DIRECT.GET.<stream>.<subject>` asks for the subject's last
//! message. Replies carry the stored message as payload, with `Nats-Stream`,
//! `Nats-Subject`, `Nats-Sequence` and `Nats-Time-Stamp` headers; a batch
//! adds `Nats-Num-Pending` and `Nats-Last-Sequence` and ends with a
//! `204 EOB` status. Misses answer `404 Message Not Found`, bad requests
//! `408`. Clients' KV `get` uses this path when a stream allows direct gets.

use natrium_jetstream::headers::{self, HeaderBlock};
use natrium_jetstream::stream::MsgGetRequest;
use natrium_jetstream::subjects::Endpoint;
use natrium_jetstream::Timestamp;
use natrium_store::{StoreError, StoredMessage};

use std::sync::{Arc, Weak};

use crate::client::delivery::Message;
use crate::client::subscription::InlineService;

use super::stream::Stream;
use super::JetStream;

/// Direct gets answered on the requesting connection's task: a read needs
/// no write ordering, so it skips the hop to the JetStream thread (KV `get`
/// is one round trip shorter). Requests from internal publishers still go
/// through the JetStream thread's inbox.
pub(super) struct DirectGets {
    jetstream: Weak<JetStream>,
}

impl DirectGets {
    pub(super) fn new(jetstream: &Arc<JetStream>) -> DirectGets {
        DirectGets {
            jetstream: Arc::downgrade(jetstream),
        }
    }
}

impl InlineService for DirectGets {
    fn handle(&self, message: &Message<'_>) {
        let (Some(jetstream), Some(reply)) = (self.jetstream.upgrade(), message.reply) else {
            return;
        };
        let Ok(subject) = std::str::from_utf8(message.subject) else {
            return;
        };
        for (headers, payload) in jetstream.direct_get_replies(subject, message.payload) {
            jetstream
                .client
                .publish(reply, None, Some(&headers), &payload);
        }
    }
}

/// One reply message: header block and payload.
pub(super) type Reply = (Vec<u8>, Vec<u8>);

/// What a direct get asks for, after parsing.
enum Query {
    Sequence(u64),
    Last(String),
    Next { from: u64, filter: String },
}

impl JetStream {
    /// The replies to the direct get on `subject` (`...DIRECT.GET.<stream>`
    /// or `...DIRECT.GET.<stream>.<subject>`); a 503 status when the stream
    /// does not allow direct gets.
    pub(super) fn direct_get_replies(&self, subject: &str, body: &[u8]) -> Vec<Reply> {
        let endpoint = natrium_jetstream::subjects::parse(subject).map(|api| api.endpoint);
        let direct = match endpoint {
            Some(Endpoint::DirectGet(stream)) => Some((stream, None)),
            Some(Endpoint::DirectGetLast(stream, subject)) => Some((stream, Some(subject))),
            _ => None,
        };
        let Some((stream, subject)) = direct else {
            return Vec::new();
        };
        self.direct_get(stream, subject, body)
            .unwrap_or_else(|| vec![(b"NATS/1.0 503\r\n\r\n".to_vec(), Vec::new())])
    }

    /// The replies to a direct get, in order; `None` when the stream does not
    /// allow direct gets (nats-server does not listen then: no responders).
    pub(super) fn direct_get(
        &self,
        stream: &str,
        subject: Option<&str>,
        body: &[u8],
    ) -> Option<Vec<Reply>> {
        let stream = self
            .stream(stream)
            .filter(|s| s.config.allow_direct)
            .or_else(|| self.direct_mirror_of(stream))?;
        let status = |status| vec![(headers::status_block(status), Vec::new())];
        if let Some(subject) = subject {
            return Some(match stream.store.load_last(subject.as_bytes()) {
                Ok(message) => vec![reply(&stream, &message, None, true)],
                Err(_) => status(headers::STATUS_NOT_FOUND),
            });
        }
        let body = body.trim_ascii();
        if body.is_empty() {
            return Some(status(headers::STATUS_EMPTY_REQUEST));
        }
        let Ok(request) = serde_json::from_slice::<MsgGetRequest>(body) else {
            return Some(status(headers::STATUS_MALFORMED));
        };
        if !request.multi_last.is_empty() {
            return Some(multi_last(&stream, &request));
        }
        let Some(query) = query(&request) else {
            return Some(status(headers::STATUS_MALFORMED));
        };
        if request.batch <= 0 {
            let found = match &query {
                Query::Sequence(seq) => stream.store.load(*seq),
                Query::Last(subject) => stream.store.load_last(subject.as_bytes()),
                Query::Next { from, filter } => stream.store.load_next(filter.as_bytes(), *from),
            };
            return Some(match found {
                Ok(message) => vec![reply(&stream, &message, None, !request.no_headers)],
                Err(_) => status(headers::STATUS_NOT_FOUND),
            });
        }
        Some(batch(&stream, &query, &request))
    }
}

fn query(request: &MsgGetRequest) -> Option<Query> {
    match (
        request.sequence,
        request.last_by_subject.as_str(),
        request.next_by_subject.as_str(),
    ) {
        (_, last, next) if !last.is_empty() && !next.is_empty() => None,
        (0, last, "") if !last.is_empty() => Some(Query::Last(last.to_string())),
        (_, last, _) if !last.is_empty() => None,
        (from, "", next) if !next.is_empty() => Some(Query::Next {
            from: from.max(1),
            filter: next.to_string(),
        }),
        (0, "", "") if request.batch > 0 => Some(Query::Next {
            from: 1,
            filter: String::new(),
        }),
        (0, "", "") => None,
        (seq, _, _) => Some(Query::Sequence(seq)),
    }
}

/// Up to `batch` messages (and `max_bytes`), each with its pending count and
/// the previous sequence sent, then the end-of-batch status.
fn batch(stream: &Stream, query: &Query, request: &MsgGetRequest) -> Vec<Reply> {
    let (mut from, filter) = match query {
        Query::Sequence(seq) => (*seq, String::new()),
        Query::Next { from, filter } => (*from, filter.clone()),
        Query::Last(subject) => (1, subject.clone()),
    };
    let max_bytes = if request.max_bytes > 0 {
        request.max_bytes as usize
    } else {
        usize::MAX
    };
    let mut replies = Vec::new();
    let mut bytes = 0usize;
    let mut last_sent = 0u64;
    while replies.len() < request.batch as usize {
        let message = match stream.store.load_next(filter.as_bytes(), from) {
            Ok(message) => message,
            Err(StoreError::NotFound) | Err(StoreError::Deleted) => break,
            Err(_) => break,
        };
        let size = message.payload.len() + message.headers.len();
        if !replies.is_empty() && bytes + size > max_bytes {
            break;
        }
        bytes += size;
        let pending = stream
            .store
            .num_pending(message.seq + 1, filter.as_bytes(), false);
        replies.push(reply(
            stream,
            &message,
            Some((pending, last_sent)),
            !request.no_headers,
        ));
        last_sent = message.seq;
        from = message.seq + 1;
    }
    if replies.is_empty() {
        return vec![(headers::status_block(headers::STATUS_NOT_FOUND), Vec::new())];
    }
    let pending = stream.store.num_pending(from, filter.as_bytes(), false);
    let eob = headers::HeaderBuilder::with_status(headers::STATUS_EOB.0, headers::STATUS_EOB.1)
        .add(headers::NUM_PENDING, &pending.to_string())
        .add(headers::LAST_SEQUENCE, &last_sent.to_string())
        .finish();
    replies.push((eob, Vec::new()));
    replies
}

/// `multi_last`: the last message of every subject matching the filters,
/// as of `up_to_seq` (or `up_to_time`), in stream order, up to `batch`,
/// then an end-of-batch status that also names the sequence it was as of.
fn multi_last(stream: &Stream, request: &MsgGetRequest) -> Vec<Reply> {
    let state = stream.store.state(false);
    let mut up_to = state.last_seq;
    if request.up_to_seq > 0 {
        up_to = up_to.min(request.up_to_seq);
    }
    if let Some(nanos) = request.up_to_time.and_then(|t| t.unix_nanos()) {
        up_to = up_to.min(last_seq_before(stream, nanos, up_to));
    }
    let mut seqs = std::collections::BTreeSet::new();
    for filter in &request.multi_last {
        for subject in stream.store.subjects_state(filter.as_bytes()).keys() {
            if let Some(seq) = last_at_or_before(stream, subject.as_bytes(), up_to) {
                if seq >= request.sequence {
                    seqs.insert(seq);
                }
            }
        }
    }
    if seqs.is_empty() {
        return vec![(headers::status_block((404, "No Results")), Vec::new())];
    }
    let limit = if request.batch > 0 {
        request.batch as usize
    } else {
        usize::MAX
    };
    let total = seqs.len();
    let mut replies = Vec::new();
    let mut last_sent = 0u64;
    for (index, &seq) in seqs.iter().enumerate().take(limit) {
        let Ok(message) = stream.store.load(seq) else {
            continue;
        };
        let pending = (total - index - 1) as u64;
        replies.push(reply(
            stream,
            &message,
            Some((pending, last_sent)),
            !request.no_headers,
        ));
        last_sent = seq;
    }
    let pending = total.saturating_sub(limit) as u64;
    let eob = headers::HeaderBuilder::with_status(headers::STATUS_EOB.0, headers::STATUS_EOB.1)
        .add(headers::NUM_PENDING, &pending.to_string())
        .add(headers::LAST_SEQUENCE, &last_sent.to_string())
        .add(headers::UP_TO_SEQUENCE, &up_to.to_string())
        .finish();
    replies.push((eob, Vec::new()));
    replies
}

/// The last sequence of `subject` at or before `up_to`.
fn last_at_or_before(stream: &Stream, subject: &[u8], up_to: u64) -> Option<u64> {
    let last = stream.store.load_last(subject).ok()?;
    if last.seq <= up_to {
        return Some(last.seq);
    }
    // Older than the newest: walk forward from the start, keeping the last
    // match not past `up_to` (rare: only for an explicit up_to).
    let mut found = None;
    let mut from = 1;
    while let Ok(message) = stream.store.load_next(subject, from) {
        if message.seq > up_to {
            break;
        }
        found = Some(message.seq);
        from = message.seq + 1;
    }
    found
}

/// The last sequence stored before or at `nanos`, not past `up_to`.
fn last_seq_before(stream: &Stream, nanos: i64, up_to: u64) -> u64 {
    let mut last = 0;
    let mut from = 1;
    while let Ok(message) = stream.store.load_next(b">", from) {
        if message.timestamp > nanos || message.seq > up_to {
            break;
        }
        last = message.seq;
        from = message.seq + 1;
    }
    last
}

/// One message reply; `stored_headers: false` is the request's `no_hdr`.
fn reply(
    stream: &Stream,
    message: &StoredMessage,
    batch: Option<(u64, u64)>,
    stored_headers: bool,
) -> Reply {
    let stored = (stored_headers && !message.headers.is_empty())
        .then(|| HeaderBlock::parse(&message.headers).ok())
        .flatten();
    let headers = headers::direct_get_headers(
        stored.as_ref(),
        &stream.config.name,
        &String::from_utf8_lossy(&message.subject),
        message.seq,
        Timestamp::from_unix_nanos(message.timestamp),
        batch,
    );
    (headers, message.payload.to_vec())
}
