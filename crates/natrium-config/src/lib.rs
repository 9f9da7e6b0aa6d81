//! Parser for the nats-server configuration-file format (`nats-server -c
//! file.conf`).
//!
//! The format is a relaxed cousin of JSON/HCL:
//!
//! ```text
//! port: 4222                       # `key: value`, `key = value` or `key value`
//! http_port = 8222; debug true     # `;` and `,` separate entries too
//! jetstream { store_dir: "/data", max_mem: 1GB }   # sizes become integers
//! authorization {
//!   PASS: "s3cret"
//!   users = [ {user: a, password: $PASS} ]         # variables, arrays of maps
//! }
//! include ./accounts.conf          # relative to this file's directory
//! ```
//!
//! [`parse_str`] and [`parse_file`] turn such text into a [`Map`] of
//! [`Spanned`] [`Value`]s; every value and every error carries its
//! [`Position`] (file, line, column). This crate only produces the tree:
//! turning it into server options (and deciding which keys are known) is the
//! server's job, which is why nothing here knows option names.
//!
//! The behaviour follows nats-server 2.14's `conf` package and was checked
//! against the real binary; the module docs of `lexer`, `number` and
//! `parser` list the rules and the few places where we deliberately accept
//! or reject input differently (always input nats-server mishandles).
//!
//! Layout: `lexer` scans characters (keys, comments, value dispatch),
//! `strings` reads quoted, unquoted and block strings, `number` everything
//! that starts with a digit, `parser` builds maps and arrays and resolves
//! variables, `include` reads files, `value` defines the tree, `error` the
//! errors, `duration` Go's duration syntax.

mod duration;
mod error;
mod include;
mod lexer;
mod number;
mod parser;
mod strings;
mod value;

use std::fmt;
use std::path::{Path, PathBuf};

pub use duration::{parse_duration, DurationError};
pub use error::ConfigError;
pub use value::{Entry, Map, Position, Spanned, Value};

/// Parses configuration text. `include` paths are relative to the current
/// directory; positions carry no file name.
pub fn parse_str(text: &str) -> Result<Map, ConfigError> {
    Loader::new().parse_str(text)
}

/// Reads and parses a configuration file. `include` paths are relative to
/// the directory of the file containing them.
pub fn parse_file(path: &Path) -> Result<Map, ConfigError> {
    Loader::new().parse_file(path)
}

type EnvLookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Parsing with non-default settings; today that is only where `$VAR`
/// references that match no key get their value (the process environment
/// by default). Tests use it to avoid touching the real environment.
pub struct Loader {
    env: EnvLookup,
}

impl Default for Loader {
    fn default() -> Self {
        Loader {
            env: Box::new(process_env),
        }
    }
}

impl fmt::Debug for Loader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loader").finish_non_exhaustive()
    }
}

impl Loader {
    pub fn new() -> Self {
        Loader::default()
    }

    /// Replaces the environment lookup used for `$VAR` fallbacks.
    pub fn with_env<F>(mut self, lookup: F) -> Self
    where
        F: Fn(&str) -> Option<String> + Send + Sync + 'static,
    {
        self.env = Box::new(lookup);
        self
    }

    pub fn parse_str(&self, text: &str) -> Result<Map, ConfigError> {
        self.parse_str_in(text, Path::new(""))
    }

    /// Like [`Loader::parse_str`], with `include` paths relative to `base_dir`.
    pub fn parse_str_in(&self, text: &str, base_dir: &Path) -> Result<Map, ConfigError> {
        let mut cx = parser::Context::new(&*self.env);
        parser::Parser::new(text, None, PathBuf::from(base_dir), &mut cx).parse_document()
    }

    pub fn parse_file(&self, path: &Path) -> Result<Map, ConfigError> {
        let mut cx = parser::Context::new(&*self.env);
        include::parse_path(&mut cx, path)
    }
}

fn process_env(name: &str) -> Option<String> {
    // `std::env::var_os` may panic on such names; they can never be set anyway.
    if name.is_empty() || name.contains(['=', '\0']) {
        return None;
    }
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
}
