use super::*;

#[test]
fn host_patterns() {
    // (pattern, host, expected)
    let rows: &[(&str, &str, bool)] = &[
        ("github.com", "github.com", true),
        ("github.com", "GitHub.COM", true),
        ("GITHUB.com", "github.com", true),
        ("github.com", "api.github.com", false),
        ("github.com", "github.com.evil.com", false),
        ("github.com", "github.com:443", true),
        ("github.com", "github.com.", true),
        ("github.com", "github.com.:8080", true),
        ("github.com.", "github.com", true),
        ("github.com", "github.com:", true),
        ("*.github.com", "api.github.com", true),
        ("*.github.com", "a.b.github.com", true),
        ("*.github.com", "github.com", false),
        ("*.github.com", "evilgithub.com", false),
        ("*.GitHub.com", "API.github.COM", true),
        ("api-?.x.com", "api-1.x.com", true),
        ("api-?.x.com", "api-12.x.com", false),
        ("api-?.x.com", "api-.x.com", false),
        ("*", "anything.example", true),
        ("*", "10.0.0.1", true),
        ("*github*", "my-github-mirror.org", true),
        ("*.s3.*.amazonaws.com", "b.s3.eu-west-1.amazonaws.com", true),
        ("*.s3.*.amazonaws.com", "b.s3.amazonaws.com", false),
        ("10.0.0.1", "10.0.0.1:80", true),
        // No character classes: '[' is literal and can never match a host.
        ("[ab].x.com", "a.x.com", false),
        ("*[ab].x.com", "a.x.com", false),
        // Hosts that are not names match nothing, not even '*'.
        ("*", "", false),
        ("*", ".", false),
        ("*", "a..b", false),
        ("*", "[::1]:443", false),
        ("*", "::1", false),
        ("*.github.com", "evil.com#.github.com", false),
        ("*.github.com", "evil.com/.github.com", false),
        ("*.github.com", "user@x.github.com", false),
        ("*.github.com", "x.github.com\n", false),
        ("*", "x.com:99999999", false),
        ("", "github.com", false),
    ];
    for (pattern, host, expected) in rows {
        assert_eq!(
            host_matches(pattern, host),
            *expected,
            "pattern {pattern:?} host {host:?}"
        );
    }
}

#[test]
fn wildcard_edge_cases() {
    let rows: &[(&str, &str, bool)] = &[
        ("", "", true),
        ("*", "", true),
        ("**", "abc", true),
        ("a*b*c", "aXXbYYc", true),
        ("a*b*c", "aXXbYY", false),
        ("*aab", "aaaab", true),
        ("?", "é", true),
        ("?", "", false),
        ("a*", "b", false),
    ];
    for (pattern, text, expected) in rows {
        assert_eq!(
            wildcard_match(pattern, text),
            *expected,
            "{pattern:?} {text:?}"
        );
    }
}

#[test]
fn hostile_glob_stays_fast() {
    let pattern = format!("{}b", "*a".repeat(50));
    let text = "a".repeat(10_000);
    let start = std::time::Instant::now();
    assert!(!wildcard_match(&pattern, &text));
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
}
