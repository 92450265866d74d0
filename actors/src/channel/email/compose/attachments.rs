//! Which outgoing files fit the size limits, and their MIME parts.

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Body, SinglePart};

use super::reply::{ComposeLimits, OutgoingFile};

/// Files split by the limits, each side in the order given.
pub struct Selection {
    pub attached: Vec<OutgoingFile>,
    /// Name and size of each file left out.
    pub omitted: Vec<(String, u64)>,
}

/// Takes files in order: one larger than `max_attachment_bytes`, or that
/// would bring the attached total over `max_total_bytes`, is left out; a
/// later, smaller file may still fit. Sizes are raw bytes, before base64.
pub fn select(files: Vec<OutgoingFile>, limits: &ComposeLimits) -> Selection {
    let mut selection = Selection {
        attached: Vec::new(),
        omitted: Vec::new(),
    };
    let mut total: u64 = 0;
    for file in files {
        let size = file.bytes.len() as u64;
        let fits = size <= limits.max_attachment_bytes
            && total
                .checked_add(size)
                .is_some_and(|sum| sum <= limits.max_total_bytes);
        if fits {
            total += size;
            selection.attached.push(file);
        } else {
            selection.omitted.push((file.name, size));
        }
    }
    selection
}

/// The attachment part for `file` (base64, `Content-Disposition:
/// attachment` with the name RFC 2231-encoded when needed). An unparsable
/// content type becomes `application/octet-stream`.
pub fn part(file: OutgoingFile) -> SinglePart {
    let content_type = ContentType::parse(file.content_type.trim())
        .or_else(|_| ContentType::parse(OCTET_STREAM))
        .unwrap_or(ContentType::TEXT_PLAIN);
    // Always base64: a 7bit or quoted-printable text file could have its
    // line endings rewritten on the way; base64 arrives byte-exact.
    let body = match Body::new_with_encoding(file.bytes, ContentTransferEncoding::Base64) {
        Ok(body) => body,
        Err(bytes) => Body::new(bytes),
    };
    Attachment::new(file.name).body(body, content_type)
}

const OCTET_STREAM: &str = "application/octet-stream";
