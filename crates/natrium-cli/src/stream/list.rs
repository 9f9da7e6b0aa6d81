//! `stream ls` and `stream report`: every stream in one table.
//!
//! Both read `STREAM.LIST` (all pages) once. `ls` hides the streams that
//! back key-value and object stores unless `--all` is given, as the nats
//! CLI does; `report` shows everything.

use serde_json::Value;

use super::api::Api;
use super::time;
use crate::cli::stream::{LsArgs, ReportArgs};
use crate::output;

pub async fn ls(api: &Api, args: LsArgs) -> anyhow::Result<()> {
    let subject = args.subject.as_deref();
    if args.names || args.json {
        let mut names = api.stream_names(subject).await?;
        names.retain(|name| args.all || !is_internal(name));
        names.sort();
        if args.json {
            return output::print_json(&names);
        }
        for name in names {
            println!("{name}");
        }
        return Ok(());
    }
    let mut streams = api.stream_list(subject).await?;
    let listed = streams.len();
    streams.retain(|info| args.all || !is_internal(name_of(info)));
    sort_by_name(&mut streams);
    if streams.is_empty() {
        if listed > 0 {
            println!(
                "No streams defined, pass --all to include key-value and object store streams"
            );
        } else {
            println!("No streams defined");
        }
        return Ok(());
    }
    let title = match subject {
        Some(subject) => format!("Streams matching {subject}"),
        None => "Streams".to_string(),
    };
    let mut table = output::table(
        &title,
        &[
            "Name",
            "Description",
            "Created",
            "Messages",
            "Size",
            "Last Message",
        ],
    );
    for info in &streams {
        let state = &info["state"];
        table.row([
            name_of(info).to_string(),
            info["config"]["description"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            time::show(info["created"].as_str().unwrap_or("")),
            output::count(state["messages"].as_u64().unwrap_or(0)),
            output::bytes(state["bytes"].as_u64().unwrap_or(0)),
            time::ago(state["last_ts"].as_str().unwrap_or("")),
        ]);
    }
    table.print();
    Ok(())
}

pub async fn report(api: &Api, args: ReportArgs) -> anyhow::Result<()> {
    let mut streams = api.stream_list(args.subject.as_deref()).await?;
    sort_by_name(&mut streams);
    if args.json {
        return output::print_json(&streams);
    }
    if streams.is_empty() {
        println!("No streams defined");
        return Ok(());
    }
    let mut table = output::table(
        "Stream Report",
        &[
            "Stream",
            "Storage",
            "Replicas",
            "Consumers",
            "Messages",
            "Bytes",
            "Deleted",
        ],
    );
    for info in &streams {
        let state = &info["state"];
        let number = |key: &str| output::count(state[key].as_u64().unwrap_or(0));
        table.row([
            name_of(info).to_string(),
            info["config"]["storage"].as_str().unwrap_or("").to_string(),
            info["config"]["num_replicas"]
                .as_u64()
                .unwrap_or(1)
                .to_string(),
            number("consumer_count"),
            number("messages"),
            output::bytes(state["bytes"].as_u64().unwrap_or(0)),
            number("num_deleted"),
        ]);
    }
    table.print();
    Ok(())
}

fn name_of(info: &Value) -> &str {
    info["config"]["name"].as_str().unwrap_or("")
}

fn sort_by_name(streams: &mut [Value]) {
    streams.sort_by(|a, b| name_of(a).cmp(name_of(b)));
}

/// Streams that back a key-value bucket or an object store.
fn is_internal(name: &str) -> bool {
    name.starts_with("KV_") || name.starts_with("OBJ_")
}
