use serde::{Deserialize, Serialize};

use super::*;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Conv {
    id: String,
    tasks: u32,
}

impl Record for Conv {
    const TREE: TreeName = TreeName::Conversations;
    const SCHEMA_VERSION: u16 = 1;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Intake {
    conversation: String,
    body: String,
}

impl Record for Intake {
    const TREE: TreeName = TreeName::Intake;
    const SCHEMA_VERSION: u16 = 2;
}

/// Same tree as `Conv` but a later schema: a reader of version 1 must refuse it.
#[derive(Debug, Serialize, Deserialize)]
struct ConvV2 {
    id: String,
    tasks: u32,
}

impl Record for ConvV2 {
    const TREE: TreeName = TreeName::Conversations;
    const SCHEMA_VERSION: u16 = 2;
}

fn conv(id: &str, tasks: u32) -> Conv {
    Conv {
        id: id.to_string(),
        tasks,
    }
}

#[test]
fn data_survives_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = Store::open(dir.path()).expect("open");
        store.put("abcd1234", &conv("abcd1234", 3)).expect("put");
        store.flush().expect("flush");
    }
    let store = Store::open(dir.path()).expect("reopen");
    assert_eq!(
        store.get::<Conv>("abcd1234").expect("get"),
        Some(conv("abcd1234", 3))
    );
}

#[test]
fn data_survives_reopen_without_explicit_flush() {
    // Dropping the last handle flushes; this is the clean-shutdown path.
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = Store::open(dir.path()).expect("open");
        store.put("k", &conv("k", 1)).expect("put");
    }
    let store = Store::open(dir.path()).expect("reopen");
    assert_eq!(store.get::<Conv>("k").expect("get"), Some(conv("k", 1)));
}

#[test]
fn missing_key_is_none_and_remove_reports_presence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    assert_eq!(store.get::<Conv>("nope").expect("get"), None);
    store.put("a", &conv("a", 0)).expect("put");
    assert!(store.remove::<Conv>("a").expect("remove"));
    assert!(!store.remove::<Conv>("a").expect("remove again"));
}

#[test]
fn trees_are_separate_namespaces() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    store.put("same", &conv("same", 1)).expect("put");
    let intake = Intake {
        conversation: "same".into(),
        body: "hello".into(),
    };
    store.put("same", &intake).expect("put");
    assert_eq!(
        store.get::<Conv>("same").expect("get"),
        Some(conv("same", 1))
    );
    assert_eq!(store.get::<Intake>("same").expect("get"), Some(intake));
}

#[test]
fn torn_value_is_rejected_not_misread() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let full = envelope::seal(1, br#"{"id":"abcd1234","tasks":12}"#);
    // The prefix `{"id":"abcd1234","tasks":1` would parse as JSON number 1 if
    // the reader trusted it; the envelope must catch the tear.
    let torn = &full[..full.len() - 6];
    store
        .put_raw(TreeName::Conversations, "abcd1234", torn)
        .expect("plant");
    match store.get::<Conv>("abcd1234") {
        Err(StoreError::Damaged { key, .. }) => assert_eq!(key, "abcd1234"),
        other => panic!("expected a damaged-value error, got {other:?}"),
    }
}

#[test]
fn corrupt_value_is_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let mut bytes = envelope::seal(1, br#"{"id":"x","tasks":5}"#);
    let at = bytes.len() - 8;
    bytes[at] ^= 0x01;
    store
        .put_raw(TreeName::Conversations, "x", &bytes)
        .expect("plant");
    assert!(matches!(
        store.get::<Conv>("x"),
        Err(StoreError::Damaged {
            source: EnvelopeError::Checksum,
            ..
        })
    ));
}

#[test]
fn other_schema_version_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    store
        .put(
            "c",
            &ConvV2 {
                id: "c".into(),
                tasks: 1,
            },
        )
        .expect("put");
    assert!(matches!(
        store.get::<Conv>("c"),
        Err(StoreError::SchemaMismatch {
            found: 2,
            expected: 1,
            ..
        })
    ));
}

#[test]
fn scan_yields_prefix_in_order_and_isolates_damage() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    store.put("r1/b", &conv("b", 2)).expect("put");
    store.put("r1/a", &conv("a", 1)).expect("put");
    store.put("r2/c", &conv("c", 3)).expect("put");
    store
        .put_raw(TreeName::Conversations, "r1/z", b"garbage")
        .expect("plant");
    let items: Vec<_> = store.scan::<Conv>("r1/").collect();
    assert_eq!(items.len(), 3);
    let ok: Vec<_> = items
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|(k, v)| (k.as_str(), v.tasks))
        .collect();
    assert_eq!(ok, vec![("r1/a", 1), ("r1/b", 2)]);
    assert!(items[2].is_err(), "the damaged record is reported in place");
}

#[test]
fn transaction_spans_trees_atomically() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    store
        .transaction(|tx| {
            tx.put("c1", &conv("c1", 1))?;
            tx.put(
                "m1",
                &Intake {
                    conversation: "c1".into(),
                    body: "hi".into(),
                },
            )?;
            Ok(())
        })
        .expect("commit");
    assert!(store.get::<Conv>("c1").expect("get").is_some());
    assert!(store.get::<Intake>("m1").expect("get").is_some());
}

#[test]
fn aborted_transaction_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    store
        .put_raw(TreeName::Intake, "bad", b"not an envelope")
        .expect("plant");
    let result = store.transaction(|tx| {
        tx.put("c1", &conv("c1", 1))?;
        // Reading the damaged record aborts the whole transaction.
        let _ = tx.get::<Intake>("bad")?;
        Ok(())
    });
    assert!(matches!(result, Err(StoreError::Damaged { .. })));
    assert_eq!(store.get::<Conv>("c1").expect("get"), None);
}

#[test]
fn transaction_reads_its_own_writes_and_returns_a_value() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    store.put("n", &conv("n", 41)).expect("put");
    let after = store
        .transaction(|tx| {
            let mut current = tx.get::<Conv>("n")?.unwrap_or_else(|| conv("n", 0));
            current.tasks += 1;
            tx.put("n", &current)?;
            Ok(tx.get::<Conv>("n")?.map(|c| c.tasks))
        })
        .expect("commit");
    assert_eq!(after, Some(42));
}

#[test]
fn store_from_a_newer_airut_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = Store::open(dir.path()).expect("open");
        store
            .put(FORMAT_KEY, &StoreFormat { format: 99 })
            .expect("put");
    }
    match Store::open(dir.path()) {
        Err(StoreError::NewerFormat { found: 99, .. }) => {}
        other => panic!("expected NewerFormat, got {other:?}"),
    }
}

/// Child half of `data_survives_kill_9`: writes, flushes, says so, then keeps
/// writing until it is killed.
#[test]
fn crash_child_writer() {
    let Ok(dir) = std::env::var("AIRUT_STORE_CRASH_DIR") else {
        return; // only meaningful when spawned by the crash test
    };
    let store = Store::open(std::path::Path::new(&dir)).expect("open");
    for i in 0..100u32 {
        store
            .put(&format!("flushed/{i:03}"), &conv("f", i))
            .expect("put");
    }
    store.flush().expect("flush");
    println!("AIRUT-READY");
    let mut i = 0u32;
    loop {
        store
            .put(&format!("racing/{i:09}"), &conv("r", i))
            .expect("put");
        i = i.wrapping_add(1);
    }
}

#[test]
fn data_survives_kill_9() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "store::store_tests::crash_child_writer",
            "--exact",
            "--nocapture",
        ])
        .env("AIRUT_STORE_CRASH_DIR", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut ready = false;
    while Instant::now() < deadline {
        match lines.next() {
            Some(Ok(line)) if line.contains("AIRUT-READY") => {
                ready = true;
                break;
            }
            Some(Ok(_)) => continue,
            _ => break,
        }
    }
    assert!(ready, "child never reported its flushed writes");
    std::thread::sleep(Duration::from_millis(200)); // let it race some writes
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");

    let store = Store::open(dir.path()).expect("reopen after kill -9");
    for i in 0..100u32 {
        let got = store.get::<Conv>(&format!("flushed/{i:03}")).expect("get");
        assert_eq!(got, Some(conv("f", i)), "flushed record {i} lost");
    }
    // Whatever of the unflushed tail survived must read back whole.
    for item in store.scan::<Conv>("racing/") {
        let (_, value) = item.expect("a surviving record is intact");
        assert_eq!(value.id, "r");
    }
}
