//! Context-sensitive scanner for the nats-server configuration format.
//!
//! The format cannot be tokenised without knowing where we are: `a: b c` is a
//! key/value pair, `include x` is a directive only in key position, `2m` is
//! an integer but `2ms` a string, `]` ends a number only inside an array. So
//! instead of a free-running token stream (nats-server's lexer is a state
//! machine that carries that context in a stack of state functions), the
//! parser drives this scanner and asks for "a key", "a value" or "an include
//! path" at each point. This module owns character-level concerns (positions,
//! whitespace, comments, keys, value dispatch); strings and escapes live in
//! `strings`, numbers in `number`.
//!
//! Characters are classified like nats-server does: "blank" is space or tab
//! (it separates a key from its value), "newline" is `\n` or `\r` (it ends a
//! value), and general whitespace (between entries) is any Unicode space.

use std::path::Path;
use std::sync::Arc;

use crate::error::ConfigError;
use crate::number;
use crate::value::{Position, Spanned, Value};

/// What [`Lexer::scan_value`] found.
#[derive(Debug)]
pub(crate) enum Token {
    Scalar(Value),
    /// `$name` (without the `$`).
    Variable(String),
    /// `[` was consumed; the parser reads the elements.
    ArrayStart,
    /// `{` was consumed; the parser reads the entries.
    MapStart,
}

/// A key as written, with whether it was the `include` keyword.
#[derive(Debug)]
pub(crate) struct Key {
    pub name: String,
    pub position: Position,
    pub is_include: bool,
}

pub(crate) fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

pub(crate) fn is_newline(c: char) -> bool {
    c == '\n' || c == '\r'
}

/// Renders the character an error is about; `None` means end of input.
pub(crate) fn describe(c: Option<char>) -> String {
    match c {
        None => "EOF".to_string(),
        Some('\n') => "'\\n'".to_string(),
        Some('\r') => "'\\r'".to_string(),
        Some('\t') => "'\\t'".to_string(),
        Some(c) => format!("'{c}'"),
    }
}

#[derive(Clone)]
pub(crate) struct Lexer<'a> {
    src: &'a str,
    /// Byte offset of the next character.
    pos: usize,
    line: usize,
    column: usize,
    file: Option<Arc<Path>>,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str, file: Option<Arc<Path>>) -> Self {
        // A UTF-8 byte order mark would otherwise become part of the first key.
        let pos = if src.starts_with('\u{feff}') { 3 } else { 0 };
        Lexer {
            src,
            pos,
            line: 1,
            column: 1,
            file,
        }
    }

    // ---- navigation -------------------------------------------------------

    pub fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    pub fn peek_second(&self) -> Option<char> {
        let mut chars = self.src[self.pos..].chars();
        chars.next();
        chars.next()
    }

    pub fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    pub fn eat_while(&mut self, mut accept: impl FnMut(char) -> bool) {
        while self.peek().is_some_and(&mut accept) {
            self.bump();
        }
    }

    pub fn offset(&self) -> usize {
        self.pos
    }

    /// The text between two byte offsets.
    pub fn slice(&self, start: usize, end: usize) -> &'a str {
        &self.src[start..end]
    }

    /// The text from byte offset `start` up to the current position.
    pub fn slice_from(&self, start: usize) -> &'a str {
        &self.src[start..self.pos]
    }

    pub fn position(&self) -> Position {
        Position::new(self.file.clone(), self.line, self.column)
    }

    pub fn syntax_error(&self, message: impl Into<String>) -> ConfigError {
        ConfigError::syntax(self.position(), message)
    }

    // ---- trivia -------------------------------------------------------------

    pub fn skip_blanks(&mut self) {
        self.eat_while(is_blank);
    }

    /// Blanks after a top-level value. nats-server also ignores a lone `/`
    /// there (its comment check falls through to the blank case), so
    /// `a: 1 /` is valid.
    pub fn skip_value_end_blanks(&mut self) {
        loop {
            match self.peek() {
                Some(c) if is_blank(c) => {}
                Some('/') if self.peek_second() != Some('/') => {}
                _ => return,
            }
            self.bump();
        }
    }

    pub fn skip_whitespace(&mut self) {
        self.eat_while(char::is_whitespace);
    }

    /// `#` or `//` starts a comment that runs to the end of the line.
    pub fn at_comment(&self) -> bool {
        match self.peek() {
            Some('#') => true,
            Some('/') => self.peek_second() == Some('/'),
            _ => false,
        }
    }

    /// Consumes a comment up to (not including) the newline.
    pub fn skip_comment(&mut self) {
        self.eat_while(|c| !is_newline(c));
    }

    /// True when only whitespace and comments remain.
    pub fn only_trivia_left(&self) -> bool {
        let mut probe = self.clone();
        loop {
            probe.skip_whitespace();
            if probe.at_comment() {
                probe.skip_comment();
            } else {
                return probe.peek().is_none();
            }
        }
    }

    // ---- keys ---------------------------------------------------------------

    /// Scans a key at the current (non-whitespace) character. Unquoted keys
    /// run to whitespace, `:` or `=`; quoted keys take no escapes. An unquoted
    /// `include` followed by whitespace is the include directive.
    pub fn scan_key(&mut self, in_map: bool) -> Result<Key, ConfigError> {
        let position = self.position();
        let first = self.peek();
        match first {
            Some(c @ (':' | '=')) => {
                return Err(self.syntax_error(format!("Unexpected key separator '{c}'")))
            }
            Some(']') if in_map => {
                return Err(self.syntax_error("Unexpected array end ']' processing map."))
            }
            Some(quote @ ('"' | '\'')) => {
                self.bump();
                let start = self.offset();
                self.eat_while(|c| c != quote);
                if self.peek().is_none() {
                    let what = if quote == '"' {
                        "double quoted"
                    } else {
                        "quoted"
                    };
                    return Err(ConfigError::syntax(
                        position,
                        format!("Unexpected EOF processing {what} key."),
                    ));
                }
                let name = self.slice_from(start).to_string();
                self.bump();
                return Ok(Key {
                    name,
                    position,
                    is_include: false,
                });
            }
            _ => {}
        }
        let start = self.offset();
        self.bump();
        self.eat_while(|c| !(c.is_whitespace() || c == ':' || c == '='));
        let name = self.slice_from(start).to_string();
        match self.peek() {
            None if in_map => Err(self.syntax_error("Unexpected EOF processing map key.")),
            Some(c) if c.is_whitespace() => Ok(Key {
                is_include: name.eq_ignore_ascii_case("include"),
                name,
                position,
            }),
            _ => Ok(Key {
                name,
                position,
                is_include: false,
            }),
        }
    }

    /// Scans the path after `include`: quoted, or raw up to whitespace, `;`,
    /// `}` or end of line.
    pub fn scan_include_path(&mut self) -> Result<Spanned<String>, ConfigError> {
        self.skip_blanks();
        let position = self.position();
        let found = |what: &str| {
            ConfigError::syntax(
                position.clone(),
                format!("Expected include value but found {what}"),
            )
        };
        match self.peek() {
            Some(quote @ ('"' | '\'')) => {
                self.bump();
                let start = self.offset();
                self.eat_while(|c| c != quote);
                if self.peek().is_none() {
                    let what = if quote == '"' {
                        "double quoted"
                    } else {
                        "quoted"
                    };
                    return Err(ConfigError::syntax(
                        position,
                        format!("Unexpected EOF in {what} include"),
                    ));
                }
                let path = self.slice_from(start).to_string();
                self.bump();
                return Ok(Spanned::new(path, position));
            }
            Some('[') => return Err(found("start of an array")),
            Some('{') => return Err(found("start of a map")),
            Some('(') => return Err(found("start of a block")),
            Some(c) if c.is_ascii_digit() || c == '-' => return Err(found("start of a number")),
            Some('\\') => return Err(found("escape sequence")),
            Some(c) if is_newline(c) => return Err(found("new line")),
            _ => {}
        }
        let start = self.offset();
        self.eat_while(|c| !(is_newline(c) || is_blank(c) || matches!(c, ';' | '}' | '\'')));
        let path = self.slice_from(start).to_string();
        // nats-server ends a raw include path at a quote and drops the quote.
        if self.peek() == Some('\'') {
            self.bump();
        }
        Ok(Spanned::new(path, position))
    }

    // ---- values -------------------------------------------------------------

    /// Scans one value at the current position (leading blanks already
    /// skipped). `in_array` makes `]` end a number.
    pub fn scan_value(&mut self, in_array: bool) -> Result<Spanned<Token>, ConfigError> {
        let position = self.position();
        let token = match self.peek() {
            Some('[') => {
                self.bump();
                Token::ArrayStart
            }
            Some('{') => {
                self.bump();
                Token::MapStart
            }
            Some('"') => Token::Scalar(Value::String(self.scan_double_quoted()?)),
            Some('\'') => Token::Scalar(Value::String(self.scan_single_quoted()?)),
            Some('(') => Token::Scalar(Value::String(self.scan_block()?)),
            Some('-') => number::scan_negative(self, in_array)?,
            Some(c) if c.is_ascii_digit() => number::scan_unsigned(self, in_array)?,
            Some('.') => return Err(self.syntax_error("Floats must start with a digit")),
            Some(c) if is_newline(c) => {
                return Err(self.syntax_error("Expected value but found new line"))
            }
            // Includes end of input: `key:` at EOF is an empty string, as in nats-server.
            _ => self.scan_unquoted(String::new())?,
        };
        Ok(Spanned::new(token, position))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(src: &str) -> Token {
        let mut lx = Lexer::new(src, None);
        lx.scan_value(false).map(|t| t.value).expect("value")
    }

    fn string(src: &str) -> String {
        match value(src) {
            Token::Scalar(Value::String(s)) => s,
            other => panic!("expected string, got {other:?}"),
        }
    }

    #[test]
    fn unquoted_strings_stop_at_terminators() {
        for (src, want) in [
            ("0.0.0.0", "0.0.0.0"),
            ("/tmp/x.log rest", "/tmp/x.log"),
            ("nats://a:4222,", "nats://a:4222"),
            ("a#b", "a#b"),
            ("abc}", "abc"),
            ("abc]", "abc"),
            ("a\\tb", "a\tb"),
        ] {
            assert_eq!(string(src), want, "{src}");
        }
    }

    #[test]
    fn bools_and_variables() {
        assert!(matches!(value("YES"), Token::Scalar(Value::Bool(true))));
        assert!(matches!(value("Off"), Token::Scalar(Value::Bool(false))));
        assert!(matches!(value("$port"), Token::Variable(ref n) if n == "port"));
        assert_eq!(string("$2a$11$abc"), "$2a$11$abc");
        // Escapes or a closing quote make it a plain string.
        assert_eq!(string("tru\\x65"), "true");
        assert_eq!(string("true'"), "true");
    }

    #[test]
    fn escapes() {
        assert_eq!(string(r#""a\x41\t\"\\""#), "aA\t\"\\");
        assert_eq!(string(r#""\xc3\xa9""#), "é");
        assert_eq!(string(r"'raw\t'"), r"raw\t");
        let mut lx = Lexer::new(r#""\u0041""#, None);
        let err = lx.scan_value(false).unwrap_err().to_string();
        assert!(err.contains("Invalid escape character 'u'"), "{err}");
    }

    #[test]
    fn blocks() {
        assert_eq!(string("(\nfoo\n)\n"), "\nfoo\n");
        assert_eq!(string("(/f)oo\n)\n"), "/f)oo\n");
        assert_eq!(string("(/foo\n)"), "/foo\n)");
        let mut lx = Lexer::new("(\nfoo\n", None);
        assert!(lx.scan_value(false).is_err());
    }

    #[test]
    fn keys() {
        let mut lx = Lexer::new("include ./a.conf", None);
        assert!(lx.scan_key(false).unwrap().is_include);
        let mut lx = Lexer::new("include: x", None);
        assert!(!lx.scan_key(false).unwrap().is_include);
        let mut lx = Lexer::new("\"include\" x", None);
        assert!(!lx.scan_key(false).unwrap().is_include);
        let mut lx = Lexer::new("'a b': 1", None);
        assert_eq!(lx.scan_key(false).unwrap().name, "a b");
    }
}
