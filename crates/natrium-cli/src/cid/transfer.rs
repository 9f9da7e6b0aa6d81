//! `cid put`, `cid get` and `cid car export|import`, streamed.
//!
//! `put` reads the file one chunk at a time into natrium-cid's chunker and
//! sends blocks as they are made (progress on stderr when it is a terminal);
//! `get` writes each chunk as it arrives, into a temporary file renamed into
//! place only when the whole content arrived, so a failed get never leaves a
//! truncated file under the real name. `car import` of a file reads it twice:
//! once to check every section hashes to its CID and the file is not
//! truncated, then to store, so a bad CAR stores nothing.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail};
use natrium_cid::car::CarReader;
use natrium_cid::client::PutOptions;
use natrium_cid::{Client, HashAlg};
use tokio::io::{AsyncRead, AsyncWriteExt, BufReader, BufWriter};

use super::{parse, show};
use crate::cli::cid::CarCommand;
use crate::object::progress;

pub async fn put(
    client: &Client,
    file: &Path,
    pin: bool,
    blake3: bool,
    json: bool,
) -> anyhow::Result<()> {
    let options = PutOptions {
        hash: if blake3 {
            HashAlg::Blake3
        } else {
            HashAlg::Sha2_256
        },
        pin,
        progress: None,
    };
    let report = if file.as_os_str() == "-" {
        let bar = progress::bar(None);
        let report = client
            .put_reader(
                progress::Counted::new(tokio::io::stdin(), bar.clone()),
                options,
            )
            .await;
        bar.finish_and_clear();
        report?
    } else {
        let input = tokio::fs::File::open(file)
            .await
            .map_err(|e| anyhow!("cannot read {}: {e}", file.display()))?;
        let size = input.metadata().await.ok().map(|m| m.len());
        let bar = progress::bar(size);
        let report = client
            .put_reader(progress::Counted::new(input, bar.clone()), options)
            .await;
        bar.finish_and_clear();
        report?
    };
    let value = serde_json::json!({
        "cid": report.cid.to_string(), "size": report.size,
        "blocks": report.blocks, "new_blocks": report.new_blocks, "pinned": pin,
    });
    show(&value, json, |_| {
        println!("{}", report.cid);
        if report.new_blocks == 0 {
            eprintln!(
                "natrium: already stored: {} bytes, nothing new",
                report.size
            );
        }
    })
}

pub async fn get(
    client: &Client,
    path: &str,
    output: Option<&Path>,
    force: bool,
) -> anyhow::Result<()> {
    let Some(target) = output.filter(|p| p.as_os_str() != "-") else {
        let mut stdout = BufWriter::new(tokio::io::stdout());
        client.get_to(path, &mut stdout).await?;
        stdout.flush().await?;
        return Ok(());
    };
    if target.exists() && !force {
        bail!("{} exists: use --force to replace it", target.display());
    }
    let partial = partial_name(target);
    let file = tokio::fs::File::create(&partial)
        .await
        .map_err(|e| anyhow!("cannot create {}: {e}", partial.display()))?;
    let mut out = BufWriter::new(file);
    let result = async {
        client.get_to(path, &mut out).await?;
        out.flush().await?;
        anyhow::Ok(())
    }
    .await;
    if let Err(error) = result {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(error);
    }
    tokio::fs::rename(&partial, target)
        .await
        .map_err(|e| anyhow!("cannot move the content into {}: {e}", target.display()))
}

fn partial_name(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.natrium-partial"))
}

pub async fn car(client: &Client, command: &CarCommand, json: bool) -> anyhow::Result<()> {
    match command {
        CarCommand::Export { cid, output } => {
            let cid = parse(cid)?;
            let blocks = match output.as_deref().filter(|p| p.as_os_str() != "-") {
                Some(path) => {
                    let file = tokio::fs::File::create(path)
                        .await
                        .map_err(|e| anyhow!("cannot create {}: {e}", path.display()))?;
                    client.export_car(&cid, BufWriter::new(file)).await?
                }
                None => {
                    client
                        .export_car(&cid, BufWriter::new(tokio::io::stdout()))
                        .await?
                }
            };
            eprintln!("natrium: exported {blocks} blocks under {cid}");
            Ok(())
        }
        CarCommand::Import { file, pin } => {
            let report = if file.as_os_str() == "-" {
                client
                    .import_car(BufReader::new(tokio::io::stdin()))
                    .await?
            } else {
                check_car(open(file).await?).await?;
                client.import_car(open(file).await?).await?
            };
            if *pin {
                for root in &report.roots {
                    client.pin(root).await?;
                }
            }
            let roots: Vec<String> = report.roots.iter().map(ToString::to_string).collect();
            let value = serde_json::json!({"roots": roots, "blocks": report.blocks, "new_blocks": report.new_blocks});
            show(&value, json, |_| {
                for root in &roots {
                    println!("{root}");
                }
                eprintln!(
                    "natrium: imported {} blocks ({} new)",
                    report.blocks, report.new_blocks
                );
            })
        }
    }
}

async fn open(path: &Path) -> anyhow::Result<BufReader<tokio::fs::File>> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| anyhow!("cannot read {}: {e}", path.display()))?;
    Ok(BufReader::new(file))
}

/// Reads a whole CAR, checking every block, storing nothing.
async fn check_car<R: AsyncRead + Unpin>(input: R) -> anyhow::Result<()> {
    let mut reader = CarReader::new(input).await?;
    while reader.next_block().await?.is_some() {}
    Ok(())
}
