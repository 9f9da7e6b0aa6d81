//! The `$JS.API` subject space: constants and parsing.
//!
//! Requests arrive on `$JS.API.<ENDPOINT>[.<stream>[.<consumer>...]]`, or
//! `$JS.<domain>.API.…` when addressed to a JetStream domain. [`parse`]
//! splits a subject into an optional domain and an [`Endpoint`] borrowing
//! the names from the subject. Token counts are exact, as in nats-server:
//! `$JS.API.STREAM.CREATE.A.B` is not an API subject (the server stays
//! silent), which is how a name containing `.` gets no answer.

/// Prefix of every API subject.
pub const API_PREFIX: &str = "$JS.API";
/// Wildcard covering the API.
pub const API_ALL: &str = "$JS.API.>";
/// Account info.
pub const API_INFO: &str = "$JS.API.INFO";
/// Prefix of stream and consumer advisories.
pub const ADVISORY_PREFIX: &str = "$JS.EVENT.ADVISORY";
/// Prefix of acks to consumer deliveries.
pub const ACK_PREFIX: &str = "$JS.ACK";

/// One API endpoint, names borrowed from the subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint<'a> {
    /// `INFO`
    AccountInfo,
    /// `STREAM.CREATE.<stream>`
    StreamCreate(&'a str),
    /// `STREAM.UPDATE.<stream>`
    StreamUpdate(&'a str),
    /// `STREAM.NAMES`
    StreamNames,
    /// `STREAM.LIST`
    StreamList,
    /// `STREAM.INFO.<stream>`
    StreamInfo(&'a str),
    /// `STREAM.DELETE.<stream>`
    StreamDelete(&'a str),
    /// `STREAM.PURGE.<stream>`
    StreamPurge(&'a str),
    /// `STREAM.MSG.GET.<stream>`
    StreamMsgGet(&'a str),
    /// `STREAM.MSG.DELETE.<stream>`
    StreamMsgDelete(&'a str),
    /// `STREAM.SNAPSHOT.<stream>`
    StreamSnapshot(&'a str),
    /// `STREAM.RESTORE.<stream>`
    StreamRestore(&'a str),
    /// `STREAM.LEADER.STEPDOWN.<stream>`
    StreamLeaderStepdown(&'a str),
    /// `STREAM.PEER.REMOVE.<stream>`
    StreamPeerRemove(&'a str),
    /// `DIRECT.GET.<stream>` (request in the body)
    DirectGet(&'a str),
    /// `DIRECT.GET.<stream>.<subject…>` (last message on the subject)
    DirectGetLast(&'a str, &'a str),
    /// `CONSUMER.CREATE.<stream>[.<consumer>[.<filter…>]]`
    ConsumerCreate {
        /// Stream.
        stream: &'a str,
        /// Consumer name, absent for the legacy ephemeral form.
        consumer: Option<&'a str>,
        /// Filter subject from the subject.
        filter: Option<&'a str>,
    },
    /// `CONSUMER.DURABLE.CREATE.<stream>.<durable>`
    ConsumerDurableCreate(&'a str, &'a str),
    /// `CONSUMER.NAMES.<stream>`
    ConsumerNames(&'a str),
    /// `CONSUMER.LIST.<stream>`
    ConsumerList(&'a str),
    /// `CONSUMER.INFO.<stream>.<consumer>`
    ConsumerInfo(&'a str, &'a str),
    /// `CONSUMER.DELETE.<stream>.<consumer>`
    ConsumerDelete(&'a str, &'a str),
    /// `CONSUMER.PAUSE.<stream>.<consumer>`
    ConsumerPause(&'a str, &'a str),
    /// `CONSUMER.UNPIN.<stream>.<consumer>`
    ConsumerUnpin(&'a str, &'a str),
    /// `CONSUMER.RESET.<stream>.<consumer>`
    ConsumerReset(&'a str, &'a str),
    /// `CONSUMER.MSG.NEXT.<stream>.<consumer>`
    ConsumerMsgNext(&'a str, &'a str),
    /// `CONSUMER.LEADER.STEPDOWN.<stream>.<consumer>`
    ConsumerLeaderStepdown(&'a str, &'a str),
    /// `ACCOUNT.PURGE.<account>`
    AccountPurge(&'a str),
    /// `META.LEADER.STEPDOWN`
    MetaLeaderStepdown,
    /// `SERVER.REMOVE`
    ServerRemove,
}

/// A parsed API subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiSubject<'a> {
    /// The domain of `$JS.<domain>.API.…`, if any.
    pub domain: Option<&'a str>,
    /// The endpoint.
    pub endpoint: Endpoint<'a>,
}

/// Parses an API subject; `None` for anything that is not one.
pub fn parse(subject: &str) -> Option<ApiSubject<'_>> {
    let rest = subject.strip_prefix("$JS.")?;
    let (domain, rest) = match rest.strip_prefix("API.") {
        Some(r) => (None, r),
        None => {
            let (domain, r) = rest.split_once('.')?;
            let r = r.strip_prefix("API.")?;
            if domain.is_empty() {
                return None;
            }
            (Some(domain), r)
        }
    };
    if rest == "INFO" {
        return Some(ApiSubject {
            domain,
            endpoint: Endpoint::AccountInfo,
        });
    }
    let endpoint = parse_endpoint(rest)?;
    Some(ApiSubject { domain, endpoint })
}

fn parse_endpoint(rest: &str) -> Option<Endpoint<'_>> {
    use Endpoint as E;
    let t: Vec<&str> = rest.split('.').collect();
    if t.iter().any(|tok| tok.is_empty()) {
        return None;
    }
    Some(match t.as_slice() {
        ["STREAM", "CREATE", s] => E::StreamCreate(s),
        ["STREAM", "UPDATE", s] => E::StreamUpdate(s),
        ["STREAM", "NAMES"] => E::StreamNames,
        ["STREAM", "LIST"] => E::StreamList,
        ["STREAM", "INFO", s] => E::StreamInfo(s),
        ["STREAM", "DELETE", s] => E::StreamDelete(s),
        ["STREAM", "PURGE", s] => E::StreamPurge(s),
        ["STREAM", "MSG", "GET", s] => E::StreamMsgGet(s),
        ["STREAM", "MSG", "DELETE", s] => E::StreamMsgDelete(s),
        ["STREAM", "SNAPSHOT", s] => E::StreamSnapshot(s),
        ["STREAM", "RESTORE", s] => E::StreamRestore(s),
        ["STREAM", "LEADER", "STEPDOWN", s] => E::StreamLeaderStepdown(s),
        ["STREAM", "PEER", "REMOVE", s] => E::StreamPeerRemove(s),
        ["DIRECT", "GET", s] => E::DirectGet(s),
        ["DIRECT", "GET", s, ..] => {
            let prefix = "DIRECT.GET.".len() + s.len() + 1;
            E::DirectGetLast(s, rest.get(prefix..)?)
        }
        ["CONSUMER", "CREATE", s] => E::ConsumerCreate {
            stream: s,
            consumer: None,
            filter: None,
        },
        ["CONSUMER", "CREATE", s, c] => E::ConsumerCreate {
            stream: s,
            consumer: Some(c),
            filter: None,
        },
        ["CONSUMER", "CREATE", s, c, ..] => {
            let prefix = "CONSUMER.CREATE.".len() + s.len() + 1 + c.len() + 1;
            E::ConsumerCreate {
                stream: s,
                consumer: Some(c),
                filter: Some(rest.get(prefix..)?),
            }
        }
        ["CONSUMER", "DURABLE", "CREATE", s, d] => E::ConsumerDurableCreate(s, d),
        ["CONSUMER", "NAMES", s] => E::ConsumerNames(s),
        ["CONSUMER", "LIST", s] => E::ConsumerList(s),
        ["CONSUMER", "INFO", s, c] => E::ConsumerInfo(s, c),
        ["CONSUMER", "DELETE", s, c] => E::ConsumerDelete(s, c),
        ["CONSUMER", "PAUSE", s, c] => E::ConsumerPause(s, c),
        ["CONSUMER", "UNPIN", s, c] => E::ConsumerUnpin(s, c),
        ["CONSUMER", "RESET", s, c] => E::ConsumerReset(s, c),
        ["CONSUMER", "MSG", "NEXT", s, c] => E::ConsumerMsgNext(s, c),
        ["CONSUMER", "LEADER", "STEPDOWN", s, c] => E::ConsumerLeaderStepdown(s, c),
        ["ACCOUNT", "PURGE", a] => E::AccountPurge(a),
        ["META", "LEADER", "STEPDOWN"] => E::MetaLeaderStepdown,
        ["SERVER", "REMOVE"] => E::ServerRemove,
        _ => return None,
    })
}

/// `$JS.API.<suffix>` or `$JS.<domain>.API.<suffix>`.
pub fn api_subject(domain: Option<&str>, suffix: &str) -> String {
    match domain {
        Some(d) => format!("$JS.{d}.API.{suffix}"),
        None => format!("{API_PREFIX}.{suffix}"),
    }
}
