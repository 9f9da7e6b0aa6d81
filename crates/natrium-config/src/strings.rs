//! Strings in their four spellings, and escapes.
//!
//! * `"double quoted"`: escapes `\t \n \r \" \\ \xHH` (nothing else, not even
//!   `\u`, exactly like nats-server 2.14), may span lines;
//! * `'single quoted'`: raw, may span lines;
//! * unquoted: runs to a blank, newline, `,`, `;`, `]` or `}`; escapes are
//!   processed here too, and a bare `true/yes/on/false/no/off` becomes a bool
//!   and `$name` a variable reference, unless escapes were used;
//! * `( ... )` block: raw text up to a `)` alone at the start of a line.
//!
//! Text is assembled as bytes because `\xHH` can produce partial UTF-8
//! sequences that only make sense together (`"\xc3\xa9"` is `é`).

use crate::error::ConfigError;
use crate::lexer::{describe, is_blank, is_newline, Lexer, Token};
use crate::value::Value;

impl Lexer<'_> {
    /// Scans an unquoted string (continuing after `prefix`, which number
    /// scanning may already have consumed) and classifies it: a bare
    /// `true/false/yes/no/on/off` is a bool and `$name` a variable, unless the
    /// text contained escapes.
    pub(crate) fn scan_unquoted(&mut self, prefix: String) -> Result<Token, ConfigError> {
        let mut bytes = prefix.into_bytes();
        let mut plain = true;
        loop {
            match self.peek() {
                None => break,
                Some(c) if is_newline(c) || is_blank(c) || matches!(c, ';' | ',' | ']' | '}') => {
                    break
                }
                Some('\'') => {
                    // nats-server ends the string at a quote, drops the quote
                    // and never treats such a string as a bool or variable.
                    self.bump();
                    plain = false;
                    break;
                }
                Some('\\') => {
                    self.scan_escape(&mut bytes)?;
                    plain = false;
                }
                Some(c) => {
                    self.bump();
                    push_char(&mut bytes, c);
                }
            }
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if !plain {
            return Ok(Token::Scalar(Value::String(text)));
        }
        if let Some(b) = bool_word(&text) {
            return Ok(Token::Scalar(Value::Bool(b)));
        }
        match text.strip_prefix('$') {
            // A bcrypt hash (`$2a$...`) is a password, not a variable.
            Some(name) if !name.starts_with("2a$") => Ok(Token::Variable(name.to_string())),
            _ => Ok(Token::Scalar(Value::String(text))),
        }
    }

    /// `"..."`: escapes are processed, newlines are kept.
    pub(crate) fn scan_double_quoted(&mut self) -> Result<String, ConfigError> {
        let open = self.position();
        self.bump();
        let mut bytes = Vec::new();
        loop {
            match self.peek() {
                None => {
                    return Err(ConfigError::syntax(
                        open,
                        "Unexpected EOF: unterminated double quoted string.",
                    ))
                }
                Some('"') => {
                    self.bump();
                    break;
                }
                Some('\\') => self.scan_escape(&mut bytes)?,
                Some(c) => {
                    self.bump();
                    push_char(&mut bytes, c);
                }
            }
        }
        // `\xXX` may produce invalid UTF-8; Go keeps the raw bytes, we keep
        // what can be represented (invalid sequences become U+FFFD).
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// `'...'`: raw, no escapes.
    pub(crate) fn scan_single_quoted(&mut self) -> Result<String, ConfigError> {
        let open = self.position();
        self.bump();
        let start = self.offset();
        self.eat_while(|c| c != '\'');
        if self.peek().is_none() {
            return Err(ConfigError::syntax(
                open,
                "Unexpected EOF: unterminated quoted string.",
            ));
        }
        let text = self.slice_from(start).to_string();
        self.bump();
        Ok(text)
    }

    /// Consumes `\` plus its escape and appends the decoded bytes.
    fn scan_escape(&mut self, out: &mut Vec<u8>) -> Result<(), ConfigError> {
        self.bump(); // the backslash
        let position = self.position();
        let decoded = match self.bump() {
            Some('t') => b'\t',
            Some('n') => b'\n',
            Some('r') => b'\r',
            Some('"') => b'"',
            Some('\\') => b'\\',
            Some('x') => {
                let hi = self.bump();
                let lo = if hi.is_some_and(|c| !is_newline(c)) {
                    self.bump()
                } else {
                    hi
                };
                if hi.is_some_and(is_newline) || lo.is_some_and(is_newline) {
                    return Err(ConfigError::syntax(
                        position,
                        "Expected two hexadecimal digits after '\\x', but hit end of line",
                    ));
                }
                let digits = |c: Option<char>| c.and_then(|c| c.to_digit(16));
                match (digits(hi), digits(lo)) {
                    (Some(h), Some(l)) => (h * 16 + l) as u8,
                    _ => {
                        let got: String = hi.into_iter().chain(lo).collect();
                        return Err(ConfigError::syntax(
                            position,
                            format!("Expected two hexadecimal digits after '\\x', but got '{got}'"),
                        ));
                    }
                }
            }
            other => {
                return Err(ConfigError::syntax(
                    position,
                    format!(
                        "Invalid escape character {}. Only the following escape characters \
                         are allowed: \\xXX, \\t, \\n, \\r, \\\", \\\\.",
                        describe(other)
                    ),
                ))
            }
        };
        out.push(decoded);
        Ok(())
    }

    /// `( ... )`: everything up to a `)` that sits alone at the start of a
    /// line. Mirrors nats-server exactly: the text keeps the newline before
    /// the `)`, and when that `)` is the very last character of the input it
    /// is kept too.
    pub(crate) fn scan_block(&mut self) -> Result<String, ConfigError> {
        self.bump(); // the '('
        let start = self.offset();
        let mut previous = Some('(');
        loop {
            let current = self.bump();
            match current {
                None => return Err(self.syntax_error("Unexpected EOF processing block.")),
                Some(')') if previous == Some('\n') => match self.peek() {
                    None => return Ok(self.slice_from(start).to_string()),
                    Some(c) if is_newline(c) => {
                        let end = self.offset() - 1;
                        return Ok(self.slice(start, end).to_string());
                    }
                    Some(_) => {}
                },
                Some(_) => {}
            }
            previous = current;
        }
    }
}

fn push_char(bytes: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// The bare words nats-server reads as booleans (any case).
fn bool_word(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" => Some(true),
        "false" | "no" | "off" => Some(false),
        _ => None,
    }
}
