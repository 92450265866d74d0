//! The allowlist decision, in the order every request goes through it.

use super::host_glob::{normalize_host, pattern_matches_normalized};
use super::path::{decoded_path, path_matches};
use super::{Allowlist, BlockReason, Decision};

/// Decides one request.
///
/// - `host`: the host the request goes to (Host header or SNI, as checked
///   by `mitm`), with or without port and trailing dot, any case.
/// - `path_and_query`: the request target as sent (`/a/b?x=1`). Patterns
///   match its decoded path only; the query is never matched, so an entry
///   cannot constrain it.
/// - `method`: compared case-insensitively with an entry's `methods`.
///
/// Order, first match wins:
/// 1. a host no entry names at all → `HostPath` (said first, because telling
///    the agent its path is malformed would send it after the wrong fix);
/// 2. a path that fails the checks of `path.rs` → `BadPath`, for every
///    entry, `domains` included: later stages gated on the path (such as the
///    Anthropic tool trim on `/v1/messages`) rely on the path being the one
///    the upstream will serve;
/// 3. `domains` in order → allowed, any path, any method;
/// 4. `url_prefixes` in order: host, path and method must all match;
/// 5. otherwise `Method` when some entry matched host and path but not the
///    method, else `HostPath`.
///
/// Because the first full match wins, a `host: "*"` entry limited to GET
/// does not stop a later entry from allowing POST on one host.
pub fn decide(allowlist: &Allowlist, host: &str, path_and_query: &str, method: &str) -> Decision {
    let blocked = |reason| Decision::Blocked { reason };
    let Some(host) = normalize_host(host) else {
        return blocked(BlockReason::HostPath);
    };
    let host_named = allowlist
        .domains
        .iter()
        .chain(allowlist.url_prefixes.iter().map(|e| &e.host))
        .any(|pattern| pattern_matches_normalized(pattern, &host));
    if !host_named {
        return blocked(BlockReason::HostPath);
    }
    let Ok(path) = decoded_path(path_and_query) else {
        return blocked(BlockReason::BadPath);
    };
    for (i, pattern) in allowlist.domains.iter().enumerate() {
        if pattern_matches_normalized(pattern, &host) {
            return Decision::Allowed {
                rule: format!("domains[{i}] {pattern}"),
            };
        }
    }
    let mut method_was_the_problem = false;
    for (i, entry) in allowlist.url_prefixes.iter().enumerate() {
        if !pattern_matches_normalized(&entry.host, &host) || !path_matches(&entry.path, &path) {
            continue;
        }
        let method_ok = entry.methods.is_empty()
            || entry.methods.iter().any(|m| m.eq_ignore_ascii_case(method));
        if !method_ok {
            method_was_the_problem = true;
            continue;
        }
        let rule = if entry.path.is_empty() {
            format!("url_prefixes[{i}] {}", entry.host)
        } else {
            format!("url_prefixes[{i}] {} {}", entry.host, entry.path)
        };
        return Decision::Allowed { rule };
    }
    blocked(if method_was_the_problem {
        BlockReason::Method
    } else {
        BlockReason::HostPath
    })
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
