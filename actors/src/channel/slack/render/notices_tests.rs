use super::*;

#[test]
fn acknowledgement_links_the_dashboard_when_configured() {
    let cases: &[(Option<&str>, &str)] = &[
        (
            None,
            "I've started working on this and will reply in this thread.",
        ),
        (
            Some(""),
            "I've started working on this and will reply in this thread.",
        ),
        (
            Some("https://airut.example/"),
            "I've started working on this and will reply in this thread. \
             <https://airut.example/conversation/abcd1234|Follow the progress>",
        ),
        // not a web URL: no link rather than a broken token
        (
            Some("javascript:x"),
            "I've started working on this and will reply in this thread.",
        ),
    ];
    for (url, expected) in cases {
        assert_eq!(acknowledgement("abcd1234", *url), *expected, "{url:?}");
    }
}

#[test]
fn error_notice_is_rendered_and_harmless() {
    let notice =
        error_notice("The task could not run: <!channel> @here\n\nDetails:\n```\nboom\n```");
    assert_eq!(
        notice,
        ":warning: The task could not run: &lt;!channel&gt; @\u{200B}here\n\nDetails:\n\n```\nboom\n```"
    );
}

#[test]
fn upload_failures_name_each_file() {
    assert_eq!(
        upload_failures(&["a.txt".into()]),
        ":warning: Could not upload 1 file: `a.txt`"
    );
    assert_eq!(
        upload_failures(&["<b>.png".into(), "c`d".into()]),
        ":warning: Could not upload 2 files: `&lt;b&gt;.png`, `c'd`"
    );
}

#[test]
fn footer_is_split_off_the_answer() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("Answer\n\n— opus · 1.0 s", "Answer", Some("— opus · 1.0 s")),
        ("Answer", "Answer", None),
        ("Answer \n\n— opus", "Answer", Some("— opus")),
        ("A\n\nB", "A\n\nB", None),
        ("A\n\n— x\ny", "A\n\n— x\ny", None),
    ];
    for (text, body, footer) in cases {
        assert_eq!(split_footer(text), (*body, *footer), "{text:?}");
    }
}

#[test]
fn file_note_keeps_the_footer() {
    assert_eq!(
        answer_as_file(50_000, Some("— opus · 1.0 s")),
        "The answer is too long for Slack messages (50000 characters), so it is attached as \
         `response.md`.\n\n— opus · 1.0 s"
    );
}
