//! Markdown to an HTML fragment for the HTML part of a reply (reference
//! channels.md E17, improved per §5 Email 14). The agent's text is
//! untrusted: raw HTML in it is shown as text, and a link or image keeps
//! its target only for `http:`, `https:` and `mailto:`. Images are never
//! loaded (no remote resources); they become links. Styling is inline,
//! since mail clients drop `<style>` and external sheets unevenly.
//! See `spec/email-replies.md`.

use pulldown_cmark::{Alignment, CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

const CODE_BG: &str = "background:#f3f4f6;";
const MONO: &str = "font-family:SFMono-Regular,Menlo,Consolas,'Liberation Mono',monospace;";
const CELL: &str = "border:1px solid #d0d7de;padding:4px 8px;";

/// The HTML fragment for `markdown`. Never fails: malformed input degrades
/// to literal text, as CommonMark does.
pub fn to_html_fragment(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut renderer = Renderer::default();
    for event in Parser::new_ext(markdown, options) {
        renderer.event(event);
    }
    renderer.out
}

/// `url` if it is safe to put in an `href`: `http:`, `https:` or `mailto:`
/// (any case). Anything else (`javascript:`, `data:`, relative paths that
/// mean nothing in a mail) loses its link.
pub fn safe_url(url: &str) -> Option<&str> {
    let url = url.trim();
    let scheme = url.split_once(':').map(|(scheme, _)| scheme)?;
    ["http", "https", "mailto"]
        .iter()
        .any(|allowed| scheme.eq_ignore_ascii_case(allowed))
        .then_some(url)
}

/// Text escaped for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// An open link or image: whether it rendered an `<a>`, and for an image
/// its URL and whether any alt text came (else the URL is shown).
struct OpenLink {
    anchored: bool,
    image_url: Option<String>,
    had_text: bool,
}

#[derive(Default)]
struct Renderer {
    out: String,
    links: Vec<OpenLink>,
    alignments: Vec<Alignment>,
    cell: usize,
    in_head: bool,
}

impl Renderer {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => self.text(&text),
            Event::Code(code) => {
                self.out.push_str(&format!(
                    "<code style=\"{CODE_BG}{MONO}padding:1px 4px;border-radius:3px;\">"
                ));
                self.text(&code);
                self.out.push_str("</code>");
            }
            // Untrusted raw HTML is shown, never interpreted.
            Event::Html(html) | Event::InlineHtml(html) => self.text(&html),
            Event::InlineMath(math) | Event::DisplayMath(math) => self.text(&math),
            Event::FootnoteReference(name) => self.text(&format!("[^{name}]")),
            Event::SoftBreak => self.out.push('\n'),
            Event::HardBreak => self.out.push_str("<br>\n"),
            Event::Rule => self
                .out
                .push_str("<hr style=\"border:none;border-top:1px solid #d0d7de;\">\n"),
            Event::TaskListMarker(done) => {
                self.out
                    .push_str(if done { "&#9745; " } else { "&#9744; " })
            }
        }
    }

    fn text(&mut self, text: &str) {
        if let Some(link) = self.links.last_mut() {
            link.had_text |= !text.is_empty();
        }
        push_escaped(&mut self.out, text);
    }

    fn start(&mut self, tag: Tag<'_>) {
        let out = &mut self.out;
        match tag {
            Tag::Paragraph => out.push_str("<p style=\"margin:0 0 0.8em 0;\">"),
            Tag::Heading { level, .. } => {
                let (n, size) = heading(level);
                out.push_str(&format!(
                    "<h{n} style=\"font-size:{size};margin:1em 0 0.5em 0;\">"
                ));
            }
            Tag::BlockQuote(_) => out.push_str(
                "<blockquote style=\"margin:0 0 0.8em 0;padding:0 0 0 0.8em;\
                 border-left:3px solid #d0d7de;color:#57606a;\">\n",
            ),
            Tag::CodeBlock(kind) => {
                out.push_str(&format!(
                    "<pre style=\"{CODE_BG}{MONO}padding:8px 12px;border-radius:4px;\
                     overflow-x:auto;white-space:pre;margin:0 0 0.8em 0;\"><code"
                ));
                if let CodeBlockKind::Fenced(lang) = kind {
                    let lang = lang.split_whitespace().next().unwrap_or_default();
                    if !lang.is_empty() {
                        out.push_str(" class=\"language-");
                        push_escaped(out, lang);
                        out.push('"');
                    }
                }
                out.push('>');
            }
            Tag::HtmlBlock => {
                out.push_str("<p style=\"margin:0 0 0.8em 0;white-space:pre-wrap;\">");
            }
            Tag::List(Some(start)) if start != 1 => {
                out.push_str(&format!(
                    "<ol start=\"{start}\" style=\"margin:0 0 0.8em 0;padding-left:1.6em;\">\n"
                ));
            }
            Tag::List(Some(_)) => {
                out.push_str("<ol style=\"margin:0 0 0.8em 0;padding-left:1.6em;\">\n");
            }
            Tag::List(None) => {
                out.push_str("<ul style=\"margin:0 0 0.8em 0;padding-left:1.6em;\">\n");
            }
            Tag::Item => out.push_str("<li>"),
            Tag::Table(alignments) => {
                self.alignments = alignments;
                out.push_str(
                    "<table style=\"border-collapse:collapse;border:1px solid #d0d7de;\
                     margin:0 0 0.8em 0;\">\n",
                );
            }
            Tag::TableHead => {
                self.in_head = true;
                self.cell = 0;
                out.push_str("<thead><tr>");
            }
            Tag::TableRow => {
                self.cell = 0;
                out.push_str("<tr>");
            }
            Tag::TableCell => {
                let cell = if self.in_head { "th" } else { "td" };
                let align = match self.alignments.get(self.cell) {
                    Some(Alignment::Left) => "text-align:left;",
                    Some(Alignment::Center) => "text-align:center;",
                    Some(Alignment::Right) => "text-align:right;",
                    _ => "",
                };
                out.push_str(&format!("<{cell} style=\"{CELL}{align}\">"));
            }
            Tag::Emphasis => out.push_str("<em>"),
            Tag::Strong => out.push_str("<strong>"),
            Tag::Strikethrough => out.push_str("<del>"),
            Tag::Superscript => out.push_str("<sup>"),
            Tag::Subscript => out.push_str("<sub>"),
            Tag::Link {
                dest_url, title, ..
            } => {
                let anchored = self.open_anchor(&dest_url, &title);
                self.links.push(OpenLink {
                    anchored,
                    image_url: None,
                    had_text: false,
                });
            }
            Tag::Image {
                dest_url, title, ..
            } => {
                let anchored = self.open_anchor(&dest_url, &title);
                self.links.push(OpenLink {
                    anchored,
                    image_url: Some(dest_url.to_string()),
                    had_text: false,
                });
            }
            Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => out.push_str("<div>"),
        }
    }

    fn open_anchor(&mut self, url: &str, title: &str) -> bool {
        let Some(url) = safe_url(url) else {
            return false;
        };
        self.out.push_str("<a href=\"");
        push_escaped(&mut self.out, url);
        self.out.push('"');
        if !title.is_empty() {
            self.out.push_str(" title=\"");
            push_escaped(&mut self.out, title);
            self.out.push('"');
        }
        self.out.push_str(" style=\"color:#0969da;\">");
        true
    }

    fn end(&mut self, tag: TagEnd) {
        let out = &mut self.out;
        match tag {
            TagEnd::Paragraph | TagEnd::HtmlBlock => out.push_str("</p>\n"),
            TagEnd::Heading(level) => out.push_str(&format!("</h{}>\n", heading(level).0)),
            TagEnd::BlockQuote(_) => out.push_str("</blockquote>\n"),
            TagEnd::CodeBlock => out.push_str("</code></pre>\n"),
            TagEnd::List(true) => out.push_str("</ol>\n"),
            TagEnd::List(false) => out.push_str("</ul>\n"),
            TagEnd::Item => out.push_str("</li>\n"),
            TagEnd::Table => out.push_str("</tbody></table>\n"),
            TagEnd::TableHead => {
                self.in_head = false;
                out.push_str("</tr></thead><tbody>\n");
            }
            TagEnd::TableRow => out.push_str("</tr>\n"),
            TagEnd::TableCell => {
                out.push_str(if self.in_head { "</th>" } else { "</td>" });
                self.cell += 1;
            }
            TagEnd::Emphasis => out.push_str("</em>"),
            TagEnd::Strong => out.push_str("</strong>"),
            TagEnd::Strikethrough => out.push_str("</del>"),
            TagEnd::Superscript => out.push_str("</sup>"),
            TagEnd::Subscript => out.push_str("</sub>"),
            TagEnd::Link | TagEnd::Image => {
                if let Some(link) = self.links.pop() {
                    if let Some(url) = link.image_url.filter(|_| !link.had_text) {
                        push_escaped(out, &url);
                    }
                    if link.anchored {
                        out.push_str("</a>");
                    }
                }
            }
            TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::MetadataBlock(_) => out.push_str("</div>\n"),
        }
    }
}

/// The tag number and font size of a heading level.
fn heading(level: HeadingLevel) -> (u8, &'static str) {
    match level {
        HeadingLevel::H1 => (1, "1.4em"),
        HeadingLevel::H2 => (2, "1.25em"),
        HeadingLevel::H3 => (3, "1.1em"),
        HeadingLevel::H4 => (4, "1em"),
        HeadingLevel::H5 => (5, "0.95em"),
        HeadingLevel::H6 => (6, "0.9em"),
    }
}

#[cfg(test)]
#[path = "markdown_tests.rs"]
mod tests;
