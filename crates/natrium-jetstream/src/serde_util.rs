//! Small serde helpers that reproduce Go `encoding/json` behaviour.
//!
//! * `null` for a field leaves it at its zero value in Go; [`null_default`]
//!   does the same for serde.
//! * `omitempty` predicates for the numeric and boolean fields.
//! * Go's `%q` quoting, needed for the exact "can not unmarshal" texts.

use serde::{Deserialize, Deserializer};

/// Deserializes `T`, treating JSON `null` as `T::default()`.
pub fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `omitempty` for integers.
pub fn is_zero<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// `omitempty` for booleans.
pub fn is_false(v: &bool) -> bool {
    !*v
}

/// Go's `strconv.Quote` for ASCII-ish text (what `%q` prints).
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Defines a string enum that (de)serializes like nats-server's Go types:
/// exact lowercase names (plus any `| "alias"` the Go decoder also
/// accepts), and `can not unmarshal "\"x\""` for anything else. With
/// `Name(unknown = "prefix: ")` an unknown value is refused as
/// `prefix: "x"` instead (the raw JSON after the prefix).
macro_rules! go_string_enum {
    ($(#[$meta:meta])* $name:ident { $($body:tt)* }) => {
        $crate::serde_util::go_string_enum!(@define $(#[$meta])* $name, |raw| format!(
            "can not unmarshal {}",
            $crate::serde_util::go_quote(&raw.to_string())
        ), { $($body)* });
    };
    ($(#[$meta:meta])* $name:ident (unknown = $prefix:literal) { $($body:tt)* }) => {
        $crate::serde_util::go_string_enum!(@define $(#[$meta])* $name, |raw| format!(
            "{}{}", $prefix, raw
        ), { $($body)* });
    };
    (@define $(#[$meta:meta])* $name:ident, |$raw:ident| $err:expr, { $($(#[$vmeta:meta])* $variant:ident = $text:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// The wire name.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let $raw = serde_json::Value::deserialize(d)?;
                match $raw.as_str() {
                    $(Some($text) $(| Some($alias))* => Ok($name::$variant),)+
                    _ => Err(serde::de::Error::custom($err)),
                }
            }
        }
    };
}
pub(crate) use go_string_enum;
