use super::*;

fn conv(text: &str) -> ConversationId {
    ConversationId::parse(text).expect("id")
}

#[test]
fn our_message_ids_round_trip() {
    let id = message_id(&conv("0a1b2c3d"), 1_700_000_000, 0xdead_beef, "example.com");
    assert_eq!(id, "<airut.0a1b2c3d.1700000000.deadbeef@example.com>");
    assert_eq!(conversation_in_message_id(&id), Some(conv("0a1b2c3d")));
    assert_eq!(
        message_id(&conv("0a1b2c3d"), 1, 1, ""),
        "<airut.0a1b2c3d.1.00000001@localhost>"
    );
}

#[test]
fn foreign_or_malformed_ids_name_no_conversation() {
    for id in [
        "<CAF0a1b2c3d@mail.gmail.com>",
        "<airut.0A1B2C3D.1.2@x>",
        "<airut.0a1b2c3d@x>",
        "<airut.0a1b2c3d.1.2@>",
        "airut.0a1b2c3d.1.2@x",
        "<airut.0a1b2c3.1.2@x>",
        "<airut.0a1b2c3d.x-y@x>",
    ] {
        assert_eq!(conversation_in_message_id(id), None, "{id}");
    }
}

#[test]
fn in_reply_to_wins_then_newest_reference() {
    let a = "<airut.aaaaaaaa.1.1@x>";
    let b = "<airut.bbbbbbbb.1.1@x>";
    let c = "<airut.cccccccc.1.1@x>";
    assert_eq!(
        conversation_in_thread_headers(Some(a), Some(&format!("{b} {c}"))),
        Some(conv("aaaaaaaa"))
    );
    assert_eq!(
        conversation_in_thread_headers(Some("<other@x>"), Some(&format!("{b}\n {c} <z@x>"))),
        Some(conv("cccccccc"))
    );
    assert_eq!(conversation_in_thread_headers(None, None), None);
}

#[test]
fn subject_tags_are_lowercase_hex_and_first_wins() {
    assert_eq!(
        conversation_in_subject("Re: [ID:0a1b2c3d] fix [ID:ffffffff]"),
        Some(conv("0a1b2c3d"))
    );
    assert_eq!(conversation_in_subject("[ID:0A1B2C3D] no"), None);
    assert_eq!(
        conversation_in_subject("[ID:0a1b2c3] [ID:12345678]"),
        Some(conv("12345678"))
    );
    assert_eq!(conversation_in_subject("[ID:0a1b2c3d"), None);
}

#[test]
fn reply_subjects_strip_re_and_tag_once() {
    let c = conv("0a1b2c3d");
    assert_eq!(
        reply_subject("Fix the build", &c),
        "Re: [ID:0a1b2c3d] Fix the build"
    );
    assert_eq!(reply_subject("RE: re: Fix", &c), "Re: [ID:0a1b2c3d] Fix");
    assert_eq!(
        reply_subject("Re: [ID:0a1b2c3d] Fix", &c),
        "Re: [ID:0a1b2c3d] Fix"
    );
    assert_eq!(reply_subject("Fwd: Fix", &c), "Re: [ID:0a1b2c3d] Fwd: Fix");
    assert_eq!(reply_subject("", &c), "Re: [ID:0a1b2c3d] ");
}

#[test]
fn references_append_the_message_id() {
    assert_eq!(
        reply_references(Some("<m@x>"), Some("<a@x>  <b@x>")).as_deref(),
        Some("<a@x> <b@x> <m@x>")
    );
    assert_eq!(
        reply_references(Some("<m@x>"), None).as_deref(),
        Some("<m@x>")
    );
    assert_eq!(reply_references(None, None), None);
}
