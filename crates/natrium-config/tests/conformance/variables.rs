//! `$name` references: block scoping, environment fallback, error cases.

use natrium_config::{ConfigError, Loader};

use crate::support::{get, int, loader_with_env, parse, parse_err, string};

#[test]
fn same_and_enclosing_blocks() {
    let m = parse(
        "PORT: 4222\n\
         port: $PORT\n\
         outer {\n\
           HOST: h1\n\
           inner {\n\
             host: $HOST\n\
             port: $PORT\n\
           }\n\
         }\n\
         users: [ {user: a, port: $PORT} ]\n",
    );
    assert_eq!(int(&m, "port"), 4222);
    assert_eq!(string(&m, "outer.inner.host"), "h1");
    assert_eq!(int(&m, "outer.inner.port"), 4222);
    assert_eq!(int(&m, "users.0.port"), 4222);
}

#[test]
fn innermost_definition_wins() {
    let m = parse("x: outer\na { x: inner, y: $x }\nb { y: $x }\n");
    assert_eq!(string(&m, "a.y"), "inner");
    assert_eq!(string(&m, "b.y"), "outer");
}

#[test]
fn only_earlier_definitions_are_visible() {
    let err = parse_err("a: $later\nlater: 1\n");
    assert!(matches!(err, ConfigError::UndefinedVariable { ref name, .. } if name == "later"));
    // A sibling block is not a scope.
    let err = parse_err("a { x: 1 }\nb { y: $x }\n");
    assert!(matches!(err, ConfigError::UndefinedVariable { .. }));
}

#[test]
fn names_are_case_sensitive() {
    // nats-server 2.14: `Myport` does not satisfy `$myport`.
    let err = parse_err("Myport: 4222\nport: $myport\n");
    assert_eq!(
        err.to_string(),
        "line 2:7: variable reference for 'myport' on line 2 can not be found"
    );
}

#[test]
fn variable_keys_stay_in_the_map_flagged_as_used() {
    let m = parse("myport: 4222\nport: $myport\nunused: 1\n");
    let used = m.entry("myport").expect("myport");
    assert!(used.used_as_variable);
    assert!(!m.entry("unused").expect("unused").used_as_variable);
    assert!(!m.entry("port").expect("port").used_as_variable);
    assert_eq!(m.len(), 3);
}

#[test]
fn value_position_is_the_reference() {
    let m = parse("x: 1\n\ny: $x\n");
    let y = m.get("y").expect("y");
    assert_eq!((y.position.line, y.position.column), (3, 4));
}

#[test]
fn structured_values_can_be_referenced() {
    let m = parse("PERMS { publish: [\"a.>\"], subscribe: \">\" }\nu { permissions: $PERMS }\n");
    assert_eq!(string(&m, "u.permissions.publish.0"), "a.>");
}

#[test]
fn bcrypt_hashes_are_not_variables() {
    let m = parse("password: $2a$11$W2zko751KUvVy59mUTWmpOdWXn5XGbY6mBIl8e9QBUMSwrgBVlPGW\n");
    assert!(string(&m, "password").starts_with("$2a$11$"));
    // Only unquoted words that start with `$` are references.
    let m = parse("a: x$y\nb: \"$y\"\nc: '$y'\n");
    assert_eq!(string(&m, "a"), "x$y");
    assert_eq!(string(&m, "b"), "$y");
    assert_eq!(string(&m, "c"), "$y");
}

#[test]
fn environment_fallback_parses_the_value() {
    // nats-server 2.14 parses an environment value as if written `pk=<value>`.
    let loader = loader_with_env(&[
        ("INT", "4222"),
        ("BOOL", "true"),
        ("SIZE", "1GB"),
        ("STR", "hello"),
        ("QUOTED", "\"4222\""),
        ("EMPTY", ""),
        ("LIST", "[a, b]"),
        ("MAP", "{user: a, password: b}"),
        ("CHAINED", "$INT"),
    ]);
    let m = loader
        .parse_str(
            "int: $INT\nbool: $BOOL\nsize: $SIZE\nstr: $STR\nquoted: $QUOTED\n\
             empty: $EMPTY\nlist: $LIST\nmap: $MAP\nchained: $CHAINED\n",
        )
        .expect("parse");
    assert_eq!(int(&m, "int"), 4222);
    assert_eq!(get(&m, "bool").as_bool(), Some(true));
    assert_eq!(int(&m, "size"), 1 << 30);
    assert_eq!(string(&m, "str"), "hello");
    assert_eq!(string(&m, "quoted"), "4222");
    assert_eq!(string(&m, "empty"), "");
    assert_eq!(string(&m, "list.1"), "b");
    assert_eq!(string(&m, "map.password"), "b");
    assert_eq!(int(&m, "chained"), 4222);
    // Everything points at the reference, not into the environment text.
    let list = m.get("list").expect("list");
    assert_eq!(list.position.line, 7);
    assert!(list
        .value
        .as_array()
        .is_some_and(|a| a.iter().all(|v| v.position.line == 7)));
}

#[test]
fn config_keys_shadow_the_environment() {
    let loader = loader_with_env(&[("PORT", "1")]);
    let m = loader.parse_str("PORT: 2\nport: $PORT\n").expect("parse");
    assert_eq!(int(&m, "port"), 2);
}

#[test]
fn unparsable_environment_value() {
    // nats-server 2.14: "variable reference for 'EV' on line 1 could not be
    // parsed: Parse error on line 1: 'Expected a top-level value to end with
    // a new line, comment or EOF, but got 'w' instead.'"
    let loader = loader_with_env(&[("EV", "hello world")]);
    let err = loader.parse_str("server_name: $EV\n").expect_err("error");
    let text = err.to_string();
    assert!(
        text.starts_with("line 1:14: variable reference for 'EV' on line 1 could not be parsed: "),
        "{text}"
    );
    assert!(text.contains("but got 'w' instead"), "{text}");
}

#[test]
fn environment_cycles_are_detected() {
    // nats-server 2.14 reports "variable reference cycle for 'AA'".
    let loader = loader_with_env(&[("AA", "$AA"), ("X", "$Y"), ("Y", "[$X]")]);
    for text in ["port: $AA", "port: $X"] {
        let err = loader.parse_str(text).expect_err("cycle");
        assert!(
            matches!(err.root_cause(), ConfigError::EnvVariableCycle { .. }),
            "{err}"
        );
        assert!(
            err.to_string().contains("variable reference cycle for"),
            "{err}"
        );
    }
}

#[test]
fn undefined_everywhere() {
    let err = parse_err("port: 1\nhttp_port: $NOPE_NOT_SET\n");
    assert_eq!(err.line(), Some(2));
    assert_eq!(
        err.to_string(),
        "line 2:12: variable reference for 'NOPE_NOT_SET' on line 2 can not be found"
    );
    // A lone `$` names the empty variable (nats-server: "for ''").
    let err = parse_err("port: $\n");
    assert!(
        err.to_string()
            .contains("variable reference for '' on line 1"),
        "{err}"
    );
}

#[test]
fn real_process_environment_is_the_default() {
    let name = format!("NATRIUM_CONFIG_TEST_PORT_{}", std::process::id());
    std::env::set_var(&name, "5222");
    let result = Loader::new().parse_str(&format!("port: ${name}\n"));
    std::env::remove_var(&name);
    let m = result.expect("parse");
    assert_eq!(int(&m, "port"), 5222);
}
