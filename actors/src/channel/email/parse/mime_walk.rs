//! The parts of one message in tree order, without entering attached
//! messages: their bodies and files belong to the forwarded mail, not to
//! what the user wrote.

use mail_parser::{Message, MessagePart, MimeHeaders, PartType};

pub(super) struct WalkedPart<'m, 'x> {
    pub id: usize,
    pub part: &'m MessagePart<'x>,
    /// The enclosing multipart's id; `None` for the root.
    pub parent: Option<usize>,
}

/// Leaf parts (not multiparts) in document order. Each part is visited at
/// most once, so malformed part references cannot loop.
pub(super) fn leaf_parts<'m, 'x>(message: &'m Message<'x>) -> Vec<WalkedPart<'m, 'x>> {
    let mut leaves = Vec::new();
    let mut visited = vec![false; message.parts.len()];
    let mut stack: Vec<(usize, Option<usize>)> = vec![(0, None)];
    while let Some((id, parent)) = stack.pop() {
        let Some(part) = message.parts.get(id) else {
            continue;
        };
        if std::mem::replace(&mut visited[id], true) {
            continue;
        }
        match &part.body {
            PartType::Multipart(children) => {
                stack.extend(children.iter().rev().map(|c| (*c as usize, Some(id))));
            }
            _ => leaves.push(WalkedPart { id, part, parent }),
        }
    }
    leaves
}

pub(super) fn is_multipart_mixed(message: &Message<'_>, id: usize) -> bool {
    message
        .parts
        .get(id)
        .and_then(|p| p.content_type())
        .is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("multipart")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("mixed"))
        })
}

/// `type/subtype`, lowercase; text/plain when absent (RFC 2045 default).
pub(super) fn content_type(part: &MessagePart<'_>) -> String {
    match part.content_type() {
        Some(ct) => match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
            None => ct.ctype().to_ascii_lowercase(),
        },
        None => "text/plain".to_string(),
    }
}

pub(super) fn disposition_is(part: &MessagePart<'_>, kind: &str) -> bool {
    part.content_disposition()
        .is_some_and(|d| d.ctype().eq_ignore_ascii_case(kind))
}
