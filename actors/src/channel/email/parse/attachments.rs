//! Files that came with the message: every leaf part that is not the body
//! or its alternative, inline images included (the reference drops them;
//! channels.md §5 item 9), attached messages as `.eml`.

use mail_parser::decoders::base64::base64_decode;
use mail_parser::{Encoding, Message, MessagePart, MimeHeaders, PartType};

use super::ParsedAttachment;
use super::attachment_names::{UniqueNames, safe_name};
use super::body_select::is_body_candidate;
use super::mime_walk;

pub(super) fn collect(message: &Message<'_>, body_parts: &[usize]) -> Vec<ParsedAttachment> {
    let mut names = UniqueNames::default();
    let mut attachments = Vec::new();
    for walked in mime_walk::leaf_parts(message) {
        let part = walked.part;
        if body_parts.contains(&walked.id) || is_body_candidate(part) {
            continue;
        }
        let bytes = part_bytes(message, part);
        if bytes.is_empty() {
            continue;
        }
        let content_type = match &part.body {
            PartType::Message(_) => "message/rfc822".to_string(),
            _ => mime_walk::content_type(part),
        };
        let raw_name = part.attachment_name().map(str::to_string).or_else(|| {
            // An attached message is best known by its subject.
            part.message()
                .and_then(|m| m.subject())
                .map(|s| format!("{s}.eml"))
        });
        let name = names.claim(&safe_name(raw_name.as_deref(), &content_type));
        let inline = mime_walk::disposition_is(part, "inline")
            || (part.content_disposition().is_none() && part.content_id().is_some());
        attachments.push(ParsedAttachment {
            name,
            content_type,
            bytes,
            inline,
        });
    }
    attachments
}

/// The part's bytes after transfer decoding and nothing else: mail-parser
/// also converts text parts to UTF-8, which a file must not undergo.
fn part_bytes(message: &Message<'_>, part: &MessagePart<'_>) -> Vec<u8> {
    let raw = message
        .raw_message
        .get(part.offset_body as usize..part.offset_end as usize);
    match &part.body {
        PartType::Text(_) | PartType::Html(_) if part.encoding == Encoding::Base64 => raw
            .and_then(base64_decode)
            .unwrap_or_else(|| part.contents().to_vec()),
        PartType::Message(nested) if part.encoding == Encoding::None => raw
            .map(|bytes| bytes.to_vec())
            .unwrap_or_else(|| nested.raw_message.to_vec()),
        PartType::Message(nested) => nested.raw_message.to_vec(),
        _ => part.contents().to_vec(),
    }
}

#[cfg(test)]
#[path = "attachments_tests.rs"]
mod tests;
