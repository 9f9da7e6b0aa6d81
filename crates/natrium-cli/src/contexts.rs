//! `natrium context ...`: saving, listing, selecting and showing contexts.
//!
//! The file format and locations are in [`crate::context`]; this module is
//! only the commands and their output.

use anyhow::Context as _;

use crate::cli::connection::ConnectionArgs;
use crate::cli::context::{ContextAddArgs, ContextCommand};
use crate::context::{self, ContextFile};

pub fn run(flags: &ConnectionArgs, command: ContextCommand) -> anyhow::Result<()> {
    match command {
        ContextCommand::Add(args) => add(flags, args),
        ContextCommand::Ls { json } => list(json),
        ContextCommand::Select { name } => {
            context::select(&name)?;
            println!("Selected context {name:?}");
            Ok(())
        }
        ContextCommand::Show { name, json } => show(name, json),
        ContextCommand::Delete { name } => {
            context::remove(&name)?;
            println!("Deleted context {name:?}");
            Ok(())
        }
    }
}

/// Saves the flags given on this command line as context `args.name`,
/// updating the context if it exists (fields not given are kept).
fn add(flags: &ConnectionArgs, args: ContextAddArgs) -> anyhow::Result<()> {
    let mut file = match context::load(&args.name) {
        Ok(existing) => existing,
        Err(context::ContextError::Unknown(_)) => ContextFile::default(),
        Err(err) => return Err(err.into()),
    };
    let set = |field: &mut String, value: &Option<String>| {
        if let Some(value) = value {
            *field = value.clone();
        }
    };
    set(&mut file.description, &args.description);
    set(&mut file.url, &flags.server);
    set(&mut file.user, &flags.user);
    set(&mut file.password, &flags.password);
    set(&mut file.token, &flags.token);
    set(&mut file.creds, &flags.creds);
    set(&mut file.nkey, &flags.nkey);
    set(&mut file.cert, &flags.tlscert);
    set(&mut file.key, &flags.tlskey);
    set(&mut file.ca, &flags.tlsca);
    set(&mut file.jetstream_domain, &flags.js_domain);
    set(&mut file.jetstream_api_prefix, &flags.js_api_prefix);
    set(&mut file.inbox_prefix, &flags.inbox_prefix);
    file.tls_first |= flags.tlsfirst;
    if file.url.is_empty() {
        file.url = crate::connection::DEFAULT_SERVER.to_string();
    }
    let path = context::save(&args.name, &file)?;
    if args.select {
        context::select(&args.name)?;
    }
    println!("Saved context {:?} in {}", args.name, path.display());
    print_context(&args.name, &file);
    Ok(())
}

fn list(json: bool) -> anyhow::Result<()> {
    let names = context::list()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&names)?);
        return Ok(());
    }
    if names.is_empty() {
        println!("No contexts saved: add one with `natrium context add NAME --server URL`");
        return Ok(());
    }
    let selected = context::selected();
    let width = names.iter().map(String::len).max().unwrap_or(0) + 1;
    println!("  {:<width$} DESCRIPTION", "NAME");
    for name in names {
        let mark = if selected.as_deref() == Some(name.as_str()) {
            "*"
        } else {
            " "
        };
        let description = context::load(&name)
            .map(|c| c.description)
            .unwrap_or_else(|err| format!("(unreadable: {err})"));
        println!("{mark} {:<width$} {description}", name);
    }
    Ok(())
}

fn show(name: Option<String>, json: bool) -> anyhow::Result<()> {
    let name = name.or_else(context::selected).context(
        "no context selected: name one (`natrium context show NAME`) or select one with `natrium context select NAME`",
    )?;
    let file = context::load(&name)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&file)?);
    } else {
        print_context(&name, &file);
    }
    Ok(())
}

/// The human view of a context: only the fields that are set, secrets masked.
fn print_context(name: &str, file: &ContextFile) {
    println!("NATS configuration context {name:?}");
    println!();
    let rows = [
        ("Description", file.description.clone()),
        ("Server URLs", file.url.clone()),
        ("Username", file.user.clone()),
        ("Password", mask(&file.password)),
        ("Token", mask(&file.token)),
        ("Credentials", file.creds.clone()),
        ("NKey", file.nkey.clone()),
        ("Certificate", file.cert.clone()),
        ("Key", file.key.clone()),
        ("CA", file.ca.clone()),
        ("JetStream domain", file.jetstream_domain.clone()),
        ("JetStream API prefix", file.jetstream_api_prefix.clone()),
        ("Inbox prefix", file.inbox_prefix.clone()),
    ];
    for (label, value) in rows.iter().filter(|(_, v)| !v.is_empty()) {
        println!("  {label:>20}: {value}");
    }
    if file.tls_first {
        println!("  {:>20}: true", "TLS first");
    }
    if let Ok(path) = context::path_of(name) {
        println!("  {:>20}: {}", "Path", path.display());
    }
}

fn mask(secret: &str) -> String {
    if secret.is_empty() {
        String::new()
    } else {
        "*********".to_string()
    }
}
