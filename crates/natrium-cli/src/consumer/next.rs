//! `natrium consumer next`: one pull request, its messages printed the way
//! `natrium sub` prints them, each acknowledged unless `--no-ack`.
//!
//! The pull request is sent by hand (`CONSUMER.MSG.NEXT` with `batch` and
//! `expires`) rather than through async-nats's pull consumer, so that the
//! command can name a priority group, stop on the server's "no messages" /
//! "request expired" status instead of waiting longer, and explain a refusal
//! (status 409) in one line. Acks are "double acks" (a request the server
//! answers once the ack is recorded), so `consumer info` right afterwards
//! already shows the new ack floor.

use std::io::Write;
use std::time::Duration;

use anyhow::{bail, Context as _};
use async_nats::Message;
use futures::StreamExt;
use serde_json::{json, Value};
use tokio::time::Instant;

use super::api::{object, JsApi};
use crate::cli::consumer::NextArgs;
use crate::messages::show::describe;
use crate::output;

/// Extra time allowed past `expires` for the server's closing status.
const GRACE: Duration = Duration::from_secs(1);

pub async fn next(api: &JsApi, args: NextArgs) -> anyhow::Result<()> {
    let (stream, consumer) = (&args.target.stream, &args.target.consumer);
    let info = api.consumer_info(stream, consumer).await?;
    let config = object(&info, "config");
    if let Some(target) = config
        .get("deliver_subject")
        .and_then(Value::as_str)
        .filter(|subject| !subject.is_empty())
    {
        bail!(
            "consumer {stream} > {consumer} is a push consumer delivering to {target}: \
             read it with natrium sub {target}"
        );
    }
    let acking = !args.no_ack && config.get("ack_policy").and_then(Value::as_str) != Some("none");
    let group = args.group.clone().or_else(|| {
        let policy = config.get("priority_policy").and_then(Value::as_str);
        let groups = config.get("priority_groups").and_then(Value::as_array)?;
        match policy {
            None | Some("none") => None,
            Some(_) => groups.first()?.as_str().map(str::to_string),
        }
    });
    let wait = args.wait.unwrap_or(api.timeout);

    let inbox = api.client.new_inbox();
    let mut replies = api
        .client
        .subscribe(inbox.clone())
        .await
        .context("cannot subscribe for the pulled messages")?;
    let mut request = json!({
        "batch": args.count,
        "expires": u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX),
    });
    if let Some(group) = &group {
        request["group"] = json!(group);
    }
    let subject = api.subject(&format!("CONSUMER.MSG.NEXT.{stream}.{consumer}"));
    api.client
        .publish_with_reply(subject, inbox, serde_json::to_vec(&request)?.into())
        .await
        .context("cannot send the pull request")?;
    api.client
        .flush()
        .await
        .context("cannot reach the server")?;

    let deadline = Instant::now() + wait + GRACE;
    let mut received = 0u64;
    let mut out = std::io::stdout();
    while received < args.count {
        let Ok(Some(message)) = tokio::time::timeout_at(deadline, replies.next()).await else {
            break;
        };
        if let Some(status) = message.status {
            match status.as_u16() {
                100 => continue,
                404 | 408 => break,
                409 if received > 0 => break,
                code => bail!(
                    "the server refused the pull from {stream} > {consumer}: {} ({code})",
                    message.description.as_deref().unwrap_or("no reason given")
                ),
            }
        }
        received += 1;
        let text = if args.raw {
            let mut line = message.payload.to_vec();
            line.push(b'\n');
            line
        } else {
            describe(received, &message, Some(&message.payload)).into_bytes()
        };
        out.write_all(&text)?;
        out.flush()?;
        if acking {
            acknowledge(api, &message, received).await?;
        }
    }
    if received == 0 && info.get("paused").and_then(Value::as_bool) == Some(true) {
        bail!(
            "no messages for {stream} > {consumer} within {}: it is paused \
             (resume it with natrium consumer resume {stream} {consumer})",
            output::duration(wait)
        );
    }
    if received == 0 {
        bail!(
            "no messages for {stream} > {consumer} within {}: nothing pending \
             (see natrium consumer info {stream} {consumer})",
            output::duration(wait)
        );
    }
    if acking {
        eprintln!("Acknowledged {received} message(s)");
    }
    Ok(())
}

/// Acks `message` and waits until the server confirms it.
async fn acknowledge(api: &JsApi, message: &Message, number: u64) -> anyhow::Result<()> {
    let Some(reply) = message.reply.clone() else {
        bail!(
            "message {number} has no reply subject to acknowledge: it did not come from JetStream"
        );
    };
    let request = async_nats::Request::new()
        .payload("+ACK".into())
        .timeout(Some(api.timeout));
    api.client
        .send_request(reply, request)
        .await
        .map(drop)
        .with_context(|| format!("cannot acknowledge message {number}"))
}
