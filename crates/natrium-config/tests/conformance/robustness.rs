//! The parser must return (Ok or Err) on any input, never panic or hang.
//! Inputs are systematic mutations of a realistic config plus seeded random
//! noise; a failure prints the offending input.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::realistic::SERVER_CONF;
use crate::support::{loader, loader_with_env};

/// Characters that matter to the grammar, plus some that do not.
const INTERESTING: &[char] = &[
    '{', '}', '[', ']', '(', ')', '"', '\'', '\\', '$', '#', '/', ':', '=', ',', ';', '\n', '\r',
    ' ', '\t', '-', '.', '0', '9', 'k', 'e', 'x', 'é', '\u{feff}', '\0',
];

/// Small enough to mutate at every position with every interesting
/// character, yet touching every construct.
const COMPACT: &str =
    "p: 4222; h = 0.0.0.0:1\nV: 1k\nj { d: \"/x\\t\", m: 1GB, a: [1, b, {u: $V}] }\n\
s: 'r'\nt: 2016-01-01T00:00:00Z\nb: (\nz\n)\nf: -1.5 # c\ne: $HOME // c\n";

#[track_caller]
fn must_not_panic(input: &str) {
    let loader = loader_with_env(&[("HOME", "/root"), ("SELF", "$SELF"), ("BAD", "{")]);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let _ = loader.parse_str(input);
        let _ = natrium_config::parse_duration(input);
    }));
    if outcome.is_err() {
        panic!("parser panicked on input {input:?}");
    }
}

fn char_boundaries(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.char_indices().map(|(i, _)| i).chain([text.len()])
}

#[test]
fn mutation_bases_are_valid() {
    let env = loader_with_env(&[("HOME", "/root")]);
    assert_eq!(env.parse_str(COMPACT).map(|m| m.len()).ok(), Some(9));
    assert!(loader().parse_str(SERVER_CONF).is_ok());
}

#[test]
fn every_truncation() {
    for end in char_boundaries(SERVER_CONF) {
        must_not_panic(&SERVER_CONF[..end]);
    }
}

#[test]
fn every_single_deletion() {
    let chars: Vec<char> = SERVER_CONF.chars().collect();
    for skip in 0..chars.len() {
        let mutated: String = chars
            .iter()
            .enumerate()
            .filter_map(|(i, c)| (i != skip).then_some(*c))
            .collect();
        must_not_panic(&mutated);
    }
}

#[test]
fn every_replacement_and_insertion_with_interesting_characters() {
    let chars: Vec<char> = COMPACT.chars().collect();
    for at in 0..chars.len() {
        for &c in INTERESTING {
            let mut replaced = chars.clone();
            replaced[at] = c;
            must_not_panic(&replaced.iter().collect::<String>());
            let mut inserted = chars.clone();
            inserted.insert(at, c);
            must_not_panic(&inserted.iter().collect::<String>());
        }
    }
}

#[test]
fn seeded_random_noise() {
    // xorshift64*: deterministic, no dependency.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let pieces = [
        "a",
        "b: ",
        "= ",
        "{",
        "}",
        "[",
        "]",
        ",",
        ";",
        "\n",
        "1",
        "-",
        "2k",
        "1.5",
        "..",
        "\"q",
        "\\x4",
        "'r",
        "$a",
        "$SELF",
        "$BAD",
        "$HOME",
        "include ",
        "x.conf",
        "(\n",
        "\n)\n",
        "#c",
        "//",
        "2016-",
        "01-01T00:00:00Z",
        "true",
        " ",
        "\t",
        "é",
        "1e",
        "0.0.0.0:1",
    ];
    for _ in 0..20_000 {
        let len = (next() % 24) as usize;
        let input: String = (0..len)
            .map(|_| pieces[(next() % pieces.len() as u64) as usize])
            .collect();
        must_not_panic(&input);
    }
}

#[test]
fn pathological_inputs() {
    for input in [
        "[".repeat(50_000),
        "{".repeat(50_000),
        "a {".repeat(50_000),
        "a: [{b: ".repeat(50_000),
        "\"".repeat(1001),
        "(".repeat(1000),
        "$".repeat(1000),
        "\\".repeat(1000),
        "a: \"\\x".to_string(),
        "a: \"\\".to_string(),
        "a: 1\\".to_string(),
        "include".to_string(),
        "include ".to_string(),
        "include \"\"".to_string(),
        "include .".to_string(),
        "}".repeat(10),
        "\u{feff}port: 1".to_string(),
        "\0".to_string(),
    ] {
        must_not_panic(&input);
    }
    // A BOM is not part of the first key.
    let m = loader().parse_str("\u{feff}port: 1").expect("parse");
    assert!(m.get("port").is_some());
}
