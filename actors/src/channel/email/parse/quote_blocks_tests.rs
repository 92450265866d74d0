use super::*;

fn marked(parts: &[(&str, bool)]) -> String {
    parts
        .iter()
        .map(|(text, quoted)| {
            if *quoted {
                format!("{QUOTE_START}{text}{QUOTE_END}")
            } else {
                text.to_string()
            }
        })
        .collect()
}

#[test]
fn trailing_quote_and_its_attribution_go() {
    let text = marked(&[
        (
            "Sounds good.\n\nOn Mon, Jan 1, 2024 at 10:00 Ann <a@b.c> wrote:\n",
            false,
        ),
        ("old text", true),
    ]);
    assert_eq!(resolve(&text), "Sounds good.");
}

#[test]
fn quote_followed_by_text_is_kept_as_context() {
    let text = marked(&[
        ("On Mon, Jan 1, 2024 Ann <a@b.c> wrote:\n", false),
        ("Question one?\n\nQuestion two?", true),
        ("\nAnswer.", false),
    ]);
    assert_eq!(
        resolve(&text),
        "> On Mon, Jan 1, 2024 Ann <a@b.c> wrote:\n> Question one?\n>\n> Question two?\n\nAnswer."
    );
}

#[test]
fn adjacent_quotes_merge() {
    let text = marked(&[
        ("Reply", false),
        ("A wrote:", true),
        ("\n  \n", false),
        ("old", true),
    ]);
    assert_eq!(resolve(&text), "Reply");
}

#[test]
fn rule_before_quote_goes_with_it() {
    let text = marked(&[("Reply\n\n---\n", false), ("From: Ann\nold", true)]);
    assert_eq!(resolve(&text), "Reply");
}

#[test]
fn forwarded_quote_is_kept() {
    let text = marked(&[
        ("Please summarise.", false),
        (
            "---------- Forwarded message ---------\nFrom: Ann\n\nReport",
            true,
        ),
    ]);
    assert_eq!(
        resolve(&text),
        "Please summarise.\n\n> ---------- Forwarded message ---------\n> From: Ann\n>\n> Report"
    );
}

#[test]
fn unbalanced_marks_are_harmless() {
    assert_eq!(
        resolve(&format!("{QUOTE_END}a{QUOTE_START}{QUOTE_START}b")),
        "a"
    );
    assert_eq!(resolve(&format!("{QUOTE_START}")), "");
    assert_eq!(resolve(""), "");
}

#[test]
fn normalize_collapses_blank_lines() {
    assert_eq!(normalize("\n\n a  \n\n\n\nb\t\n\n"), " a\n\nb");
}
