//! `/subsz`: subject-index statistics, and with `subs=1` the subscriptions.

use std::sync::atomic::Ordering;
use std::time::SystemTime;

use serde_json::{json, Value};

use super::{rfc3339, Query};
use crate::server::ServerShared;

pub fn subsz(shared: &ServerShared, query: &Query) -> Value {
    let mut accounts = shared.accounts.all();
    if let Some(account) = query.get("acc").filter(|a| !a.is_empty()) {
        // One account's index: its statistics and subscriptions only.
        accounts.retain(|a| a.name == account);
    }
    let mut stats = natrium_subjects::IndexStats::default();
    for account in &accounts {
        stats.merge(&account.index_stats());
    }
    let mut value = super::index_stats_json(&stats);
    value["server_id"] = json!(shared.id);
    value["now"] = json!(rfc3339(SystemTime::now()));
    if query.flag("subs") {
        let filter = query.get("test");
        let mut list = Vec::new();
        for account in &accounts {
            if query.get("acc").is_some_and(|acc| acc != account.name) {
                continue;
            }
            account.for_each_subscription(|sub| {
                if let Some(test) = filter {
                    if !natrium_subjects::subject_matches_filter(test.as_bytes(), &sub.subject) {
                        return;
                    }
                }
                let mut detail = json!({
                    "account": account.name,
                    "account_tag": account.name,
                    "subject": sub.subject_str(),
                    "sid": String::from_utf8_lossy(&sub.sid),
                    "msgs": sub.delivered.load(Ordering::Relaxed),
                    "cid": sub.client.id,
                });
                if let Some(q) = &sub.queue {
                    detail["qgroup"] = json!(String::from_utf8_lossy(q));
                }
                list.push(detail);
            });
        }
        let total = list.len();
        let offset = query.number("offset").unwrap_or(0);
        let limit = query.number("limit").unwrap_or(1024);
        let page: Vec<_> = list.into_iter().skip(offset).take(limit).collect();
        value["total"] = json!(total);
        value["offset"] = json!(offset);
        value["limit"] = json!(limit);
        value["subscriptions_list"] = Value::Array(page);
    }
    value
}
