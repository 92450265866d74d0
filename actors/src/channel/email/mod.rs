//! The email channel (reference channels.md §1): IMAP intake, DMARC and
//! allowlist authentication, MIME parsing, threaded SMTP replies.
//!
//! Pure protocol code (`ids`, `parse`, `auth`, `compose`) does no I/O; the
//! listener and sender around it do.

pub mod auth;
pub mod compose;
pub mod ids;
pub mod parse;
