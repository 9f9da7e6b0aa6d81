//! The core NATS commands: publish, subscribe, request and reply.
//!
//! Each is a thin loop over one async-nats client, printing what the nats
//! CLI prints (`[#n] Received on "subject"`, then headers and body) so the
//! output reads the same to people used to it ([`show`] holds the other
//! forms: raw, JSON lines, pretty JSON). Bodies can be templates
//! ([`template`]). `reply --command` runs a program per request through
//! `sh -c`, with the request body on its stdin, and answers with its stdout.
//!
//! Subjects are checked before connecting ([`subjects`]), and every command
//! connects through [`crate::server_errors`], so a permission violation is
//! one failing line rather than a silent success.

mod request;
pub mod show;
pub mod subjects;
mod template;

use std::io::Read;

use anyhow::{bail, Context as _};
use async_nats::header::HeaderName;
use async_nats::{Client, HeaderMap};
use bytes::Bytes;
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

pub use self::request::request;
use self::show::Show;
pub use self::template::{render, rfc3339};
use crate::cli::messages::{PubArgs, ReplyArgs, SubArgs};
use crate::connection::Connection;
use crate::server_errors::{self, refused, ServerErrors};

pub async fn publish(connection: &Connection, args: PubArgs) -> anyhow::Result<()> {
    subjects::check_literal(&args.subject)?;
    if let Some(reply) = &args.reply {
        subjects::check_literal(reply)?;
    }
    let template = body_or_stdin(args.body)?;
    let headers = parse_headers(&args.headers)?;
    let (client, mut errors) = server_errors::connect(connection).await?;
    for count in 1..=args.count {
        let body = Bytes::from(render(&template, count));
        match (&args.reply, &headers) {
            (Some(reply), Some(headers)) => {
                client
                    .publish_with_reply_and_headers(
                        args.subject.clone(),
                        reply.clone(),
                        headers.clone(),
                        body,
                    )
                    .await
            }
            (Some(reply), None) => {
                client
                    .publish_with_reply(args.subject.clone(), reply.clone(), body)
                    .await
            }
            (None, Some(headers)) => {
                client
                    .publish_with_headers(args.subject.clone(), headers.clone(), body)
                    .await
            }
            (None, None) => client.publish(args.subject.clone(), body).await,
        }
        .with_context(|| format!("cannot publish to {:?}", args.subject))?;
        if let Some(pause) = args.sleep.filter(|_| count < args.count) {
            tokio::time::sleep(pause).await;
        }
    }
    client.flush().await.context("cannot flush to the server")?;
    errors.settle_for(&client, connection).await?;
    eprintln!("Published {} message(s) to {:?}", args.count, args.subject);
    Ok(())
}

pub async fn subscribe(connection: &Connection, args: SubArgs) -> anyhow::Result<()> {
    if let Some(subject) = &args.subject {
        subjects::check_filter(subject)?;
    }
    if let Some(queue) = &args.queue {
        subjects::check_queue(queue)?;
    }
    let (client, mut errors) = server_errors::connect(connection).await?;
    let subject = match &args.subject {
        Some(subject) => subject.clone(),
        None => client.new_inbox(),
    };
    let mut subscription = listen(
        &client,
        &mut errors,
        connection,
        &subject,
        args.queue.as_deref(),
    )
    .await?;
    eprintln!("Subscribing on {subject}");
    let show = Show {
        raw: args.raw,
        json: args.json,
        pretty: args.pretty,
        headers_only: args.headers_only,
        translate: args.translate.clone(),
    };
    let mut out = tokio::io::stdout();
    let mut seen = 0u64;
    loop {
        let message = tokio::select! {
            message = subscription.next() => message,
            error = errors.next() => return Err(refused(&error)),
        };
        let Some(message) = message else { break };
        seen += 1;
        out.write_all(&show.render(seen, &message).await?).await?;
        out.flush().await?;
        if args.count > 0 && seen >= args.count {
            break;
        }
    }
    Ok(())
}

pub async fn reply(connection: &Connection, args: ReplyArgs) -> anyhow::Result<()> {
    subjects::check_filter(&args.subject)?;
    if let Some(queue) = &args.queue {
        subjects::check_queue(queue)?;
    }
    let (client, mut errors) = server_errors::connect(connection).await?;
    let template = args.body.clone().unwrap_or_default();
    let mut subscription = listen(
        &client,
        &mut errors,
        connection,
        &args.subject,
        args.queue.as_deref(),
    )
    .await?;
    eprintln!("Listening on {:?} for requests", args.subject);
    let mut answered = 0u64;
    while let Some(message) = subscription.next().await {
        let Some(reply) = message.reply.clone() else {
            continue;
        };
        answered += 1;
        if args.echo {
            match message.headers.clone() {
                Some(headers) => {
                    client
                        .publish_with_headers(reply, headers, message.payload.clone())
                        .await?
                }
                None => client.publish(reply, message.payload.clone()).await?,
            }
        } else {
            let body = match &args.command {
                Some(command) => run_command(command, &message.payload).await?,
                None => render(&template, answered).into_bytes(),
            };
            client.publish(reply, Bytes::from(body)).await?;
        }
        client.flush().await?;
        if args.count > 0 && answered >= args.count {
            break;
        }
    }
    Ok(())
}

/// Subscribes (in a queue group if given) and makes sure the server has
/// the subscription and did not refuse it.
async fn listen(
    client: &Client,
    errors: &mut ServerErrors,
    connection: &Connection,
    subject: &str,
    queue: Option<&str>,
) -> anyhow::Result<async_nats::Subscriber> {
    let subscription = match queue {
        Some(queue) => {
            client
                .queue_subscribe(subject.to_string(), queue.to_string())
                .await
        }
        None => client.subscribe(subject.to_string()).await,
    }
    .with_context(|| format!("cannot subscribe to {subject:?}"))?;
    errors.settle_for(client, connection).await?;
    Ok(subscription)
}

/// Runs `command` with `input` on stdin; its stdout is the answer.
async fn run_command(command: &str, input: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut child = tokio::process::Command::new("sh")
        .args(["-c", command])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot run {command:?}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input is fine.
        let _ = stdin.write_all(input).await;
    }
    let output = child
        .wait_with_output()
        .await
        .with_context(|| format!("{command:?} failed"))?;
    Ok(output.stdout)
}

/// `KEY:VALUE` pairs as a header map (`-H` of pub, request and object put);
/// `None` when there are none. Bad names are refused here: async-nats
/// would panic on them.
pub(crate) fn parse_headers(pairs: &[String]) -> anyhow::Result<Option<HeaderMap>> {
    if pairs.is_empty() {
        return Ok(None);
    }
    let mut headers = HeaderMap::new();
    for pair in pairs {
        let Some((key, value)) = pair.split_once(':') else {
            bail!("invalid header {pair:?}: use KEY:VALUE, e.g. -H source:cli");
        };
        let name: HeaderName = key.trim().parse().map_err(|_| {
            anyhow::anyhow!(
                "invalid header name {:?}: use ASCII letters, digits and dashes, e.g. -H source:cli",
                key.trim()
            )
        })?;
        headers.append(name, value.trim());
    }
    Ok(Some(headers))
}

fn body_or_stdin(body: Option<String>) -> anyhow::Result<String> {
    match body {
        Some(body) => Ok(body),
        None => {
            let mut body = String::new();
            std::io::stdin()
                .read_to_string(&mut body)
                .context("cannot read the body from stdin")?;
            Ok(body)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let parsed = parse_headers(&["a:1".into(), "b: two".into()])
            .unwrap()
            .unwrap();
        assert_eq!(parsed.get("b").map(|v| v.as_str()), Some("two"));
        assert!(parse_headers(&["nocolon".into()]).is_err());
        assert!(parse_headers(&["bad name:1".into()]).is_err());
        assert!(parse_headers(&["ünï:1".into()]).is_err());
    }
}
