use super::*;

fn cron(expr: &str) -> CronExpression {
    match CronExpression::parse(expr) {
        Ok(c) => c,
        Err(e) => panic!("{expr}: {e}"),
    }
}

#[test]
fn weekday_mornings() {
    let c = cron("0 9 * * 1-5");
    assert!(c.matches(0, 9, 15, 6, 1));
    assert!(!c.matches(0, 9, 15, 6, 0));
    assert!(!c.matches(1, 9, 15, 6, 1));
    assert_eq!(c.source(), "0 9 * * 1-5");
}

#[test]
fn steps_lists_and_ranges() {
    let c = cron("*/15 0-6/2,12 * * *");
    for m in [0, 15, 30, 45] {
        assert!(c.matches(m, 12, 1, 1, 3));
    }
    assert!(!c.matches(10, 12, 1, 1, 3));
    assert!(c.matches(0, 4, 1, 1, 3));
    assert!(!c.matches(0, 5, 1, 1, 3));
    let n_step = cron("5/20 * * * *");
    assert!(n_step.matches(45, 0, 1, 1, 0));
    assert!(!n_step.matches(0, 0, 1, 1, 0));
}

#[test]
fn sunday_is_zero_or_seven() {
    assert!(cron("0 0 * * 7").matches(0, 0, 3, 3, 0));
    assert!(cron("0 0 * * 5-7").matches(0, 0, 3, 3, 0));
    assert!(cron("0 0 * * 5-7").matches(0, 0, 3, 3, 6));
}

#[test]
fn day_fields_or_when_both_restricted() {
    let c = cron("0 0 1 * 1");
    assert!(c.day_matches(1, 3));
    assert!(c.day_matches(9, 1));
    assert!(!c.day_matches(9, 3));
    let only_dom = cron("0 0 1 * *");
    assert!(!only_dom.day_matches(9, 1));
}

#[test]
fn invalid_expressions() {
    for (expr, fragment) in [
        ("0 9 * *", "expected 5 fields"),
        ("60 * * * *", "minute: 60 is outside 0-59"),
        ("* 24 * * *", "hour"),
        ("* * 0 * *", "day of month"),
        ("* * * 13 *", "month"),
        ("* * * * 8", "day of week"),
        ("*/0 * * * *", "step must be at least 1"),
        ("5-1 * * * *", "runs backwards"),
        ("* * * JAN *", "names are not supported"),
        ("1,,2 * * * *", "empty list element"),
        ("*/x * * * *", "bad step"),
    ] {
        let err = CronExpression::parse(expr).err().unwrap_or_default();
        assert!(err.contains(fragment), "{expr}: {err}");
    }
}
