//! The advisories the server publishes in the system account when clients
//! come and go: `$SYS.ACCOUNT.<acc>.CONNECT`, `…DISCONNECT` and
//! `…SERVER.CONNS`, in nats-server's JSON.

use std::time::SystemTime;

use rand::Rng;
use serde_json::{json, Value};

use super::SystemAccount;
use crate::client::Client;
use crate::monitoring::rfc3339;
use crate::server::{ClosedClient, ServerShared};

/// A fresh event id (22 base62 characters, like a NUID).
pub fn event_id() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::thread_rng();
    (0..22)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

impl SystemAccount {
    fn event(&self, shared: &ServerShared, kind: &str) -> Value {
        json!({
            "type": format!("io.nats.server.advisory.v1.{kind}"),
            "id": event_id(),
            "timestamp": rfc3339(SystemTime::now()),
            "server": self.server_block(shared),
        })
    }

    /// A client authenticated into its account.
    pub fn client_connected(&self, shared: &ServerShared, client: &Client) {
        let metadata = client.metadata.lock().clone();
        let mut event = self.event(shared, "client_connect");
        event["client"] = json!({
            "start": rfc3339(client.start),
            "host": client.addr.ip().to_string(),
            "id": client.id,
            "acc": metadata.account,
            "user": metadata.user,
            "name": metadata.name,
            "lang": metadata.lang,
            "ver": metadata.version,
            "name_tag": metadata.account,
            "kind": "Client",
            "client_type": "nats",
        });
        self.account_connections(shared, &metadata.account);
        self.publish(
            &format!("$SYS.ACCOUNT.{}.CONNECT", metadata.account),
            &event,
        );
    }

    /// A client of an account left.
    pub fn client_disconnected(&self, shared: &ServerShared, closed: &ClosedClient) {
        let metadata = &closed.metadata;
        if metadata.account.is_empty() {
            return;
        }
        let mut event = self.event(shared, "client_disconnect");
        let mut client = json!({
            "start": rfc3339(closed.start),
            "host": closed.addr.ip().to_string(),
            "id": closed.id,
            "acc": metadata.account,
            "user": metadata.user,
            "name": metadata.name,
            "lang": metadata.lang,
            "ver": metadata.version,
            "stop": rfc3339(closed.stop),
            "name_tag": metadata.account,
            "kind": "Client",
            "client_type": "nats",
        });
        if let Some(rtt) = metadata.rtt {
            client["rtt"] = json!(rtt.as_nanos() as u64);
        }
        event["client"] = client;
        event["sent"] = json!({ "msgs": closed.out_msgs, "bytes": closed.out_bytes });
        event["received"] = json!({ "msgs": closed.in_msgs, "bytes": closed.in_bytes });
        event["reason"] = json!(closed.reason.text());
        self.account_connections(shared, &metadata.account);
        self.publish(
            &format!("$SYS.ACCOUNT.{}.DISCONNECT", metadata.account),
            &event,
        );
    }

    /// `$SYS.ACCOUNT.<acc>.SERVER.CONNS`: the account's connection count changed.
    fn account_connections(&self, shared: &ServerShared, account: &str) {
        let Some(account) = shared.accounts.get(account) else {
            return;
        };
        let mut event = self.event(shared, "account_connections");
        if let (Some(event), Value::Object(stats)) = (
            event.as_object_mut(),
            crate::monitoring::other::account_statz(shared, &account),
        ) {
            event.extend(stats);
        }
        self.publish(
            &format!("$SYS.ACCOUNT.{}.SERVER.CONNS", account.name),
            &event,
        );
    }
}
