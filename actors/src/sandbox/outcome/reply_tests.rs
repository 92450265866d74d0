use super::reply::*;

fn texts(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

#[test]
fn select_reply_cases() {
    let long = "x".repeat(40);
    let cases: Vec<(&str, Vec<String>, Option<String>)> = vec![
        ("none", vec![], None),
        ("one", texts(&["only"]), Some("only".into())),
        (
            "similar sizes give the last",
            texts(&["first text", "second text"]),
            Some("second text".into()),
        ),
        (
            "a substantive text before a short coda",
            vec![long.clone(), "Done.".into()],
            Some(format!("{long}\n\nDone.")),
        ),
        (
            "everything after the anchor is kept",
            vec!["intro".into(), long.clone(), "middle".into(), "end".into()],
            Some(format!("{long}\n\nmiddle\n\nend")),
        ),
        (
            "the latest substantive text anchors",
            vec![long.clone(), "x".repeat(30), "ok".into()],
            Some(format!("{}\n\nok", "x".repeat(30))),
        ),
        (
            "exactly four times counts",
            texts(&["abcdefgh", "ab"]),
            Some("abcdefgh\n\nab".into()),
        ),
        (
            "just under four times does not",
            texts(&["abcdefg", "ab"]),
            Some("ab".into()),
        ),
        (
            "outside the window of five",
            vec![
                long.clone(),
                "a".into(),
                "b".into(),
                "c".into(),
                "d".into(),
                "e".into(),
            ],
            Some("e".into()),
        ),
        (
            "at the edge of the window",
            vec![long.clone(), "a".into(), "b".into(), "c".into(), "e".into()],
            Some(format!("{long}\n\na\n\nb\n\nc\n\ne")),
        ),
        (
            "an empty last text",
            vec![long.clone(), String::new()],
            Some(String::new()),
        ),
        (
            "lengths are in characters, not bytes",
            texts(&["éééééééé", "ab"]),
            Some("éééééééé\n\nab".into()),
        ),
        (
            "multibyte below the ratio",
            texts(&["ééé", "a"]),
            Some("a".into()),
        ),
    ];
    for (name, items, expected) in cases {
        assert_eq!(select_reply(&items), expected, "{name}");
    }
}

#[test]
fn last_lines_cases() {
    let twelve: String = (1..=12).map(|n| format!("line {n}\n")).collect();
    let cases = [
        ("", 10, None),
        ("  \n\t", 10, None),
        ("one", 0, None),
        ("  one  ", 10, Some("one".to_owned())),
        ("a\nb\nc", 2, Some("b\nc".to_owned())),
        (
            twelve.as_str(),
            10,
            Some(
                (3..=12)
                    .map(|n| format!("line {n}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        ),
    ];
    for (text, count, expected) in cases {
        assert_eq!(last_lines(text, count), expected, "{text:?}");
    }
}

#[test]
fn summary_takes_the_first_source_with_text() {
    assert_eq!(
        summary_from([None, Some("  "), Some("b"), Some("c")]),
        Some("b".into())
    );
    assert_eq!(summary_from([None, Some("")]), None);
}
