//! Scrubbing real values out of responses before they reach the container.
//!
//! A scoped upstream may echo the credential it was sent (an error page
//! quoting the `Authorization` header, a token-introspection endpoint, a
//! debug echo service). Without scrubbing, one such response hands the real
//! value to the agent and masking is moot. Every real value is replaced by
//! its surrogate, in headers and in bodies, whichever host answered.
//!
//! Only real values of at least [`MIN_SCRUB_LEN`] bytes are scrubbed. A
//! shorter value ("1234", "admin") is no secret worth a surrogate — it can
//! be guessed — and is likely to occur by chance in ordinary content, where
//! replacing it would corrupt JSON, HTML or a `Content-Length`.
//!
//! Bodies are scrubbed as they stream: [`BodyScrubber`] holds back only a
//! tail that could still become a real value (shorter than the longest one),
//! so server-sent events keep flowing. The replacement may change the body's
//! length (a padded surrogate is longer than its real value), so a caller
//! that scrubs a body must drop `Content-Length`; and it only sees the bytes
//! it is given, so a compressed body must be decoded first (or requested
//! with `Accept-Encoding: identity`).

use std::sync::Arc;

use http::header::{HeaderMap, HeaderName, HeaderValue};

use super::CredentialMasker;
use super::basic::Basic;
use super::request::Secret;
use super::scan::{Needle, Needles};

/// Real values shorter than this are not scrubbed from responses.
pub const MIN_SCRUB_LEN: usize = 8;

/// real → surrogate for every secret long enough to scrub.
pub(super) fn scrub_needles(secrets: &[Secret]) -> Needles {
    Needles::new(
        secrets
            .iter()
            .filter(|s| s.real.len() >= MIN_SCRUB_LEN)
            .map(|s| Needle {
                find: s.real.clone(),
                replace: s.surrogate.clone(),
            }),
    )
}

impl CredentialMasker {
    /// True when some real value is long enough to be scrubbed; when false,
    /// the caller can pass responses through untouched.
    pub fn scrubs_responses(&self) -> bool {
        !self.scrub.is_empty()
    }

    /// Replaces every real value in response headers with its surrogate,
    /// also inside any `Basic base64(user:pass)` value. Returns the number
    /// of replacements. Order and multiplicity of headers are kept.
    pub fn scrub_headers(&self, headers: &mut HeaderMap) -> u32 {
        if self.scrub.is_empty() {
            return 0;
        }
        let mut total: u32 = 0;
        let names: Vec<HeaderName> = headers.keys().cloned().collect();
        for name in names {
            let mut changed = false;
            let mut values = Vec::new();
            for value in headers.get_all(&name) {
                match scrub_value(&self.scrub, value) {
                    Some((scrubbed, n)) => {
                        changed = true;
                        total = total.saturating_add(n);
                        // A value that cannot be rebuilt is dropped rather
                        // than passed on with the real value in it.
                        values.extend(scrubbed);
                    }
                    None => values.push(value.clone()),
                }
            }
            if changed {
                // `insert` keeps the header's position; `append` adds the
                // other instances after it, in their original order.
                let mut values = values.into_iter();
                match values.next() {
                    Some(first) => {
                        headers.insert(name.clone(), first);
                        for value in values {
                            headers.append(name.clone(), value);
                        }
                    }
                    None => {
                        headers.remove(&name);
                    }
                }
            }
        }
        total
    }

    /// A scrubber for one response body.
    pub fn body_scrubber(&self) -> BodyScrubber {
        BodyScrubber {
            needles: Arc::clone(&self.scrub),
            pending: Vec::new(),
            replacements: 0,
        }
    }
}

/// `None` when the value holds no real value; otherwise the scrubbed value
/// (`None` inside if it could not be rebuilt) and the replacement count.
fn scrub_value(needles: &Needles, value: &HeaderValue) -> Option<(Option<HeaderValue>, u32)> {
    let mut n = 0;
    let bytes = match needles.replace_all(value.as_bytes(), |_| n += 1) {
        Some(bytes) => bytes,
        None => {
            let credentials = Basic::parse(value.as_bytes())?;
            let user_pass = needles.replace_all(&credentials.user_pass, |_| n += 1)?;
            credentials.encode_with(&user_pass)
        }
    };
    Some((HeaderValue::from_bytes(&bytes).ok(), n))
}

/// Streams one body through the scrubber: feed every chunk to
/// [`BodyScrubber::push`] and send what it returns, then send what
/// [`BodyScrubber::finish`] returns.
///
/// Memory stays bounded whatever the body size: besides the chunk being
/// processed it keeps fewer bytes than the longest real value.
pub struct BodyScrubber {
    needles: Arc<Needles>,
    /// Undecided tail of the input so far: a proper prefix of a real value.
    pending: Vec<u8>,
    replacements: u32,
}

impl std::fmt::Debug for BodyScrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyScrubber")
            .field("pending_bytes", &self.pending.len())
            .field("replacements", &self.replacements)
            .finish_non_exhaustive()
    }
}

impl BodyScrubber {
    /// The scrubbed bytes that are final so far. May be shorter than the
    /// chunk (a tail is held back) or longer (a surrogate is longer than its
    /// real value); holds back at most the longest real value minus one byte.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        if self.needles.is_empty() {
            return chunk.to_vec();
        }
        let mut input = std::mem::take(&mut self.pending);
        input.extend_from_slice(chunk);
        let mut out = Vec::with_capacity(input.len());
        let mut n = 0;
        let consumed = self.needles.scan(&input, false, &mut out, |_| n += 1);
        self.replacements = self.replacements.saturating_add(n);
        // A fresh small vector, so the capacity of a large chunk is not
        // kept alive for the rest of the body.
        self.pending = input[consumed..].to_vec();
        debug_assert!(self.pending.len() < self.needles.max_len());
        out
    }

    /// Replacements made so far.
    pub fn replacements(&self) -> u32 {
        self.replacements
    }

    /// The held-back tail, scrubbed, and the total number of replacements.
    pub fn finish(self) -> (Vec<u8>, u32) {
        let mut out = Vec::with_capacity(self.pending.len());
        let mut n = 0;
        self.needles.scan(&self.pending, true, &mut out, |_| n += 1);
        (out, self.replacements.saturating_add(n))
    }
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
