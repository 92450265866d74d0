use crate::config::ChannelKind;
use crate::intake::test_support::{at, message};
use crate::intake::{InboundMessage, coalesce};

use super::*;

fn msg(sender: &str, seconds: i64, body: &str) -> InboundMessage {
    let mut msg = message(&format!("d{seconds}"), "t", body);
    msg.sender.display = sender.to_string();
    msg.received_at = at(seconds);
    msg
}

/// The full text once, so any wording change is a visible diff.
#[test]
fn email_new_conversation_snapshot() {
    let mut first = msg("Ann <ann@example.com>", 5, "Please fix the flaky test.\n\n");
    first.subject = Some("Flaky test".into());
    let request = coalesce(&[first]);
    let prompt = build_prompt(&PromptInput {
        channel: ChannelKind::Email,
        new_conversation: true,
        request: &request,
        inbox_files: &["log.txt".into(), "trace.png".into()],
    });
    let expected = "\
A user sent you this request by email. They receive your final message as the reply email, so write it for them; Markdown is rendered.
Only /workspace (the repository), /inbox (files from the user) and /storage (your own space, kept between replies) survive; everything else in this container is reset after you reply.
To send files back, write them directly into /outbox (no subdirectories); they are attached to your reply.
Tools that wait for the user (questions, plan mode) do not work here: ask in your reply instead, and the user will answer by replying.

Subject: Flaky test

The user attached files, saved in /inbox/: log.txt, trace.png.

[Ann <ann@example.com> 2026-05-01 10:00:05 UTC]
Please fix the flaky test.";
    assert_eq!(prompt, expected);
}

#[test]
fn prompt_table() {
    let email = base_context(ChannelKind::Email);
    let slack = base_context(ChannelKind::Slack);
    let mut with_subject = msg("Ann", 0, "go");
    with_subject.subject = Some("Subject line".into());
    let follow_up = msg("Bob", 61, "and also this");

    struct Case {
        name: &'static str,
        channel: ChannelKind,
        new_conversation: bool,
        messages: Vec<InboundMessage>,
        inbox: Vec<String>,
        expected: String,
    }
    let cases = vec![
        Case {
            name: "resumed email drops the subject",
            channel: ChannelKind::Email,
            new_conversation: false,
            messages: vec![with_subject.clone()],
            inbox: vec![],
            expected: format!("{email}\n\n[Ann 2026-05-01 10:00:00 UTC]\ngo"),
        },
        Case {
            name: "coalesced messages, one entry each",
            channel: ChannelKind::Email,
            new_conversation: false,
            messages: vec![msg("Ann", 0, "go"), follow_up.clone()],
            inbox: vec![],
            expected: format!(
                "{email}\n\n[Ann 2026-05-01 10:00:00 UTC]\ngo\n\n[Bob 2026-05-01 10:01:01 UTC]\nand also this"
            ),
        },
        Case {
            name: "slack has no subject, attachments noted",
            channel: ChannelKind::Slack,
            new_conversation: true,
            messages: vec![msg("Cy <U123>", 0, "look")],
            inbox: vec!["a.csv".into()],
            expected: format!(
                "{slack}\n\nThe user attached files, saved in /inbox/: a.csv.\n\n[Cy <U123> 2026-05-01 10:00:00 UTC]\nlook"
            ),
        },
        Case {
            name: "new conversation with subject and empty body",
            channel: ChannelKind::Email,
            new_conversation: true,
            messages: vec![{
                let mut m = with_subject.clone();
                m.body = String::new();
                m
            }],
            inbox: vec![],
            expected: format!(
                "{email}\n\nSubject: Subject line\n\n[Ann 2026-05-01 10:00:00 UTC]\n"
            ),
        },
    ];
    for case in cases {
        let request = coalesce(&case.messages);
        let prompt = build_prompt(&PromptInput {
            channel: case.channel,
            new_conversation: case.new_conversation,
            request: &request,
            inbox_files: &case.inbox,
        });
        assert_eq!(prompt, case.expected, "case: {}", case.name);
    }
}

#[test]
fn slack_context_warns_about_tables() {
    assert!(base_context(ChannelKind::Slack).contains("tables"));
    assert!(!base_context(ChannelKind::Email).contains("tables"));
}
