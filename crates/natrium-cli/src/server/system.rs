//! Requests to the system account, which answers on `$SYS.REQ.SERVER.*`.
//!
//! A system request may have many answers (one per server), so it goes out
//! with an inbox this module reads until the expected number arrived or the
//! timeout passed. Without system-account credentials the request reaches
//! no one: the server says "no responders" (or refuses it as a permission
//! violation), and [`no_access`] turns that into advice.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use async_nats::{Client, StatusCode};
use bytes::Bytes;
use futures::StreamExt;
use serde_json::Value;

use crate::output;
use crate::server_errors::ServerErrors;

/// One server's answer and how long after the request it arrived.
pub struct Answer {
    pub elapsed: Duration,
    pub body: Value,
}

/// The one line for "the system account is out of reach".
pub fn no_access(command: &str, why: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "{why}: `natrium {command}` needs system account credentials: pass --creds sys.creds or --user/--password of a system-account user, or use a context for the system user"
    )
}

/// Sends `body` to `subject` and collects answers until `expect` arrived
/// (when no number is given, the first answer's `statsz.active_servers`
/// sets it) or `timeout` passed. `Err` carries why nothing usable came
/// back, in words for [`no_access`].
pub async fn gather(
    client: &Client,
    errors: &mut ServerErrors,
    subject: &str,
    body: Bytes,
    mut expect: Option<usize>,
    timeout: Duration,
) -> Result<Vec<Answer>, String> {
    let inbox = client.new_inbox();
    let mut answers_on = client
        .subscribe(inbox.clone())
        .await
        .context("cannot subscribe to an inbox")
        .map_err(|err| format!("{err:#}"))?;
    let started = Instant::now();
    client
        .publish_with_reply(subject.to_string(), inbox, body)
        .await
        .map_err(|err| format!("cannot send {subject}: {err}"))?;
    client
        .flush()
        .await
        .map_err(|err| format!("cannot write to the server: {err}"))?;
    let mut answers = Vec::new();
    while expect.is_none_or(|n| answers.len() < n) {
        let left = timeout.saturating_sub(started.elapsed());
        let next = tokio::select! {
            next = tokio::time::timeout(left, answers_on.next()) => next,
            error = errors.next() => return Err(format!("the server refused {subject}: {error}")),
        };
        let Ok(Some(message)) = next else { break };
        if message.status == Some(StatusCode::NO_RESPONDERS) {
            if answers.is_empty() {
                return Err(format!("no server answered {subject}"));
            }
            break;
        }
        let Ok(body) = serde_json::from_slice::<Value>(&message.payload) else {
            continue;
        };
        if expect.is_none() {
            expect = body["statsz"]["active_servers"]
                .as_u64()
                .filter(|n| *n > 0)
                .map(|n| n as usize);
        }
        answers.push(Answer {
            elapsed: started.elapsed(),
            body,
        });
    }
    if answers.is_empty() {
        return Err(format!(
            "no server answered {subject} within {}",
            output::duration(timeout)
        ));
    }
    Ok(answers)
}
