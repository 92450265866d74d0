use super::*;

/// (name, markdown, expected mrkdwn)
const CASES: &[(&str, &str, &str)] = &[
    ("plain paragraph", "Hello world", "Hello world"),
    ("bold", "**b**", "*b*"),
    ("bold underscores", "__b__", "*b*"),
    ("italic star", "*i*", "_i_"),
    ("italic underscore", "_i_", "_i_"),
    ("strike", "~~s~~", "~s~"),
    ("bold inside italic", "*a **b** c*", "_a *b* c_"),
    ("nested bold is flattened", "**a **b** c**", "*a b c*"),
    ("heading", "# Title\n\nText", "*Title*\n\nText"),
    ("heading level 3", "### Deep", "*Deep*"),
    (
        "bold inside heading is flattened",
        "## A **b** c",
        "*A b c*",
    ),
    ("link", "[text](https://x.io/a)", "<https://x.io/a|text>"),
    (
        "link label escaped",
        "[a<b](https://x.io)",
        "<https://x.io|a&lt;b>",
    ),
    (
        "link url pipe and gt encoded",
        r"[t](https://x.io/a|b\>c)",
        "<https://x.io/a%7Cb%3Ec|t>",
    ),
    (
        "link url ampersand",
        "[t](https://x.io/?a=1&b=2)",
        "<https://x.io/?a=1&amp;b=2|t>",
    ),
    (
        "link same as url",
        "[https://x.io](https://x.io)",
        "<https://x.io>",
    ),
    ("autolink", "<https://x.io/p>", "<https://x.io/p>"),
    (
        "email autolink",
        "<ann@example.com>",
        "<mailto:ann@example.com|ann@example.com>",
    ),
    ("mailto link", "[mail](mailto:a@b.c)", "<mailto:a@b.c|mail>"),
    (
        "javascript link is text",
        "[x](javascript:alert(1))",
        "x (javascript:alert(1))",
    ),
    (
        "relative link is text",
        "[docs](docs/a.md)",
        "docs (docs/a.md)",
    ),
    (
        "image with alt",
        "![a cat](https://x.io/c.png)",
        "<https://x.io/c.png|a cat>",
    ),
    (
        "image without alt",
        "![](https://x.io/c.png)",
        "<https://x.io/c.png>",
    ),
    ("code span", "use `a < b`", "use `a &lt; b`"),
    (
        "code span with channel",
        "`<!channel>`",
        "`&lt;!channel&gt;`",
    ),
    (
        "fenced code drops language",
        "```rust\nfn main() {}\n```",
        "```\nfn main() {}\n```",
    ),
    (
        "indented code",
        "    x = 1\n    y = 2",
        "```\nx = 1\ny = 2\n```",
    ),
    (
        "code block escaped",
        "```\n<@U123> & co\n```",
        "```\n&lt;@U123&gt; &amp; co\n```",
    ),
    ("blockquote", "> a\n>\n> b", "> a\n>\n> b"),
    ("thematic break", "a\n\n---\n\nb", "a\n\n———\n\nb"),
    ("soft break kept", "a\nb", "a\nb"),
    ("hard break", "a  \nb", "a\nb"),
    (
        "inline html escaped",
        "a <b>x</b>",
        "a &lt;b&gt;x&lt;/b&gt;",
    ),
    (
        "html block escaped",
        "<div>\nhi\n</div>",
        "&lt;div&gt;\nhi\n&lt;/div&gt;",
    ),
    ("text escaping", "a & b < c > d", "a &amp; b &lt; c &gt; d"),
    (
        "broadcast text escaped",
        "<!channel> <!here> <@U1>",
        "&lt;!channel&gt; &lt;!here&gt; &lt;@U1&gt;",
    ),
    ("entity in source", "&lt;!here&gt;", "&lt;!here&gt;"),
    ("bullet list", "- a\n- b", "• a\n• b"),
    ("ordered list start", "3. a\n4. b", "3. a\n4. b"),
    ("ordered list from one", "1. a\n1. b", "1. a\n2. b"),
    ("task list", "- [ ] todo\n- [x] done", "• ☐ todo\n• ☑ done"),
    (
        "nested tight list",
        "- a\n  - b\n  - c\n- d",
        "• a\n  • b\n  • c\n• d",
    ),
    ("nested ordered", "1. a\n   - b", "1. a\n   • b"),
    ("loose list", "- a\n\n- b", "• a\n\n• b"),
    ("item continuation indented", "- a\n  b", "• a\n  b"),
    (
        "list then paragraph",
        "- a\n- b\n\nafter",
        "• a\n• b\n\nafter",
    ),
    (
        "code in list item",
        "- a\n\n  ```\n  x\n  ```",
        "• a\n\n  ```\n  x\n  ```",
    ),
    ("quote with list", "> - a\n> - b", "> • a\n> • b"),
    ("paragraphs", "one\n\ntwo", "one\n\ntwo"),
    (
        "stars without content stay literal",
        "a ** ** b",
        "a ** ** b",
    ),
    ("star line is a rule", "* * *", "———"),
    ("trailing whitespace trimmed", "a\n\n\n", "a"),
];

#[test]
fn renders_each_construct() {
    for (name, markdown, expected) in CASES {
        assert_eq!(
            to_mrkdwn(markdown),
            *expected,
            "case `{name}`: {markdown:?}"
        );
    }
}

#[test]
fn tables_become_aligned_code_blocks() {
    let markdown = "| Name | Qty |\n|:-----|----:|\n| apple | 3 |\n| kiwi | 12 |\n\nafter";
    let expected = "```\n\
                    | Name  | Qty |\n\
                    | :---- | --: |\n\
                    | apple |   3 |\n\
                    | kiwi  |  12 |\n\
                    ```\n\nafter";
    assert_eq!(to_mrkdwn(markdown), expected);
}

#[test]
fn table_cells_are_escaped_and_keep_code_ticks() {
    let markdown = "| a | b |\n|---|---|\n| `x<y` | <!here> |";
    let rendered = to_mrkdwn(markdown);
    assert!(rendered.contains("`x&lt;y`"), "{rendered}");
    assert!(rendered.contains("&lt;!here&gt;"), "{rendered}");
    assert!(!rendered.contains("<!here>"), "{rendered}");
}

#[test]
fn plain_text_never_produces_slack_tokens() {
    // Every `<` in the output must open one of our own web links.
    let hostile = "<!channel> <!here|here> <@U123> <#C1|general> <!subteam^S1> \
                   [x](<!channel>) [y](<@U1>) ![z](<!here>) `<!everyone>` \
                   ```\n<!channel>\n```\n<https://ok.io> &lt;!here&gt;";
    let rendered = to_mrkdwn(hostile);
    for (i, _) in rendered.match_indices('<') {
        let rest = &rendered[i + 1..];
        assert!(
            rest.starts_with("https://")
                || rest.starts_with("http://")
                || rest.starts_with("mailto:"),
            "unexpected token at {i} in {rendered:?}"
        );
    }
}

#[test]
fn link_target_allows_only_web_and_mail() {
    let cases: &[(&str, Option<&str>)] = &[
        ("https://a.io/x", Some("https://a.io/x")),
        ("HTTP://a.io", Some("HTTP://a.io")),
        ("mailto:a@b.c", Some("mailto:a@b.c")),
        ("https://a.io/a b", Some("https://a.io/a%20b")),
        ("javascript:alert(1)", None),
        ("!channel", None),
        ("@U123", None),
        ("docs/a.md", None),
        ("https:", None),
    ];
    for (url, expected) in cases {
        assert_eq!(link_target(url).as_deref(), *expected, "{url}");
    }
}
