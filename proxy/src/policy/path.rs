//! Request paths: splitting off the query, decoding once, refusing every
//! shape that a server behind the proxy could read as a different path than
//! the one that was checked, and matching path patterns.
//!
//! Why refuse rather than normalise: the proxy forwards the request target
//! unchanged, so a path it "cleaned up" for matching would still reach the
//! upstream in its original form, and the upstream's own normalisation
//! (which differs between servers) decides what is served. Refusing
//! `/a/../b`, `//`, `;` parameters or double encoding means the path that
//! was checked is the only reading any server can make of it. Well-behaved
//! clients never send these shapes.

/// Why a request path was refused. Every variant blocks the request as
/// [`super::BlockReason::BadPath`], whatever the allowlist says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadPath {
    #[error("the path does not start with '/'")]
    NotAbsolute,
    #[error("a '%' is not followed by two hex digits")]
    BadEscape,
    #[error("the decoded path is not valid UTF-8")]
    NotUtf8,
    #[error("the path contains a control character (NUL, CR, LF, ...)")]
    Control,
    #[error("the path contains a backslash")]
    Backslash,
    #[error("the path contains ';' (path parameters are not allowed)")]
    PathParameter,
    #[error("the path contains a raw '#'")]
    Fragment,
    #[error("the path is encoded twice (an escape is still there after decoding)")]
    DoubleEncoded,
    #[error("the path has a '.' or '..' segment")]
    DotSegment,
    #[error("the path has an empty segment ('//')")]
    EmptySegment,
}

/// `"/a/b?x=1"` → `("/a/b", Some("x=1"))`. The query starts at the first
/// `?`, as in RFC 3986; a `?` can never be part of the path on the wire.
pub fn split_path_query(path_and_query: &str) -> (&str, Option<&str>) {
    match path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_and_query, None),
    }
}

/// The path that allowlist patterns are matched against: the part before
/// `?`, percent-decoded exactly once, after the checks described in
/// `spec/network-allowlist.md`. An empty target (absolute-form URL without
/// a path) is `/`. The query is neither decoded nor checked: it is never
/// matched and is forwarded as sent.
pub fn decoded_path(path_and_query: &str) -> Result<String, BadPath> {
    let (raw, _query) = split_path_query(path_and_query);
    if raw.is_empty() {
        return Ok("/".to_owned());
    }
    if !raw.starts_with('/') {
        return Err(BadPath::NotAbsolute);
    }
    if raw.contains('#') {
        return Err(BadPath::Fragment);
    }
    let decoded = percent_decode_once(raw)?;
    let path = String::from_utf8(decoded).map_err(|_| BadPath::NotUtf8)?;
    check_decoded(&path)?;
    Ok(path)
}

/// Decodes every `%XX` once. A `%` without two hex digits is refused rather
/// than kept literally (as Python's `unquote` does): servers disagree about
/// such escapes, and a disagreement is what an escape needs.
fn percent_decode_once(raw: &str) -> Result<Vec<u8>, BadPath> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let byte = escape_at(bytes, i).ok_or(BadPath::BadEscape)?;
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// The byte encoded by the `%XX` starting at `at`, if it is one.
fn escape_at(bytes: &[u8], at: usize) -> Option<u8> {
    let hex = bytes.get(at + 1..at + 3)?;
    let hi = (hex[0] as char).to_digit(16)?;
    let lo = (hex[1] as char).to_digit(16)?;
    u8::try_from(hi * 16 + lo).ok()
}

/// Checks on the decoded path. Order only decides which reason is reported.
fn check_decoded(path: &str) -> Result<(), BadPath> {
    if path.chars().any(char::is_control) {
        return Err(BadPath::Control);
    }
    if path.contains('\\') {
        return Err(BadPath::Backslash);
    }
    if path.contains(';') {
        return Err(BadPath::PathParameter);
    }
    if still_encoded(path) {
        return Err(BadPath::DoubleEncoded);
    }
    // The first segment is the empty one before the leading '/'; the last may
    // be empty (a trailing '/', which is a different resource, not a trick).
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        if *segment == "." || *segment == ".." {
            return Err(BadPath::DotSegment);
        }
        if segment.is_empty() && i != last {
            return Err(BadPath::EmptySegment);
        }
    }
    Ok(())
}

/// True when one more decoding (by a server that decodes twice) would
/// produce a character that changes how the path is read: `.`, `/`, `\`,
/// `;`, `%` (triple encoding), `#`, `?` or a control character.
fn still_encoded(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        b == b'%'
            && escape_at(bytes, i).is_some_and(|c| {
                matches!(c, b'.' | b'/' | b'\\' | b';' | b'%' | b'#' | b'?') || c.is_ascii_control()
            })
    })
}

/// An allowlist path pattern against a decoded path: empty = any path;
/// with `*` or `?` a glob (`*` crosses `/`: `/repos/foo*` covers
/// `/repos/foobar` and `/repos/foo/x`); otherwise exact, with no implicit
/// prefix (`/api` is not `/api/`). Case-sensitive, as paths are.
pub(crate) fn path_matches(pattern: &str, path: &str) -> bool {
    if pattern.is_empty() {
        true
    } else if pattern.contains(['*', '?']) {
        super::host_glob::wildcard_match(pattern, path)
    } else {
        pattern == path
    }
}

#[cfg(test)]
#[path = "path_tests.rs"]
mod tests;
