use mail_parser::MessageParser;

use super::*;

fn select(raw: &[u8]) -> Body {
    match MessageParser::default().parse(raw) {
        Some(message) => select_body(&message).0,
        None => panic!("test message did not parse"),
    }
}

#[test]
fn html_is_preferred() {
    let raw = b"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nplain\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--b--\r\n";
    assert_eq!(select(raw), Body::Html("<p>html</p>".into()));
}

#[test]
fn plain_is_the_fallback() {
    let raw = b"Content-Type: text/plain; charset=utf-8\r\n\r\nonly plain";
    assert_eq!(select(raw), Body::Plain("only plain".into()));
    let no_type = b"Subject: x\r\n\r\ndefault type";
    assert_eq!(select(no_type), Body::Plain("default type".into()));
}

#[test]
fn empty_html_falls_back_to_plain() {
    let raw = b"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nplain\r\n--b\r\nContent-Type: text/html\r\n\r\n\r\n--b--\r\n";
    assert_eq!(select(raw), Body::Plain("plain".into()));
}

#[test]
fn other_text_types_are_not_bodies() {
    let raw = b"Content-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR";
    assert_eq!(select(raw), Body::None);
}

#[test]
fn forwarded_message_body_is_not_ours() {
    let raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: old\r\nContent-Type: text/html\r\n\r\n<p>old</p>\r\n--b--\r\n";
    assert_eq!(select(raw), Body::None);
}

#[test]
fn apple_mail_fragments_around_an_image_are_joined() {
    let raw = b"Content-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\nbefore after\r\n--a\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: text/html\r\n\r\n<div>before</div>\r\n--m\r\nContent-Type: image/png; name=a.png\r\nContent-Disposition: inline; filename=a.png\r\n\r\nPNG\r\n--m\r\nContent-Type: text/html\r\n\r\n<div>after</div>\r\n--m--\r\n--a--\r\n";
    assert_eq!(
        select(raw),
        Body::Html("<div>before</div>\n<div>after</div>".into())
    );
}
