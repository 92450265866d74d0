//! `Basic base64(user:pass)` credentials, where a surrogate is invisible to
//! a plain substring search because it is base64-encoded.

use base64::Engine;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};

/// Clients differ on padding; accepting both finds the surrogate either way.
/// What is forwarded is re-encoded canonically (padded), which every server
/// accepts.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Header names whose values may carry Basic credentials.
pub(crate) fn carries_basic(header_name: &str) -> bool {
    header_name.eq_ignore_ascii_case("authorization")
        || header_name.eq_ignore_ascii_case("proxy-authorization")
}

/// A parsed `Basic` value: the scheme as the client spelled it and the
/// decoded `user:pass` bytes (not necessarily UTF-8).
pub(crate) struct Basic<'a> {
    scheme: &'a [u8],
    pub user_pass: Vec<u8>,
}

impl<'a> Basic<'a> {
    /// `None` unless the value is `Basic <valid base64 of something with a
    /// colon>` (RFC 7617); anything else is left alone by the callers.
    pub fn parse(value: &'a [u8]) -> Option<Self> {
        let value = value.trim_ascii();
        let split = value.iter().position(|&b| b == b' ' || b == b'\t')?;
        let (scheme, rest) = value.split_at(split);
        if !scheme.eq_ignore_ascii_case(b"basic") {
            return None;
        }
        let token = rest.trim_ascii_start();
        if token.is_empty() || token.iter().any(|b| b.is_ascii_whitespace()) {
            return None;
        }
        let user_pass = LENIENT.decode(token).ok()?;
        user_pass
            .contains(&b':')
            .then_some(Basic { scheme, user_pass })
    }

    /// `<scheme> <base64(user_pass)>`, with the scheme spelled as received.
    pub fn encode_with(&self, user_pass: &[u8]) -> Vec<u8> {
        let mut out = self.scheme.to_vec();
        out.push(b' ');
        out.extend_from_slice(STANDARD.encode(user_pass).as_bytes());
        out
    }
}

#[cfg(test)]
#[path = "basic_tests.rs"]
mod tests;
