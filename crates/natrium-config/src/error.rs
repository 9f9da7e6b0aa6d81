//! Errors produced while reading a configuration.
//!
//! Every variant that comes from the text carries a [`Position`], so the
//! `Display` form always starts with `file.conf:LINE:COL:` (or `line L:C:` for
//! text that did not come from a file). Wording follows nats-server's
//! messages where that was practical, so operators recognise them.
//! Errors inside an included file are wrapped in [`ConfigError::Include`],
//! which names the `include` line and then the included file's own position.

use std::path::PathBuf;

use crate::value::Position;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The text does not follow the format (unterminated string, stray
    /// character, missing value, ...).
    #[error("{position}: {message}")]
    Syntax { position: Position, message: String },

    /// The text is well-formed but the value is not acceptable (integer out
    /// of range, impossible date, unknown size suffix).
    #[error("{position}: {message}")]
    InvalidValue { position: Position, message: String },

    /// `$name` matched no key in scope and no environment variable.
    #[error(
        "{position}: variable reference for '{name}' on line {line} can not be found",
        line = .position.line
    )]
    UndefinedVariable { position: Position, name: String },

    /// `$name` fell back to an environment variable whose value does not parse.
    #[error(
        "{position}: variable reference for '{name}' on line {line} could not be parsed: {source}",
        line = .position.line
    )]
    InvalidEnvVariable {
        position: Position,
        name: String,
        #[source]
        source: Box<ConfigError>,
    },

    /// An environment variable's value refers (directly or not) to itself.
    #[error("{position}: variable reference cycle for '{name}'")]
    EnvVariableCycle { position: Position, name: String },

    /// An included file failed to load or parse.
    #[error("{position}: error parsing include file '{path}', {source}")]
    Include {
        position: Position,
        /// The path as written after `include`.
        path: String,
        #[source]
        source: Box<ConfigError>,
    },

    /// A file includes itself, directly or through other files.
    #[error("{position}: include cycle: '{}' is already being parsed", .path.display())]
    IncludeCycle { position: Position, path: PathBuf },

    /// A file could not be read.
    #[error("cannot read '{}': {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl ConfigError {
    /// Where the error was detected (the outermost position for include
    /// errors). `None` only for [`ConfigError::Io`] on the top-level file.
    pub fn position(&self) -> Option<&Position> {
        match self {
            ConfigError::Syntax { position, .. }
            | ConfigError::InvalidValue { position, .. }
            | ConfigError::UndefinedVariable { position, .. }
            | ConfigError::InvalidEnvVariable { position, .. }
            | ConfigError::EnvVariableCycle { position, .. }
            | ConfigError::Include { position, .. }
            | ConfigError::IncludeCycle { position, .. } => Some(position),
            ConfigError::Io { .. } => None,
        }
    }

    /// Line of [`ConfigError::position`].
    pub fn line(&self) -> Option<usize> {
        self.position().map(|p| p.line)
    }

    /// The innermost error: follows include (and environment variable)
    /// wrappers down to the error that started it all.
    pub fn root_cause(&self) -> &ConfigError {
        match self {
            ConfigError::Include { source, .. }
            | ConfigError::InvalidEnvVariable { source, .. } => source.root_cause(),
            other => other,
        }
    }

    pub(crate) fn syntax(position: Position, message: impl Into<String>) -> Self {
        ConfigError::Syntax {
            position,
            message: message.into(),
        }
    }

    pub(crate) fn invalid(position: Position, message: impl Into<String>) -> Self {
        ConfigError::InvalidValue {
            position,
            message: message.into(),
        }
    }
}
