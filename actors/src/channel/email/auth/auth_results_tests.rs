use super::*;

fn parse(value: &str) -> AuthResults {
    parse_auth_results(value, true).unwrap_or_else(|e| panic!("{value:?}: {e}"))
}

fn methods(results: &AuthResults) -> Vec<(&str, &str)> {
    results
        .results
        .iter()
        .map(|r| (r.method.as_str(), r.result.as_str()))
        .collect()
}

#[test]
fn simple_header() {
    let r = parse(" mx.example.com; dmarc=pass; spf=pass");
    assert_eq!(r.authserv_id.as_deref(), Some("mx.example.com"));
    assert_eq!(methods(&r), [("dmarc", "pass"), ("spf", "pass")]);
}

#[test]
fn gmail_style_header_with_comments_and_properties() {
    let r = parse(
        " mx.google.com;\r\n       dkim=pass header.i=@example.com header.s=20230601 header.b=Ab+/cD=;\r\n       \
         arc=pass (i=1 spf=pass dkim=pass dmarc=pass fromdomain=example.com);\r\n       \
         spf=pass (google.com: domain of ann@example.com designates 192.0.2.1 as permitted sender) \
         smtp.mailfrom=ann@example.com;\r\n       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.com",
    );
    assert_eq!(
        methods(&r),
        [
            ("dkim", "pass"),
            ("arc", "pass"),
            ("spf", "pass"),
            ("dmarc", "pass")
        ]
    );
    let dmarc = &r.results[3];
    assert_eq!(dmarc.property("header.from"), Some("example.com"));
    assert_eq!(r.results[0].property("header.i"), Some("@example.com"));
    assert_eq!(
        r.results[2].property("smtp.mailfrom"),
        Some("ann@example.com")
    );
}

#[test]
fn version_one_is_accepted_other_versions_are_not() {
    assert_eq!(
        parse("mx.example.com 1; dmarc=pass").authserv_id.as_deref(),
        Some("mx.example.com")
    );
    assert!(parse_auth_results("mx.example.com 2; dmarc=pass", true).is_err());
    assert!(parse_auth_results("mx.example.com x; dmarc=pass", true).is_err());
}

#[test]
fn quoted_authserv_id() {
    assert_eq!(
        parse("\"mx.example.com\"; dmarc=pass")
            .authserv_id
            .as_deref(),
        Some("mx.example.com")
    );
}

#[test]
fn comment_in_authserv_position() {
    let r = parse("mx.example.com (the MX) 1 (version); dmarc=pass");
    assert_eq!(r.authserv_id.as_deref(), Some("mx.example.com"));
}

#[test]
fn no_semicolon_is_an_error() {
    assert!(parse_auth_results("mx.example.com dmarc=pass", true).is_err());
    assert!(parse_auth_results("dmarc=pass", false).is_err());
}

#[test]
fn missing_authserv_id_is_an_error_when_one_is_expected() {
    assert!(parse_auth_results("; dmarc=pass", true).is_err());
    assert!(parse_auth_results("dmarc=pass; spf=pass", true).is_err());
}

#[test]
fn no_result() {
    assert!(parse("mx.example.com; none").results.is_empty());
}

#[test]
fn whole_token_results_only() {
    for (value, method, result) in [
        ("mx; dmarc=passthrough", "dmarc", "passthrough"),
        ("mx; dmarc=passed", "dmarc", "passed"),
        ("mx; xdmarc=pass", "xdmarc", "pass"),
        ("mx; dmarc=pass.x", "dmarc", ""),
        ("mx; DMARC=PASS", "dmarc", "pass"),
        ("mx; dmarc = pass", "dmarc", "pass"),
        ("mx; dmarc=pass(p=NONE)", "dmarc", "pass"),
    ] {
        let r = parse(value);
        assert_eq!(methods(&r), [(method, result)], "{value}");
    }
}

#[test]
fn comment_between_equals_and_result_is_whitespace() {
    // RFC 8601 allows CFWS after "="; the result is still the keyword.
    assert_eq!(
        methods(&parse("mx; dmarc=(checking)pass")),
        [("dmarc", "pass")]
    );
}

#[test]
fn text_in_comments_and_quotes_is_not_a_result() {
    let r = parse("mx; spf=fail (dmarc=pass) smtp.mailfrom=a@b.example");
    assert_eq!(methods(&r), [("spf", "fail")]);
    let r = parse("mx; spf=fail reason=\"dmarc=pass; ok\"");
    assert_eq!(methods(&r), [("spf", "fail")]);
    assert_eq!(r.results[0].reason.as_deref(), Some("dmarc=pass; ok"));
    let r = parse("mx; spf=fail (nested (dmarc=pass) \\) still comment)");
    assert_eq!(methods(&r), [("spf", "fail")]);
}

#[test]
fn unterminated_comment_or_quote_is_an_error() {
    assert!(parse_auth_results("mx; dmarc=pass (unterminated", true).is_err());
    assert!(parse_auth_results("mx; dmarc=pass reason=\"open", true).is_err());
    assert!(parse_auth_results("mx; dmarc=pass )", true).is_err());
}

#[test]
fn method_version_is_dropped() {
    assert_eq!(methods(&parse("mx; dkim/1=pass")), [("dkim", "pass")]);
}

#[test]
fn unreadable_clauses_are_skipped() {
    let r = parse("mx; garbage here; \"quoted\"=pass; dmarc=pass;;");
    assert_eq!(methods(&r), [("dmarc", "pass")]);
}

#[test]
fn microsoft_365_header_without_authserv_id() {
    let value = " spf=pass (sender IP is 192.0.2.1)\r\n smtp.mailfrom=contoso.com; dkim=pass (signature was verified)\r\n \
                 header.d=contoso.com;dmarc=pass action=none\r\n header.from=contoso.com;compauth=pass reason=100";
    let r = parse_auth_results(value, false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.authserv_id, None);
    assert_eq!(
        methods(&r),
        [
            ("spf", "pass"),
            ("dkim", "pass"),
            ("dmarc", "pass"),
            ("compauth", "pass")
        ]
    );
    assert_eq!(r.results[3].reason.as_deref(), Some("100"));
}

#[test]
fn microsoft_365_mode_tolerates_an_authserv_id() {
    let r =
        parse_auth_results("mx.example.com; dmarc=pass", false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.authserv_id.as_deref(), Some("mx.example.com"));
    assert_eq!(methods(&r), [("dmarc", "pass")]);
}
