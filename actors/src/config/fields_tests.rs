use super::*;

#[test]
fn ints() {
    assert_eq!(parse_int("993"), Some(993));
    assert_eq!(parse_int(" -5 "), Some(-5));
    assert_eq!(parse_int("+7"), Some(7));
    assert_eq!(parse_int("1_000"), Some(1000));
    assert_eq!(parse_int("4.0"), None);
    assert_eq!(parse_int("_1"), None);
    assert_eq!(parse_int("1__0"), None);
    assert_eq!(parse_int(""), None);
    assert_eq!(parse_int("0x10"), None);
}

#[test]
fn bools() {
    for t in ["true", "TRUE", "1", "yes", "On"] {
        assert_eq!(parse_bool(t), Some(true), "{t}");
    }
    for f in ["false", "False", "0", "no", "OFF"] {
        assert_eq!(parse_bool(f), Some(false), "{f}");
    }
    assert_eq!(parse_bool("maybe"), None);
}

#[test]
fn suggestions() {
    assert_eq!(edit_distance("prot", "port"), 2);
    assert_eq!(
        unknown_key_message("prot", &["server", "port"]),
        "unknown key; did you mean `port`?"
    );
    assert_eq!(
        unknown_key_message("zzzzzz", &["server", "port"]),
        "unknown key (allowed here: server, port)"
    );
}

#[test]
fn echo_truncates_and_names_source() {
    let long = "x".repeat(100);
    let shown = echo(&long, &Origin::Env("LONG".into()));
    assert!(shown.ends_with("…' (from !env LONG)"));
    assert!(shown.len() < 100);
}
