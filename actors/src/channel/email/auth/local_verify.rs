//! DKIM and DMARC checked by Airut itself (`email.auth.verify: local`),
//! for when the receiving MTA's `Authentication-Results` cannot be
//! trusted or is absent. Needs DNS (DKIM keys, DMARC records) through the
//! given `MessageAuthenticator`.
//!
//! There is no SMTP session here (the message comes from IMAP), so SPF
//! cannot be evaluated: DMARC passes only through a valid DKIM signature
//! aligned with the `From` domain, under a published DMARC record.

use mail_auth::dmarc::verify::DmarcParameters;
use mail_auth::{
    AuthenticatedMessage, DkimOutput, DkimResult, DmarcResult, MessageAuthenticator, SpfOutput,
    SpfResult,
};

use super::Rejection;
use super::from_address::domain_of;
use super::message_headers::{read_headers, sender};

/// `Ok` when the message carries a valid DKIM signature whose domain is
/// DMARC-aligned with the (single, strictly parsed) `From` domain.
pub async fn verify_locally(
    raw: &[u8],
    authenticator: &MessageAuthenticator,
) -> Result<(), Rejection> {
    let from = sender(&read_headers(raw)?)?;
    let from_domain = domain_of(&from.address);
    let message = AuthenticatedMessage::parse(raw)
        .ok_or_else(|| Rejection::Malformed("not parseable for DKIM".to_string()))?;
    let dkim = authenticator.verify_dkim(&message).await;
    let summary = dkim_summary(&dkim);
    // A signature with `l=` covers only a prefix of the body; anyone can
    // append to it. Such a signature does not count.
    let whole_body: Vec<DkimOutput<'_>> = dkim
        .into_iter()
        .filter(|o| o.signature().is_none_or(|s| s.l == 0))
        .collect();
    let spf = SpfOutput::new(from_domain.to_string()).with_result(SpfResult::None);
    let dmarc = authenticator
        .verify_dmarc(DmarcParameters::new(
            &message,
            &whole_body,
            from_domain,
            &spf,
        ))
        .await;
    if !dmarc.domain().eq_ignore_ascii_case(from_domain) {
        return Err(Rejection::Unauthenticated(format!(
            "DMARC evaluated {:?}, but From is at {from_domain:?}",
            dmarc.domain()
        )));
    }
    match dmarc.dkim_result() {
        DmarcResult::Pass => Ok(()),
        DmarcResult::None if dmarc.dmarc_record().is_none() => Err(Rejection::Unauthenticated(
            format!("no DMARC record for {from_domain:?} (DKIM: {summary})"),
        )),
        other => Err(Rejection::Unauthenticated(format!(
            "local DMARC for {from_domain:?}: {} (DKIM: {summary})",
            dmarc_text(other)
        ))),
    }
}

fn dmarc_text(result: &DmarcResult) -> String {
    match result {
        DmarcResult::Pass => "pass".to_string(),
        DmarcResult::Fail(e) => format!("fail ({e})"),
        DmarcResult::TempError(e) => format!("temperror ({e})"),
        DmarcResult::PermError(e) => format!("permerror ({e})"),
        DmarcResult::None => "none (no aligned DKIM pass)".to_string(),
    }
}

/// `d=example.com pass, d=other.org fail (…)`, or `none`.
fn dkim_summary(outputs: &[DkimOutput<'_>]) -> String {
    if outputs.is_empty() {
        return "no signature".to_string();
    }
    outputs
        .iter()
        .map(|o| {
            let domain = o.signature().map_or("?", |s| s.d.as_str());
            let result = match o.result() {
                DkimResult::Pass => "pass".to_string(),
                DkimResult::Neutral(e) => format!("neutral ({e})"),
                DkimResult::Fail(e) => format!("fail ({e})"),
                DkimResult::PermError(e) => format!("permerror ({e})"),
                DkimResult::TempError(e) => format!("temperror ({e})"),
                DkimResult::None => "none".to_string(),
            };
            format!("d={domain} {result}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[path = "local_verify_tests.rs"]
mod tests;
