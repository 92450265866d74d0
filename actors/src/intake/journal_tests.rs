use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::intake::records::{IntakeId, MessageState};
use crate::intake::test_support::message;

fn open(dir: &std::path::Path) -> IntakeJournal {
    IntakeJournal::new(Store::open(dir).expect("open store"))
}

fn accepted(recorded: Recorded) -> (IntakeId, ConversationId, ConversationOrigin) {
    match recorded {
        Recorded::Accepted {
            id,
            conversation_id,
            origin,
        } => (id, conversation_id, origin),
        other => panic!("expected Accepted, got {other:?}"),
    }
}

/// Hands out the given ids in turn, then repeats the last one.
fn scripted(ids: &[u32]) -> impl Fn() -> u32 + Send + Sync + 'static {
    let ids = ids.to_vec();
    let next = AtomicUsize::new(0);
    move || {
        let i = next.fetch_add(1, Ordering::SeqCst).min(ids.len() - 1);
        ids[i]
    }
}

#[test]
fn duplicate_delivery_is_dropped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = open(dir.path());
    let (first, _, _) = accepted(
        journal
            .record(&message("imap:7:42", "t1", "hi"))
            .expect("record"),
    );
    let again = journal
        .record(&message("imap:7:42", "t1", "hi"))
        .expect("record");
    assert_eq!(again, Recorded::Duplicate { original: first });
    let recovered = journal.recover().expect("recover");
    assert_eq!(
        recovered.queued.len(),
        1,
        "the duplicate must not be queued"
    );
}

#[test]
fn same_dedupe_key_in_another_repo_is_not_a_duplicate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = open(dir.path());
    journal
        .record(&message("imap:7:42", "t1", "a"))
        .expect("record");
    let mut other = message("imap:7:42", "t1", "b");
    other.repo_id = "other".to_string();
    let (_, _, origin) = accepted(journal.record(&other).expect("record"));
    assert_eq!(origin, ConversationOrigin::New, "threads are per repo too");
}

#[test]
fn second_message_in_a_new_thread_joins_the_first_conversation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = open(dir.path());
    let (_, first, origin) = accepted(
        journal
            .record(&message("slack:E1", "slack:C1:100.1", "do x"))
            .expect("record"),
    );
    assert_eq!(origin, ConversationOrigin::New);
    let (_, second, origin) = accepted(
        journal
            .record(&message("slack:E2", "slack:C1:100.1", "also y"))
            .expect("record"),
    );
    assert_eq!(second, first);
    assert_eq!(origin, ConversationOrigin::Thread);
    let (_, third, _) = accepted(
        journal
            .record(&message("slack:E3", "slack:C1:200.2", "other"))
            .expect("record"),
    );
    assert_ne!(third, first);
}

#[test]
fn thread_conversation_names_the_threads_conversation_per_repo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = open(dir.path());
    assert_eq!(
        journal
            .thread_conversation("demo", "slack:C1:1.1")
            .expect("read"),
        None
    );
    let (_, conv, _) = accepted(
        journal
            .record(&message("slack:C1:1.1", "slack:C1:1.1", "hi"))
            .expect("record"),
    );
    assert_eq!(
        journal
            .thread_conversation("demo", "slack:C1:1.1")
            .expect("read"),
        Some(conv)
    );
    assert_eq!(
        journal
            .thread_conversation("other", "slack:C1:1.1")
            .expect("read"),
        None
    );
    assert_eq!(journal.thread_conversation("demo", "").expect("read"), None);
    assert!(journal.is_recorded("demo", "slack:C1:1.1").expect("read"));
    assert!(!journal.is_recorded("other", "slack:C1:1.1").expect("read"));
    assert!(!journal.is_recorded("demo", "slack:C1:9.9").expect("read"));
}

#[test]
fn forgetting_a_conversation_drops_only_its_thread_links() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open store");
    let journal = IntakeJournal::new(store.clone());
    let (_, gone, _) = accepted(
        journal
            .record(&message("a", "slack:C1:1.1", "a"))
            .expect("record"),
    );
    // A second thread of the same conversation (a hint routed it there).
    let mut hinted = message("b", "slack:C1:2.2", "b");
    hinted.conversation_hint = Some(gone.clone());
    accepted(journal.record(&hinted).expect("record"));
    let (_, kept, _) = accepted(
        journal
            .record(&message("c", "slack:C1:3.3", "c"))
            .expect("record"),
    );
    assert_eq!(forget_thread_links(&store, &gone).expect("forget"), 2);
    assert_eq!(
        journal
            .thread_conversation("demo", "slack:C1:1.1")
            .expect("read"),
        None
    );
    assert_eq!(
        journal
            .thread_conversation("demo", "slack:C1:2.2")
            .expect("read"),
        None
    );
    assert_eq!(
        journal
            .thread_conversation("demo", "slack:C1:3.3")
            .expect("read"),
        Some(kept)
    );
    // A new message in the forgotten thread starts a new conversation.
    let (_, fresh, origin) = accepted(
        journal
            .record(&message("d", "slack:C1:1.1", "d"))
            .expect("record"),
    );
    assert_ne!(fresh, gone);
    assert_eq!(origin, ConversationOrigin::New);
}

#[test]
fn empty_thread_key_never_joins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = open(dir.path());
    let (_, a, _) = accepted(journal.record(&message("d1", "", "a")).expect("record"));
    let (_, b, _) = accepted(journal.record(&message("d2", "", "b")).expect("record"));
    assert_ne!(a, b);
}

#[test]
fn hint_naming_a_known_conversation_is_reused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = open(dir.path());
    let (_, conv, _) = accepted(
        journal
            .record(&message("d1", "<root@x>", "start"))
            .expect("record"),
    );
    // A reply in a different email thread that names the conversation.
    let mut reply = message("d2", "<other@x>", "more");
    reply.conversation_hint = Some(conv.clone());
    let (_, joined, origin) = accepted(journal.record(&reply).expect("record"));
    assert_eq!((joined, origin), (conv.clone(), ConversationOrigin::Hint));
    assert!(journal.owns_conversation("demo", &conv).expect("owns"));
}

#[test]
fn unknown_or_foreign_hint_starts_a_new_conversation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal =
        IntakeJournal::with_id_source(Store::open(dir.path()).expect("open"), scripted(&[1, 2, 3]));
    let mut foreign = message("d1", "t1", "x");
    foreign.repo_id = "other".to_string();
    let (_, foreign_conv, _) = accepted(journal.record(&foreign).expect("record"));

    let mut unknown = message("d2", "t2", "y");
    unknown.conversation_hint = ConversationId::parse("deadbeef");
    let (_, conv, origin) = accepted(journal.record(&unknown).expect("record"));
    assert_eq!(
        (conv.as_str(), origin),
        ("00000002", ConversationOrigin::New)
    );

    let mut cross = message("d3", "t3", "z");
    cross.conversation_hint = Some(foreign_conv.clone());
    let (_, conv, origin) = accepted(journal.record(&cross).expect("record"));
    assert_ne!(
        conv, foreign_conv,
        "another repo's conversation must not be joined"
    );
    assert_eq!(origin, ConversationOrigin::New);
}

#[test]
fn colliding_ids_are_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = IntakeJournal::with_id_source(
        Store::open(dir.path()).expect("open"),
        scripted(&[0xabcd_0001, 0xabcd_0001, 0xabcd_0001, 0xabcd_0002]),
    );
    let (_, a, _) = accepted(journal.record(&message("d1", "t1", "a")).expect("record"));
    let (_, b, _) = accepted(journal.record(&message("d2", "t2", "b")).expect("record"));
    assert_eq!(a.as_str(), "abcd0001");
    assert_eq!(b.as_str(), "abcd0002");
}

#[test]
fn a_generator_that_only_collides_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = IntakeJournal::with_id_source(Store::open(dir.path()).expect("open"), || 7);
    journal.record(&message("d1", "t1", "a")).expect("record");
    let err = journal
        .record(&message("d2", "t2", "b"))
        .expect_err("exhausted");
    assert!(matches!(err, IntakeError::IdsExhausted { .. }), "{err}");
    // Nothing of the failed message was written.
    assert!(journal.get(IntakeId(2)).expect("get").is_none());
    let (_, _, origin) = accepted(
        journal
            .record(&message("d3", "t1", "c"))
            .expect("thread join still works"),
    );
    assert_eq!(origin, ConversationOrigin::Thread);
}

#[test]
fn crash_after_record_recovers_queued_and_interrupted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (queued, running, done) = {
        let journal = open(dir.path());
        let (running, ..) = accepted(
            journal
                .record(&message("d1", "t1", "running"))
                .expect("record"),
        );
        let (done, ..) = accepted(
            journal
                .record(&message("d2", "t2", "done"))
                .expect("record"),
        );
        let (queued, ..) = accepted(
            journal
                .record(&message("d3", "t1", "queued"))
                .expect("record"),
        );
        journal.mark_running(&[running], "task-1").expect("running");
        journal.mark_running(&[done], "task-2").expect("running");
        journal.mark_done(&[done]).expect("done");
        (queued, running, done)
        // Journal and store dropped here, as at process exit; the kill -9
        // test below covers exit without the store's closing flush.
    };
    let journal = open(dir.path());
    let recovered = journal.recover().expect("recover");
    let ids = |entries: &[JournalEntry]| entries.iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(ids(&recovered.queued), vec![queued]);
    assert_eq!(ids(&recovered.interrupted), vec![running]);
    assert_eq!(recovered.queued[0].message.body, "queued");
    assert!(recovered.damaged.is_empty());
    assert!(matches!(
        journal.get(done).expect("get").map(|e| e.state),
        Some(MessageState::Done { .. })
    ));

    // Once the notice is sent, the interrupted message is finished.
    journal.mark_interrupted(&[running]).expect("interrupted");
    let again = journal.recover().expect("recover");
    assert!(again.interrupted.is_empty());
    assert_eq!(ids(&again.queued), vec![queued]);
    // The dedupe marks survived too: a redelivery after the crash is dropped.
    assert!(matches!(
        journal
            .record(&message("d1", "t1", "running"))
            .expect("record"),
        Recorded::Duplicate { .. }
    ));
}

#[test]
fn transitions_are_guarded_and_all_or_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = open(dir.path());
    let (a, ..) = accepted(journal.record(&message("d1", "t1", "a")).expect("record"));
    let (b, ..) = accepted(journal.record(&message("d2", "t1", "b")).expect("record"));

    let err = journal.mark_done(&[a]).expect_err("queued cannot be done");
    assert!(
        matches!(
            err,
            IntakeError::InvalidTransition {
                from: "queued",
                to: "done",
                ..
            }
        ),
        "{err}"
    );

    journal.mark_running(&[a], "t-1").expect("running");
    // `b` is queued, `a` running: marking both done must change neither.
    assert!(journal.mark_done(&[a, b]).is_err());
    assert!(matches!(
        journal.get(a).expect("get").map(|e| e.state),
        Some(MessageState::Running { .. })
    ));

    // Repeating a transition is harmless; another task cannot take it over.
    journal.mark_running(&[a], "t-1").expect("idempotent");
    assert!(journal.mark_running(&[a], "t-2").is_err());

    let err = journal
        .mark_running(&[IntakeId(99)], "t")
        .expect_err("unknown");
    assert!(matches!(err, IntakeError::Unknown { .. }), "{err}");

    journal
        .mark_failed(&[b], "sender not authorized")
        .expect("failed from queued");
    journal.mark_done(&[a]).expect("done");
    let recovered = journal.recover().expect("recover");
    assert!(recovered.queued.is_empty() && recovered.interrupted.is_empty());
}

#[test]
fn coalesced_messages_run_and_finish_together() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = open(dir.path());
    let ids: Vec<IntakeId> = (1..=3)
        .map(|n| {
            accepted(
                journal
                    .record(&message(&format!("d{n}"), "t", "m"))
                    .expect("record"),
            )
            .0
        })
        .collect();
    journal.mark_running(&ids, "task-9").expect("running");
    for id in &ids {
        let state = journal.get(*id).expect("get").map(|e| e.state);
        assert_eq!(
            state,
            Some(MessageState::Running {
                task_id: "task-9".into()
            })
        );
    }
    journal.mark_done(&ids).expect("done");
    assert!(journal.recover().expect("recover").queued.is_empty());
}

#[test]
fn concurrent_records_in_one_new_thread_share_a_conversation() {
    // Two channel workers racing on the first messages of a thread: the
    // transaction must still give them one conversation.
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = open(dir.path());
    let convs = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for n in 0..8 {
            let journal = journal.clone();
            let convs = &convs;
            scope.spawn(move || {
                let (_, conv, _) = accepted(
                    journal
                        .record(&message(&format!("d{n}"), "race", "m"))
                        .expect("record"),
                );
                convs.lock().expect("lock").push(conv);
            });
        }
    });
    let mut convs = convs.into_inner().expect("lock");
    convs.dedup();
    assert_eq!(convs.len(), 1, "{convs:?}");
    assert_eq!(journal.recover().expect("recover").queued.len(), 8);
}

/// Child half of `journal_survives_kill_9`: journals two messages, starts
/// one, says so, then waits to be killed (no clean shutdown, no drop flush).
#[test]
fn crash_child_journal() {
    let Ok(dir) = std::env::var("AIRUT_INTAKE_CRASH_DIR") else {
        return; // only meaningful when spawned by the crash test
    };
    let journal = open(std::path::Path::new(&dir));
    let (running, ..) = accepted(
        journal
            .record(&message("d1", "t1", "started"))
            .expect("record"),
    );
    journal
        .record(&message("d2", "t1", "waiting"))
        .expect("record");
    journal.mark_running(&[running], "task-1").expect("running");
    println!("AIRUT-READY");
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

#[test]
fn journal_survives_kill_9() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "intake::journal::tests::crash_child_journal",
            "--exact",
            "--nocapture",
        ])
        .env("AIRUT_INTAKE_CRASH_DIR", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("stdout");
    // The child prints the marker only after its writes returned; if it dies
    // first, its stdout closes and the search ends.
    let ready = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains("AIRUT-READY"));
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    assert!(ready, "child never finished its writes");

    let journal = open(dir.path());
    let recovered = journal.recover().expect("recover");
    let bodies = |entries: &[JournalEntry]| {
        entries
            .iter()
            .map(|e| e.message.body.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(bodies(&recovered.queued), vec!["waiting"]);
    assert_eq!(bodies(&recovered.interrupted), vec!["started"]);
    assert_eq!(
        recovered.queued[0].conversation_id,
        recovered.interrupted[0].conversation_id
    );
}
