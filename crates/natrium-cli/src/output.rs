//! How every command prints: tables, JSON, sizes, durations and colour.
//!
//! One module so that `stream ls`, `kv ls` and `server info` look alike and
//! scripts get the same guarantees everywhere: `--json` output is exactly
//! one pretty-printed JSON document on stdout, human output goes to stdout
//! too, progress and notes to stderr. Colour is used only when stdout is a
//! terminal and `NO_COLOR` is unset.

use std::io::IsTerminal;
use std::time::Duration;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Attribute, Cell, ContentArrangement, Table};
use serde::Serialize;

/// Whether stdout may carry colour and styling.
pub fn colour_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// Prints `value` as pretty JSON on stdout (the `--json` contract).
pub fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A table with a title line and a header row, ready for rows.
pub fn table(title: &str, headers: &[&str]) -> TablePrinter {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    let bold = colour_enabled();
    table.set_header(headers.iter().map(|h| {
        let cell = Cell::new(h);
        if bold {
            cell.add_attribute(Attribute::Bold)
        } else {
            cell
        }
    }));
    TablePrinter {
        title: title.to_string(),
        table,
    }
}

/// A table being filled; [`TablePrinter::print`] writes it to stdout.
pub struct TablePrinter {
    title: String,
    table: Table,
}

impl TablePrinter {
    /// Appends one row (anything displayable per column).
    pub fn row<I, T>(&mut self, cells: I) -> &mut Self
    where
        I: IntoIterator<Item = T>,
        T: std::fmt::Display,
    {
        self.table
            .add_row(cells.into_iter().map(|c| Cell::new(c.to_string())));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.table.row_count() == 0
    }

    pub fn print(&self) {
        if !self.title.is_empty() {
            println!("{}", self.title);
            println!();
        }
        println!("{}", self.table);
    }
}

/// Prints aligned `label: value` lines, skipping empty values.
pub fn print_fields(fields: &[(&str, String)]) {
    let width = fields.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    for (label, value) in fields.iter().filter(|(_, v)| !v.is_empty()) {
        println!("  {label:>width$}: {value}");
    }
}

/// A byte count the way people read it: `512 B`, `1.5 KiB`, `3.2 GiB`.
pub fn bytes(count: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = count as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{count} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A count with thousands separators: `1,234,567`.
pub fn count(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration the way the nats CLI prints it: `1d2h3m4s`, `1.5s`, `250ms`.
pub fn duration(value: Duration) -> String {
    let total = value.as_secs();
    if total == 0 {
        let millis = value.as_secs_f64() * 1000.0;
        return if millis >= 1.0 {
            format!("{millis:.0}ms")
        } else {
            format!("{}µs", value.as_micros())
        };
    }
    if total < 60 {
        let secs = value.as_secs_f64();
        return if (secs - secs.trunc()).abs() < 0.001 {
            format!("{total}s")
        } else {
            format!("{secs:.2}s")
        };
    }
    let (days, rest) = (total / 86_400, total % 86_400);
    let (hours, rest) = (rest / 3600, rest % 3600);
    let (minutes, seconds) = (rest / 60, rest % 60);
    let mut out = String::new();
    for (amount, unit) in [(days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")] {
        if amount > 0 {
            out.push_str(&format!("{amount}{unit}"));
        }
    }
    out
}

/// A nanosecond duration from the JetStream API; 0 reads as "unlimited".
pub fn nanos_or_unlimited(nanos: i64) -> String {
    if nanos <= 0 {
        "unlimited".to_string()
    } else {
        duration(Duration::from_nanos(nanos as u64))
    }
}

/// A limit from the JetStream API where -1 (or 0) means "unlimited".
pub fn limit(value: i64) -> String {
    if value <= 0 {
        "unlimited".to_string()
    } else {
        count(value as u64)
    }
}

/// A byte limit from the JetStream API where -1 (or 0) means "unlimited".
pub fn byte_limit(value: i64) -> String {
    if value <= 0 {
        "unlimited".to_string()
    } else {
        bytes(value as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_numbers() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(999), "999");
        assert_eq!(duration(Duration::from_secs(93_784)), "1d2h3m4s");
        assert_eq!(duration(Duration::from_millis(250)), "250ms");
        assert_eq!(duration(Duration::from_secs(2)), "2s");
        assert_eq!(limit(-1), "unlimited");
        assert_eq!(byte_limit(1024), "1.0 KiB");
    }
}
