//! Swapping surrogates for real values in request headers.
//!
//! Headers are treated as the multimap they are (`http::HeaderMap`): a name
//! may occur several times and every instance is looked at. For each header
//! name that some in-scope secret's patterns match, at most ONE instance is
//! forwarded — the first one that carried a surrogate, with the real value
//! swapped in — and every other instance is dropped. So an agent (or a
//! prompt-injected tool) that appends a second `Authorization` with its own
//! key cannot ride along with ours, and which instance the upstream reads no
//! longer depends on how a library folds duplicates.

use std::sync::Arc;

use http::header::{COOKIE, HeaderMap, HeaderName, HeaderValue};

use super::basic::{Basic, carries_basic};
use super::pattern::HeaderPattern;
use super::scan::{Needle, Needles, contains};
use super::{MaskedSecret, MaskingError};

/// What [`CredentialMasker::apply_request`] did, for the network log. Holds
/// names only, never a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaskReport {
    /// Surrogates swapped for real values: one per secret per forwarded
    /// header (a surrogate occurring twice in one header counts once).
    pub masked: u32,
    /// `env_name`s of the secrets swapped in, each once, in config order.
    pub masked_secrets: Vec<String>,
    /// Headers removed because they carried a credential that is not ours
    /// (lower-case names, each once).
    pub stripped: Vec<String>,
    /// Headers reduced to the one instance that carried the surrogate, with
    /// how many other instances were dropped.
    pub collapsed: Vec<(String, usize)>,
    /// `env_name`s of secrets whose surrogate was sent to a host outside
    /// their scopes. It went out unchanged — worthless there — but it shows
    /// the agent trying a credential where it does not belong.
    pub unscoped_surrogates: Vec<String>,
}

impl MaskReport {
    /// True when the request went out exactly as the container sent it.
    pub fn is_empty(&self) -> bool {
        self == &MaskReport::default()
    }
}

/// A masked secret ready for matching.
pub(super) struct Secret {
    pub env_name: String,
    pub surrogate: Vec<u8>,
    pub real: Vec<u8>,
    scopes: Vec<String>,
    headers: Vec<HeaderPattern>,
    allow_foreign_credentials: bool,
}

impl Secret {
    fn in_scope(&self, host: &str) -> bool {
        self.scopes
            .iter()
            .any(|pattern| crate::policy::host_matches(pattern, host))
    }

    fn matches_header(&self, name: &str) -> bool {
        self.headers.iter().any(|p| p.matches(name))
    }

    fn strips_foreign(&self, name: &str) -> bool {
        !self.allow_foreign_credentials && self.headers.iter().any(|p| p.names_exactly(name))
    }
}

/// Swaps surrogates for real values in requests and back in responses.
/// Built once per proxy; cheap to share behind an `Arc`.
pub struct CredentialMasker {
    pub(super) secrets: Vec<Secret>,
    /// real → surrogate for responses; shared with every [`super::BodyScrubber`].
    pub(super) scrub: Arc<Needles>,
}

impl std::fmt::Debug for CredentialMasker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.secrets.iter().map(|s| s.env_name.as_str()).collect();
        f.debug_struct("CredentialMasker")
            .field("secrets", &names)
            .finish_non_exhaustive()
    }
}

impl CredentialMasker {
    /// Compiles the config's masked secrets. An entry with an empty real
    /// value and an empty surrogate is skipped (the gateway sends those for
    /// unset variables); the [`MaskingError`] cases stop the proxy.
    pub fn new(secrets: Vec<MaskedSecret>) -> Result<Self, MaskingError> {
        let mut compiled = Vec::with_capacity(secrets.len());
        for secret in secrets {
            if let Some(secret) = compile(secret)? {
                compiled.push(secret);
            }
        }
        check_pairs(&compiled)?;
        let scrub = Arc::new(super::response::scrub_needles(&compiled));
        Ok(CredentialMasker {
            secrets: compiled,
            scrub,
        })
    }

    /// True when there is nothing to swap.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// Swaps surrogates in the headers of one request to `host` (as the
    /// client named it: any case, maybe with a port or a trailing dot).
    ///
    /// For each header name matched by some in-scope secret:
    /// - the first instance carrying a surrogate of such a secret, directly
    ///   or inside `Basic base64(user:pass)`, is forwarded with every such
    ///   surrogate swapped; all other instances are dropped (`collapsed`);
    /// - with no surrogate in any instance, all instances are removed
    ///   (`stripped`) if an in-scope secret names the header exactly and does
    ///   not allow foreign credentials; otherwise nothing changes.
    ///
    /// Surrogates of secrets not scoped to `host` are never swapped; they
    /// are reported in `unscoped_surrogates`.
    pub fn apply_request(&self, host: &str, headers: &mut HeaderMap) -> MaskReport {
        let mut report = MaskReport::default();
        let (in_scope, out_of_scope): (Vec<&Secret>, Vec<&Secret>) =
            self.secrets.iter().partition(|s| s.in_scope(host));
        // Looked for in what the container sent, before any stripping, so
        // the log shows the attempt even when the header does not go out.
        for secret in out_of_scope {
            if surrogate_sent(headers, &secret.surrogate) {
                report.unscoped_surrogates.push(secret.env_name.clone());
            }
        }
        if !in_scope.is_empty() {
            let names: Vec<HeaderName> = headers.keys().cloned().collect();
            for name in &names {
                mask_header(name, &in_scope, headers, &mut report);
            }
        }
        report
    }
}

fn compile(secret: MaskedSecret) -> Result<Option<Secret>, MaskingError> {
    let MaskedSecret {
        env_name,
        surrogate,
        real,
        scopes,
        headers,
        allow_foreign_credentials,
    } = secret;
    match (surrogate.is_empty(), real.is_empty()) {
        (true, true) => return Ok(None),
        (true, false) => return Err(MaskingError::EmptySurrogate { env_name }),
        (false, true) => return Err(MaskingError::EmptyReal { env_name }),
        (false, false) => {}
    }
    // Both travel in header values; one that cannot (a line break, say)
    // would make the swap fail at request time, so refuse it up front.
    for (which, value) in [("real", &real), ("surrogate", &surrogate)] {
        if HeaderValue::from_bytes(value.as_bytes()).is_err() {
            return Err(MaskingError::NotHeaderSafe { env_name, which });
        }
    }
    Ok(Some(Secret {
        env_name,
        surrogate: surrogate.into_bytes(),
        real: real.into_bytes(),
        scopes,
        headers: headers.iter().map(|h| HeaderPattern::new(h)).collect(),
        allow_foreign_credentials,
    }))
}

/// Refuses sets where a swap would reveal a real value or be ambiguous.
fn check_pairs(secrets: &[Secret]) -> Result<(), MaskingError> {
    for a in secrets {
        for b in secrets {
            if contains(&a.surrogate, &b.real) || contains(&b.real, &a.surrogate) {
                return Err(MaskingError::SurrogateOverlapsReal {
                    surrogate_of: a.env_name.clone(),
                    real_of: b.env_name.clone(),
                });
            }
        }
    }
    for (i, a) in secrets.iter().enumerate() {
        for b in &secrets[i + 1..] {
            if contains(&a.surrogate, &b.surrogate) || contains(&b.surrogate, &a.surrogate) {
                return Err(MaskingError::OverlappingSurrogates {
                    first: a.env_name.clone(),
                    second: b.env_name.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Replace, collapse or strip every instance of one header name.
fn mask_header(
    name: &HeaderName,
    in_scope: &[&Secret],
    headers: &mut HeaderMap,
    report: &mut MaskReport,
) {
    let matching: Vec<&Secret> = in_scope
        .iter()
        .copied()
        .filter(|s| s.matches_header(name.as_str()))
        .collect();
    if matching.is_empty() {
        return;
    }
    let needles = Needles::new(matching.iter().map(|s| Needle {
        find: s.surrogate.clone(),
        replace: s.real.clone(),
    }));
    let mut instances: Vec<HeaderValue> = headers.get_all(name).iter().cloned().collect();
    if name == COOKIE && instances.len() > 1 {
        // HTTP/2 clients may split cookies over several fields (RFC 9113
        // §8.2.3); they are one header, so join them rather than collapse
        // away the cookies that happen not to carry the surrogate.
        if let Some(joined) = join_cookies(&instances) {
            instances = vec![joined];
        }
    }
    let basic = carries_basic(name.as_str());
    let mut forwarded: Option<(HeaderValue, Vec<usize>)> = None;
    let mut dropped = 0;
    for value in &instances {
        if forwarded.is_none() {
            forwarded = swap(value, &needles, basic);
            if forwarded.is_some() {
                continue;
            }
        }
        dropped += 1;
    }
    match forwarded {
        Some((value, hits)) => {
            headers.insert(name.clone(), value);
            if dropped > 0 {
                report.collapsed.push((name.to_string(), dropped));
            }
            for (index, secret) in matching.iter().enumerate() {
                if hits.contains(&index) {
                    report.masked += 1;
                    if !report.masked_secrets.contains(&secret.env_name) {
                        report.masked_secrets.push(secret.env_name.clone());
                    }
                }
            }
        }
        None if matching.iter().any(|s| s.strips_foreign(name.as_str())) => {
            headers.remove(name);
            report.stripped.push(name.to_string());
        }
        None => {}
    }
}

/// The value with surrogates swapped, and which needles matched; `None`
/// when it carries no surrogate.
fn swap(value: &HeaderValue, needles: &Needles, basic: bool) -> Option<(HeaderValue, Vec<usize>)> {
    let mut hits = Vec::new();
    let bytes = match needles.replace_all(value.as_bytes(), |i| hits.push(i)) {
        Some(bytes) => bytes,
        None if basic => {
            let credentials = Basic::parse(value.as_bytes())?;
            let user_pass = needles.replace_all(&credentials.user_pass, |i| hits.push(i))?;
            credentials.encode_with(&user_pass)
        }
        None => return None,
    };
    // Cannot fail: the original bytes and the real value (checked in
    // `compile`) are both valid header bytes, and base64 is ASCII.
    let mut swapped = HeaderValue::from_bytes(&bytes).ok()?;
    // Keeps the real value out of HTTP/2 header compression tables.
    swapped.set_sensitive(true);
    Some((swapped, hits))
}

fn join_cookies(instances: &[HeaderValue]) -> Option<HeaderValue> {
    let joined = instances
        .iter()
        .map(HeaderValue::as_bytes)
        .collect::<Vec<_>>()
        .join(&b"; "[..]);
    HeaderValue::from_bytes(&joined).ok()
}

/// True when `surrogate` appears in any header, directly or inside Basic
/// credentials.
fn surrogate_sent(headers: &HeaderMap, surrogate: &[u8]) -> bool {
    headers.iter().any(|(name, value)| {
        contains(value.as_bytes(), surrogate)
            || (carries_basic(name.as_str())
                && Basic::parse(value.as_bytes())
                    .is_some_and(|b| contains(&b.user_pass, surrogate)))
    })
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "request_new_tests.rs"]
mod new_tests;
