use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::*;
use crate::masking::test_support::*;

/// Leftmost-longest replacement over the whole body: the obvious
/// implementation the streaming scrubber must agree with.
fn naive(body: &[u8], pairs: &[(&str, &str)]) -> (Vec<u8>, u32) {
    let (mut out, mut i, mut n) = (Vec::new(), 0, 0);
    while i < body.len() {
        let best = pairs
            .iter()
            .filter(|(real, _)| body[i..].starts_with(real.as_bytes()))
            .max_by_key(|(real, _)| real.len());
        match best {
            Some((real, sur)) => {
                out.extend_from_slice(sur.as_bytes());
                i += real.len();
                n += 1;
            }
            None => {
                out.push(body[i]);
                i += 1;
            }
        }
    }
    (out, n)
}

fn masker_for(pairs: &[(&str, &str)]) -> CredentialMasker {
    masker(
        pairs
            .iter()
            .enumerate()
            .map(|(i, (real, sur))| secret(&format!("S{i}"), sur, real, &["*"], &["Authorization"]))
            .collect(),
    )
}

/// The body pushed in the given chunks, then finished.
fn stream(m: &CredentialMasker, chunks: &[&[u8]]) -> (Vec<u8>, u32) {
    let mut s = m.body_scrubber();
    let mut out = Vec::new();
    for chunk in chunks {
        out.extend(s.push(chunk));
    }
    let (tail, n) = s.finish();
    out.extend(tail);
    (out, n)
}

#[test]
fn scrub_headers_table() {
    let m = masker(vec![
        github(),
        secret(
            "SHORT",
            "short-surrogate-000000000",
            "pw123",
            &["*"],
            &["X"],
        ),
    ]);
    // (header, value in, value out, replacements)
    let cases: [(&str, Vec<u8>, Vec<u8>, u32); 6] = [
        ("x-echo", REAL.into(), SUR.into(), 1),
        (
            "www-authenticate",
            format!("Bearer error=\"{REAL}\" {REAL}").into(),
            format!("Bearer error=\"{SUR}\" {SUR}").into(),
            2,
        ),
        (
            "x-echo-auth",
            basic(&format!("u:{REAL}")),
            basic(&format!("u:{SUR}")),
            1,
        ),
        (
            "content-type",
            b"application/json".to_vec(),
            b"application/json".to_vec(),
            0,
        ),
        // Under eight bytes: never scrubbed, it would hit ordinary content.
        ("x-short", b"pw123".to_vec(), b"pw123".to_vec(), 0),
        (
            "x-raw",
            [b"\xff".as_slice(), REAL.as_bytes(), b"\x80"].concat(),
            [b"\xff".as_slice(), SUR.as_bytes(), b"\x80"].concat(),
            1,
        ),
    ];
    for (name, sent, want, n) in cases {
        let mut h = headers(&[(name, &sent)]);
        assert_eq!(m.scrub_headers(&mut h), n, "{name}");
        assert_eq!(values(&h, name), vec![want], "{name}");
    }
}

#[test]
fn scrub_headers_keeps_order_and_duplicates() {
    let m = masker(vec![github()]);
    let mut h = headers(&[
        ("set-cookie", b"a=1"),
        ("x-first", b"1"),
        ("set-cookie", format!("t={REAL}").as_bytes()),
        ("set-cookie", b"c=3"),
    ]);
    assert_eq!(m.scrub_headers(&mut h), 1);
    assert_eq!(
        values(&h, "set-cookie"),
        vec![
            b"a=1".to_vec(),
            format!("t={SUR}").into_bytes(),
            b"c=3".to_vec()
        ]
    );
    let names: Vec<&str> = h.keys().map(|k| k.as_str()).collect();
    assert_eq!(names, ["set-cookie", "x-first"]);
}

#[test]
fn nothing_to_scrub_passes_through() {
    let m = masker(vec![secret(
        "SHORT",
        "short-surrogate-000000000",
        "pw123",
        &["*"],
        &["X"],
    )]);
    assert!(!m.scrubs_responses());
    let mut h = headers(&[("x", b"pw123")]);
    assert_eq!(m.scrub_headers(&mut h), 0);
    assert_eq!(
        stream(&m, &[b"pw123 pw", b"123"]),
        (b"pw123 pw123".to_vec(), 0)
    );
    assert!(masker(vec![github()]).scrubs_responses());
}

#[test]
fn real_value_split_at_every_boundary() {
    let pairs = [(REAL, SUR)];
    let m = masker_for(&pairs);
    let body = format!("data: {{\"token\":\"{REAL}\"}}\n\n");
    let body = body.as_bytes();
    let want = naive(body, &pairs);
    assert_eq!(want.1, 1);
    for a in 0..=body.len() {
        assert_eq!(stream(&m, &[&body[..a], &body[a..]]), want, "split at {a}");
        for b in a..=body.len() {
            assert_eq!(
                stream(&m, &[&body[..a], &body[a..b], &body[b..]]),
                want,
                "split at {a}, {b}"
            );
        }
    }
    let bytes: Vec<&[u8]> = body.chunks(1).collect();
    assert_eq!(stream(&m, &bytes), want);
}

#[test]
fn overlapping_occurrences() {
    let pairs = [("abababab", "SURROGATE-1")];
    let m = masker_for(&pairs);
    for body in [
        "abababababab",
        "ababababababababab",
        "abababa",
        "xabababababx",
    ] {
        let want = naive(body.as_bytes(), &pairs);
        let mapped: String = body.replace(pairs[0].0, pairs[0].1);
        assert_eq!(want.0, mapped.as_bytes(), "naive agrees with str::replace");
        for size in 1..=body.len() {
            let chunks: Vec<&[u8]> = body.as_bytes().chunks(size).collect();
            assert_eq!(stream(&m, &chunks), want, "{body} in chunks of {size}");
        }
    }
}

#[test]
fn several_secrets_including_nested_ones() {
    let pairs = [
        ("abcdefgh", "SUR-one-0000"),
        ("abcdefghijkl", "SUR-two-0000"),
        ("ghijklmnop", "SUR-three-00"),
    ];
    let m = masker_for(&pairs);
    let body = b"abcdefghijkl abcdefghij ghijklmnop abcdefghijklmnop abcdefgh";
    let want = naive(body, &pairs);
    for size in 1..=body.len() {
        let chunks: Vec<&[u8]> = body.chunks(size).collect();
        assert_eq!(stream(&m, &chunks), want, "chunks of {size}");
    }
}

#[test]
fn large_random_bodies_match_the_naive_replacement() {
    let pairs = [
        ("a1b2c3d4e5", "SUR-AAAAAAAAAAAA"),
        ("a1b2c3d4", "SUR-BBBB"),
        ("c3d4e5f6a1b2", "SUR-CCC"),
        ("zzzzzzzzz", "SUR-DDDDDDDDDDDD"),
    ];
    let m = masker_for(&pairs);
    let mut rng = StdRng::seed_from_u64(42);
    let pieces: [&[u8]; 8] = [
        b"a1b2c3d4e5",
        b"a1b2c3d4",
        b"c3d4e5f6a1b2",
        b"zzzz",
        b"a1b2",
        b"c3d4e5",
        b"\xff\x00",
        b"x",
    ];
    for round in 0..40 {
        let mut body = Vec::new();
        while body.len() < 200_000 {
            if rng.random_bool(0.3) {
                body.extend_from_slice(pieces[rng.random_range(0..pieces.len())]);
            } else {
                body.push(rng.random_range(0..=255));
            }
        }
        let want = naive(&body, &pairs);
        let mut chunks = Vec::new();
        let mut at = 0;
        while at < body.len() {
            let size = rng
                .random_range(1..=(if round % 2 == 0 { 17 } else { 70_000 }))
                .min(body.len() - at);
            chunks.push(&body[at..at + size]);
            at += size;
        }
        assert_eq!(stream(&m, &chunks), want, "round {round}");
    }
}

#[test]
fn holds_back_less_than_the_longest_real_value() {
    let pairs = [(REAL, SUR), ("5876543210", "SURROGATE-0")];
    let m = masker_for(&pairs);
    let longest = REAL.len();
    let mut rng = StdRng::seed_from_u64(7);
    // Plenty of prefixes of the real values, never a whole one.
    let pieces: [&[u8]; 4] = [&REAL.as_bytes()[..longest - 1], b"587654321", b"g", b"ghp_"];
    let mut s = m.body_scrubber();
    let (mut fed, mut out) = (0, 0);
    for _ in 0..5_000 {
        let chunk = pieces[rng.random_range(0..pieces.len())];
        fed += chunk.len();
        out += s.push(chunk).len();
        assert!(fed - out < longest, "held back {}", fed - out);
    }
    let (tail, n) = s.finish();
    assert_eq!((fed, n), (out + tail.len(), 0));
}

#[test]
fn flushes_at_once_when_no_real_value_can_start() {
    let m = masker(vec![github()]);
    let mut s = m.body_scrubber();
    assert_eq!(
        s.push(b"data: {\"delta\":\"hi\"}\n\n"),
        b"data: {\"delta\":\"hi\"}\n\n"
    );
    // A tail that starts a real value waits for the next chunk ...
    assert_eq!(s.push(b"data: gh"), b"data: ");
    // ... and is released as soon as it cannot.
    assert_eq!(s.push(b"x\n\n"), b"ghx\n\n");
    let (head, last) = REAL.as_bytes().split_at(REAL.len() - 1);
    assert_eq!(s.push(head), b"");
    assert_eq!(s.replacements(), 0);
    assert_eq!(
        s.push(&[last, b"\n"].concat()),
        format!("{SUR}\n").as_bytes()
    );
    assert_eq!(s.replacements(), 1);
    // A whole real value in one chunk is replaced at once: nothing longer
    // could still match.
    assert_eq!(s.push(REAL.as_bytes()), SUR.as_bytes());
    assert_eq!(s.finish(), (Vec::new(), 2));
}

#[test]
fn short_real_values_are_not_scrubbed_from_bodies() {
    let m = masker(vec![
        github(),
        secret(
            "PIN",
            "pin-surrogate-0000000000000",
            "7654321",
            &["*"],
            &["X"],
        ),
    ]);
    let (out, n) = stream(
        &m,
        &[
            b"{\"len\":7654321,",
            format!("\"t\":\"{REAL}\"}}").as_bytes(),
        ],
    );
    assert_eq!(
        String::from_utf8(out).expect("utf-8"),
        format!("{{\"len\":7654321,\"t\":\"{SUR}\"}}")
    );
    assert_eq!(n, 1);
    assert_eq!(MIN_SCRUB_LEN, 8);
}

#[test]
fn empty_chunks_and_empty_bodies() {
    let m = masker(vec![github()]);
    assert_eq!(stream(&m, &[]), (Vec::new(), 0));
    assert_eq!(stream(&m, &[b"", b"", b""]), (Vec::new(), 0));
    let (out, n) = stream(&m, &[b"", REAL.as_bytes(), b""]);
    assert_eq!((out, n), (SUR.as_bytes().to_vec(), 1));
}
