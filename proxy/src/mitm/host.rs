//! Host names as the gate compares them: `Host` headers, `:authority` and
//! SNI all reduce to one canonical form before any check.

use std::str::FromStr;

use http::uri::Authority;

/// The canonical form of a `Host` value or SNI: lower-cased, without port,
/// without one trailing dot, IPv6 literals without brackets. `None` for
/// anything that is not a plain host (empty, user info, bad characters), so
/// a crafted header can never compare equal to an SNI by accident.
pub(crate) fn canonical_host(raw: &str) -> Option<String> {
    // `Authority` accepts `user@host`; a Host header never carries user
    // info, and letting it through would make `evil@allowed.test` look like
    // `allowed.test`.
    if raw.is_empty() || raw.contains('@') {
        return None;
    }
    let authority = Authority::from_str(raw).ok()?;
    let host = authority.host();
    // `Authority` lets a non-numeric port through (and reports none).
    let port = &authority.as_str()[host.len()..];
    if !port.is_empty() {
        let digits = port.strip_prefix(':')?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() {
        return None;
    }
    Some(host.to_ascii_lowercase())
}

/// `host` as it goes back into a URL: IPv6 literals get their brackets.
pub(crate) fn url_host(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

#[cfg(test)]
#[path = "host_tests.rs"]
mod tests;
