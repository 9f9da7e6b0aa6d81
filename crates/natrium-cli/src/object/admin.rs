//! Buckets and object information: `object add`, `info` (alias `status`),
//! `ls`, `del` (alias `rm`), `seal` and `watch`.
//!
//! Bucket status and listings are rendered from the server's own stream
//! JSON, the document `--json` prints. Object information is the metadata
//! record async-nats reads from the bucket (`--json` prints it as stored).

use anyhow::anyhow;
use async_nats::jetstream::object_store::{Config, ObjectInfo};
use futures::StreamExt;
use serde_json::{json, Value};

use super::{open, show_object};
use crate::bucket::{self, print_line, Kind};
use crate::cli::object::{AddArgs, DelArgs, InfoArgs, LsArgs, SealArgs, WatchArgs};
use crate::connection::Connection;
use crate::output::{self, byte_limit, bytes, print_fields};

pub async fn add(connection: &Connection, args: AddArgs) -> anyhow::Result<()> {
    bucket::check_name(Kind::Object, &args.bucket)?;
    let metadata = bucket::parse_metadata(&args.metadata)?;
    let js = bucket::jetstream(connection).await?;
    // Asked first so that a server without JetStream gets its own clear line.
    bucket::find_stream(&js, Kind::Object, &args.bucket).await?;
    js.create_object_store(Config {
        bucket: args.bucket.clone(),
        description: args.options.description,
        max_age: args.options.ttl.unwrap_or_default(),
        max_bytes: args.options.max_bucket_size.map_or(-1, |size| size as i64),
        storage: bucket::storage_type(args.options.storage),
        num_replicas: args.options.replicas,
        compression: args.options.compress,
        placement: None,
    })
    .await
    .map_err(|err| anyhow!("cannot create object store bucket {}: {err}", args.bucket))?;
    let mut info = bucket::stream_info(&js, Kind::Object, &args.bucket).await?;
    if !metadata.is_empty() {
        // async-nats's bucket configuration has no metadata: set it on the stream.
        let mut config = info["config"].clone();
        for (key, value) in metadata {
            config["metadata"][key] = json!(value);
        }
        let subject = format!("STREAM.UPDATE.{}", Kind::Object.stream(&args.bucket));
        let reply: Value = js
            .request(subject, &config)
            .await
            .map_err(|err| anyhow!("cannot set the metadata of bucket {}: {err}", args.bucket))?;
        if let Some(error) = reply.get("error") {
            return Err(anyhow!(
                "cannot set the metadata of bucket {}: {}",
                args.bucket,
                error["description"].as_str().unwrap_or("refused")
            ));
        }
        info = reply;
    }
    show_status(&args.bucket, &info);
    Ok(())
}

pub async fn info(connection: &Connection, args: InfoArgs) -> anyhow::Result<()> {
    let Some(name) = args.name else {
        let js = bucket::jetstream(connection).await?;
        let info = bucket::stream_info(&js, Kind::Object, &args.bucket).await?;
        if args.json {
            return output::print_json(&info);
        }
        show_status(&args.bucket, &info);
        return Ok(());
    };
    let bucket = open(connection, &args.bucket).await?;
    let object = bucket.object(&name).await?;
    if args.json {
        return output::print_json(&object);
    }
    show_object(&object);
    Ok(())
}

pub async fn ls(connection: &Connection, args: LsArgs) -> anyhow::Result<()> {
    let Some(name) = args.bucket else {
        return bucket::print_buckets(connection, Kind::Object, args.names, args.json).await;
    };
    let bucket = open(connection, &name).await?;
    let failed = |err: &dyn std::fmt::Display| anyhow!("cannot list bucket {name}: {err}");
    let mut listing = bucket.store.list().await.map_err(|err| failed(&err))?;
    let mut objects: Vec<ObjectInfo> = Vec::new();
    while let Some(object) = listing.next().await {
        objects.push(object.map_err(|err| failed(&err))?);
    }
    if args.json {
        return output::print_json(&objects);
    }
    if objects.is_empty() {
        println!("No objects found in bucket {name}");
        return Ok(());
    }
    if args.names {
        for object in &objects {
            print_line(&object.name)?;
        }
        return Ok(());
    }
    let mut table = output::table(
        &format!("Bucket Contents of {name}"),
        &["Name", "Size", "Time", "Digest"],
    );
    for object in &objects {
        table.row([
            object.name.clone(),
            bytes(object.size as u64),
            object.modified.map(bucket::timestamp).unwrap_or_default(),
            super::digest_hex(object.digest.as_deref()),
        ]);
    }
    table.print();
    Ok(())
}

pub async fn delete(connection: &Connection, args: DelArgs) -> anyhow::Result<()> {
    let Some(name) = args.name else {
        bucket::require_force(
            args.force,
            &format!(
                "delete object store bucket {} and all its objects",
                args.bucket
            ),
        )?;
        let js = bucket::jetstream(connection).await?;
        bucket::stream_info(&js, Kind::Object, &args.bucket).await?;
        js.delete_object_store(&args.bucket)
            .await
            .map_err(|err| anyhow!("cannot delete object store bucket {}: {err}", args.bucket))?;
        println!("Deleted object store bucket {}", args.bucket);
        return Ok(());
    };
    bucket::require_force(
        args.force,
        &format!("delete object {name} from bucket {}", args.bucket),
    )?;
    let bucket = open(connection, &args.bucket).await?;
    bucket.check_writable()?;
    bucket.object(&name).await?;
    bucket
        .store
        .delete(&name)
        .await
        .map_err(|err| anyhow!("cannot delete {name} from bucket {}: {err}", args.bucket))?;
    println!("Removed {} > {name}", args.bucket);
    Ok(())
}

pub async fn seal(connection: &Connection, args: SealArgs) -> anyhow::Result<()> {
    bucket::require_force(args.force, &format!("seal bucket {}", args.bucket))?;
    let mut bucket = open(connection, &args.bucket).await?;
    bucket
        .store
        .seal()
        .await
        .map_err(|err| anyhow!("cannot seal bucket {}: {err}", args.bucket))?;
    println!("{} has been sealed", args.bucket);
    println!();
    let info = bucket::stream_info(&bucket.js, Kind::Object, &args.bucket).await?;
    show_status(&args.bucket, &info);
    Ok(())
}

pub async fn watch(connection: &Connection, args: WatchArgs) -> anyhow::Result<()> {
    let bucket = open(connection, &args.bucket).await?;
    let failed =
        |err: &dyn std::fmt::Display| anyhow!("watching bucket {} failed: {err}", args.bucket);
    let mut changes = bucket
        .store
        .watch_with_history()
        .await
        .map_err(|err| failed(&err))?;
    eprintln!("Watching object store bucket {}", args.bucket);
    let mut printed = 0u64;
    while let Some(change) = changes.next().await {
        let object = change.map_err(|err| failed(&err))?;
        let when = object.modified.map(bucket::timestamp).unwrap_or_default();
        let line = if object.deleted {
            format!("[{when}] DEL {} > {}", object.bucket, object.name)
        } else {
            format!(
                "[{when}] PUT {} > {}: {} in {} chunks",
                object.bucket,
                object.name,
                bytes(object.size as u64),
                output::count(object.chunks as u64)
            )
        };
        print_line(&line)?;
        printed += 1;
        if args.count > 0 && printed >= args.count {
            break;
        }
    }
    Ok(())
}

/// The nats CLI's bucket status, from the stream JSON.
fn show_status(name: &str, info: &Value) {
    let config = &info["config"];
    bucket::print_status_heading(Kind::Object, name, info);
    let mut metadata: Vec<String> = config["metadata"]
        .as_object()
        .into_iter()
        .flatten()
        // The server's own bookkeeping (_nats.*) is not the user's metadata.
        .filter(|(key, _)| !key.starts_with("_nats"))
        .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default()))
        .collect();
    metadata.sort();
    print_fields(&[
        ("Bucket Name", name.to_string()),
        (
            "Description",
            config["description"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        ),
        ("Replicas", config["num_replicas"].to_string()),
        (
            "TTL",
            output::nanos_or_unlimited(config["max_age"].as_i64().unwrap_or(0)),
        ),
        (
            "Sealed",
            config["sealed"].as_bool().unwrap_or(false).to_string(),
        ),
        ("Size", bytes(info["state"]["bytes"].as_u64().unwrap_or(0))),
        (
            "Maximum Bucket Size",
            byte_limit(config["max_bytes"].as_i64().unwrap_or(-1)),
        ),
        ("Compressed", bucket::is_compressed(config).to_string()),
        ("Storage", bucket::storage_name(config)),
        ("Backing Store Kind", "JetStream".to_string()),
        (
            "JetStream Stream",
            config["name"].as_str().unwrap_or_default().to_string(),
        ),
        ("Metadata", metadata.join(", ")),
    ]);
}
