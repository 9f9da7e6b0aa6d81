//! Reading files: the top-level config and the files it `include`s.
//!
//! Path resolution follows nats-server, which uses Go's `filepath.Join` of
//! the including file's directory and the written path, then cleans the
//! result lexically (`./a/../b.conf` becomes `b.conf`). Go's `Join` does not
//! treat an absolute second argument specially, so nats-server resolves
//! `include /x.conf` inside `/etc/nats/nats.conf` to `/etc/nats/x.conf`. We
//! do the same first, and only if that file does not exist fall back to the
//! absolute path, so configs that work with nats-server keep working and an
//! absolute path still does what it says.
//!
//! nats-server loops forever on a file that includes itself; we keep the
//! stack of files being parsed (canonicalised) and report the cycle.

use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::error::ConfigError;
use crate::parser::{Context, Parser};
use crate::value::{Map, Position};

/// Includes nested deeper than this are rejected (a safety net beside the
/// cycle check, e.g. for paths that cannot be canonicalised).
const MAX_INCLUDE_DEPTH: usize = 64;

/// Reads and parses `path` as a top-level or included file.
pub(crate) fn parse_path(cx: &mut Context<'_>, path: &Path) -> Result<Map, ConfigError> {
    let bytes = fs::read(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // Go reads bytes as UTF-8 and turns invalid sequences into U+FFFD; so do we.
    let text = String::from_utf8_lossy(&bytes);
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let file: Arc<Path> = Arc::from(path);
    cx.files.push(canonical(path));
    let result = Parser::new(&text, Some(file), base_dir, cx).parse_document();
    cx.files.pop();
    result
}

/// Loads the file named by `include <raw>` written at `at`.
pub(crate) fn load(
    cx: &mut Context<'_>,
    base_dir: &Path,
    raw: &str,
    at: &Position,
) -> Result<Map, ConfigError> {
    let path = resolve(base_dir, raw);
    if cx.files.contains(&canonical(&path)) {
        return Err(ConfigError::IncludeCycle {
            position: at.clone(),
            path,
        });
    }
    let wrap = |source: ConfigError| ConfigError::Include {
        position: at.clone(),
        path: raw.to_string(),
        source: Box::new(source),
    };
    if cx.files.len() >= MAX_INCLUDE_DEPTH {
        return Err(wrap(ConfigError::syntax(
            at.clone(),
            format!("includes nested deeper than {MAX_INCLUDE_DEPTH} files"),
        )));
    }
    parse_path(cx, &path).map_err(wrap)
}

/// Where `include <raw>` in a file living in `base_dir` points.
pub(crate) fn resolve(base_dir: &Path, raw: &str) -> PathBuf {
    let base = if base_dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base_dir
    };
    // Go's Join: plain concatenation with a separator, then Clean.
    let mut joined = base.as_os_str().to_owned();
    joined.push("/");
    joined.push(raw);
    let joined = clean(Path::new(&joined));
    let written = Path::new(raw);
    if written.is_absolute() && !joined.exists() && written.exists() {
        return clean(written);
    }
    joined
}

/// Lexical clean-up like Go's `filepath.Clean`: drops `.` and resolves `..`
/// against preceding names.
fn clean(path: &Path) -> PathBuf {
    let mut parts: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match parts.last() {
                Some(Component::Normal(_)) => {
                    parts.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => parts.push(component),
            },
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        PathBuf::from(".")
    } else {
        parts.iter().collect()
    }
}

fn canonical(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| clean(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_matches_go_join() {
        assert_eq!(resolve(Path::new(""), "./a.conf"), PathBuf::from("a.conf"));
        assert_eq!(
            resolve(Path::new("/etc/nats"), "accounts/../users.conf"),
            PathBuf::from("/etc/nats/users.conf")
        );
        assert_eq!(
            resolve(Path::new("conf"), "../x.conf"),
            PathBuf::from("x.conf")
        );
        assert_eq!(
            resolve(Path::new(".."), "x.conf"),
            PathBuf::from("../x.conf")
        );
    }

    #[test]
    fn absolute_include_prefers_go_semantics_then_falls_back() {
        // Neither exists: the Go-style join is reported.
        let base = Path::new("/nonexistent-natrium-dir");
        assert_eq!(
            resolve(base, "/also-missing.conf"),
            PathBuf::from("/nonexistent-natrium-dir/also-missing.conf")
        );
        // The absolute path exists (a directory is enough for the check).
        let tmp = std::env::temp_dir();
        let raw = tmp.to_string_lossy().into_owned();
        assert_eq!(resolve(base, &raw), clean(&tmp));
    }
}
