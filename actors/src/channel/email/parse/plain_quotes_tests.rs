use super::*;

#[test]
fn top_posted_reply_loses_the_quote() {
    let text = "Yes, ship it.\n\nOn Mon, Jan 1, 2024 at 10:00 AM Ann <ann@example.com> wrote:\n> Shall we ship?\n>\n> Ann\n";
    assert_eq!(strip_plain_quotes(text), "Yes, ship it.");
}

#[test]
fn wrapped_attribution_goes_too() {
    let text = "Yes.\n\nOn Mon, Jan 1, 2024 at 10:00 AM Ann Example <\nann@example.com> wrote:\n\n> Shall we?\n";
    assert_eq!(strip_plain_quotes(text), "Yes.");
}

#[test]
fn interleaved_reply_keeps_every_user_line() {
    let text = "On Mon, Ann <ann@example.com> wrote:\n> First question?\nFirst answer.\n\n> Second question?\nSecond answer.\n\n> Thanks,\n> Ann\n";
    assert_eq!(
        strip_plain_quotes(text),
        "On Mon, Ann <ann@example.com> wrote:\n> First question?\nFirst answer.\n\n> Second question?\nSecond answer."
    );
}

#[test]
fn bottom_posted_reply_keeps_the_quote_above() {
    let text = "Ann wrote:\n> Question?\n\nAnswer.\n";
    assert_eq!(
        strip_plain_quotes(text),
        "Ann wrote:\n> Question?\n\nAnswer."
    );
}

#[test]
fn signature_after_the_quote_does_not_save_it() {
    let text = "Reply.\n\n> old\n\n-- \nBob\n";
    assert_eq!(strip_plain_quotes(text), "Reply.\n\n--\nBob");
}

#[test]
fn outlook_original_message_block_goes() {
    let text = "Done.\n\n-----Original Message-----\nFrom: Ann\nSent: Monday\nSubject: x\n\nPlease do it.\n";
    assert_eq!(strip_plain_quotes(text), "Done.");
}

#[test]
fn outlook_underscore_block_goes() {
    let text = "Done.\r\n\r\n________________________________\r\nFrom: Ann <ann@example.com>\r\nSent: Monday\r\n\r\nPlease.\r\n";
    assert_eq!(strip_plain_quotes(text), "Done.");
}

#[test]
fn a_lone_underscore_rule_is_kept() {
    let text = "Part one\n__________\nPart two";
    assert_eq!(strip_plain_quotes(text), text);
}

#[test]
fn text_without_quotes_is_unchanged_but_normalized() {
    assert_eq!(
        strip_plain_quotes("  Hello\n\n\n\nworld  \n"),
        "  Hello\n\nworld"
    );
    assert_eq!(strip_plain_quotes(""), "");
}

#[test]
fn a_message_that_is_only_a_quote_becomes_empty() {
    assert_eq!(strip_plain_quotes("> a\n> b\n"), "");
}

#[test]
fn greater_than_in_prose_is_not_a_quote_unless_leading() {
    let text = "Use a > b here.\n";
    assert_eq!(strip_plain_quotes(text), "Use a > b here.");
}
