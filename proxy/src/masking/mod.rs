//! Masked secrets: surrogates in the container, real values only in the
//! request headers of hosts in scope, and never back into the container.
//!
//! Interface used by `mitm` and the gateway (keep these names):
//! - [`MaskedSecret`] (serde, in `ProxyConfig`);
//! - [`generate_surrogate`]: the gateway makes one surrogate per secret and
//!   conversation;
//! - [`CredentialMasker`]: built once per proxy from the config (refusing,
//!   with a [`MaskingError`], a set that would leak or be ambiguous);
//!   [`CredentialMasker::apply_request`] swaps surrogates in request headers
//!   and returns a [`MaskReport`] for the network log;
//!   [`CredentialMasker::scrub_headers`] and [`BodyScrubber`] put surrogates
//!   back in place of real values in responses.
//!
//! One file per step: `surrogate` (making them), `request` (swapping them
//! in), `response` (scrubbing real values out), with the byte matcher
//! (`scan`), Basic-auth parsing (`basic`) and header-name globs (`pattern`)
//! as pure helpers. Behaviour is written down in `spec/masked-secrets.md`.

mod basic;
mod pattern;
mod request;
mod response;
mod scan;
mod surrogate;
#[cfg(test)]
mod test_support;

pub use request::{CredentialMasker, MaskReport};
pub use response::{BodyScrubber, MIN_SCRUB_LEN};
pub use surrogate::{KNOWN_PREFIXES, MIN_SURROGATE_BITS, generate_surrogate};

use serde::{Deserialize, Serialize};

/// One masked secret as the proxy sees it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskedSecret {
    /// The container variable that holds the surrogate (for logs).
    pub env_name: String,
    pub surrogate: String,
    pub real: String,
    /// Host globs where the real value may be sent.
    pub scopes: Vec<String>,
    /// Header name globs the surrogate is looked for in.
    pub headers: Vec<String>,
    #[serde(default)]
    pub allow_foreign_credentials: bool,
}

impl std::fmt::Debug for MaskedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaskedSecret")
            .field("env_name", &self.env_name)
            .field("scopes", &self.scopes)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

/// A set of masked secrets the proxy refuses to start with. Each one is a
/// gateway bug or a hand-edited config; swapping with it would either leak
/// the real value into the container or rewrite the wrong bytes, so the
/// proxy fails closed rather than guess. Messages name the variable, never
/// a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MaskingError {
    #[error("masked secret {env_name}: the real value is set but the surrogate is empty")]
    EmptySurrogate { env_name: String },
    #[error("masked secret {env_name}: the surrogate is set but the real value is empty")]
    EmptyReal { env_name: String },
    #[error(
        "masked secret {env_name}: the {which} value cannot be carried in an HTTP header \
         (control characters such as a line break); use a plain secret instead"
    )]
    NotHeaderSafe {
        env_name: String,
        which: &'static str,
    },
    #[error(
        "masked secrets {surrogate_of} and {real_of}: a surrogate and a real value contain \
         one another, so the real value would be visible in the container"
    )]
    SurrogateOverlapsReal {
        surrogate_of: String,
        real_of: String,
    },
    #[error(
        "masked secrets {first} and {second}: one surrogate contains the other, so a swap \
         would be ambiguous; generate the surrogates again"
    )]
    OverlappingSurrogates { first: String, second: String },
}
