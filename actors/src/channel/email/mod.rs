//! The email channel (reference channels.md §1): IMAP intake, DMARC and
//! allowlist authentication, MIME parsing, threaded SMTP replies.
//!
//! Pure protocol code (`ids`, `parse`, `auth`, `compose`) does no I/O; the
//! listener and sender around it do.

pub mod auth;
pub mod compose;
pub mod content_type;
pub mod factory;
pub mod ids;
pub mod imap_session;
pub mod intake;
pub mod listener;
pub mod oauth2;
pub mod outbound;
pub mod parse;
pub mod sender;
pub mod thread_record;
pub mod tls;

pub use factory::EmailChannelFactory;

use futures_util::future::BoxFuture;
use thiserror::Error;

/// Supplies the SMTP login for each submission (OAuth2 tokens expire).
pub trait SmtpLoginSource: Send + Sync + 'static {
    fn login(&self) -> BoxFuture<'_, Result<sender::SmtpLogin, MailError>>;
}

/// What went wrong talking to a mail server.
#[derive(Debug, Error)]
pub enum MailError {
    #[error("{0}")]
    Config(String),
    #[error("connecting: {0}")]
    Connect(String),
    #[error("login: {0}")]
    Login(String),
    #[error("IMAP: {0}")]
    Imap(String),
    #[error("intake: {0}")]
    Intake(String),
    #[error("SMTP: {0}")]
    Smtp(String),
}
