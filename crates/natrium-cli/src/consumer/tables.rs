//! The `consumer ls` and `consumer report` tables: one row per consumer,
//! sorted by name by the caller, which also says when there are none;
//! `--json` prints the infos instead.

use serde_json::Value;

use super::api::{as_map, object};
use super::fields::{ago, count, display_time, flag, span, text, title_case};
use crate::output;

/// The `consumer ls` table.
pub fn list_table(stream: &str, infos: &[Value]) {
    let mut table = output::table(
        &format!("Consumers of stream {stream}"),
        &[
            "Name",
            "Description",
            "Created",
            "Ack Pending",
            "Unprocessed",
            "Last Delivery",
        ],
    );
    for info in infos {
        let map = as_map(info);
        let config = object(info, "config");
        let reference = text(map, "ts");
        table.row([
            text(map, "name").to_string(),
            text(config, "description").to_string(),
            display_time(text(map, "created")),
            count(map, "num_ack_pending"),
            count(map, "num_pending"),
            ago(text(object(info, "delivered"), "last_active"), reference),
        ]);
    }
    table.print();
}

/// The `consumer report` table.
pub fn report_table(stream: &str, infos: &[Value]) {
    let mut table = output::table(
        &format!(
            "Consumer report for {stream} with {} consumer(s)",
            infos.len()
        ),
        &[
            "Consumer",
            "Mode",
            "Ack Policy",
            "Ack Wait",
            "Delivered",
            "Ack Floor",
            "Unprocessed",
            "Ack Pending",
            "Redelivered",
            "Waiting",
            "Paused",
        ],
    );
    for info in infos {
        let map = as_map(info);
        let config = object(info, "config");
        let push = !text(config, "deliver_subject").is_empty();
        let paused = flag(map, "paused");
        table.row([
            text(map, "name").to_string(),
            if push { "Push" } else { "Pull" }.to_string(),
            title_case(text(config, "ack_policy")),
            span(config, "ack_wait"),
            count(object(info, "delivered"), "stream_seq"),
            count(object(info, "ack_floor"), "stream_seq"),
            count(map, "num_pending"),
            count(map, "num_ack_pending"),
            count(map, "num_redelivered"),
            if push {
                String::new()
            } else {
                count(map, "num_waiting")
            },
            if paused { "yes" } else { "no" }.to_string(),
        ]);
    }
    table.print();
}
