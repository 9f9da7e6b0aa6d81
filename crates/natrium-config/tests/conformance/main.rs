//! Behavioural tests for `natrium-config`, grouped by feature. One test
//! binary (modules below) keeps link time down. Expectations marked
//! "nats-server 2.14" were checked against the real binary with `-t` or by
//! reading the values back from its monitoring endpoint.

mod errors;
mod includes;
mod realistic;
mod robustness;
mod syntax;
mod variables;

pub mod support {
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicUsize, Ordering};

    use natrium_config::{ConfigError, Loader, Map, Value};

    /// A loader that sees an empty environment (tests must not depend on
    /// the real one).
    pub fn loader() -> Loader {
        Loader::new().with_env(|_| None)
    }

    /// A loader whose environment is exactly `vars`.
    pub fn loader_with_env(vars: &[(&str, &str)]) -> Loader {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Loader::new()
            .with_env(move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[track_caller]
    pub fn parse(text: &str) -> Map {
        loader()
            .parse_str(text)
            .unwrap_or_else(|e| panic!("unexpected error: {e}\n--- input ---\n{text}"))
    }

    #[track_caller]
    pub fn parse_err(text: &str) -> ConfigError {
        match loader().parse_str(text) {
            Ok(map) => panic!("expected an error, got {map:#?}\n--- input ---\n{text}"),
            Err(e) => e,
        }
    }

    /// Follows a dotted path (`"jetstream.max_mem"`, `"users.0.user"`).
    #[track_caller]
    pub fn get<'a>(map: &'a Map, path: &str) -> &'a Value {
        let mut parts = path.split('.');
        let first = parts.next().unwrap_or_default();
        let mut current = &map
            .get(first)
            .unwrap_or_else(|| panic!("missing key {first:?} in {path:?}"))
            .value;
        for part in parts {
            current = match current {
                Value::Map(m) => {
                    &m.get(part)
                        .unwrap_or_else(|| panic!("missing key {part:?} in {path:?}"))
                        .value
                }
                Value::Array(items) => {
                    let index: usize = part.parse().expect("array index");
                    &items
                        .get(index)
                        .unwrap_or_else(|| panic!("no element {index} in {path:?}"))
                        .value
                }
                other => panic!("{path:?}: cannot descend into {}", other.type_name()),
            };
        }
        current
    }

    #[track_caller]
    pub fn int(map: &Map, path: &str) -> i64 {
        get(map, path)
            .as_i64()
            .unwrap_or_else(|| panic!("{path}: not an integer: {:?}", get(map, path)))
    }

    #[track_caller]
    pub fn string<'a>(map: &'a Map, path: &str) -> &'a str {
        get(map, path)
            .as_str()
            .unwrap_or_else(|| panic!("{path}: not a string: {:?}", get(map, path)))
    }

    #[track_caller]
    pub fn boolean(map: &Map, path: &str) -> bool {
        get(map, path)
            .as_bool()
            .unwrap_or_else(|| panic!("{path}: not a bool: {:?}", get(map, path)))
    }

    /// A scratch directory removed on drop.
    pub struct TempDir(PathBuf);

    impl TempDir {
        pub fn new(name: &str) -> Self {
            static COUNTER: AtomicUsize = AtomicUsize::new(0);
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let dir = std::env::temp_dir()
                .join(format!("natrium-config-{}-{n}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("create temp dir");
            TempDir(dir)
        }

        pub fn path(&self) -> &Path {
            &self.0
        }

        /// Writes `content` to `relative` (creating directories) and returns its path.
        pub fn write(&self, relative: &str, content: &str) -> PathBuf {
            let path = self.0.join(relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("create dirs");
            }
            std::fs::write(&path, content).expect("write file");
            path
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
