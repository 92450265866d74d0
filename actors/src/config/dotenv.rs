//! `.env` file parser.
//!
//! Accepts the syntax people actually write: `KEY=value`, an optional
//! `export ` prefix, `#` comments (whole-line, or after whitespace on an
//! unquoted value), single quotes (literal), double quotes (with `\n \t \\ \"
//! \$` escapes) and quoted values spanning lines. A malformed line (no `=`,
//! unclosed quote) is skipped rather than failing the whole load, matching
//! the Python Airut. When a key repeats, the last value wins.

use std::collections::HashMap;

/// Parses `.env` text into name → value.
pub fn parse_dotenv(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut cur = Cursor { rest: text };
    while !cur.rest.is_empty() {
        cur.skip_blanks();
        if cur.rest.is_empty() {
            break;
        }
        if cur.at_newline() || cur.rest.starts_with('#') {
            cur.skip_line();
            continue;
        }
        cur.skip_export();
        let Some(key) = cur.key() else {
            cur.skip_line();
            continue;
        };
        cur.skip_blanks();
        if !cur.eat('=') {
            cur.skip_line();
            continue;
        }
        let before_value = cur.rest;
        match cur.value() {
            Some(value) => {
                out.insert(key, value);
                cur.skip_line();
            }
            None => {
                // Unclosed quote: drop just this line, keep parsing after it.
                cur.rest = before_value;
                cur.skip_line();
            }
        }
    }
    out
}

struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn skip_blanks(&mut self) {
        self.rest = self.rest.trim_start_matches([' ', '\t']);
    }

    fn at_newline(&self) -> bool {
        self.rest.starts_with(['\n', '\r'])
    }

    fn eat(&mut self, c: char) -> bool {
        match self.rest.strip_prefix(c) {
            Some(r) => {
                self.rest = r;
                true
            }
            None => false,
        }
    }

    /// Moves past the next line break (or to the end).
    fn skip_line(&mut self) {
        match self.rest.find(['\n', '\r']) {
            Some(i) => {
                self.rest = &self.rest[i..];
                if !self.eat('\n') && self.eat('\r') {
                    self.eat('\n');
                }
            }
            None => self.rest = "",
        }
    }

    fn skip_export(&mut self) {
        if let Some(r) = self.rest.strip_prefix("export")
            && (r.is_empty() || r.starts_with([' ', '\t']))
        {
            self.rest = r;
            self.skip_blanks();
        }
    }

    fn key(&mut self) -> Option<String> {
        if let Some(q) = self.rest.chars().next().filter(|c| *c == '\'' || *c == '"') {
            let body = &self.rest[1..];
            let end = body.find(q)?;
            self.rest = &body[end + 1..];
            return Some(body[..end].to_owned());
        }
        let end = self
            .rest
            .find(['=', ' ', '\t', '\r', '\n'])
            .unwrap_or(self.rest.len());
        if end == 0 {
            return None;
        }
        let key = self.rest[..end].to_owned();
        self.rest = &self.rest[end..];
        Some(key)
    }

    fn value(&mut self) -> Option<String> {
        self.skip_blanks();
        if self.rest.is_empty() || self.at_newline() {
            return Some(String::new());
        }
        if self.eat('\'') {
            return self.single_quoted();
        }
        if self.eat('"') {
            return self.double_quoted();
        }
        Some(self.unquoted())
    }

    fn single_quoted(&mut self) -> Option<String> {
        let mut out = String::new();
        let mut chars = self.rest.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' if self.rest[i + 1..].starts_with('\'') => {
                    out.push('\'');
                    chars.next();
                }
                '\'' => {
                    self.rest = &self.rest[i + 1..];
                    return Some(out);
                }
                _ => out.push(c),
            }
        }
        None
    }

    fn double_quoted(&mut self) -> Option<String> {
        let mut out = String::new();
        let mut chars = self.rest.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, e @ ('\\' | '"' | '$'))) => out.push(e),
                    // Unknown escape: keep it verbatim.
                    Some((_, other)) => {
                        out.push('\\');
                        out.push(other);
                    }
                    None => out.push('\\'),
                },
                '"' => {
                    self.rest = &self.rest[i + 1..];
                    return Some(out);
                }
                _ => out.push(c),
            }
        }
        None
    }

    /// Up to end of line; ` #` or `\t#` starts a comment.
    fn unquoted(&mut self) -> String {
        let line_end = self.rest.find(['\r', '\n']).unwrap_or(self.rest.len());
        let line = &self.rest[..line_end];
        let mut end = line.len();
        let bytes = line.as_bytes();
        for i in 1..bytes.len() {
            if bytes[i] == b'#' && matches!(bytes[i - 1], b' ' | b'\t') {
                end = i;
                break;
            }
        }
        self.rest = &self.rest[line_end..];
        line[..end].trim_end_matches([' ', '\t']).to_owned()
    }
}

#[cfg(test)]
#[path = "dotenv_tests.rs"]
mod tests;
