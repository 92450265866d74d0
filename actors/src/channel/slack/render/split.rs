//! Long answers (reference S17, improved): a rendered answer longer than
//! one message is cut at paragraph breaks where possible, else at line
//! breaks, else between words, and only as a last resort inside a word —
//! never inside an entity (`&amp;`) or a `<url|label>` token. A cut inside a
//! code block closes the fence at the end of the chunk and opens it again
//! at the start of the next, so every chunk renders on its own. Past
//! `max_messages` chunks the answer is sent as a file instead. Sizes are in
//! characters (Unicode scalar values), as Slack counts them.

/// Message size limits (see `spec/slack-rendering.md` for the numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitLimits {
    /// Characters per message, escapes included.
    pub max_chars: usize,
    /// Messages one answer may take before it becomes a file.
    pub max_messages: usize,
}

/// Slack asks to keep `text` under 4,000 characters for best results and
/// truncates it past 40,000; a 4,000-character message still reads as one
/// screen with Slack's "Show more".
pub const DEFAULT_MAX_CHARS: usize = 4_000;
pub const DEFAULT_MAX_MESSAGES: usize = 5;
/// Below this a chunk could not hold the fences it may need.
pub const MIN_MAX_CHARS: usize = 64;

impl Default for SplitLimits {
    fn default() -> SplitLimits {
        SplitLimits {
            max_chars: DEFAULT_MAX_CHARS,
            max_messages: DEFAULT_MAX_MESSAGES,
        }
    }
}

/// How an answer goes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Post these messages in order.
    Messages(Vec<String>),
    /// Too long for `max_messages`: upload it as a file (`chunks` is how
    /// many messages it would have taken).
    File { chunks: usize },
}

/// Messages or a file for the rendered answer `mrkdwn`.
pub fn plan_delivery(mrkdwn: &str, limits: &SplitLimits) -> Delivery {
    let chunks = split_message(mrkdwn, limits.max_chars);
    if chunks.len() <= limits.max_messages.max(1) {
        Delivery::Messages(chunks)
    } else {
        Delivery::File {
            chunks: chunks.len(),
        }
    }
}

const FENCE: &str = "```";
/// `"```\n"` before and `"\n```"` after a chunk cut inside code.
const FENCE_RESERVE: usize = 8;

/// One line, or a slice of a line too long for a message.
#[derive(Debug)]
struct Piece<'a> {
    text: &'a str,
    /// What joins it to the piece before when both are in one chunk.
    join: &'static str,
    /// Inside a code block at the start of the piece.
    fenced_before: bool,
    fenced_after: bool,
}

impl Piece<'_> {
    fn is_fence(&self) -> bool {
        self.fenced_before != self.fenced_after
    }
    fn is_blank(&self) -> bool {
        !self.fenced_before && self.join == "\n" && self.text.trim().is_empty()
    }
}

/// `text` cut into chunks of at most `max_chars` characters each (at
/// least [`MIN_MAX_CHARS`]). Text that fits is returned whole.
pub fn split_message(text: &str, max_chars: usize) -> Vec<String> {
    let max_chars = max_chars.max(MIN_MAX_CHARS);
    let text = text.trim_end();
    if text.chars().count() <= max_chars {
        return if text.trim().is_empty() {
            Vec::new()
        } else {
            vec![text.to_string()]
        };
    }
    let budget = max_chars - FENCE_RESERVE;
    let pieces = pieces(text, budget);
    let mut chunks = Vec::new();
    let mut start = 0;
    while start < pieces.len() {
        // blank lines at a chunk's start say nothing
        while start < pieces.len() && pieces[start].is_blank() {
            start += 1;
        }
        if start >= pieces.len() {
            break;
        }
        let end = chunk_end(&pieces, start, budget);
        let chunk = render_chunk(&pieces[start..end]);
        if !chunk.trim().is_empty() {
            chunks.push(chunk);
        }
        start = end;
    }
    chunks
}

/// The end (exclusive) of the chunk starting at `start`: as many pieces as
/// fit, then pulled back to the last paragraph break in its second half.
fn chunk_end(pieces: &[Piece<'_>], start: usize, budget: usize) -> usize {
    let mut used = 0;
    let mut end = start;
    let mut paragraph_end = None;
    while end < pieces.len() {
        let piece = &pieces[end];
        let join = if end == start { 0 } else { piece.join.len() };
        let size = join + piece.text.chars().count();
        if end > start && used + size > budget {
            break;
        }
        used += size;
        end += 1;
        if piece.is_blank() && used >= budget / 2 {
            paragraph_end = Some(end);
        }
    }
    // the last piece always fits: pieces are at most `budget` long
    let mut end = match paragraph_end {
        Some(p) if end < pieces.len() => p,
        _ => end,
    };
    // never end a chunk on the line that opens a code block
    if end < pieces.len()
        && end - start > 1
        && pieces[end - 1].is_fence()
        && pieces[end - 1].fenced_after
    {
        end -= 1;
    }
    end
}

fn render_chunk(pieces: &[Piece<'_>]) -> String {
    let mut out = String::new();
    let mut pieces = pieces;
    // A chunk that starts inside code and with its closing fence needs no
    // fences at all for that line.
    if let Some(first) = pieces.first()
        && first.fenced_before
        && first.is_fence()
    {
        pieces = &pieces[1..];
    }
    if pieces.first().is_some_and(|p| p.fenced_before) {
        out.push_str(FENCE);
        out.push('\n');
    }
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            out.push_str(piece.join);
        }
        out.push_str(piece.text);
    }
    let mut out = out.trim_end_matches(['\n', ' ']).to_string();
    if pieces.last().is_some_and(|p| p.fenced_after) {
        out.push('\n');
        out.push_str(FENCE);
    }
    out
}

/// The lines of `text` with their code-block state; lines longer than
/// `budget` are cut into slices.
fn pieces(text: &str, budget: usize) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut fenced = false;
    for line in text.split('\n') {
        let toggles = line.matches(FENCE).count() % 2 == 1;
        let after = fenced != toggles;
        let mut join = "\n";
        for (slice, next_join) in slices(line, budget) {
            pieces.push(Piece {
                text: slice,
                join,
                fenced_before: fenced,
                fenced_after: fenced,
            });
            join = next_join;
        }
        if let Some(last) = pieces.last_mut() {
            last.fenced_after = after;
        }
        fenced = after;
    }
    pieces
}

/// `line` cut into slices of at most `budget` characters, each with the
/// separator that rejoins it to the next (`" "` for a cut between words,
/// whose space is dropped, `""` for a cut inside a word).
fn slices(line: &str, budget: usize) -> Vec<(&str, &'static str)> {
    let mut out = Vec::new();
    let mut rest = line;
    loop {
        let Some((limit, _)) = rest.char_indices().nth(budget) else {
            out.push((rest, ""));
            return out;
        };
        let window = &rest[..limit];
        match word_break(window) {
            Some(space) => {
                out.push((&rest[..space], " "));
                rest = &rest[space + 1..];
            }
            None => {
                let cut = safe_cut(window);
                out.push((&rest[..cut], ""));
                rest = &rest[cut..];
            }
        }
    }
}

/// The last space in `window` outside a `<…>` token, not at its start.
fn word_break(window: &str) -> Option<usize> {
    let mut best = None;
    let mut in_token = false;
    for (i, c) in window.char_indices() {
        match c {
            '<' => in_token = true,
            '>' => in_token = false,
            ' ' if !in_token && i > 0 => best = Some(i),
            _ => {}
        }
    }
    best
}

/// Where to cut `window` (all of which may go) without splitting an
/// entity or a `<…>` token that starts after the window's beginning.
fn safe_cut(window: &str) -> usize {
    let mut cut = window.len();
    if let Some(open) = window.rfind('<')
        && open > 0
        && !window[open..].contains('>')
    {
        cut = open;
    }
    let head = &window[..cut];
    if let Some(amp) = head.rfind('&')
        && amp > 0
        && !head[amp..].contains(';')
        && head.len() - amp < 6
    {
        cut = amp;
    }
    cut.max(window.chars().next().map_or(0, char::len_utf8))
}

#[cfg(test)]
#[path = "split_tests.rs"]
mod tests;
