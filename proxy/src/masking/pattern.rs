//! Header-name patterns of a masked secret.
//!
//! Compared case-insensitively (header names are). A pattern with `*` or `?`
//! is a glob — `*` any run, `?` one character — and only ever *scans* for
//! surrogates; a pattern without them names one header exactly, and only
//! such a pattern lets the secret strip foreign credentials (a glob such as
//! `*` or `X-*` would otherwise strip unrelated headers).

#[derive(Debug, Clone)]
pub(crate) struct HeaderPattern {
    lower: String,
    glob: bool,
}

impl HeaderPattern {
    pub fn new(pattern: &str) -> Self {
        let lower = pattern.trim().to_ascii_lowercase();
        let glob = lower.contains(['*', '?']);
        HeaderPattern { lower, glob }
    }

    pub fn matches(&self, name: &str) -> bool {
        if self.glob {
            glob_match(self.lower.as_bytes(), name.to_ascii_lowercase().as_bytes())
        } else {
            self.names_exactly(name)
        }
    }

    /// True for a non-glob pattern naming `name`.
    pub fn names_exactly(&self, name: &str) -> bool {
        !self.glob && !self.lower.is_empty() && self.lower.eq_ignore_ascii_case(name)
    }
}

/// Whole-text glob: greedy with one backtrack point, O(pattern × text) at
/// worst and no recursion, so a long header name cannot make it run away.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    star = Some((star_p, star_t + 1));
                    p = star_p + 1;
                    t = star_t + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
#[path = "pattern_tests.rs"]
mod tests;
