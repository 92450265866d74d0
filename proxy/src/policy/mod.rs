//! The allowlist and the one decision made for every request.
//!
//! Interface used by `mitm` (keep these names):
//! - [`Allowlist`], [`UrlPrefix`]: the compiled allowlist (serde, sent by the
//!   gateway in `ProxyConfig`);
//! - [`decide`]`(&Allowlist, host, path_and_query, method) -> `[`Decision`];
//! - [`host_matches`]`(pattern, host)`: the case-insensitive host glob, also
//!   used by `masking` for scopes;
//! - [`responses`]: the JSON bodies of the 403s the proxy answers with.
//!
//! One concern per file: [`host_glob`] (host names and patterns),
//! [`path`] (path normalisation and path patterns), [`decide`] (the order
//! of the checks), [`lint`] (what the gateway refuses to load). The rules are
//! written down in `spec/network-allowlist.md`.

mod decide;
mod host_glob;
mod lint;
mod path;
pub mod responses;

pub use decide::decide;
pub use host_glob::host_matches;
pub use lint::{host_pattern_problem, method_problem, path_pattern_problem};
pub use path::{BadPath, decoded_path, split_path_query};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowlist {
    /// Host patterns allowed with any path and any method.
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default)]
    pub url_prefixes: Vec<UrlPrefix>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrlPrefix {
    /// Host pattern, as in `domains`.
    pub host: String,
    /// Pattern for the decoded path only (never the query); empty = any path.
    #[serde(default)]
    pub path: String,
    /// Allowed methods (any case); empty = every method.
    #[serde(default)]
    pub methods: Vec<String>,
}

/// The outcome of [`decide`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// `rule` names what matched, e.g. `domains[0] github.com` or
    /// `url_prefixes[2] api.github.com /repos/*`.
    Allowed {
        rule: String,
    },
    Blocked {
        reason: BlockReason,
    },
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

impl BlockReason {
    /// Machine-readable code: the same word reaches the 403 body (`reason`)
    /// and the network log, so the agent and the operator see one cause.
    pub fn code(self) -> &'static str {
        match self {
            BlockReason::Method => "method_not_allowed",
            BlockReason::HostPath => "host_path_not_allowed",
            BlockReason::BadPath => "malformed_path",
        }
    }

    /// Short words for the `(reason)` of a network log line.
    pub fn log_text(self) -> &'static str {
        match self {
            BlockReason::Method => "method not allowed",
            BlockReason::HostPath => "host/path not in allowlist",
            BlockReason::BadPath => "malformed path",
        }
    }
}
