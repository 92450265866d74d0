use hudsucker::certificate_authority::CertificateAuthority;
use x509_parser::pem::parse_x509_pem;

use super::*;

#[test]
fn generated_ca_is_a_short_lived_signing_ca() {
    let ca = generate_ca("Airut test CA").expect("generate");
    assert!(ca.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(ca.key_pem.contains("PRIVATE KEY"));

    let (_, pem) = parse_x509_pem(ca.cert_pem.as_bytes()).expect("pem");
    let cert = pem.parse_x509().expect("x509");
    let constraints = cert
        .basic_constraints()
        .expect("ext")
        .expect("basic constraints")
        .value;
    assert!(constraints.ca);
    assert_eq!(constraints.path_len_constraint, Some(0));
    let usage = cert.key_usage().expect("ext").expect("key usage").value;
    assert!(usage.key_cert_sign());
    let validity = cert.validity();
    let lifetime = validity.not_after.timestamp() - validity.not_before.timestamp();
    assert!(lifetime <= (7 * 24 + 1) * 3600, "{lifetime}");
    let now = OffsetDateTime::now_utc().unix_timestamp();
    assert!(validity.not_after.timestamp() > now + 6 * 24 * 3600);
    assert!(validity.not_before.timestamp() < now);
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
    let err = authority_from_pem(&ca.cert_pem, "not a key")
        .err()
        .expect("error");
    assert!(err.to_string().contains("ca_key_pem"), "{err}");
}
