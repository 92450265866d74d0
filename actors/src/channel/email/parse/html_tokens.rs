//! A small, tolerant HTML tokenizer: enough for the HTML mail clients
//! send, linear in the input, never failing. Real browsers' error recovery
//! is not needed: unknown or broken markup degrades to text or is skipped.

use std::borrow::Cow;

#[derive(Debug, PartialEq)]
pub(super) enum Token<'a> {
    /// `name` is lowercase; attribute names too, values are entity-decoded.
    Start {
        name: String,
        attrs: Vec<(String, String)>,
        self_closing: bool,
    },
    End {
        name: String,
    },
    /// Entity-decoded text.
    Text(Cow<'a, str>),
}

impl Token<'_> {
    pub(super) fn attr<'t>(attrs: &'t [(String, String)], name: &str) -> Option<&'t str> {
        attrs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

pub(super) struct Tokenizer<'a> {
    html: &'a str,
    pos: usize,
    /// Inside `script`/`style`: their content is not markup and not text.
    raw_text_end: Option<&'static str>,
}

impl<'a> Tokenizer<'a> {
    pub(super) fn new(html: &'a str) -> Self {
        Tokenizer {
            html,
            pos: 0,
            raw_text_end: None,
        }
    }

    fn rest(&self) -> &'a str {
        self.html.get(self.pos..).unwrap_or("")
    }

    /// Skips script/style content up to its closing tag (ASCII
    /// case-insensitive), leaving that tag to be tokenized.
    fn skip_raw_text(&mut self, end_tag: &str) {
        let rest = self.rest().as_bytes();
        let needle = end_tag.as_bytes();
        let found = rest
            .windows(needle.len())
            .position(|window| window.eq_ignore_ascii_case(needle));
        self.pos += found.unwrap_or(rest.len());
    }

    fn skip_past(&mut self, needle: &str) {
        match self.rest().find(needle) {
            Some(at) => self.pos += at + needle.len(),
            None => self.pos = self.html.len(),
        }
    }

    fn read_name(&mut self) -> String {
        let rest = self.rest();
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
            .unwrap_or(rest.len());
        self.pos += end;
        rest[..end].to_ascii_lowercase()
    }

    fn skip_whitespace(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// Attributes up to and including `>`; returns them and whether the
    /// tag ended in `/>`.
    fn read_attributes(&mut self) -> (Vec<(String, String)>, bool) {
        let mut attrs = Vec::new();
        loop {
            self.skip_whitespace();
            let rest = self.rest();
            let Some(first) = rest.chars().next() else {
                return (attrs, false);
            };
            if first == '>' {
                self.pos += 1;
                return (attrs, false);
            }
            if rest.starts_with("/>") {
                self.pos += 2;
                return (attrs, true);
            }
            if first == '/' {
                self.pos += 1;
                continue;
            }
            let name_end = rest
                .find(|c: char| c.is_whitespace() || c == '=' || c == '>' || c == '/')
                .unwrap_or(rest.len())
                .max(first.len_utf8());
            let name = rest[..name_end].to_ascii_lowercase();
            self.pos += name_end;
            self.skip_whitespace();
            let mut value = String::new();
            if self.rest().starts_with('=') {
                self.pos += 1;
                self.skip_whitespace();
                let rest = self.rest();
                match rest.chars().next() {
                    Some(quote @ ('"' | '\'')) => {
                        let body = &rest[1..];
                        let end = body.find(quote).unwrap_or(body.len());
                        value = decode_entities(&body[..end]).into_owned();
                        self.pos += 1 + end + usize::from(end < body.len());
                    }
                    Some(_) => {
                        let end = rest
                            .find(|c: char| c.is_whitespace() || c == '>')
                            .unwrap_or(rest.len());
                        value = decode_entities(&rest[..end]).into_owned();
                        self.pos += end;
                    }
                    None => {}
                }
            }
            attrs.push((name, value));
        }
    }
}

impl<'a> Iterator for Tokenizer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            if let Some(end_tag) = self.raw_text_end.take() {
                self.skip_raw_text(end_tag);
            }
            let rest = self.rest();
            if rest.is_empty() {
                return None;
            }
            if !rest.starts_with('<') {
                let end = rest.find('<').unwrap_or(rest.len());
                self.pos += end;
                return Some(Token::Text(decode_entities(&rest[..end])));
            }
            let after = &rest[1..];
            if after.starts_with("!--") {
                self.pos += 4;
                self.skip_past("-->");
                continue;
            }
            if after.starts_with('!') || after.starts_with('?') {
                self.skip_past(">");
                continue;
            }
            if let Some(end) = after.strip_prefix('/') {
                if end.starts_with(|c: char| c.is_ascii_alphabetic()) {
                    self.pos += 2;
                    let name = self.read_name();
                    self.skip_past(">");
                    return Some(Token::End { name });
                }
                self.skip_past(">");
                continue;
            }
            if after.starts_with(|c: char| c.is_ascii_alphabetic()) {
                self.pos += 1;
                let name = self.read_name();
                let (attrs, self_closing) = self.read_attributes();
                if !self_closing {
                    self.raw_text_end = match name.as_str() {
                        "script" => Some("</script"),
                        "style" => Some("</style"),
                        "title" => Some("</title"),
                        _ => None,
                    };
                }
                return Some(Token::Start {
                    name,
                    attrs,
                    self_closing,
                });
            }
            self.pos += 1;
            return Some(Token::Text(Cow::Borrowed("<")));
        }
    }
}

/// Decodes character references; unknown ones stay as written.
pub(super) fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let candidate = &rest[at + 1..];
        match decode_one(candidate) {
            Some((decoded, used)) => {
                out.push_str(&decoded);
                rest = &candidate[used..];
            }
            None => {
                out.push('&');
                rest = candidate;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// One reference after the `&`: the decoded text and the bytes consumed.
fn decode_one(text: &str) -> Option<(Cow<'static, str>, usize)> {
    if let Some(numeric) = text.strip_prefix('#') {
        let (digits, radix, prefix) = match numeric.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 2),
            None => (numeric, 10, 1),
        };
        let len = digits
            .find(|c: char| !c.is_digit(radix))
            .unwrap_or(digits.len());
        if len == 0 {
            return None;
        }
        // Eight digits already exceed the Unicode range; more cannot parse.
        let value = if len > 8 {
            None
        } else {
            u32::from_str_radix(&digits[..len], radix).ok()
        };
        let c = value
            .filter(|v| *v != 0)
            .and_then(char::from_u32)
            .unwrap_or('\u{FFFD}');
        let used = prefix + len + usize::from(digits[len..].starts_with(';'));
        return Some((Cow::Owned(c.to_string()), used));
    }
    let len = text
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(text.len());
    if len == 0 || len > 10 || !text[len..].starts_with(';') {
        return None;
    }
    let decoded = named_entity(&text[..len])?;
    Some((Cow::Borrowed(decoded), len + 1))
}

fn named_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        // Outlook fills empty paragraphs with &nbsp;: a plain space lets
        // them collapse like any other whitespace.
        "nbsp" | "ensp" | "emsp" | "thinsp" => " ",
        "shy" | "zwnj" | "zwj" | "lrm" | "rlm" => "",
        "copy" => "©",
        "reg" => "®",
        "trade" => "™",
        "hellip" => "…",
        "mdash" => "—",
        "ndash" => "–",
        "lsquo" => "‘",
        "rsquo" => "’",
        "sbquo" => "‚",
        "ldquo" => "“",
        "rdquo" => "”",
        "bdquo" => "„",
        "laquo" => "«",
        "raquo" => "»",
        "bull" => "•",
        "middot" => "·",
        "euro" => "€",
        "pound" => "£",
        "yen" => "¥",
        "cent" => "¢",
        "sect" => "§",
        "para" => "¶",
        "deg" => "°",
        "plusmn" => "±",
        "times" => "×",
        "divide" => "÷",
        "iexcl" => "¡",
        "iquest" => "¿",
        "rarr" => "→",
        "larr" => "←",
        "auml" => "ä",
        "ouml" => "ö",
        "uuml" => "ü",
        "Auml" => "Ä",
        "Ouml" => "Ö",
        "Uuml" => "Ü",
        "szlig" => "ß",
        "aacute" => "á",
        "eacute" => "é",
        "iacute" => "í",
        "oacute" => "ó",
        "uacute" => "ú",
        "Eacute" => "É",
        "agrave" => "à",
        "egrave" => "è",
        "ugrave" => "ù",
        "acirc" => "â",
        "ecirc" => "ê",
        "icirc" => "î",
        "ocirc" => "ô",
        "ccedil" => "ç",
        "ntilde" => "ñ",
        "aring" => "å",
        "Aring" => "Å",
        "aelig" => "æ",
        "oslash" => "ø",
        "Oslash" => "Ø",
        _ => return None,
    })
}

#[cfg(test)]
#[path = "html_tokens_tests.rs"]
mod tests;
