//! DMARC as the receiving MTA recorded it (reference channels.md E4): the
//! topmost `Authentication-Results`, and only if our trusted authserv-id
//! wrote it. Pure, no I/O.

use super::auth_results::parse_auth_results;
use super::message_headers::AuthHeaders;
use super::{AuthPolicy, Rejection};

/// `Ok` when the trusted header says `dmarc=pass` for `from_domain`, or
/// when the Microsoft 365 internal fallback applies.
pub(super) fn check_trusted_header(
    headers: &AuthHeaders,
    policy: &AuthPolicy,
    from_domain: &str,
) -> Result<(), Rejection> {
    // Only the topmost header counts: the MTA prepends its own, so anything
    // below it came with the message and may be forged.
    let Some(topmost) = headers.authentication_results.first() else {
        if policy.microsoft_internal_fallback && is_exchange_internal(headers) {
            return Ok(());
        }
        return Err(Rejection::Unauthenticated(
            "no Authentication-Results header".to_string(),
        ));
    };
    let trusted = policy.trusted_authserv_id.trim();
    let results = parse_auth_results(topmost, !trusted.is_empty()).map_err(|e| {
        Rejection::Unauthenticated(format!(
            "malformed Authentication-Results ({e}): {:?}",
            one_line(topmost)
        ))
    })?;
    if let Some(id) = &results.authserv_id
        && !trusted.is_empty()
        && !id.eq_ignore_ascii_case(trusted)
    {
        return Err(Rejection::Unauthenticated(format!(
            "topmost Authentication-Results is from {id:?}, not the trusted {trusted:?}: {:?}",
            one_line(topmost)
        )));
    }
    let dmarc: Vec<_> = results
        .results
        .iter()
        .filter(|r| r.method == "dmarc")
        .collect();
    if dmarc.is_empty() {
        return Err(Rejection::Unauthenticated(format!(
            "no dmarc result in the trusted Authentication-Results: {:?}",
            one_line(topmost)
        )));
    }
    for result in dmarc {
        if result.result != "pass" {
            return Err(Rejection::Unauthenticated(format!(
                "dmarc={} in the trusted Authentication-Results",
                if result.result.is_empty() {
                    "(unreadable)"
                } else {
                    &result.result
                }
            )));
        }
        if let Some(header_from) = result.property("header.from") {
            let evaluated = header_from.rsplit('@').next().unwrap_or_default();
            if !evaluated.eq_ignore_ascii_case(from_domain) {
                return Err(Rejection::Unauthenticated(format!(
                    "dmarc=pass is for header.from={header_from:?}, but From is at {from_domain:?}"
                )));
            }
        }
    }
    Ok(())
}

/// Exchange marked the message as sent inside the organisation. Every
/// value present must say so (Exchange writes one).
fn is_exchange_internal(headers: &AuthHeaders) -> bool {
    !headers.ms_auth_as.is_empty()
        && headers
            .ms_auth_as
            .iter()
            .all(|v| v.trim().eq_ignore_ascii_case("internal"))
}

/// A header value on one line, for logs.
fn one_line(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
#[path = "trusted_header_tests.rs"]
mod tests;
