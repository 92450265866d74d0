use super::*;

fn text(html: &str) -> String {
    html_to_text(html, true)
}

#[test]
fn paragraphs_breaks_and_whitespace() {
    assert_eq!(
        text("<p>Hello   <b>big</b>\n world</p><p>Second<br>line</p>"),
        "Hello **big** world\n\nSecond\nline"
    );
    assert_eq!(text("<div>a</div><div>b</div>"), "a\nb");
    assert_eq!(text("  <p>&nbsp;</p><p>x</p>  "), "x");
    assert_eq!(text("a<hr>b"), "a\n---\nb");
}

#[test]
fn inline_markup() {
    assert_eq!(
        text("<i>it</i> <em>em</em> <code>c()</code>"),
        "*it* *em* `c()`"
    );
    assert_eq!(text("<b></b>x<strong> </strong>"), "x");
    assert_eq!(text("a <b> b</b>"), "a **b**");
    assert_eq!(text("a<b> b</b>"), "a **b**");
}

#[test]
fn links() {
    assert_eq!(
        text(r#"see <a href="https://x.example/a?b=1&amp;c=2">the docs</a>."#),
        "see [the docs](https://x.example/a?b=1&c=2)."
    );
    assert_eq!(
        text(r##"<a href="#top">top</a> <a>plain</a>"##),
        "top plain"
    );
    assert_eq!(text(r#"<a href="https://x"></a>"#), "");
}

#[test]
fn headings_and_pre() {
    assert_eq!(
        text("<h2>Title</h2><pre>\n  fn main() {\n      go();\n  }\n</pre>after"),
        "## Title\n\n```\n  fn main() {\n      go();\n  }\n```\n\nafter"
    );
    assert_eq!(text("<pre><code>x &lt; y</code></pre>"), "```\nx < y\n```");
}

#[test]
fn lists() {
    assert_eq!(
        text("<ul><li>one</li><li>two<ol><li>a</li><li>b</li></ol></li></ul><ol><li>x<li>y</ol>"),
        "- one\n- two\n  1. a\n  2. b\n\n1. x\n2. y".replace("\n\n1", "\n1")
    );
}

#[test]
fn data_tables() {
    assert_eq!(
        text(
            "<table><tr><th>Name</th><th>Qty</th></tr><tr><td>apple</td><td>3</td></tr><tr><td>pear</td></tr></table>"
        ),
        "| Name | Qty |\n| --- | --- |\n| apple | 3 |\n| pear |  |"
    );
    assert_eq!(
        text("<table><tr><td>a|b</td><td>c</td></tr></table>"),
        "| a\\|b | c |"
    );
    assert_eq!(text("<table></table>"), "");
    assert_eq!(text("<table><tr><td> </td><td></td></tr></table>"), "");
}

#[test]
fn layout_tables_become_blocks() {
    assert_eq!(
        text(
            "<table><tr><td><p>Hello</p><p>there</p></td></tr></table><table><tr><td>one cell</td></tr></table>"
        ),
        "Hello\n\nthere\n\none cell"
    );
    assert_eq!(
        text("<table><tr><td><table><tr><td>a</td><td>b</td></tr></table></td></tr></table>"),
        "| a | b |"
    );
}

#[test]
fn dropped_content() {
    assert_eq!(
        text(
            "<head><title>T</title><style>p{}</style></head><script>x()</script><img src=cid:1 alt=pic>Hi"
        ),
        "Hi"
    );
}

#[test]
fn gmail_reply() {
    let html = r#"<div dir="ltr">Looks good, ship it.</div><br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">On Mon, Jan 1, 2024 at 10:00 AM Ann &lt;<a href="mailto:ann@example.com">ann@example.com</a>&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex"><div dir="ltr">Shall we ship?</div></blockquote></div>"#;
    assert_eq!(text(html), "Looks good, ship it.");
}

#[test]
fn gmail_inline_reply_keeps_quotes_as_context() {
    let html = r#"<div class="gmail_quote"><div class="gmail_attr">On Mon, Ann wrote:</div><blockquote class="gmail_quote">Question one?</blockquote></div><div>Answer one.</div><div class="gmail_quote"><blockquote class="gmail_quote">Question two?</blockquote></div><div>Answer two.</div><div class="gmail_quote"><blockquote class="gmail_quote">Thanks</blockquote></div>"#;
    assert_eq!(
        text(html),
        "> On Mon, Ann wrote:\n> Question one?\n\nAnswer one.\n\n> Question two?\n\nAnswer two."
    );
}

#[test]
fn outlook_web_reply() {
    let html = r#"<div class="elementToProof" style="font-family: Aptos">Approved.</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri"><b>From:</b> Ann &lt;ann@example.com&gt;<br><b>Sent:</b> Monday<br><b>Subject:</b> Budget</font><div>&nbsp;</div></div><div>Please approve.</div>"#;
    assert_eq!(text(html), "Approved.");
}

#[test]
fn outlook_web_reply_without_appendonsend_drops_the_rule() {
    let html = r#"<div>Approved.</div><hr><div id="divRplyFwdMsg"><b>From:</b> Ann</div><div>Please approve.</div>"#;
    assert_eq!(text(html), "Approved.");
}

#[test]
fn outlook_mobile_container() {
    let html = r#"<div>Yes</div><div id="mail-editor-reference-message-container"><div>From: Ann</div><div>old</div></div>"#;
    assert_eq!(text(html), "Yes");
}

#[test]
fn outlook_desktop_reply() {
    let html = r#"<html><head><style>p.MsoNormal {margin:0}</style></head><body lang=EN-US><div class=WordSection1><p class=MsoNormal>Thanks, merged.<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><div><div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in'><p class=MsoNormal><b>From:</b> Ann &lt;ann@example.com&gt;<br><b>Sent:</b> Monday, January 1, 2024 10:00 AM<br><b>Subject:</b> PR</p></div></div><p class=MsoNormal>Please merge.</p></div></body></html>"#;
    assert_eq!(text(html), "Thanks, merged.");
}

#[test]
fn original_message_text_boundary() {
    let html = "<div>Done.</div><div>-----Original Message-----<br>From: Ann<br>Do it.</div>";
    assert_eq!(text(html), "Done.");
}

#[test]
fn apple_mail_reply_takes_the_attribution_along() {
    let html = r#"<html><body dir="auto">Will do.<br id="lineBreakAtBeginningOfSignature"><div dir="ltr">Sent from my iPhone</div><div dir="ltr"><br><blockquote type="cite">On 5 Jan 2024, at 10:00, Ann &lt;ann@example.com&gt; wrote:<br><br></blockquote></div><blockquote type="cite"><div dir="ltr">Can you check?</div></blockquote></body></html>"#;
    assert_eq!(text(html), "Will do.\nSent from my iPhone");
    let desktop = r#"<div>Sure.</div><div><br><div>On 5 Jan 2024, at 10:00, Ann &lt;ann@example.com&gt; wrote:</div><br class="Apple-interchange-newline"><blockquote type="cite"><div>Can you?</div></blockquote></div>"#;
    assert_eq!(text(desktop), "Sure.");
}

#[test]
fn thunderbird_reply() {
    let html = r#"<html><body><p>Merged, thanks.</p><div class="moz-cite-prefix">On 1/5/24 10:00, Ann wrote:<br></div><blockquote type="cite" cite="mid:x@example.com"><p>Please merge.</p></blockquote><br></body></html>"#;
    assert_eq!(text(html), "Merged, thanks.");
}

#[test]
fn yahoo_reply() {
    let html = r#"<div class="ydp1 yahoo-style-wrap"><div>Sounds fine.</div></div><div id="yahoo_quoted_123" class="yahoo_quoted"><div style="font-size:13px">On Monday, January 1, 2024, 10:00 AM, Ann &lt;ann@example.com&gt; wrote:</div><div><div>Is it fine?</div></div></div>"#;
    assert_eq!(text(html), "Sounds fine.");
}

#[test]
fn plain_blockquote_is_kept() {
    assert_eq!(
        text("<blockquote>A saying</blockquote><p>Me</p>"),
        "A saying\n\nMe"
    );
}

#[test]
fn quotes_untouched_without_stripping() {
    let html = r#"<div>Fwd below</div><div class="gmail_quote">---------- Forwarded message ---------<br>Report</div>"#;
    assert_eq!(
        html_to_text(html, false),
        "Fwd below\n---------- Forwarded message ---------\nReport"
    );
    // A forward banner inside a quote keeps the quote even when stripping.
    assert_eq!(
        text(html),
        "Fwd below\n\n> ---------- Forwarded message ---------\n> Report"
    );
}

#[test]
fn sentinel_characters_in_input_are_dropped() {
    assert_eq!(text("a\u{E000}b\u{E001}c"), "abc");
}

#[test]
fn broken_html_never_panics() {
    for html in [
        "<",
        "</",
        "<a",
        "<a href='",
        "</div></div></p>",
        "<td>x</td>",
        "<tr><td>",
        "<li>x",
        "<pre>",
        "</pre>",
        "<table><td><table><td>",
        "&#",
        "&#x;",
        "<b><i></b></i>",
        "<blockquote type=cite>",
        "<div id=divRplyFwdMsg/>",
        "<h1>",
        "<ol><li><ol><li>",
        "<img class=gmail_quote>after",
        "<p class=gmail_quote/>after",
    ] {
        let _ = text(html);
        let _ = html_to_text(html, false);
    }
    assert_eq!(text("<img class=gmail_quote>after"), "after");
}

#[test]
fn deep_nesting_and_huge_tables_stay_linear() {
    let deep = "<div>".repeat(100_000) + "x" + &"</div>".repeat(100_000);
    assert_eq!(text(&deep), "x");
    let mismatched = "<div>".repeat(50_000) + &"</span>".repeat(50_000);
    assert_eq!(text(&mismatched), "");
    let wide = format!(
        "<table><tr>{}</tr>{}</table>",
        "<td>a</td>".repeat(2_000),
        "<tr><td>b</td></tr>".repeat(2_000)
    );
    let out = text(&wide);
    assert!(out.len() < 100_000, "padding must be capped: {}", out.len());
    let quotes = "<blockquote type=cite>q</blockquote>t".repeat(20_000);
    assert!(text(&quotes).contains("> q"));
}

#[test]
fn random_markup_soup_never_panics() {
    const PIECES: &[&str] = &[
        "<div class=gmail_quote>",
        "</div>",
        "<blockquote type=cite>",
        "</blockquote>",
        "<div id=divRplyFwdMsg>",
        "<table>",
        "<tr>",
        "<td>",
        "</td>",
        "<th>",
        "</table>",
        "<pre>",
        "</pre>",
        "<a href=x>",
        "</a>",
        "<b>",
        "</b>",
        "<ul>",
        "<ol>",
        "<li>",
        "</ul>",
        "<br>",
        "<p>",
        "</p>",
        "<hr>",
        "text ",
        "é",
        "&amp;",
        "&#x1F600;",
        "<",
        ">",
        "\n",
        "-----Original Message-----",
        "On Mon, A <a@b.c> wrote:",
        "<code>",
        "</code>",
        "<h3>",
        "<!--",
        "-->",
        "<script>",
        "</script>",
        "\u{E000}",
        "\u{E001}",
    ];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..2_000 {
        let mut html = String::new();
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let count = (state % 40) as usize;
        for _ in 0..count {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            html.push_str(PIECES[(state % PIECES.len() as u64) as usize]);
        }
        let stripped = text(&html);
        assert!(!stripped.contains(['\u{E000}', '\u{E001}']), "{html:?}");
        let _ = html_to_text(&html, false);
    }
}
