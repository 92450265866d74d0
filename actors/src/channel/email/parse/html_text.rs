//! HTML to Markdown-like text (reference channels.md E11), with the
//! quoted parts of replies marked for `quote_blocks` to keep or drop.

use std::collections::HashMap;

use super::attribution;
use super::html_tokens::{Token, Tokenizer};
use super::quote_blocks::{self, QUOTE_END, QUOTE_START};

/// Above this many padding cells a table is left ragged: padding is
/// cosmetic and must not let a hostile table blow up the output.
const MAX_TABLE_PADDING_CELLS: usize = 100_000;

/// Converts an HTML body to text. With `strip_quotes`, quoted replies are
/// removed when trailing and kept as `> ` lines when the user wrote below
/// them (inline replies).
pub(super) fn html_to_text(html: &str, strip_quotes: bool) -> String {
    let mut renderer = Renderer::new(strip_quotes);
    for token in Tokenizer::new(html) {
        renderer.token(token);
    }
    let rendered = renderer.finish();
    quote_blocks::resolve(&rendered)
}

const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

const BLOCK_ELEMENTS: &[&str] = &[
    "div",
    "blockquote",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "main",
    "aside",
    "figure",
    "figcaption",
    "address",
    "dl",
    "dt",
    "dd",
    "center",
    "form",
    "fieldset",
    "caption",
    "details",
    "summary",
    "ul",
    "ol",
];

struct Table {
    rows: Vec<Vec<String>>,
    row_open: bool,
    cell_start: Option<usize>,
    has_header: bool,
}

enum ListKind {
    Bullet,
    Numbered(u64),
}

struct Renderer {
    out: String,
    /// Line breaks asked for but not yet written (1 newline, 2 blank
    /// line): written only before more text, so none pile up at the end.
    pending_breaks: usize,
    pending_space: bool,
    /// Whitespace here is dropped (start of a line, after a list marker).
    line_fresh: bool,
    /// Opening inline markers (`**`, `[`) held until their first
    /// character, so empty elements leave nothing behind.
    pending_open: String,
    pre_start: Option<usize>,
    pre_depth: usize,
    open: Vec<String>,
    open_counts: HashMap<String, usize>,
    links: Vec<Option<String>>,
    lists: Vec<ListKind>,
    tables: Vec<Table>,
    padding_cells: usize,
    strip_quotes: bool,
    /// Depth in `open` of the element that began the current quote.
    quote_at: Option<usize>,
    /// After a boundary (Outlook's `divRplyFwdMsg`) everything is quoted.
    quote_to_end: bool,
}

impl Renderer {
    fn new(strip_quotes: bool) -> Self {
        Renderer {
            out: String::new(),
            pending_breaks: 0,
            pending_space: false,
            line_fresh: true,
            pending_open: String::new(),
            pre_start: None,
            pre_depth: 0,
            open: Vec::new(),
            open_counts: HashMap::new(),
            links: Vec::new(),
            lists: Vec::new(),
            tables: Vec::new(),
            padding_cells: 0,
            strip_quotes,
            quote_at: None,
            quote_to_end: false,
        }
    }

    fn request_break(&mut self, breaks: usize) {
        self.pending_breaks = self.pending_breaks.max(breaks.min(2));
    }

    fn flush_breaks(&mut self) {
        if self.pending_breaks == 0 {
            return;
        }
        let wanted = self.pending_breaks;
        self.pending_breaks = 0;
        let kept = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(kept);
        if self.out.is_empty() {
            return;
        }
        let have = self.out.len() - self.out.trim_end_matches('\n').len();
        for _ in have..wanted {
            self.out.push('\n');
        }
        self.line_fresh = true;
        self.pending_space = false;
    }

    fn push_text(&mut self, text: &str) {
        if self.pre_depth > 0 {
            self.flush_breaks();
            for c in text.chars().filter(|c| *c != '\r' && !is_sentinel(*c)) {
                self.out.push(c);
            }
            return;
        }
        for c in text.chars() {
            if is_sentinel(c) {
                continue;
            }
            if c.is_whitespace() {
                if self.line_fresh {
                    continue;
                }
                if self.pending_open.is_empty() {
                    self.pending_space = true;
                } else if self.pending_breaks == 0 && !self.out.ends_with(' ') {
                    // Before the held marker: "a **b**", not "a** b**".
                    self.out.push(' ');
                }
                continue;
            }
            self.flush_breaks();
            if self.pending_space && !self.line_fresh {
                self.out.push(' ');
            }
            self.out.push_str(&self.pending_open);
            self.pending_open.clear();
            self.out.push(c);
            self.pending_space = false;
            self.line_fresh = false;
        }
    }

    /// Writes a prefix (list marker, heading hashes) at the start of a line.
    fn push_prefix(&mut self, prefix: &str) {
        self.flush_breaks();
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.out.push_str(prefix);
        self.line_fresh = true;
        self.pending_space = false;
    }

    fn open_inline(&mut self, marker: &str) {
        if self.pending_space && !self.line_fresh {
            // The space belongs before the marker: "a **b**", not "a** b**".
            self.flush_breaks();
            self.out.push(' ');
            self.pending_space = false;
        }
        self.pending_open.push_str(marker);
    }

    fn close_inline(&mut self, marker: &str) {
        if self.pending_open.ends_with(marker) {
            let keep = self.pending_open.len() - marker.len();
            self.pending_open.truncate(keep);
        } else {
            self.out.push_str(marker);
        }
    }

    fn line_break(&mut self) {
        if self.pre_depth > 0 {
            self.out.push('\n');
            return;
        }
        self.flush_breaks();
        self.out
            .truncate(self.out.trim_end_matches([' ', '\t']).len());
        self.out.push('\n');
        self.line_fresh = true;
        self.pending_space = false;
    }

    fn begin_quote(&mut self) {
        self.pending_space = false;
        self.out.push(QUOTE_START);
    }

    fn token(&mut self, token: Token<'_>) {
        match token {
            Token::Text(text) => {
                if self.strip_quotes
                    && self.quote_at.is_none()
                    && !self.quote_to_end
                    && attribution::is_original_message_line(&text)
                {
                    self.begin_quote();
                    self.quote_to_end = true;
                }
                self.push_text(&text);
            }
            Token::Start {
                name,
                attrs,
                self_closing,
            } => {
                let void = VOID_ELEMENTS.contains(&name.as_str()) || self_closing;
                if !void {
                    // Before the quote check, which records the depth the
                    // element will be pushed at.
                    self.implicit_close(&name);
                }
                self.maybe_begin_quote(&name, &attrs);
                self.start_element(&name, &attrs);
                if void {
                    self.end_element(&name);
                    if self.quote_at == Some(self.open.len()) {
                        self.end_quote();
                    }
                } else {
                    *self.open_counts.entry(name.clone()).or_default() += 1;
                    self.open.push(name);
                }
            }
            Token::End { name } => self.close_to(&name),
        }
    }

    fn maybe_begin_quote(&mut self, name: &str, attrs: &[(String, String)]) {
        if !self.strip_quotes || self.quote_at.is_some() || self.quote_to_end {
            return;
        }
        let id = Token::attr(attrs, "id").unwrap_or("");
        let class = Token::attr(attrs, "class")
            .unwrap_or("")
            .to_ascii_lowercase();
        let style: String = Token::attr(attrs, "style")
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        let boundary = id.eq_ignore_ascii_case("divRplyFwdMsg")
            || id.eq_ignore_ascii_case("appendonsend")
            // Outlook desktop's header block above the quoted message.
            || (name == "div" && style.contains("border:none") && style.contains("border-top:solid"));
        if boundary {
            self.begin_quote();
            self.quote_to_end = true;
            return;
        }
        let container = id.eq_ignore_ascii_case("mail-editor-reference-message-container")
            || class.split_whitespace().any(|c| {
                matches!(
                    c,
                    "gmail_quote" | "yahoo_quoted" | "moz-cite-prefix" | "protonmail_quote"
                )
            })
            || (name == "blockquote"
                && Token::attr(attrs, "type").is_some_and(|t| t.eq_ignore_ascii_case("cite")));
        if container {
            self.begin_quote();
            // The element is pushed right after this; its depth is the
            // current stack length (void elements end the quote at once).
            self.quote_at = Some(self.open.len());
        }
    }

    fn end_quote(&mut self) {
        self.quote_at = None;
        self.pending_space = false;
        self.out.push(QUOTE_END);
    }

    /// Closes what HTML closes implicitly and mail HTML relies on.
    fn implicit_close(&mut self, name: &str) {
        let closes: &[&str] = match name {
            "p" => &["p"],
            "li" => &["li"],
            "td" | "th" => &["td", "th"],
            "tr" => &["td", "th", "tr"],
            _ => &[],
        };
        while let Some(top) = self.open.last() {
            if !closes.contains(&top.as_str()) {
                break;
            }
            self.pop();
        }
    }

    fn close_to(&mut self, name: &str) {
        if self.open_counts.get(name).copied().unwrap_or(0) == 0 {
            if name == "p" {
                self.request_break(2);
            }
            if name == "br" {
                self.line_break();
            }
            return;
        }
        while let Some(top) = self.pop() {
            if top == name {
                break;
            }
        }
    }

    fn pop(&mut self) -> Option<String> {
        let name = self.open.pop()?;
        if let Some(count) = self.open_counts.get_mut(&name) {
            *count = count.saturating_sub(1);
        }
        self.end_element(&name);
        if self.quote_at == Some(self.open.len()) {
            self.end_quote();
        }
        Some(name)
    }

    fn start_element(&mut self, name: &str, attrs: &[(String, String)]) {
        match name {
            "br" => self.line_break(),
            "p" => self.request_break(2),
            "hr" => {
                self.request_break(1);
                self.push_prefix("---");
                self.line_fresh = false;
                self.request_break(1);
            }
            "b" | "strong" => self.open_inline("**"),
            "i" | "em" => self.open_inline("*"),
            "code" if self.pre_depth == 0 => self.open_inline("`"),
            "pre" => {
                self.request_break(2);
                self.pre_depth += 1;
                if self.pre_depth == 1 {
                    self.push_prefix("```\n");
                    self.pre_start = Some(self.out.len());
                }
            }
            "a" => {
                let href = Token::attr(attrs, "href")
                    .map(str::trim)
                    .filter(|h| !h.is_empty() && !h.starts_with('#'))
                    .map(str::to_string);
                if href.is_some() {
                    self.open_inline("[");
                }
                self.links.push(href);
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let level = usize::from(name.as_bytes()[1] - b'0');
                self.request_break(2);
                self.push_prefix(&format!("{} ", "#".repeat(level)));
            }
            "ul" | "ol" => {
                self.request_break(1);
                self.lists.push(if name == "ul" {
                    ListKind::Bullet
                } else {
                    ListKind::Numbered(0)
                });
            }
            "li" => {
                let depth = self.lists.len().saturating_sub(1);
                let marker = match self.lists.last_mut() {
                    Some(ListKind::Numbered(n)) => {
                        *n += 1;
                        format!("{n}. ")
                    }
                    _ => "- ".to_string(),
                };
                self.request_break(1);
                self.push_prefix(&format!("{}{marker}", "  ".repeat(depth.min(8))));
            }
            "table" => {
                self.request_break(2);
                self.tables.push(Table {
                    rows: Vec::new(),
                    row_open: false,
                    cell_start: None,
                    has_header: false,
                });
            }
            "tr" => {
                self.close_cell();
                self.close_row();
                self.open_row();
            }
            "td" | "th" => {
                self.close_cell();
                // Text inside the cell starts clean; what was pending
                // belongs to the table as a whole.
                self.pending_open.clear();
                self.pending_space = false;
                self.open_row();
                let start = self.out.len();
                if let Some(table) = self.tables.last_mut() {
                    table.cell_start = Some(start);
                    table.has_header |= name == "th";
                    self.line_fresh = true;
                }
            }
            _ if BLOCK_ELEMENTS.contains(&name) => self.request_break(1),
            _ => {}
        }
    }

    fn end_element(&mut self, name: &str) {
        match name {
            "p" => self.request_break(2),
            "b" | "strong" => self.close_inline("**"),
            "i" | "em" => self.close_inline("*"),
            "code" if self.pre_depth == 0 => self.close_inline("`"),
            "pre" => {
                self.pre_depth = self.pre_depth.saturating_sub(1);
                if self.pre_depth == 0 {
                    self.finish_pre();
                }
            }
            "a" => {
                if let Some(Some(href)) = self.links.pop() {
                    if self.pending_open.ends_with('[') {
                        self.close_inline("[");
                    } else {
                        self.out.push_str(&format!("]({href})"));
                    }
                }
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => self.request_break(2),
            "ul" | "ol" => {
                self.lists.pop();
                self.request_break(1);
            }
            "li" => self.request_break(1),
            "td" | "th" => self.close_cell(),
            "tr" => {
                self.close_cell();
                self.close_row();
            }
            "table" => self.finish_table(),
            _ if BLOCK_ELEMENTS.contains(&name) => self.request_break(1),
            _ => {}
        }
    }

    fn finish_pre(&mut self) {
        let Some(start) = self.pre_start.take() else {
            return;
        };
        if start > self.out.len() || !self.out.is_char_boundary(start) {
            return;
        }
        let content = self.out.split_off(start);
        self.out.push_str(content.trim_matches('\n'));
        self.out.push_str("\n```");
        self.line_fresh = false;
        self.pending_space = false;
        self.request_break(2);
    }

    fn close_cell(&mut self) {
        let len = self.out.len();
        let Some(table) = self.tables.last_mut() else {
            return;
        };
        let Some(start) = table.cell_start.take() else {
            return;
        };
        let text = if start <= len && self.out.is_char_boundary(start) {
            self.out.split_off(start)
        } else {
            String::new()
        };
        self.open_row();
        if let Some(row) = self.tables.last_mut().and_then(|t| t.rows.last_mut()) {
            row.push(text.trim().to_string());
        }
        self.pending_open.clear();
        self.pending_space = false;
        self.pending_breaks = 0;
        self.line_fresh = self.out.is_empty() || self.out.ends_with('\n');
    }

    /// `row_open` says the last of `rows` still takes cells.
    fn open_row(&mut self) {
        if let Some(table) = self.tables.last_mut()
            && !table.row_open
        {
            table.rows.push(Vec::new());
            table.row_open = true;
        }
    }

    fn close_row(&mut self) {
        if let Some(table) = self.tables.last_mut() {
            table.row_open = false;
        }
    }

    fn finish_table(&mut self) {
        self.close_cell();
        let Some(table) = self.tables.pop() else {
            return;
        };
        let rows: Vec<Vec<String>> = table.rows.into_iter().filter(|r| !r.is_empty()).collect();
        let rendered = self.render_table(&rows, table.has_header);
        if !rendered.is_empty() {
            self.request_break(2);
            self.flush_breaks();
            self.out.push_str(&rendered);
            self.line_fresh = false;
        }
        self.request_break(2);
    }

    /// A data table becomes `| a | b |` rows; a layout table (one column,
    /// or cells holding paragraphs: how most HTML mail is laid out)
    /// becomes its cells' text, one block each.
    fn render_table(&mut self, rows: &[Vec<String>], has_header: bool) -> String {
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        let layout = width < 2
            || rows
                .iter()
                .flatten()
                .any(|cell| cell.contains('\n') || cell.contains(QUOTE_START));
        if layout {
            let cells: Vec<&str> = rows
                .iter()
                .flatten()
                .map(String::as_str)
                .filter(|c| !c.trim().is_empty())
                .collect();
            return cells.join("\n\n");
        }
        if rows.iter().flatten().all(|c| c.is_empty()) {
            return String::new();
        }
        let padding: usize = rows.iter().map(|r| width - r.len()).sum();
        let pad = self.padding_cells + padding <= MAX_TABLE_PADDING_CELLS;
        if pad {
            self.padding_cells += padding;
        }
        let mut lines = Vec::with_capacity(rows.len() + 1);
        for (index, row) in rows.iter().enumerate() {
            let mut cells: Vec<String> = row.iter().map(|c| c.replace('|', "\\|")).collect();
            if pad {
                cells.resize(width, String::new());
            }
            lines.push(format!("| {} |", cells.join(" | ")));
            if index == 0 && has_header {
                let columns = if pad { width } else { row.len() };
                lines.push(format!("|{}", " --- |".repeat(columns)));
            }
        }
        lines.join("\n")
    }

    fn finish(mut self) -> String {
        while self.pop().is_some() {}
        while !self.tables.is_empty() {
            self.finish_table();
        }
        self.out
    }
}

fn is_sentinel(c: char) -> bool {
    c == QUOTE_START || c == QUOTE_END
}

#[cfg(test)]
#[path = "html_text_tests.rs"]
mod tests;
