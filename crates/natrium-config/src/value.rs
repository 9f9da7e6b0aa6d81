//! The tree a configuration file parses into.
//!
//! nats-server hands its option code a `map[string]interface{}` whose leaves
//! remember where they came from. We keep the same information in typed form:
//! every value is [`Spanned`] with the [`Position`] it was written at, and a
//! [`Map`] keeps its entries in file order (a `Vec`, not a hash map) so that
//! error messages and round-trips are deterministic. Key lookup through
//! [`Map::get`] is case-insensitive because that is how nats-server matches
//! option names; variable references (`$name`) use the exact spelling, so the
//! parser goes through [`Map::get_exact`].

use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// Where something was written: file (if it came from one), 1-based line and
/// 1-based column (counted in characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Position {
    pub file: Option<Arc<Path>>,
    pub line: usize,
    pub column: usize,
}

impl Position {
    pub fn new(file: Option<Arc<Path>>, line: usize, column: usize) -> Self {
        Position { file, line, column }
    }
}

impl fmt::Display for Position {
    /// `file.conf:12:5`, or `line 12:5` for text that did not come from a file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{}:{}:{}", file.display(), self.line, self.column),
            None => write!(f, "line {}:{}", self.line, self.column),
        }
    }
}

/// A value together with the position it was written at.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub position: Position,
}

impl<T> Spanned<T> {
    pub fn new(value: T, position: Position) -> Self {
        Spanned { value, position }
    }
}

/// A configuration value.
///
/// Sizes such as `1GB` are already converted to [`Value::Integer`] by the
/// parser (exactly as nats-server does); durations such as `"2m"` stay
/// strings, see [`crate::parse_duration`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(bool),
    Integer(i64),
    Float(f64),
    String(String),
    Array(Vec<Spanned<Value>>),
    Map(Map),
    /// An ISO8601 Zulu timestamp (`2016-01-01T00:00:00Z`), kept as written.
    DateTime(String),
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Integer(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Spanned<Value>]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_datetime(&self) -> Option<&str> {
        match self {
            Value::DateTime(s) => Some(s),
            _ => None,
        }
    }

    /// A short name for error messages ("expected integer, got string").
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Bool(_) => "bool",
            Value::Integer(_) => "integer",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Map(_) => "map",
            Value::DateTime(_) => "datetime",
        }
    }
}

/// One `key: value` of a [`Map`].
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_position: Position,
    pub value: Spanned<Value>,
    /// Set when a later `$key` reference read this entry. nats-server skips
    /// such entries when it turns the tree into options, so a key that only
    /// exists to be used as a variable is not reported as an unknown field.
    pub used_as_variable: bool,
}

/// An ordered map of entries. Keys are unique by exact spelling; redefining a
/// key replaces its value in place (last definition wins, as in nats-server).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Map {
    entries: Vec<Entry>,
}

impl Map {
    pub fn new() -> Self {
        Map::default()
    }

    /// Case-insensitive lookup, as nats-server matches option names. If two
    /// keys differ only in case, the one defined last wins.
    pub fn get(&self, key: &str) -> Option<&Spanned<Value>> {
        self.entry(key).map(|e| &e.value)
    }

    /// Case-insensitive lookup of the whole entry (key spelling and position).
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        // Full Unicode lowering (like Go's strings.ToLower) only when the
        // cheap ASCII comparison fails.
        let wanted = key.to_lowercase();
        self.entries
            .iter()
            .rev()
            .find(|e| e.key.eq_ignore_ascii_case(key) || e.key.to_lowercase() == wanted)
    }

    /// Exact-spelling lookup (how variable references resolve).
    pub fn get_exact(&self, key: &str) -> Option<&Spanned<Value>> {
        self.entries.iter().find(|e| e.key == key).map(|e| &e.value)
    }

    /// Exact-spelling lookup of the whole entry.
    pub fn entry_exact(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    pub(crate) fn entry_exact_mut(&mut self, key: &str) -> Option<&mut Entry> {
        self.entries.iter_mut().find(|e| e.key == key)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    /// `(key, value)` pairs in file order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Spanned<Value>)> {
        self.entries.iter().map(|e| (e.key.as_str(), &e.value))
    }

    /// Full entries in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub(crate) fn entries_mut(&mut self) -> &mut [Entry] {
        &mut self.entries
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.key.as_str())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Inserts or replaces (exact spelling) `key`, returning the old value.
    pub fn insert(
        &mut self,
        key: impl Into<String>,
        key_position: Position,
        value: Spanned<Value>,
    ) -> Option<Spanned<Value>> {
        self.insert_entry(Entry {
            key: key.into(),
            key_position,
            value,
            used_as_variable: false,
        })
    }

    /// Inserts or replaces a whole entry (used when merging included files,
    /// which must keep their `used_as_variable` marks).
    pub fn insert_entry(&mut self, entry: Entry) -> Option<Spanned<Value>> {
        match self.entries.iter_mut().find(|e| e.key == entry.key) {
            Some(slot) => Some(std::mem::replace(slot, entry).value),
            None => {
                self.entries.push(entry);
                None
            }
        }
    }

    /// Removes `key` (exact spelling) and returns its entry.
    pub fn remove_exact(&mut self, key: &str) -> Option<Entry> {
        let index = self.entries.iter().position(|e| e.key == key)?;
        Some(self.entries.remove(index))
    }
}

impl IntoIterator for Map {
    type Item = Entry;
    type IntoIter = std::vec::IntoIter<Entry>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = &'a Entry;
    type IntoIter = std::slice::Iter<'a, Entry>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize) -> Position {
        Position::new(None, line, 1)
    }

    fn int(i: i64, line: usize) -> Spanned<Value> {
        Spanned::new(Value::Integer(i), at(line))
    }

    #[test]
    fn get_is_case_insensitive_and_last_wins() {
        let mut m = Map::new();
        m.insert("Port", at(1), int(1, 1));
        m.insert("port", at(2), int(2, 2));
        assert_eq!(m.len(), 2);
        assert_eq!(m.get("PORT").and_then(|v| v.value.as_i64()), Some(2));
        assert_eq!(m.get_exact("Port").and_then(|v| v.value.as_i64()), Some(1));
        assert!(m.get_exact("PORT").is_none());
    }

    #[test]
    fn redefinition_replaces_in_place() {
        let mut m = Map::new();
        m.insert("a", at(1), int(1, 1));
        m.insert("b", at(2), int(2, 2));
        let old = m.insert("a", at(3), int(3, 3));
        assert_eq!(old.map(|v| v.value), Some(Value::Integer(1)));
        assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(m.get("a").map(|v| v.position.line), Some(3));
    }

    #[test]
    fn position_display() {
        assert_eq!(Position::new(None, 12, 5).to_string(), "line 12:5");
        let file: Arc<Path> = Arc::from(Path::new("nats.conf"));
        assert_eq!(Position::new(Some(file), 3, 1).to_string(), "nats.conf:3:1");
    }

    #[test]
    fn type_names() {
        assert_eq!(Value::Integer(1).type_name(), "integer");
        assert_eq!(Value::Map(Map::new()).type_name(), "map");
        assert_eq!(Value::String("x".into()).as_str(), Some("x"));
        assert_eq!(Value::Bool(true).as_i64(), None);
    }
}
