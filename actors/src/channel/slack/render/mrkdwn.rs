//! CommonMark to Slack mrkdwn (reference channels.md S13, with the echo
//! fixes of §5 Slack 20). Every piece of the agent's text — code included —
//! is escaped (`&`, `<`, `>`), so the only `<…>` tokens in the output are
//! the links this renderer writes, and those only for `http:`, `https:` and
//! `mailto:` targets: plain text can never become `<!channel>`, `<!here>`
//! or `<@U…>`. See `spec/slack-rendering.md`.

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};

use super::table::TableBuilder;

/// `markdown` as Slack mrkdwn, right-trimmed. Never fails: malformed input
/// degrades to literal text, as CommonMark does.
pub fn to_mrkdwn(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut renderer = Renderer::new();
    for event in Parser::new_ext(markdown, options) {
        renderer.event(event);
    }
    renderer.finish()
}

/// Text escaped the way Slack expects: `&`, `<` and `>` only (Slack
/// decodes exactly these three).
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
            _ => out.push(c),
        }
    }
}

/// A link target usable inside `<…|…>`: only `http:`, `https:` and
/// `mailto:`, with the characters that would end the token (`|`, `>`) or
/// start another (`<`) percent-encoded and `&` escaped.
pub fn link_target(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, rest) = url.split_once(':')?;
    let allowed = ["http", "https", "mailto"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s));
    if !allowed || rest.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '|' => out.push_str("%7C"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            ' ' => out.push_str("%20"),
            '&' => out.push_str("&amp;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

/// What an open frame collects.
enum Frame {
    /// The document or a blockquote.
    Quote,
    Item {
        loose: bool,
        task: Option<bool>,
    },
    List {
        next: Option<u64>,
        items: Vec<String>,
        loose: bool,
    },
    Paragraph,
    Heading,
    CodeBlock,
    HtmlBlock,
    Strong,
    Emphasis,
    Strike,
    Link {
        url: String,
    },
    Image {
        url: String,
    },
    Table(TableBuilder),
    /// Inline content we keep but do not mark up (super/subscript, …).
    Plain,
}

struct Open {
    frame: Frame,
    out: String,
}

struct Renderer {
    stack: Vec<Open>,
    /// How many `Strong`/`Heading` frames are open: Slack cannot nest `*`.
    bold: usize,
    italic: usize,
    strike: usize,
}

impl Renderer {
    fn new() -> Renderer {
        Renderer {
            stack: vec![Open {
                frame: Frame::Quote,
                out: String::new(),
            }],
            bold: 0,
            italic: 0,
            strike: 0,
        }
    }

    fn finish(mut self) -> String {
        while self.stack.len() > 1 {
            self.close();
        }
        let root = self.stack.pop().map(|o| o.out).unwrap_or_default();
        root.trim_end().to_string()
    }

    fn out(&mut self) -> &mut String {
        // The root frame is never popped before `finish`.
        let last = self.stack.len() - 1;
        &mut self.stack[last].out
    }

    fn table(&mut self) -> Option<&mut TableBuilder> {
        self.stack
            .iter_mut()
            .rev()
            .find_map(|o| match &mut o.frame {
                Frame::Table(t) => Some(t),
                _ => None,
            })
    }

    fn push(&mut self, frame: Frame) {
        self.stack.push(Open {
            frame,
            out: String::new(),
        });
    }

    fn event(&mut self, event: Event<'_>) {
        if let Some(table) = self.table() {
            // A table is a code block: its cells are kept as plain text.
            match event {
                Event::Start(Tag::TableRow | Tag::TableHead) => table.start_row(),
                Event::Start(Tag::TableCell) => table.start_cell(),
                Event::End(TagEnd::TableCell) => table.end_cell(),
                Event::End(TagEnd::Table) => self.close(),
                Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => table.text(&t),
                Event::Code(c) => table.code(&c),
                Event::SoftBreak | Event::HardBreak => table.text(" "),
                _ => {}
            }
            return;
        }
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(_) => self.close(),
            Event::Text(text) => {
                let out = self.out();
                push_escaped(out, &text);
            }
            Event::Code(code) => {
                let out = self.out();
                out.push('`');
                push_escaped(out, &code);
                out.push('`');
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                let out = self.out();
                push_escaped(out, &html);
            }
            Event::InlineMath(math) | Event::DisplayMath(math) => {
                let out = self.out();
                push_escaped(out, &math);
            }
            Event::FootnoteReference(name) => {
                let out = self.out();
                out.push_str("[^");
                push_escaped(out, &name);
                out.push(']');
            }
            Event::SoftBreak | Event::HardBreak => self.out().push('\n'),
            Event::Rule => self.block("———".to_string()),
            Event::TaskListMarker(done) => {
                if let Some(Open {
                    frame: Frame::Item { task, .. },
                    ..
                }) = self.stack.last_mut()
                {
                    *task = Some(done);
                }
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        let frame = match tag {
            Tag::Paragraph => {
                if let Some(Open {
                    frame: Frame::Item { loose, .. },
                    ..
                }) = self.stack.last_mut()
                {
                    *loose = true;
                }
                Frame::Paragraph
            }
            Tag::Heading { .. } => {
                self.bold += 1;
                Frame::Heading
            }
            Tag::BlockQuote(_) => Frame::Quote,
            Tag::CodeBlock(_) => Frame::CodeBlock,
            Tag::HtmlBlock => Frame::HtmlBlock,
            Tag::List(start) => Frame::List {
                next: start,
                items: Vec::new(),
                loose: false,
            },
            Tag::Item => Frame::Item {
                loose: false,
                task: None,
            },
            Tag::Table(alignments) => Frame::Table(TableBuilder::new(alignments)),
            Tag::Strong => {
                self.bold += 1;
                Frame::Strong
            }
            Tag::Emphasis => {
                self.italic += 1;
                Frame::Emphasis
            }
            Tag::Strikethrough => {
                self.strike += 1;
                Frame::Strike
            }
            Tag::Link {
                dest_url,
                link_type,
                ..
            } => Frame::Link {
                url: match link_type {
                    LinkType::Email if !dest_url.starts_with("mailto:") => {
                        format!("mailto:{dest_url}")
                    }
                    _ => dest_url.to_string(),
                },
            },
            Tag::Image { dest_url, .. } => Frame::Image {
                url: dest_url.to_string(),
            },
            // Tables' inner tags are handled in `event`.
            Tag::TableHead | Tag::TableRow | Tag::TableCell => Frame::Plain,
            Tag::Superscript
            | Tag::Subscript
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => Frame::Plain,
        };
        self.push(frame);
    }

    /// Appends a finished block to the parent, on its own line, followed by
    /// a blank line.
    fn block(&mut self, text: String) {
        let out = self.out();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&text);
        out.push_str("\n\n");
    }

    fn inline(&mut self, text: &str) {
        self.out().push_str(text);
    }

    fn close(&mut self) {
        if self.stack.len() <= 1 {
            return;
        }
        let Some(Open { frame, out }) = self.stack.pop() else {
            return;
        };
        match frame {
            Frame::Paragraph => self.block(out.trim_end().to_string()),
            Frame::Plain => self.inline(&out),
            Frame::HtmlBlock => self.block(out.trim_end().to_string()),
            Frame::Heading => {
                self.bold -= 1;
                let text = out.trim();
                if text.is_empty() {
                    return;
                }
                let heading = if self.bold > 0 {
                    text.to_string()
                } else {
                    format!("*{text}*")
                };
                self.block(heading);
            }
            Frame::CodeBlock => {
                let mut code = out;
                if !code.ends_with('\n') {
                    code.push('\n');
                }
                self.block(format!("```\n{code}```"));
            }
            Frame::Quote => {
                let body = out.trim_end_matches('\n');
                let quoted: Vec<String> = body
                    .split('\n')
                    .map(|line| {
                        if line.is_empty() {
                            ">".to_string()
                        } else {
                            format!("> {line}")
                        }
                    })
                    .collect();
                self.block(quoted.join("\n"));
            }
            Frame::Item { loose, task } => {
                let mut body = out.trim_end_matches('\n').to_string();
                if let Some(done) = task {
                    body.insert_str(0, if done { "☑ " } else { "☐ " });
                }
                if let Some(Open {
                    frame:
                        Frame::List {
                            next,
                            items,
                            loose: list_loose,
                        },
                    ..
                }) = self.stack.last_mut()
                {
                    let marker = match next {
                        Some(n) => {
                            let marker = format!("{n}. ");
                            *n += 1;
                            marker
                        }
                        None => "• ".to_string(),
                    };
                    *list_loose |= loose;
                    items.push(prefix_lines(&body, &marker));
                } else {
                    self.block(body);
                }
            }
            Frame::List { items, loose, .. } => {
                let separator = if loose { "\n\n" } else { "\n" };
                self.block(items.join(separator));
            }
            Frame::Strong => {
                self.bold -= 1;
                self.wrap(&out, "*", self.bold > 0);
            }
            Frame::Emphasis => {
                self.italic -= 1;
                self.wrap(&out, "_", self.italic > 0);
            }
            Frame::Strike => {
                self.strike -= 1;
                self.wrap(&out, "~", self.strike > 0);
            }
            Frame::Link { url } | Frame::Image { url } => {
                let label = out.trim().to_string();
                let rendered = match link_target(&url) {
                    Some(target)
                        if label.is_empty() || label == target || label == escape(&url) =>
                    {
                        format!("<{target}>")
                    }
                    Some(target) => format!("<{target}|{label}>"),
                    // Not a web or mail link: the text, and the target for
                    // reference when it says something the text does not.
                    None if url.trim().is_empty() || label == escape(&url) => label,
                    None if label.is_empty() => escape(&url),
                    None => format!("{label} ({})", escape(&url)),
                };
                self.inline(&rendered);
            }
            Frame::Table(table) => {
                let mut text = table.render();
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                self.block(format!("```\n{}```", escape(&text)));
            }
        }
    }

    /// Marks up `text` with `marker` on both sides, moving edge whitespace
    /// outside (Slack needs the marker next to a non-space), or leaves it
    /// bare when nested in the same style or empty.
    fn wrap(&mut self, text: &str, marker: &str, nested: bool) {
        let trimmed = text.trim();
        if nested || trimmed.is_empty() {
            self.inline(text);
            return;
        }
        let lead = &text[..text.len() - text.trim_start().len()];
        let trail = &text[text.trim_end().len()..];
        let wrapped = format!("{lead}{marker}{trimmed}{marker}{trail}");
        self.inline(&wrapped);
    }
}

/// `marker` before the first line, its width of spaces before the others
/// (empty lines stay empty).
fn prefix_lines(body: &str, marker: &str) -> String {
    let indent = " ".repeat(marker.chars().count());
    let mut out = String::with_capacity(body.len() + marker.len());
    for (i, line) in body.split('\n').enumerate() {
        if i == 0 {
            out.push_str(marker);
            out.push_str(line);
        } else {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(&indent);
                out.push_str(line);
            }
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
#[path = "mrkdwn_tests.rs"]
mod tests;
