//! Masked secrets: surrogates in the container, real values only in the
//! request headers of hosts in scope, and never back into the container.
//!
//! Interface used by `mitm` and the gateway (keep these names):
//! [`MaskedSecret`] (serde, in `ProxyConfig`).

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
