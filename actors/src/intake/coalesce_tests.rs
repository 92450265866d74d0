use super::*;
use crate::intake::test_support::{at, attachment, message};

fn from(sender: &str, seconds: i64, body: &str) -> InboundMessage {
    let mut msg = message(&format!("d{seconds}"), "t", body);
    msg.sender.display = sender.to_string();
    msg.received_at = at(seconds);
    msg
}

#[test]
fn entries_keep_arrival_order_and_attribution() {
    // The slice order is the journal order; a later clock on an earlier
    // message (different channels' clocks) must not reorder it.
    let merged = coalesce(&[
        from("Ann", 30, "first"),
        from("Bob", 10, "second"),
        from("Ann", 40, "third"),
    ]);
    let got: Vec<(&str, i64, &str)> = merged
        .entries
        .iter()
        .map(|e| {
            (
                e.sender_display.as_str(),
                e.received_at.as_second() - at(0).as_second(),
                e.body.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("Ann", 30, "first"),
            ("Bob", 10, "second"),
            ("Ann", 40, "third")
        ]
    );
}

#[test]
fn blank_display_falls_back_to_the_verified_identity() {
    let merged = coalesce(&[from("  ", 0, "x")]);
    assert_eq!(merged.entries[0].sender_display, "ann@example.com");
}

#[test]
fn all_attachments_are_kept_and_clashing_names_renamed() {
    let mut a = from("Ann", 0, "a");
    a.attachments = vec![
        attachment("report.pdf"),
        attachment(".env"),
        attachment("notes"),
    ];
    let mut b = from("Bob", 1, "b");
    b.attachments = vec![
        attachment("report.pdf"),
        attachment(".env"),
        attachment("notes"),
        attachment("report.pdf"),
    ];
    let merged = coalesce(&[a, b]);
    let names: Vec<&str> = merged.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "report.pdf",
            ".env",
            "notes",
            "report-1.pdf",
            ".env-1",
            "notes-1",
            "report-2.pdf"
        ]
    );
    // Renaming changes the inbox name only, never which file is meant.
    assert!(
        merged
            .attachments
            .iter()
            .all(|a| a.path.starts_with("/staging"))
    );
    assert_eq!(
        merged.attachments[3].path,
        std::path::PathBuf::from("/staging/report.pdf")
    );
}

#[test]
fn latest_model_hint_wins_and_first_subject_is_kept() {
    let mut a = from("Ann", 0, "a");
    a.model_hint = Some("sonnet".into());
    a.subject = Some("Fix the build".into());
    let mut b = from("Ann", 1, "b");
    b.model_hint = Some("opus".into());
    b.subject = Some("Re: Fix the build".into());
    let mut c = from("Ann", 2, "c");
    c.model_hint = Some("  ".into());
    let merged = coalesce(&[a, b, c]);
    assert_eq!(merged.model_hint.as_deref(), Some("opus"));
    assert_eq!(merged.subject.as_deref(), Some("Fix the build"));
}

#[test]
fn blank_requests_are_detected() {
    assert!(coalesce(&[]).is_blank(true));
    assert!(coalesce(&[from("Ann", 0, " \n"), from("Bob", 1, "")]).is_blank(true));
    assert!(!coalesce(&[from("Ann", 0, " "), from("Bob", 1, "go")]).is_blank(false));
    let mut only_subject = from("Ann", 0, "");
    only_subject.subject = Some("Update the README".into());
    assert!(!coalesce(&[only_subject.clone()]).is_blank(true));
    // a resumed conversation does not see the subject
    assert!(coalesce(&[only_subject]).is_blank(false));
}
