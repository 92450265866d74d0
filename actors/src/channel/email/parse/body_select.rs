//! Which part is the text the user wrote (channels.md E10, with its §5
//! flaws fixed): HTML first, then plain text; never a part sent as a
//! file, never the body of an attached (forwarded) message.

use mail_parser::{Message, MessagePart, MimeHeaders, PartType};

use super::mime_walk::{self, WalkedPart};

#[derive(Debug, PartialEq)]
pub(super) enum Body {
    Html(String),
    Plain(String),
    None,
}

/// A text/plain or text/html part that is meant to be read, not saved:
/// not `attachment`, and without a file name.
pub(super) fn is_body_candidate(part: &MessagePart<'_>) -> bool {
    let is_text = match &part.body {
        PartType::Html(_) => true,
        PartType::Text(_) => mime_walk::content_type(part) == "text/plain",
        _ => false,
    };
    is_text && !mime_walk::disposition_is(part, "attachment") && part.attachment_name().is_none()
}

/// The body, decoded to text by mail-parser (charset included), and the
/// ids of the parts it came from.
pub(super) fn select_body(message: &Message<'_>) -> (Body, Vec<usize>) {
    let candidates: Vec<WalkedPart<'_, '_>> = mime_walk::leaf_parts(message)
        .into_iter()
        .filter(|walked| is_body_candidate(walked.part) && !walked.part.is_empty())
        .collect();
    let is_html = |w: &WalkedPart<'_, '_>| matches!(w.part.body, PartType::Html(_));
    let html: Vec<&WalkedPart<'_, '_>> = candidates.iter().filter(|w| is_html(w)).collect();
    if !html.is_empty() {
        let (text, ids) = join_fragments(message, &html);
        return (Body::Html(text), ids);
    }
    let plain: Vec<&WalkedPart<'_, '_>> = candidates.iter().filter(|w| !is_html(w)).collect();
    if !plain.is_empty() {
        let (text, ids) = join_fragments(message, &plain);
        return (Body::Plain(text), ids);
    }
    (Body::None, Vec::new())
}

/// The first candidate, plus its siblings of the same kind when the
/// parent is multipart/mixed: Apple Mail splits a body around pasted
/// images into several text parts of one mixed multipart.
fn join_fragments(
    message: &Message<'_>,
    same_kind: &[&WalkedPart<'_, '_>],
) -> (String, Vec<usize>) {
    let Some(first) = same_kind.first() else {
        return (String::new(), Vec::new());
    };
    let fragments: Vec<&WalkedPart<'_, '_>> = match first.parent {
        Some(parent) if mime_walk::is_multipart_mixed(message, parent) => same_kind
            .iter()
            .copied()
            .filter(|w| w.parent == first.parent)
            .collect(),
        _ => vec![*first],
    };
    let text = fragments
        .iter()
        .filter_map(|w| w.part.text_contents())
        .collect::<Vec<_>>()
        .join("\n");
    (text, fragments.iter().map(|w| w.id).collect())
}

#[cfg(test)]
#[path = "body_select_tests.rs"]
mod tests;
