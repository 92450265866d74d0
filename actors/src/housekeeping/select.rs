//! Which conversations have expired. Pure, so the policy is tested without
//! a store or a file system.

use std::collections::BTreeSet;

use crate::conversation::ConversationRecord;
use crate::intake::ConversationId;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Conversations whose last activity is strictly older than `max_age_days`
/// before `now_ms` and that are not `busy`, in the order given.
///
/// `max_age_days == 0` expires nothing: the config requires at least one
/// day, and a zero that slipped through must not wipe every idle
/// conversation at once.
pub fn expired(
    records: &[(ConversationId, ConversationRecord)],
    now_ms: i64,
    max_age_days: u32,
    busy: &BTreeSet<ConversationId>,
) -> Vec<ConversationId> {
    if max_age_days == 0 {
        return Vec::new();
    }
    let cutoff = now_ms.saturating_sub(i64::from(max_age_days).saturating_mul(DAY_MS));
    records
        .iter()
        .filter(|(id, record)| record.last_activity_ms < cutoff && !busy.contains(id))
        .map(|(id, _)| id.clone())
        .collect()
}

#[cfg(test)]
#[path = "select_tests.rs"]
mod tests;
