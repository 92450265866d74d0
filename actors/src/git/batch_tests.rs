use super::*;

#[test]
fn parses_found_and_missing_in_order() {
    let out = b"abc blob 5\nhello\nrefs/heads/main:x missing\ndef tree 0\n\n";
    assert_eq!(
        parse_batch(out),
        Ok(vec![
            BatchEntry::Found {
                oid: "abc".into(),
                kind: "blob".into(),
                content: b"hello".to_vec(),
            },
            BatchEntry::Missing,
            BatchEntry::Found {
                oid: "def".into(),
                kind: "tree".into(),
                content: Vec::new(),
            },
        ])
    );
}

#[test]
fn content_may_contain_newlines() {
    let out = b"abc blob 3\na\nb\n";
    assert_eq!(
        parse_batch(out),
        Ok(vec![BatchEntry::Found {
            oid: "abc".into(),
            kind: "blob".into(),
            content: b"a\nb".to_vec(),
        }])
    );
}

#[test]
fn truncated_output_is_an_error() {
    assert!(parse_batch(b"abc blob 10\nshort\n").is_err());
    assert!(parse_batch(b"abc blob").is_err());
    assert!(parse_batch(b"abc blob x\n\n").is_err());
}
