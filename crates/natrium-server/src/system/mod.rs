//! The system account's services: `$SYS` requests answered with the same
//! JSON the monitoring endpoints give, and the events the server publishes.
//!
//! One internal client in the system account subscribes to the request
//! subjects (`$SYS.REQ.SERVER.PING[.<EP>]`, `$SYS.REQ.SERVER.<id>.<EP>`,
//! `$SYS.REQ.ACCOUNT.<acc>.<EP>`, `$SYS.REQ.USER.<acc>.INFO`) and answers
//! on a task of its own; other accounts reach their own parts through the
//! system imports every account has ([`crate::account::imports::system_imports`]).
//! Events ([`events`]) go out through the same client, so a subscriber in
//! the system account sees `$SYS.ACCOUNT.<acc>.CONNECT`/`DISCONNECT` and
//! the `$SYS.SERVER.<id>.STATSZ` heartbeat exactly as nats-server sends them.

pub mod events;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

use serde_json::{json, Value};

use crate::internal::{InternalClient, InternalInbox, InternalMessage};
use crate::monitoring::{self, Query};
use crate::options::COMPATIBLE_VERSION;
use crate::server::ServerShared;

/// What `$SYS.REQ.SERVER.PING.<EP>` and `$SYS.REQ.SERVER.<id>.<EP>` answer.
const SERVER_ENDPOINTS: [&str; 12] = [
    "VARZ", "CONNZ", "SUBSZ", "ROUTEZ", "GATEWAYZ", "LEAFZ", "ACCOUNTZ", "ACCSTATZ", "JSZ",
    "HEALTHZ", "STATSZ", "IDZ",
];
/// What `$SYS.REQ.ACCOUNT.<acc>.<EP>` answers.
const ACCOUNT_ENDPOINTS: [&str; 7] = ["CONNZ", "SUBSZ", "INFO", "JSZ", "CONNS", "LEAFZ", "STATZ"];

/// How often the server's statistics are published on `$SYS.SERVER.<id>.STATSZ`.
const STATSZ_EVERY: Duration = Duration::from_secs(10);

pub struct SystemAccount {
    shared: Weak<ServerShared>,
    client: Arc<InternalClient>,
    /// The `seq` of the server block in every event and response.
    sequence: AtomicU64,
}

impl SystemAccount {
    /// Subscribes the system account's request subjects and starts answering.
    pub fn start(
        shared: &Arc<ServerShared>,
    ) -> Result<Arc<SystemAccount>, natrium_subjects::SubjectError> {
        let (client, inbox) = InternalClient::connect(shared, shared.accounts.system(), "$SYS");
        // Exactly the endpoints answered, so others get no responders.
        client.subscribe("$SYS.REQ.SERVER.PING", None)?;
        for endpoint in SERVER_ENDPOINTS {
            client.subscribe(&format!("$SYS.REQ.SERVER.PING.{endpoint}"), None)?;
            client.subscribe(&format!("$SYS.REQ.SERVER.{}.{endpoint}", shared.id), None)?;
        }
        for endpoint in ACCOUNT_ENDPOINTS {
            client.subscribe(&format!("$SYS.REQ.ACCOUNT.*.{endpoint}"), None)?;
        }
        client.subscribe("$SYS.REQ.USER.*.INFO", None)?;
        let system = Arc::new(SystemAccount {
            shared: Arc::downgrade(shared),
            client,
            sequence: AtomicU64::new(0),
        });
        tokio::spawn(system.clone().serve(inbox));
        tokio::spawn(system.clone().heartbeat());
        Ok(system)
    }

    async fn serve(self: Arc<Self>, mut inbox: InternalInbox) {
        while let Some(message) = inbox.next().await {
            let Some(shared) = self.shared.upgrade() else {
                break;
            };
            if let (Some(reply), Some(body)) = (&message.reply, self.answer(&shared, &message)) {
                self.client
                    .publish(reply.as_bytes(), None, None, body.to_string().as_bytes());
            }
        }
    }

    async fn heartbeat(self: Arc<Self>) {
        let mut ticker = tokio::time::interval(STATSZ_EVERY);
        loop {
            ticker.tick().await;
            let Some(shared) = self.shared.upgrade() else {
                break;
            };
            if shared.is_shutting_down() {
                break;
            }
            let subject = format!("$SYS.SERVER.{}.STATSZ", shared.id);
            let body = json!({ "server": self.server_block(&shared), "statsz": statsz(&shared) });
            self.publish(&subject, &body);
        }
    }

    /// Publishes an event in the system account.
    pub fn publish(&self, subject: &str, body: &Value) {
        self.client
            .publish(subject.as_bytes(), None, None, body.to_string().as_bytes());
    }

    /// The `server` block of events and responses.
    pub fn server_block(&self, shared: &ServerShared) -> Value {
        let jetstream = shared.options().jetstream.enabled;
        json!({
            "name": shared.name,
            "host": shared.options().host,
            "id": shared.id,
            "ver": COMPATIBLE_VERSION,
            "jetstream": jetstream,
            "flags": if jetstream { 7 } else { 3 },
            "seq": self.sequence.fetch_add(1, Ordering::Relaxed) + 1,
            "time": monitoring::rfc3339(SystemTime::now()),
        })
    }

    /// The response to one request, `None` for subjects nobody answers.
    fn answer(&self, shared: &ServerShared, message: &InternalMessage) -> Option<Value> {
        let tokens: Vec<&str> = message.subject.split('.').collect();
        let query = query_from_json(&message.payload);
        let wrap = |data: Value| json!({ "server": self.server_block(shared), "data": data });
        match tokens.as_slice() {
            ["$SYS", "REQ", "SERVER", "PING"] => {
                Some(json!({ "server": self.server_block(shared), "statsz": statsz(shared) }))
            }
            ["$SYS", "REQ", "SERVER", target, endpoint]
                if *target == "PING" || *target == shared.id =>
            {
                if *endpoint == "IDZ" {
                    return Some(
                        json!({ "name": shared.name, "host": shared.options().host, "id": shared.id }),
                    );
                }
                if *endpoint == "STATSZ" {
                    return Some(
                        json!({ "server": self.server_block(shared), "statsz": statsz(shared) }),
                    );
                }
                server_endpoint(shared, endpoint, &query).map(wrap)
            }
            ["$SYS", "REQ", "ACCOUNT", account, endpoint] => {
                let account = shared.accounts.get(account)?;
                self.account_endpoint(shared, &account, endpoint, &query)
            }
            ["$SYS", "REQ", "USER", account, "INFO"] => {
                let info = request_info(message)?;
                let user = info["user"].as_str().unwrap_or_default().to_string();
                Some(wrap(user_info(shared, account, &user)))
            }
            _ => None,
        }
    }

    fn account_endpoint(
        &self,
        shared: &ServerShared,
        account: &crate::account::Account,
        endpoint: &str,
        query: &Query,
    ) -> Option<Value> {
        let name = account.name.clone();
        let scoped = Query::from_pairs(query.pairs().chain([("acc".to_string(), name.clone())]));
        let data = match endpoint {
            "CONNZ" => monitoring::connz::connz(shared, &scoped),
            "SUBSZ" => {
                let with_subs = Query::from_pairs(
                    scoped
                        .pairs()
                        .chain([("subs".to_string(), "1".to_string())]),
                );
                monitoring::subsz::subsz(shared, &with_subs)
            }
            "INFO" => monitoring::other::account_detail(shared, account),
            "JSZ" => account
                .jetstream()
                .map(|js| js.monitoring())
                .unwrap_or_else(|| json!({})),
            "LEAFZ" => monitoring::other::leafz(shared),
            "STATZ" => json!({
                "server_id": shared.id,
                "now": monitoring::rfc3339(SystemTime::now()),
                "account_statz": [monitoring::other::account_statz(shared, account)],
            }),
            "CONNS" => {
                let mut body = monitoring::other::account_statz(shared, account);
                let header = json!({
                    "type": "io.nats.server.advisory.v1.account_connections",
                    "id": events::event_id(),
                    "timestamp": monitoring::rfc3339(SystemTime::now()),
                    "server": self.server_block(shared),
                });
                if let (Some(body), Some(header)) = (body.as_object_mut(), header.as_object()) {
                    for (key, value) in header.iter().rev() {
                        body.insert(key.clone(), value.clone());
                    }
                }
                return Some(reorder_event(body));
            }
            _ => return None,
        };
        Some(json!({ "server": self.server_block(shared), "data": data }))
    }
}

/// Puts an event's header fields first, as nats-server's JSON has them.
fn reorder_event(body: Value) -> Value {
    let Value::Object(map) = body else {
        return body;
    };
    let mut ordered = serde_json::Map::new();
    for key in ["type", "id", "timestamp", "server"] {
        if let Some(value) = map.get(key) {
            ordered.insert(key.to_string(), value.clone());
        }
    }
    for (key, value) in map {
        ordered.entry(key).or_insert(value);
    }
    Value::Object(ordered)
}

/// A monitoring endpoint by its `$SYS` name.
fn server_endpoint(shared: &ServerShared, endpoint: &str, query: &Query) -> Option<Value> {
    Some(match endpoint {
        "VARZ" => monitoring::varz::varz(shared),
        "CONNZ" => monitoring::connz::connz(shared, query),
        "SUBSZ" => monitoring::subsz::subsz(shared, query),
        "ROUTEZ" => monitoring::other::routez(shared),
        "GATEWAYZ" => monitoring::other::gatewayz(shared),
        "LEAFZ" => monitoring::other::leafz(shared),
        "ACCOUNTZ" => monitoring::other::accountz(shared, query),
        "ACCSTATZ" => monitoring::other::accstatz(shared, query),
        "JSZ" => monitoring::other::jsz(shared),
        "HEALTHZ" => {
            let (status, mut body) = monitoring::other::healthz(shared, query);
            body["status_code"] = json!(status.as_u16());
            body
        }
        _ => return None,
    })
}

/// `$SYS.REQ.SERVER.PING`'s `statsz`.
pub fn statsz(shared: &ServerShared) -> Value {
    let varz = monitoring::varz::varz(shared);
    let active_accounts = shared
        .accounts
        .all()
        .iter()
        .filter(|a| a.connections.load(Ordering::Relaxed) > 0)
        .count();
    let mut statsz = json!({
        "start": varz["start"],
        "mem": varz["mem"],
        "cores": varz["cores"],
        "cpu": varz["cpu"],
        "connections": varz["connections"],
        "total_connections": varz["total_connections"],
        "active_accounts": active_accounts,
        "subscriptions": varz["subscriptions"],
        "sent": { "msgs": varz["out_msgs"], "bytes": varz["out_bytes"] },
        "received": { "msgs": varz["in_msgs"], "bytes": varz["in_bytes"] },
        "slow_consumers": varz["slow_consumers"],
        "active_servers": 1,
    });
    if varz["jetstream"]
        .as_object()
        .is_some_and(|js| !js.is_empty())
    {
        statsz["jetstream"] = varz["jetstream"].clone();
    }
    statsz["gomaxprocs"] = varz["gomaxprocs"].clone();
    statsz
}

/// `$SYS.REQ.USER.INFO`: who the requester is.
fn user_info(shared: &ServerShared, account: &str, user: &str) -> Value {
    let options = shared.options();
    let mut info = json!({ "user": user, "account": account, "account_name": account });
    if let Some(permissions) = options
        .auth
        .users
        .iter()
        .find(|u| u.name() == user)
        .and_then(|u| u.permissions.as_ref())
    {
        info["permissions"] = permissions_json(permissions);
    }
    info
}

fn permissions_json(permissions: &crate::permissions::Permissions) -> Value {
    let direction = |p: &crate::permissions::SubjectPermission| {
        let mut value = json!({});
        if let Some(allow) = &p.allow {
            value["allow"] = json!(allow);
        }
        if !p.deny.is_empty() {
            value["deny"] = json!(p.deny);
        }
        value
    };
    let mut value = json!({
        "publish": direction(&permissions.publish),
        "subscribe": direction(&permissions.subscribe),
    });
    if let Some(response) = &permissions.response {
        value["responses"] =
            json!({ "max": response.max_msgs, "ttl": response.expires.as_nanos() as u64 });
    }
    value
}

/// The `Nats-Request-Info` header a shared service import added.
fn request_info(message: &InternalMessage) -> Option<Value> {
    let headers = message.headers.as_ref()?;
    let text = std::str::from_utf8(headers).ok()?;
    let line = text
        .lines()
        .find_map(|line| line.strip_prefix("Nats-Request-Info:"))?;
    serde_json::from_str(line.trim()).ok()
}

/// Request options arrive as JSON (`{"subscriptions": true, "account": "A"}`);
/// monitoring reads URL-style pairs.
fn query_from_json(payload: &[u8]) -> Query {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(payload) else {
        return Query::from_pairs([]);
    };
    let mut pairs = Vec::new();
    for (key, value) in fields {
        let text = match &value {
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            _ => continue,
        };
        let key = match key.as_str() {
            "subscriptions" => "subs".to_string(),
            "subscriptions_detail" if value == Value::Bool(true) => {
                pairs.push(("subs".to_string(), "detail".to_string()));
                continue;
            }
            "account" => "acc".to_string(),
            other => other.to_string(),
        };
        pairs.push((key, text));
    }
    Query::from_pairs(pairs)
}
