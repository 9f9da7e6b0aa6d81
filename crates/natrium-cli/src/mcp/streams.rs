//! Stream tools: `stream_list`, `stream_info`, `stream_state`,
//! `stream_report`, `stream_subjects`, `stream_view`, `stream_get`,
//! `stream_find`, all over the JetStream API (no consumer is created).
//! Messages are read with `STREAM.MSG.GET` (next by subject from a
//! sequence), so paging is by sequence: a page ends with `next_seq`.

use anyhow::anyhow;
use base64::Engine;
use serde_json::{json, Map, Value};

use super::{answer, data_json, Args};
use crate::jsapi::{check_name, JsApi, ServerError};

/// How many messages `stream_find` looks at, at most, per call.
const FIND_SCAN_LIMIT: usize = 10_000;

fn stream_name<'a>(args: Args<'a>) -> anyhow::Result<&'a str> {
    let name = args.need("stream")?;
    check_name("stream", name).map_err(|e| anyhow!("argument `stream`: {e:#}"))?;
    Ok(name)
}

pub async fn list(api: &JsApi, args: Args<'_>) -> anyhow::Result<Value> {
    let filter = match args.str("subject") {
        Some(subject) => json!({ "subject": subject }),
        None => json!({}),
    };
    let streams = api.all_pages("STREAM.LIST", "streams", &filter).await?;
    Ok(json!({ "count": streams.len(), "streams": streams }))
}

pub async fn info(api: &JsApi, args: Args<'_>) -> anyhow::Result<Value> {
    let name = stream_name(args)?;
    Ok(answer(
        api.request(&format!("STREAM.INFO.{name}"), &json!({}))
            .await?,
    ))
}

pub async fn state(api: &JsApi, args: Args<'_>) -> anyhow::Result<Value> {
    let info = info(api, args).await?;
    Ok(json!({ "stream": info["config"]["name"], "state": info["state"] }))
}

pub async fn report(api: &JsApi) -> anyhow::Result<Value> {
    let streams = api.all_pages("STREAM.LIST", "streams", &json!({})).await?;
    let rows: Vec<Value> = streams
        .iter()
        .map(|s| {
            json!({
                "name": s["config"]["name"],
                "storage": s["config"]["storage"],
                "replicas": s["config"]["num_replicas"],
                "consumers": s["state"]["consumer_count"],
                "messages": s["state"]["messages"],
                "bytes": s["state"]["bytes"],
                "deleted": s["state"]["num_deleted"],
                "first_seq": s["state"]["first_seq"],
                "last_seq": s["state"]["last_seq"],
            })
        })
        .collect();
    Ok(json!({ "count": rows.len(), "streams": rows }))
}

pub async fn subjects(api: &JsApi, args: Args<'_>) -> anyhow::Result<Value> {
    let name = stream_name(args)?;
    let filter = args.str("filter").unwrap_or(">");
    let info = api
        .request(
            &format!("STREAM.INFO.{name}"),
            &json!({ "subjects_filter": filter }),
        )
        .await?;
    let subjects = info["state"]["subjects"].clone();
    let count = subjects.as_object().map_or(0, Map::len);
    Ok(json!({ "stream": name, "filter": filter, "count": count, "subjects": subjects }))
}

/// A stored message as JSON (data as text, or base64 when not UTF-8).
fn message_json(message: &Value) -> Value {
    let decode = |field: &str| {
        message[field]
            .as_str()
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .unwrap_or_default()
    };
    let mut out = Map::new();
    out.insert("seq".into(), message["seq"].clone());
    out.insert("subject".into(), message["subject"].clone());
    out.insert("time".into(), message["time"].clone());
    let headers = decode("hdrs");
    if !headers.is_empty() {
        out.insert(
            "headers".into(),
            Value::String(String::from_utf8_lossy(&headers).into()),
        );
    }
    data_json(&mut out, "data", &decode("data"));
    Value::Object(out)
}

/// The first message at or after `seq` on `subject`; `None` past the end.
async fn next(api: &JsApi, stream: &str, seq: u64, subject: &str) -> anyhow::Result<Option<Value>> {
    let request = json!({ "seq": seq, "next_by_subj": subject });
    match api
        .request(&format!("STREAM.MSG.GET.{stream}"), &request)
        .await
    {
        Ok(answer) => Ok(Some(answer["message"].clone())),
        Err(err) => match err.downcast_ref::<ServerError>() {
            Some(error) if error.err_code == 10037 => Ok(None),
            _ => Err(err),
        },
    }
}

pub async fn view(api: &JsApi, args: Args<'_>) -> anyhow::Result<Value> {
    let name = stream_name(args)?;
    let subject = args.str("subject").unwrap_or(">");
    let mut seq = args.u64("start_seq").unwrap_or(1).max(1);
    let mut messages = Vec::new();
    while messages.len() < args.count() {
        let Some(message) = next(api, name, seq, subject).await? else {
            break;
        };
        seq = message["seq"].as_u64().unwrap_or(seq) + 1;
        messages.push(message_json(&message));
    }
    Ok(json!({ "stream": name, "count": messages.len(), "messages": messages, "next_seq": seq }))
}

pub async fn get(api: &JsApi, args: Args<'_>) -> anyhow::Result<Value> {
    let name = stream_name(args)?;
    let request = match (args.u64("seq"), args.str("last_for")) {
        (Some(seq), None) => json!({ "seq": seq }),
        (None, Some(subject)) => json!({ "last_by_subj": subject }),
        (Some(_), Some(_)) => {
            return Err(anyhow!(
                "arguments `seq` and `last_for`: give one, not both"
            ))
        }
        (None, None) => return Err(anyhow!("argument `seq` (or `last_for`) is required")),
    };
    let answer = api
        .request(&format!("STREAM.MSG.GET.{name}"), &request)
        .await?;
    Ok(message_json(&answer["message"]))
}

pub async fn find(api: &JsApi, args: Args<'_>) -> anyhow::Result<Value> {
    let name = stream_name(args)?;
    let subject = args.need("subject")?;
    let contains = args.str("contains");
    let mut seq = 1;
    let mut found = Vec::new();
    let mut scanned = 0;
    while found.len() < args.count() && scanned < FIND_SCAN_LIMIT {
        let Some(message) = next(api, name, seq, subject).await? else {
            break;
        };
        scanned += 1;
        seq = message["seq"].as_u64().unwrap_or(seq) + 1;
        let shown = message_json(&message);
        let matches = contains.is_none_or(|text| {
            shown["data"]
                .as_str()
                .is_some_and(|data| data.contains(text))
        });
        if matches {
            found.push(shown);
        }
    }
    Ok(
        json!({ "stream": name, "subject": subject, "count": found.len(), "messages": found, "scanned": scanned, "next_seq": seq }),
    )
}
