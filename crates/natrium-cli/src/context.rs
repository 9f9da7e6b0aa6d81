//! Saved connection contexts, in the nats CLI's own files.
//!
//! A context is a named set of connection settings (server URLs, credentials,
//! TLS files, JetStream domain). They live where the nats CLI keeps them,
//! `$XDG_CONFIG_HOME/nats/context/NAME.json` (default `~/.config/nats/...`),
//! with the selected one's name in `nats/context.txt`, so contexts made by
//! either tool work in the other. Fields this tool does not use are kept
//! verbatim ([`ContextFile::other`]) so saving never loses them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Everything that can go wrong with contexts, each one line for the user.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error(
        "invalid context name {0:?}: use letters, digits, '-', '_' and '.', without '..' or '/'"
    )]
    InvalidName(String),
    #[error("unknown context {0:?}: list them with `natrium context ls`, create one with `natrium context add {0}`")]
    Unknown(String),
    #[error("cannot find the configuration directory: set HOME or XDG_CONFIG_HOME")]
    NoHome,
    #[error("cannot read context {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("context {path} is not valid JSON: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot remove the selected context {0:?}: select another one first (`natrium context select NAME`)")]
    Selected(String),
}

/// One context file, field for field as the nats CLI writes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContextFile {
    pub description: String,
    /// Comma-separated server URLs.
    pub url: String,
    pub socks_proxy: String,
    pub token: String,
    pub user: String,
    pub password: String,
    /// Path of a `.creds` file (JWT and seed).
    pub creds: String,
    /// Path of a file holding an nkey seed.
    pub nkey: String,
    /// TLS client certificate, key and CA paths.
    pub cert: String,
    pub key: String,
    pub ca: String,
    pub nsc: String,
    pub jetstream_domain: String,
    pub jetstream_api_prefix: String,
    pub jetstream_event_prefix: String,
    pub inbox_prefix: String,
    pub user_jwt: String,
    pub tls_first: bool,
    /// Fields natrium does not know, written back unchanged.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// The `nats` directory under the user's configuration directory.
pub fn config_dir() -> Result<PathBuf, ContextError> {
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("nats"));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .ok_or(ContextError::NoHome)?;
    Ok(PathBuf::from(home).join(".config").join("nats"))
}

/// Rejects names that could escape the context directory, as the nats CLI does.
pub fn check_name(name: &str) -> Result<(), ContextError> {
    if name.is_empty() || name.contains("..") || name.contains('/') || name.contains('\\') {
        return Err(ContextError::InvalidName(name.to_string()));
    }
    Ok(())
}

/// The file holding context `name`.
pub fn path_of(name: &str) -> Result<PathBuf, ContextError> {
    check_name(name)?;
    Ok(config_dir()?.join("context").join(format!("{name}.json")))
}

/// The selected context's name, if one is selected.
pub fn selected() -> Option<String> {
    let dir = config_dir().ok()?;
    let name = std::fs::read_to_string(dir.join("context.txt")).ok()?;
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// Makes `name` the selected context (it must exist).
pub fn select(name: &str) -> Result<(), ContextError> {
    let path = path_of(name)?;
    if !path.is_file() {
        return Err(ContextError::Unknown(name.to_string()));
    }
    let dir = config_dir()?;
    write_private(&dir.join("context.txt"), name.as_bytes())
}

/// The names of all saved contexts, sorted.
pub fn list() -> Result<Vec<String>, ContextError> {
    let dir = config_dir()?.join("context");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.metadata()
                .map(|m| m.is_file() && m.len() > 0)
                .unwrap_or(false)
        })
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .map(str::to_string)
        })
        .collect();
    names.sort();
    Ok(names)
}

/// Reads context `name`.
pub fn load(name: &str) -> Result<ContextFile, ContextError> {
    let path = path_of(name)?;
    let text = std::fs::read(&path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ContextError::Unknown(name.to_string()),
        _ => ContextError::Read {
            path: path.clone(),
            source,
        },
    })?;
    serde_json::from_slice(&text).map_err(|source| ContextError::Parse { path, source })
}

/// Writes context `name` (creating the directories), readable only by the user.
pub fn save(name: &str, context: &ContextFile) -> Result<PathBuf, ContextError> {
    let path = path_of(name)?;
    let mut text = serde_json::to_vec_pretty(context).map_err(|source| ContextError::Parse {
        path: path.clone(),
        source,
    })?;
    text.push(b'\n');
    write_private(&path, &text)?;
    Ok(path)
}

/// Deletes context `name`; the selected one cannot be deleted.
pub fn remove(name: &str) -> Result<(), ContextError> {
    let path = path_of(name)?;
    if selected().as_deref() == Some(name) {
        return Err(ContextError::Selected(name.to_string()));
    }
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            Err(ContextError::Unknown(name.to_string()))
        }
        Err(source) => Err(ContextError::Write { path, source }),
    }
}

/// Expands a leading `~/` to the home directory, as the nats CLI does for paths.
pub fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// Writes `bytes` to `path` with mode 0600 (contexts can hold passwords).
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ContextError> {
    let failed = |source| ContextError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(failed)?;
    std::io::Write::write_all(&mut file, bytes).map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape_the_directory() {
        assert!(check_name("prod.eu-1").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("../x").is_err());
        assert!(check_name("a/b").is_err());
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let text = r#"{"description":"d","url":"nats://a:4222,nats://b:4222",
            "color_scheme":"dark","windows_cert_store":""}"#;
        let context: ContextFile = serde_json::from_str(text).expect("parses");
        assert_eq!(context.url, "nats://a:4222,nats://b:4222");
        let back = serde_json::to_value(&context).expect("serializes");
        assert_eq!(back["color_scheme"], "dark");
        assert_eq!(back["user"], "");
    }
}
