use super::*;
use crate::channel::email::compose::html_document;

#[test]
fn raw_html_is_shown_as_text() {
    let html = to_html_fragment(
        "<div onclick=\"x()\">block</div>\n\ninline <b>bold</b> <script>alert(1)</script>",
    );
    assert!(!html.contains("<div"), "{html}");
    assert!(!html.contains("<b>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(
        html.contains("&lt;div onclick=&quot;x()&quot;&gt;block&lt;/div&gt;"),
        "{html}"
    );
    assert!(html.contains("inline &lt;b&gt;bold&lt;/b&gt;"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
}

#[test]
fn links_keep_only_http_https_and_mailto() {
    let html = to_html_fragment(
        "[a](https://example.com/a?x=1&y=2) [b](http://example.com) [c](mailto:x@example.com) \
         [d](javascript:alert(1)) [e](JavaScript:alert(1)) [f](data:text/html,hi) [g](/relative)",
    );
    assert!(
        html.contains("<a href=\"https://example.com/a?x=1&amp;y=2\""),
        "{html}"
    );
    assert!(html.contains("<a href=\"http://example.com\""), "{html}");
    assert!(html.contains("<a href=\"mailto:x@example.com\""), "{html}");
    assert_eq!(html.matches("<a ").count(), 3, "{html}");
    assert!(!html.to_lowercase().contains("javascript:"), "{html}");
    assert!(!html.contains("data:"), "{html}");
    // The text of a dropped link stays.
    for text in ["d", "e", "f", "g"] {
        assert!(html.contains(&format!(" {text}")), "{text} in {html}");
    }
}

#[test]
fn link_attributes_cannot_be_broken_out_of() {
    let html = to_html_fragment("[x](https://example.com/\"onmouseover=alert(1) \"t\\\"itle\")");
    assert!(!html.contains("\"onmouseover"), "{html}");
    assert!(html.contains("&quot;onmouseover=alert(1)"), "{html}");
    assert!(html.contains("title=\"t&quot;itle\""), "{html}");
}

#[test]
fn autolinks_are_links() {
    let html = to_html_fragment("See <https://example.com/x> and <javascript:alert(1)>.");
    assert!(
        html.contains(
            "<a href=\"https://example.com/x\" style=\"color:#0969da;\">https://example.com/x</a>"
        ),
        "{html}"
    );
    assert!(!html.contains("javascript:alert(1)\""), "{html}");
}

#[test]
fn images_are_links_and_never_loaded() {
    let html =
        to_html_fragment("![chart](https://example.com/c.png) ![](https://example.com/d.png)");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("src="), "{html}");
    assert!(
        html.contains("<a href=\"https://example.com/c.png\" style=\"color:#0969da;\">chart</a>"),
        "{html}"
    );
    assert!(
        html.contains(">https://example.com/d.png</a>"),
        "no alt text shows the URL: {html}"
    );
}

#[test]
fn code_is_escaped_and_monospaced() {
    let html = to_html_fragment("Use `a < b && c`.\n\n```rust extra\nfn x() -> Vec<u8> {}\n```\n");
    assert!(html.contains(">a &lt; b &amp;&amp; c</code>"), "{html}");
    assert!(html.contains("<pre style="), "{html}");
    assert!(
        html.contains("<code class=\"language-rust\">fn x() -&gt; Vec&lt;u8&gt; {}\n</code></pre>"),
        "{html}"
    );
}

#[test]
fn lists_keep_order_and_start() {
    let html = to_html_fragment(
        "- a\n- b\n\nx\n\n3. three\n4. four\n\ny\n\n1. one\n\nz\n\n- [x] done\n- [ ] todo\n",
    );
    assert!(html.contains("<ul style="), "{html}");
    assert!(html.contains("<li>a</li>\n<li>b</li>"), "{html}");
    assert!(html.contains("<ol start=\"3\""), "{html}");
    assert!(html.contains("<li>three</li>"), "{html}");
    assert_eq!(html.matches("start=").count(), 1, "{html}");
    assert!(html.contains("&#9745; done"), "{html}");
    assert!(html.contains("&#9744; todo"), "{html}");
}

#[test]
fn tables_have_head_body_borders_and_alignment() {
    let html = to_html_fragment("| a | b |\n|:--|--:|\n| 1 | `x|y` |\n| <i>2</i> | 3 |\n");
    assert!(html.contains("<table style="), "{html}");
    assert!(html.contains("<thead><tr><th style="), "{html}");
    assert!(html.contains("text-align:left;\">a</th>"), "{html}");
    assert!(html.contains("text-align:right;\">b</th>"), "{html}");
    assert!(html.contains("</tr></thead><tbody>"), "{html}");
    assert!(html.contains("text-align:right;\">3</td>"), "{html}");
    assert!(html.contains("&lt;i&gt;2&lt;/i&gt;"), "{html}");
    assert!(html.ends_with("</tbody></table>\n"), "{html}");
}

#[test]
fn headings_emphasis_quotes_and_rules() {
    let html = to_html_fragment(
        "# Title\n\n### Part\n\n*em* **strong** ~~gone~~\n\n> quoted\n\n---\n\nline  \nbreak",
    );
    assert!(html.contains("<h1 style=\"font-size:1.4em;"), "{html}");
    assert!(html.contains(">Title</h1>"), "{html}");
    assert!(html.contains(">Part</h3>"), "{html}");
    assert!(
        html.contains("<em>em</em> <strong>strong</strong> <del>gone</del>"),
        "{html}"
    );
    assert!(html.contains("<blockquote style="), "{html}");
    assert!(html.contains("<hr style="), "{html}");
    assert!(html.contains("line<br>\nbreak"), "{html}");
}

#[test]
fn empty_input_gives_empty_fragment() {
    assert_eq!(to_html_fragment(""), "");
}

#[test]
fn safe_url_accepts_only_three_schemes() {
    assert_eq!(safe_url(" https://x.example "), Some("https://x.example"));
    assert_eq!(safe_url("MAILTO:a@b.example"), Some("MAILTO:a@b.example"));
    assert_eq!(safe_url("java\tscript:x"), None);
    assert_eq!(safe_url("vbscript:x"), None);
    assert_eq!(safe_url("#top"), None);
    assert_eq!(safe_url(""), None);
}

#[test]
fn document_is_self_contained() {
    let doc = html_document("Hello *there*");
    assert!(doc.starts_with("<!DOCTYPE html>"), "{doc}");
    assert!(doc.contains("charset=utf-8"), "{doc}");
    assert!(doc.contains("Hello <em>there</em>"), "{doc}");
    for external in ["<link", "<style", "<script", "src=", "url(", "@import"] {
        assert!(!doc.contains(external), "{external} in {doc}");
    }
}
