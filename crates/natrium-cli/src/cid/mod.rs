//! `natrium cid ...`: content-addressed objects through a domain's
//! `{domain}.objects.*` service, with the [`natrium_cid::Client`] library.
//!
//! * [`transfer`]: `put`, `get` and CAR `export`/`import`, streamed: memory
//!   stays at a few chunks whatever the size;
//! * this file: the small request/reply commands (stat, ls, walk, dag,
//!   verify, pin, unpin, gc) and `serve`, which runs the service itself.
//!
//! Every command races the server's asynchronous errors
//! ([`crate::server_errors`]): a put by a user without publish permission
//! fails at once with the permission violation instead of timing out.

pub mod transfer;

use std::path::Path;

use anyhow::{anyhow, bail};
use natrium_cid::{Client, Codec, Service, ServiceConfig};
use serde_json::Value;
use tokio::io::AsyncReadExt;

use crate::cli::cid::{CidArgs, CidCommand, DagCommand, DocCodec};
use crate::connection::Connection;
use crate::exit::ExitStatus;
use crate::output;
use crate::server_errors::{self, refused};

/// Runs one `natrium cid` command.
pub async fn run(connection: &Connection, args: CidArgs) -> anyhow::Result<()> {
    let (nats, mut errors) = server_errors::connect(connection).await?;
    if let CidCommand::Serve { stream, memory } = &args.command {
        return serve(nats, &args.domain, stream.clone(), *memory).await;
    }
    let client = Client::new(nats, &args.domain)
        .with_timeout(connection.timeout_or(std::time::Duration::from_secs(30)));
    tokio::select! {
        result = command(&client, &args) => result,
        error = errors.next() => Err(refused(&error)),
    }
}

async fn command(client: &Client, args: &CidArgs) -> anyhow::Result<()> {
    let json = args.json;
    match &args.command {
        CidCommand::Put {
            file,
            no_pin,
            blake3,
        } => transfer::put(client, file, !no_pin, *blake3, json).await,
        CidCommand::Get {
            path,
            output,
            force,
        } => transfer::get(client, path, output.as_deref(), *force).await,
        CidCommand::Stat { path } => {
            let meta = client.meta(path).await?;
            show(&meta, json, |meta| {
                let text = |key: &str| match &meta[key] {
                    Value::String(s) => s.clone(),
                    Value::Null => "-".to_string(),
                    other => other.to_string(),
                };
                output::print_fields(&[
                    ("CID", text("cid")),
                    ("Codec", text("codec")),
                    ("Type", text("type")),
                    ("Block size", text("block_size")),
                    ("Size", text("size")),
                    ("Links", text("links")),
                    ("Pinned", text("pinned")),
                    ("Created", text("created")),
                ]);
            })
        }
        CidCommand::Ls { path } => {
            let links = Value::Array(client.links(path).await?);
            show(&links, json, |links| {
                for link in links.as_array().into_iter().flatten() {
                    let size = link["size"]
                        .as_u64()
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| "-".into());
                    println!(
                        "{}\t{size}\t{}",
                        link["cid"].as_str().unwrap_or(""),
                        link["name"].as_str().unwrap_or("")
                    );
                }
            })
        }
        CidCommand::Walk { path } => {
            let blocks = client.walk(path).await?;
            let value = Value::Array(
                blocks
                    .iter()
                    .map(|(cid, depth)| serde_json::json!({"cid": cid.to_string(), "depth": depth}))
                    .collect(),
            );
            show(&value, json, |_| {
                for (cid, depth) in &blocks {
                    println!("{}{cid}", "  ".repeat(*depth as usize));
                }
            })
        }
        CidCommand::Dag(DagCommand::Get { path }) => {
            let doc = client.dag_get(path).await?;
            println!("{}", String::from_utf8_lossy(&doc));
            Ok(())
        }
        CidCommand::Dag(DagCommand::Put { file, codec }) => {
            let text = read_input(file).await?;
            let codec = match codec {
                DocCodec::DagCbor => Codec::DagCbor,
                DocCodec::DagJson => Codec::DagJson,
            };
            let cid = client.dag_put(&text, codec).await?;
            show(&serde_json::json!({"cid": cid.to_string()}), json, |_| {
                println!("{cid}")
            })
        }
        CidCommand::Verify { cid } => {
            let report = client.verify(&parse(cid)?).await?;
            show(&report, json, |r| {
                println!("{} blocks, {} bytes checked", r["blocks"], r["bytes"]);
                for cid in r["corrupt"].as_array().into_iter().flatten() {
                    println!("corrupt: {}", cid.as_str().unwrap_or(""));
                }
                for cid in r["missing"].as_array().into_iter().flatten() {
                    println!("missing: {}", cid.as_str().unwrap_or(""));
                }
                if r["ok"] == true {
                    println!(
                        "{} verified: every block hashes to its CID",
                        r["root"].as_str().unwrap_or("")
                    );
                }
            })?;
            if report["ok"] != true {
                eprintln!("natrium: {cid} is damaged: corrupt or missing blocks");
                return Err(ExitStatus(1).into());
            }
            Ok(())
        }
        CidCommand::Pin { cid } => {
            let changed = client.pin(&parse(cid)?).await?;
            println!(
                "{cid} {}",
                if changed {
                    "pinned"
                } else {
                    "was already pinned"
                }
            );
            Ok(())
        }
        CidCommand::Unpin { cid } => {
            let changed = client.unpin(&parse(cid)?).await?;
            println!(
                "{cid} {}",
                if changed {
                    "unpinned"
                } else {
                    "was not pinned"
                }
            );
            Ok(())
        }
        CidCommand::Gc { grace } => {
            let report = client.gc(*grace).await?;
            show(&report, json, |r| {
                println!(
                    "deleted {} blocks ({} bytes), kept {}",
                    r["deleted"], r["bytes"], r["kept"]
                )
            })
        }
        CidCommand::Car(command) => transfer::car(client, command, json).await,
        CidCommand::Serve { .. } => unreachable!("handled before connecting a client"),
    }
}

async fn serve(
    nats: async_nats::Client,
    domain: &str,
    stream: Option<String>,
    memory: bool,
) -> anyhow::Result<()> {
    let mut config = ServiceConfig::new(domain);
    config.store.stream = stream;
    config.store.memory = memory;
    let stream_name = config.store.stream_name();
    let service = Service::start(nats, config)
        .await
        .map_err(|e| anyhow!("cannot start the content store: {e}"))?;
    eprintln!("natrium: content store of domain {domain} (stream {stream_name}) answering on {domain}.objects.>");
    tokio::select! {
        () = service.run() => bail!("the connection ended"),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

pub(crate) fn parse(text: &str) -> anyhow::Result<natrium_cid::Cid> {
    Ok(natrium_cid::block::parse_cid(text)?)
}

/// Prints `value` as JSON, or with `text`.
fn show(value: &Value, json: bool, text: impl FnOnce(&Value)) -> anyhow::Result<()> {
    if json {
        output::print_json(value)
    } else {
        text(value);
        Ok(())
    }
}

/// The whole of a small input (a document): a file or stdin.
async fn read_input(file: &Path) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if file.as_os_str() == "-" {
        tokio::io::stdin().read_to_end(&mut bytes).await?;
    } else {
        bytes = tokio::fs::read(file)
            .await
            .map_err(|e| anyhow!("cannot read {}: {e}", file.display()))?;
    }
    Ok(bytes)
}
