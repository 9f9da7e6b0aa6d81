//! Reading and removing a stream's messages: `view`, `get`, `rmm`, `purge`.
//!
//! Messages are read with `STREAM.MSG.GET` one at a time (`next_by_subj`
//! walks forward through the stream, honouring a subject filter), so
//! `view` never creates a consumer and leaves nothing behind on the server.
//! `view --since` finds its first message by binary search over the
//! messages' timestamps, also without a consumer.

use anyhow::bail;
use base64::Engine as _;
use serde_json::{json, Value};

use super::api::{check_name, Api, ServerError, NO_MESSAGE_FOUND};
use super::{show, time};
use crate::cli::stream::{GetArgs, PurgeArgs, RmmArgs, ViewArgs};
use crate::output;

/// One stored message, decoded.
struct Stored {
    seq: u64,
    subject: String,
    time: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Stored {
    fn from_answer(answer: &Value) -> Stored {
        let message = &answer["message"];
        let decode = |key: &str| {
            let text = message[key].as_str().unwrap_or("");
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap_or_default()
        };
        Stored {
            seq: message["seq"].as_u64().unwrap_or(0),
            subject: message["subject"].as_str().unwrap_or("").to_string(),
            time: message["time"].as_str().unwrap_or("").to_string(),
            headers: parse_headers(&decode("hdrs")),
            body: decode("data"),
        }
    }
}

/// `Name: value` lines of a NATS header block (the status line skipped).
fn parse_headers(block: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(block)
        .split("\r\n")
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect()
}

/// `STREAM.MSG.GET`; `None` when there is no such message.
async fn fetch(api: &Api, stream: &str, request: Value) -> anyhow::Result<Option<Value>> {
    match api
        .request(&format!("STREAM.MSG.GET.{stream}"), &request)
        .await
    {
        Ok(answer) => Ok(Some(answer)),
        Err(err) => match err.downcast_ref::<ServerError>() {
            Some(error) if error.err_code == NO_MESSAGE_FOUND => Ok(None),
            _ => Err(super::api::about_stream(err, stream)),
        },
    }
}

/// The first message at or after `seq` whose subject matches `filter`.
async fn next(api: &Api, stream: &str, seq: u64, filter: &str) -> anyhow::Result<Option<Stored>> {
    let answer = fetch(api, stream, json!({ "seq": seq, "next_by_subj": filter })).await?;
    Ok(answer.as_ref().map(Stored::from_answer))
}

pub async fn view(api: &Api, args: ViewArgs) -> anyhow::Result<()> {
    let stream = &args.name;
    let info = api.stream_info(stream).await?;
    let first = info["state"]["first_seq"].as_u64().unwrap_or(1).max(1);
    let last = info["state"]["last_seq"].as_u64().unwrap_or(0);
    let filter = args.subject.as_deref().unwrap_or(">");
    let mut seq = match (args.id, args.since) {
        (Some(id), _) => id,
        (None, Some(since)) => {
            let cutoff = time::now_nanos() - since.as_nanos() as i128;
            first_at_or_after(api, stream, first, last, cutoff).await?
        }
        (None, None) => first,
    };
    let count = args.size.unwrap_or(args.count);
    let mut shown = 0u64;
    while seq <= last && (count == 0 || shown < count) {
        let Some(message) = next(api, stream, seq, filter).await? else {
            break;
        };
        if message.seq > last {
            break;
        }
        print_viewed(&message, args.raw);
        shown += 1;
        seq = message.seq + 1;
    }
    if shown == 0 {
        eprintln!("No messages in stream {stream} from there matching {filter}");
    }
    Ok(())
}

/// The first sequence whose message was stored at or after `cutoff`
/// (nanoseconds since the epoch): binary search over `[first, last + 1]`.
async fn first_at_or_after(
    api: &Api,
    stream: &str,
    first: u64,
    last: u64,
    cutoff: i128,
) -> anyhow::Result<u64> {
    let (mut low, mut high) = (first, last.saturating_add(1));
    while low < high {
        let middle = low + (high - low) / 2;
        match next(api, stream, middle, ">").await? {
            Some(message) if message.seq <= last => {
                let stored = time::parse(&message.time).unwrap_or(i128::MAX);
                if stored >= cutoff {
                    high = middle;
                } else {
                    low = message.seq + 1;
                }
            }
            _ => high = middle,
        }
    }
    Ok(low)
}

fn print_viewed(message: &Stored, raw: bool) {
    if raw {
        println!("{}", String::from_utf8_lossy(&message.body));
        return;
    }
    println!(
        "[{}] Subject: {} Received: {}",
        message.seq,
        message.subject,
        time::show(&message.time)
    );
    for (name, value) in &message.headers {
        println!("  {name}: {value}");
    }
    println!("{}", String::from_utf8_lossy(&message.body));
    println!();
}

pub async fn get(api: &Api, args: GetArgs) -> anyhow::Result<()> {
    let stream = &args.name;
    check_name(stream)?;
    let (request, what) = match (&args.last_for, args.seq) {
        (Some(subject), _) => (json!({ "last_by_subj": subject }), format!("on {subject}")),
        (None, Some(seq)) => (json!({ "seq": seq }), format!("with sequence {seq}")),
        (None, None) => bail!("give a sequence or --last-for SUBJECT"),
    };
    let Some(answer) = fetch(api, stream, request).await? else {
        bail!(
            "stream {stream} has no message {what} ({NO_MESSAGE_FOUND}): see what it holds with `natrium stream view {stream}`"
        );
    };
    if args.json {
        return output::print_json(&answer);
    }
    let message = Stored::from_answer(&answer);
    println!(
        "Item: {stream}#{} received {} on Subject {}",
        message.seq,
        time::show_with_age(&message.time),
        message.subject
    );
    println!();
    if !message.headers.is_empty() {
        println!("Headers:");
        for (name, value) in &message.headers {
            println!("  {name}: {value}");
        }
        println!();
    }
    println!("{}", String::from_utf8_lossy(&message.body));
    Ok(())
}

pub async fn remove_message(api: &Api, args: RmmArgs) -> anyhow::Result<()> {
    let stream = &args.name;
    check_name(stream)?;
    let what = format!(
        "deleting message {} from stream {stream} cannot be undone",
        args.seq
    );
    super::require_force(args.force, &what)?;
    let mut request = json!({ "seq": args.seq });
    if args.no_erase {
        request["no_erase"] = json!(true);
    }
    api.stream_request(stream, &format!("STREAM.MSG.DELETE.{stream}"), &request)
        .await?;
    println!("Deleted message {} from stream {stream}", args.seq);
    Ok(())
}

pub async fn purge(api: &Api, args: PurgeArgs) -> anyhow::Result<()> {
    let stream = &args.name;
    check_name(stream)?;
    let what = format!("purging stream {stream} removes its messages");
    super::require_force(args.force, &what)?;
    let mut request = json!({});
    if let Some(subject) = &args.subject {
        request["filter"] = json!(subject);
    }
    if let Some(seq) = args.seq {
        request["seq"] = json!(seq);
    }
    if let Some(keep) = args.keep {
        request["keep"] = json!(keep);
    }
    let answer = api
        .stream_request(stream, &format!("STREAM.PURGE.{stream}"), &request)
        .await?;
    if args.json {
        return output::print_json(&answer);
    }
    let purged = answer["purged"].as_u64().unwrap_or(0);
    println!("Purged {} messages from {stream}", output::count(purged));
    println!();
    let info = api.stream_info(stream).await?;
    show::state(&info["state"]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_blocks() {
        let headers = parse_headers(b"NATS/1.0\r\nTrace: abc\r\nA: 1\r\n\r\n");
        assert_eq!(
            headers,
            [("Trace".into(), "abc".into()), ("A".into(), "1".into())]
        );
        assert!(parse_headers(b"").is_empty());
    }
}
