use super::test_support::{LoopbackDns, dkim_key, sign};
use super::*;

fn policy(senders: &[&str], verify: VerifyMode) -> AuthPolicy {
    AuthPolicy {
        trusted_authserv_id: "test.local".to_string(),
        microsoft_internal_fallback: false,
        authorized_senders: senders.iter().map(|s| s.to_string()).collect(),
        verify,
    }
}

fn header_policy() -> AuthPolicy {
    policy(&["user@test.local", "*@example.com"], VerifyMode::Header)
}

const PASS: &str = "Authentication-Results: test.local; dmarc=pass; spf=pass\r\n";

fn message(auth_results: &str, from: &str) -> String {
    format!(
        "{auth_results}From: {from}\r\nTo: claude@test.local\r\nSubject: Build it\r\n\
         Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nPlease build the thing.\r\n"
    )
}

async fn run(raw: &str, policy: &AuthPolicy) -> Result<VerifiedSender, Rejection> {
    authenticate(raw.as_bytes(), policy, None).await
}

#[tokio::test]
async fn authorized_sender_with_dmarc_pass() {
    let sender = run(&message(PASS, "User <user@test.local>"), &header_policy()).await;
    assert_eq!(
        sender,
        Ok(VerifiedSender {
            address: "user@test.local".to_string(),
            display: "User <user@test.local>".to_string(),
        })
    );
}

#[tokio::test]
async fn sender_in_another_case_is_accepted_and_lowercased() {
    let sender = run(&message(PASS, "USER@TEST.LOCAL"), &header_policy()).await;
    assert_eq!(sender.map(|s| s.address), Ok("user@test.local".to_string()));
}

#[tokio::test]
async fn spoofed_from_with_dmarc_fail_is_unauthenticated() {
    let raw = message(
        "Authentication-Results: test.local; dmarc=fail; spf=fail\r\n",
        "user@test.local",
    );
    let result = run(&raw, &header_policy()).await;
    assert!(
        matches!(result, Err(Rejection::Unauthenticated(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn missing_authentication_results_is_unauthenticated() {
    let result = run(&message("", "user@test.local"), &header_policy()).await;
    assert!(
        matches!(result, Err(Rejection::Unauthenticated(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn forged_results_below_the_trusted_one_do_not_count() {
    let raw = message(
        "Authentication-Results: test.local; dmarc=fail\r\n\
         Authentication-Results: test.local; dmarc=pass\r\n",
        "user@test.local",
    );
    let result = run(&raw, &header_policy()).await;
    assert!(
        matches!(result, Err(Rejection::Unauthenticated(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn wrong_authserv_id_is_unauthenticated() {
    let raw = message(
        "Authentication-Results: evil.test; dmarc=pass\r\n",
        "user@test.local",
    );
    let result = run(&raw, &header_policy()).await;
    assert!(
        matches!(result, Err(Rejection::Unauthenticated(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn lookalike_dmarc_results_are_unauthenticated() {
    for header in [
        "Authentication-Results: test.local; dmarc=passed\r\n",
        "Authentication-Results: test.local; xdmarc=pass\r\n",
    ] {
        let result = run(&message(header, "user@test.local"), &header_policy()).await;
        assert!(
            matches!(result, Err(Rejection::Unauthenticated(_))),
            "{header}: {result:?}"
        );
    }
}

#[tokio::test]
async fn unlisted_sender_is_unauthorized() {
    let result = run(&message(PASS, "Hacker <hacker@evil.com>"), &header_policy()).await;
    assert_eq!(
        result,
        Err(Rejection::Unauthorized("hacker@evil.com".to_string()))
    );
}

#[tokio::test]
async fn domain_wildcard_admits_that_domain_only() {
    let p = header_policy();
    let ok = run(&message(PASS, "anyone@example.com"), &p).await;
    assert_eq!(ok.map(|s| s.address), Ok("anyone@example.com".to_string()));
    for from in [
        "a@evil-example.com",
        "a@sub.example.com",
        "a@example.com.evil.test",
    ] {
        let result = run(&message(PASS, from), &p).await;
        assert!(
            matches!(result, Err(Rejection::Unauthorized(_))),
            "{from}: {result:?}"
        );
    }
}

#[tokio::test]
async fn display_name_with_comma_and_quotes() {
    let sender = run(
        &message(PASS, "\"Doe, Ann \\\"Boss\\\"\" <ann@example.com>"),
        &header_policy(),
    )
    .await;
    assert_eq!(
        sender.map(|s| s.display),
        Ok("Doe, Ann \"Boss\" <ann@example.com>".to_string())
    );
}

#[tokio::test]
async fn rfc2047_display_name() {
    let sender = run(
        &message(PASS, "=?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <jorg@example.com>"),
        &header_policy(),
    )
    .await;
    assert_eq!(
        sender.map(|s| s.display),
        Ok("Jörg Müller <jorg@example.com>".to_string())
    );
}

#[tokio::test]
async fn from_with_two_addresses_is_malformed() {
    let result = run(
        &message(PASS, "user@test.local, hacker@evil.com"),
        &header_policy(),
    )
    .await;
    assert!(matches!(result, Err(Rejection::Malformed(_))), "{result:?}");
}

#[tokio::test]
async fn malformed_from_is_reported_before_authentication() {
    // No Authentication-Results either: the From problem is what is reported.
    let result = run(&message("", "not an address"), &header_policy()).await;
    assert!(matches!(result, Err(Rejection::Malformed(_))), "{result:?}");
}

#[tokio::test]
async fn authentication_is_checked_before_authorization() {
    let raw = message(
        "Authentication-Results: test.local; dmarc=fail\r\n",
        "hacker@evil.com",
    );
    let result = run(&raw, &header_policy()).await;
    assert!(
        matches!(result, Err(Rejection::Unauthenticated(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn local_mode_without_authenticator_is_unauthenticated() {
    let p = policy(&["*@example.com"], VerifyMode::Local);
    let result = run(&message(PASS, "ann@example.com"), &p).await;
    assert!(
        matches!(result, Err(Rejection::Unauthenticated(_))),
        "{result:?}"
    );
}

const DMARC: &str = "v=DMARC1; p=reject";

/// A message from ann@example.com signed by example.com, with `auth_results`
/// on top (added after signing, as the receiving MTA would).
async fn signed_case(auth_results: &str, verify: VerifyMode) -> Result<VerifiedSender, Rejection> {
    let (key, record) = dkim_key();
    let signed = sign(
        &message("", "Ann <ann@example.com>"),
        key,
        "example.com",
        "sel",
        false,
    );
    let raw = format!("{auth_results}{signed}");
    let dns = LoopbackDns::start(&[
        ("sel._domainkey.example.com", &record),
        ("_dmarc.example.com", DMARC),
    ])
    .await;
    let authenticator = dns.authenticator();
    let p = policy(&["*@example.com"], verify);
    authenticate(raw.as_bytes(), &p, Some(&authenticator)).await
}

#[tokio::test]
async fn local_mode_ignores_headers_and_checks_the_signature() {
    let sender = signed_case("", VerifyMode::Local).await;
    assert_eq!(sender.map(|s| s.address), Ok("ann@example.com".to_string()));
    let sender = signed_case(
        "Authentication-Results: test.local; dmarc=fail\r\n",
        VerifyMode::Local,
    )
    .await;
    assert_eq!(sender.map(|s| s.address), Ok("ann@example.com".to_string()));
}

#[tokio::test]
async fn both_mode_needs_header_and_signature() {
    let sender = signed_case(PASS, VerifyMode::Both).await;
    assert_eq!(sender.map(|s| s.address), Ok("ann@example.com".to_string()));
    let result = signed_case("", VerifyMode::Both).await;
    assert!(
        matches!(result, Err(Rejection::Unauthenticated(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn both_mode_rejects_a_header_pass_without_a_valid_signature() {
    let dns = LoopbackDns::start(&[("_dmarc.example.com", DMARC)]).await;
    let authenticator = dns.authenticator();
    let p = policy(&["*@example.com"], VerifyMode::Both);
    let raw = message(PASS, "ann@example.com");
    let result = authenticate(raw.as_bytes(), &p, Some(&authenticator)).await;
    assert!(
        matches!(result, Err(Rejection::Unauthenticated(_))),
        "{result:?}"
    );
}
