//! `natrium object ...`: the JetStream object store, through async-nats's
//! `jetstream::object_store`.
//!
//! * [`transfer`]: `put` and `get`, which stream objects chunk by chunk
//!   between a file (or stdin) and the server, never holding a whole object
//!   in memory, with a progress bar on stderr when it is a terminal
//!   ([`progress`]);
//! * [`admin`]: buckets and object information (add, info/status, ls, del,
//!   seal, watch).
//!
//! Every command opens its bucket through [`open`], which first fetches the
//! bucket's stream information, so a missing bucket or a server without
//! JetStream ends the command with one clear line.

pub mod admin;
pub mod progress;
pub mod transfer;

use anyhow::anyhow;
use async_nats::jetstream::object_store::{InfoErrorKind, ObjectInfo, ObjectStore};
use async_nats::jetstream::{self};
use base64::Engine as _;
use serde_json::Value;

use crate::bucket::{self, Kind};
use crate::cli::object::ObjectCommand;
use crate::connection::Connection;
use crate::output::{self, print_fields};

/// Runs one `natrium object` command.
pub async fn run(connection: &Connection, command: ObjectCommand) -> anyhow::Result<()> {
    match command {
        ObjectCommand::Add(args) => admin::add(connection, args).await,
        ObjectCommand::Put(args) => transfer::put(connection, args).await,
        ObjectCommand::Get(args) => transfer::get(connection, args).await,
        ObjectCommand::Del(args) => admin::delete(connection, args).await,
        ObjectCommand::Info(args) => admin::info(connection, args).await,
        ObjectCommand::Ls(args) => admin::ls(connection, args).await,
        ObjectCommand::Seal(args) => admin::seal(connection, args).await,
        ObjectCommand::Watch(args) => admin::watch(connection, args).await,
    }
}

/// An open bucket.
pub struct Bucket {
    pub name: String,
    pub store: ObjectStore,
    /// The server's JSON about the bucket's stream, as fetched on opening.
    pub info: Value,
    pub js: jetstream::Context,
}

/// Connects and opens bucket `name`, or says in one line why it cannot.
pub async fn open(connection: &Connection, name: &str) -> anyhow::Result<Bucket> {
    let js = bucket::jetstream(connection).await?;
    let info = bucket::stream_info(&js, Kind::Object, name).await?;
    let store = js
        .get_object_store(name)
        .await
        .map_err(|err| anyhow!("cannot open object store bucket {name}: {err}"))?;
    Ok(Bucket {
        name: name.to_string(),
        store,
        info,
        js,
    })
}

impl Bucket {
    /// The information of object `name`; `None` when there is no such object
    /// (or it was deleted).
    pub async fn find(&self, name: &str) -> anyhow::Result<Option<ObjectInfo>> {
        match self.store.info(name).await {
            Ok(info) if info.deleted => Ok(None),
            Ok(info) => Ok(Some(info)),
            Err(err) if err.kind() == InfoErrorKind::NotFound => Ok(None),
            Err(err) if err.kind() == InfoErrorKind::InvalidName => Err(invalid_name(name)),
            Err(err) => Err(anyhow!(
                "cannot read object {name} in bucket {}: {err}",
                self.name
            )),
        }
    }

    /// Refuses changes to a sealed bucket before any data is sent.
    pub fn check_writable(&self) -> anyhow::Result<()> {
        if self.info["config"]["sealed"].as_bool() == Some(true) {
            return Err(anyhow!(
                "bucket {} is sealed: its objects can no longer be added, replaced or removed",
                self.name
            ));
        }
        Ok(())
    }

    /// Like [`Bucket::find`], but a missing object is an error.
    pub async fn object(&self, name: &str) -> anyhow::Result<ObjectInfo> {
        self.find(name).await?.ok_or_else(|| self.missing(name))
    }

    /// The line for an object that is not in this bucket.
    pub fn missing(&self, name: &str) -> anyhow::Error {
        anyhow!(
            "object {name} not found in bucket {}: list them with `natrium object ls {}`",
            self.name,
            self.name
        )
    }
}

/// Why an object name was refused.
pub fn invalid_name(name: &str) -> anyhow::Error {
    anyhow!("invalid object name {name:?}: it must not be empty")
}

/// An object digest (`SHA-256=<base64url>`) as the hex `sha256sum` prints,
/// prefixed with the algorithm; as stored when it does not decode.
pub fn digest_hex(digest: Option<&str>) -> String {
    let Some(digest) = digest else {
        return String::new();
    };
    let Some((algorithm, encoded)) = digest.split_once('=') else {
        return digest.to_string();
    };
    let engines = [
        base64::engine::general_purpose::URL_SAFE,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    engines
        .iter()
        .find_map(|engine| engine.decode(encoded).ok())
        .map(|raw| {
            let hex: String = raw.iter().map(|byte| format!("{byte:02x}")).collect();
            format!("{algorithm} {hex}")
        })
        .unwrap_or_else(|| digest.to_string())
}

/// The nats CLI's object information, as aligned fields.
pub fn show_object(info: &ObjectInfo) {
    println!("Object information for {} > {}", info.bucket, info.name);
    println!();
    let mut fields = vec![
        ("Description", info.description.clone().unwrap_or_default()),
        ("Size", output::bytes(info.size as u64)),
        (
            "Modification Time",
            info.modified.map(bucket::timestamp).unwrap_or_default(),
        ),
        ("Chunks", output::count(info.chunks as u64)),
        ("Digest", digest_hex(info.digest.as_deref())),
    ];
    let mut metadata: Vec<_> = info.metadata.iter().collect();
    metadata.sort();
    let metadata: Vec<String> = metadata.iter().map(|(k, v)| format!("{k}={v}")).collect();
    fields.push(("Metadata", metadata.join(", ")));
    let mut headers = Vec::new();
    for (name, values) in info.headers.iter().flat_map(|map| map.iter()) {
        for value in values {
            headers.push(format!("{name}: {}", value.as_str()));
        }
    }
    fields.push(("Headers", headers.join(", ")));
    print_fields(&fields);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_in_hex() {
        // SHA-256 of the empty string.
        let empty = "SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=";
        assert_eq!(
            digest_hex(Some(empty)),
            "SHA-256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(digest_hex(Some("odd")), "odd");
        assert_eq!(digest_hex(None), "");
    }
}
