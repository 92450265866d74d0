use super::*;

const LOG: &str = concat!(
    r#"{"time":"2026-11-22T14:03:00.000Z","task_id":"c1-1","kind":"task_start","verdict":"allowed"}"#,
    "\n",
    r#"{"time":"2026-11-22T14:03:01.000Z","task_id":"c1-1","kind":"http","verdict":"allowed","method":"GET","url":"https://api.github.com/x","status":200,"masked":2,"scrubbed":1}"#,
    "\n",
    r#"{"time":"2026-11-22T14:03:02.000Z","task_id":"c1-1","kind":"http","verdict":"blocked","method":"POST","url":"https://evil.test/","status":403,"stripped":1}"#,
    "\n",
    r#"{"time":"2026-11-22T14:03:02.000Z","task_id":"c1-1","kind":"connect","verdict":"blocked","url":"evil.test:443","status":403}"#,
    "\n",
    r#"{"time":"2026-11-22T14:03:03.000Z","task_id":"c1-1","kind":"dns","verdict":"allowed","method":"A","url":"api.github.com","answer":"10.0.0.2"}"#,
    "\n",
    r#"{"time":"2026-11-22T14:03:03.000Z","task_id":"c1-1","kind":"http","verdict":"error","method":"GET","url":"https://down.test/","status":502,"collapsed":1}"#,
    "\n",
    r#"{"time":"2026-11-22T14:03:04.000Z","task_id":"c1-2","kind":"http","verdict":"allowed","method":"GET","url":"https://api.github.com/y","status":200}"#,
    "\n",
    "not json\n",
);

#[test]
fn counts_one_tasks_entries_by_kind_and_verdict() {
    let d = count_decisions(LOG, "c1-1");
    let expected: BTreeMap<(&str, &str), u64> = [
        (("http", "allowed"), 1),
        (("http", "blocked"), 1),
        (("http", "error"), 1),
        (("connect", "blocked"), 1),
        (("dns", "allowed"), 1),
    ]
    .into();
    assert_eq!(d.requests, expected);
    let credentials: BTreeMap<&str, u64> = [
        ("masked", 2),
        ("scrubbed", 1),
        ("stripped", 1),
        ("collapsed", 1),
    ]
    .into();
    assert_eq!(d.credentials, credentials);
    assert_eq!(d.unreadable, 1);
}

#[test]
fn other_tasks_and_task_start_lines_are_not_counted() {
    let d = count_decisions(LOG, "c1-2");
    assert_eq!(d.requests, [(("http", "allowed"), 1)].into());
    assert!(d.credentials.is_empty());
    assert!(count_decisions(LOG, "c9-1").requests.is_empty());
}

#[test]
fn reads_from_the_offset_and_stops_at_the_last_whole_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("network.log");
    let first = LOG.lines().next().expect("line");
    let second = LOG.lines().nth(1).expect("line");
    std::fs::write(&path, format!("{first}\n{second}\n{{\"torn")).expect("write");

    let (d, end) = count_task_log(&path, 0, "c1-1").expect("count");
    assert_eq!(d.requests, [(("http", "allowed"), 1)].into());
    assert_eq!(end, (first.len() + second.len() + 2) as u64);

    // from there on only what came after is read
    let (d, end2) = count_task_log(&path, end, "c1-1").expect("count");
    assert!(d.requests.is_empty());
    assert_eq!(end2, end);

    // a file shorter than the offset is read whole
    let (d, _) = count_task_log(&path, 10_000, "c1-1").expect("count");
    assert_eq!(d.requests, [(("http", "allowed"), 1)].into());
}

#[test]
fn a_missing_log_counts_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (d, end) = count_task_log(&dir.path().join("none"), 5, "c1-1").expect("count");
    assert!(d.is_empty());
    assert_eq!(end, 0);
}
