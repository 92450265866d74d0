use serde_json::Value;

use super::*;

fn parse(body: &str) -> serde_json::Map<String, Value> {
    match serde_json::from_str(body) {
        Ok(Value::Object(map)) => map,
        other => panic!("not a JSON object: {other:?} from {body}"),
    }
}

fn keys(map: &serde_json::Map<String, Value>) -> Vec<&str> {
    let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

#[test]
fn allowlist_block_bodies() {
    // (reason, code, words the message must contain)
    let rows: &[(BlockReason, &str, &[&str])] = &[
        (
            BlockReason::Method,
            "method_not_allowed",
            &[
                "DELETE",
                "methods",
                ".airut/network-allowlist.yaml",
                "pull request",
            ],
        ),
        (
            BlockReason::HostPath,
            "host_path_not_allowed",
            &[
                "not in the network allowlist",
                ".airut/network-allowlist.yaml",
                "pull request",
            ],
        ),
        (
            BlockReason::BadPath,
            "malformed_path",
            &["malformed", "escape", "canonical"],
        ),
    ];
    for (reason, code, words) in rows {
        let body = blocked_body("api.github.com", "/repos/x?page=2", "DELETE", *reason);
        let map = parse(&body);
        assert_eq!(
            keys(&map),
            ["error", "host", "message", "method", "path", "reason"],
            "{body}"
        );
        assert_eq!(map["error"], "blocked_by_network_allowlist");
        assert_eq!(map["reason"], *code);
        assert_eq!(map["host"], "api.github.com");
        assert_eq!(map["path"], "/repos/x?page=2");
        assert_eq!(map["method"], "DELETE");
        let message = map["message"].as_str().unwrap_or_default();
        for word in *words {
            assert!(message.contains(word), "{reason:?}: {message}");
        }
    }
}

#[test]
fn host_path_message_does_not_mention_the_method() {
    let map = parse(&blocked_body("x.com", "/", "PATCH", BlockReason::HostPath));
    let message = map["message"].as_str().unwrap_or_default();
    assert!(!message.contains("PATCH"), "{message}");
}

#[test]
fn hostile_values_stay_inside_json_strings() {
    let body = blocked_body(
        "evil\".com",
        "/a\"}\n{\"error\":\"none",
        "G\u{1b}ET",
        BlockReason::Method,
    );
    assert!(!body.contains('\n'), "{body}");
    let map = parse(&body);
    assert_eq!(map["host"], "evil\".com");
    assert_eq!(map["path"], "/a\"}\n{\"error\":\"none");
    assert_eq!(map["error"], "blocked_by_network_allowlist");
}

#[test]
fn connect_body() {
    let map = parse(&super::connect_body("evil.com:443"));
    assert_eq!(keys(&map), ["error", "host", "message", "method"]);
    assert_eq!(map["error"], "blocked_by_network_allowlist");
    assert_eq!(map["host"], "evil.com:443");
    assert_eq!(map["method"], "CONNECT");
    let message = map["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("CONNECT tunnels are never allowed"),
        "{message}"
    );
}

#[test]
fn host_mismatch_body() {
    let map = parse(&super::host_mismatch_body(
        "api.github.com",
        "evil.com",
        "GET",
    ));
    assert_eq!(
        keys(&map),
        ["error", "host", "message", "method", "url_host"]
    );
    assert_eq!(map["error"], "blocked_by_network_allowlist");
    assert_eq!(map["host"], "api.github.com");
    assert_eq!(map["url_host"], "evil.com");
    assert_eq!(map["method"], "GET");
    let message = map["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("Host mismatch:"), "{message}");
}

#[test]
fn constants() {
    assert_eq!(BLOCKED_STATUS, 403);
    assert_eq!(CONTENT_TYPE, "application/json");
}
