use super::*;

fn needles(pairs: &[(&str, &str)]) -> Needles {
    Needles::new(pairs.iter().map(|(f, r)| Needle {
        find: f.as_bytes().to_vec(),
        replace: r.as_bytes().to_vec(),
    }))
}

fn replace(pairs: &[(&str, &str)], input: &str) -> (String, Vec<usize>) {
    let mut hits = Vec::new();
    let out = needles(pairs)
        .replace_all(input.as_bytes(), |i| hits.push(i))
        .unwrap_or_else(|| input.as_bytes().to_vec());
    (String::from_utf8(out).expect("utf-8 in, utf-8 out"), hits)
}

#[test]
fn replace_all_table() {
    struct Case {
        pairs: &'static [(&'static str, &'static str)],
        input: &'static str,
        want: &'static str,
        hits: &'static [usize],
    }
    let cases = [
        Case {
            pairs: &[("abc", "X")],
            input: "abc",
            want: "X",
            hits: &[0],
        },
        Case {
            pairs: &[("abc", "X")],
            input: "1abc2abc3",
            want: "1X2X3",
            hits: &[0, 0],
        },
        Case {
            pairs: &[("abc", "X")],
            input: "ab",
            want: "ab",
            hits: &[],
        },
        // Overlapping occurrences: leftmost wins, the scan resumes after it.
        Case {
            pairs: &[("aa", "X")],
            input: "aaaaa",
            want: "XXa",
            hits: &[0, 0],
        },
        Case {
            pairs: &[("aba", "X")],
            input: "ababa",
            want: "Xba",
            hits: &[0],
        },
        // Same start: the longest needle wins, whatever the order given.
        Case {
            pairs: &[("ab", "S"), ("abcd", "L")],
            input: "abcd",
            want: "L",
            hits: &[1],
        },
        Case {
            pairs: &[("abcd", "L"), ("ab", "S")],
            input: "abcd",
            want: "L",
            hits: &[0],
        },
        // Leftmost beats longest.
        Case {
            pairs: &[("bcde", "L"), ("ab", "S")],
            input: "abcde",
            want: "Scde",
            hits: &[1],
        },
        // What was inserted is never searched again.
        Case {
            pairs: &[("a", "bb"), ("bb", "c")],
            input: "ab",
            want: "bbb",
            hits: &[0],
        },
        // Empty needles are dropped, never matching everywhere.
        Case {
            pairs: &[("", "X"), ("q", "Q")],
            input: "aqa",
            want: "aQa",
            hits: &[0],
        },
    ];
    for (i, case) in cases.iter().enumerate() {
        let (got, hits) = replace(case.pairs, case.input);
        assert_eq!(got, case.want, "case {i}");
        assert_eq!(hits, case.hits, "case {i}");
    }
}

#[test]
fn replace_all_is_none_without_match() {
    let n = needles(&[("secret", "s")]);
    assert!(n.replace_all(b"nothing here", |_| {}).is_none());
    assert!(n.replace_all(b"", |_| {}).is_none());
}

#[test]
fn non_utf8_bytes_are_fine() {
    let n = needles(&[("tok", "T")]);
    let out = n.replace_all(b"\xff\xfe tok \x80", |_| {});
    assert_eq!(out.as_deref(), Some(&b"\xff\xfe T \x80"[..]));
}

#[test]
fn stream_stops_before_an_undecided_tail() {
    let n = needles(&[("abcdef", "X")]);
    let mut out = Vec::new();
    let consumed = n.scan(b"zzabc", false, &mut out, |_| {});
    assert_eq!((consumed, out.as_slice()), (2, &b"zz"[..]));

    // A tail that cannot start a needle is not held back.
    let mut out = Vec::new();
    let consumed = n.scan(b"zzabx", false, &mut out, |_| {});
    assert_eq!((consumed, out.as_slice()), (5, &b"zzabx"[..]));

    // At the end nothing is undecided.
    let mut out = Vec::new();
    let consumed = n.scan(b"zzabc", true, &mut out, |_| {});
    assert_eq!((consumed, out.as_slice()), (5, &b"zzabc"[..]));
}

#[test]
fn stream_waits_when_a_longer_needle_may_still_match() {
    let n = needles(&[("abc", "S"), ("abcdef", "L")]);
    let mut out = Vec::new();
    assert_eq!(n.scan(b"abcd", false, &mut out, |_| {}), 0);
    assert!(out.is_empty());
    let mut out = Vec::new();
    assert_eq!(n.scan(b"abcdx", false, &mut out, |_| {}), 5);
    assert_eq!(out, b"Sdx");
}

#[test]
fn contains_table() {
    assert!(contains(b"xxabcxx", b"abc"));
    assert!(contains(b"abc", b"abc"));
    assert!(!contains(b"ab", b"abc"));
    assert!(!contains(b"abc", b""));
    assert_eq!(needles(&[("abc", "x"), ("a", "y")]).max_len(), 3);
}
