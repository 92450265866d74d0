//! Host names and host patterns.
//!
//! A host pattern is compared with the request's host case-insensitively.
//! Without `*` or `?` it is an exact name; with them it is a glob where `*`
//! matches any run of characters, dots included (so `*.github.com` covers
//! `a.b.github.com`), and `?` matches exactly one character. `*.x.com` never
//! matches `x.com` itself: the glob needs the `.` before `x.com`. There are
//! no `[...]` classes: `[` is an ordinary character.

/// True when `host` (as the client sent it: maybe with a port or a trailing
/// dot, any case) is covered by `pattern`.
///
/// A host that is not a plausible DNS name or IPv4 address (empty labels,
/// characters outside `A-Z a-z 0-9 - _ .`) matches nothing, not even `*`:
/// such a name cannot be dialled, and refusing it here means a crafted Host
/// like `evil.com#.github.com` can never pass a `*.github.com` entry nor
/// receive a credential scoped to it.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    match normalize_host(host) {
        Some(host) => pattern_matches_normalized(pattern, &host),
        None => false,
    }
}

/// `pattern` against a host already normalised by [`normalize_host`].
pub(crate) fn pattern_matches_normalized(pattern: &str, host: &str) -> bool {
    let pattern = pattern
        .strip_suffix('.')
        .unwrap_or(pattern)
        .to_ascii_lowercase();
    if pattern.is_empty() {
        return false;
    }
    if pattern.contains(['*', '?']) {
        wildcard_match(&pattern, host)
    } else {
        pattern == host
    }
}

/// The host as matched: port and one trailing dot removed, lower-cased.
/// `None` when it is not a name the proxy would ever dial.
pub(crate) fn normalize_host(host: &str) -> Option<String> {
    let host = strip_port(host);
    let host = host.strip_suffix('.').unwrap_or(host);
    let plausible = !host.is_empty()
        && host.split('.').all(|label| !label.is_empty())
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    plausible.then(|| host.to_ascii_lowercase())
}

/// `host:443` → `host`; `host:` (empty port, legal in a URI) → `host`.
/// Anything else with a colon is left whole and then fails the character
/// check, which is what an IPv6 literal should do: the task container can
/// only reach names, through the proxy's DNS.
fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((name, port))
            if !name.contains(':')
                && port.len() <= 5
                && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            name
        }
        _ => host,
    }
}

/// Glob match of the whole `text`: `*` any run (including none), `?` one
/// character, everything else literal.
///
/// Greedy with a single backtrack point, which is enough for `*`-only globs
/// and keeps the worst case at O(pattern × text) without recursion, so a
/// hostile path cannot blow the stack or run away.
pub(crate) fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // Position of the last `*` seen, and the text position it now covers up to.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((star_pi, star_ti)) => {
                    // Let the last `*` swallow one more character and retry.
                    star = Some((star_pi, star_ti + 1));
                    pi = star_pi + 1;
                    ti = star_ti + 1;
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
#[path = "host_glob_tests.rs"]
mod tests;
