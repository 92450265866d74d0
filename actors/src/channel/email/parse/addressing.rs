//! Model choice by plus addressing (channels.md E9): mail to
//! `bot+sonnet@example.com` for the account `bot@example.com` asks for
//! `sonnet`. Unlike the reference, only our own address counts (another
//! recipient's `+tag` is not a hint) and Cc counts as well as To.

use mail_parser::{Address, Message};

/// Model names are short identifiers (`opus`, `claude-sonnet-4.5`).
const MAX_MODEL_CHARS: usize = 64;

pub(super) fn model_hint(message: &Message<'_>, account_address: &str) -> Option<String> {
    let (account_local, account_domain) = account_address.trim().rsplit_once('@')?;
    let recipients = message
        .to()
        .into_iter()
        .chain(message.cc())
        .flat_map(Address::iter)
        .filter_map(|addr| addr.address());
    recipients
        .filter_map(|address| tag_for(address, account_local, account_domain))
        .next()
}

fn tag_for(address: &str, account_local: &str, account_domain: &str) -> Option<String> {
    let (local, domain) = address.trim().rsplit_once('@')?;
    if !domain.eq_ignore_ascii_case(account_domain) {
        return None;
    }
    let prefix = local.get(..account_local.len())?;
    if !prefix.eq_ignore_ascii_case(account_local) {
        return None;
    }
    let tag = local[account_local.len()..].strip_prefix('+')?;
    let valid = !tag.is_empty()
        && tag.len() <= MAX_MODEL_CHARS
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    valid.then(|| tag.to_ascii_lowercase())
}

#[cfg(test)]
#[path = "addressing_tests.rs"]
mod tests;
