use std::path::Path;

use airut_proxy::policy::{Allowlist, UrlPrefix};

use super::*;

fn prefix(host: &str, path: &str, methods: &[&str]) -> UrlPrefix {
    UrlPrefix {
        host: host.to_owned(),
        path: path.to_owned(),
        methods: methods.iter().map(|m| (*m).to_owned()).collect(),
    }
}

fn errors(text: &str) -> Vec<String> {
    match parse_allowlist(text) {
        Ok(list) => panic!("expected errors, got {list:?}"),
        Err(e) => e.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn empty_documents_are_empty_allowlists() {
    for text in ["", "# only a comment\n", "---\n", "null\n", "~\n"] {
        assert_eq!(
            parse_allowlist(text).expect("empty"),
            Allowlist::default(),
            "{text:?}"
        );
    }
    assert_eq!(
        parse_allowlist("domains:\nurl_prefixes: []\n").expect("null lists"),
        Allowlist::default()
    );
}

#[test]
fn full_file() {
    let text = "\
# Hosts the agent may reach.
domains:
  - github.com
  - \"*.githubusercontent.com\"
  - github.com
url_prefixes:
  - host: api.anthropic.com
    path: /v1/messages
    methods: [post]
  - host: api.github.com
    path: /repos/airutorg/*
    methods: [GET, head, Get]
  - host: pypi.org
  - {host: files.example.com, path: \"\", methods: []}
";
    let list = parse_allowlist(text).expect("valid");
    assert_eq!(
        list,
        Allowlist {
            // File order and duplicates kept: `domains[2]` is line 5.
            domains: vec![
                "github.com".to_owned(),
                "*.githubusercontent.com".to_owned(),
                "github.com".to_owned()
            ],
            url_prefixes: vec![
                prefix("api.anthropic.com", "/v1/messages", &["POST"]),
                prefix("api.github.com", "/repos/airutorg/*", &["GET", "HEAD"]),
                prefix("pypi.org", "", &[]),
                prefix("files.example.com", "", &[]),
            ],
        }
    );
}

/// (file, every error expected, in order). Each names a key path and line.
#[test]
fn errors_name_key_path_and_line() {
    let rows: &[(&str, &[&str])] = &[
        (
            "domains: github.com\n",
            &[
                "domains (line 1): expected a list, got a scalar (write it as `domains: [github.com]`)",
            ],
        ),
        (
            "domains:\n  - github.com\n  - [a, b]\n  -\n  - \"\"\n",
            &[
                "domains[1] (line 3): expected a host pattern (a string), got a list",
                "domains[2] (line 4): a host pattern is empty",
                "domains[3] (line 5): a host pattern is empty",
            ],
        ),
        (
            "domains: [github.com:443, https://x.com]\n",
            &[
                "domains[0] (line 1): a host pattern cannot name a port (the allowlist has no port dimension)",
                "domains[1] (line 1): a host pattern is a name only, without scheme or path (put the path in `path:` of a url_prefixes entry)",
            ],
        ),
        (
            "domain: [github.com]\nurl_prefix: []\n",
            &[
                "domain (line 1): unknown key; did you mean `domains`?",
                "url_prefix (line 2): unknown key; did you mean `url_prefixes`?",
            ],
        ),
        (
            "url_prefixes:\n  - path: /x\n",
            &["url_prefixes[0].host (line 2): required key is missing"],
        ),
        (
            "url_prefixes:\n  - host: x.com\n    paths: /a\n",
            &["url_prefixes[0].paths (line 3): unknown key; did you mean `path`?"],
        ),
        (
            "url_prefixes:\n  - api.github.com\n",
            &[
                "url_prefixes[0] (line 2): expected a mapping with `host` and optional `path` and `methods`, got a scalar",
            ],
        ),
        (
            "url_prefixes: {host: x.com}\n",
            &[
                "url_prefixes (line 1): expected a list, got a mapping (write it as `url_prefixes: [{host: api.github.com, path: /repos/*}]`)",
            ],
        ),
        (
            "url_prefixes:\n  - host: x.com\n    methods: GET\n",
            &[
                "url_prefixes[0].methods (line 3): expected a list, got a scalar (write it as `methods: [GET, HEAD]`)",
            ],
        ),
        (
            "url_prefixes:\n  - host: x.com\n    methods: [GET, \"GET POST\", \"*\", {a: 1}]\n",
            &[
                "url_prefixes[0].methods[1] (line 3): not an HTTP method (expected a token such as GET or POST), got \"GET POST\"",
                "url_prefixes[0].methods[2] (line 3): methods are not globs; to allow every method, leave `methods` out (or empty), got \"*\"",
                "url_prefixes[0].methods[3] (line 3): expected an HTTP method (a string), got a mapping",
            ],
        ),
        (
            "url_prefixes:\n  - host: api.example.com\n    path: /search?q=*\n",
            &[
                "url_prefixes[0].path (line 3): path patterns match the path only, never the query string, and '?' would be a one-character wildcard; remove the query part, or use '*'",
            ],
        ),
        (
            "url_prefixes:\n  - host: x.com\n    path: repos/*\n  - host: y.com\n    path: /a/../b\n",
            &[
                "url_prefixes[0].path (line 3): a path pattern starts with '/' (or '*')",
                "url_prefixes[1].path (line 5): paths with '.' or '..' segments or '//' are always blocked, so this pattern could never match",
            ],
        ),
        (
            "url_prefixes:\n  - host: x.com\n    path: [/a]\n",
            &["url_prefixes[0].path (line 3): expected a string, got a list"],
        ),
        (
            "url_prefixes:\n  - host: !env GITHUB_HOST\n",
            &["url_prefixes[0].host (line 2): expected a string, got an !env reference"],
        ),
        (
            "- github.com\n",
            &[
                "line 1: the top level must be a mapping with `domains` and/or `url_prefixes`, got a list",
            ],
        ),
        (
            "domains: [a.com]\ndomains: [b.com]\n",
            &["domains (line 2): duplicate key (first defined on line 1)"],
        ),
    ];
    for (text, expected) in rows {
        assert_eq!(errors(text), *expected, "{text}");
    }
}

#[test]
fn graphql_is_refused_clearly() {
    let text = "\
url_prefixes:
  - host: api.github.com
    path: /graphql
    methods: [POST]
    graphql:
      queries: [repository]
";
    let got = errors(text);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].starts_with(
            "url_prefixes[0].graphql (line 5): GraphQL operation allowlists are not supported"
        ),
        "{got:?}"
    );
}

#[test]
fn all_errors_at_once_sorted_by_line() {
    let text = "\
domains:
  - good.com
  - bad.com:80
extra: 1
url_prefixes:
  - host: \"\"
  - host: ok.com
    methods: [\"G T\"]
";
    let got = errors(text);
    let lines: Vec<&str> = got
        .iter()
        .map(|e| e.split(':').next().unwrap_or_default())
        .collect();
    assert_eq!(
        lines,
        [
            "domains[1] (line 3)",
            "extra (line 4)",
            "url_prefixes[0].host (line 6)",
            "url_prefixes[1].methods[0] (line 8)",
        ],
        "{got:?}"
    );
}

#[test]
fn yaml_syntax_error_has_a_line() {
    let err = parse_allowlist("domains: [github.com\n").expect_err("syntax");
    assert_eq!(err.len(), 1);
    assert!(err.errors[0].line.is_some(), "{err}");
    assert!(err.to_string().contains("invalid YAML"), "{err}");
}

#[test]
fn load_reads_the_file_and_fails_closed_when_missing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("network-allowlist.yaml");
    let missing = load_allowlist(&path).expect_err("missing");
    assert!(
        missing.to_string().contains(&path.display().to_string()),
        "{missing}"
    );
    assert!(missing.to_string().contains("does not exist"), "{missing}");
    std::fs::write(&path, "domains: [github.com]\n").expect("write");
    assert_eq!(
        load_allowlist(&path).expect("load").domains,
        vec!["github.com".to_owned()]
    );
    std::fs::write(&path, [0xff, 0xfe]).expect("write");
    let unreadable = load_allowlist(&path).expect_err("not utf-8");
    assert!(
        unreadable.to_string().starts_with("cannot read"),
        "{unreadable}"
    );
    assert!(load_allowlist(Path::new("/")).is_err());
}

/// The loader's output is what the proxy decides with: a round trip through
/// the JSON the gateway sends keeps it whole.
#[test]
fn loaded_allowlist_survives_the_trip_to_the_proxy() {
    let list = parse_allowlist(
        "domains: [github.com]\nurl_prefixes:\n  - host: api.github.com\n    path: /repos/*\n    methods: [get]\n",
    )
    .expect("valid");
    let json = serde_json::to_string(&list).expect("json");
    let back: Allowlist = serde_json::from_str(&json).expect("back");
    assert_eq!(back, list);
    assert_eq!(
        airut_proxy::policy::decide(&back, "api.github.com", "/repos/x", "GET"),
        airut_proxy::policy::Decision::Allowed {
            rule: "url_prefixes[0] api.github.com /repos/*".to_owned()
        }
    );
}
