//! Round trips of composed replies through the wire format and mail-parser.

use mail_parser::{Message, MessageParser, MimeHeaders};

use super::test_support::{CONV, NONCE, SECONDS, context, limits, parsed};
use super::*;

fn answer(text: &str) -> ComposedEmail {
    compose(
        &context(),
        ReplyBody::Answer { text },
        Vec::new(),
        &limits(),
        SECONDS,
        NONCE,
    )
    .expect("composes")
}

fn raw_header<'a>(message: &'a Message<'static>, name: &'static str) -> Option<&'a str> {
    message.header_raw(name).map(str::trim)
}

/// The plain-text part with the wire's CRLF line ends back to LF.
fn text_part(message: &Message<'_>) -> Option<String> {
    message.body_text(0).map(|text| text.replace("\r\n", "\n"))
}

fn mime_type(part: &mail_parser::MessagePart<'_>) -> String {
    let content_type = part.content_type().expect("content type");
    format!(
        "{}/{}",
        content_type.ctype(),
        content_type.subtype().unwrap_or_default()
    )
}

fn file(name: &str, content_type: &str, bytes: Vec<u8>) -> OutgoingFile {
    OutgoingFile {
        name: name.to_string(),
        content_type: content_type.to_string(),
        bytes,
    }
}

#[test]
fn reply_carries_threading_headers_from_to_and_subject() {
    let email = answer("Done.");
    let message = parsed(&email);

    let expected_id = format!("<airut.{CONV}.{SECONDS}.0badcafe@example.com>");
    assert_eq!(email.message_id, expected_id);
    assert_eq!(
        message.message_id(),
        Some(expected_id.trim_matches(['<', '>']))
    );
    assert_eq!(message.in_reply_to().as_text(), Some("m1@mail.example.org"));
    let references: Vec<&str> = message
        .references()
        .as_text_list()
        .expect("references")
        .iter()
        .map(|id| id.as_ref())
        .collect();
    assert_eq!(references, ["m0@mail.example.org", "m1@mail.example.org"]);
    assert_eq!(message.subject(), Some("Re: [ID:abcd1234] Fix the build"));

    let from = message.from().and_then(|a| a.first()).expect("from");
    assert_eq!(from.name(), Some("Airut"));
    assert_eq!(from.address(), Some("airut@example.com"));
    let to = message.to().and_then(|a| a.first()).expect("to");
    assert_eq!(to.name(), Some("Doe, Jane"));
    assert_eq!(to.address(), Some("jane@example.org"));
}

#[test]
fn reply_is_marked_auto_submitted_and_dated() {
    let message = parsed(&answer("Done."));
    assert_eq!(raw_header(&message, "Auto-Submitted"), Some("auto-replied"));
    assert_eq!(
        message.date().map(|date| date.to_timestamp()),
        Some(SECONDS)
    );
}

#[test]
fn envelope_goes_from_account_to_sender() {
    let email = answer("Done.");
    let envelope = email.message.envelope();
    assert_eq!(
        envelope.from().map(ToString::to_string).as_deref(),
        Some("airut@example.com")
    );
    let to: Vec<String> = envelope.to().iter().map(ToString::to_string).collect();
    assert_eq!(to, ["jane@example.org"]);
}

#[test]
fn reply_without_files_is_alternative_of_markdown_and_html() {
    let text = "**Fixed** the `build`.\n\n- one\n- two\n\n— opus · 1.0 s";
    let message = parsed(&answer(text));
    assert_eq!(mime_type(message.root_part()), "multipart/alternative");
    assert_eq!(message.attachment_count(), 0);
    assert_eq!(text_part(&message).as_deref(), Some(text));
    let html = message.body_html(0).expect("html part");
    assert!(html.contains("<strong>Fixed</strong>"), "{html}");
    assert!(html.contains("<li>one</li>"), "{html}");
    assert!(html.contains("charset=utf-8"), "{html}");
    assert!(html.contains("— opus · 1.0 s"), "{html}");
}

#[test]
fn script_in_agent_text_is_escaped_in_html() {
    let text = "Look: <script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n\
                [click](javascript:alert(3))";
    let message = parsed(&answer(text));
    let html = message.body_html(0).expect("html part");
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        html.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "{html}"
    );
    // The plain-text part is the source, untouched.
    assert_eq!(text_part(&message).as_deref(), Some(text));
}

#[test]
fn attachments_arrive_byte_exact_with_names_and_types() {
    let binary: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    let text_file = b"line one\nline two\r\nno final newline".to_vec();
    let files = vec![
        file(
            "résumé 日本.bin",
            "application/octet-stream",
            binary.clone(),
        ),
        file("notes.txt", "text/plain", text_file.clone()),
        file("odd", "not a mime type", vec![0, 1, 2]),
    ];
    let email = compose(
        &context(),
        ReplyBody::Answer {
            text: "Files attached.",
        },
        files,
        &limits(),
        SECONDS,
        NONCE,
    )
    .expect("composes");
    assert!(email.omitted_files.is_empty());
    let message = parsed(&email);

    assert_eq!(mime_type(message.root_part()), "multipart/mixed");
    assert_eq!(text_part(&message).as_deref(), Some("Files attached."));
    assert!(message.body_html(0).is_some());
    let attachments: Vec<_> = message.attachments().collect();
    assert_eq!(attachments.len(), 3);

    assert_eq!(attachments[0].attachment_name(), Some("résumé 日本.bin"));
    assert_eq!(mime_type(attachments[0]), "application/octet-stream");
    assert_eq!(attachments[0].contents(), binary.as_slice());

    assert_eq!(attachments[1].attachment_name(), Some("notes.txt"));
    assert_eq!(mime_type(attachments[1]), "text/plain");
    assert_eq!(attachments[1].contents(), text_file.as_slice());

    assert_eq!(attachments[2].attachment_name(), Some("odd"));
    assert_eq!(mime_type(attachments[2]), "application/octet-stream");
    assert_eq!(attachments[2].contents(), [0, 1, 2]);
}

#[test]
fn files_over_the_limits_are_listed_not_attached() {
    let limits = ComposeLimits {
        max_attachment_bytes: 100,
        max_total_bytes: 150,
    };
    let files = vec![
        file("big.zip", "application/zip", vec![1; 101]),
        file("a.txt", "text/plain", vec![b'a'; 100]),
        file("b_*x*.txt", "text/plain", vec![b'b'; 60]),
        file("c.txt", "text/plain", vec![b'c'; 50]),
    ];
    let email = compose(
        &context(),
        ReplyBody::Answer { text: "Here." },
        files,
        &limits,
        SECONDS,
        NONCE,
    )
    .expect("composes");
    assert_eq!(
        email.omitted_files,
        [("big.zip".to_string(), 101), ("b_*x*.txt".to_string(), 60)]
    );
    let message = parsed(&email);
    let names: Vec<_> = message
        .attachments()
        .filter_map(|part| part.attachment_name())
        .collect();
    assert_eq!(names, ["a.txt", "c.txt"]);

    let text = text_part(&message).expect("text part");
    assert_eq!(
        text,
        "Here.\n\nNot attached, too large: `big.zip` (101 bytes), `b_*x*.txt` (60 bytes). \
         Limits: 100 bytes per file, 150 bytes in all."
    );
    let html = message.body_html(0).expect("html part");
    assert!(html.contains(">big.zip</code> (101 bytes)"), "{html}");
    assert!(html.contains(">b_*x*.txt</code> (60 bytes)"), "{html}");
}

#[test]
fn all_files_too_large_leaves_a_plain_alternative() {
    let limits = ComposeLimits {
        max_attachment_bytes: 10,
        max_total_bytes: 10,
    };
    let files = vec![file(
        "huge.bin",
        "application/octet-stream",
        vec![0; 3 * 1024 * 1024],
    )];
    let email = compose(
        &context(),
        ReplyBody::Answer { text: "Here." },
        files,
        &limits,
        SECONDS,
        NONCE,
    )
    .expect("composes");
    let message = parsed(&email);
    assert_eq!(mime_type(message.root_part()), "multipart/alternative");
    let text = text_part(&message).expect("text part");
    assert!(text.contains("`huge.bin` (3.0 MB)"), "{text}");
}

#[test]
fn acknowledgement_names_model_and_links_dashboard() {
    let email = compose(
        &context(),
        ReplyBody::Acknowledgement {
            model: "opus",
            dashboard_url: Some("https://airut.example.com/"),
        },
        Vec::new(),
        &limits(),
        SECONDS,
        NONCE,
    )
    .expect("composes");
    let message = parsed(&email);
    let url = "https://airut.example.com/conversation/abcd1234";
    let text = text_part(&message).expect("text part");
    assert!(text.contains("opus"), "{text}");
    assert!(text.contains(&format!("<{url}>")), "{text}");
    let html = message.body_html(0).expect("html part");
    assert!(html.contains(&format!("<a href=\"{url}\"")), "{html}");
    assert_eq!(message.subject(), Some("Re: [ID:abcd1234] Fix the build"));
    assert!(email.message_id.starts_with("<airut.abcd1234."));
}

#[test]
fn acknowledgement_without_dashboard_has_no_link() {
    let message = parsed(
        &compose(
            &context(),
            ReplyBody::Acknowledgement {
                model: "sonnet",
                dashboard_url: None,
            },
            Vec::new(),
            &limits(),
            SECONDS,
            NONCE,
        )
        .expect("composes"),
    );
    let text = text_part(&message).expect("text part");
    assert!(text.contains("sonnet"), "{text}");
    assert!(!text.contains("conversation/"), "{text}");
    assert!(!message.body_html(0).expect("html").contains("<a "));
}

#[test]
fn error_reply_renders_the_error_text() {
    let text = "The sandbox container failed.\n\nDetails:\n```\nexit 137 <oom>\n```";
    let message = parsed(
        &compose(
            &context(),
            ReplyBody::Error { text },
            Vec::new(),
            &limits(),
            SECONDS,
            NONCE,
        )
        .expect("composes"),
    );
    assert_eq!(text_part(&message).as_deref(), Some(text));
    let html = message.body_html(0).expect("html part");
    assert!(html.contains("<pre"), "{html}");
    assert!(html.contains("exit 137 &lt;oom&gt;"), "{html}");
    assert!(message.message_id().is_some());
    assert_eq!(message.in_reply_to().as_text(), Some("m1@mail.example.org"));
}

fn subject_of(original: &str) -> String {
    let mut ctx = context();
    ctx.original_subject = original.to_string();
    let email = compose(
        &ctx,
        ReplyBody::Answer { text: "ok" },
        Vec::new(),
        &limits(),
        SECONDS,
        NONCE,
    )
    .expect("composes");
    parsed(&email).subject().unwrap_or_default().to_string()
}

#[test]
fn subject_strips_re_prefixes_and_tags_once() {
    assert_eq!(subject_of("Re: RE: re: hello"), "Re: [ID:abcd1234] hello");
    assert_eq!(
        subject_of("Re: [ID:abcd1234] hello"),
        "Re: [ID:abcd1234] hello"
    );
    assert_eq!(subject_of("Fwd: hello"), "Re: [ID:abcd1234] Fwd: hello");
    assert_eq!(
        subject_of("Note: ☕ déjà vu"),
        "Re: [ID:abcd1234] Note: ☕ déjà vu"
    );
    assert!(subject_of("").starts_with("Re: [ID:abcd1234]"));
}

/// `ids::reply_subject` once sliced `rest[..4]` by bytes, which panicked
/// when the fourth byte is inside a character (`Café`, `日本語`).
#[test]
fn non_ascii_at_subject_start_does_not_panic() {
    assert_eq!(subject_of("Café"), "Re: [ID:abcd1234] Café");
    assert_eq!(subject_of("日本語"), "Re: [ID:abcd1234] 日本語");
    assert_eq!(subject_of("re: Café"), "Re: [ID:abcd1234] Café");
}

#[test]
fn line_breaks_in_subject_cannot_add_headers() {
    let subject = subject_of("hi\r\nBcc: evil@example.net");
    assert!(subject.contains("Bcc: evil@example.net"), "{subject}");
    let mut ctx = context();
    ctx.original_subject = "hi\r\nBcc: evil@example.net".to_string();
    let email = compose(
        &ctx,
        ReplyBody::Answer { text: "ok" },
        Vec::new(),
        &limits(),
        SECONDS,
        NONCE,
    )
    .expect("composes");
    let message = parsed(&email);
    assert!(message.bcc().is_none());
    assert_eq!(email.message.envelope().to().len(), 1);
}

#[test]
fn missing_original_ids_leave_out_thread_headers() {
    let mut ctx = context();
    ctx.original_message_id = None;
    ctx.original_references = None;
    let email = compose(
        &ctx,
        ReplyBody::Answer { text: "ok" },
        Vec::new(),
        &limits(),
        SECONDS,
        NONCE,
    )
    .expect("composes");
    let message = parsed(&email);
    assert!(raw_header(&message, "In-Reply-To").is_none());
    assert!(raw_header(&message, "References").is_none());
    assert!(message.message_id().is_some());
}

#[test]
fn message_id_without_references_is_the_only_reference() {
    let mut ctx = context();
    ctx.original_references = None;
    // Bare ids (no angle brackets) are normalised.
    ctx.original_message_id = Some("m1@mail.example.org".to_string());
    let email = compose(
        &ctx,
        ReplyBody::Answer { text: "ok" },
        Vec::new(),
        &limits(),
        SECONDS,
        NONCE,
    )
    .expect("composes");
    let message = parsed(&email);
    assert_eq!(
        raw_header(&message, "In-Reply-To"),
        Some("<m1@mail.example.org>")
    );
    assert_eq!(
        raw_header(&message, "References"),
        Some("<m1@mail.example.org>")
    );
}

#[test]
fn encoded_display_name_of_sender_is_decoded() {
    let mut ctx = context();
    ctx.to = "=?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.de>".to_string();
    let email = compose(
        &ctx,
        ReplyBody::Answer { text: "ok" },
        Vec::new(),
        &limits(),
        SECONDS,
        NONCE,
    )
    .expect("composes");
    let message = parsed(&email);
    let to = message.to().and_then(|a| a.first()).expect("to");
    assert_eq!(to.name(), Some("Jürgen Müller"));
    assert_eq!(to.address(), Some("juergen@example.de"));
}

#[test]
fn invalid_mailboxes_are_errors() {
    let mut ctx = context();
    ctx.to = "not an address".to_string();
    let to_error = compose(
        &ctx,
        ReplyBody::Answer { text: "ok" },
        Vec::new(),
        &limits(),
        SECONDS,
        NONCE,
    );
    assert!(matches!(to_error, Err(ComposeError::InvalidTo(_))));

    let mut ctx = context();
    ctx.from = "".to_string();
    let from_error = compose(
        &ctx,
        ReplyBody::Answer { text: "ok" },
        Vec::new(),
        &limits(),
        SECONDS,
        NONCE,
    );
    assert!(matches!(from_error, Err(ComposeError::InvalidFrom(_))));
}

#[test]
fn wire_format_parses_with_a_fresh_parser() {
    // Sanity: the formatted bytes are plain 7-bit lines of at most 998 octets.
    let text = format!("{}\n\nnon-ASCII: ü ☕ 日本", "x".repeat(3000));
    let wire = answer(&text).message.formatted();
    assert!(wire.is_ascii());
    assert!(wire.split(|b| *b == b'\n').all(|line| line.len() <= 1000));
    let message = MessageParser::default().parse(&wire).expect("parsable");
    assert_eq!(text_part(&message).as_deref(), Some(text.as_str()));
}
