//! EDNS (RFC 6891) handling and the UDP size limit.

use super::tests::{PROXY, counts, decode, name, query, rcode, respond_ok, with_opt};
use super::*;

/// Bytes captured from `dig @127.0.0.1 Example.COM A` (BIND 9.18): RD and AD
/// set, an OPT with a client cookie.
const DIG_A: &str = "277e01200001000000000001074578616d706c6503434f4d000001000100002904d0\
                     00000000000c000a00086ec08c569c51111f";
/// `dig example.com AAAA +dnssec`: as above with DO set.
const DIG_AAAA_DO: &str = "bf5e01200001000000000001076578616d706c6503636f6d00001c00010000\
                           2904d000008000000c000a0008000817b9c6051cf9";

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn edns_queries_from_dig_get_a_minimal_opt_without_their_cookie() {
    let r = respond_ok(&hex(DIG_A));
    assert_eq!(r.answer, Answer::Address(PROXY));
    assert_eq!(r.qname, "example.com");
    assert_eq!(counts(&r.bytes), [1, 1, 0, 1]);
    assert_eq!(&r.bytes[2..4], &[0x81, 0x80], "AD is not copied");
    let opt = &r.bytes[r.bytes.len() - 11..];
    assert_eq!(opt, &[0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0]);
    let m = decode(&r.bytes);
    let edns = m.edns.expect("OPT in reply");
    assert_eq!(edns.max_payload(), 1232);
    assert!(edns.options().as_ref().is_empty(), "no option echoed");

    let r = respond_ok(&hex(DIG_AAAA_DO));
    assert_eq!(r.answer, Answer::NoData);
    assert_eq!(counts(&r.bytes), [1, 0, 0, 1]);
    let opt = &r.bytes[r.bytes.len() - 11..];
    assert_eq!(
        opt,
        &[0, 0, 41, 0x04, 0xD0, 0, 0, 0x80, 0, 0, 0],
        "DO copied"
    );
}

#[test]
fn edns_version_above_zero_is_badvers() {
    let r = respond_ok(&with_opt(query(10, &name("a.com"), 1), 1, false, &[]));
    assert_eq!(r.answer, Answer::BadVersion { version: 1 });
    assert_eq!(counts(&r.bytes), [1, 0, 0, 1]);
    assert_eq!(rcode(&r.bytes), 0, "the low 4 bits of 16");
    let opt = &r.bytes[r.bytes.len() - 11..];
    assert_eq!(
        opt,
        &[0, 0, 41, 0x04, 0xD0, 1, 0, 0, 0, 0, 0],
        "the high bits"
    );
    // hickory names code 16 BADSIG (it is both, RFC 6891 and RFC 8945).
    let m = decode(&r.bytes);
    assert_eq!(u16::from(m.metadata.response_code), 16);
}

#[test]
fn broken_opt_records_are_formerr() {
    let one = with_opt(query(11, &name("a.com"), 1), 0, false, &[0, 10, 0, 0]);
    assert_eq!(respond_ok(&one).answer, Answer::Address(PROXY));
    let two = with_opt(one.clone(), 0, false, &[]);
    assert_eq!(
        respond_ok(&two).answer,
        Answer::FormatError(Malformed::DuplicateOpt)
    );

    let mut in_answers = one.clone();
    in_answers[7] = 1;
    in_answers[11] = 0;
    let r = respond_ok(&in_answers);
    assert_eq!(r.answer, Answer::FormatError(Malformed::MisplacedOpt));
    assert_eq!(r.qname, "a.com", "the question is still logged");
    assert_eq!(r.bytes.len(), 12, "but not echoed");

    let mut named = query(11, &name("a.com"), 1);
    named.extend_from_slice(&[0xC0, 0x0C, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]);
    named[11] = 1;
    assert_eq!(
        respond_ok(&named).answer,
        Answer::FormatError(Malformed::OptNotRoot)
    );

    let cut = &one[..one.len() - 1];
    assert_eq!(
        respond_ok(cut).answer,
        Answer::FormatError(Malformed::Truncated)
    );
    let mut overcounted = one.clone();
    overcounted[11] = 0xFF;
    assert_eq!(
        respond_ok(&overcounted).answer,
        Answer::FormatError(Malformed::Truncated)
    );
}

#[test]
fn other_additional_records_are_skipped_even_with_pointers() {
    let mut q = query(12, &name("a.com"), 1);
    q.extend_from_slice(&[0xC0, 0x0C, 0, 16, 0, 1, 0, 0, 0, 0, 0, 2, 1, b'x']);
    q[11] = 1;
    let q = with_opt(q, 0, false, &[]);
    let r = respond_ok(&q);
    assert_eq!(r.answer, Answer::Address(PROXY));
    assert_eq!(counts(&r.bytes), [1, 1, 0, 1]);
}

#[test]
fn udp_replies_over_the_limit_are_cut_to_the_question_with_tc() {
    let r = respond_ok(&with_opt(query(13, &name("a.com"), 1), 0, false, &[]));
    assert_eq!(r.udp_bytes().as_ref(), r.bytes.as_slice(), "fits");
    assert_eq!(r.udp_limit, 4096);
    let cut = truncated(&r.bytes, r.question_end);
    assert_eq!(cut.len(), 12 + name("a.com").len() + 4);
    let m = decode(&cut);
    assert!(m.metadata.truncation);
    assert!(m.answers.is_empty() && m.edns.is_none());
    assert_eq!(m.queries.len(), 1);

    let small = Response {
        udp_limit: 20,
        ..r.clone()
    };
    assert_eq!(small.udp_bytes().as_ref(), cut.as_slice());
    let classic = respond_ok(&query(13, &name("a.com"), 1));
    assert_eq!(classic.udp_limit, 512);
}
