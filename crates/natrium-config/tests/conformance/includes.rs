//! `include` directives: resolution, merging, scoping, errors, cycles.

use natrium_config::ConfigError;

use crate::support::{int, loader, parse_err, string, TempDir};

#[test]
fn top_level_include_merges_keys_in_place() {
    let dir = TempDir::new("top");
    dir.write(
        "auth.conf",
        "authorization { user: a, password: b }\nport: 5555\n",
    );
    let main = dir.write(
        "nats.conf",
        "port: 4222\ninclude ./auth.conf\nhttp_port: 8222\n",
    );
    let m = loader().parse_file(&main).expect("parse");
    assert_eq!(
        m.keys().collect::<Vec<_>>(),
        ["port", "authorization", "http_port"]
    );
    // Later definitions win, including ones from the included file.
    assert_eq!(int(&m, "port"), 5555);
    assert_eq!(string(&m, "authorization.password"), "b");
    let auth = m.get("authorization").expect("authorization");
    let file = auth.position.file.as_deref().expect("file");
    assert!(file.ends_with("auth.conf"), "{}", file.display());
    assert_eq!(auth.position.line, 1);
}

#[test]
fn include_inside_a_block_and_spellings() {
    let dir = TempDir::new("block");
    dir.write("users.conf", "users = [ {user: a, password: a} ]\n");
    dir.write("timeout.conf", "timeout: 3\n");
    let main = dir.write(
        "nats.conf",
        "authorization {\n  include users.conf\n}\n\
         other { INCLUDE \"users.conf\"; include 'timeout.conf' }\n\
         third { include users.conf }\n",
    );
    let m = loader().parse_file(&main).expect("parse");
    assert_eq!(string(&m, "authorization.users.0.user"), "a");
    assert_eq!(string(&m, "other.users.0.user"), "a");
    assert_eq!(int(&m, "other.timeout"), 3);
    assert_eq!(string(&m, "third.users.0.password"), "a");
}

#[test]
fn include_keyword_only_with_whitespace() {
    // nats-server 2.14: `include: foo` is an ordinary key.
    let m = loader().parse_str("include: foo\n").expect("parse");
    assert_eq!(string(&m, "include"), "foo");
}

#[test]
fn paths_are_relative_to_the_including_file() {
    let dir = TempDir::new("relative");
    dir.write(
        "conf/accounts/a.conf",
        "A { users: [ {user: a} ] }\ninclude ../shared/b.conf\n",
    );
    dir.write("conf/shared/b.conf", "B { users: [ {user: b} ] }\n");
    let main = dir.write(
        "conf/nats.conf",
        "accounts {\n  include accounts/a.conf\n}\n",
    );
    let m = loader().parse_file(&main).expect("parse");
    assert_eq!(string(&m, "accounts.A.users.0.user"), "a");
    assert_eq!(string(&m, "accounts.B.users.0.user"), "b");
}

#[test]
fn parse_str_resolves_against_a_base_directory() {
    let dir = TempDir::new("base");
    dir.write("x.conf", "port: 7\n");
    let m = loader()
        .parse_str_in("include x.conf\n", dir.path())
        .expect("parse");
    assert_eq!(int(&m, "port"), 7);
}

#[test]
fn absolute_include_paths() {
    let dir = TempDir::new("absolute");
    let target = dir.write("abs.conf", "port: 9\n");
    let main = dir.write("sub/nats.conf", &format!("include {}\n", target.display()));
    let m = loader().parse_file(&main).expect("parse");
    assert_eq!(int(&m, "port"), 9);
}

#[test]
fn included_files_do_not_see_the_parents_variables() {
    // nats-server 2.14: "error parsing include file 'b.conf', variable
    // reference for 'foo' on line 1 can not be found".
    let dir = TempDir::new("scope");
    dir.write("b.conf", "port: $foo\n");
    let main = dir.write("a.conf", "foo: 4222\ninclude b.conf\n");
    let err = loader().parse_file(&main).expect_err("error");
    assert!(
        matches!(err.root_cause(), ConfigError::UndefinedVariable { .. }),
        "{err}"
    );
    // ... but the parent sees the included keys.
    dir.write("vars.conf", "PORT: 4333\n");
    let main = dir.write("c.conf", "include vars.conf\nport: $PORT\n");
    let m = loader().parse_file(&main).expect("parse");
    assert_eq!(int(&m, "port"), 4333);
    assert!(m.entry_exact("PORT").is_some_and(|e| e.used_as_variable));
}

#[test]
fn missing_include_names_file_and_line() {
    let dir = TempDir::new("missing");
    let main = dir.write("nats.conf", "port: 1\n\ninclude ./nope.conf\n");
    let err = loader().parse_file(&main).expect_err("error");
    let ConfigError::Include {
        position,
        path,
        source,
    } = &err
    else {
        panic!("unexpected {err:?}");
    };
    assert_eq!(path, "./nope.conf");
    assert_eq!((position.line, position.column), (3, 1));
    assert!(matches!(**source, ConfigError::Io { .. }));
    let text = err.to_string();
    assert!(
        text.contains("nats.conf:3:1: error parsing include file './nope.conf'"),
        "{text}"
    );
    assert!(text.contains("nope.conf"), "{text}");
}

#[test]
fn errors_inside_included_files_carry_their_own_position() {
    let dir = TempDir::new("nested-error");
    dir.write("inner.conf", "a: 1\nb: [1,,2]\n");
    dir.write("middle.conf", "x {\n  include inner.conf\n}\n");
    let main = dir.write("nats.conf", "port: 1\ninclude middle.conf\n");
    let err = loader().parse_file(&main).expect_err("error");
    assert_eq!(err.line(), Some(2));
    let root = err.root_cause();
    let position = root.position().expect("position");
    assert!(position
        .file
        .as_deref()
        .is_some_and(|f| f.ends_with("inner.conf")));
    assert_eq!((position.line, position.column), (2, 7));
    let text = err.to_string();
    assert!(
        text.contains("middle.conf:2:3: error parsing include file 'inner.conf'"),
        "{text}"
    );
    assert!(
        text.contains("inner.conf:2:7: Unexpected array value terminator ','."),
        "{text}"
    );
}

#[test]
fn include_cycles_are_reported() {
    // nats-server 2.14 never returns on these.
    let dir = TempDir::new("cycle");
    let own = dir.write("self.conf", "port: 1\ninclude self.conf\n");
    let err = loader().parse_file(&own).expect_err("cycle");
    assert!(
        matches!(err, ConfigError::IncludeCycle { ref position, .. } if position.line == 2),
        "{err}"
    );

    dir.write("b.conf", "include c.conf\n");
    dir.write("c.conf", "x: 1\ninclude ./b.conf\n");
    let main = dir.write("a.conf", "include b.conf\n");
    let err = loader().parse_file(&main).expect_err("cycle");
    assert!(
        matches!(err.root_cause(), ConfigError::IncludeCycle { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("include cycle"), "{err}");
}

#[test]
fn same_file_twice_is_not_a_cycle() {
    let dir = TempDir::new("twice");
    dir.write("user.conf", "user: a\n");
    let main = dir.write(
        "nats.conf",
        "a { include user.conf }\nb { include user.conf }\n",
    );
    let m = loader().parse_file(&main).expect("parse");
    assert_eq!(string(&m, "a.user"), "a");
    assert_eq!(string(&m, "b.user"), "a");
}

#[test]
fn include_value_errors() {
    for (text, message) in [
        (
            "include [a]\n",
            "Expected include value but found start of an array",
        ),
        (
            "include {a}\n",
            "Expected include value but found start of a map",
        ),
        (
            "include 1.conf\n",
            "Expected include value but found start of a number",
        ),
        (
            "include \"a.conf\n",
            "Unexpected EOF in double quoted include",
        ),
    ] {
        let err = parse_err(text);
        assert!(err.to_string().contains(message), "{text:?}: {err}");
        assert_eq!(err.line(), Some(1), "{text:?}");
    }
}

#[test]
fn missing_top_level_file() {
    let err = loader()
        .parse_file(std::path::Path::new("/nonexistent/natrium.conf"))
        .expect_err("error");
    assert!(matches!(err, ConfigError::Io { .. }));
    assert!(
        err.to_string()
            .starts_with("cannot read '/nonexistent/natrium.conf'"),
        "{err}"
    );
}
