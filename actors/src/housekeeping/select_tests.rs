use std::collections::BTreeSet;

use super::*;

const NOW: i64 = 1_777_629_600_000;

fn id(n: u32) -> ConversationId {
    ConversationId::from_u32(n)
}

fn record(last_activity_ms: i64) -> ConversationRecord {
    ConversationRecord {
        repo_id: "demo".into(),
        last_activity_ms,
        ..ConversationRecord::default()
    }
}

#[test]
fn old_conversations_expire_and_recent_ones_stay() {
    let records = vec![
        (id(1), record(NOW - 8 * DAY_MS)),
        (id(2), record(NOW - DAY_MS)),
        (id(3), record(NOW)),
    ];
    assert_eq!(expired(&records, NOW, 7, &BTreeSet::new()), vec![id(1)]);
}

#[test]
fn exactly_at_the_cutoff_is_kept_one_ms_older_expires() {
    let cutoff = NOW - 7 * DAY_MS;
    let records = vec![
        (id(1), record(cutoff)),
        (id(2), record(cutoff - 1)),
        (id(3), record(cutoff + 1)),
    ];
    assert_eq!(expired(&records, NOW, 7, &BTreeSet::new()), vec![id(2)]);
}

#[test]
fn busy_conversations_never_expire() {
    let records = vec![
        (id(1), record(NOW - 30 * DAY_MS)),
        (id(2), record(NOW - 30 * DAY_MS)),
    ];
    let busy = BTreeSet::from([id(1)]);
    assert_eq!(expired(&records, NOW, 7, &busy), vec![id(2)]);
}

#[test]
fn zero_days_expires_nothing() {
    let records = vec![(id(1), record(0))];
    assert!(expired(&records, NOW, 0, &BTreeSet::new()).is_empty());
}

#[test]
fn extreme_values_do_not_overflow() {
    let records = vec![(id(1), record(i64::MIN)), (id(2), record(i64::MAX))];
    assert_eq!(
        expired(&records, i64::MIN + 5, u32::MAX, &BTreeSet::new()),
        Vec::<ConversationId>::new()
    );
    assert_eq!(
        expired(&records, i64::MAX, u32::MAX, &BTreeSet::new()),
        vec![id(1)]
    );
}
