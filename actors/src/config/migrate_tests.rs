use super::*;
use crate::config::yaml_tree::parse_yaml;

fn root(text: &str) -> Mapping {
    let doc = parse_yaml(text).expect("yaml");
    match doc.root.map(|n| n.value) {
        Some(Value::Map(m)) => m,
        _ => panic!("not a mapping"),
    }
}

#[test]
fn version_defaults_to_one_and_rejects_newer() {
    assert_eq!(read_version(&root("a: 1\n")).ok(), Some(1));
    assert_eq!(read_version(&root("config_version: 4\n")).ok(), Some(4));
    let err = read_version(&root("config_version: 6\n")).expect_err("newer");
    assert!(err.message.contains("newer"));
    assert_eq!(err.line, Some(1));
    assert!(read_version(&root("config_version: 0\n")).is_err());
    assert!(read_version(&root("config_version: !env V\n")).is_err());
}

#[test]
fn v1_refuses_each_repo_level_email_key() {
    let mut doc =
        root("repos:\n  a:\n    authorized_senders: [x]\n    imap: {}\n  b:\n    email: {}\n");
    let errors = migrate(&mut doc, 1);
    let paths: Vec<_> = errors.iter().map(|e| (e.path.as_str(), e.line)).collect();
    assert_eq!(
        paths,
        vec![
            ("repos.a.authorized_senders", Some(3)),
            ("repos.a.imap", Some(4))
        ]
    );
    assert!(errors[0].message.contains("email:"));
}

#[test]
fn v2_global_limits_become_vars_without_clobbering() {
    let text = "vars:\n  default_resource_timeout: 5\nresource_limits:\n  timeout: 600\n  memory: 2g\nrepos:\n  a:\n    resource_limits:\n      memory: 4g\n  b: {}\n";
    let mut doc = root(text);
    assert!(migrate(&mut doc, 2).is_empty());
    assert!(!doc.contains_key("resource_limits"));
    let vars = doc.get("vars").and_then(Node::as_map).expect("vars");
    assert!(vars.contains_key("default_resource_timeout_2"));
    assert!(vars.contains_key("default_resource_memory"));
    let repos = doc.get("repos").and_then(Node::as_map).expect("repos");
    let limits = |id: &str| {
        repos
            .get(id)
            .and_then(Node::as_map)
            .and_then(|r| r.get("resource_limits"))
            .and_then(Node::as_map)
            .cloned()
            .expect("limits")
    };
    let a = limits("a");
    assert_eq!(
        a.get("timeout").map(|n| &n.value),
        Some(&Value::Var("default_resource_timeout_2".into()))
    );
    assert!(matches!(
        a.get("memory").map(|n| &n.value),
        Some(Value::Scalar(_))
    ));
    let b = limits("b");
    assert_eq!(
        b.get("memory").map(|n| &n.value),
        Some(&Value::Var("default_resource_memory".into()))
    );
}

#[test]
fn migrations_are_idempotent_and_stamp_version() {
    let text = "config_version: 3\nrepos:\n  a:\n    git: {repo_url: u}\n    container: {path: p}\n    email:\n      imap_server: s\n      imap: {poll_interval: 5}\n";
    let mut once = root(text);
    assert!(migrate(&mut once, 3).is_empty());
    let mut twice = once.clone();
    assert!(migrate(&mut twice, 3).is_empty());
    assert_eq!(once, twice);
    assert_eq!(read_version(&once).ok(), Some(CURRENT_CONFIG_VERSION));
    let repo = once
        .get("repos")
        .and_then(Node::as_map)
        .and_then(|r| r.get("a"))
        .and_then(Node::as_map)
        .expect("repo");
    assert!(repo.contains_key("repo_url"));
    assert!(repo.contains_key("container_path"));
    assert!(!repo.contains_key("git"));
    let imap = repo
        .get("email")
        .and_then(Node::as_map)
        .and_then(|e| e.get("imap"))
        .and_then(Node::as_map)
        .expect("imap");
    assert!(imap.contains_key("server"));
    assert!(imap.contains_key("poll_interval"));
}

#[test]
fn git_wrapper_with_other_keys_is_kept() {
    let mut doc = root("repos:\n  a:\n    git: {repo_url: u, branch: main}\n");
    assert!(migrate(&mut doc, 4).is_empty());
    let repo = doc
        .get("repos")
        .and_then(Node::as_map)
        .and_then(|r| r.get("a"))
        .and_then(Node::as_map)
        .expect("repo");
    assert!(repo.contains_key("git"));
    assert!(repo.contains_key("repo_url"));
}
