//! Creating, changing, copying, showing and deleting streams.
//!
//! Each command builds the configuration JSON (see [`super::config`]),
//! sends it with one API request, and shows the stream the server answers
//! with: human fields by default, the server's JSON with `--json`.

use anyhow::bail;
use serde_json::{json, Value};

use super::api::{check_name, Api};
use super::config::{self, Config};
use super::from_flags;
use super::show;
use crate::cli::stream::{AddArgs, CopyArgs, EditArgs, InfoArgs, RmArgs};
use crate::output;

pub async fn add(api: &Api, args: AddArgs) -> anyhow::Result<()> {
    let mut config = match &args.config_file {
        Some(path) => {
            let mut from_file = config::load(path)?;
            config::strip_server_fields(&mut from_file);
            from_file
        }
        None => Config::new(),
    };
    let name = match (&args.name, config.get("name").and_then(Value::as_str)) {
        (Some(name), _) => name.clone(),
        (None, Some(name)) if !name.is_empty() => name.to_string(),
        _ => bail!(
            "no stream name: give one, e.g. `natrium stream add ORDERS --subjects 'orders.>'`"
        ),
    };
    check_name(&name)?;
    if args.config_file.is_none() {
        config = config::defaults(&name);
    }
    config.insert("name".into(), json!(name));
    from_flags::apply_create(&args.stream.create, &mut config);
    from_flags::apply(&args.stream.config, &mut config)?;
    if args.config_file.is_none() && args.stream.config.dupe_window.is_none() {
        default_dupe_window(&mut config);
    }
    let has_input = has_list(&config, "subjects")
        || config.get("mirror").is_some_and(|m| !m.is_null())
        || has_list(&config, "sources");
    if !has_input {
        bail!(
            "stream {name} needs subjects: pass --subjects, e.g. --subjects '{}.>' (or --mirror / --source)",
            name.to_lowercase()
        );
    }
    save(api, "CREATE", config, args.stream.json, "was created").await
}

pub async fn edit(api: &Api, args: EditArgs) -> anyhow::Result<()> {
    let name = args.name.clone();
    let current = api.stream_info(&name).await?;
    let mut config = match &args.config_file {
        Some(path) => config::load(path)?,
        None => match current.get("config") {
            Some(Value::Object(map)) => map.clone(),
            _ => bail!("the server's answer for stream {name} has no configuration"),
        },
    };
    config::strip_server_fields(&mut config);
    config.insert("name".into(), json!(name));
    let before = config.clone();
    from_flags::apply(&args.config, &mut config)?;
    if args.sealed {
        config.insert("sealed".into(), json!(true));
    }
    if args.no_republish {
        config.remove("republish");
    }
    if args.no_transform {
        config.remove("subject_transform");
    }
    if args.config_file.is_none() && config == before {
        // Nothing to change: say so rather than send the same configuration.
        if args.json {
            return output::print_json(&current);
        }
        println!("No difference in configuration of stream {name}: give the flags to change");
        return Ok(());
    }
    save(api, "UPDATE", config, args.json, "was updated").await
}

pub async fn copy(api: &Api, args: CopyArgs) -> anyhow::Result<()> {
    if args.source == args.destination {
        bail!("the copy needs a different name than {}", args.source);
    }
    check_name(&args.destination)?;
    let info = api.stream_info(&args.source).await?;
    let Some(Value::Object(mut config)) = info.get("config").cloned() else {
        bail!(
            "the server's answer for stream {} has no configuration",
            args.source
        );
    };
    config::strip_server_fields(&mut config);
    config.insert("name".into(), json!(args.destination));
    from_flags::apply_create(&args.stream.create, &mut config);
    from_flags::apply(&args.stream.config, &mut config)?;
    let done = format!("was created from {}", args.source);
    save(api, "CREATE", config, args.stream.json, &done).await
}

pub async fn info(api: &Api, args: InfoArgs) -> anyhow::Result<()> {
    let answer = api.stream_info(&args.name).await?;
    if args.json {
        return output::print_json(&answer);
    }
    show::stream(&answer);
    Ok(())
}

pub async fn remove(api: &Api, args: RmArgs) -> anyhow::Result<()> {
    let name = &args.name;
    check_name(name)?;
    let what = format!("deleting stream {name} removes all its messages");
    super::require_force(args.force, &what)?;
    api.stream_request(name, &format!("STREAM.DELETE.{name}"), &json!({}))
        .await?;
    println!("Deleted stream {name}");
    Ok(())
}

/// Sends `config` to `STREAM.<verb>.<name>` and prints the stream the
/// server answers with ("Stream NAME <done>" first, for people).
async fn save(api: &Api, verb: &str, config: Config, json: bool, done: &str) -> anyhow::Result<()> {
    let name = config
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let subject = format!("STREAM.{verb}.{name}");
    let answer = api
        .stream_request(&name, &subject, &Value::Object(config))
        .await?;
    if json {
        return output::print_json(&answer);
    }
    println!("Stream {name} {done}");
    println!();
    show::stream(&answer);
    Ok(())
}

/// The nats CLI's default duplicate window: two minutes, or max-age when
/// that is shorter (a window longer than max-age is refused).
fn default_dupe_window(config: &mut Config) {
    let max_age = config.get("max_age").and_then(Value::as_i64).unwrap_or(0);
    let window = config
        .get("duplicate_window")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if max_age > 0 && window > max_age {
        config.insert("duplicate_window".into(), json!(max_age));
    }
}

fn has_list(config: &Config, key: &str) -> bool {
    config
        .get(key)
        .and_then(Value::as_array)
        .is_some_and(|list| !list.is_empty())
}
