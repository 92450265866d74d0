use super::*;

#[test]
fn parse_table() {
    // (value, decoded user:pass if it parses)
    let cases: [(&[u8], Option<&[u8]>); 12] = [
        (b"Basic dXNlcjpwYXNz", Some(b"user:pass")),
        (b"basic dXNlcjpwYXNz", Some(b"user:pass")),
        (b"BASIC   dXNlcjpwYXNz  ", Some(b"user:pass")),
        (b"Basic\tdXNlcjpwYXNz", Some(b"user:pass")),
        // Unpadded base64 of "u:p1" and padded.
        (b"Basic dTpwMQ", Some(b"u:p1")),
        (b"Basic dTpwMQ==", Some(b"u:p1")),
        (b"Basic dXNlcg==", None), // "user": no colon
        (b"Basic dXNlcjpwYXNz!", None),
        (b"Basic dXNl cjpwYXNz", None),
        (b"Basic ", None),
        (b"Bearer dXNlcjpwYXNz", None),
        (b"Basic \xff\xfe", None),
    ];
    for (value, want) in cases {
        let got = Basic::parse(value).map(|b| b.user_pass);
        assert_eq!(got.as_deref(), want, "{}", String::from_utf8_lossy(value));
    }
}

#[test]
fn encode_keeps_the_scheme_spelling_and_pads() {
    let b = Basic::parse(b"basic dTpwMQ").expect("parses");
    assert_eq!(b.encode_with(b"u:p1"), b"basic dTpwMQ==");
}

#[test]
fn authorization_headers_only() {
    assert!(carries_basic("authorization"));
    assert!(carries_basic("Proxy-Authorization"));
    assert!(!carries_basic("x-authorization"));
    assert!(!carries_basic("cookie"));
}
