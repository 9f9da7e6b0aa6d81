//! The commands that change consumers: add, edit, rm, pause, resume, unpin.
//!
//! add and edit both send `CONSUMER.CREATE.<stream>.<name>` with the whole
//! configuration, differing only in the `action` ("create" refuses to
//! replace a consumer with other settings, "update" refuses to make a new
//! one), so the server alone decides what is valid and what may change;
//! its refusal comes back as its own description and err_code.

use anyhow::bail;
use serde_json::{json, Value};

use super::api::{object, without_type, About, JsApi};
use super::config::{self, Config};
use super::{fields, print_info};
use crate::cli::consumer::settings::ConsumerSettings;
use crate::cli::consumer::values::Moment;
use crate::cli::consumer::{AddArgs, ConsumerTarget, EditArgs};
use crate::output;

/// `consumer add`.
pub async fn add(api: &JsApi, args: AddArgs) -> anyhow::Result<()> {
    let mut config = match &args.source.config {
        Some(path) => config::read_file(path)?,
        None => Config::new(),
    };
    config::strip_server_metadata(&mut config);
    for (key, default) in [
        ("ack_policy", "explicit"),
        ("deliver_policy", "all"),
        ("replay_policy", "instant"),
    ] {
        config.entry(key).or_insert_with(|| json!(default));
    }
    let from_file = |key: &str| {
        config
            .get(key)
            .and_then(Value::as_str)
            .filter(|name| !name.is_empty())
            .map(str::to_string)
    };
    let name = args
        .name
        .clone()
        .or_else(|| from_file("durable_name"))
        .or_else(|| from_file("name"));
    if let Some(name) = &name {
        crate::jsapi::check_name("consumer", name)?;
    }
    if args.ephemeral {
        config.remove("durable_name");
        match &name {
            Some(name) => config.insert("name".into(), json!(name)),
            None => config.remove("name"),
        };
    } else {
        let Some(name) = &name else {
            bail!(
                "no consumer name: give one (natrium consumer add {} NAME) or use --ephemeral",
                args.stream
            );
        };
        config.insert("durable_name".into(), json!(name));
        if config.contains_key("name") {
            config.insert("name".into(), json!(name));
        }
    }
    config::apply(&mut config, &args.source.settings);
    check_push_only(&config, &args.source.settings)?;
    let info = create(api, &args.stream, name.as_deref(), config, "create").await?;
    print_info(&info, args.source.json)
}

/// Refuses push-only flags on a consumer that will be a pull consumer (the
/// server would keep a queue group no one can use).
fn check_push_only(config: &Config, settings: &ConsumerSettings) -> anyhow::Result<()> {
    let push = config
        .get("deliver_subject")
        .and_then(Value::as_str)
        .is_some_and(|subject| !subject.is_empty());
    let given = [
        ("--deliver-group", settings.deliver_group.is_some()),
        ("--heartbeat", settings.heartbeat.is_some()),
        ("--flow-control", settings.flow_control == Some(true)),
        ("--bps", settings.bps.is_some()),
    ];
    match given.iter().find(|(_, given)| *given) {
        Some((flag, _)) if !push => bail!(
            "{flag} is for push consumers: add --target SUBJECT (or drop {flag} for a pull consumer)"
        ),
        _ => Ok(()),
    }
}

/// `consumer edit`.
pub async fn edit(api: &JsApi, args: EditArgs) -> anyhow::Result<()> {
    let (stream, consumer) = (&args.target.stream, &args.target.consumer);
    let current = api.consumer_info(stream, consumer).await?;
    let mut old = object(&current, "config").clone();
    config::strip_server_metadata(&mut old);
    let mut config = match &args.source.config {
        Some(path) => {
            let mut replacement = config::read_file(path)?;
            config::strip_server_metadata(&mut replacement);
            for key in ["durable_name", "name"] {
                match old.get(key) {
                    Some(value) => replacement.insert(key.into(), value.clone()),
                    None => replacement.remove(key),
                };
            }
            replacement
        }
        None => old.clone(),
    };
    config::apply(&mut config, &args.source.settings);
    if config == old {
        eprintln!(
            "Consumer {stream} > {consumer} already has this configuration: nothing changed \
             (give flags such as --description, or --config FILE)"
        );
        return print_info(&current, args.source.json);
    }
    let info = create(api, stream, Some(consumer), config, "update").await?;
    print_info(&info, args.source.json)
}

/// Sends a create request with `action` ("create" or "update").
async fn create(
    api: &JsApi,
    stream: &str,
    name: Option<&str>,
    config: Config,
    action: &str,
) -> anyhow::Result<Value> {
    let suffix = match name {
        Some(name) => format!("CONSUMER.CREATE.{stream}.{name}"),
        None => format!("CONSUMER.CREATE.{stream}"),
    };
    let body = json!({ "stream_name": stream, "config": config, "action": action });
    let about = About {
        action: if action == "update" {
            "update consumer"
        } else {
            "create consumer"
        },
        stream,
        consumer: name,
    };
    api.request(&suffix, &body, about).await.map(without_type)
}

fn about<'a>(action: &'a str, target: &'a ConsumerTarget) -> About<'a> {
    About {
        action,
        stream: &target.stream,
        consumer: Some(&target.consumer),
    }
}

/// `consumer rm`.
pub async fn remove(api: &JsApi, target: &ConsumerTarget, force: bool) -> anyhow::Result<()> {
    let ConsumerTarget { stream, consumer } = target;
    if !force {
        bail!(
            "not deleting consumer {stream} > {consumer} without --force \
             (natrium never prompts): natrium consumer rm {stream} {consumer} --force"
        );
    }
    let suffix = format!("CONSUMER.DELETE.{stream}.{consumer}");
    api.request(&suffix, &Value::Null, about("delete consumer", target))
        .await?;
    println!("Deleted consumer {stream} > {consumer}");
    Ok(())
}

/// `consumer pause`.
pub async fn pause(
    api: &JsApi,
    target: &ConsumerTarget,
    until: Moment,
    json: bool,
) -> anyhow::Result<()> {
    let ConsumerTarget { stream, consumer } = target;
    let until = config::timestamp(until.from_now());
    let reply = pause_request(
        api,
        target,
        json!({ "pause_until": until }),
        "pause consumer",
    )
    .await?;
    if reply.get("paused").and_then(Value::as_bool) != Some(true) {
        bail!("consumer {stream} > {consumer} was not paused: is {until} in the past?");
    }
    if json {
        return output::print_json(&reply);
    }
    let remaining = reply
        .get("pause_remaining")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    println!(
        "Paused {stream} > {consumer} until {} ({} remaining)",
        fields::display_time(
            reply
                .get("pause_until")
                .and_then(Value::as_str)
                .unwrap_or(&until)
        ),
        output::duration(std::time::Duration::from_nanos(remaining))
    );
    Ok(())
}

/// `consumer resume`.
pub async fn resume(api: &JsApi, target: &ConsumerTarget, json: bool) -> anyhow::Result<()> {
    let ConsumerTarget { stream, consumer } = target;
    let info = api.consumer_info(stream, consumer).await?;
    if info.get("paused").and_then(Value::as_bool) != Some(true) {
        bail!("consumer {stream} > {consumer} is not paused");
    }
    let reply = pause_request(api, target, json!({}), "resume consumer").await?;
    if json {
        return output::print_json(&reply);
    }
    println!("Resumed {stream} > {consumer}");
    Ok(())
}

async fn pause_request(
    api: &JsApi,
    target: &ConsumerTarget,
    body: Value,
    action: &str,
) -> anyhow::Result<Value> {
    let suffix = format!("CONSUMER.PAUSE.{}.{}", target.stream, target.consumer);
    api.request(&suffix, &body, about(action, target))
        .await
        .map(without_type)
}

/// `consumer unpin`.
pub async fn unpin(api: &JsApi, target: &ConsumerTarget, group: &str) -> anyhow::Result<()> {
    let ConsumerTarget { stream, consumer } = target;
    let suffix = format!("CONSUMER.UNPIN.{stream}.{consumer}");
    api.request(
        &suffix,
        &json!({ "group": group }),
        about("unpin a client of", target),
    )
    .await?;
    println!("Unpinned priority group {group} of {stream} > {consumer}");
    Ok(())
}
