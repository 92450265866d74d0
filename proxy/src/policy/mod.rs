//! The allowlist and the one decision made for every request.
//!
//! Owner of this module: see the brief in the lead's notes. Interface used by
//! `mitm` (keep these names):
//! - [`Allowlist`], [`UrlPrefix`]: the compiled allowlist (serde, sent by the
//!   gateway in `ProxyConfig`);
//! - [`decide`]`(&Allowlist, host, path_and_query, method) -> `[`Decision`];
//! - [`host_matches`]`(pattern, host)`: the case-insensitive host glob, also
//!   used by `masking` for scopes.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowlist {
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default)]
    pub url_prefixes: Vec<UrlPrefix>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrlPrefix {
    pub host: String,
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub methods: Vec<String>,
}

/// The outcome of [`decide`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// `rule` names what matched, e.g. `domains[0] github.com` or
    /// `url_prefixes[2] api.github.com /repos/*`.
    Allowed { rule: String },
    Blocked { reason: BlockReason },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockReason {
    /// Host (and path) match, the method does not.
    Method,
    /// Neither host nor path is allowed.
    HostPath,
    /// The path is malformed or tries to escape (NUL, backslash, traversal).
    BadPath,
}
