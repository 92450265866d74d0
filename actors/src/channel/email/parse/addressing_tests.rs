use mail_parser::MessageParser;

use super::*;

fn hint(headers: &str) -> Option<String> {
    let raw = format!("{headers}\r\n\r\nbody");
    let message = MessageParser::default().parse(raw.as_bytes())?;
    model_hint(&message, "claude@test.local")
}

#[test]
fn plus_tag_on_our_address() {
    assert_eq!(hint("To: claude+opus@test.local").as_deref(), Some("opus"));
    assert_eq!(
        hint("To: Claude <claude+Sonnet@TEST.local>").as_deref(),
        Some("sonnet")
    );
    assert_eq!(
        hint("To: CLAUDE+claude-3.5_x@test.local").as_deref(),
        Some("claude-3.5_x")
    );
}

#[test]
fn cc_counts_and_other_recipients_do_not() {
    assert_eq!(
        hint("To: bob+work@test.local, claude@test.local\r\nCc: claude+haiku@test.local")
            .as_deref(),
        Some("haiku")
    );
    assert_eq!(hint("To: bob+work@test.local"), None);
    assert_eq!(hint("To: claude+opus@other.example"), None);
    assert_eq!(hint("To: claudette+opus@test.local"), None);
}

#[test]
fn no_tag_or_bad_tag() {
    assert_eq!(hint("To: claude@test.local"), None);
    assert_eq!(hint("To: claude+@test.local"), None);
    assert_eq!(hint("To: \"x\" <claude+a/b@test.local>"), None);
    assert_eq!(hint("Subject: no recipients"), None);
    let raw = "To: claude+opus@test.local\r\n\r\nx";
    let message = MessageParser::default().parse(raw.as_bytes());
    assert!(message.is_some_and(|m| model_hint(&m, "not-an-address").is_none()));
}
