//! File names for attachments the agent will find under `/inbox/`: the
//! sender chooses them, so they are reduced to one harmless path component.

use std::collections::HashSet;

/// Room for a `" (NNN)"` suffix and still far below the 255-byte limit
/// of common file systems.
const MAX_NAME_BYTES: usize = 140;
/// Longer "extensions" are part of the name, not a type hint worth keeping.
const MAX_EXTENSION_CHARS: usize = 16;

/// A single safe path component for `raw` (a sender-supplied name), or a
/// name made from `content_type` when nothing usable is left.
pub(crate) fn safe_name(raw: Option<&str>, content_type: &str) -> String {
    let base = raw
        .map(|name| name.rsplit(['/', '\\']).next().unwrap_or(name))
        .unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_format(*c))
        .map(|c| match c {
            ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c => c,
        })
        .collect();
    // Leading dots hide files (and `..` climbs); trailing dots and spaces
    // confuse Windows tools the user may copy files to.
    let trimmed = cleaned
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    if trimmed.is_empty() {
        return fallback_name(content_type);
    }
    // A leading '-' reads as an option to the tools the agent runs.
    let name = match trimmed.strip_prefix('-') {
        Some(rest) => format!("_{rest}"),
        None => trimmed.to_string(),
    };
    cap_length(&name, MAX_NAME_BYTES)
}

/// Bidi overrides and zero-width characters can disguise an extension
/// (`invoice\u{202E}fdp.exe`).
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(dot) if dot > 0 && name[dot + 1..].chars().count() <= MAX_EXTENSION_CHARS => {
            (&name[..dot], &name[dot..])
        }
        _ => (name, ""),
    }
}

/// Shortens the stem, never the extension, on a character boundary.
fn cap_length(name: &str, max_bytes: usize) -> String {
    if name.len() <= max_bytes {
        return name.to_string();
    }
    let (stem, extension) = split_extension(name);
    let budget = max_bytes.saturating_sub(extension.len());
    let mut end = budget.min(stem.len());
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    let stem = stem[..end].trim_end();
    if stem.is_empty() {
        let mut end = max_bytes.min(name.len());
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        return name[..end].to_string();
    }
    format!("{stem}{extension}")
}

/// A name for a part that came without one (pasted screenshots, Outlook
/// inline images, forwarded messages).
pub(super) fn fallback_name(content_type: &str) -> String {
    let content_type = content_type.to_ascii_lowercase();
    let extension = match content_type.as_str() {
        "image/png" => "png",
        "image/jpeg" | "image/jpg" | "image/pjpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/bmp" => "bmp",
        "image/tiff" => "tiff",
        "image/svg+xml" => "svg",
        "image/heic" => "heic",
        "application/pdf" => "pdf",
        "application/zip" => "zip",
        "application/json" => "json",
        "text/plain" => "txt",
        "text/html" => "html",
        "text/csv" => "csv",
        "text/calendar" | "application/ics" => "ics",
        "text/markdown" => "md",
        "message/rfc822" | "message/global" => "eml",
        _ => "bin",
    };
    let stem = if content_type.starts_with("image/") {
        "image"
    } else if content_type.starts_with("message/") {
        "message"
    } else {
        "attachment"
    };
    format!("{stem}.{extension}")
}

/// Hands out names unique within one message (case-insensitively, for
/// case-insensitive file systems): `a.txt`, `a (2).txt`, `a (3).txt`.
#[derive(Default)]
pub(super) struct UniqueNames {
    taken: HashSet<String>,
}

impl UniqueNames {
    pub(super) fn claim(&mut self, name: &str) -> String {
        if self.taken.insert(name.to_lowercase()) {
            return name.to_string();
        }
        let (stem, extension) = split_extension(name);
        // At most `taken.len() + 1` tries: one of them must be free.
        for n in 2..=self.taken.len() + 2 {
            let candidate = format!("{stem} ({n}){extension}");
            if self.taken.insert(candidate.to_lowercase()) {
                return candidate;
            }
        }
        // Unreachable by the pigeonhole argument above; a distinct name anyway.
        let candidate = format!("{stem} ({}){extension}", self.taken.len() + 3);
        self.taken.insert(candidate.to_lowercase());
        candidate
    }
}

#[cfg(test)]
#[path = "attachment_names_tests.rs"]
mod tests;
