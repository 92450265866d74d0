use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{RData, RecordType};

use super::*;

pub(super) const PROXY: Ipv4Addr = Ipv4Addr::new(10, 199, 0, 2);

/// `example.com` as wire labels; `"."` is the root.
pub(super) fn name(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in text.split('.').filter(|l| !l.is_empty()) {
        out.push(u8::try_from(label.len()).expect("short label"));
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

/// A one-question query with RD set and nothing else.
pub(super) fn query(id: u16, qname: &[u8], qtype: u16) -> Vec<u8> {
    let mut q = Vec::new();
    for field in [id, 0x0100, 1, 0, 0, 0] {
        q.extend_from_slice(&field.to_be_bytes());
    }
    q.extend_from_slice(qname);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&1u16.to_be_bytes());
    q
}

/// Appends an OPT record (root name) and counts it.
pub(super) fn with_opt(mut q: Vec<u8>, version: u8, dnssec_ok: bool, options: &[u8]) -> Vec<u8> {
    q.push(0);
    q.extend_from_slice(&[
        0,
        41,
        0x10,
        0x00,
        0,
        version,
        if dnssec_ok { 0x80 } else { 0 },
        0,
    ]);
    q.extend_from_slice(&u16::try_from(options.len()).expect("short").to_be_bytes());
    q.extend_from_slice(options);
    q[11] += 1;
    q
}

pub(super) fn respond_ok(q: &[u8]) -> Response {
    match respond(q, PROXY) {
        Ok(r) => r,
        Err(e) => panic!("no reply to {q:02x?}: {e}"),
    }
}

pub(super) fn decode(bytes: &[u8]) -> Message {
    match Message::from_vec(bytes) {
        Ok(m) => m,
        Err(e) => panic!("hickory cannot decode {bytes:02x?}: {e}"),
    }
}

pub(super) fn rcode(bytes: &[u8]) -> u8 {
    bytes[3] & 0x0F
}

pub(super) fn counts(bytes: &[u8]) -> [u16; 4] {
    [0, 1, 2, 3].map(|i| u16::from_be_bytes([bytes[4 + 2 * i], bytes[5 + 2 * i]]))
}

#[test]
fn a_query_gets_the_proxy_address_byte_for_byte() {
    let r = respond_ok(&query(0x1234, &name("example.com"), 1));
    let mut expected = vec![0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
    expected.extend_from_slice(&name("example.com"));
    expected.extend_from_slice(&[0, 1, 0, 1]);
    expected.extend_from_slice(&[0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 199, 0, 2]);
    assert_eq!(r.bytes, expected);
    assert_eq!(r.answer, Answer::Address(PROXY));
    assert_eq!(
        (r.qname.as_str(), r.qtype, r.qtype_name),
        ("example.com", 1, "A")
    );

    let m = decode(&r.bytes);
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    assert!(m.metadata.recursion_desired && m.metadata.recursion_available);
    assert_eq!(m.queries[0].name.to_ascii(), "example.com.");
    assert_eq!(m.answers.len(), 1);
    assert_eq!(m.answers[0].ttl, 60);
    assert_eq!(m.answers[0].name.to_ascii(), "example.com.");
    match &m.answers[0].data {
        RData::A(a) => assert_eq!(a.0, PROXY),
        other => panic!("not an A record: {other:?}"),
    }
}

#[test]
fn names_that_do_not_exist_resolve_too_and_rd_is_copied() {
    let mut q = query(7, &name("no-such-name.invalid"), 1);
    q[2] = 0; // RD clear
    let r = respond_ok(&q);
    assert_eq!(r.answer, Answer::Address(PROXY));
    assert_eq!(&r.bytes[2..4], &[0x80, 0x80]);
}

#[test]
fn every_other_type_gets_nodata() {
    for (qtype, mnemonic) in [
        (28, "AAAA"),
        (15, "MX"),
        (16, "TXT"),
        (255, "ANY"),
        (65, "HTTPS"),
        (64, "SVCB"),
        (12, "PTR"),
        (252, "AXFR"),
        (65_280, "UNKNOWN"),
    ] {
        let r = respond_ok(&query(9, &name("Example.com"), qtype));
        assert_eq!(r.answer, Answer::NoData, "{mnemonic}");
        assert_eq!(r.qtype_name, mnemonic);
        assert_eq!(rcode(&r.bytes), 0, "{mnemonic}");
        assert_eq!(counts(&r.bytes), [1, 0, 0, 0], "{mnemonic}");
        let m = decode(&r.bytes);
        assert_eq!(m.metadata.response_code, ResponseCode::NoError);
        assert!(m.answers.is_empty());
        assert_eq!(m.queries[0].query_type, RecordType::from(qtype));
    }
    let unknown = respond_ok(&query(9, &name("x"), 65_280));
    assert_eq!(unknown.qtype_text(), "TYPE65280");
    assert_eq!(respond_ok(&query(9, &name("x"), 28)).qtype_text(), "AAAA");
}

#[test]
fn a_in_another_class_gets_nodata() {
    let mut q = query(1, &name("version.bind"), 1);
    let len = q.len();
    q[len - 1] = 3; // CH
    assert_eq!(respond_ok(&q).answer, Answer::NoData);
}

#[test]
fn names_are_escaped_for_the_log_and_echoed_as_sent() {
    let cases: [(&[u8], &str); 6] = [
        (b"\x03WwW\x07ExAmPlE\x03COM\x00", "www.example.com"),
        (b"\x0bx\nALLOWED y\x03com\x00", "x\\010allowed\\032y.com"),
        (b"\x03a\rb\x00", "a\\013b"),
        (b"\x03a.b\x03com\x00", "a\\046b.com"),
        (b"\x04\\010\x00", "\\092010"),
        (b"\x04caf\xc3\x00", "caf\\195"),
    ];
    for (wire, logged) in cases {
        let r = respond_ok(&query(2, wire, 1));
        assert_eq!(r.qname, logged);
        assert!(r.qname.bytes().all(|b| b.is_ascii_graphic()), "{}", r.qname);
        // The question goes back exactly, case included (0x20 randomisation).
        assert_eq!(&r.bytes[12..12 + wire.len()], wire);
    }
    let root = respond_ok(&query(2, &[0], 2));
    assert_eq!(root.qname, ".");
    let del_and_nul = respond_ok(&query(2, b"\x02\x7f\x00\x00", 1));
    assert_eq!(del_and_nul.qname, "\\127\\000");
}

#[test]
fn compression_pointer_in_the_question_is_formerr() {
    let mut q = query(3, &[0xC0, 0x0C], 1);
    let r = respond_ok(&q);
    assert_eq!(r.answer, Answer::FormatError(Malformed::CompressedQuestion));
    assert_eq!(rcode(&r.bytes), 1);
    assert_eq!(counts(&r.bytes), [0, 0, 0, 0]);
    assert_eq!(r.bytes.len(), 12);
    assert_eq!(
        decode(&r.bytes).metadata.response_code,
        ResponseCode::FormErr
    );
    // After a label too.
    q = query(3, &[1, b'a', 0xC0, 0x0C], 1);
    assert_eq!(
        respond_ok(&q).answer,
        Answer::FormatError(Malformed::CompressedQuestion)
    );
}

#[test]
fn packets_shorter_than_a_header_get_no_reply() {
    let q = query(4, &name("a.b"), 1);
    for len in 0..12 {
        assert_eq!(respond(&q[..len], PROXY), Err(PacketError::TooShort(len)));
    }
}

#[test]
fn responses_get_no_reply() {
    let mut q = query(4, &name("a.b"), 1);
    q[2] |= 0x80;
    assert_eq!(respond(&q, PROXY), Err(PacketError::NotAQuery));
}

#[test]
fn every_truncated_question_is_formerr() {
    let q = query(5, &name("www.example.com"), 1);
    for len in 12..q.len() {
        let r = respond_ok(&q[..len]);
        assert_eq!(
            r.answer,
            Answer::FormatError(Malformed::Truncated),
            "at {len}"
        );
        assert_eq!(&r.bytes[..2], &[0, 5]);
    }
}

#[test]
fn label_length_bytes_64_to_191_are_formerr() {
    for len in [64u8, 0x7F, 0x80, 0xBF] {
        let mut wire = vec![len];
        wire.extend(std::iter::repeat_n(b'a', usize::from(len)));
        wire.push(0);
        let r = respond_ok(&query(6, &wire, 1));
        assert_eq!(r.answer, Answer::FormatError(Malformed::LabelTooLong(len)));
    }
    let longest = format!("{}.com", "a".repeat(63));
    assert_eq!(
        respond_ok(&query(6, &name(&longest), 1)).answer,
        Answer::Address(PROXY)
    );
}

#[test]
fn names_over_255_bytes_are_formerr() {
    // 4 labels of 63 = 256 bytes with length bytes, 257 with the root.
    let label = "b".repeat(63);
    let too_long = [label.as_str(); 4].join(".");
    let r = respond_ok(&query(7, &name(&too_long), 1));
    assert_eq!(r.answer, Answer::FormatError(Malformed::NameTooLong));
    // 3 x 64 + 62 + root = 255 exactly.
    let longest = format!("{}.{}", [label.as_str(); 3].join("."), "c".repeat(61));
    assert_eq!(name(&longest).len(), 255);
    let r = respond_ok(&query(7, &name(&longest), 1));
    assert_eq!(r.answer, Answer::Address(PROXY));
    assert_eq!(decode(&r.bytes).answers.len(), 1);
}

#[test]
fn question_counts_other_than_one_are_formerr() {
    let mut none = query(8, &[], 0);
    none.truncate(12);
    none[5] = 0;
    let r = respond_ok(&none);
    assert_eq!(r.answer, Answer::FormatError(Malformed::QuestionCount(0)));

    let mut two = query(8, &name("a.com"), 1);
    two.extend_from_slice(&name("b.com"));
    two.extend_from_slice(&[0, 1, 0, 1]);
    two[5] = 2;
    let r = respond_ok(&two);
    assert_eq!(r.answer, Answer::FormatError(Malformed::QuestionCount(2)));
    assert_eq!(rcode(&r.bytes), 1);
}

#[test]
fn opcodes_other_than_query_are_notimp() {
    for opcode in [1u8, 2, 4, 5, 15] {
        let mut q = query(9, &name("a.com"), 1);
        q[2] |= opcode << 3;
        let r = respond_ok(&q);
        assert_eq!(r.answer, Answer::NotImplemented { opcode });
        assert_eq!(rcode(&r.bytes), 4);
        assert_eq!(r.bytes[2] >> 3 & 0x0F, opcode, "opcode echoed");
        assert_eq!(r.bytes.len(), 12);
        assert!(r.qname.is_empty());
    }
}

#[test]
fn trailing_bytes_after_the_counted_records_are_ignored() {
    let mut q = query(14, &name("a.com"), 1);
    q.extend_from_slice(&[0xDE, 0xAD]);
    assert_eq!(respond_ok(&q).answer, Answer::Address(PROXY));
}
