//! Key-value and object store tools (`kv_*`, `object_*`), through the same
//! bucket helpers as `natrium kv` and `natrium object`: buckets are opened
//! and checked the same way and fail with the same one-line errors.

use std::time::Duration;

use anyhow::anyhow;
use async_nats::jetstream::{kv, object_store, stream::StorageType};
use base64::Engine;
use futures::StreamExt;
use serde_json::{json, Map, Value};
use tokio::io::AsyncReadExt;

use super::{data_json, Args};
use crate::bucket::{self, Kind};
use crate::connection::Connection;
use crate::kv::changes::entry_json;

/// The largest object `object_get` returns unless told otherwise.
const DEFAULT_OBJECT_CAP: u64 = 1 << 20;

fn storage(args: Args<'_>) -> anyhow::Result<StorageType> {
    match args.str("storage").unwrap_or("file") {
        "file" => Ok(StorageType::File),
        "memory" => Ok(StorageType::Memory),
        other => Err(anyhow!(
            "argument `storage`: {other:?} is not file or memory"
        )),
    }
}

async fn bucket_names(connection: &Connection, kind: Kind) -> anyhow::Result<Value> {
    let js = bucket::jetstream(connection).await?;
    let mut names = js.stream_names();
    let mut buckets = Vec::new();
    while let Some(name) = names.next().await {
        let name = name.map_err(|e| anyhow!("cannot list buckets: {e}"))?;
        if let Some(bucket) = name.strip_prefix(kind.prefix()) {
            buckets.push(Value::String(bucket.to_string()));
        }
    }
    Ok(json!({ "count": buckets.len(), "buckets": buckets }))
}

fn key<'a>(args: Args<'a>) -> anyhow::Result<&'a str> {
    let key = args.need("key")?;
    crate::kv::check_key(key).map_err(|e| anyhow!("argument `key`: {e:#}"))?;
    Ok(key)
}

pub async fn kv(connection: &Connection, tool: &str, args: Args<'_>) -> anyhow::Result<Value> {
    if tool == "kv_ls" && args.str("bucket").is_none() {
        return bucket_names(connection, Kind::KeyValue).await;
    }
    let name = args.need("bucket")?;
    bucket::check_name(Kind::KeyValue, name).map_err(|e| anyhow!("argument `bucket`: {e:#}"))?;
    if tool == "kv_add" {
        let js = bucket::jetstream(connection).await?;
        js.create_key_value(kv::Config {
            bucket: name.to_string(),
            history: args.u64("history").unwrap_or(1).clamp(1, 64) as i64,
            storage: storage(args)?,
            ..Default::default()
        })
        .await
        .map_err(|e| anyhow!("cannot create key-value bucket {name}: {e}"))?;
        let info = bucket::stream_info(&js, Kind::KeyValue, name).await?;
        return Ok(json!({ "created": name, "stream": info }));
    }
    if tool == "kv_info" {
        let js = bucket::jetstream(connection).await?;
        return bucket::stream_info(&js, Kind::KeyValue, name).await;
    }
    if tool == "kv_compact" {
        let removed = crate::kv::compact::compact_bucket(connection, name).await?;
        return Ok(json!({ "bucket": name, "compacted_keys": removed }));
    }
    let opened = crate::kv::open(connection, name).await?;
    let store = &opened.store;
    let value = || bytes::Bytes::from(args.str("value").unwrap_or_default().to_string());
    let failed =
        |what: &str, e: &dyn std::fmt::Display| anyhow!("{what} in bucket {name} failed: {e}");
    match tool {
        "kv_ls" => {
            let mut keys = store.keys().await.map_err(|e| failed("listing keys", &e))?;
            let mut out = Vec::new();
            while let Some(k) = keys.next().await {
                out.push(Value::String(k.map_err(|e| failed("listing keys", &e))?));
            }
            Ok(json!({ "bucket": name, "count": out.len(), "keys": out }))
        }
        "kv_get" => {
            let key = key(args)?;
            let entry = match args.u64("revision") {
                Some(revision) => store.entry_for_revision(key, revision).await,
                None => store.entry(key).await,
            }
            .map_err(|e| failed("reading a key", &e))?;
            match entry {
                Some(entry) if entry.operation == kv::Operation::Put => Ok(entry_json(&entry)),
                _ => Err(anyhow!("key {key} not found in bucket {name}")),
            }
        }
        "kv_put" => {
            let key = key(args)?;
            let revision = store
                .put(key, value())
                .await
                .map_err(|e| failed("put", &e))?;
            Ok(json!({ "bucket": name, "key": key, "revision": revision }))
        }
        "kv_create" => {
            let key = key(args)?;
            let revision = store
                .create(key, value())
                .await
                .map_err(|e| failed("create", &e))?;
            Ok(json!({ "bucket": name, "key": key, "revision": revision }))
        }
        "kv_update" => {
            let key = key(args)?;
            let expected = args.u64("revision").unwrap_or(0);
            let revision = store
                .update(key, value(), expected)
                .await
                .map_err(|e| failed("update", &e))?;
            Ok(json!({ "bucket": name, "key": key, "revision": revision }))
        }
        "kv_del" => {
            let key = key(args)?;
            store.delete(key).await.map_err(|e| failed("delete", &e))?;
            Ok(json!({ "bucket": name, "key": key, "deleted": true }))
        }
        "kv_purge" => {
            let key = key(args)?;
            store.purge(key).await.map_err(|e| failed("purge", &e))?;
            Ok(json!({ "bucket": name, "key": key, "purged": true }))
        }
        "kv_history" => {
            let key = key(args)?;
            let mut history = store
                .history(key)
                .await
                .map_err(|e| failed("history", &e))?;
            let mut entries = Vec::new();
            while let Some(entry) = history.next().await {
                entries.push(entry_json(&entry.map_err(|e| failed("history", &e))?));
            }
            Ok(json!({ "bucket": name, "key": key, "count": entries.len(), "entries": entries }))
        }
        "kv_watch" => {
            let filter = args.str("key").unwrap_or(">");
            let mut watch = store
                .watch_with_history(filter)
                .await
                .map_err(|e| failed("watch", &e))?;
            let entries = bounded(&mut watch, args.count(), args.timeout(), |e| {
                e.map(|e| entry_json(&e)).map_err(|e| failed("watch", &e))
            })
            .await?;
            Ok(json!({ "bucket": name, "count": entries.len(), "entries": entries }))
        }
        other => Err(anyhow!("tool `{other}` is not implemented")),
    }
}

/// Up to `count` items of `stream`, or what came within `timeout`.
async fn bounded<S, T>(
    stream: &mut S,
    count: usize,
    timeout: Duration,
    mut convert: impl FnMut(T) -> anyhow::Result<Value>,
) -> anyhow::Result<Vec<Value>>
where
    S: futures::Stream<Item = T> + Unpin,
{
    let deadline = tokio::time::Instant::now() + timeout;
    let mut out = Vec::new();
    while out.len() < count {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(item)) => out.push(convert(item)?),
            Ok(None) | Err(_) => break,
        }
    }
    Ok(out)
}

fn object_json(info: &object_store::ObjectInfo) -> Value {
    serde_json::to_value(info).unwrap_or(Value::Null)
}

pub async fn object(connection: &Connection, tool: &str, args: Args<'_>) -> anyhow::Result<Value> {
    if tool == "object_ls" && args.str("bucket").is_none() {
        return bucket_names(connection, Kind::Object).await;
    }
    let name = args.need("bucket")?;
    bucket::check_name(Kind::Object, name).map_err(|e| anyhow!("argument `bucket`: {e:#}"))?;
    if tool == "object_add" {
        let js = bucket::jetstream(connection).await?;
        js.create_object_store(object_store::Config {
            bucket: name.to_string(),
            storage: storage(args)?,
            ..Default::default()
        })
        .await
        .map_err(|e| anyhow!("cannot create object store bucket {name}: {e}"))?;
        let info = bucket::stream_info(&js, Kind::Object, name).await?;
        return Ok(json!({ "created": name, "stream": info }));
    }
    if tool == "object_info" && args.str("name").is_none() {
        let js = bucket::jetstream(connection).await?;
        return bucket::stream_info(&js, Kind::Object, name).await;
    }
    let mut opened = crate::object::open(connection, name).await?;
    let failed =
        |what: &str, e: &dyn std::fmt::Display| anyhow!("{what} in bucket {name} failed: {e}");
    match tool {
        "object_ls" => {
            let mut listing = opened
                .store
                .list()
                .await
                .map_err(|e| failed("listing", &e))?;
            let mut objects = Vec::new();
            while let Some(object) = listing.next().await {
                objects.push(object_json(&object.map_err(|e| failed("listing", &e))?));
            }
            Ok(json!({ "bucket": name, "count": objects.len(), "objects": objects }))
        }
        "object_info" => Ok(object_json(&opened.object(args.need("name")?).await?)),
        "object_get" => {
            let object_name = args.need("name")?;
            let info = opened.object(object_name).await?;
            let cap = args.u64("max_bytes").unwrap_or(DEFAULT_OBJECT_CAP);
            if info.size as u64 > cap {
                return Err(anyhow!(
                    "argument `max_bytes`: object {object_name} has {} bytes, more than {cap}",
                    info.size
                ));
            }
            let mut object = opened
                .store
                .get(object_name)
                .await
                .map_err(|e| failed("reading an object", &e))?;
            let mut content = Vec::with_capacity(info.size);
            object.read_to_end(&mut content).await?;
            let mut out = Map::new();
            out.insert("name".into(), json!(object_name));
            out.insert("size".into(), json!(content.len()));
            match args.str("encoding").unwrap_or("text") {
                "base64" => {
                    out.insert(
                        "data_base64".into(),
                        json!(base64::engine::general_purpose::STANDARD.encode(&content)),
                    );
                }
                "text" => data_json(&mut out, "data", &content),
                other => {
                    return Err(anyhow!(
                        "argument `encoding`: {other:?} is not text or base64"
                    ))
                }
            }
            Ok(Value::Object(out))
        }
        "object_put" => {
            opened.check_writable()?;
            let object_name = args.need("name")?;
            let data = args.need("data")?;
            let content = match args.str("encoding").unwrap_or("text") {
                "text" => data.as_bytes().to_vec(),
                "base64" => base64::engine::general_purpose::STANDARD
                    .decode(data)
                    .map_err(|e| anyhow!("argument `data`: not base64 ({e})"))?,
                other => {
                    return Err(anyhow!(
                        "argument `encoding`: {other:?} is not text or base64"
                    ))
                }
            };
            let info = opened
                .store
                .put(object_name, &mut content.as_slice())
                .await
                .map_err(|e| failed("storing an object", &e))?;
            Ok(object_json(&info))
        }
        "object_del" => {
            opened.check_writable()?;
            let object_name = args.need("name")?;
            opened.object(object_name).await?;
            opened
                .store
                .delete(object_name)
                .await
                .map_err(|e| failed("deleting an object", &e))?;
            Ok(json!({ "bucket": name, "name": object_name, "deleted": true }))
        }
        "object_seal" => {
            opened
                .store
                .seal()
                .await
                .map_err(|e| failed("sealing", &e))?;
            Ok(json!({ "bucket": name, "sealed": true }))
        }
        "object_watch" => {
            let mut watch = opened
                .store
                .watch_with_history()
                .await
                .map_err(|e| failed("watch", &e))?;
            let changes = bounded(&mut watch, args.count(), args.timeout(), |e| {
                e.map(|i| object_json(&i)).map_err(|e| failed("watch", &e))
            })
            .await?;
            Ok(json!({ "bucket": name, "count": changes.len(), "changes": changes }))
        }
        other => Err(anyhow!("tool `{other}` is not implemented")),
    }
}
