//! Imports and exports: the only ways messages cross between accounts.
//!
//! An export offers a subject (a stream of messages, or a service taking
//! requests), publicly or to listed accounts; an import takes it into
//! another account, possibly under another name. At run time each import is
//! a forwarding subscription ([`Forward`]) in the subject index messages
//! come from: a stream import sits in the exporter's index and re-publishes
//! into the importer; a service import sits in the importer's index and
//! re-publishes requests into the exporter with a reply subject that only
//! routes answers back while the request is in flight ([`super::responses`]).
//! Nothing is visible across accounts that was not both exported and imported;
//! [`check_options`] refuses anything else, and cycles, when a file is loaded.

use std::sync::{Arc, Weak};
use std::time::Duration;

use natrium_subjects::mapping::SubjectMapping;
use natrium_subjects::{is_valid_subject, subject_is_subset_of, subjects_overlap};

use super::mapping::Mapped;
use super::responses::RESPONSE_PREFIX;
use super::{Account, Accounts, GLOBAL_ACCOUNT, SYSTEM_ACCOUNT};
use crate::client::delivery::{self, Delivered, Message, Publisher};
use crate::client::outbound::PendingFlush;
use crate::client::subscription::Subscription;
use crate::options::{
    AccountOptions, ExportKind, ExportOptions, ImportKind, ImportOptions, ResponseType,
    ServerOptions,
};

/// Forwarding depth at which a message stops crossing accounts (cycles are
/// refused at load; this only guards against what slipped through).
pub(crate) const MAX_HOPS: usize = 8;

/// A configuration whose accounts do not fit together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct AccountConfigError {
    pub location: String,
    pub message: String,
}

fn error(location: &str, message: String) -> AccountConfigError {
    AccountConfigError {
        location: location.to_string(),
        message,
    }
}

fn find<'a>(options: &'a ServerOptions, name: &str) -> Option<&'a AccountOptions> {
    options.accounts.iter().find(|a| a.name == name)
}

fn account_known(options: &ServerOptions, name: &str) -> bool {
    name == GLOBAL_ACCOUNT || name == SYSTEM_ACCOUNT || find(options, name).is_some()
}

/// The export of `exporter` that `import` (by `importer`) is allowed to use.
fn export_for<'a>(
    exporter: &'a AccountOptions,
    importer: &str,
    import: &ImportOptions,
) -> Option<&'a ExportOptions> {
    exporter.exports.iter().find(|export| {
        let kind_fits = matches!(
            (&export.kind, &import.kind),
            (ExportKind::Stream, ImportKind::Stream { .. })
                | (ExportKind::Service { .. }, ImportKind::Service { .. })
        );
        kind_fits
            && subject_is_subset_of(import.subject.as_bytes(), export.subject.as_bytes())
            && export
                .accounts
                .as_ref()
                .is_none_or(|allowed| allowed.iter().any(|a| a == importer))
    })
}

/// Checks that every import names a defined account and an export it may
/// use, every export's accounts exist, every mapping compiles, and that no
/// imports form a cycle. Errors read as nats-server's.
pub fn check_options(options: &ServerOptions) -> Result<(), AccountConfigError> {
    for account in &options.accounts {
        for mapping in &account.mappings {
            super::mapping::Mapping::compile(mapping)
                .map_err(|err| error(&mapping.location, err.to_string()))?;
        }
        for export in &account.exports {
            let kind = export_kind(export);
            if !is_valid_subject(export.subject.as_bytes()) {
                return Err(error(
                    &export.location,
                    format!(
                        "Error adding {kind} export {:?}: invalid subject",
                        export.subject
                    ),
                ));
            }
            for allowed in export.accounts.iter().flatten() {
                if !account_known(options, allowed) {
                    return Err(error(
                        &export.location,
                        format!("{allowed:?} account not defined for {kind} export"),
                    ));
                }
            }
        }
        for import in &account.imports {
            let kind = if import.is_service() {
                "service"
            } else {
                "stream"
            };
            let Some(exporter) = find(options, &import.account) else {
                if import.location.starts_with("account JWT") {
                    continue;
                }
                return Err(error(
                    &import.location,
                    format!("{:?} account not defined for {kind} import", import.account),
                ));
            };
            let local = import.local_subject();
            if !is_valid_subject(import.subject.as_bytes()) || !is_valid_subject(local.as_bytes()) {
                return Err(error(
                    &import.location,
                    format!(
                        "Error adding {kind} import {:?}: invalid subject",
                        import.subject
                    ),
                ));
            }
            // An account JWT's import the exporter does not (yet) allow is
            // left out, as nats-server marks it invalid; a file's is an error.
            let from_jwt = import.location.starts_with("account JWT");
            if export_for(exporter, &account.name, import).is_none() && !from_jwt {
                return Err(error(
                    &import.location,
                    format!(
                        "Error adding {kind} import {:?}: {kind} import not authorized",
                        import.subject
                    ),
                ));
            }
            if Rewrite::between(import).is_none() {
                return Err(error(
                    &import.location,
                    format!(
                        "Error adding {kind} import {:?}: can not map {:?} onto {local:?}",
                        import.subject, import.subject
                    ),
                ));
            }
        }
    }
    check_cycles(options)
}

fn export_kind(export: &ExportOptions) -> &'static str {
    match export.kind {
        ExportKind::Stream => "stream",
        ExportKind::Service { .. } => "service",
    }
}

/// One way messages flow: published in `from` on a subject overlapping
/// `from_subject`, they appear in `to` on `to_subject`.
struct Edge<'a> {
    from: &'a str,
    from_subject: String,
    to: &'a str,
    to_subject: String,
    import: &'a ImportOptions,
}

fn check_cycles(options: &ServerOptions) -> Result<(), AccountConfigError> {
    let mut edges = Vec::new();
    for account in &options.accounts {
        for import in &account.imports {
            let local = import.local_subject();
            edges.push(if import.is_service() {
                Edge {
                    from: &account.name,
                    from_subject: local,
                    to: &import.account,
                    to_subject: import.subject.clone(),
                    import,
                }
            } else {
                Edge {
                    from: &import.account,
                    from_subject: import.subject.clone(),
                    to: &account.name,
                    to_subject: local,
                    import,
                }
            });
        }
    }
    for (start, edge) in edges.iter().enumerate() {
        let mut path = vec![start];
        if returns_to(&edges, edge, edge.to, &edge.to_subject, &mut path) {
            let kind = if edge.import.is_service() {
                "service"
            } else {
                "stream"
            };
            return Err(error(
                &edge.import.location,
                format!(
                    "Error adding {kind} import {:?}: import forms a cycle",
                    edge.import.subject
                ),
            ));
        }
    }
    Ok(())
}

/// Whether messages arriving in `account` on `subject` can flow back to the
/// start of `first`.
fn returns_to(
    edges: &[Edge<'_>],
    first: &Edge<'_>,
    account: &str,
    subject: &str,
    path: &mut Vec<usize>,
) -> bool {
    if account == first.from && subjects_overlap(subject.as_bytes(), first.from_subject.as_bytes())
    {
        return true;
    }
    for (index, edge) in edges.iter().enumerate() {
        if path.contains(&index)
            || edge.from != account
            || !subjects_overlap(subject.as_bytes(), edge.from_subject.as_bytes())
        {
            continue;
        }
        path.push(index);
        if returns_to(edges, first, edge.to, &edge.to_subject, path) {
            return true;
        }
        path.pop();
    }
    false
}

/// How a forwarded message's subject changes on the way.
#[derive(Debug)]
pub enum Rewrite {
    Same,
    Prefix(Vec<u8>),
    Map(SubjectMapping),
}

impl Rewrite {
    /// The rewrite from where an import's messages are published to where
    /// they are received; `None` when the two subjects cannot be mapped.
    fn between(import: &ImportOptions) -> Option<Rewrite> {
        let local = import.local_subject();
        match &import.kind {
            ImportKind::Stream {
                prefix: Some(prefix),
                ..
            } => Some(Rewrite::Prefix(format!("{prefix}.").into_bytes())),
            ImportKind::Stream { .. } => Rewrite::mapping(&import.subject, &local),
            ImportKind::Service { .. } => Rewrite::mapping(&local, &import.subject),
        }
    }

    /// Maps `from` onto `to`, the n-th wildcard of one onto the n-th of the other.
    fn mapping(from: &str, to: &str) -> Option<Rewrite> {
        if from == to {
            return Some(Rewrite::Same);
        }
        let mut n = 0;
        let destination: Vec<String> = to
            .split('.')
            .map(|token| {
                if token == "*" {
                    n += 1;
                    format!("${n}")
                } else {
                    token.to_string()
                }
            })
            .collect();
        SubjectMapping::new(from, &destination.join("."))
            .ok()
            .map(Rewrite::Map)
    }

    fn apply(&self, subject: &[u8]) -> Option<Vec<u8>> {
        match self {
            Rewrite::Same => Some(subject.to_vec()),
            Rewrite::Prefix(prefix) => {
                let mut out = Vec::with_capacity(prefix.len() + subject.len());
                out.extend_from_slice(prefix);
                out.extend_from_slice(subject);
                Some(out)
            }
            Rewrite::Map(mapping) => mapping
                .apply(std::str::from_utf8(subject).ok()?)
                .map(String::into_bytes),
        }
    }
}

/// What a forwarding subscription does with a message it matched.
#[derive(Debug)]
pub enum Forward {
    /// A stream import: into the importer, renamed. `trace`: the import's
    /// `allow_trace` (message traces go on into the importer).
    Stream {
        to: Weak<Account>,
        rewrite: Rewrite,
        trace: bool,
    },
    /// A service import: the request into the exporter, with a reply that
    /// routes back to `requester` for the export's response type.
    Service {
        to: Weak<Account>,
        requester: Weak<Account>,
        rewrite: Rewrite,
        response: ResponseType,
        threshold: Duration,
        /// Tell the exporter who asked (a `Nats-Request-Info` header).
        share: bool,
        /// The export's latency tracking, when it has it.
        latency: Option<crate::options::ServiceLatency>,
        /// The export's `allow_trace`: message traces go on into the exporter.
        trace: bool,
    },
    /// `_R_.>` in an exporting account: responses to forwarded requests.
    Responses { owner: Weak<Account> },
}

/// Where a forwarded message goes next.
pub struct Hop {
    pub account: Arc<Account>,
    pub subject: Vec<u8>,
    pub reply: Option<Vec<u8>>,
    /// Headers replaced on the way (a shared service import adds who asked).
    pub headers: Option<Vec<u8>>,
    /// A latency measurement to publish in the exporting account.
    pub metric: Option<(Arc<Account>, String, Vec<u8>)>,
}

impl Hop {
    /// The message as it arrives there: renamed (when it was routed on its
    /// own subject; an internal publisher's shown subject stays), with the
    /// hop's reply and headers, the payload unchanged.
    pub fn message<'a>(&'a self, original: &Message<'a>, route: &[u8]) -> Message<'a> {
        let shown = if original.subject == route {
            &self.subject[..]
        } else {
            original.subject
        };
        Message {
            subject: shown,
            reply: self.reply.as_deref(),
            headers: self.headers.as_deref().or(original.headers),
            payload: original.payload,
        }
    }
}

impl Forward {
    /// Where a message matched on `route` goes next (the route is its subject,
    /// unless an internal publisher showed another, as JetStream does).
    pub(crate) fn hop(
        &self,
        message: &Message<'_>,
        route: &[u8],
        publisher: &Publisher<'_>,
    ) -> Option<Hop> {
        let mut headers = None;
        let mut metric = None;
        let (account, subject, reply) = match self {
            Forward::Stream { to, rewrite, .. } => (
                to.upgrade()?,
                rewrite.apply(route)?,
                message.reply.map(<[u8]>::to_vec),
            ),
            Forward::Service {
                to,
                requester,
                rewrite,
                response,
                threshold,
                share,
                latency,
                ..
            } => {
                let exporter = to.upgrade()?;
                let requester = requester.upgrade()?;
                // Every request across a service import says which account
                // asked (and, when shared, who), as nats-server's do.
                headers = Some(request_info_headers(
                    message.headers,
                    publisher,
                    &requester,
                    *share,
                ));
                let reply = match message.reply {
                    Some(reply) => {
                        let tracked = latency
                            .as_ref()
                            .filter(|latency| sampled(latency, message.headers))
                            .map(|latency| track(latency, publisher, &requester));
                        Some(
                            exporter
                                .responses
                                .register(&requester, reply, *response, *threshold, tracked),
                        )
                    }
                    None => None,
                };
                (exporter, rewrite.apply(route)?, reply)
            }
            Forward::Responses { owner } => {
                let owner = owner.upgrade()?;
                let routed = owner.responses.route(route)?;
                if let Some(tracked) = routed.tracked {
                    metric = Some(latency_metric(&owner, &tracked, publisher));
                }
                (
                    routed.account,
                    routed.reply.into_vec(),
                    message.reply.map(<[u8]>::to_vec),
                )
            }
        };
        let subject = match account.map_subject(&subject, || rand::random::<u8>() % 100) {
            Mapped::Unchanged => subject,
            Mapped::To(mapped) => mapped.into_bytes(),
            Mapped::Dropped => return None,
        };
        Some(Hop {
            account,
            subject,
            reply,
            headers,
            metric,
        })
    }
}

/// Whether a request to a latency-tracked export is measured: by its
/// sampling percentage, or (sampling "headers") when it carries a tracing header.
fn sampled(latency: &crate::options::ServiceLatency, headers: Option<&[u8]>) -> bool {
    if latency.sampling == 0 {
        let Some(headers) = headers else {
            return false;
        };
        let text = String::from_utf8_lossy(headers).to_ascii_lowercase();
        return [
            "traceparent:",
            "uber-trace-id:",
            "x-b3-sampled:",
            "x-b3-traceid:",
        ]
        .iter()
        .any(|h| text.contains(h));
    }
    latency.sampling >= 100 || rand::random::<u8>() % 100 < latency.sampling
}

/// Who a client is, as service latency metrics describe requestor and responder.
fn client_info(account: &str, publisher: &Publisher<'_>) -> serde_json::Value {
    let metadata = publisher.client.metadata.lock().clone();
    let mut info = serde_json::json!({
        "acc": account,
        "start": crate::monitoring::rfc3339(publisher.client.start),
        "host": publisher.client.addr.ip().to_string(),
        "id": publisher.client.id,
        "user": metadata.user,
        "lang": metadata.lang,
        "ver": metadata.version,
        "kind": "Client",
        "client_type": "nats",
    });
    if !metadata.name.is_empty() {
        info["name"] = serde_json::json!(metadata.name);
    }
    if let Some(rtt) = metadata.rtt {
        info["rtt"] = serde_json::json!(rtt.as_nanos() as u64);
    }
    info
}

fn track(
    latency: &crate::options::ServiceLatency,
    publisher: &Publisher<'_>,
    requester: &Account,
) -> Box<super::responses::Tracked> {
    // Without sharing, the requestor is only its account (and round trip),
    // as nats-server reports it.
    let mut requestor = serde_json::json!({ "acc": requester.name });
    if let Some(rtt) = publisher.client.metadata.lock().rtt {
        requestor["rtt"] = serde_json::json!(rtt.as_nanos() as u64);
    }
    Box::new(super::responses::Tracked {
        subject: latency.subject.clone(),
        requestor,
        started: std::time::Instant::now(),
        started_at: std::time::SystemTime::now(),
    })
}

/// The `io.nats.server.metric.v1.service_latency` event of a tracked request
/// answered by `publisher` in `exporter`.
fn latency_metric(
    exporter: &Arc<Account>,
    tracked: &super::responses::Tracked,
    publisher: &Publisher<'_>,
) -> (Arc<Account>, String, Vec<u8>) {
    let service = tracked.started.elapsed().as_nanos() as u64;
    let event = serde_json::json!({
        "type": "io.nats.server.metric.v1.service_latency",
        "id": crate::system::events::event_id(),
        "timestamp": crate::monitoring::rfc3339(std::time::SystemTime::now()),
        "status": 200,
        "requestor": tracked.requestor,
        "responder": client_info(&exporter.name, publisher),
        "start": crate::monitoring::rfc3339(tracked.started_at),
        "service": service,
        "system": 0,
        "total": service,
    });
    (
        exporter.clone(),
        tracked.subject.clone(),
        event.to_string().into_bytes(),
    )
}

/// The message's headers plus `Nats-Request-Info`: the requesting account
/// and round trip, and for shared imports the client too, as nats-server
/// adds it to requests crossing a service import.
fn request_info_headers(
    existing: Option<&[u8]>,
    publisher: &Publisher<'_>,
    account: &Account,
    share: bool,
) -> Vec<u8> {
    // Read under the lock, not cloned: this runs for every forwarded request.
    let metadata = publisher.client.metadata.lock();
    let mut info = serde_json::json!({ "acc": account.name });
    if let Some(rtt) = metadata.rtt {
        info["rtt"] = serde_json::json!(rtt.as_nanos() as u64);
    }
    if share {
        info["user"] = serde_json::json!(metadata.user);
        info["name"] = serde_json::json!(metadata.name);
        info["lang"] = serde_json::json!(metadata.lang);
        info["ver"] = serde_json::json!(metadata.version);
        info["id"] = serde_json::json!(publisher.client.id);
        info["host"] = serde_json::json!(publisher.client.addr.ip().to_string());
    }
    drop(metadata);
    let mut block = match existing {
        Some(headers) if headers.ends_with(b"\r\n\r\n") => headers[..headers.len() - 2].to_vec(),
        _ => b"NATS/1.0\r\n".to_vec(),
    };
    block.extend_from_slice(b"Nats-Request-Info: ");
    block.extend_from_slice(info.to_string().as_bytes());
    block.extend_from_slice(b"\r\n\r\n");
    block
}

/// Carries a delivered message on through the forwarding subscriptions it
/// matched on `route` (collected in `outcome.forwards`), delivering it in
/// each account it reaches. Deliveries count into `outcome.count`.
///
/// The route is what subscriptions matched: the message's subject, or for
/// internal publishers that show another subject (JetStream delivering a
/// stream message to a consumer's inbox) the inbox. Imports rewrite the
/// route; the shown subject follows it only when the two were the same.
pub fn follow(
    message: &Message<'_>,
    route: &[u8],
    publisher: &mut Publisher<'_>,
    pending: &mut PendingFlush,
    outcome: &mut Delivered,
    depth: usize,
) {
    if outcome.forwards.is_empty() {
        return;
    }
    let forwards = std::mem::take(&mut outcome.forwards);
    for forward in &forwards {
        let Some(hop) = forward.hop(message, route, publisher) else {
            continue;
        };
        let forwarded = hop.message(message, route);
        let matches = hop.account.matches(&hop.subject);
        // Inline services answer their own account's clients; a forwarded
        // request goes to the service's subscriber like any other.
        let inline = std::mem::replace(&mut publisher.inline, false);
        delivery::deliver(&matches, &forwarded, publisher, pending, outcome);
        if depth + 1 < MAX_HOPS {
            follow(
                &forwarded,
                &hop.subject,
                publisher,
                pending,
                outcome,
                depth + 1,
            );
        } else {
            outcome.forwards.clear();
        }
        if let Some((account, subject, payload)) = &hop.metric {
            // The latency measurement, published in the exporting account
            // (and on through its imports, if it exports the subject).
            let measurement = Message {
                subject: subject.as_bytes(),
                reply: None,
                headers: None,
                payload,
            };
            let matches = account.matches(subject.as_bytes());
            delivery::deliver(&matches, &measurement, publisher, pending, outcome);
            if depth + 1 < MAX_HOPS {
                follow(
                    &measurement,
                    subject.as_bytes(),
                    publisher,
                    pending,
                    outcome,
                    depth + 1,
                );
            }
            outcome.forwards.clear();
        }
        publisher.inline = inline;
    }
    // Every hop consumed what it collected: keep the list's capacity.
    let mut forwards = forwards;
    forwards.clear();
    outcome.forwards = forwards;
}

/// The service imports every account has from the system account (as in
/// nats-server): its own connections, statistics and user information,
/// asked for under the generic subjects the tools use.
pub fn system_imports(account: &str, system: &str) -> Vec<ImportOptions> {
    let import = |subject: String, to: &str, share: bool| ImportOptions {
        account: system.to_string(),
        subject,
        kind: ImportKind::Service {
            to: Some(to.to_string()),
            share,
        },
        allow_trace: false,
        location: String::new(),
    };
    vec![
        import(
            format!("$SYS.REQ.ACCOUNT.{account}.CONNZ"),
            "$SYS.REQ.ACCOUNT.PING.CONNZ",
            false,
        ),
        import(
            format!("$SYS.REQ.ACCOUNT.{account}.CONNZ"),
            "$SYS.REQ.SERVER.PING.CONNZ",
            false,
        ),
        import(
            format!("$SYS.REQ.ACCOUNT.{account}.STATZ"),
            "$SYS.REQ.ACCOUNT.PING.STATZ",
            false,
        ),
        import(
            format!("$SYS.REQ.USER.{account}.INFO"),
            "$SYS.REQ.USER.INFO",
            true,
        ),
    ]
}

/// An account's imports: configured ones, then the system imports.
pub fn all_imports(shared: &crate::server::ServerShared, account: &Account) -> Vec<ImportOptions> {
    let mut imports = account.config().imports.clone();
    let system = shared.accounts.system_name();
    if account.name != system {
        imports.extend(system_imports(&account.name, &system));
    }
    imports
}

/// Replaces every account's forwarding subscriptions with those the
/// options' imports and exports call for.
pub fn install(accounts: &Accounts, options: &ServerOptions) {
    for account in accounts.all() {
        let old = std::mem::take(&mut *account.forwards.lock());
        for subscription in old {
            subscription.remove_from_index();
        }
    }
    let system = accounts.system();
    for account in accounts.all() {
        if Arc::ptr_eq(&account, &system) {
            continue;
        }
        for import in system_imports(&account.name, &system.name) {
            let (Some(rewrite), ImportKind::Service { share, .. }) =
                (Rewrite::between(&import), &import.kind)
            else {
                continue;
            };
            let forward = Forward::Service {
                to: Arc::downgrade(&system),
                requester: Arc::downgrade(&account),
                rewrite,
                response: ResponseType::Singleton,
                threshold: crate::options::DEFAULT_RESPONSE_THRESHOLD,
                share: *share,
                latency: None,
                trace: false,
            };
            add_forward(&account, &account, &import.local_subject(), forward);
        }
    }
    let responses = Forward::Responses {
        owner: Arc::downgrade(&system),
    };
    add_forward(&system, &system, &format!("{RESPONSE_PREFIX}>"), responses);
    for account in &options.accounts {
        let owner = accounts.get_or_create(&account.name);
        let has_services = account
            .exports
            .iter()
            .any(|e| matches!(e.kind, ExportKind::Service { .. }));
        if has_services && !Arc::ptr_eq(&owner, &system) {
            let responses = Forward::Responses {
                owner: Arc::downgrade(&owner),
            };
            add_forward(&owner, &owner, &format!("{RESPONSE_PREFIX}>"), responses);
        }
        for import in &account.imports {
            let Some(exporter_options) = find(options, &import.account) else {
                continue;
            };
            let (Some(export), Some(rewrite)) = (
                export_for(exporter_options, &account.name, import),
                Rewrite::between(import),
            ) else {
                continue;
            };
            let exporter = accounts.get_or_create(&import.account);
            match &export.kind {
                ExportKind::Stream => {
                    let forward = Forward::Stream {
                        to: Arc::downgrade(&owner),
                        rewrite,
                        trace: import.allow_trace,
                    };
                    add_forward(&owner, &exporter, &import.subject, forward);
                }
                ExportKind::Service {
                    response,
                    threshold,
                    latency,
                } => {
                    let share = matches!(import.kind, ImportKind::Service { share: true, .. });
                    let forward = Forward::Service {
                        to: Arc::downgrade(&exporter),
                        requester: Arc::downgrade(&owner),
                        rewrite,
                        response: *response,
                        threshold: *threshold,
                        share,
                        latency: latency.clone(),
                        trace: export.allow_trace,
                    };
                    add_forward(&owner, &owner, &import.local_subject(), forward);
                }
            }
        }
    }
}

/// Puts a forwarding subscription on `subject` into `index_of`'s index,
/// remembered by `owner` so a reload can remove it.
fn add_forward(owner: &Arc<Account>, index_of: &Arc<Account>, subject: &str, forward: Forward) {
    let subscription = Arc::new(
        Subscription::new(
            index_of.forwarder(),
            index_of.clone(),
            subject.as_bytes(),
            None,
            format!("import:{}:{subject}", owner.name).as_bytes(),
            Vec::new(),
        )
        .with_forward(Arc::new(forward)),
    );
    if index_of.subscribe(&subscription).is_ok() {
        owner.forwards.lock().push(subscription);
    }
}
