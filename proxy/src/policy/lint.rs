//! What the gateway refuses to load: allowlist entries that cannot mean what
//! their author thinks. The matcher itself never needs these checks (an
//! impossible pattern simply matches nothing); they exist so that a typo
//! becomes an error with a line number instead of a silent block.

/// Why `pattern` cannot be a host pattern, or `None` when it is fine.
pub fn host_pattern_problem(pattern: &str) -> Option<String> {
    if pattern.is_empty() {
        return Some("the host pattern is empty".to_owned());
    }
    if pattern.contains("://") || pattern.contains('/') {
        return Some(
            "a host pattern is a name only, without scheme or path (put the path in `path:` of a url_prefixes entry)"
                .to_owned(),
        );
    }
    if pattern.contains(':') {
        return Some(
            "a host pattern cannot name a port (the allowlist has no port dimension)".to_owned(),
        );
    }
    let bad: Vec<char> = pattern
        .chars()
        .filter(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '*' | '?')))
        .collect();
    if !bad.is_empty() {
        return Some(format!(
            "a host pattern may contain letters, digits, '-', '_', '.', and the wildcards '*' and '?'; found {}",
            shown_chars(&bad)
        ));
    }
    let name = pattern.strip_suffix('.').unwrap_or(pattern);
    if name.split('.').any(str::is_empty) {
        return Some("the host pattern has an empty label ('..' or a leading '.')".to_owned());
    }
    None
}

/// Why `pattern` cannot be a path pattern, or `None` when it is fine.
/// Empty means "any path" and is fine.
pub fn path_pattern_problem(pattern: &str) -> Option<String> {
    if pattern.is_empty() {
        return None;
    }
    if !pattern.starts_with(['/', '*']) {
        return Some("a path pattern starts with '/' (or '*')".to_owned());
    }
    if pattern.contains('?') {
        return Some(
            "path patterns match the path only, never the query string, and '?' would be a one-character wildcard; remove the query part, or use '*'"
                .to_owned(),
        );
    }
    if pattern.contains('%') {
        return Some(
            "path patterns match the decoded path: write the characters themselves, not %-escapes"
                .to_owned(),
        );
    }
    if pattern.chars().any(char::is_control) {
        return Some("the path pattern contains a control character".to_owned());
    }
    if pattern.contains(['\\', ';', '#']) {
        return Some(
            "paths with '\\', ';' or '#' are always blocked, so this pattern could never match"
                .to_owned(),
        );
    }
    let dot_segment = pattern
        .split('/')
        .skip(1)
        .any(|segment| segment == "." || segment == "..");
    if dot_segment || pattern.contains("//") {
        return Some(
            "paths with '.' or '..' segments or '//' are always blocked, so this pattern could never match"
                .to_owned(),
        );
    }
    None
}

/// Why `method` cannot be an HTTP method, or `None` when it is a token
/// (RFC 9110 §5.6.2). Case does not matter: methods are compared
/// case-insensitively and the gateway upper-cases them.
pub fn method_problem(method: &str) -> Option<String> {
    if method.is_empty() {
        return Some("the method is empty".to_owned());
    }
    if method.contains('*') {
        return Some(
            "methods are not globs; to allow every method, leave `methods` out (or empty)"
                .to_owned(),
        );
    }
    let is_tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if method.chars().all(is_tchar) {
        None
    } else {
        Some("not an HTTP method (expected a token such as GET or POST)".to_owned())
    }
}

fn shown_chars(chars: &[char]) -> String {
    let mut seen: Vec<char> = Vec::new();
    for &c in chars {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    seen.iter()
        .map(|c| format!("{:?}", c))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[path = "lint_tests.rs"]
mod tests;
