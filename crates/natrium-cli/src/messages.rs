//! The core NATS commands: publish, subscribe, request and reply.
//!
//! Each is a thin loop over one async-nats client, printing what the nats
//! CLI prints (`[#n] Received on "subject"`, then headers and body) so the
//! output reads the same to people used to it. Bodies can be templates
//! ([`render`]): `{{Count}}` is the message number, `{{TimeStamp}}` the
//! RFC 3339 time, `{{Unix}}` seconds since the epoch, `{{ID}}` a random id.
//! `reply --command` runs a program per request through `sh -c`, with the
//! request body on its stdin, and answers with its stdout.

use std::io::{Read, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context as _};
use async_nats::{Client, HeaderMap, Message};
use bytes::Bytes;
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::cli::messages::{PubArgs, ReplyArgs, RequestArgs, SubArgs};
use crate::connection::{Connection, DEFAULT_TIMEOUT};

pub async fn publish(connection: &Connection, args: PubArgs) -> anyhow::Result<()> {
    let client = connection.connect().await?;
    let template = body_or_stdin(args.body)?;
    let headers = parse_headers(&args.headers)?;
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
    eprintln!("Published {} message(s) to {:?}", args.count, args.subject);
    Ok(())
}

pub async fn subscribe(connection: &Connection, args: SubArgs) -> anyhow::Result<()> {
    let client = connection.connect().await?;
    let mut subscription = listen(&client, &args.subject, args.queue.as_deref()).await?;
    eprintln!("Subscribing on {}", args.subject);
    let mut out = tokio::io::stdout();
    let mut seen = 0u64;
    while let Some(message) = subscription.next().await {
        seen += 1;
        let text = if args.raw {
            let mut line = message.payload.to_vec();
            line.push(b'\n');
            line
        } else {
            describe(seen, &message, !args.headers_only).into_bytes()
        };
        out.write_all(&text).await?;
        out.flush().await?;
        if args.count > 0 && seen >= args.count {
            break;
        }
    }
    Ok(())
}

pub async fn request(connection: &Connection, args: RequestArgs) -> anyhow::Result<()> {
    let client = connection.connect().await?;
    let timeout = connection.timeout_or(DEFAULT_TIMEOUT);
    let body = Bytes::from(render(&body_or_stdin(args.body)?, 1));
    let request = async_nats::Request::new()
        .payload(body)
        .timeout(Some(timeout));
    let request = match parse_headers(&args.headers)? {
        Some(headers) => request.headers(headers),
        None => request,
    };
    let reply = client
        .send_request(args.subject.clone(), request)
        .await
        .map_err(|err| match err.kind() {
            async_nats::RequestErrorKind::NoResponders => {
                anyhow::anyhow!(
                    "no responders on {:?}: start one, e.g. `natrium reply {} --echo`",
                    args.subject,
                    args.subject
                )
            }
            async_nats::RequestErrorKind::TimedOut => {
                anyhow::anyhow!("no reply on {:?} within {:?}", args.subject, timeout)
            }
            _ => anyhow::anyhow!("request to {:?} failed: {err}", args.subject),
        })?;
    let text = if args.raw {
        let mut line = reply.payload.to_vec();
        line.push(b'\n');
        line
    } else {
        describe(1, &reply, true).into_bytes()
    };
    std::io::stdout().write_all(&text)?;
    Ok(())
}

pub async fn reply(connection: &Connection, args: ReplyArgs) -> anyhow::Result<()> {
    let client = connection.connect().await?;
    let template = args.body.clone().unwrap_or_default();
    let mut subscription = listen(&client, &args.subject, args.queue.as_deref()).await?;
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

/// Subscribes (in a queue group if given) and makes sure the server has it.
async fn listen(
    client: &Client,
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
    client.flush().await.context("cannot reach the server")?;
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

/// The nats CLI's rendering of a received message.
pub fn describe(number: u64, message: &Message, with_body: bool) -> String {
    let mut text = format!("[#{number}] Received on {:?}", message.subject.as_str());
    if let Some(reply) = &message.reply {
        text.push_str(&format!(" with reply {:?}", reply.as_str()));
    }
    text.push('\n');
    if let Some(headers) = &message.headers {
        for (name, values) in headers.iter() {
            for value in values {
                text.push_str(&format!("{name}: {}\n", value.as_str()));
            }
        }
        text.push('\n');
    }
    if with_body {
        text.push_str(&String::from_utf8_lossy(&message.payload));
        text.push_str("\n\n");
    }
    text
}

/// `KEY:VALUE` pairs as a header map; `None` when there are none.
fn parse_headers(pairs: &[String]) -> anyhow::Result<Option<HeaderMap>> {
    if pairs.is_empty() {
        return Ok(None);
    }
    let mut headers = HeaderMap::new();
    for pair in pairs {
        let Some((key, value)) = pair.split_once(':') else {
            bail!("invalid header {pair:?}: use KEY:VALUE, e.g. -H source:cli");
        };
        headers.append(key.trim(), value.trim());
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

/// Fills in `{{Count}}`, `{{TimeStamp}}`, `{{Unix}}` and `{{ID}}`.
pub fn render(template: &str, count: u64) -> String {
    if !template.contains("{{") {
        return template.to_string();
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    template
        .replace("{{Count}}", &count.to_string())
        .replace("{{Unix}}", &now.as_secs().to_string())
        .replace("{{TimeStamp}}", &rfc3339(now))
        .replace(
            "{{ID}}",
            &format!("{:016x}{:08x}", now.as_nanos() as u64, count),
        )
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a time since the epoch (UTC).
fn rfc3339(since_epoch: Duration) -> String {
    let secs = since_epoch.as_secs() as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        assert_eq!(render("plain", 3), "plain");
        assert_eq!(render("n={{Count}}", 7), "n=7");
        assert!(render("{{TimeStamp}}", 1).ends_with('Z'));
    }

    #[test]
    fn dates() {
        assert_eq!(rfc3339(Duration::from_secs(0)), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(Duration::from_secs(1_795_434_221)),
            "2026-11-23T11:43:41Z"
        );
    }

    #[test]
    fn headers() {
        let parsed = parse_headers(&["a:1".into(), "b: two".into()])
            .unwrap()
            .unwrap();
        assert_eq!(parsed.get("b").map(|v| v.as_str()), Some("two"));
        assert!(parse_headers(&["nocolon".into()]).is_err());
    }
}
