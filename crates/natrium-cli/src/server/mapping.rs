//! `natrium server mapping SOURCE DESTINATION [SUBJECT]`: what a subject
//! mapping makes of a subject, computed here with the same mapping code the
//! server uses, so a mapping can be tried before it goes into a config.

use std::io::BufRead;

use anyhow::{bail, Context};
use natrium_subjects::mapping::SubjectMapping;

use crate::cli::server::MappingArgs;

pub fn run(args: MappingArgs) -> anyhow::Result<()> {
    let mapping = SubjectMapping::new(&args.source, &args.destination).with_context(|| {
        format!(
            "invalid mapping {:?} -> {:?}",
            args.source, args.destination
        )
    })?;
    if let Some(subject) = args.subject {
        println!("{}", map_one(&mapping, &args.source, &subject)?);
        return Ok(());
    }
    for line in std::io::stdin().lock().lines() {
        let line = line.context("reading subjects from stdin")?;
        let subject = line.trim();
        if subject.is_empty() {
            continue;
        }
        match map_one(&mapping, &args.source, subject) {
            Ok(mapped) => println!("{mapped}"),
            Err(err) => eprintln!("natrium: {err}"),
        }
    }
    Ok(())
}

fn map_one(mapping: &SubjectMapping, source: &str, subject: &str) -> anyhow::Result<String> {
    if !natrium_subjects::is_valid_literal_subject(subject.as_bytes()) {
        bail!("invalid subject {subject:?}: a published subject has no wildcards or empty tokens");
    }
    match mapping.apply(subject) {
        Some(mapped) => Ok(mapped),
        None => bail!("subject {subject:?} does not match the source {source:?}"),
    }
}
