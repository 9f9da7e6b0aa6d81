//! The surface syntax: separators, comments, blocks, arrays and every kind
//! of scalar.

use natrium_config::Value;

use crate::support::{boolean, get, int, parse, string};

#[test]
fn key_value_separators() {
    let m = parse(
        "a: 1\n\
         b = 2\n\
         c 3\n\
         d:4\n\
         e=5\n\
         f\t6\n\
         \"quoted key\": 7\n\
         'single key' = 8\n\
         g\n9\n",
    );
    for (key, want) in [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5), ("f", 6)] {
        assert_eq!(int(&m, key), want, "{key}");
    }
    assert_eq!(m.get("quoted key").and_then(|v| v.value.as_i64()), Some(7));
    assert_eq!(m.get("single key").and_then(|v| v.value.as_i64()), Some(8));
    // nats-server 2.14: without a separator the value may be on the next line.
    assert_eq!(int(&m, "g"), 9);
    assert_eq!(
        m.keys().collect::<Vec<_>>(),
        [
            "a",
            "b",
            "c",
            "d",
            "e",
            "f",
            "quoted key",
            "single key",
            "g"
        ]
    );
}

#[test]
fn comments_everywhere() {
    let m = parse(
        "# leading comment\n\
         // another\n\
         port: 4222 # trailing\n\
         http_port: 8222 // trailing\n\
         cluster { # after brace\n\
           # inside\n\
           name: c1 // after value\n\
           routes: [ # after bracket\n\
             nats://a:6222 # element\n\
             // alone\n\
             nats://b:6222\n\
           ]\n\
         }\n",
    );
    assert_eq!(int(&m, "port"), 4222);
    assert_eq!(int(&m, "http_port"), 8222);
    assert_eq!(string(&m, "cluster.name"), "c1");
    assert_eq!(string(&m, "cluster.routes.0"), "nats://a:6222");
    assert_eq!(string(&m, "cluster.routes.1"), "nats://b:6222");
    assert_eq!(m.len(), 3);
}

#[test]
fn optional_terminators() {
    // nats-server 2.14 accepts all of these on one line.
    let m = parse("port = 4222; http_port 8222, debug: true;\nlisten: 0.0.0.0:4222,\n");
    assert_eq!(int(&m, "port"), 4222);
    assert_eq!(int(&m, "http_port"), 8222);
    assert!(boolean(&m, "debug"));
    assert_eq!(string(&m, "listen"), "0.0.0.0:4222");
    let m = parse("auth { user: a; pass: b, timeout: 2\n token: t }");
    assert_eq!(get(&m, "auth").as_map().map(|a| a.len()), Some(4));
}

#[test]
fn nested_blocks_in_all_spellings() {
    let m = parse(
        "a { x: 1 }\n\
         b: { x: 2 }\n\
         c = { x: 3 }\n\
         d {\n x: 4\n}\n\
         e\n{\n x: 5\n}\n\
         f {}\n\
         g { h { i { j: deep } } }\n",
    );
    for (key, want) in [("a.x", 1), ("b.x", 2), ("c.x", 3), ("d.x", 4), ("e.x", 5)] {
        assert_eq!(int(&m, key), want, "{key}");
    }
    assert!(get(&m, "f").as_map().is_some_and(|f| f.is_empty()));
    assert_eq!(string(&m, "g.h.i.j"), "deep");
}

#[test]
fn map_values_may_start_on_a_later_line() {
    // Inside braces nats-server skips newlines before a value.
    let m = parse("a {\n b:\n  1\n c\n  =\n  2\n}\n");
    assert_eq!(int(&m, "a.b"), 1);
    assert_eq!(int(&m, "a.c"), 2);
}

#[test]
fn arrays() {
    let m = parse(
        "commas: [a, b, c]\n\
         newlines: [\n  a\n  b\n  c\n]\n\
         mixed: [a, b\n c,\n d]\n\
         trailing: [a, b,]\n\
         empty: []\n\
         nested: [[1, 2], [3]]\n\
         numbers: [1, 2, 3]\n\
         sized: [1k, 2KB]\n\
         maps: [ {user: a, password: b}, {user: c, password: d} ]\n\
         multiline_maps: [\n  {\n    user: a\n  }\n  {user: b}\n]\n",
    );
    for key in ["commas", "newlines", "mixed"] {
        let items: Vec<&str> = get(&m, key)
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.value.as_str()).collect())
            .unwrap_or_default();
        assert_eq!(items[..3], ["a", "b", "c"], "{key}");
    }
    assert_eq!(get(&m, "mixed").as_array().map(<[_]>::len), Some(4));
    assert_eq!(get(&m, "trailing").as_array().map(<[_]>::len), Some(2));
    assert_eq!(get(&m, "empty").as_array().map(<[_]>::len), Some(0));
    assert_eq!(int(&m, "nested.0.1"), 2);
    assert_eq!(int(&m, "nested.1.0"), 3);
    // Deliberate: nats-server 2.14 rejects a number directly before `]`.
    assert_eq!(int(&m, "numbers.2"), 3);
    assert_eq!(int(&m, "sized.0"), 1000);
    assert_eq!(int(&m, "sized.1"), 2048);
    assert_eq!(string(&m, "maps.1.user"), "c");
    assert_eq!(string(&m, "multiline_maps.0.user"), "a");
    assert_eq!(string(&m, "multiline_maps.1.user"), "b");
}

#[test]
fn strings() {
    let m = parse(concat!(
        "host: 0.0.0.0\n",
        "listen: 127.0.0.1:4222\n",
        "log_file: /tmp/x.log\n",
        "url: nats://user:pass@host:4222\n",
        "hash: a#b\n",
        "dq: \"tab\\there \\\"quoted\\\" back\\\\slash \\x41\\r\\n\"\n",
        "sq: 'raw \\t $not_a_var'\n",
        "utf8: \"\\xc3\\xa9t\\xc3\\xa9\"\n",
        "multi: \"line1\nline2\"\n",
        "unquoted_escape: a\\tb\n",
        "empty: \"\"\n",
        "digits_then_text: 12abc\n",
        "ip_range: 10.0.0.1-10.0.0.9\n",
        "spaces_inside: \"a b  c\"\n",
        "quoted_number: \"4222\"\n",
        "quoted_bool: \"true\"\n",
    ));
    assert_eq!(string(&m, "host"), "0.0.0.0");
    assert_eq!(string(&m, "listen"), "127.0.0.1:4222");
    assert_eq!(string(&m, "log_file"), "/tmp/x.log");
    assert_eq!(string(&m, "url"), "nats://user:pass@host:4222");
    assert_eq!(string(&m, "hash"), "a#b");
    assert_eq!(string(&m, "dq"), "tab\there \"quoted\" back\\slash A\r\n");
    assert_eq!(string(&m, "sq"), "raw \\t $not_a_var");
    assert_eq!(string(&m, "utf8"), "été");
    assert_eq!(string(&m, "multi"), "line1\nline2");
    assert_eq!(string(&m, "unquoted_escape"), "a\tb");
    assert_eq!(string(&m, "empty"), "");
    assert_eq!(string(&m, "digits_then_text"), "12abc");
    assert_eq!(string(&m, "ip_range"), "10.0.0.1-10.0.0.9");
    assert_eq!(string(&m, "spaces_inside"), "a b  c");
    assert_eq!(string(&m, "quoted_number"), "4222");
    assert_eq!(string(&m, "quoted_bool"), "true");
}

#[test]
fn block_strings() {
    // nats-server 2.14 (read back through /varz): the text keeps the newline
    // before the closing `)`, which must sit alone at the start of a line.
    let m = parse("cert: (\n-----BEGIN-----\nabc)def\n-----END-----\n)\nport: 1\n");
    assert_eq!(
        string(&m, "cert"),
        "\n-----BEGIN-----\nabc)def\n-----END-----\n"
    );
    assert_eq!(int(&m, "port"), 1);
    // ... and at the very end of the input nats-server keeps the `)` too.
    assert_eq!(string(&parse("x: (/foo\n)"), "x"), "/foo\n)");
}

#[test]
fn integers_and_sizes() {
    let m = parse(
        "port: 4222\n\
         neg: -1\n\
         zero: 0\n\
         lead: 007\n\
         max: 9223372036854775807\n\
         min: -9223372036854775808\n\
         k: 1k\n\
         kb: 1KB\n\
         ki: 1Ki\n\
         kib: 1kib\n\
         m: 1m\n\
         mb: 64MB\n\
         g: 2g\n\
         gb: 1GB\n\
         gib: 1GiB\n\
         t: 1T\n\
         tb: 1TB\n\
         p: 1p\n\
         pb: 1PiB\n\
         e: 1e\n\
         eb: 1EB\n\
         neg_size: -2k\n\
         plus: +5\n",
    );
    let cases: &[(&str, i64)] = &[
        ("port", 4222),
        ("neg", -1),
        ("zero", 0),
        ("lead", 7),
        ("max", i64::MAX),
        ("min", i64::MIN),
        ("k", 1000),
        ("kb", 1024),
        ("ki", 1024),
        ("kib", 1024),
        ("m", 1_000_000),
        ("mb", 64 << 20),
        ("g", 2_000_000_000),
        ("gb", 1 << 30),
        ("gib", 1 << 30),
        ("t", 1_000_000_000_000),
        ("tb", 1 << 40),
        ("p", 1_000_000_000_000_000),
        ("pb", 1 << 50),
        ("e", 1_000_000_000_000_000_000),
        ("eb", 1 << 60),
        ("neg_size", -2000),
    ];
    for &(key, want) in cases {
        assert_eq!(int(&m, key), want, "{key}");
    }
    // nats-server 2.14: a leading `+` is not a sign, the value is a string.
    assert_eq!(string(&m, "plus"), "+5");
}

#[test]
fn floats() {
    let m = parse("a: 1.5\nb: -0.25\nc: 3.0\n");
    assert_eq!(get(&m, "a").as_f64(), Some(1.5));
    assert_eq!(get(&m, "b").as_f64(), Some(-0.25));
    assert_eq!(get(&m, "c").as_f64(), Some(3.0));
}

#[test]
fn booleans_any_case() {
    let m = parse(
        "a: true\nb: TRUE\nc: yes\nd: Yes\ne: on\nf: oN\n\
         g: false\nh: False\ni: no\nj: NO\nk: off\nl: Off\n\
         not1: y\nnot2: enabled\nnot3: 'true'\n",
    );
    for key in ["a", "b", "c", "d", "e", "f"] {
        assert!(boolean(&m, key), "{key}");
    }
    for key in ["g", "h", "i", "j", "k", "l"] {
        assert!(!boolean(&m, key), "{key}");
    }
    for key in ["not1", "not2", "not3"] {
        assert!(get(&m, key).as_str().is_some(), "{key}");
    }
}

#[test]
fn durations_stay_strings_but_bare_minutes_are_mega() {
    let m =
        parse("ping_interval: \"2m\"\nwrite_deadline: 10s\nlame: 500ms\nbare: 2m\nmixed: 1h30m\n");
    assert_eq!(string(&m, "ping_interval"), "2m");
    assert_eq!(string(&m, "write_deadline"), "10s");
    assert_eq!(string(&m, "lame"), "500ms");
    assert_eq!(string(&m, "mixed"), "1h30m");
    // nats-server 2.14 reads an unquoted `2m` as 2 * 1000 * 1000 and then
    // complains that ping_interval "should be converted to a duration".
    assert_eq!(int(&m, "bare"), 2_000_000);
    let d = natrium_config::parse_duration(string(&m, "mixed")).expect("duration");
    assert_eq!(d.as_secs(), 5400);
}

#[test]
fn datetimes() {
    let m = parse("start: 2016-01-01T00:00:00Z\n");
    assert_eq!(
        get(&m, "start"),
        &Value::DateTime("2016-01-01T00:00:00Z".into())
    );
}

#[test]
fn whole_document_in_braces() {
    // nats-server 2.14 accepts JSON-style wrapping, nested or not, closed or not.
    for text in [
        "{ port: 4222 }",
        "{\n port: 4222\n http_port: 8222\n}\n",
        "{ { port: 4222 } }",
        "{ port: 4222",
        "port: 4222\n}\n",
        "{port: 4222} {http_port: 8222}",
        "port: 4222 }\nhttp_port: 8222\n",
    ] {
        let m = parse(text);
        assert_eq!(int(&m, "port"), 4222, "{text}");
    }
    // JSON proper.
    let m = parse("{\n  \"port\": 4222,\n  \"jetstream\": {\"max_mem\": \"1G\"},\n  \"tags\": [\"a\", \"b\"]\n}\n");
    assert_eq!(int(&m, "port"), 4222);
    assert_eq!(string(&m, "jetstream.max_mem"), "1G");
    assert_eq!(string(&m, "tags.1"), "b");
}

#[test]
fn last_definition_wins_and_get_ignores_case() {
    let m = parse("port: 1\nPORT: 2\nport: 3\nMax_Payload: 1MB\n");
    assert_eq!(m.get_exact("port").and_then(|v| v.value.as_i64()), Some(3));
    assert_eq!(m.get_exact("PORT").and_then(|v| v.value.as_i64()), Some(2));
    assert_eq!(int(&m, "max_payload"), 1 << 20);
    assert_eq!(m.len(), 3);
}

#[test]
fn positions_are_recorded() {
    let m = parse("port: 4222\n\ncluster {\n  name: \"c1\"\n  routes: [\n    a\n  ]\n}\n");
    let port = m.entry("port").expect("port");
    assert_eq!((port.key_position.line, port.key_position.column), (1, 1));
    assert_eq!(
        (port.value.position.line, port.value.position.column),
        (1, 7)
    );
    let cluster = get(&m, "cluster").as_map().expect("map");
    let name = cluster.entry("name").expect("name");
    assert_eq!((name.key_position.line, name.key_position.column), (4, 3));
    assert_eq!(
        (name.value.position.line, name.value.position.column),
        (4, 9)
    );
    let routes = cluster.get("routes").expect("routes");
    assert_eq!(routes.position.line, 5);
    let first = &routes.value.as_array().expect("array")[0];
    assert_eq!((first.position.line, first.position.column), (6, 5));
    assert!(first.position.file.is_none());
}

#[test]
fn windows_line_endings() {
    let m = parse("port=4222\r\nauthorization {\r\n  user: a\r\n  password: b\r\n}\r\ntags: [\r\n a\r\n b\r\n]\r\n");
    assert_eq!(int(&m, "port"), 4222);
    assert_eq!(string(&m, "authorization.user"), "a");
    assert_eq!(string(&m, "authorization.password"), "b");
    assert_eq!(string(&m, "tags.1"), "b");
}

#[test]
fn empty_values_and_documents() {
    assert!(parse("").is_empty());
    assert!(parse("   \n# only a comment\n\n").is_empty());
    // nats-server 2.14: `port:` at the end of the input is an empty string.
    assert_eq!(string(&parse("port:"), "port"), "");
    assert_eq!(string(&parse("port: ;"), "port"), "");
}

#[test]
fn lone_slash_after_a_value() {
    // nats-server 2.14: a `/` that does not start a `//` comment is ignored
    // after a top-level value and acts as a separator inside maps and arrays.
    let m = parse("port: 4222 /\na { b: 1 / c: 2 }\nd: [1 / 2]\n");
    assert_eq!(int(&m, "port"), 4222);
    assert_eq!(int(&m, "a.c"), 2);
    assert_eq!(int(&m, "d.1"), 2);
    crate::support::parse_err("port: 4222 / http_port: 8222\n");
    crate::support::parse_err("d: [a /, b]\n");
}
