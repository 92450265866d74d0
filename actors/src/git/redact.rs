//! Keeps credentials out of logs and error messages.
//!
//! Repository URLs may carry a token (`https://user:token@host/x.git`), and
//! git echoes the URL it was given in its own messages, so both the URLs we
//! log and every line of git's stderr pass through here.

/// `url` with its userinfo (`user:token@`) removed; a URL without an
/// authority (a local path, scp-style `git@host:x`) is returned unchanged,
/// because the user name there is not a secret.
pub fn redact_url(url: &str) -> String {
    redact_text(url)
}

/// Every `scheme://userinfo@host` in `text` with the userinfo replaced by
/// `***@`. Scans instead of matching the exact URL because git may print the
/// URL normalised (a trailing `/`, a percent-decoded user) and the text must
/// be clean whatever form it took.
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let authority_start = pos + 3;
        out.push_str(&rest[..authority_start]);
        let after = &rest[authority_start..];
        // The authority ends at the first path, query or fragment
        // delimiter, or anything that cannot be inside a URL in prose.
        let end = after
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace() || is_quote(c))
            .unwrap_or(after.len());
        let authority = &after[..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str("***@");
                out.push_str(&authority[at + 1..]);
            }
            None => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn is_quote(c: char) -> bool {
    matches!(c, '\'' | '"' | '`' | '<' | '>')
}

#[cfg(test)]
#[path = "redact_tests.rs"]
mod tests;
