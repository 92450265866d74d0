use super::*;

#[test]
fn secret_debug_hides_value() {
    let s = Secret::new("hunter2-very-secret");
    assert_eq!(format!("{s:?}"), "Secret([REDACTED])");
    assert_eq!(s.expose(), "hunter2-very-secret");
}

#[test]
fn redact_replaces_every_occurrence() {
    let mut r = SecretRegistry::new();
    r.register("s3cr3t-pass");
    assert_eq!(
        r.redact("login s3cr3t-pass failed, s3cr3t-pass again"),
        "login [REDACTED] failed, [REDACTED] again"
    );
}

#[test]
fn redact_borrows_when_nothing_to_hide() {
    let mut r = SecretRegistry::new();
    r.register("abcdef");
    assert!(matches!(r.redact("nothing here"), Cow::Borrowed(_)));
}

#[test]
fn short_values_are_ignored() {
    let mut r = SecretRegistry::new();
    r.register("abc");
    r.register("");
    assert!(r.is_empty());
    assert_eq!(r.redact("abc"), "abc");
}

#[test]
fn longest_value_wins() {
    let mut r = SecretRegistry::new();
    r.register("token");
    r.register("token-extended");
    assert_eq!(
        r.redact("x token-extended y token"),
        "x [REDACTED] y [REDACTED]"
    );
    assert_eq!(r.len(), 2);
}

#[test]
fn replacement_is_not_rescanned() {
    let mut r = SecretRegistry::new();
    r.register("secret-one");
    r.register("DACTED");
    assert_eq!(r.redact("secret-one"), "[REDACTED]");
}

#[test]
fn multiline_secret_registers_lines() {
    let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx1y2z3abcdef\nQWERTYUIOPASDFGHJKLZ\n-----END RSA PRIVATE KEY-----\n";
    let mut r = SecretRegistry::new();
    r.register(pem);
    assert_eq!(
        r.redact("line: MIIEowIBAAKCAQEAx1y2z3abcdef"),
        "line: [REDACTED]"
    );
    assert_eq!(
        r.redact("-----BEGIN RSA PRIVATE KEY-----"),
        "-----BEGIN RSA PRIVATE KEY-----"
    );
    assert_eq!(r.redact(pem), "[REDACTED]");
}

#[test]
fn redact_handles_multibyte_text() {
    let mut r = SecretRegistry::new();
    r.register("pässwörd");
    assert_eq!(r.redact("ä pässwörd ö"), "ä [REDACTED] ö");
}

#[test]
fn registry_debug_shows_only_count() {
    let mut r = SecretRegistry::new();
    r.register("topsecretvalue");
    let dbg = format!("{r:?}");
    assert!(!dbg.contains("topsecretvalue"));
    assert!(dbg.contains('1'));
}
