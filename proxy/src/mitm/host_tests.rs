use super::*;

#[test]
fn canonical_forms() {
    let cases = [
        ("Example.COM", Some("example.com")),
        ("example.com:443", Some("example.com")),
        ("example.com.", Some("example.com")),
        ("EXAMPLE.com.:8080", Some("example.com")),
        ("[::1]:80", Some("::1")),
        ("[2001:DB8::1]", Some("2001:db8::1")),
        ("10.0.0.1:80", Some("10.0.0.1")),
        ("", None),
        (".", None),
        ("evil@allowed.test", None),
        ("allowed.test/x", None),
        ("allowed test", None),
        ("allowed.test:notaport", None),
        ("allowed.test:", None),
        ("[::1]:x", None),
    ];
    for (raw, want) in cases {
        assert_eq!(canonical_host(raw).as_deref(), want, "{raw:?}");
    }
}

#[test]
fn percent_encoding_never_matches_the_plain_name() {
    // An encoded name survives as-is and so differs from any SNI.
    assert_ne!(
        canonical_host("%61llowed.test").as_deref(),
        Some("allowed.test")
    );
}

#[test]
fn url_hosts_bracket_ipv6() {
    assert_eq!(url_host("::1"), "[::1]");
    assert_eq!(url_host("allowed.test"), "allowed.test");
}
