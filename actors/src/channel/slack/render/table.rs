//! Markdown tables as monospaced text (reference S13): Slack has no table
//! markup, so a table becomes aligned columns inside a code block. Columns
//! are padded by display width (wide East Asian characters and emoji count
//! two, combining marks zero) so they line up in Slack's monospace font.

use pulldown_cmark::Alignment;

/// Collects a table's cells as plain text.
pub struct TableBuilder {
    alignments: Vec<Alignment>,
    rows: Vec<Vec<String>>,
    cell: Option<String>,
}

impl TableBuilder {
    pub fn new(alignments: Vec<Alignment>) -> TableBuilder {
        TableBuilder {
            alignments,
            rows: Vec::new(),
            cell: None,
        }
    }

    pub fn start_row(&mut self) {
        self.rows.push(Vec::new());
    }

    pub fn start_cell(&mut self) {
        self.cell = Some(String::new());
    }

    pub fn end_cell(&mut self) {
        let cell = self.cell.take().unwrap_or_default();
        if self.rows.is_empty() {
            self.rows.push(Vec::new());
        }
        if let Some(row) = self.rows.last_mut() {
            row.push(cell.trim().to_string());
        }
    }

    pub fn text(&mut self, text: &str) {
        if let Some(cell) = self.cell.as_mut() {
            cell.push_str(text);
        }
    }

    /// A code span keeps its backticks: inside a code block they read as
    /// the author wrote them.
    pub fn code(&mut self, code: &str) {
        if let Some(cell) = self.cell.as_mut() {
            cell.push('`');
            cell.push_str(code);
            cell.push('`');
        }
    }

    /// The header row, a separator row (dashes, at least three, with `:`
    /// marking alignment) and the body rows, each line ending in `\n`.
    /// Not escaped: the caller escapes the whole block.
    pub fn render(&self) -> String {
        let columns = self
            .rows
            .iter()
            .map(Vec::len)
            .max()
            .unwrap_or(0)
            .max(self.alignments.len());
        if columns == 0 {
            return String::new();
        }
        let mut widths = vec![3usize; columns];
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(display_width(cell));
            }
        }
        let mut out = String::new();
        for (r, row) in self.rows.iter().enumerate() {
            out.push('|');
            for (i, width) in widths.iter().enumerate() {
                let cell = row.get(i).map(String::as_str).unwrap_or("");
                out.push(' ');
                out.push_str(&pad(cell, *width, self.alignment(i)));
                out.push_str(" |");
            }
            out.push('\n');
            if r == 0 {
                out.push('|');
                for (i, width) in widths.iter().enumerate() {
                    out.push(' ');
                    out.push_str(&separator(*width, self.alignment(i)));
                    out.push_str(" |");
                }
                out.push('\n');
            }
        }
        out
    }

    fn alignment(&self, column: usize) -> Alignment {
        self.alignments
            .get(column)
            .copied()
            .unwrap_or(Alignment::None)
    }
}

fn pad(cell: &str, width: usize, alignment: Alignment) -> String {
    let gap = width.saturating_sub(display_width(cell));
    let (left, right) = match alignment {
        Alignment::Right => (gap, 0),
        Alignment::Center => (gap / 2, gap - gap / 2),
        Alignment::Left | Alignment::None => (0, gap),
    };
    format!("{}{cell}{}", " ".repeat(left), " ".repeat(right))
}

fn separator(width: usize, alignment: Alignment) -> String {
    match alignment {
        Alignment::None => "-".repeat(width),
        Alignment::Left => format!(":{}", "-".repeat(width - 1)),
        Alignment::Right => format!("{}:", "-".repeat(width - 1)),
        Alignment::Center => format!(":{}:", "-".repeat(width.saturating_sub(2).max(1))),
    }
}

/// Columns `text` takes in a monospace font.
pub fn display_width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    let c = c as u32;
    let zero = matches!(c,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x0610..=0x061A
        | 0x064B..=0x065F | 0x0E31 | 0x0E34..=0x0E3A | 0x1AB0..=0x1AFF
        | 0x1DC0..=0x1DFF | 0x200B..=0x200F | 0x20D0..=0x20FF | 0xFE00..=0xFE0F
        | 0xFE20..=0xFE2F | 0xE0100..=0xE01EF);
    if zero || c < 0x20 {
        return 0;
    }
    let wide = matches!(c,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF | 0x20000..=0x3FFFD);
    if wide { 2 } else { 1 }
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
