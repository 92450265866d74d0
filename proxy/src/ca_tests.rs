use hudsucker::certificate_authority::CertificateAuthority;
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyUsagePurpose};

use super::*;

#[test]
fn generated_ca_is_a_short_lived_signing_ca() {
    let ca = generate_ca("Airut test CA").expect("generate");
    assert!(ca.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(ca.key_pem.contains("PRIVATE KEY"));

    let params = CertificateParams::from_ca_cert_pem(&ca.cert_pem).expect("parse");
    assert_eq!(params.is_ca, IsCa::Ca(BasicConstraints::Constrained(0)));
    assert!(params.key_usages.contains(&KeyUsagePurpose::KeyCertSign));
    let lifetime = params.not_after - params.not_before;
    assert!(lifetime <= Duration::days(7) + Duration::hours(1), "{lifetime}");
    assert!(params.not_after > OffsetDateTime::now_utc() + Duration::days(6));
}

#[test]
fn every_call_makes_a_new_key() {
    let a = generate_ca("a").expect("a");
    let b = generate_ca("a").expect("b");
    assert_ne!(a.key_pem, b.key_pem);
}

#[test]
fn debug_never_shows_the_key() {
    let ca = generate_ca("x").expect("generate");
    let shown = format!("{ca:?}");
    assert!(shown.contains("<redacted>"));
    assert!(!shown.contains("PRIVATE KEY"));
}

#[tokio::test]
async fn authority_mints_leaves_from_the_pem_pair() {
    let ca = generate_ca("x").expect("generate");
    let authority = authority_from_pem(&ca.cert_pem, &ca.key_pem).expect("load");
    let config = authority
        .gen_server_config(&"allowed.test".parse().expect("authority"))
        .await;
    assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
}

#[test]
fn garbage_pem_is_a_load_error() {
    let ca = generate_ca("x").expect("generate");
    let err = authority_from_pem(&ca.cert_pem, "not a key").err().expect("error");
    assert!(err.to_string().contains("ca_key_pem"), "{err}");
}
