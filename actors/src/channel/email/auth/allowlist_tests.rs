use super::*;

fn patterns(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn admitted(address: &str, list: &[&str]) -> bool {
    matching_pattern(address, &patterns(list)).is_some()
}

#[test]
fn exact_address_matches_case_insensitively() {
    assert!(admitted("ann@example.com", &["Ann@Example.COM"]));
    assert!(!admitted("bob@example.com", &["ann@example.com"]));
}

#[test]
fn exact_address_is_not_a_suffix_match() {
    assert!(!admitted("xann@example.com", &["ann@example.com"]));
    assert!(!admitted("ann@example.com.evil.test", &["ann@example.com"]));
}

#[test]
fn domain_wildcard_matches_that_domain_only() {
    let list = ["*@Example.com"];
    assert!(admitted("ann@example.com", &list));
    assert!(admitted("bob@example.com", &list));
    assert!(!admitted("ann@evil-example.com", &list));
    assert!(!admitted("ann@evilexample.com", &list));
    assert!(!admitted("ann@sub.example.com", &list));
    assert!(!admitted("ann@example.com.evil.test", &list));
    assert!(!admitted("ann@example.co", &list));
}

#[test]
fn other_wildcard_forms_match_nothing() {
    for pattern in [
        "*",
        "*@",
        "*.example.com",
        "*@*.example.com",
        "ann@*",
        "*@*",
    ] {
        assert!(
            !admitted("ann@example.com", &[pattern]),
            "{pattern:?} matched"
        );
        assert!(
            !admitted("ann@sub.example.com", &[pattern]),
            "{pattern:?} matched"
        );
    }
}

#[test]
fn first_matching_pattern_is_reported() {
    let list = patterns(&["bob@example.com", "*@example.com", "ann@example.com"]);
    assert_eq!(
        matching_pattern("ann@example.com", &list),
        Some("*@example.com")
    );
}

#[test]
fn empty_list_admits_nobody() {
    assert!(!admitted("ann@example.com", &[]));
}

#[test]
fn surrounding_whitespace_in_patterns_is_ignored() {
    assert!(admitted("ann@example.com", &[" ann@example.com "]));
    assert!(admitted("ann@example.com", &[" *@example.com"]));
}

#[test]
fn malformed_address_matches_nothing() {
    assert!(!admitted("example.com", &["*@example.com"]));
    assert!(!admitted("@example.com", &["*@example.com"]));
}
