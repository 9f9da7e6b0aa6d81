//! `kv ls` and `object ls` without a bucket: every bucket of one kind, as
//! the server describes its stream (`--json`), as names, or as a table
//! smallest first (like the nats CLI).

use async_nats::jetstream;
use serde_json::{json, Value};

use super::{api_error, json_age, json_timestamp, request_failure, server_error, Kind};
use crate::connection::Connection;
use crate::output::{self, bytes};

/// Prints the buckets of `kind`.
pub async fn print_buckets(
    connection: &Connection,
    kind: Kind,
    names: bool,
    json: bool,
) -> anyhow::Result<()> {
    let js = super::jetstream(connection).await?;
    let mut found = list(&js, kind).await?;
    if json {
        return output::print_json(&found);
    }
    if found.is_empty() {
        println!("No {} buckets found", kind.title());
        return Ok(());
    }
    if names {
        for info in &found {
            super::print_line(kind.bucket_of(info))?;
        }
        return Ok(());
    }
    found.sort_by_key(|info| info["state"]["bytes"].as_u64().unwrap_or(0));
    let with_values = kind == Kind::KeyValue;
    let mut headers = vec!["Bucket", "Description", "Created", "Size"];
    if with_values {
        headers.push("Values");
    }
    headers.push("Last Update");
    let mut table = output::table(&format!("{} Buckets", kind.title()), &headers);
    for info in &found {
        let mut row = vec![
            kind.bucket_of(info).to_string(),
            info["config"]["description"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            json_timestamp(&info["created"]),
            bytes(info["state"]["bytes"].as_u64().unwrap_or(0)),
        ];
        if with_values {
            row.push(output::count(
                info["state"]["messages"].as_u64().unwrap_or(0),
            ));
        }
        row.push(json_age(&info["state"]["last_ts"]));
        table.row(row);
    }
    table.print();
    Ok(())
}

/// The server's JSON about every bucket of `kind`, in the server's order.
pub async fn list(js: &jetstream::Context, kind: Kind) -> anyhow::Result<Vec<Value>> {
    let mut found = Vec::new();
    let mut offset = 0usize;
    loop {
        let reply: Value = js
            .request("STREAM.LIST", &json!({ "offset": offset }))
            .await
            .map_err(|err| request_failure(err.kind(), &err))?;
        if let Some(error) = api_error(&reply) {
            return Err(server_error(&error));
        }
        let page = reply["streams"].as_array().cloned().unwrap_or_default();
        let received = page.len();
        offset += received;
        let total = reply["total"].as_u64().unwrap_or(0) as usize;
        found.extend(page.into_iter().filter(|stream| {
            stream["config"]["name"]
                .as_str()
                .is_some_and(|name| name.starts_with(kind.prefix()))
        }));
        if received == 0 || offset >= total {
            return Ok(found);
        }
    }
}
