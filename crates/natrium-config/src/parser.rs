//! Builds the [`Map`] tree: entries, maps, arrays, variables and includes.
//!
//! The grammar is small but forgiving, and its rules differ by context the
//! same way nats-server's do:
//!
//! * top level: entries end at a newline, `;`, `,`, `}` or a comment; a
//!   value must start on the key's line once a `:`/`=` was written (but
//!   `port\n4222` is fine); the whole document may be wrapped in `{ }`;
//! * inside `{ }`: entries end at a newline, `;` or `,`, and a value may
//!   start on a later line;
//! * inside `[ ]`: elements are separated by `,` and/or newlines, a trailing
//!   `,` is allowed, an empty slot (`[1,,2]`) is not.
//!
//! Variables (`$name`) resolve against the maps being built, innermost
//! first (arrays are not scopes), then against the environment; an
//! environment value is parsed as if it were written `pk=<value>`, so
//! `4222` becomes an integer and `"x"` a string. Maps are a stack in
//! `scopes` rather than a chain of `&mut` so a lookup can both read and
//! mark entries of any enclosing map.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::ConfigError;
use crate::include;
use crate::lexer::{describe, is_newline, Key, Lexer, Token};
use crate::value::{Entry, Map, Position, Spanned, Value};

/// Deeper nesting is rejected instead of risking the stack.
pub(crate) const MAX_NESTING: usize = 128;
/// Environment variables referring to environment variables, at most this deep.
const MAX_ENV_DEPTH: usize = 32;
/// The key nats-server wraps an environment value in.
const ENV_KEY: &str = "pk";

/// State shared by a file, the files it includes and the environment values
/// it reads.
pub(crate) struct Context<'e> {
    pub env: &'e dyn Fn(&str) -> Option<String>,
    /// Canonical paths of the files currently being parsed (include stack).
    pub files: Vec<PathBuf>,
    /// Environment variables currently being expanded (cycle detection).
    pub env_stack: Vec<String>,
}

impl<'e> Context<'e> {
    pub fn new(env: &'e dyn Fn(&str) -> Option<String>) -> Self {
        Context {
            env,
            files: Vec::new(),
            env_stack: Vec::new(),
        }
    }
}

pub(crate) struct Parser<'s, 'c, 'e> {
    lx: Lexer<'s>,
    /// Maps under construction, outermost first; never empty while parsing.
    scopes: Vec<Map>,
    nesting: usize,
    /// Directory `include` paths are relative to.
    base_dir: PathBuf,
    cx: &'c mut Context<'e>,
}

impl<'s, 'c, 'e> Parser<'s, 'c, 'e> {
    pub fn new(
        src: &'s str,
        file: Option<Arc<Path>>,
        base_dir: PathBuf,
        cx: &'c mut Context<'e>,
    ) -> Self {
        Parser {
            lx: Lexer::new(src, file),
            scopes: vec![Map::new()],
            nesting: 0,
            base_dir,
            cx,
        }
    }

    /// Parses a whole document.
    pub fn parse_document(mut self) -> Result<Map, ConfigError> {
        self.parse_top_entries(0)?;
        Ok(self.scopes.pop().unwrap_or_default())
    }

    /// Parses an environment variable's value the way nats-server does: as
    /// the document `pk=<value>`, returning what `pk` ends up holding.
    fn parse_env_value(mut self) -> Result<Option<Spanned<Value>>, ConfigError> {
        let key = Key {
            name: ENV_KEY.to_string(),
            position: self.lx.position(),
            is_include: false,
        };
        self.lx.skip_blanks();
        let value = self.parse_value(false)?;
        self.insert(key, value);
        let mut braces = 0;
        self.expect_top_value_end(&mut braces)?;
        self.parse_top_entries(braces)?;
        let mut map = self.scopes.pop().unwrap_or_default();
        Ok(map.remove_exact(ENV_KEY).map(|entry| entry.value))
    }

    // ---- structure ----------------------------------------------------------

    /// Top-level entries; `braces` counts the `{` wrapping the document.
    fn parse_top_entries(&mut self, mut braces: usize) -> Result<(), ConfigError> {
        loop {
            self.lx.skip_whitespace();
            if self.lx.at_comment() {
                self.lx.skip_comment();
                continue;
            }
            match self.lx.peek() {
                None => return Ok(()),
                Some('{') => {
                    self.lx.bump();
                    braces += 1;
                }
                Some('}') if braces > 0 => {
                    self.lx.bump();
                    braces -= 1;
                }
                Some('}') => {
                    // A closing brace with nothing after it is tolerated
                    // (JSON-style files), as nats-server does.
                    let error = self
                        .lx
                        .syntax_error("Unexpected '}' without a matching '{'.");
                    self.lx.bump();
                    if !self.lx.only_trivia_left() {
                        return Err(error);
                    }
                }
                Some('/') => {
                    return Err(self
                        .lx
                        .syntax_error("Unexpected '/': a key cannot start with '/'."))
                }
                Some(_) => {
                    self.parse_top_entry()?;
                    self.expect_top_value_end(&mut braces)?;
                }
            }
        }
    }

    fn parse_top_entry(&mut self) -> Result<(), ConfigError> {
        let key = self.lx.scan_key(false)?;
        if key.is_include {
            return self.include(key.position);
        }
        self.lx.skip_whitespace();
        match self.lx.peek() {
            Some(':' | '=') => {
                self.lx.bump();
                self.lx.skip_blanks();
            }
            None => return Err(no_value(&key)),
            Some(_) => {}
        }
        let value = self.parse_value(false)?;
        self.insert(key, value);
        Ok(())
    }

    fn expect_top_value_end(&mut self, braces: &mut usize) -> Result<(), ConfigError> {
        self.lx.skip_value_end_blanks();
        if self.lx.at_comment() {
            self.lx.skip_comment();
            return Ok(());
        }
        match self.lx.peek() {
            None => Ok(()),
            Some(c) if is_newline(c) || c == ';' || c == ',' => {
                self.lx.bump();
                Ok(())
            }
            Some('}') => {
                self.lx.bump();
                *braces = braces.saturating_sub(1);
                Ok(())
            }
            other => Err(self.lx.syntax_error(format!(
                "Expected a top-level value to end with a new line, comment or EOF, \
                 but got {} instead.",
                describe(other)
            ))),
        }
    }

    /// Entries of a `{ }` value whose `{` was consumed.
    fn parse_map(&mut self, open: &Position) -> Result<Map, ConfigError> {
        self.enter(open)?;
        self.scopes.push(Map::new());
        let result = self.parse_map_entries();
        let map = self.scopes.pop().unwrap_or_default();
        self.nesting -= 1;
        result.map(|()| map)
    }

    fn parse_map_entries(&mut self) -> Result<(), ConfigError> {
        loop {
            self.lx.skip_whitespace();
            if self.lx.at_comment() {
                self.lx.skip_comment();
                continue;
            }
            match self.lx.peek() {
                None => return Err(self.lx.syntax_error("Unexpected EOF processing map.")),
                Some('}') => {
                    self.lx.bump();
                    return Ok(());
                }
                Some(_) => {}
            }
            let key = self.lx.scan_key(true)?;
            if key.is_include {
                self.include(key.position)?;
            } else {
                self.lx.skip_whitespace();
                if matches!(self.lx.peek(), Some(':' | '=')) {
                    self.lx.bump();
                    self.lx.skip_whitespace();
                }
                match self.lx.peek() {
                    None => return Err(self.lx.syntax_error("Unexpected EOF processing map.")),
                    Some(',') => {
                        return Err(self.lx.syntax_error("Unexpected map value terminator ','."))
                    }
                    Some('}') => return Err(no_value(&key)),
                    Some(_) => {}
                }
                let value = self.parse_value(false)?;
                self.insert(key, value);
            }
            self.lx.skip_blanks();
            if self.lx.at_comment() {
                self.lx.skip_comment();
                continue;
            }
            match self.lx.peek() {
                // A lone `/` separates entries too (nats-server quirk).
                Some(c) if is_newline(c) || matches!(c, ';' | ',' | '/') => {
                    self.lx.bump();
                }
                Some('}') => {
                    self.lx.bump();
                    return Ok(());
                }
                None => return Err(self.lx.syntax_error("Unexpected EOF processing map.")),
                other => {
                    return Err(self.lx.syntax_error(format!(
                        "Expected a map value terminator ',' or a map terminator '}}', \
                         but got {} instead.",
                        describe(other)
                    )))
                }
            }
        }
    }

    /// Elements of a `[ ]` value whose `[` was consumed.
    fn parse_array(&mut self, open: &Position) -> Result<Vec<Spanned<Value>>, ConfigError> {
        self.enter(open)?;
        let result = self.parse_array_elements();
        self.nesting -= 1;
        result
    }

    fn parse_array_elements(&mut self) -> Result<Vec<Spanned<Value>>, ConfigError> {
        let mut items = Vec::new();
        loop {
            self.lx.skip_whitespace();
            if self.lx.at_comment() {
                self.lx.skip_comment();
                continue;
            }
            match self.lx.peek() {
                None => return Err(self.lx.syntax_error("Unexpected EOF processing array.")),
                Some(']') => {
                    self.lx.bump();
                    return Ok(items);
                }
                Some(',') => {
                    return Err(self
                        .lx
                        .syntax_error("Unexpected array value terminator ','."))
                }
                Some(_) => {}
            }
            items.push(self.parse_value(true)?);
            self.lx.skip_blanks();
            if self.lx.at_comment() {
                self.lx.skip_comment();
            }
            match self.lx.peek() {
                // A lone `/` separates elements too (nats-server quirk).
                Some(c) if c == ',' || c == '/' || is_newline(c) => {
                    self.lx.bump();
                }
                Some(']') => {
                    self.lx.bump();
                    return Ok(items);
                }
                None => return Err(self.lx.syntax_error("Unexpected EOF processing array.")),
                other => {
                    return Err(self.lx.syntax_error(format!(
                        "Expected an array value terminator ',' or an array terminator ']', \
                         but got {} instead.",
                        describe(other)
                    )))
                }
            }
        }
    }

    fn parse_value(&mut self, in_array: bool) -> Result<Spanned<Value>, ConfigError> {
        let token = self.lx.scan_value(in_array)?;
        let position = token.position;
        let value = match token.value {
            Token::Scalar(value) => value,
            Token::ArrayStart => Value::Array(self.parse_array(&position)?),
            Token::MapStart => Value::Map(self.parse_map(&position)?),
            Token::Variable(name) => return self.resolve_variable(name, position),
        };
        Ok(Spanned::new(value, position))
    }

    fn enter(&mut self, open: &Position) -> Result<(), ConfigError> {
        if self.nesting >= MAX_NESTING {
            return Err(ConfigError::syntax(
                open.clone(),
                format!("Maps and arrays nested deeper than {MAX_NESTING} levels."),
            ));
        }
        self.nesting += 1;
        Ok(())
    }

    fn insert(&mut self, key: Key, value: Spanned<Value>) {
        self.insert_entry(Entry {
            key: key.name,
            key_position: key.position,
            value,
            used_as_variable: false,
        });
    }

    fn insert_entry(&mut self, entry: Entry) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert_entry(entry);
        }
    }

    // ---- includes and variables ---------------------------------------------

    /// `include <path>`: the included file's entries are merged into the
    /// current map. The included file is parsed on its own, so it cannot see
    /// variables of the file that includes it (as in nats-server).
    fn include(&mut self, position: Position) -> Result<(), ConfigError> {
        let raw = self.lx.scan_include_path()?;
        let map = include::load(self.cx, &self.base_dir, &raw.value, &position)?;
        for entry in map {
            self.insert_entry(entry);
        }
        Ok(())
    }

    fn resolve_variable(
        &mut self,
        name: String,
        position: Position,
    ) -> Result<Spanned<Value>, ConfigError> {
        for scope in self.scopes.iter_mut().rev() {
            if let Some(entry) = scope.entry_exact_mut(&name) {
                entry.used_as_variable = true;
                return Ok(Spanned::new(entry.value.value.clone(), position));
            }
        }
        if self.cx.env_stack.contains(&name) || self.cx.env_stack.len() >= MAX_ENV_DEPTH {
            return Err(ConfigError::EnvVariableCycle { position, name });
        }
        let Some(text) = (self.cx.env)(&name) else {
            return Err(ConfigError::UndefinedVariable { position, name });
        };
        self.cx.env_stack.push(name.clone());
        let parsed = Parser::new(&text, None, PathBuf::new(), self.cx).parse_env_value();
        self.cx.env_stack.pop();
        match parsed {
            Ok(Some(mut value)) => {
                // Positions inside the environment text mean nothing to a
                // reader of the file: point everything at the reference.
                restamp(&mut value, &position);
                Ok(value)
            }
            Ok(None) => Err(ConfigError::UndefinedVariable { position, name }),
            Err(source) => Err(ConfigError::InvalidEnvVariable {
                position,
                name,
                source: Box::new(source),
            }),
        }
    }
}

fn no_value(key: &Key) -> ConfigError {
    ConfigError::syntax(
        key.position.clone(),
        format!("config is invalid: key '{}' has no value", key.name),
    )
}

fn restamp(value: &mut Spanned<Value>, position: &Position) {
    value.position = position.clone();
    match &mut value.value {
        Value::Array(items) => items.iter_mut().for_each(|v| restamp(v, position)),
        Value::Map(map) => {
            for entry in map.entries_mut() {
                entry.key_position = position.clone();
                restamp(&mut entry.value, position);
            }
        }
        _ => {}
    }
}
