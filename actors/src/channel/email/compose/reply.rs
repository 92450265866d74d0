//! One reply email, ready for SMTP: threading headers (reference
//! channels.md E13), a `multipart/alternative` body (Markdown source and
//! its HTML rendering), attachments within size limits. Pure: the caller
//! passes the clock, the random nonce and the file bytes.

use lettre::Message;
use lettre::message::{MultiPart, SinglePart};

use crate::channel::email::ids;
use crate::intake::ConversationId;

use super::{attachments, headers, html_document, wording};

/// The message being answered and who answers it.
#[derive(Debug, Clone)]
pub struct ThreadContext {
    pub conversation: ConversationId,
    /// `account.from`, e.g. `Airut <airut@example.com>`.
    pub from: String,
    /// The raw `From` header of the user's message (the reply goes there;
    /// `Reply-To` and `Cc` are not used).
    pub to: String,
    /// The user's subject, decoded.
    pub original_subject: String,
    pub original_message_id: Option<String>,
    pub original_references: Option<String>,
}

/// What the reply says.
#[derive(Debug, Clone, Copy)]
pub enum ReplyBody<'a> {
    /// Sent when a new conversation starts.
    Acknowledgement {
        model: &'a str,
        /// The dashboard's base URL; the reply links to the conversation's
        /// page under it.
        dashboard_url: Option<&'a str>,
    },
    /// The task's reply text (response and usage footer), Markdown.
    Answer { text: &'a str },
    /// A complete error text, Markdown.
    Error { text: &'a str },
}

/// A file to attach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingFile {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Size limits for attachments, in raw bytes (base64 adds about a third on
/// the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComposeLimits {
    /// Per file.
    pub max_attachment_bytes: u64,
    /// All attached files together.
    pub max_total_bytes: u64,
}

/// A composed reply.
#[derive(Debug, Clone)]
pub struct ComposedEmail {
    pub message: Message,
    /// Its `Message-ID`, with angle brackets.
    pub message_id: String,
    /// Name and size of each file left out for size, in the order given.
    pub omitted_files: Vec<(String, u64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("the From address {0:?} is not a valid mailbox")]
    InvalidFrom(String),
    #[error("the recipient {0:?} is not a valid mailbox")]
    InvalidTo(String),
    #[error("could not build the email: {0}")]
    Build(#[from] lettre::error::Error),
}

/// The reply to the message `ctx` describes. `unix_seconds` dates it and,
/// with `nonce` (4 random bytes), makes its Message-ID.
pub fn compose(
    ctx: &ThreadContext,
    body: ReplyBody<'_>,
    files: Vec<OutgoingFile>,
    limits: &ComposeLimits,
    unix_seconds: i64,
    nonce: u32,
) -> Result<ComposedEmail, ComposeError> {
    let from =
        headers::mailbox(&ctx.from).ok_or_else(|| ComposeError::InvalidFrom(ctx.from.clone()))?;
    let to = headers::mailbox(&ctx.to).ok_or_else(|| ComposeError::InvalidTo(ctx.to.clone()))?;
    let message_id = ids::message_id(&ctx.conversation, unix_seconds, nonce, from.email.domain());
    let subject = ids::reply_subject(&headers::one_line(&ctx.original_subject), &ctx.conversation);
    let original_id = ctx
        .original_message_id
        .as_deref()
        .and_then(headers::angle_id);
    let original_references = ctx
        .original_references
        .as_deref()
        .and_then(headers::angle_ids);
    let references = ids::reply_references(original_id.as_deref(), original_references.as_deref());

    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .message_id(Some(message_id.clone()))
        .date(headers::date(unix_seconds))
        .raw_header(headers::auto_submitted());
    if let Some(id) = original_id {
        builder = builder.in_reply_to(id);
    }
    if let Some(references) = references {
        builder = builder.references(references);
    }

    let selection = attachments::select(files, limits);
    let markdown = wording::body_markdown(&body, &ctx.conversation, &selection.omitted, limits);
    let alternative = MultiPart::alternative()
        .singlepart(SinglePart::plain(markdown.clone()))
        .singlepart(SinglePart::html(html_document::html_document(&markdown)));
    let message = if selection.attached.is_empty() {
        builder.multipart(alternative)?
    } else {
        let mixed = selection
            .attached
            .into_iter()
            .fold(MultiPart::mixed().multipart(alternative), |mixed, file| {
                mixed.singlepart(attachments::part(file))
            });
        builder.multipart(mixed)?
    };

    Ok(ComposedEmail {
        message,
        message_id,
        omitted_files: selection.omitted,
    })
}
