//! `natrium stream backup|restore` and `natrium account backup|restore`:
//! the library calls of [`super`] with progress bars and a summary.

use serde_json::{json, Value};

use crate::cli::account::{AccountBackupArgs, AccountRestoreArgs};
use crate::cli::stream::{BackupArgs, RestoreArgs};
use crate::jsapi::JsApi;
use crate::object::progress;
use crate::output;

fn summary(report: &super::BackupReport) -> Value {
    json!({
        "stream": report.stream,
        "dir": report.dir.display().to_string(),
        "bytes": report.bytes,
        "messages": report.messages,
    })
}

pub async fn stream_backup(api: &JsApi, args: BackupArgs) -> anyhow::Result<()> {
    let bar = progress::bar(None);
    let report = super::backup_stream(
        api,
        &args.stream,
        &args.dir,
        !args.no_consumers,
        args.check,
        |done, _| bar.set_position(done),
    )
    .await;
    bar.finish_and_clear();
    let report = report?;
    if args.json {
        return output::print_json(&summary(&report));
    }
    println!(
        "Backed up stream {} ({} messages) to {}: {}",
        report.stream,
        report.messages,
        report.dir.display(),
        output::bytes(report.bytes)
    );
    Ok(())
}

pub async fn stream_restore(api: &JsApi, args: RestoreArgs) -> anyhow::Result<()> {
    let size = std::fs::metadata(args.dir.join(super::DATA_FILE))
        .map(|m| m.len())
        .ok();
    let bar = progress::bar(size);
    let info = super::restore_stream(api, &args.dir, |done, _| bar.set_position(done)).await;
    bar.finish_and_clear();
    let info = info?;
    if args.json {
        return output::print_json(&info);
    }
    print_restored(&info);
    Ok(())
}

fn print_restored(info: &Value) {
    println!(
        "Restored stream {}: {} messages, sequences {}..{}",
        info["config"]["name"].as_str().unwrap_or(""),
        info["state"]["messages"].as_u64().unwrap_or(0),
        info["state"]["first_seq"].as_u64().unwrap_or(0),
        info["state"]["last_seq"].as_u64().unwrap_or(0),
    );
}

pub async fn account_backup(api: &JsApi, args: AccountBackupArgs) -> anyhow::Result<()> {
    let bar = progress::bar(None);
    let reports = super::backup_account(api, &args.dir, !args.no_consumers, |name, done, _| {
        bar.set_message(name.to_string());
        bar.set_position(done);
    })
    .await;
    bar.finish_and_clear();
    let reports = reports?;
    if args.json {
        return output::print_json(&Value::Array(reports.iter().map(summary).collect()));
    }
    for report in &reports {
        println!(
            "Backed up stream {} ({} messages): {}",
            report.stream,
            report.messages,
            output::bytes(report.bytes)
        );
    }
    println!(
        "{} streams backed up to {}",
        reports.len(),
        args.dir.display()
    );
    Ok(())
}

pub async fn account_restore(api: &JsApi, args: AccountRestoreArgs) -> anyhow::Result<()> {
    let bar = progress::bar(None);
    let infos = super::restore_account(api, &args.dir, |name, done, _| {
        bar.set_message(name.to_string());
        bar.set_position(done);
    })
    .await;
    bar.finish_and_clear();
    let infos = infos?;
    if args.json {
        return output::print_json(&Value::Array(infos));
    }
    for info in &infos {
        print_restored(info);
    }
    Ok(())
}
