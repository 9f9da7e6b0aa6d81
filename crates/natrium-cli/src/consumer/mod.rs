//! `natrium consumer ...`: JetStream consumers over the raw JetStream API.
//!
//! * [`api`]: requests and the one-line explanation of server errors.
//! * [`config`]: a configuration from `--config` and the flags.
//! * [`manage`]: add, edit, pause, resume, remove, unpin.
//! * [`next`]: pulling messages.
//! * [`fields`], [`show`], [`tables`]: the human views.
//!
//! Names are checked before they go into an API subject, so a typo such as
//! `ORDERS.new` cannot address some other stream.

pub mod api;
pub mod config;
pub mod fields;
pub mod manage;
pub mod next;
pub mod show;
pub mod tables;

use serde_json::Value;

use self::api::{without_type, JsApi};
use crate::cli::consumer::{
    ConsumerCommand, ConsumerJsonArgs, ConsumerTarget, LsArgs, StreamJsonArgs,
};
use crate::connection::Connection;
use crate::output;

/// Runs one `natrium consumer` subcommand.
pub async fn run(connection: &Connection, command: ConsumerCommand) -> anyhow::Result<()> {
    check_names(&command)?;
    let api = JsApi::connect(connection).await?;
    match command {
        ConsumerCommand::Add(args) => manage::add(&api, *args).await,
        ConsumerCommand::Edit(args) => manage::edit(&api, *args).await,
        ConsumerCommand::Info(args) => info(&api, args).await,
        ConsumerCommand::Ls(args) => ls(&api, args).await,
        ConsumerCommand::Rm { target, force } => manage::remove(&api, &target, force).await,
        ConsumerCommand::Next(args) => next::next(&api, args).await,
        ConsumerCommand::Pause {
            target,
            until,
            json,
        } => manage::pause(&api, &target, until, json).await,
        ConsumerCommand::Resume(args) => manage::resume(&api, &args.target, args.json).await,
        ConsumerCommand::Report(args) => report(&api, args).await,
        ConsumerCommand::Unpin { target, group } => manage::unpin(&api, &target, &group).await,
    }
}

/// Refuses stream and consumer names that cannot be part of an API subject.
fn check_names(command: &ConsumerCommand) -> anyhow::Result<()> {
    let (stream, consumer): (&str, Option<&str>) = match command {
        ConsumerCommand::Add(args) => (&args.stream, args.name.as_deref()),
        ConsumerCommand::Ls(LsArgs { stream, .. })
        | ConsumerCommand::Report(StreamJsonArgs { stream, .. }) => (stream, None),
        ConsumerCommand::Edit(args) => target_names(&args.target),
        ConsumerCommand::Next(args) => target_names(&args.target),
        ConsumerCommand::Info(args) | ConsumerCommand::Resume(args) => target_names(&args.target),
        ConsumerCommand::Rm { target, .. }
        | ConsumerCommand::Pause { target, .. }
        | ConsumerCommand::Unpin { target, .. } => target_names(target),
    };
    crate::jsapi::check_name("stream", stream)?;
    match consumer {
        Some(consumer) => crate::jsapi::check_name("consumer", consumer),
        None => Ok(()),
    }
}

fn target_names(target: &ConsumerTarget) -> (&str, Option<&str>) {
    (&target.stream, Some(&target.consumer))
}

async fn info(api: &JsApi, args: ConsumerJsonArgs) -> anyhow::Result<()> {
    let info = api
        .consumer_info(&args.target.stream, &args.target.consumer)
        .await?;
    print_info(&info, args.json)
}

/// A consumer info, as JSON or the human page.
pub fn print_info(info: &Value, json: bool) -> anyhow::Result<()> {
    if json {
        output::print_json(info)
    } else {
        show::info(info);
        Ok(())
    }
}

async fn ls(api: &JsApi, args: LsArgs) -> anyhow::Result<()> {
    if !args.names {
        return tabulate(api, &args.stream, args.json, tables::list_table).await;
    }
    let mut names = api.all_pages("NAMES", &args.stream).await?;
    names.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    if args.json {
        return output::print_json(&names);
    }
    for name in names.iter().filter_map(Value::as_str) {
        println!("{name}");
    }
    Ok(())
}

async fn report(api: &JsApi, args: StreamJsonArgs) -> anyhow::Result<()> {
    tabulate(api, &args.stream, args.json, tables::report_table).await
}

/// Every consumer of `stream` as JSON, or as a `table`.
async fn tabulate(
    api: &JsApi,
    stream: &str,
    json: bool,
    table: fn(&str, &[Value]),
) -> anyhow::Result<()> {
    let infos = consumer_infos(api, stream).await?;
    if json {
        output::print_json(&infos)
    } else {
        if infos.is_empty() {
            println!("No consumers defined in stream {stream}");
        } else {
            table(stream, &infos);
        }
        Ok(())
    }
}

/// Every consumer's info, sorted by name.
async fn consumer_infos(api: &JsApi, stream: &str) -> anyhow::Result<Vec<Value>> {
    let mut infos: Vec<Value> = api
        .all_pages("LIST", stream)
        .await?
        .into_iter()
        .map(without_type)
        .collect();
    infos.sort_by(|a, b| {
        let name = |v: &Value| {
            v.get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        name(a).cmp(&name(b))
    });
    Ok(infos)
}
