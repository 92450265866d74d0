//! Who sent an email, and may they task Airut (reference channels.md E4,
//! E5, E6; decisions in spec/email-auth.md).
//!
//! Order: strict `From` (else [`Rejection::Malformed`]), then DMARC from
//! the trusted `Authentication-Results` and/or Airut's own DKIM/DMARC check
//! (else [`Rejection::Unauthenticated`]), then the allowlist (else
//! [`Rejection::Unauthorized`]). A rejection is logged and shown on the
//! dashboard; the sender is never told.
//!
//! Everything but [`verify_locally`] is pure.

mod allowlist;
mod auth_results;
mod from_address;
mod local_verify;
mod message_headers;
mod trusted_header;

pub use local_verify::verify_locally;

use crate::config::EmailAuth;
use from_address::domain_of;
use message_headers::{read_headers, sender};
use trusted_header::check_trusted_header;

/// How a sender is authenticated (`email.auth.verify`): the config's own
/// enum, so the two cannot drift apart.
pub use crate::config::VerifyMode;

/// A repo's email authentication settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthPolicy {
    /// authserv-id whose `Authentication-Results` are trusted; empty for
    /// Microsoft 365, whose header has none.
    pub trusted_authserv_id: String,
    /// Accept Exchange intra-org mail (`X-MS-Exchange-Organization-AuthAs:
    /// Internal`) that has no `Authentication-Results` at all.
    pub microsoft_internal_fallback: bool,
    /// Exact addresses and `*@domain` patterns, case-insensitive.
    pub authorized_senders: Vec<String>,
    pub verify: VerifyMode,
}

impl From<&EmailAuth> for AuthPolicy {
    fn from(auth: &EmailAuth) -> Self {
        AuthPolicy {
            trusted_authserv_id: auth.trusted_authserv_id.clone(),
            microsoft_internal_fallback: auth.microsoft_internal_fallback,
            authorized_senders: auth.authorized_senders.clone(),
            verify: auth.verify,
        }
    }
}

/// An authenticated, authorized sender.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedSender {
    /// Lowercase address: the identity everything else keys on.
    pub address: String,
    /// `Name <address>` with the display name decoded and made one line,
    /// or just the address.
    pub display: String,
}

/// Why a message was dropped (for logs and the dashboard only).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// DMARC did not pass (or could not be established).
    #[error("authentication failed: {0}")]
    Unauthenticated(String),
    /// Authenticated, but not on the allowlist.
    #[error("sender not authorized: {0}")]
    Unauthorized(String),
    /// No single, well-formed `From`, or an unparseable message.
    #[error("malformed message: {0}")]
    Malformed(String),
}

/// Authenticates and authorizes the sender of `raw` (RFC 5322 bytes as
/// fetched). `authenticator` does the DNS of [`VerifyMode::Local`] and
/// [`VerifyMode::Both`]; without one those modes reject.
pub async fn authenticate(
    raw: &[u8],
    policy: &AuthPolicy,
    authenticator: Option<&mail_auth::MessageAuthenticator>,
) -> Result<VerifiedSender, Rejection> {
    let headers = read_headers(raw)?;
    let sender = sender(&headers)?;
    let from_domain = domain_of(&sender.address);
    if matches!(policy.verify, VerifyMode::Header | VerifyMode::Both) {
        check_trusted_header(&headers, policy, from_domain)?;
    }
    if matches!(policy.verify, VerifyMode::Local | VerifyMode::Both) {
        let Some(authenticator) = authenticator else {
            return Err(Rejection::Unauthenticated(
                "local verification is configured but no DNS resolver is available".to_string(),
            ));
        };
        verify_locally(raw, authenticator).await?;
    }
    if allowlist::matching_pattern(&sender.address, &policy.authorized_senders).is_none() {
        return Err(Rejection::Unauthorized(sender.address));
    }
    Ok(sender)
}

#[cfg(test)]
mod test_support;

#[cfg(test)]
#[path = "mod_tests.rs"]
mod tests;
