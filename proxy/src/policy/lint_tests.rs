use super::*;

#[test]
fn host_patterns() {
    let rows: &[(&str, bool)] = &[
        ("github.com", true),
        ("*.github.com", true),
        ("*", true),
        ("api-?.x.com", true),
        ("GitHub.com", true),
        ("github.com.", true),
        ("10.0.0.1", true),
        ("", false),
        ("https://github.com", false),
        ("github.com/api", false),
        ("github.com:443", false),
        ("git hub.com", false),
        ("[ab].com", false),
        ("a..b", false),
        (".github.com", false),
    ];
    for (pattern, ok) in rows {
        assert_eq!(host_pattern_problem(pattern).is_none(), *ok, "{pattern:?}");
    }
}

#[test]
fn path_patterns() {
    let rows: &[(&str, bool)] = &[
        ("", true),
        ("/", true),
        ("/repos/*", true),
        ("*", true),
        ("/files/my file", true),
        ("/.well-known/*", true),
        ("repos/*", false),
        ("/search?q=*", false),
        ("/a%2Fb", false),
        ("/a\\b", false),
        ("/a;b", false),
        ("/a#b", false),
        ("/a/../b", false),
        ("/a/./*", false),
        ("/a//b", false),
        ("/a\nb", false),
    ];
    for (pattern, ok) in rows {
        assert_eq!(path_pattern_problem(pattern).is_none(), *ok, "{pattern:?}");
    }
}

#[test]
fn methods() {
    for ok in ["GET", "post", "PROPFIND", "M-SEARCH"] {
        assert_eq!(method_problem(ok), None, "{ok}");
    }
    for bad in ["", "*", "GE*", "GET POST", "GET,POST", "GÉT"] {
        assert!(method_problem(bad).is_some(), "{bad:?}");
    }
    assert!(
        method_problem("*").is_some_and(|m| m.contains("leave `methods` out")),
        "hint for '*'"
    );
}

#[test]
fn query_in_path_pattern_explains_itself() {
    let message = path_pattern_problem("/graphql?x=1").unwrap_or_default();
    assert!(message.contains("never the query"), "{message}");
}
