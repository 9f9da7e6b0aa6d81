//! Rejected input, with the line and column reported. The message fragments
//! are nats-server 2.14's wording wherever it has one; its line numbers
//! agree with ours except where nats-server has already stepped past a
//! newline (it then reports the following line).

use natrium_config::ConfigError;

use crate::support::parse_err;

/// Returns a description of the mismatch, if any.
fn mismatch(text: &str, line: usize, column: usize, message: &str) -> Option<String> {
    let err = parse_err(text);
    let found = err.position().map(|p| (p.line, p.column));
    let rendered = err.to_string();
    (found != Some((line, column)) || !rendered.contains(message))
        .then(|| format!("{text:?}: want {line}:{column} {message:?}, got {rendered}"))
}

#[track_caller]
fn check(text: &str, line: usize, column: usize, message: &str) {
    if let Some(problem) = mismatch(text, line, column, message) {
        panic!("{problem}");
    }
}

#[test]
fn syntax_errors_have_positions() {
    let cases: &[(&str, usize, usize, &str)] = &[
        // nats-server: "Invalid escape character 'q'. Only the following escape characters are allowed: \xXX, \t, \n, \r, \", \\."
        ("port: 4222\nx: \"abc\\q\"\n", 2, 9, "Invalid escape character 'q'. Only the following"),
        ("x: \"\\u0041\"\n", 1, 6, "Invalid escape character 'u'"),
        ("x: \"\\xZZ\"\n", 1, 6, "Expected two hexadecimal digits after '\\x', but got 'ZZ'"),
        ("port: 4222\n\n\n  max_payload: [1,,2]\n", 4, 19, "Unexpected array value terminator ','."),
        ("tags: [,a]\n", 1, 8, "Unexpected array value terminator ','."),
        ("tags: [a\n,b]\n", 2, 1, "Unexpected array value terminator ','."),
        ("tags: [a b]\n", 1, 10, "Expected an array value terminator ',' or an array terminator ']', but got 'b' instead."),
        ("port: 4222\nauthorization {\n user: a\n", 4, 1, "Unexpected EOF processing map."),
        ("a { b: 1 c: 2 }\n", 1, 10, "Expected a map value terminator ',' or a map terminator '}', but got 'c' instead."),
        ("a { b: , }\n", 1, 8, "Unexpected map value terminator ','."),
        ("a { b: 1 ]\n", 1, 10, "but got ']' instead"),
        ("a {\n  ] }\n", 2, 3, "Unexpected array end ']' processing map."),
        ("tags: [a, b\n", 2, 1, "Unexpected EOF processing array."),
        ("port: .5\n", 1, 7, "Floats must start with a digit"),
        ("port: 1.\n", 1, 9, "Floats must have a digit after the '.', but got '\\n' instead."),
        ("port: -foo\n", 1, 8, "Expected a digit but got 'f'."),
        ("port: 4222 8222\n", 1, 12, "Expected a top-level value to end with a new line, comment or EOF, but got '8' instead."),
        ("port: -5abc\n", 1, 9, "but got 'a' instead"),
        ("max: 1.5k\n", 1, 9, "but got 'k' instead"),
        ("max: 1e3\n", 1, 8, "but got '3' instead"),
        ("x: 1kb7\n", 1, 7, "but got '7' instead"),
        ("port:\n4222\n", 1, 6, "Expected value but found new line"),
        ("start: 2016-01-01\n", 1, 18, "Expected 'T' in ISO8601 datetime, but found '\\n' instead."),
        ("start: 12-34\n", 1, 10, "All ISO8601 dates must be in full Zulu form."),
        ("x: (\nfoo\n", 3, 1, "Unexpected EOF processing block."),
        ("x: \"abc\n", 1, 4, "Unexpected EOF"),
        ("x: 'abc\n", 1, 4, "Unexpected EOF"),
        (": 1\n", 1, 1, "Unexpected key separator ':'"),
        ("a {\n  \"k: 1\n}\n", 2, 3, "Unexpected EOF processing double quoted key."),
        ("a { b", 1, 6, "Unexpected EOF processing map key."),
        ("port\n", 1, 1, "config is invalid: key 'port' has no value"),
        ("port: 4222\n}\nhttp_port: 1\n", 2, 1, "Unexpected '}'"),
        ("/etc: 1\n", 1, 1, "Unexpected '/'"),
    ];
    let problems: Vec<String> = cases
        .iter()
        .filter_map(|&(text, line, column, message)| mismatch(text, line, column, message))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn keys_without_values_inside_maps() {
    // nats-server 2.14 silently attaches the map to the dangling key and
    // then reports `unknown field "timeout"`; we say what is wrong.
    check(
        "authorization {\n user: a\n timeout\n}\n",
        3,
        2,
        "config is invalid: key 'timeout' has no value",
    );
}

#[test]
fn invalid_values() {
    let cases: &[(&str, usize, &str)] = &[
        // nats-server: "integer '99999999999999999999' is out of the range"
        (
            "port: 99999999999999999999\n",
            1,
            "integer '99999999999999999999' is out of the range",
        ),
        // nats-server wraps around to a negative number here.
        ("max: 10E\n", 1, "integer '10E' is out of the range"),
        // nats-server silently drops the key here.
        ("max: 1kbb\n", 1, "invalid size suffix 'kbb' in '1kbb'"),
        // nats-server: "expected Zulu formatted DateTime, but got '2016-13-01T00:00:00Z'"
        (
            "t: 2016-13-01T00:00:00Z\n",
            1,
            "expected Zulu formatted DateTime, but got '2016-13-01T00:00:00Z'",
        ),
        (
            "\n\nt: 2016-02-30T00:00:00Z\n",
            3,
            "expected Zulu formatted DateTime",
        ),
    ];
    for &(text, line, message) in cases {
        let err = parse_err(text);
        assert!(
            matches!(err, ConfigError::InvalidValue { .. }),
            "{text:?}: {err:?}"
        );
        assert_eq!(err.line(), Some(line), "{text:?}");
        assert!(err.to_string().contains(message), "{text:?}: {err}");
    }
}

#[test]
fn display_format() {
    let err = parse_err("a: 1\nb: [1,,2]\n");
    assert_eq!(
        err.to_string(),
        "line 2:7: Unexpected array value terminator ','."
    );
}

#[test]
fn nesting_is_bounded() {
    let deep = format!("a: {}", "[".repeat(100_000));
    let err = parse_err(&deep);
    assert!(err.to_string().contains("nested deeper than"), "{err}");
    let deep = format!("a: {}", "{b: ".repeat(100_000));
    assert!(parse_err(&deep).to_string().contains("nested deeper than"));
    // 100 levels are fine.
    let ok = format!("a: {}1{}", "[".repeat(100), "]".repeat(100));
    crate::support::parse(&ok);
}
