use super::*;

fn ok(value: &str) -> String {
    strict_address(value).unwrap_or_else(|e| panic!("{value:?} rejected: {e}"))
}

fn rejected(value: &str) {
    assert!(
        strict_address(value).is_err(),
        "{value:?} accepted as {:?}",
        strict_address(value)
    );
}

#[test]
fn bare_address_is_lowercased() {
    assert_eq!(ok("Ann@Example.COM"), "ann@example.com");
    assert_eq!(ok("  ann@example.com  "), "ann@example.com");
}

#[test]
fn angle_address_with_display_name() {
    assert_eq!(ok("Ann Smith <ann@example.com>"), "ann@example.com");
    assert_eq!(ok("<ann@example.com>"), "ann@example.com");
    assert_eq!(ok("Ann < ann@example.com >"), "ann@example.com");
    assert_eq!(ok("John Q. Public <jqp@example.com>"), "jqp@example.com");
}

#[test]
fn quoted_display_names_with_specials() {
    assert_eq!(ok("\"Doe, Ann\" <ann@example.com>"), "ann@example.com");
    assert_eq!(
        ok("\"Ann \\\"The Boss\\\" Doe\" <ann@example.com>"),
        "ann@example.com"
    );
    assert_eq!(
        ok("\"ann@example.com\" <ann@example.com>"),
        "ann@example.com"
    );
    assert_eq!(ok("\"a;b:c\" <ann@example.com>"), "ann@example.com");
}

#[test]
fn encoded_word_display_name() {
    assert_eq!(ok("=?UTF-8?q?SAFE?= <a@b.example>"), "a@b.example");
    assert_eq!(
        ok("=?utf-8?B?w4Rubmk=?= <ann@example.com>"),
        "ann@example.com"
    );
}

#[test]
fn encoded_address_without_brackets_fails() {
    rejected("=?UTF-8?q?ann=40example.com?=");
}

#[test]
fn comments_around_the_mailbox() {
    assert_eq!(ok("Ann (work) <ann@example.com>"), "ann@example.com");
    assert_eq!(
        ok("Ann <ann@example.com> (work (really))"),
        "ann@example.com"
    );
    rejected("ann@example.com (Ann)");
}

#[test]
fn folded_value() {
    assert_eq!(ok("Ann Smith\r\n <ann@example.com>"), "ann@example.com");
}

#[test]
fn empty_and_garbage() {
    rejected("");
    rejected("   ");
    rejected("not an address");
    rejected("ann");
    rejected("@example.com");
    rejected("ann@");
    rejected("<>");
    rejected("Ann <>");
}

#[test]
fn two_addresses_fail() {
    rejected("ann@example.com, eve@evil.test");
    rejected("Ann <ann@example.com>, Eve <eve@evil.test>");
    rejected("Ann <ann@example.com>, eve@evil.test");
    rejected("eve@evil.test, Ann <ann@example.com>");
    rejected("Ann <ann@example.com> eve@evil.test");
}

#[test]
fn unquoted_comma_in_display_name_fails() {
    rejected("Doe, Ann <ann@example.com>");
}

#[test]
fn group_syntax_fails() {
    rejected("undisclosed-recipients:;");
    rejected("Team: ann@example.com;");
    rejected("Team: Ann <ann@example.com>;");
}

#[test]
fn angle_brackets_misplaced_or_repeated() {
    rejected("Ann >ann@example.com<");
    rejected("Ann <ann@example.com");
    rejected("Ann ann@example.com>");
    rejected("Ann <<ann@example.com>>");
    rejected("\"<eve@evil.test>\" <ann@example.com>");
}

#[test]
fn unquoted_at_in_display_name_fails() {
    rejected("ann@example.com <eve@evil.test>");
}

#[test]
fn unterminated_quote_or_comment_fails() {
    rejected("\"Ann <ann@example.com>");
    rejected("Ann (work <ann@example.com>");
}

#[test]
fn address_forms_outside_the_simple_grammar_fail() {
    rejected("\"ann smith\"@example.com");
    rejected("ann@[192.0.2.1]");
    rejected("änn@example.com");
    rejected("ann@exämple.com");
    rejected("ann..x@example.com");
    rejected(".ann@example.com");
    rejected("ann@example..com");
    rejected("ann@-example.com");
    rejected("ann@example.com.");
    rejected("ann@ex_ample.com");
    rejected("<@relay.example:ann@example.com>");
}

#[test]
fn atext_local_parts_are_allowed() {
    assert_eq!(ok("ann+tag@example.com"), "ann+tag@example.com");
    assert_eq!(ok("o'brien@example.com"), "o'brien@example.com");
    assert_eq!(ok("a.b-c_d@sub.example.com"), "a.b-c_d@sub.example.com");
}

#[test]
fn domain_of_takes_the_text_after_the_last_at() {
    assert_eq!(domain_of("ann@example.com"), "example.com");
    assert_eq!(domain_of("nodomain"), "");
}
