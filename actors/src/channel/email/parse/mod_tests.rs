use super::*;

const ACCOUNT: &str = "airut@airut.example.com";

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../../../../tests/fixtures/email/", $name))
    };
}

fn parse(raw: &[u8]) -> ParsedEmail {
    match parse_email(raw, ACCOUNT) {
        Ok(parsed) => parsed,
        Err(err) => panic!("fixture did not parse: {err}"),
    }
}

fn conv(id: &str) -> Option<ConversationId> {
    ConversationId::parse(id)
}

#[test]
fn gmail_reply() {
    let parsed = parse(fixture!("gmail_reply.eml"));
    assert_eq!(
        parsed.message_id.as_deref(),
        Some("<CAJr3x=abc123@mail.gmail.com>")
    );
    assert_eq!(
        parsed.in_reply_to.as_deref(),
        Some("<airut.1a2b3c4d.1704704400.0badf00d@airut.example.com>")
    );
    assert_eq!(
        parsed.references.as_deref(),
        Some("<CAold@mail.gmail.com> <airut.1a2b3c4d.1704704400.0badf00d@airut.example.com>")
    );
    assert_eq!(parsed.subject, "Re: [ID:1a2b3c4d] Fix the login bug");
    assert_eq!(
        parsed.from_header.as_deref(),
        Some("Ann Example <ann@example.com>")
    );
    assert_eq!(parsed.body, "Looks good, please also add a **test**.");
    assert_eq!(parsed.conversation_hint, conv("1a2b3c4d"));
    assert_eq!(parsed.model_hint.as_deref(), Some("sonnet"));
    assert!(parsed.attachments.is_empty());
}

#[test]
fn outlook_web_reply() {
    let parsed = parse(fixture!("outlook_web_reply.eml"));
    assert_eq!(
        parsed.body,
        "Thanks, approved. Numbers for Q1:\n- Revenue €10k\n- Costs €4k"
    );
    assert_eq!(parsed.subject, "RE: [ID:00ff00aa] Quarterly numbers");
    assert_eq!(parsed.conversation_hint, conv("00ff00aa"));
    assert_eq!(
        parsed.from_header.as_deref(),
        Some("=?utf-8?B?QmrDtnJuIE3DvGxsZXI=?= <bjorn@example.org>")
    );
    assert_eq!(parsed.model_hint, None);
}

#[test]
fn outlook_desktop_reply_with_inline_image() {
    let parsed = parse(fixture!("outlook_desktop_reply.eml"));
    assert_eq!(parsed.body, "Deployed, see screenshot.");
    assert_eq!(parsed.conversation_hint, None);
    assert_eq!(parsed.model_hint.as_deref(), Some("opus"));
    assert_eq!(parsed.attachments.len(), 1);
    let image = &parsed.attachments[0];
    assert_eq!(image.name, "image001.png");
    assert_eq!(image.content_type, "image/png");
    assert!(image.inline);
    assert!(image.bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
}

#[test]
fn apple_mail_reply() {
    let parsed = parse(fixture!("apple_mail_reply.eml"));
    assert_eq!(parsed.body, "Tuesday works.");
    assert_eq!(parsed.conversation_hint, conv("0a0b0c0d"));
    assert_eq!(
        parsed.message_id.as_deref(),
        Some("<ABCDEF12-3456-7890-ABCD-EF1234567890@example.com>")
    );
}

#[test]
fn thunderbird_reply() {
    let parsed = parse(fixture!("thunderbird_reply.eml"));
    assert_eq!(
        parsed.body,
        "Danke, sieht gut aus. Bitte noch die Änderung in `main.rs`."
    );
    assert_eq!(parsed.conversation_hint, conv("abcdef01"));
}

#[test]
fn yahoo_reply() {
    let parsed = parse(fixture!("yahoo_reply.eml"));
    assert_eq!(parsed.body, "Book the early train.");
    assert_eq!(parsed.conversation_hint, conv("12345678"));
}

#[test]
fn latin1_quoted_printable_plain_text() {
    let parsed = parse(fixture!("latin1_quoted_printable.eml"));
    assert_eq!(parsed.subject, "Résumé du café");
    assert_eq!(
        parsed.body,
        "Bonjour, le café coûte 2\u{a0}€ ? Non : 2 € à l'été.\nLigne très longue coupée par un saut doux."
    );
}

#[test]
fn nested_alternative_in_mixed_with_attachments() {
    let parsed = parse(fixture!("attachments.eml"));
    assert_eq!(parsed.subject, "Daten für die Analyse 📊");
    assert_eq!(parsed.body, "Please analyse the attached **data**.");
    let names: Vec<&str> = parsed.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "image.png",
            "data.bin",
            "März.csv",
            "data (2).bin",
            "Earlier report.eml"
        ]
    );

    let image = &parsed.attachments[0];
    assert!(image.inline);
    assert_eq!(image.content_type, "image/png");

    let binary = &parsed.attachments[1];
    let expected: Vec<u8> = (0..=255u8).cycle().take(1024).collect();
    assert_eq!(binary.bytes, expected);
    assert_eq!(binary.content_type, "application/octet-stream");
    assert!(!binary.inline);

    // A text file keeps its own charset: no conversion to UTF-8.
    let csv = &parsed.attachments[2];
    assert_eq!(csv.bytes, b"Monat;Betrag\nM\xe4rz;3\n");
    assert_eq!(csv.content_type, "text/csv");

    assert_eq!(parsed.attachments[3].bytes, [0, 1, 2]);

    let eml = &parsed.attachments[4];
    assert_eq!(eml.content_type, "message/rfc822");
    let eml_text = String::from_utf8_lossy(&eml.bytes);
    assert!(
        eml_text.starts_with("From: Old <old@example.com>"),
        "{eml_text:?}"
    );
    assert!(eml_text.contains("Forwarded body must not become our body"));
}

#[test]
fn no_text_part_gives_an_empty_body_and_the_file() {
    let parsed = parse(fixture!("no_text_part.eml"));
    assert_eq!(parsed.body, "");
    assert_eq!(parsed.attachments.len(), 1);
    assert_eq!(parsed.attachments[0].name, "scan.pdf");
    assert_eq!(parsed.attachments[0].bytes, b"%PDF-1.4\n");
}

#[test]
fn rfc2047_subjects() {
    let q = parse(b"Subject: =?utf-8?q?Caf=C3=A9_=3D_good?=\r\nFrom: a@b.c\r\n\r\nx");
    assert_eq!(q.subject, "Café = good");
    let b = parse(b"Subject: =?UTF-8?B?w7xiZXI=?= =?UTF-8?B?IGFsbGVz?=\r\n\r\nx");
    assert_eq!(b.subject, "über alles");
    let mixed = parse(b"Subject: Re: =?iso-8859-1?Q?Gr=FC=DFe?= [ID:0000abcd]\r\n\r\nx");
    assert_eq!(mixed.subject, "Re: Grüße [ID:0000abcd]");
    assert_eq!(mixed.conversation_hint, conv("0000abcd"));
    let folded = parse(b"Subject: a long\r\n\tfolded subject\r\n\r\nx");
    assert_eq!(folded.subject, "a long folded subject");
    let missing = parse(b"From: a@b.c\r\n\r\nhello");
    assert_eq!(missing.subject, "");
    assert_eq!(missing.body, "hello");
    assert_eq!(missing.message_id, None);
}

#[test]
fn thread_headers_win_over_the_subject() {
    let raw = b"Subject: [ID:11111111]\r\nIn-Reply-To: <airut.22222222.1.aa@x>\r\n\r\nx";
    assert_eq!(parse(raw).conversation_hint, conv("22222222"));
    let raw = b"Subject: [ID:11111111]\r\nIn-Reply-To: <other@x>\r\n\r\nx";
    assert_eq!(parse(raw).conversation_hint, conv("11111111"));
    let raw = b"Subject: [ID:ABCDEF12]\r\n\r\nx";
    assert_eq!(parse(raw).conversation_hint, None);
}

#[test]
fn plain_text_reply_is_stripped_but_forwards_are_not() {
    let reply = b"Subject: Re: x\r\nFrom: a@b.c\r\n\r\nYes.\r\n\r\nOn Mon, 1 Jan 2024, Bot <bot@x.y> wrote:\r\n> Question?\r\n";
    assert_eq!(parse(reply).body, "Yes.");
    let forward = b"Subject: Fwd: x\r\nFrom: a@b.c\r\n\r\nSee below.\r\n\r\nOn Mon, 1 Jan 2024, Bob <bob@x.y> wrote:\r\n> The report.\r\n";
    assert_eq!(
        parse(forward).body,
        "See below.\n\nOn Mon, 1 Jan 2024, Bob <bob@x.y> wrote:\n> The report."
    );
}

#[test]
fn html_forward_keeps_the_forwarded_message() {
    let raw = b"Subject: FW: report\r\nContent-Type: text/html\r\n\r\n<div>Summarise please</div><div id=\"divRplyFwdMsg\"><b>From:</b> Bob</div><div>The numbers</div>";
    assert_eq!(
        parse(raw).body,
        "Summarise please\n**From:** Bob\nThe numbers"
    );
}

#[test]
fn html_attachment_is_not_the_body() {
    let raw = b"Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--b\r\nContent-Type: text/html; name=page.html\r\nContent-Disposition: attachment; filename=page.html\r\n\r\n<p>Not the body</p>\r\n--b--\r\n";
    let parsed = parse(raw);
    assert_eq!(parsed.body, "See attached.");
    assert_eq!(parsed.attachments.len(), 1);
    assert_eq!(parsed.attachments[0].name, "page.html");
    assert_eq!(parsed.attachments[0].bytes, b"<p>Not the body</p>");
}

#[test]
fn headers_are_unfolded_and_trimmed() {
    let raw = b"Message-ID:\r\n  <a@b>  \r\nFrom: \"Ann\r\n Example\" <ann@example.com>\r\nReferences: <1@x>\r\n\t<2@x>\r\n\r\nx";
    let parsed = parse(raw);
    assert_eq!(parsed.message_id.as_deref(), Some("<a@b>"));
    assert_eq!(
        parsed.from_header.as_deref(),
        Some("\"Ann Example\" <ann@example.com>")
    );
    assert_eq!(parsed.references.as_deref(), Some("<1@x> <2@x>"));
}

#[test]
fn garbage_input_is_an_error_or_empty_never_a_panic() {
    assert_eq!(parse_email(b"", ACCOUNT), Err(ParseError::Empty));
    assert_eq!(parse_email(b"\r\n \r\n", ACCOUNT), Err(ParseError::Empty));
    assert!(parse_email(b"just some words without a colon", ACCOUNT).is_err());

    // Deterministic pseudo-random bytes (xorshift): no crate needed.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for length in [1usize, 7, 64, 512, 4096, 65_536] {
        for _ in 0..20 {
            let bytes: Vec<u8> = (0..length)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state >> 24) as u8
                })
                .collect();
            let _ = parse_email(&bytes, ACCOUNT);
            let mut with_header =
                b"Subject: x\r\nContent-Type: multipart/mixed; boundary=\"\xff\"\r\n\r\n".to_vec();
            with_header.extend_from_slice(&bytes);
            let _ = parse_email(&with_header, ACCOUNT);
        }
    }
}

#[test]
fn a_one_megabyte_header_line_is_handled() {
    let mut raw = b"Subject: ".to_vec();
    raw.extend(std::iter::repeat_n(b'a', 1 << 20));
    raw.extend_from_slice(b"\r\nFrom: a@b.c\r\n\r\nbody");
    let parsed = parse(&raw);
    assert_eq!(parsed.subject.len(), 1 << 20);
    assert_eq!(parsed.body, "body");

    let mut raw = b"X-Junk: ".to_vec();
    raw.extend(std::iter::repeat_n(b'<', 1 << 20));
    raw.extend_from_slice(b"\r\nContent-Type: text/html\r\n\r\n");
    raw.extend(std::iter::repeat_n(b'<', 1 << 20));
    let _ = parse_email(&raw, ACCOUNT);
}

#[test]
fn deeply_nested_multiparts_do_not_overflow() {
    let depth = 2_000;
    let mut raw = String::from("Subject: deep\r\n");
    for level in 0..depth {
        raw.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=b{level}\r\n\r\n--b{level}\r\n"
        ));
    }
    raw.push_str("Content-Type: text/plain\r\n\r\ninner text\r\n");
    let parsed = parse_email(raw.as_bytes(), ACCOUNT);
    assert!(parsed.is_ok());
}

#[test]
fn windows_1252_html_body() {
    let raw = b"Subject: x\r\nContent-Type: text/html; charset=windows-1252\r\n\r\n<p>\x93quoted\x94 \x80 caf\xe9</p>";
    assert_eq!(parse(raw).body, "\u{201c}quoted\u{201d} \u{20ac} caf\u{e9}");
}

#[test]
fn rfc2231_file_names() {
    let raw = b"Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment;\r\n filename*0*=utf-8''Gr%C3%BC%C3%9Fe%20;\r\n filename*1=\"aus Berlin.pdf\"\r\n\r\nPDF\r\n--b--\r\n";
    let parsed = parse(raw);
    assert_eq!(parsed.attachments.len(), 1);
    assert_eq!(parsed.attachments[0].name, "Grüße aus Berlin.pdf");
}

#[test]
fn a_mime_tree_that_trips_mail_parser_is_an_error_not_a_panic() {
    // Found by fuzzing: a debug assertion inside mail-parser 0.11.9 fires
    // ("Invalid part ID, could not find multipart"). Release builds parse it.
    let raw: &[u8] = b"Content-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n<table><tr><td><div class=gmail_quote>Content-Disposition: attachment; filename=\"a.txt\"\r\n-=E9=\r\nContent-Type: text/html\r\n> quoted\r\n</td>\r\nContent-Type: multipart/digest; boundary=b\r\n--b--\r\n\nFrom: a@b\r\nTo: x+y@z\r\nContent-Transfer-Encoding: base64\r\nContent-Transfer-Encoding: base64\r\nFrom: a@b\r\nContent-Disposition: attachment; filename=\"a.txt\"\r\nQUJDSubject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n=E9=\r\nContent-Type: multipart/mixed; boundary=b\r\n<pre><pre>QUJDContent-Type: text/html\r\n</td>--b--\r\nContent-Type: text/html\r\nOn Mon wrote:\r\nContent-Type: message/rfc822\r\n&#x--b--\r\n\r\n=E9=\r\nContent-Type: multipart/digest; boundary=b\r\nFrom: a@b\r\nContent-Type: message/rfc822\r\n\n\r\nSubject: x\r\nContent-Transfer-Encoding: base64\r\n<blockquote type=cite>\rContent-Type: message/rfc822\r\nQUJD</div>\r\n--b--\r\n";
    match parse_email(raw, ACCOUNT) {
        Ok(_) | Err(ParseError::Malformed) => {}
        Err(other) => panic!("unexpected error: {other}"),
    }
}
