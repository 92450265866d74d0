use super::*;

#[test]
fn split_at_first_question_mark() {
    assert_eq!(split_path_query("/a/b"), ("/a/b", None));
    assert_eq!(split_path_query("/a?x=1?y"), ("/a", Some("x=1?y")));
    assert_eq!(split_path_query("/a?"), ("/a", Some("")));
    assert_eq!(split_path_query(""), ("", None));
}

#[test]
fn decoded_paths() {
    let rows: &[(&str, Result<&str, BadPath>)] = &[
        ("/", Ok("/")),
        ("", Ok("/")),
        ("?x=1", Ok("/")),
        ("/repos/x/y", Ok("/repos/x/y")),
        ("/api/", Ok("/api/")),
        ("/a%2Fb", Ok("/a/b")),
        ("/a%23b", Ok("/a#b")),
        ("/a%3fb", Ok("/a?b")),
        ("/caf%C3%A9", Ok("/café")),
        ("/a%20b", Ok("/a b")),
        ("/.well-known/x", Ok("/.well-known/x")),
        ("/a/...", Ok("/a/...")),
        ("/a..b/c", Ok("/a..b/c")),
        // A literal percent, encoded once: fine unless it hides a special
        // character.
        ("/100%25off", Ok("/100%off")),
        ("/a%2541", Ok("/a%41")),
        // The query is never decoded nor checked.
        ("/a?q=%2e%2e/..%00;\\", Ok("/a")),
        ("a/b", Err(BadPath::NotAbsolute)),
        ("*", Err(BadPath::NotAbsolute)),
        ("http://x/a", Err(BadPath::NotAbsolute)),
        ("/a#frag", Err(BadPath::Fragment)),
        ("/a%zz", Err(BadPath::BadEscape)),
        ("/a%2", Err(BadPath::BadEscape)),
        ("/a%", Err(BadPath::BadEscape)),
        ("/a%ff", Err(BadPath::NotUtf8)),
        ("/%c0%ae%c0%ae/x", Err(BadPath::NotUtf8)),
        ("/a%00b", Err(BadPath::Control)),
        ("/a%0d%0aX: y", Err(BadPath::Control)),
        ("/a%7f", Err(BadPath::Control)),
        ("/a\\b", Err(BadPath::Backslash)),
        ("/a%5cb", Err(BadPath::Backslash)),
        ("/a;jsessionid=1", Err(BadPath::PathParameter)),
        ("/a%3bb", Err(BadPath::PathParameter)),
        ("/a/%252e%252e/b", Err(BadPath::DoubleEncoded)),
        ("/a/%252E%252E/b", Err(BadPath::DoubleEncoded)),
        ("/a%252fb", Err(BadPath::DoubleEncoded)),
        ("/a%255cb", Err(BadPath::DoubleEncoded)),
        ("/a%25252e", Err(BadPath::DoubleEncoded)),
        ("/a%2500", Err(BadPath::DoubleEncoded)),
        ("/a/../b", Err(BadPath::DotSegment)),
        ("/a/..", Err(BadPath::DotSegment)),
        ("/..", Err(BadPath::DotSegment)),
        ("/a/./b", Err(BadPath::DotSegment)),
        ("/a/.", Err(BadPath::DotSegment)),
        ("/a/%2e%2e/b", Err(BadPath::DotSegment)),
        ("/a/%2E/b", Err(BadPath::DotSegment)),
        ("/a/..%2fb", Err(BadPath::DotSegment)),
        ("//a", Err(BadPath::EmptySegment)),
        ("/a//b", Err(BadPath::EmptySegment)),
        ("/a%2f%2fb", Err(BadPath::EmptySegment)),
        ("/a//", Err(BadPath::EmptySegment)),
    ];
    for (raw, expected) in rows {
        let got = decoded_path(raw);
        assert_eq!(got.as_deref().map_err(|e| *e), *expected, "raw {raw:?}");
    }
}

#[test]
fn path_patterns() {
    let rows: &[(&str, &str, bool)] = &[
        ("", "/anything/at/all", true),
        ("/api", "/api", true),
        ("/api", "/api/", false),
        ("/api/", "/api", false),
        ("/api", "/api/v1", false),
        ("/API", "/api", false),
        ("/repos/foo*", "/repos/foobar", true),
        ("/repos/foo*", "/repos/foo/issues", true),
        ("/repos/foo/*", "/repos/foo", false),
        ("/repos/foo/*", "/repos/foo/", true),
        ("/repos/*/pulls", "/repos/a/b/pulls", true),
        ("/v?/x", "/v1/x", true),
        ("/v?/x", "/v12/x", false),
        ("*", "/", true),
    ];
    for (pattern, path, expected) in rows {
        assert_eq!(
            path_matches(pattern, path),
            *expected,
            "{pattern:?} {path:?}"
        );
    }
}

#[test]
fn huge_paths_are_handled() {
    let long = format!("/{}", "a/".repeat(50_000));
    assert!(decoded_path(&long).is_ok());
    let evil = format!("{long}%2e%2e/x");
    assert_eq!(decoded_path(&evil), Err(BadPath::DotSegment));
}
