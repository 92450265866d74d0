//! Reply emails (reference channels.md E13–E17): threading headers, the
//! Markdown text with its safe HTML rendering, attachments within size
//! limits. Pure code; the sender around it does the SMTP. See
//! `spec/email-replies.md`.

mod attachments;
mod headers;
mod html_document;
pub mod markdown;
mod reply;
mod wording;

pub use html_document::html_document;
pub use reply::{
    ComposeError, ComposeLimits, ComposedEmail, OutgoingFile, ReplyBody, ThreadContext, compose,
};

#[cfg(test)]
mod compose_tests;
#[cfg(test)]
mod test_support;
