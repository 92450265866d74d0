use super::*;

fn parse(text: &str) -> Document {
    match parse_yaml(text) {
        Ok(doc) => doc,
        Err(e) => panic!("unexpected syntax error: {e}"),
    }
}

fn root_map(doc: &Document) -> &Mapping {
    doc.root
        .as_ref()
        .and_then(Node::as_map)
        .expect("root mapping")
}

#[test]
fn keeps_lines_and_tags() {
    let doc = parse("a: 1\nb:\n  c: !env FOO\n  d: !var bar\n  e: \"993\"\n  f: ~\n");
    assert!(doc.errors.is_empty());
    let root = root_map(&doc);
    assert_eq!(root.entry("b").map(|e| e.key_line), Some(2));
    let b = root.get("b").and_then(Node::as_map).expect("b");
    let c = b.get("c").expect("c");
    assert_eq!(c.line, 3);
    assert_eq!(c.value, Value::Env("FOO".into()));
    assert_eq!(
        b.get("d").map(|n| &n.value),
        Some(&Value::Var("bar".into()))
    );
    assert_eq!(
        b.get("e").map(|n| &n.value),
        Some(&Value::Scalar(Scalar {
            text: Some("993".into()),
            origin: Origin::Quoted
        }))
    );
    assert!(b.get("f").is_some_and(Node::is_null));
}

#[test]
fn quoted_null_is_a_string() {
    let doc = parse("a: 'null'\n");
    let a = root_map(&doc).get("a").expect("a");
    assert!(!a.is_null());
}

#[test]
fn duplicate_key_is_reported() {
    let doc = parse("a: 1\nb:\n  x: 1\n  x: 2\n");
    assert_eq!(doc.errors.len(), 1);
    assert_eq!(doc.errors[0].path, "b.x");
    assert_eq!(doc.errors[0].line, Some(4));
    assert!(doc.errors[0].message.contains("line 3"));
}

#[test]
fn syntax_error_has_line() {
    let err = parse_yaml("a: 1\nb:\n  - x\n c: 2\n").expect_err("error");
    assert_eq!(err.line, Some(4));
    assert!(err.message.starts_with("invalid YAML"));
}

#[test]
fn multiple_documents_rejected() {
    let err = parse_yaml("a: 1\n---\nb: 2\n").expect_err("error");
    assert_eq!(err.line, Some(2));
}

#[test]
fn empty_stream_has_no_root() {
    assert!(parse("# only a comment\n").root.is_none());
    assert!(parse("").root.is_none());
}

#[test]
fn unknown_tag_and_tagged_keys() {
    let doc = parse("a: !secret x\n!var k: 1\nb: !env [1]\n");
    let messages: Vec<_> = doc
        .errors
        .iter()
        .map(|e| (e.line, e.message.clone()))
        .collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].1.contains("unsupported tag `!secret`"));
    assert!(messages[1].1.contains("cannot be used as a mapping key"));
    assert_eq!(messages[2].0, Some(3));
}

#[test]
fn empty_env_name_is_reported() {
    let doc = parse("a: !env\n");
    assert_eq!(doc.errors.len(), 1);
    assert!(doc.errors[0].message.contains("needs a name"));
}

#[test]
fn anchors_aliases_and_merge() {
    let text = "base: &base\n  model: opus\n  effort: high\nrepo:\n  <<: *base\n  effort: low\n";
    let doc = parse(text);
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    let repo = root_map(&doc)
        .get("repo")
        .and_then(Node::as_map)
        .expect("repo");
    let text_of = |k: &str| match repo.get(k).map(|n| &n.value) {
        Some(Value::Scalar(Scalar { text, .. })) => text.clone(),
        _ => None,
    };
    assert_eq!(text_of("model").as_deref(), Some("opus"));
    assert_eq!(text_of("effort").as_deref(), Some("low"));
    assert!(!repo.contains_key("<<"));
}

#[test]
fn sequence_paths_in_errors() {
    let doc = parse("list:\n  - a\n  - {x: 1, x: 2}\n");
    assert_eq!(doc.errors[0].path, "list[1].x");
}

#[test]
fn non_scalar_key_is_reported() {
    let doc = parse("? [a, b]\n: 1\nc: 2\n");
    assert_eq!(doc.errors.len(), 1);
    assert!(root_map(&doc).contains_key("c"));
}

#[test]
fn join_path_formats_indices() {
    let segs: Vec<String> = ["repos", "x", "authorized", "[0]", "user_id"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(join_path(&segs), "repos.x.authorized[0].user_id");
}
