//! Lines that announce quoted or forwarded text, shared by the plain-text
//! and HTML quote strippers so both recognise the same clients.

/// Endings of "On <date>, <who> wrote:" lines in the languages our users'
/// mail clients are most often set to.
const WROTE_SUFFIXES: &[&str] = &[
    "wrote:",
    "writes:",
    "schrieb:",
    "a écrit :",
    "a écrit:",
    "escribió:",
    "ha scritto:",
    "scrisse:",
    "escreveu:",
    "skrev:",
    "kirjoitti:",
    "schreef:",
    "napisał(a):",
    "написал(а):",
];

/// How attribution lines start ("On", "Am", "Le", …): lets us take a
/// wrapped attribution (Gmail wraps at ~76 columns) as a whole.
const ATTRIBUTION_PREFIXES: &[&str] = &[
    "on ", "am ", "le ", "el ", "il ", "em ", "op ", "den ", "w dniu ", "dne ",
];

const ORIGINAL_MESSAGE_WORDS: &[&str] = &[
    "original message",
    "ursprüngliche nachricht",
    "message d'origine",
    "mensaje original",
    "messaggio originale",
    "oorspronkelijk bericht",
];

const FORWARD_MARKERS: &[&str] = &[
    "forwarded message",
    "begin forwarded message",
    "weitergeleitete nachricht",
    "message transféré",
];

/// An attribution line longer than this is prose, not a client's header.
const MAX_ATTRIBUTION_CHARS: usize = 400;

/// Where the attribution ending `lines` starts, if they end with one
/// (trailing blank lines ignored). At most three lines are taken, so a
/// user's paragraph is never swallowed.
pub(super) fn trailing_attribution_start(lines: &[&str]) -> Option<usize> {
    let last = lines.iter().rposition(|line| !line.trim().is_empty())?;
    // Checked before lowercasing so a huge line costs nothing.
    if lines[last].len() > MAX_ATTRIBUTION_CHARS * 4 {
        return None;
    }
    let last_line = lines[last].trim().to_lowercase();
    // Thunderbird in German puts the name last: "Am … schrieb Ann <a@b>:".
    let says_wrote = WROTE_SUFFIXES.iter().any(|s| last_line.ends_with(s))
        || (last_line.ends_with(':')
            && WROTE_SUFFIXES
                .iter()
                .any(|s| last_line.contains(s.trim_end_matches(':').trim_end())));
    if last_line.chars().count() > MAX_ATTRIBUTION_CHARS || !says_wrote {
        return None;
    }
    for start in (last.saturating_sub(2)..=last).rev() {
        if start < last && lines[start].trim().is_empty() {
            break;
        }
        let line = lines[start].trim_start().to_lowercase();
        if ATTRIBUTION_PREFIXES.iter().any(|p| line.starts_with(p)) {
            return Some(start);
        }
    }
    let looks_like_header =
        last_line.contains('@') || last_line.chars().any(|c| c.is_ascii_digit());
    looks_like_header.then_some(last)
}

/// `-----Original Message-----` and its translations: Outlook's marker
/// that everything below is the message being answered.
pub(super) fn is_original_message_line(line: &str) -> bool {
    let trimmed = line.trim();
    if !trimmed.starts_with("--") {
        return false;
    }
    let words = trimmed.trim_matches(|c: char| c == '-' || c.is_whitespace());
    let words = words.to_lowercase();
    ORIGINAL_MESSAGE_WORDS.contains(&words.as_str())
}

/// A rule clients put above the quoted header block: `---` (our rendering
/// of `<hr>`) or Outlook's line of underscores.
pub(super) fn is_rule_line(line: &str) -> bool {
    let trimmed = line.trim();
    (trimmed.len() >= 3 && trimmed.chars().all(|c| c == '-'))
        || (trimmed.len() >= 10 && trimmed.chars().all(|c| c == '_'))
}

/// A subject saying the message is a forward: its "quote" is the content
/// the user wants us to read, so nothing may be stripped.
pub(super) fn is_forward_subject(subject: &str) -> bool {
    let mut rest = subject.trim_start().to_lowercase();
    // Replies to forwards ("Re: Fwd: …") quote our answer, not the forward.
    if rest.starts_with("re:") || rest.starts_with("aw:") {
        return false;
    }
    if let Some(stripped) = rest.strip_prefix('[') {
        rest = stripped.to_string();
    }
    ["fwd:", "fw:", "wg:", "tr:", "rv:", "fwd "]
        .iter()
        .any(|p| rest.starts_with(p))
}

/// Text that carries a client's "forwarded message" banner.
pub(super) fn looks_forwarded(text: &str) -> bool {
    let lower = text.to_lowercase();
    FORWARD_MARKERS.iter().any(|m| lower.contains(m))
}

#[cfg(test)]
#[path = "attribution_tests.rs"]
mod tests;
