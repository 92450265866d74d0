use super::*;
use crate::config::yaml_tree::parse_yaml;

fn resolve(text: &str, env: &EnvSource) -> (Mapping, Diagnostics) {
    let doc = parse_yaml(text).expect("yaml");
    let mut root = match doc.root.map(|n| n.value) {
        Some(Value::Map(m)) => m,
        _ => panic!("not a mapping"),
    };
    let mut d = Diagnostics::default();
    resolve_tags(&mut root, env, &mut d);
    (root, d)
}

fn text_at<'a>(root: &'a Mapping, key: &str) -> &'a Scalar {
    match root.get(key).map(|n| &n.value) {
        Some(Value::Scalar(s)) => s,
        other => panic!("{key}: {other:?}"),
    }
}

#[test]
fn vars_scalars_and_env() {
    let env = EnvSource::from_pairs([("HOST", "mail.example.com")]);
    let text = "vars:\n  host: !env HOST\n  n: 7\n  unset: !env NOPE\na: !var host\nb: !var n\nc: !var unset\nd: !env HOST\n";
    let (root, d) = resolve(text, &env);
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert!(!root.contains_key("vars"));
    assert_eq!(
        text_at(&root, "a").text.as_deref(),
        Some("mail.example.com")
    );
    assert_eq!(text_at(&root, "a").origin, Origin::Var("host".into()));
    assert_eq!(text_at(&root, "b").text.as_deref(), Some("7"));
    assert_eq!(text_at(&root, "c").text, None);
    assert_eq!(text_at(&root, "d").origin, Origin::Env("HOST".into()));
}

#[test]
fn var_rules_are_enforced_with_lines() {
    let text = "vars:\n  a: 1\n  b: !var a\n  c: [1, 2]\n  d: {x: 1}\nx: !var missing\ny: !var b\nz:\n  - !var nope\n";
    let (_, d) = resolve(text, &EnvSource::empty());
    let got: Vec<_> = d.errors.iter().map(|e| (e.path.as_str(), e.line)).collect();
    assert_eq!(
        got,
        vec![
            ("vars.b", Some(3)),
            ("vars.c", Some(4)),
            ("vars.d", Some(5)),
            ("x", Some(6)),
            ("z[0]", Some(9))
        ]
    );
    assert!(d.errors[0].message.contains("another variable"));
    assert!(d.errors[3].message.contains("undefined variable `missing`"));
}

#[test]
fn vars_must_be_a_mapping() {
    let (_, d) = resolve("vars: [1]\n", &EnvSource::empty());
    assert_eq!(d.errors.len(), 1);
    assert_eq!(d.errors[0].path, "vars");
}
