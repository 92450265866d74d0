use super::*;
use crate::policy::UrlPrefix;

fn prefix(host: &str, path: &str, methods: &[&str]) -> UrlPrefix {
    UrlPrefix {
        host: host.to_owned(),
        path: path.to_owned(),
        methods: methods.iter().map(|m| (*m).to_owned()).collect(),
    }
}

/// The allowlist most rows run against.
fn allowlist() -> Allowlist {
    Allowlist {
        domains: vec![
            "github.com".to_owned(),
            "*.githubusercontent.com".to_owned(),
            "pypi.org.".to_owned(),
        ],
        url_prefixes: vec![
            // 0: a wildcard host limited to reads.
            prefix("*", "", &["GET", "HEAD"]),
            // 1: one host gets POST on top.
            prefix("api.anthropic.com", "/v1/messages", &["post"]),
            // 2: exact path, any method.
            prefix("api.example.com", "/graphql", &[]),
            // 3: glob path.
            prefix("api.github.com", "/repos/foo*", &[]),
            // 4: glob path with a slash.
            prefix("uploads.example.com", "/u/*", &["PUT"]),
            // 5: exact path with trailing slash.
            prefix("files.example.com", "/api/", &[]),
            // 6: single-character wildcard in host and path.
            prefix("mirror-?.example.org", "/v?/pkg", &[]),
            // 7: a path case that matters.
            prefix("case.example.com", "/Docs", &[]),
        ],
    }
}

const ALLOW: Option<BlockReason> = None;
const METHOD: Option<BlockReason> = Some(BlockReason::Method);
const HOSTPATH: Option<BlockReason> = Some(BlockReason::HostPath);
const BADPATH: Option<BlockReason> = Some(BlockReason::BadPath);

/// (host, path_and_query, method, expected block reason or allowed, rule
/// expected when allowed). Against an allowlist with `host: "*"` GET/HEAD,
/// so every host is "named" and path problems surface as `BadPath`.
#[test]
fn decisions() {
    #[rustfmt::skip]
    let rows: &[(&str, &str, &str, Option<BlockReason>, &str)] = &[
        // domains: any path, any method, first match wins, before url_prefixes.
        ("github.com", "/", "GET", ALLOW, "domains[0] github.com"),
        ("github.com", "/org/repo.git/git-receive-pack", "POST", ALLOW, "domains[0] github.com"),
        ("GitHub.COM", "/x", "DELETE", ALLOW, "domains[0] github.com"),
        ("github.com:443", "/x", "PATCH", ALLOW, "domains[0] github.com"),
        ("github.com.", "/x", "PUT", ALLOW, "domains[0] github.com"),
        ("raw.githubusercontent.com", "/a/b", "GET", ALLOW, "domains[1] *.githubusercontent.com"),
        ("a.b.githubusercontent.com", "/a", "POST", ALLOW, "domains[1] *.githubusercontent.com"),
        ("pypi.org", "/simple/x/", "GET", ALLOW, "domains[2] pypi.org."),
        // *.x.com does not cover x.com: falls to the GET-only wildcard.
        ("githubusercontent.com", "/a", "GET", ALLOW, "url_prefixes[0] *"),
        ("githubusercontent.com", "/a", "POST", METHOD, ""),
        // The wildcard host entry limits methods; a later entry adds POST.
        ("example.net", "/anything", "GET", ALLOW, "url_prefixes[0] *"),
        ("example.net", "/anything", "head", ALLOW, "url_prefixes[0] *"),
        ("example.net", "/anything", "POST", METHOD, ""),
        ("api.anthropic.com", "/v1/messages", "POST", ALLOW, "url_prefixes[1] api.anthropic.com /v1/messages"),
        ("api.anthropic.com", "/v1/messages", "post", ALLOW, "url_prefixes[1] api.anthropic.com /v1/messages"),
        ("api.anthropic.com", "/v1/messages?beta=true", "POST", ALLOW, "url_prefixes[1] api.anthropic.com /v1/messages"),
        ("API.Anthropic.com:443", "/v1/messages", "POST", ALLOW, "url_prefixes[1] api.anthropic.com /v1/messages"),
        ("api.anthropic.com", "/v1/messages/batches", "POST", METHOD, ""),
        ("api.anthropic.com", "/v1/messages/", "POST", METHOD, ""),
        ("api.anthropic.com", "/v1/complete", "DELETE", METHOD, ""),
        // Exact path: no implicit prefix; the query never matters.
        ("api.example.com", "/graphql", "POST", ALLOW, "url_prefixes[2] api.example.com /graphql"),
        ("api.example.com", "/graphql?x", "POST", ALLOW, "url_prefixes[2] api.example.com /graphql"),
        ("api.example.com", "/graphql?q=/../admin", "POST", ALLOW, "url_prefixes[2] api.example.com /graphql"),
        ("api.example.com", "/graphql/", "POST", METHOD, ""),
        ("api.example.com", "/graphqlx", "POST", METHOD, ""),
        ("files.example.com", "/api/", "PUT", ALLOW, "url_prefixes[5] files.example.com /api/"),
        ("files.example.com", "/api", "PUT", METHOD, ""),
        ("files.example.com", "/api/x", "PUT", METHOD, ""),
        // '*' crosses segments; the query is not part of the match.
        ("api.github.com", "/repos/foobar", "POST", ALLOW, "url_prefixes[3] api.github.com /repos/foo*"),
        ("api.github.com", "/repos/foo/issues", "POST", ALLOW, "url_prefixes[3] api.github.com /repos/foo*"),
        ("api.github.com", "/repos/foo?x=1", "POST", ALLOW, "url_prefixes[3] api.github.com /repos/foo*"),
        ("api.github.com", "/repos/fo?o", "POST", METHOD, ""),
        ("api.github.com", "/repos/bar", "POST", METHOD, ""),
        ("uploads.example.com", "/u/a/b", "PUT", ALLOW, "url_prefixes[4] uploads.example.com /u/*"),
        ("uploads.example.com", "/u", "PUT", METHOD, ""),
        ("uploads.example.com", "/u/a", "DELETE", METHOD, ""),
        ("mirror-1.example.org", "/v2/pkg", "POST", ALLOW, "url_prefixes[6] mirror-?.example.org /v?/pkg"),
        ("mirror-12.example.org", "/v2/pkg", "POST", METHOD, ""),
        // Paths are case-sensitive, hosts are not.
        ("CASE.example.com", "/Docs", "POST", ALLOW, "url_prefixes[7] case.example.com /Docs"),
        ("case.example.com", "/docs", "POST", METHOD, ""),
        // Percent-decoding once happens before matching.
        ("api.github.com", "/repos/fo%6fbar", "POST", ALLOW, "url_prefixes[3] api.github.com /repos/foo*"),
        ("api.example.com", "/graph%71l", "POST", ALLOW, "url_prefixes[2] api.example.com /graphql"),
        // Malformed paths are refused for every entry, domains included.
        ("github.com", "/a/../b", "GET", BADPATH, ""),
        ("github.com", "/a/..", "GET", BADPATH, ""),
        ("api.github.com", "/repos/foo/../../admin", "POST", BADPATH, ""),
        ("api.github.com", "/repos/foo/%2e%2e/%2e%2e/admin", "POST", BADPATH, ""),
        ("api.github.com", "/repos/foo/%2E%2E%2F%2E%2E%2Fadmin", "POST", BADPATH, ""),
        ("api.github.com", "/repos/foo/%252e%252e/%252e%252e/admin", "POST", BADPATH, ""),
        ("api.github.com", "/repos/foo%252f..%252fadmin", "POST", BADPATH, ""),
        ("api.github.com", "/repos/foo\\..\\admin", "POST", BADPATH, ""),
        ("api.github.com", "/repos/foo%5c..%5cadmin", "POST", BADPATH, ""),
        ("api.github.com", "/repos/foo;/../admin", "POST", BADPATH, ""),
        ("api.github.com", "/repos/foo;jsessionid=1", "POST", BADPATH, ""),
        ("api.github.com", "/repos/foo//x", "POST", BADPATH, ""),
        ("api.github.com", "//repos/foo", "POST", BADPATH, ""),
        ("api.github.com", "/repos/foo/./x", "POST", BADPATH, ""),
        ("api.github.com", "/repos/foo%00", "POST", BADPATH, ""),
        ("api.github.com", "/repos/foo%0a", "POST", BADPATH, ""),
        ("api.github.com", "/repos/foo%zz", "POST", BADPATH, ""),
        ("api.github.com", "/repos/foo#x", "POST", BADPATH, ""),
        ("example.net", "relative", "GET", BADPATH, ""),
        // Any other host gets only what the wildcard entry allows.
        ("evil.com", "/", "GET", ALLOW, "url_prefixes[0] *"),
    ];
    let list = allowlist();
    for (host, target, method, expected, rule) in rows {
        let got = decide(&list, host, target, method);
        let want = match expected {
            None => Decision::Allowed {
                rule: (*rule).to_owned(),
            },
            Some(reason) => Decision::Blocked { reason: *reason },
        };
        assert_eq!(got, want, "{method} {host} {target}");
    }
    assert!(rows.len() >= 40, "{} rows", rows.len());
}

/// Rows against an allowlist without a wildcard host, where an unknown host
/// is blocked as host/path.
#[test]
fn decisions_without_wildcard_host() {
    let list = Allowlist {
        domains: vec!["github.com".to_owned()],
        url_prefixes: vec![prefix("api.github.com", "/repos/*", &["GET"])],
    };
    #[rustfmt::skip]
    let rows: &[(&str, &str, &str, Option<BlockReason>)] = &[
        ("evil.com", "/", "GET", HOSTPATH),
        ("evil.com", "/a/../b", "GET", HOSTPATH),
        ("github.com.evil.com", "/", "GET", HOSTPATH),
        ("evilgithub.com", "/", "GET", HOSTPATH),
        ("sub.github.com", "/", "GET", HOSTPATH),
        ("", "/", "GET", HOSTPATH),
        ("github.com\r\nX: y", "/", "GET", HOSTPATH),
        ("[::1]", "/", "GET", HOSTPATH),
        ("api.github.com", "/repos/x", "GET", ALLOW),
        ("api.github.com", "/repos/x", "POST", METHOD),
        ("api.github.com", "/user", "GET", HOSTPATH),
        ("api.github.com", "/user", "POST", HOSTPATH),
        ("api.github.com", "/repos", "GET", HOSTPATH),
        ("api.github.com", "/user?p=/repos/x", "GET", HOSTPATH),
        ("api.github.com", "/repos/x/../../user", "GET", BADPATH),
        ("api.github.com", "/repos/%2e%2e/user", "GET", BADPATH),
    ];
    for (host, target, method, expected) in rows {
        let got = decide(&list, host, target, method);
        match expected {
            None => assert!(
                matches!(got, Decision::Allowed { .. }),
                "{method} {host} {target}: {got:?}"
            ),
            Some(reason) => assert_eq!(
                got,
                Decision::Blocked { reason: *reason },
                "{method} {host} {target}"
            ),
        }
    }
}

#[test]
fn empty_allowlist_blocks_everything() {
    let list = Allowlist::default();
    for (host, target, method) in [("github.com", "/", "GET"), ("x", "/a/../b", "POST")] {
        assert_eq!(
            decide(&list, host, target, method),
            Decision::Blocked {
                reason: BlockReason::HostPath
            }
        );
    }
}

#[test]
fn first_match_wins_and_names_its_rule() {
    let list = Allowlist {
        domains: vec![],
        url_prefixes: vec![
            prefix("api.github.com", "/repos/*", &["GET"]),
            prefix("*.github.com", "", &[]),
            prefix("api.github.com", "/repos/*", &[]),
        ],
    };
    assert_eq!(
        decide(&list, "api.github.com", "/repos/a", "GET"),
        Decision::Allowed {
            rule: "url_prefixes[0] api.github.com /repos/*".to_owned()
        }
    );
    assert_eq!(
        decide(&list, "api.github.com", "/repos/a", "POST"),
        Decision::Allowed {
            rule: "url_prefixes[1] *.github.com".to_owned()
        }
    );
}

#[test]
fn domain_entry_overrides_wildcard_method_limit() {
    let list = Allowlist {
        domains: vec!["uploads.example.com".to_owned()],
        url_prefixes: vec![prefix("*", "", &["GET"])],
    };
    assert!(matches!(
        decide(&list, "uploads.example.com", "/x", "POST"),
        Decision::Allowed { .. }
    ));
    assert_eq!(
        decide(&list, "other.example.com", "/x", "POST"),
        Decision::Blocked {
            reason: BlockReason::Method
        }
    );
}
