//! Inbound email parsing (reference channels.md E7–E12; decisions in
//! spec/email-parsing.md): headers, the text the user wrote, files, and
//! the hints for conversation and model. Pure code, no I/O.

mod addressing;
pub(crate) mod attachment_names;
mod attachments;
mod attribution;
mod body_select;
mod html_text;
mod html_tokens;
mod mime_walk;
mod plain_quotes;
mod quote_blocks;

use mail_parser::{HeaderName, Message, MessageParser};

use super::ids;
use crate::intake::ConversationId;
use body_select::Body;

/// One inbound email, reduced to what the channel needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedEmail {
    /// With angle brackets, as in the header.
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Option<String>,
    /// RFC 2047 decoded; `""` when absent.
    pub subject: String,
    /// The raw `From` value, display name included, for the reply's `To`.
    pub from_header: Option<String>,
    /// The text the user wrote: quotes of earlier mail removed.
    pub body: String,
    pub attachments: Vec<ParsedAttachment>,
    /// From the threading headers first, then the subject's `[ID:…]`.
    pub conversation_hint: Option<ConversationId>,
    /// `<account local>+<model>@<account domain>` among the recipients.
    pub model_hint: Option<String>,
}

/// A file that came with the message, not yet saved anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAttachment {
    /// Safe as one path component, unique within the message.
    pub name: String,
    /// `type/subtype`, lowercase.
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// Shown in the body (pasted screenshots) rather than attached.
    pub inline: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("the message is empty")]
    Empty,
    #[error("not an email message: no header found")]
    NotEmail,
    #[error("the MIME structure could not be parsed")]
    Malformed,
}

/// Parses one raw RFC 5322 message. `account_address` is the mailbox the
/// message was delivered to (for the model hint).
pub fn parse_email(raw: &[u8], account_address: &str) -> Result<ParsedEmail, ParseError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    let message = parse_mime(raw)?;
    if !has_mail_header(&message) {
        return Err(ParseError::NotEmail);
    }

    let message_id = header_text(&message, HeaderName::MessageId);
    let in_reply_to = header_text(&message, HeaderName::InReplyTo);
    let references = header_text(&message, HeaderName::References);
    let subject = message
        .subject()
        .map(|s| unfold(s.trim()))
        .unwrap_or_default();
    let from_header = header_text(&message, HeaderName::From);

    let (body, body_parts) = body_select::select_body(&message);
    // A forward's "quote" is what the user wants read.
    let strip = !attribution::is_forward_subject(&subject);
    let body = match body {
        Body::Html(html) => html_text::html_to_text(&html, strip),
        Body::Plain(text) if strip => plain_quotes::strip_plain_quotes(&text),
        Body::Plain(text) => quote_blocks::normalize(&text),
        Body::None => String::new(),
    };
    let attachments = attachments::collect(&message, &body_parts);

    let conversation_hint =
        ids::conversation_in_thread_headers(in_reply_to.as_deref(), references.as_deref())
            .or_else(|| ids::conversation_in_subject(&subject));
    let model_hint = addressing::model_hint(&message, account_address);

    Ok(ParsedEmail {
        message_id,
        in_reply_to,
        references,
        subject,
        from_header,
        body,
        attachments,
        conversation_hint,
        model_hint,
    })
}

/// mail-parser says it never panics, but fuzzing trips its debug
/// assertions (and its unchecked arithmetic in debug builds); a hostile
/// mail must not take the listener down with it.
fn parse_mime(raw: &[u8]) -> Result<Message<'_>, ParseError> {
    std::panic::catch_unwind(|| MessageParser::default().parse(raw))
        .map_err(|_| ParseError::Malformed)?
        .ok_or(ParseError::NotEmail)
}

/// mail-parser takes almost anything with a colon for a header; a mail
/// has at least one of these.
fn has_mail_header(message: &Message<'_>) -> bool {
    [
        HeaderName::From,
        HeaderName::To,
        HeaderName::Subject,
        HeaderName::MessageId,
        HeaderName::Date,
        HeaderName::ContentType,
        HeaderName::MimeVersion,
        HeaderName::InReplyTo,
        HeaderName::References,
    ]
    .into_iter()
    .any(|name| message.header_raw(name).is_some())
}

/// A raw header value, unfolded and trimmed; `None` when blank.
fn header_text(message: &Message<'_>, name: HeaderName<'_>) -> Option<String> {
    let value = unfold(message.header_raw(name)?.trim());
    (!value.is_empty()).then_some(value)
}

/// Folded header lines joined with single spaces; no control characters
/// survive to be echoed into our reply headers.
fn unfold(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut space = false;
    for c in value.chars() {
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
#[path = "mod_tests.rs"]
mod tests;
