//! Whole-bucket commands: `kv add`, `kv info` (alias `status`), `kv ls`
//! and `kv del BUCKET` (alias `rm`).
//!
//! Status and listings are rendered from the server's own stream JSON, the
//! same document `--json` prints, so the two outputs never disagree.

use anyhow::anyhow;
use async_nats::jetstream::kv::Config;
use async_nats::jetstream::stream::{Republish, Source};
use futures::StreamExt;
use serde_json::Value;

use super::open;
use crate::bucket::{self, Kind};
use crate::cli::kv::{AddArgs, InfoArgs, LsArgs};
use crate::connection::Connection;
use crate::output::{self, byte_limit, bytes, print_fields};

pub async fn add(connection: &Connection, args: AddArgs) -> anyhow::Result<()> {
    bucket::check_name(Kind::KeyValue, &args.bucket)?;
    let max_value_size = match args.max_value_size {
        None => -1,
        Some(size) => i32::try_from(size)
            .map_err(|_| anyhow!("--max-value-size is at most {} bytes", i32::MAX))?,
    };
    let config = Config {
        bucket: args.bucket.clone(),
        description: args.options.description.unwrap_or_default(),
        max_value_size,
        history: args.history,
        max_age: args.options.ttl.unwrap_or_default(),
        max_bytes: args.options.max_bucket_size.map_or(-1, |size| size as i64),
        storage: bucket::storage_type(args.options.storage),
        num_replicas: args.options.replicas,
        republish: args.republish_destination.map(|destination| Republish {
            source: args
                .republish_source
                .unwrap_or_else(|| format!("$KV.{}.>", args.bucket)),
            destination,
            headers_only: args.republish_headers,
        }),
        mirror: args.mirror.map(|name| Source {
            name,
            domain: args.mirror_domain,
            ..Source::default()
        }),
        sources: (!args.source.is_empty()).then(|| {
            args.source
                .into_iter()
                .map(|name| Source {
                    name,
                    ..Source::default()
                })
                .collect()
        }),
        compression: args.options.compress,
        limit_markers: args.limit_markers,
        ..Config::default()
    };
    let js = bucket::jetstream(connection).await?;
    // Asked first so that a server without JetStream gets its own clear line.
    bucket::find_stream(&js, Kind::KeyValue, &args.bucket).await?;
    js.create_key_value(config)
        .await
        .map_err(|err| anyhow!("cannot create key-value bucket {}: {err}", args.bucket))?;
    let info = bucket::stream_info(&js, Kind::KeyValue, &args.bucket).await?;
    show_status(&args.bucket, &info);
    Ok(())
}

pub async fn info(connection: &Connection, args: InfoArgs) -> anyhow::Result<()> {
    let js = bucket::jetstream(connection).await?;
    let info = bucket::stream_info(&js, Kind::KeyValue, &args.bucket).await?;
    if args.json {
        return output::print_json(&info);
    }
    show_status(&args.bucket, &info);
    Ok(())
}

pub async fn ls(connection: &Connection, args: LsArgs) -> anyhow::Result<()> {
    match args.bucket {
        Some(name) => list_keys(connection, &name, args.json).await,
        None => bucket::print_buckets(connection, Kind::KeyValue, args.names, args.json).await,
    }
}

pub async fn remove(connection: &Connection, name: &str, force: bool) -> anyhow::Result<()> {
    bucket::require_force(
        force,
        &format!("delete key-value bucket {name} and all its keys"),
    )?;
    let js = bucket::jetstream(connection).await?;
    bucket::stream_info(&js, Kind::KeyValue, name).await?;
    js.delete_key_value(name)
        .await
        .map_err(|err| anyhow!("cannot delete key-value bucket {name}: {err}"))?;
    println!("Deleted key-value bucket {name}");
    Ok(())
}

async fn list_keys(connection: &Connection, name: &str, json: bool) -> anyhow::Result<()> {
    let bucket = open(connection, name).await?;
    let failed =
        |err: &dyn std::fmt::Display| anyhow!("cannot list the keys of bucket {name}: {err}");
    let mut keys_stream = bucket.store.keys().await.map_err(|err| failed(&err))?;
    let mut keys = Vec::new();
    while let Some(key) = keys_stream.next().await {
        keys.push(key.map_err(|err| failed(&err))?);
    }
    if json {
        return output::print_json(&keys);
    }
    if keys.is_empty() {
        println!("No keys found in bucket {name}");
    }
    for key in keys {
        bucket::print_line(&key)?;
    }
    Ok(())
}

/// The nats CLI's bucket status, from the stream JSON.
fn show_status(name: &str, info: &Value) {
    let config = &info["config"];
    bucket::print_status_heading(Kind::KeyValue, name, info);
    let mut fields = vec![
        ("Bucket Name", name.to_string()),
        ("History Kept", config["max_msgs_per_subject"].to_string()),
        (
            "Values Stored",
            output::count(info["state"]["messages"].as_u64().unwrap_or(0)),
        ),
        ("Compressed", bucket::is_compressed(config).to_string()),
        ("Backing Store Kind", "JetStream".to_string()),
        (
            "Description",
            config["description"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        ),
        (
            "Bucket Size",
            bytes(info["state"]["bytes"].as_u64().unwrap_or(0)),
        ),
        (
            "Maximum Bucket Size",
            byte_limit(config["max_bytes"].as_i64().unwrap_or(-1)),
        ),
        (
            "Maximum Value Size",
            byte_limit(config["max_msg_size"].as_i64().unwrap_or(-1)),
        ),
        (
            "Maximum Age",
            output::nanos_or_unlimited(config["max_age"].as_i64().unwrap_or(0)),
        ),
    ];
    if let Some(ttl) = config["subject_delete_marker_ttl"]
        .as_i64()
        .filter(|ttl| *ttl > 0)
    {
        fields.push(("Limit Markers", output::nanos_or_unlimited(ttl)));
    }
    fields.push((
        "JetStream Stream",
        config["name"].as_str().unwrap_or_default().to_string(),
    ));
    fields.push(("Storage", bucket::storage_name(config)));
    if let Some(republish) = config["republish"].as_object() {
        let label = match republish.get("headers_only").and_then(Value::as_bool) {
            Some(true) => "Republishing Headers",
            _ => "Republishing",
        };
        let text = |key: &str| {
            republish
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        fields.push((label, format!("{} to {}", text("src"), text("dest"))));
    }
    if let Some(mirror) = config["mirror"]["name"].as_str() {
        let origin = mirror
            .strip_prefix(Kind::KeyValue.prefix())
            .unwrap_or(mirror);
        fields.push(("Mirror of", origin.to_string()));
        fields.push(("Mirror Lag", info["mirror"]["lag"].to_string()));
    }
    for source in config["sources"].as_array().into_iter().flatten() {
        let name = source["name"].as_str().unwrap_or_default();
        let origin = name.strip_prefix(Kind::KeyValue.prefix()).unwrap_or(name);
        fields.push(("Source Bucket", origin.to_string()));
    }
    print_fields(&fields);
}
