use mail_parser::MessageParser;

use super::*;

fn attachments(raw: &[u8]) -> Vec<ParsedAttachment> {
    match MessageParser::default().parse(raw) {
        Some(message) => {
            let (_, body) = super::super::body_select::select_body(&message);
            collect(&message, &body)
        }
        None => panic!("test message did not parse"),
    }
}

#[test]
fn unnamed_and_duplicate_parts_get_names() {
    let raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b\r\nContent-Type: image/png\r\nContent-Disposition: inline\r\n\r\nP1\r\n--b\r\nContent-Type: image/png\r\nContent-Disposition: inline\r\n\r\nP2\r\n--b\r\nContent-Type: application/x-thing\r\nContent-Disposition: attachment; filename=\"..\"\r\n\r\nT\r\n--b--\r\n";
    let found = attachments(raw);
    let names: Vec<&str> = found.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["image.png", "image (2).png", "attachment.bin"]);
    assert!(found[0].inline && found[1].inline && !found[2].inline);
}

#[test]
fn empty_parts_are_skipped() {
    let raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=e.pdf\r\n\r\n\r\n--b--\r\n";
    assert!(attachments(raw).is_empty());
}

#[test]
fn the_plain_alternative_is_not_an_attachment() {
    let raw = b"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nplain\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--b--\r\n";
    assert!(attachments(raw).is_empty());
}

#[test]
fn a_text_attachment_without_charset_keeps_its_bytes() {
    let raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b\r\nContent-Type: text/plain; name=raw.txt\r\nContent-Transfer-Encoding: base64\r\n\r\n/w==\r\n--b--\r\n";
    let found = attachments(raw);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name, "raw.txt");
    assert_eq!(found[0].bytes, [0xff]);
}
