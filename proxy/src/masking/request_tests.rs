use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use http::header::HeaderValue;

use crate::masking::test_support::*;

#[test]
fn direct_replacement_table() {
    // (header patterns, header, value sent, value forwarded)
    let cases: [(&[&str], &str, String, String); 5] = [
        (
            &["Authorization"],
            "authorization",
            format!("Bearer {SUR}"),
            format!("Bearer {REAL}"),
        ),
        (
            &["Authorization"],
            "authorization",
            format!("token {SUR}"),
            format!("token {REAL}"),
        ),
        (&["X-Api-Key"], "x-api-key", SUR.into(), REAL.into()),
        (
            &["*"],
            "x-anything",
            format!("a{SUR}b{SUR}c"),
            format!("a{REAL}b{REAL}c"),
        ),
        (
            &["AUTHORIZATION"],
            "Authorization",
            format!("Bearer {SUR}"),
            format!("Bearer {REAL}"),
        ),
    ];
    for (patterns, name, sent, forwarded) in cases {
        let m = masker(vec![secret("T", SUR, REAL, &["api.github.com"], patterns)]);
        let mut h = headers(&[(name, sent.as_bytes()), ("accept", b"*/*")]);
        let report = m.apply_request("api.github.com", &mut h);
        assert_eq!(one(&h, name), forwarded, "{patterns:?} {name}");
        assert_eq!(one(&h, "accept"), "*/*");
        assert_eq!(report.masked, 1);
        assert_eq!(report.masked_secrets, vec!["T".to_string()]);
        assert!(h.get(name).is_some_and(HeaderValue::is_sensitive));
    }
}

#[test]
fn basic_auth_table() {
    let m = masker(vec![github()]);
    // (value sent, user:pass expected upstream)
    let cases = [
        (
            basic(&format!("x-access-token:{SUR}")),
            format!("x-access-token:{REAL}"),
        ),
        (
            basic(&format!("{SUR}:x-oauth-basic")),
            format!("{REAL}:x-oauth-basic"),
        ),
        (basic(&format!("{SUR}:")), format!("{REAL}:")),
        (
            format!("basic  {}", STANDARD_NO_PAD.encode(format!("u:{SUR}"))).into_bytes(),
            format!("u:{REAL}"),
        ),
    ];
    for (sent, want) in cases {
        let mut h = headers(&[("authorization", &sent)]);
        let report = m.apply_request("github.com", &mut h);
        assert_eq!(report.masked, 1);
        let got = one(&h, "authorization");
        let (scheme, token) = got.split_once(' ').expect("scheme and token");
        assert!(scheme.eq_ignore_ascii_case("basic"));
        let decoded = STANDARD.decode(token).expect("canonical base64");
        assert_eq!(String::from_utf8(decoded).expect("utf-8"), want);
    }
}

#[test]
fn basic_auth_left_alone_when_not_valid_or_not_authorization() {
    let mut allowing = github();
    allowing.allow_foreign_credentials = true;
    allowing.headers.push("X-Creds".into());
    let m = masker(vec![allowing]);
    let b64 = STANDARD.encode(format!("u:{SUR}"));
    let untouched: [(&str, Vec<u8>); 5] = [
        ("authorization", format!("Basic {b64}!").into_bytes()),
        ("authorization", format!("Basic {b64} extra").into_bytes()),
        // No colon: not user:pass.
        (
            "authorization",
            format!("Basic {}", STANDARD.encode(SUR)).into_bytes(),
        ),
        ("authorization", format!("Bearer {b64}").into_bytes()),
        // Only the Authorization headers are base64-decoded.
        ("x-creds", format!("Basic {b64}").into_bytes()),
    ];
    for (name, sent) in untouched {
        let mut h = headers(&[(name, &sent)]);
        let report = m.apply_request("github.com", &mut h);
        assert_eq!(values(&h, name), vec![sent.clone()], "{name}");
        assert!(report.is_empty(), "{report:?}");
    }
}

#[test]
fn scope_table() {
    let cases = [
        ("github.com", true),
        ("GitHub.COM", true),
        ("github.com:443", true),
        ("github.com.", true),
        ("api.github.com", true),
        ("a.b.github.com", true),
        ("API.GITHUB.COM:8443", true),
        ("notgithub.com", false),
        ("github.com.evil.com", false),
        ("evil.com", false),
        ("evil.com#.github.com", false),
        ("", false),
    ];
    let m = masker(vec![github()]);
    for (host, in_scope) in cases {
        let mut h = headers(&[("authorization", format!("Bearer {SUR}").as_bytes())]);
        let report = m.apply_request(host, &mut h);
        let want = if in_scope { REAL } else { SUR };
        assert_eq!(one(&h, "authorization"), format!("Bearer {want}"), "{host}");
        assert_eq!(report.masked, u32::from(in_scope), "{host}");
        assert_eq!(report.unscoped_surrogates.is_empty(), in_scope, "{host}");
    }
}

#[test]
fn star_scope_covers_every_host() {
    let m = masker(vec![secret("T", SUR, REAL, &["*"], &["X-Key"])]);
    let mut h = headers(&[("x-key", SUR.as_bytes())]);
    assert_eq!(m.apply_request("anything.example", &mut h).masked, 1);
    assert_eq!(one(&h, "x-key"), REAL);
}

#[test]
fn duplicates_collapse_to_the_instance_with_the_surrogate() {
    let m = masker(vec![github()]);
    let ours = format!("Bearer {SUR}");
    for position in 0..3 {
        let mut sent: Vec<Vec<u8>> = vec![b"Bearer other-1".to_vec(), b"Bearer other-2".to_vec()];
        sent.insert(position, ours.clone().into_bytes());
        let pairs: Vec<(&str, &[u8])> = sent
            .iter()
            .map(|v| ("authorization", v.as_slice()))
            .collect();
        let mut h = headers(&pairs);
        let report = m.apply_request("api.github.com", &mut h);
        assert_eq!(
            one(&h, "authorization"),
            format!("Bearer {REAL}"),
            "position {position}"
        );
        assert_eq!(report.collapsed, vec![("authorization".to_string(), 2)]);
        assert_eq!(report.masked, 1);
        assert!(report.stripped.is_empty());
    }
}

#[test]
fn attacker_appended_authorization_is_dropped() {
    let m = masker(vec![github()]);
    let mut h = headers(&[
        ("authorization", format!("Bearer {SUR}").as_bytes()),
        (
            "authorization",
            b"Bearer ghp_attackersOwnToken000000000000000",
        ),
    ]);
    let report = m.apply_request("api.github.com", &mut h);
    assert_eq!(one(&h, "authorization"), format!("Bearer {REAL}"));
    assert_eq!(report.collapsed, vec![("authorization".to_string(), 1)]);
}

#[test]
fn two_instances_with_the_surrogate_still_forward_one() {
    let m = masker(vec![github()]);
    let ours = format!("Bearer {SUR}");
    let mut h = headers(&[
        ("authorization", ours.as_bytes()),
        ("authorization", ours.as_bytes()),
    ]);
    let report = m.apply_request("api.github.com", &mut h);
    assert_eq!(one(&h, "authorization"), format!("Bearer {REAL}"));
    assert_eq!(report.collapsed, vec![("authorization".to_string(), 1)]);
    assert_eq!(report.masked, 1);
}

#[test]
fn foreign_credentials_table() {
    // (allow_foreign_credentials, host, stripped)
    let cases = [
        (false, "api.github.com", true),
        (false, "example.com", false),
        (true, "api.github.com", false),
    ];
    for (allow, host, stripped) in cases {
        let mut s = github();
        s.allow_foreign_credentials = allow;
        let m = masker(vec![s]);
        let foreign = b"Bearer ghp_notOurs".as_slice();
        let mut h = headers(&[
            ("authorization", foreign),
            ("authorization", b"Bearer second"),
            ("accept", b"x"),
        ]);
        let report = m.apply_request(host, &mut h);
        if stripped {
            assert!(values(&h, "authorization").is_empty(), "{allow} {host}");
            assert_eq!(report.stripped, vec!["authorization".to_string()]);
        } else {
            assert_eq!(values(&h, "authorization").len(), 2, "{allow} {host}");
            assert!(report.stripped.is_empty());
        }
        assert_eq!(one(&h, "accept"), "x");
        assert!(report.collapsed.is_empty());
    }
}

#[test]
fn glob_patterns_never_strip() {
    let m = masker(vec![secret(
        "T",
        SUR,
        REAL,
        &["api.example.com"],
        &["Authorization", "X-*", "*-Token"],
    )]);
    let mut h = headers(&[
        ("authorization", b"Bearer foreign"),
        ("x-api-key", b"foreign"),
        ("x-api-key", b"foreign-2"),
        ("private-token", b"foreign"),
    ]);
    let report = m.apply_request("api.example.com", &mut h);
    assert!(values(&h, "authorization").is_empty());
    assert_eq!(values(&h, "x-api-key").len(), 2);
    assert_eq!(one(&h, "private-token"), "foreign");
    assert_eq!(report.stripped, vec!["authorization".to_string()]);
}

#[test]
fn glob_patterns_still_collapse_around_a_surrogate() {
    let m = masker(vec![secret("T", SUR, REAL, &["api.example.com"], &["X-*"])]);
    let mut h = headers(&[("x-api-key", b"theirs"), ("x-api-key", SUR.as_bytes())]);
    let report = m.apply_request("api.example.com", &mut h);
    assert_eq!(one(&h, "x-api-key"), REAL);
    assert_eq!(report.collapsed, vec![("x-api-key".to_string(), 1)]);
}

#[test]
fn header_replaced_by_one_secret_is_not_stripped_by_another() {
    let a = secret("A", SUR, REAL, &["api.example.com"], &["Authorization"]);
    let b = secret("B", SUR_B, REAL_B, &["api.example.com"], &["Authorization"]);
    let m = masker(vec![a, b]);
    let mut h = headers(&[("authorization", format!("Bearer {SUR_B}").as_bytes())]);
    let report = m.apply_request("api.example.com", &mut h);
    assert_eq!(one(&h, "authorization"), format!("Bearer {REAL_B}"));
    assert!(report.stripped.is_empty());
    assert_eq!(report.masked_secrets, vec!["B".to_string()]);
}

#[test]
fn several_secrets_in_one_header() {
    let a = secret("A", SUR, REAL, &["example.com"], &["Cookie"]);
    let b = secret("B", SUR_B, REAL_B, &["example.com"], &["cookie"]);
    let m = masker(vec![a, b]);
    let sent = format!("a={SUR}; b={SUR_B}; c=plain");
    let mut h = headers(&[("cookie", sent.as_bytes())]);
    let report = m.apply_request("example.com", &mut h);
    assert_eq!(one(&h, "cookie"), format!("a={REAL}; b={REAL_B}; c=plain"));
    assert_eq!(report.masked, 2);
    assert_eq!(
        report.masked_secrets,
        vec!["A".to_string(), "B".to_string()]
    );
}

#[test]
fn split_cookie_fields_are_joined_not_collapsed() {
    let m = masker(vec![secret("A", SUR, REAL, &["example.com"], &["Cookie"])]);
    let mut h = headers(&[
        ("cookie", b"x=1"),
        ("cookie", format!("s={SUR}").as_bytes()),
        ("cookie", b"y=2"),
    ]);
    let report = m.apply_request("example.com", &mut h);
    assert_eq!(one(&h, "cookie"), format!("x=1; s={REAL}; y=2"));
    assert!(report.collapsed.is_empty());
}

#[test]
fn unrelated_duplicates_are_preserved() {
    let m = masker(vec![github()]);
    let mut h = headers(&[
        ("authorization", format!("Bearer {SUR}").as_bytes()),
        ("accept", b"a"),
        ("accept", b"b"),
    ]);
    m.apply_request("github.com", &mut h);
    assert_eq!(values(&h, "accept"), vec![b"a".to_vec(), b"b".to_vec()]);
}

#[test]
fn surrogate_to_an_unscoped_host_is_sent_as_is_and_reported() {
    let other = secret("OTHER", SUR_B, REAL_B, &["api.openai.com"], &["X-Other"]);
    let m = masker(vec![github(), other]);
    let cases: [(&str, Vec<u8>); 3] = [
        ("authorization", format!("Bearer {SUR}").into_bytes()),
        ("authorization", basic(&format!("me:{SUR}"))),
        ("x-not-a-pattern", SUR.as_bytes().to_vec()),
    ];
    for (name, sent) in cases {
        let mut h = headers(&[(name, &sent)]);
        let report = m.apply_request("api.openai.com", &mut h);
        assert_eq!(values(&h, name), vec![sent.clone()], "{name}");
        assert_eq!(
            report.unscoped_surrogates,
            vec!["GH_TOKEN".to_string()],
            "{name}"
        );
        assert_eq!(report.masked, 0);
    }
}

#[test]
fn unscoped_and_scoped_secrets_in_one_request() {
    let other = secret(
        "OTHER",
        SUR_B,
        REAL_B,
        &["api.openai.com"],
        &["Authorization"],
    );
    let m = masker(vec![github(), other]);
    let mut h = headers(&[
        ("authorization", format!("Bearer {SUR_B}").as_bytes()),
        ("x-key", SUR.as_bytes()),
    ]);
    let report = m.apply_request("api.openai.com", &mut h);
    assert_eq!(one(&h, "authorization"), format!("Bearer {REAL_B}"));
    assert_eq!(one(&h, "x-key"), SUR);
    assert_eq!(report.unscoped_surrogates, vec!["GH_TOKEN".to_string()]);

    // The GitHub surrogate in OpenAI's Authorization header is a foreign
    // credential there: stripped, and still reported.
    let mut h = headers(&[("authorization", format!("Bearer {SUR}").as_bytes())]);
    let report = m.apply_request("api.openai.com", &mut h);
    assert!(values(&h, "authorization").is_empty());
    assert_eq!(report.stripped, vec!["authorization".to_string()]);
    assert_eq!(report.unscoped_surrogates, vec!["GH_TOKEN".to_string()]);
}

#[test]
fn non_utf8_header_values_do_not_panic() {
    let m = masker(vec![secret(
        "T",
        SUR,
        REAL,
        &["example.com"],
        &["Authorization", "X-*"],
    )]);
    let mut sent = b"\xff\xfeBearer ".to_vec();
    sent.extend_from_slice(SUR.as_bytes());
    sent.extend_from_slice(b"\x80");
    let mut h = headers(&[
        ("authorization", &sent),
        ("x-raw", b"\xc3\x28 opaque \xa0"),
        ("other", b"\xff"),
    ]);
    let report = m.apply_request("example.com", &mut h);
    let mut want = b"\xff\xfeBearer ".to_vec();
    want.extend_from_slice(REAL.as_bytes());
    want.extend_from_slice(b"\x80");
    assert_eq!(values(&h, "authorization"), vec![want]);
    assert_eq!(values(&h, "x-raw"), vec![b"\xc3\x28 opaque \xa0".to_vec()]);
    assert_eq!(values(&h, "other"), vec![b"\xff".to_vec()]);
    assert_eq!(report.masked, 1);

    // A foreign non-UTF-8 credential is stripped like any other; invalid
    // base64 after `Basic` is just foreign.
    let mut h = headers(&[
        ("authorization", b"Basic \xff\xff"),
        ("authorization", b"\x80"),
    ]);
    let report = m.apply_request("example.com", &mut h);
    assert!(values(&h, "authorization").is_empty());
    assert_eq!(report.stripped, vec!["authorization".to_string()]);
    // And out of scope nothing is touched.
    let mut h = headers(&[("authorization", b"\xff")]);
    assert!(m.apply_request("elsewhere.com", &mut h).is_empty());
}

#[test]
fn nothing_to_do_reports_empty() {
    let m = masker(vec![github()]);
    let mut h = headers(&[("accept", b"*/*")]);
    assert!(m.apply_request("github.com", &mut h).is_empty());
    let empty = masker(vec![]);
    assert!(empty.is_empty());
    let mut h = headers(&[("authorization", b"Bearer x")]);
    assert!(empty.apply_request("github.com", &mut h).is_empty());
    assert_eq!(values(&h, "authorization").len(), 1);
}

#[test]
fn secrets_without_scopes_or_headers_do_nothing() {
    let m = masker(vec![
        secret("T", SUR, REAL, &[], &["Authorization"]),
        secret("U", SUR_B, REAL_B, &["*"], &[]),
    ]);
    let mut h = headers(&[("authorization", format!("{SUR} {SUR_B}").as_bytes())]);
    let report = m.apply_request("github.com", &mut h);
    assert_eq!(report.masked, 0);
    assert!(report.stripped.is_empty());
    assert_eq!(report.unscoped_surrogates, vec!["T".to_string()]);
}
