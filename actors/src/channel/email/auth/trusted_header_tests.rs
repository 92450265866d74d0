use super::super::VerifyMode;
use super::super::message_headers::read_headers;
use super::*;

fn policy(trusted: &str, fallback: bool) -> AuthPolicy {
    AuthPolicy {
        trusted_authserv_id: trusted.to_string(),
        microsoft_internal_fallback: fallback,
        authorized_senders: vec!["*@example.com".to_string()],
        verify: VerifyMode::Header,
    }
}

fn check(header_lines: &str, policy: &AuthPolicy) -> Result<(), Rejection> {
    let message =
        format!("{header_lines}From: Ann <ann@example.com>\r\nSubject: x\r\n\r\nbody\r\n");
    let headers = read_headers(message.as_bytes())?;
    check_trusted_header(&headers, policy, "example.com")
}

fn passes(header_lines: &str, policy: &AuthPolicy) {
    if let Err(e) = check(header_lines, policy) {
        panic!("{header_lines:?} rejected: {e}");
    }
}

fn fails(header_lines: &str, policy: &AuthPolicy) -> String {
    match check(header_lines, policy) {
        Err(Rejection::Unauthenticated(reason)) => reason,
        other => panic!("{header_lines:?}: expected Unauthenticated, got {other:?}"),
    }
}

const TRUSTED: &str = "mx.example.com";

#[test]
fn trusted_dmarc_pass_is_accepted() {
    let p = policy(TRUSTED, false);
    passes(
        "Authentication-Results: mx.example.com; dmarc=pass; spf=pass\r\n",
        &p,
    );
    passes("Authentication-Results: MX.Example.COM; DMARC=PASS\r\n", &p);
    passes(
        "Authentication-Results: mx.example.com 1; dmarc=pass (p=NONE)\r\n",
        &p,
    );
    passes(
        "Authentication-Results: mx.example.com; spf=fail; dmarc=pass\r\n",
        &p,
    );
}

#[test]
fn folded_header_is_accepted() {
    passes(
        "Authentication-Results: mx.example.com;\r\n\tspf=pass smtp.mailfrom=example.com;\r\n dmarc=pass header.from=example.com\r\n",
        &policy(TRUSTED, false),
    );
}

#[test]
fn spoofed_from_with_dmarc_fail_is_rejected() {
    let reason = fails(
        "Authentication-Results: mx.example.com; dmarc=fail (p=REJECT) header.from=example.com; spf=pass\r\n",
        &policy(TRUSTED, false),
    );
    assert!(reason.contains("dmarc=fail"), "{reason}");
}

#[test]
fn spf_or_dkim_pass_alone_is_not_enough() {
    fails(
        "Authentication-Results: mx.example.com; spf=pass; dkim=pass\r\n",
        &policy(TRUSTED, false),
    );
}

#[test]
fn forged_pass_below_the_trusted_failure_is_ignored() {
    fails(
        "Authentication-Results: mx.example.com; dmarc=fail\r\n\
         Authentication-Results: mx.example.com; dmarc=pass\r\n",
        &policy(TRUSTED, false),
    );
}

#[test]
fn untrusted_topmost_with_trusted_below_is_rejected() {
    let reason = fails(
        "Authentication-Results: attacker.test; dmarc=pass\r\n\
         Authentication-Results: mx.example.com; dmarc=pass\r\n",
        &policy(TRUSTED, false),
    );
    assert!(reason.contains("attacker.test"), "{reason}");
}

#[test]
fn wrong_authserv_id_is_rejected() {
    for header in [
        "Authentication-Results: mx.example.org; dmarc=pass\r\n",
        "Authentication-Results: mx.example.com.evil.test; dmarc=pass\r\n",
        "Authentication-Results: example.com; dmarc=pass\r\n",
        "Authentication-Results: mx.example.co; dmarc=pass\r\n",
    ] {
        fails(header, &policy(TRUSTED, false));
    }
}

#[test]
fn lookalike_results_are_not_a_pass() {
    for header in [
        "Authentication-Results: mx.example.com; dmarc=passed\r\n",
        "Authentication-Results: mx.example.com; xdmarc=pass\r\n",
        "Authentication-Results: mx.example.com; dmarc=passthrough\r\n",
        "Authentication-Results: mx.example.com; dmarc-x=pass\r\n",
        "Authentication-Results: mx.example.com; spf=fail (dmarc=pass)\r\n",
        "Authentication-Results: mx.example.com; spf=fail reason=\"dmarc=pass\"\r\n",
        "Authentication-Results: mx.example.com; none\r\n",
    ] {
        fails(header, &policy(TRUSTED, false));
    }
}

#[test]
fn any_dmarc_failure_in_the_header_rejects() {
    fails(
        "Authentication-Results: mx.example.com; dmarc=pass; dmarc=fail\r\n",
        &policy(TRUSTED, false),
    );
}

#[test]
fn header_from_must_be_the_from_domain() {
    let reason = fails(
        "Authentication-Results: mx.example.com; dmarc=pass header.from=evil.test\r\n",
        &policy(TRUSTED, false),
    );
    assert!(reason.contains("evil.test"), "{reason}");
    passes(
        "Authentication-Results: mx.example.com; dmarc=pass header.from=EXAMPLE.com\r\n",
        &policy(TRUSTED, false),
    );
}

#[test]
fn missing_header_is_rejected() {
    fails("", &policy(TRUSTED, false));
}

#[test]
fn header_without_semicolon_is_rejected() {
    fails(
        "Authentication-Results: mx.example.com dmarc=pass\r\n",
        &policy(TRUSTED, false),
    );
    fails("Authentication-Results: dmarc=pass\r\n", &policy("", false));
}

#[test]
fn unsupported_version_is_rejected() {
    fails(
        "Authentication-Results: mx.example.com 2; dmarc=pass\r\n",
        &policy(TRUSTED, false),
    );
}

#[test]
fn microsoft_365_pass_and_fail() {
    let p = policy("", false);
    passes(
        "Authentication-Results: spf=pass (sender IP is 192.0.2.1)\r\n smtp.mailfrom=example.com; dkim=pass (signature was verified)\r\n header.d=example.com;dmarc=pass action=none\r\n header.from=example.com;compauth=pass reason=100\r\n",
        &p,
    );
    fails(
        "Authentication-Results: spf=fail (sender IP is 192.0.2.1)\r\n smtp.mailfrom=example.com; dkim=none (message not signed)\r\n header.d=none;dmarc=fail action=oreject\r\n header.from=example.com;compauth=fail reason=000\r\n",
        &p,
    );
}

#[test]
fn internal_fallback_accepts_exchange_internal_without_results() {
    let p = policy("", true);
    passes("X-MS-Exchange-Organization-AuthAs: Internal\r\n", &p);
    passes("X-MS-Exchange-Organization-AuthAs:   internal  \r\n", &p);
    passes("x-ms-exchange-organization-authas: INTERNAL\r\n", &p);
}

#[test]
fn internal_fallback_off_by_policy() {
    fails(
        "X-MS-Exchange-Organization-AuthAs: Internal\r\n",
        &policy("", false),
    );
}

#[test]
fn internal_fallback_needs_internal() {
    let p = policy("", true);
    fails("X-MS-Exchange-Organization-AuthAs: Anonymous\r\n", &p);
    fails("", &p);
    fails(
        "X-MS-Exchange-Organization-AuthAs: Internal\r\nX-MS-Exchange-Organization-AuthAs: Anonymous\r\n",
        &p,
    );
}

#[test]
fn internal_fallback_never_overrides_present_results() {
    let p = policy("", true);
    fails(
        "Authentication-Results: spf=fail; dmarc=fail\r\nX-MS-Exchange-Organization-AuthAs: Internal\r\n",
        &p,
    );
    let p = policy(TRUSTED, true);
    fails(
        "Authentication-Results: attacker.test; dmarc=pass\r\nX-MS-Exchange-Organization-AuthAs: Internal\r\n",
        &p,
    );
}

#[test]
fn results_in_the_body_are_not_headers() {
    let message = "From: ann@example.com\r\nSubject: x\r\n\r\n\
                   Authentication-Results: mx.example.com; dmarc=pass\r\n";
    let headers = read_headers(message.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let result = check_trusted_header(&headers, &policy(TRUSTED, false), "example.com");
    assert!(
        matches!(result, Err(Rejection::Unauthenticated(_))),
        "{result:?}"
    );
}
