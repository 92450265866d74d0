//! Sender allowlist (reference channels.md E6). Pure, no I/O.
//!
//! Two pattern forms, both case-insensitive: an exact address, and
//! `*@domain`, which matches any address whose domain is exactly `domain`
//! (not `sub.domain`, not `evil-domain`). Anything else with a `*` matches
//! nothing.

/// The first pattern that admits `address` (an authenticated, lowercase
/// address), or `None`.
pub(super) fn matching_pattern<'p>(address: &str, patterns: &'p [String]) -> Option<&'p str> {
    let (local, domain) = address.rsplit_once('@')?;
    if local.is_empty() || domain.is_empty() {
        return None;
    }
    patterns
        .iter()
        .map(|p| p.trim())
        .find(|pattern| admits(pattern, address, domain))
}

fn admits(pattern: &str, address: &str, domain: &str) -> bool {
    if let Some(pattern_domain) = pattern.strip_prefix("*@") {
        return !pattern_domain.is_empty()
            && !pattern_domain.contains(['*', '@'])
            && pattern_domain.eq_ignore_ascii_case(domain);
    }
    !pattern.contains('*') && pattern.eq_ignore_ascii_case(address)
}

#[cfg(test)]
#[path = "allowlist_tests.rs"]
mod tests;
