//! The content store tools (`cid_*`): the same `natrium_cid::Client` calls
//! `natrium cid` makes, on the call's connection, results as JSON.

use anyhow::anyhow;
use base64::Engine;
use serde_json::{json, Value};

use super::Args;
use crate::connection::Connection;

/// The largest content `cid_get` returns unless told otherwise.
const DEFAULT_CAP: u64 = 1024 * 1024;

fn cid_argument(args: Args<'_>) -> anyhow::Result<natrium_cid::Cid> {
    let text = args.need("cid")?;
    natrium_cid::block::parse_cid(text).map_err(|e| anyhow!("argument `cid`: {e}"))
}

fn bytes_argument(args: Args<'_>) -> anyhow::Result<Vec<u8>> {
    let data = args.need("data")?;
    match args.str("encoding").unwrap_or("text") {
        "text" => Ok(data.as_bytes().to_vec()),
        "base64" => base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|e| anyhow!("argument `data`: not base64: {e}")),
        other => Err(anyhow!(
            "argument `encoding`: {other:?} is not text or base64"
        )),
    }
}

pub async fn run(connection: &Connection, tool: &str, args: Args<'_>) -> anyhow::Result<Value> {
    let domain = args.need("domain")?;
    let nats = connection.connect().await?;
    let client = natrium_cid::Client::new(nats, domain);
    let failed = |e: natrium_cid::error::Error| anyhow!("{tool} in domain {domain}: {e}");
    match tool {
        "cid_put" => {
            let report = client
                .put_bytes(&bytes_argument(args)?)
                .await
                .map_err(failed)?;
            Ok(json!({
                "cid": report.cid.to_string(),
                "size": report.size,
                "blocks": report.blocks,
                "new_blocks": report.new_blocks,
                "duplicate": report.new_blocks == 0,
            }))
        }
        "cid_get" => {
            let path = args.need("path")?;
            let cap = args.u64("max_bytes").unwrap_or(DEFAULT_CAP);
            let meta = client.meta(path).await.map_err(failed)?;
            if let Some(size) = meta["size"].as_u64().filter(|size| *size > cap) {
                return Err(anyhow!(
                    "argument `max_bytes`: the content has {size} bytes, more than {cap}"
                ));
            }
            let bytes = client.get_bytes(path).await.map_err(failed)?;
            let (encoding, content) = match (args.str("encoding"), String::from_utf8(bytes)) {
                (Some("base64"), Ok(text)) => (
                    "base64",
                    base64::engine::general_purpose::STANDARD.encode(text.as_bytes()),
                ),
                (_, Ok(text)) => ("text", text),
                (_, Err(raw)) => (
                    "base64",
                    base64::engine::general_purpose::STANDARD.encode(raw.into_bytes()),
                ),
            };
            Ok(json!({ "path": path, "encoding": encoding, "content": content }))
        }
        "cid_stat" => client.meta(args.need("path")?).await.map_err(failed),
        "cid_ls" => {
            let path = args.need("path")?;
            let links = client.links(path).await.map_err(failed)?;
            Ok(json!({ "path": path, "count": links.len(), "links": links }))
        }
        "cid_verify" => client.verify(&cid_argument(args)?).await.map_err(failed),
        "cid_dag_get" => {
            let document = client.dag_get(args.need("path")?).await.map_err(failed)?;
            let value: Value = serde_json::from_slice(&document)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&document).into()));
            Ok(json!({ "document": value }))
        }
        "cid_dag_put" => {
            let codec = match args.str("codec").unwrap_or("dag-cbor") {
                "dag-cbor" => natrium_cid::Codec::DagCbor,
                "dag-json" => natrium_cid::Codec::DagJson,
                other => {
                    return Err(anyhow!(
                        "argument `codec`: {other:?} is not dag-cbor or dag-json"
                    ))
                }
            };
            let cid = client
                .dag_put(args.need("data")?.as_bytes(), codec)
                .await
                .map_err(failed)?;
            Ok(json!({ "cid": cid.to_string() }))
        }
        "cid_pin" => {
            let changed = client.pin(&cid_argument(args)?).await.map_err(failed)?;
            Ok(json!({ "pinned": true, "changed": changed }))
        }
        "cid_unpin" => {
            let changed = client.unpin(&cid_argument(args)?).await.map_err(failed)?;
            Ok(json!({ "pinned": false, "changed": changed }))
        }
        "cid_gc" => {
            let grace = std::time::Duration::from_millis(args.u64("grace_ms").unwrap_or(60_000));
            client.gc(grace).await.map_err(failed)
        }
        other => Err(anyhow!("tool `{other}` is not implemented")),
    }
}
