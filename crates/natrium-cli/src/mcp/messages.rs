//! `publish`, `request`, `account_backup` and `account_restore`.

use anyhow::anyhow;
use serde_json::{json, Map, Value};

use super::{data_json, Args};
use crate::jsapi::JsApi;

fn headers(args: Args<'_>) -> anyhow::Result<Option<async_nats::HeaderMap>> {
    let Some(given) = args.headers() else {
        return Ok(None);
    };
    let mut headers = async_nats::HeaderMap::new();
    for (name, value) in given {
        let value = value.as_str().unwrap_or_default();
        let checked: async_nats::HeaderName = name
            .parse()
            .map_err(|_| anyhow!("argument `headers`: {name:?} is not a valid header name"))?;
        headers.insert(checked, value);
    }
    Ok(Some(headers))
}

fn subject<'a>(args: Args<'a>) -> anyhow::Result<&'a str> {
    let subject = args.need("subject")?;
    if subject.is_empty() || subject.contains(char::is_whitespace) {
        return Err(anyhow!(
            "argument `subject`: {subject:?} is not a valid subject"
        ));
    }
    Ok(subject)
}

pub async fn publish(api: &JsApi, args: Args<'_>) -> anyhow::Result<Value> {
    let subject = subject(args)?;
    let payload = bytes::Bytes::from(args.need("payload")?.to_string());
    let size = payload.len();
    let client = &api.client;
    match (headers(args)?, args.str("reply")) {
        (Some(h), Some(reply)) => {
            client
                .publish_with_reply_and_headers(subject.to_string(), reply.to_string(), h, payload)
                .await?
        }
        (Some(h), None) => {
            client
                .publish_with_headers(subject.to_string(), h, payload)
                .await?
        }
        (None, Some(reply)) => {
            client
                .publish_with_reply(subject.to_string(), reply.to_string(), payload)
                .await?
        }
        (None, None) => client.publish(subject.to_string(), payload).await?,
    }
    client.flush().await?;
    Ok(json!({ "published": true, "subject": subject, "bytes": size }))
}

pub async fn request(api: &JsApi, args: Args<'_>) -> anyhow::Result<Value> {
    let subject = subject(args)?;
    let mut request = async_nats::Request::new()
        .payload(bytes::Bytes::from(args.need("payload")?.to_string()))
        .timeout(Some(args.timeout()));
    if let Some(h) = headers(args)? {
        request = request.headers(h);
    }
    let reply = api
        .client
        .send_request(subject.to_string(), request)
        .await
        .map_err(|e| anyhow!("request to {subject} failed: {e}"))?;
    let mut out = Map::new();
    out.insert("subject".into(), json!(reply.subject.to_string()));
    if let Some(h) = &reply.headers {
        let map: Map<String, Value> = h
            .iter()
            .map(|(k, v)| {
                let values: Vec<String> = v.iter().map(|x| x.to_string()).collect();
                (k.to_string(), json!(values.join(", ")))
            })
            .collect();
        out.insert("headers".into(), Value::Object(map));
    }
    data_json(&mut out, "data", &reply.payload);
    Ok(Value::Object(out))
}

pub async fn backup(api: &JsApi, args: Args<'_>) -> anyhow::Result<Value> {
    let dir = std::path::PathBuf::from(args.need("dir")?);
    let consumers = args.bool("consumers").unwrap_or(true);
    let reports = crate::backup::backup_account(api, &dir, consumers, |_, _, _| {}).await?;
    let streams: Vec<Value> = reports
        .iter()
        .map(|r| json!({ "stream": r.stream, "dir": r.dir.display().to_string(), "bytes": r.bytes, "messages": r.messages }))
        .collect();
    Ok(json!({ "dir": dir.display().to_string(), "count": streams.len(), "streams": streams }))
}

pub async fn restore(api: &JsApi, args: Args<'_>) -> anyhow::Result<Value> {
    let dir = std::path::PathBuf::from(args.need("dir")?);
    let infos = crate::backup::restore_account(api, &dir, |_, _, _| {}).await?;
    let streams: Vec<Value> = infos
        .iter()
        .map(|i| json!({ "stream": i["config"]["name"], "messages": i["state"]["messages"], "last_seq": i["state"]["last_seq"] }))
        .collect();
    Ok(json!({ "count": streams.len(), "streams": streams }))
}
