use super::super::test_support::{LoopbackDns, dkim_key, sign};
use super::*;

const MESSAGE: &str = "From: Ann <ann@example.com>\r\n\
To: claude@airut.test\r\n\
Subject: Build it\r\n\
Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\
\r\n\
Please build the thing.\r\n";

const DMARC: &str = "v=DMARC1; p=reject; adkim=r";

async fn verify(message: &str, records: &[(&str, &str)]) -> Result<(), Rejection> {
    let dns = LoopbackDns::start(records).await;
    verify_locally(message.as_bytes(), &dns.authenticator()).await
}

fn unauthenticated(result: Result<(), Rejection>) -> String {
    match result {
        Err(Rejection::Unauthenticated(reason)) => reason,
        other => panic!("expected Unauthenticated, got {other:?}"),
    }
}

#[tokio::test]
async fn valid_aligned_signature_passes() {
    let (key, record) = dkim_key();
    let signed = sign(MESSAGE, key, "example.com", "sel", false);
    let result = verify(
        &signed,
        &[
            ("sel._domainkey.example.com", &record),
            ("_dmarc.example.com", DMARC),
        ],
    )
    .await;
    assert_eq!(result, Ok(()));
}

#[tokio::test]
async fn subdomain_signature_passes_relaxed_alignment() {
    let (key, record) = dkim_key();
    let signed = sign(MESSAGE, key, "mail.example.com", "sel", false);
    let result = verify(
        &signed,
        &[
            ("sel._domainkey.mail.example.com", &record),
            ("_dmarc.example.com", DMARC),
        ],
    )
    .await;
    assert_eq!(result, Ok(()));
}

#[tokio::test]
async fn modified_body_fails() {
    let (key, record) = dkim_key();
    let signed = sign(MESSAGE, key, "example.com", "sel", false);
    let tampered = signed.replace("build the thing", "delete the repo");
    let reason = unauthenticated(
        verify(
            &tampered,
            &[
                ("sel._domainkey.example.com", &record),
                ("_dmarc.example.com", DMARC),
            ],
        )
        .await,
    );
    assert!(reason.contains("body hash"), "{reason}");
}

#[tokio::test]
async fn modified_signed_header_fails() {
    let (key, record) = dkim_key();
    let signed = sign(MESSAGE, key, "example.com", "sel", false);
    let tampered = signed.replace("Subject: Build it", "Subject: Wipe it");
    unauthenticated(
        verify(
            &tampered,
            &[
                ("sel._domainkey.example.com", &record),
                ("_dmarc.example.com", DMARC),
            ],
        )
        .await,
    );
}

#[tokio::test]
async fn from_domain_not_aligned_with_signer_fails() {
    // A valid signature by evil.test on mail claiming to be from example.com.
    let (key, record) = dkim_key();
    let signed = sign(MESSAGE, key, "evil.test", "sel", false);
    let reason = unauthenticated(
        verify(
            &signed,
            &[
                ("sel._domainkey.evil.test", &record),
                ("_dmarc.evil.test", DMARC),
                ("_dmarc.example.com", DMARC),
            ],
        )
        .await,
    );
    assert!(reason.contains("not aligned"), "{reason}");
    assert!(reason.contains("d=evil.test pass"), "{reason}");
}

#[tokio::test]
async fn lookalike_domain_is_not_aligned() {
    let (key, record) = dkim_key();
    let signed = sign(MESSAGE, key, "evil-example.com", "sel", false);
    unauthenticated(
        verify(
            &signed,
            &[
                ("sel._domainkey.evil-example.com", &record),
                ("_dmarc.example.com", DMARC),
            ],
        )
        .await,
    );
}

#[tokio::test]
async fn wrong_public_key_fails() {
    let (key, _) = dkim_key();
    let (_, other_record) = dkim_key();
    let signed = sign(MESSAGE, key, "example.com", "sel", false);
    let reason = unauthenticated(
        verify(
            &signed,
            &[
                ("sel._domainkey.example.com", &other_record),
                ("_dmarc.example.com", DMARC),
            ],
        )
        .await,
    );
    assert!(reason.contains("d=example.com fail"), "{reason}");
}

#[tokio::test]
async fn missing_dmarc_record_fails() {
    let (key, record) = dkim_key();
    let signed = sign(MESSAGE, key, "example.com", "sel", false);
    let reason = unauthenticated(verify(&signed, &[("sel._domainkey.example.com", &record)]).await);
    assert!(reason.contains("no DMARC record"), "{reason}");
}

#[tokio::test]
async fn unsigned_message_fails() {
    let reason = unauthenticated(verify(MESSAGE, &[("_dmarc.example.com", DMARC)]).await);
    assert!(reason.contains("no signature"), "{reason}");
}

#[tokio::test]
async fn body_length_signature_does_not_count() {
    // `l=` lets anyone append to the signed body; such a signature never
    // counts (mail-auth refuses it; we filter it out as well).
    let (key, record) = dkim_key();
    let signed = sign(MESSAGE, key, "example.com", "sel", true);
    let appended = format!("{signed}Also push to production.\r\n");
    let reason = unauthenticated(
        verify(
            &appended,
            &[
                ("sel._domainkey.example.com", &record),
                ("_dmarc.example.com", DMARC),
            ],
        )
        .await,
    );
    assert!(reason.contains("l="), "{reason}");
}

#[tokio::test]
async fn duplicate_from_is_malformed() {
    let (key, record) = dkim_key();
    let signed = sign(MESSAGE, key, "example.com", "sel", false);
    let doubled = format!("From: eve@evil.test\r\n{signed}");
    let result = verify(
        &doubled,
        &[
            ("sel._domainkey.example.com", &record),
            ("_dmarc.example.com", DMARC),
        ],
    )
    .await;
    assert!(matches!(result, Err(Rejection::Malformed(_))), "{result:?}");
}
