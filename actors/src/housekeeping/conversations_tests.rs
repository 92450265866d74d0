use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::config::{MaskedSecret, Secret};
use crate::intake::Recorded;
use crate::intake::test_support::message;
use crate::sandbox::surrogates::{ConversationSurrogates, masked_for_task};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const NOW: i64 = 1_777_629_600_000;

struct Fixture {
    tmp: tempfile::TempDir,
    store: Store,
    journal: IntakeJournal,
    /// `<state>/demo/conversations`.
    root: PathBuf,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&tmp.path().join("store")).expect("store");
    let journal = IntakeJournal::new(store.clone());
    let root = tmp.path().join("demo").join("conversations");
    Fixture {
        tmp,
        store,
        journal,
        root,
    }
}

impl Fixture {
    /// A conversation claimed through the journal (as real ones are), with
    /// a record, a directory and stored surrogates. Its message is marked
    /// done, so it is idle.
    fn conversation(&self, thread: &str, last_activity_ms: i64) -> ConversationId {
        let id = self.journal_message(thread);
        let record = ConversationRecord {
            repo_id: "demo".into(),
            channel: "email".into(),
            created_at_ms: last_activity_ms,
            last_activity_ms,
            ..ConversationRecord::default()
        };
        record.save(&self.store, &id).expect("save record");
        let dir = self.root.join(id.as_str());
        std::fs::create_dir_all(dir.join("workspace/.git/objects")).expect("dirs");
        std::fs::write(dir.join("workspace/README"), "hi").expect("file");
        std::fs::write(dir.join("events.jsonl"), "{}\n").expect("file");
        let secrets = BTreeMap::from([(
            "GH_TOKEN".to_string(),
            MaskedSecret {
                value: Secret::new("ghp_realvalue1234567890abcdefghijklmnop"),
                scopes: vec!["api.github.com".into()],
                headers: vec!["Authorization".into()],
                allow_foreign_credentials: false,
            },
        )]);
        masked_for_task(&self.store, id.as_str(), &secrets).expect("surrogates");
        id
    }

    /// Journals a message in a new thread; returns its conversation. The
    /// entry stays queued.
    fn journal_message(&self, thread: &str) -> ConversationId {
        let msg = message(&format!("dedupe-{thread}"), thread, "hello");
        match self.journal.record(&msg).expect("record") {
            Recorded::Accepted {
                conversation_id, ..
            } => conversation_id,
            Recorded::Duplicate { .. } => panic!("{thread} was journaled twice"),
        }
    }

    fn finish_all(&self) {
        let recovered = self.journal.recover().expect("recover");
        let ids: Vec<_> = recovered.queued.iter().map(|e| e.id).collect();
        self.journal.mark_running(&ids, "t").expect("running");
        self.journal.mark_done(&ids).expect("done");
    }

    fn sweep(&self, extra_busy: &BTreeSet<ConversationId>) -> SweepReport {
        let root = self.root.clone();
        sweep(
            &self.store,
            &self.journal,
            |repo| (repo == "demo").then(|| root.clone()),
            NOW,
            7,
            extra_busy,
        )
    }

    fn exists(&self, id: &ConversationId) -> (bool, bool, bool) {
        let dir = self.root.join(id.as_str()).exists();
        let record = ConversationRecord::load(&self.store, id)
            .expect("load")
            .is_some();
        let surrogates = self
            .store
            .get::<ConversationSurrogates>(&format!("surrogates/{id}"))
            .expect("surrogates")
            .is_some();
        (dir, record, surrogates)
    }
}

#[test]
fn old_idle_conversation_is_removed_and_a_recent_one_kept() {
    let f = fixture();
    let old = f.conversation("old", NOW - 8 * DAY_MS);
    let recent = f.conversation("recent", NOW - DAY_MS);
    f.finish_all();
    assert_eq!(f.exists(&old), (true, true, true));

    let report = f.sweep(&BTreeSet::new());

    assert_eq!(report.errors, Vec::<String>::new());
    assert_eq!(report.removed, vec![("demo".to_string(), old.clone())]);
    assert_eq!(f.exists(&old), (false, false, false));
    assert_eq!(f.exists(&recent), (true, true, true));
}

#[test]
fn removing_a_conversation_forgets_its_threads() {
    let f = fixture();
    let old = f.conversation("slack:C1:1.1", NOW - 8 * DAY_MS);
    let recent = f.conversation("slack:C1:2.2", NOW - DAY_MS);
    f.finish_all();
    assert_eq!(f.sweep(&BTreeSet::new()).removed.len(), 1);
    let thread_of = |t: &str| f.journal.thread_conversation("demo", t).expect("read");
    assert_eq!(thread_of("slack:C1:1.1"), None);
    assert_eq!(thread_of("slack:C1:2.2"), Some(recent));
    let again = message("later", "slack:C1:1.1", "back again");
    match f.journal.record(&again).expect("record") {
        Recorded::Accepted {
            conversation_id, ..
        } => assert_ne!(conversation_id, old),
        Recorded::Duplicate { .. } => panic!("a new message is not a duplicate"),
    }
}

#[test]
fn removed_ids_stay_claimed_so_they_are_never_reused() {
    let f = fixture();
    let old = f.conversation("old", NOW - 8 * DAY_MS);
    f.finish_all();
    assert_eq!(f.sweep(&BTreeSet::new()).removed.len(), 1);
    assert!(f.journal.owns_conversation("demo", &old).expect("claim"));
}

#[test]
fn old_conversation_with_a_queued_message_is_kept() {
    let f = fixture();
    let old = f.conversation("old", NOW - 30 * DAY_MS);
    assert_eq!(
        busy_conversations(&f.journal).expect("busy"),
        BTreeSet::from([old.clone()])
    );

    let report = f.sweep(&BTreeSet::new());

    assert!(report.removed.is_empty(), "{report:?}");
    assert_eq!(f.exists(&old), (true, true, true));
}

#[test]
fn old_conversation_with_a_running_message_is_kept() {
    let f = fixture();
    let old = f.conversation("old", NOW - 30 * DAY_MS);
    let queued = f.journal.recover().expect("recover").queued;
    let ids: Vec<_> = queued.iter().map(|e| e.id).collect();
    f.journal.mark_running(&ids, "t").expect("running");
    assert_eq!(
        busy_conversations(&f.journal).expect("busy"),
        BTreeSet::from([old.clone()])
    );

    assert!(f.sweep(&BTreeSet::new()).removed.is_empty());
    assert_eq!(f.exists(&old), (true, true, true));
}

#[test]
fn extra_busy_conversation_is_kept() {
    let f = fixture();
    let old = f.conversation("old", NOW - 30 * DAY_MS);
    f.finish_all();
    assert!(busy_conversations(&f.journal).expect("busy").is_empty());

    let report = f.sweep(&BTreeSet::from([old.clone()]));

    assert!(report.removed.is_empty(), "{report:?}");
    assert_eq!(f.exists(&old), (true, true, true));
}

#[test]
fn conversation_of_an_unconfigured_repo_is_kept() {
    let f = fixture();
    let old = f.conversation("old", NOW - 30 * DAY_MS);
    f.finish_all();
    let report = sweep(&f.store, &f.journal, |_| None, NOW, 7, &BTreeSet::new());
    assert_eq!(report, SweepReport::default());
    assert_eq!(f.exists(&old), (true, true, true));
}

#[test]
fn damaged_record_is_reported_and_left_alone() {
    let f = fixture();
    f.store
        .put_raw(
            crate::store::TreeName::Conversations,
            "0000beef",
            b"garbage",
        )
        .expect("plant");
    let report = f.sweep(&BTreeSet::new());
    assert!(report.removed.is_empty());
    assert_eq!(report.errors.len(), 1, "{report:?}");
    assert!(report.errors[0].contains("0000beef"), "{report:?}");
}

#[test]
fn missing_directory_is_fine() {
    let f = fixture();
    let id = f.conversation("old", NOW - 30 * DAY_MS);
    let dir = f.root.join(id.as_str());
    std::fs::remove_dir_all(&dir).expect("rm");

    remove_conversation(&f.store, &dir, &id).expect("remove");

    assert_eq!(f.exists(&id), (false, false, false));
}

#[test]
fn read_only_directories_are_removed() {
    let f = fixture();
    let id = f.conversation("old", NOW - 30 * DAY_MS);
    let dir = f.root.join(id.as_str());
    let objects = dir.join("workspace/.git/objects");
    std::fs::write(objects.join("pack"), "x").expect("file");
    for path in [objects.join("pack"), objects.clone(), dir.join("workspace")] {
        let mode = if path.is_dir() { 0o555 } else { 0o444 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }

    remove_conversation(&f.store, &dir, &id).expect("remove");

    assert!(!dir.exists());
}

#[test]
fn symlinked_directories_outside_are_not_touched() {
    let f = fixture();
    let id = f.conversation("old", NOW - 30 * DAY_MS);
    let dir = f.root.join(id.as_str());
    let outside = f.tmp.path().join("outside");
    std::fs::create_dir_all(&outside).expect("outside");
    std::fs::write(outside.join("keep"), "x").expect("file");
    std::fs::set_permissions(&outside, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    std::os::unix::fs::symlink(&outside, dir.join("workspace/link")).expect("symlink");
    make_dirs_writable(&dir).expect("writable");

    remove_conversation(&f.store, &dir, &id).expect("remove");

    assert!(!dir.exists());
    assert!(outside.join("keep").exists());
    let mode = std::fs::metadata(&outside)
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o555, "the link target's mode changed");
}
