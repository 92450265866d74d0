use super::*;

#[test]
fn titles_from_the_first_line() {
    let long = "word ".repeat(30);
    let cases: &[(&str, Option<&str>)] = &[
        ("Fix the build", Some("Fix the build")),
        ("\n\n  First line  \nsecond", Some("First line")),
        ("a   b\tc", Some("a b c")),
        ("", None),
        ("  \n \n", None),
        (
            &long,
            Some("word word word word word word word word word word word…"),
        ),
        (
            "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnop",
            Some("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefg…"),
        ),
    ];
    for (body, expected) in cases {
        let title = thread_title(body);
        assert_eq!(title.as_deref(), *expected, "{body:?}");
        if let Some(title) = title {
            assert!(title.chars().count() <= MAX_TITLE_CHARS);
        }
    }
}
