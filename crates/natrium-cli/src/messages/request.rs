//! `natrium request`: send one request and print the replies.
//!
//! The request goes out with a reply inbox this command subscribed to
//! itself (not async-nats's shared request muxer), so several replies can
//! be collected, as with the nats CLI's `--replies`: the first reply may
//! take up to the timeout; after it, each further reply may take the
//! average reply time so far plus `--reply-timeout`. `--replies 0` collects
//! whatever arrives until the timeout. A refusal by the server (permission
//! violation) ends the wait at once with that error.

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use async_nats::StatusCode;
use bytes::Bytes;
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

use super::{body_or_stdin, parse_headers, render, show::Show, subjects};
use crate::cli::messages::RequestArgs;
use crate::connection::{Connection, DEFAULT_TIMEOUT};
use crate::output;
use crate::server_errors::{self, refused};

pub async fn request(connection: &Connection, args: RequestArgs) -> anyhow::Result<()> {
    subjects::check_literal(&args.subject)?;
    let headers = parse_headers(&args.headers)?;
    let body = Bytes::from(render(&body_or_stdin(args.body.clone())?, 1));
    let show = Show {
        raw: args.raw,
        json: args.json,
        pretty: args.pretty,
        headers_only: false,
        translate: args.translate.clone(),
    };
    let timeout = connection.timeout_or(DEFAULT_TIMEOUT);
    let (client, mut errors) = server_errors::connect(connection).await?;
    let inbox = client.new_inbox();
    let mut replies = client
        .subscribe(inbox.clone())
        .await
        .context("cannot subscribe to a reply inbox")?;
    let subject = args.subject.clone();
    match headers {
        Some(headers) => {
            client
                .publish_with_reply_and_headers(subject, inbox, headers, body)
                .await
        }
        None => client.publish_with_reply(subject, inbox, body).await,
    }
    .with_context(|| format!("cannot send the request to {:?}", args.subject))?;
    client.flush().await.context("cannot write to the server")?;

    let started = Instant::now();
    let mut out = tokio::io::stdout();
    let mut received = 0u64;
    let mut wait = timeout;
    let mut reply_times = Duration::ZERO;
    loop {
        let next = tokio::select! {
            next = tokio::time::timeout(wait, replies.next()) => next,
            error = errors.next() => return Err(refused(&error)),
        };
        let reply = match next {
            Err(_) => break,
            Ok(None) => bail!("the connection to the server closed while waiting for replies"),
            Ok(Some(reply)) => reply,
        };
        if reply.status == Some(StatusCode::NO_RESPONDERS) {
            if received > 0 {
                break;
            }
            bail!(
                "no responders on {:?}: start one, e.g. `natrium reply {} --echo`",
                args.subject,
                args.subject
            );
        }
        received += 1;
        out.write_all(&show.render(received, &reply).await?).await?;
        out.flush().await?;
        if args.replies > 0 && received >= args.replies {
            break;
        }
        let elapsed = started.elapsed();
        wait = if args.replies == 0 {
            timeout.saturating_sub(elapsed)
        } else {
            reply_times += elapsed;
            reply_times / received as u32 + args.reply_timeout
        };
    }
    if received == 0 {
        bail!(
            "no reply on {:?} within {}: is the responder running? (raise --timeout if it is slow)",
            args.subject,
            output::duration(timeout)
        );
    }
    Ok(())
}
