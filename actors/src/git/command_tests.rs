use std::time::Duration;

use super::*;

#[test]
fn failure_text_is_redacted_and_joined() {
    let out = GitOutput {
        success: false,
        code: Some(128),
        stdout: Vec::new(),
        stderr:
            b"fatal: repository 'https://bot:ghp_SECRET@github.com/o/r.git/' not found\n\nhint: x\n"
                .to_vec(),
    };
    let text = failed("fetch", &out).to_string();
    assert!(!text.contains("ghp_SECRET"), "{text}");
    assert!(text.contains("https://***@github.com/o/r.git/"), "{text}");
    assert!(text.contains("exit 128"), "{text}");
    assert!(text.contains(" | hint: x"), "{text}");
}

#[test]
fn long_stderr_is_capped() {
    let out = GitOutput {
        success: false,
        code: None,
        stdout: Vec::new(),
        stderr: "é".repeat(5000).into_bytes(),
    };
    let text = failed("fetch", &out).to_string();
    assert!(text.len() < 2100, "{}", text.len());
    assert!(text.contains("by signal"), "{text}");
}

#[tokio::test]
async fn a_call_past_its_deadline_is_killed_and_a_timeout() {
    // A shell alias stands in for a fetch from a remote that never answers.
    let started = std::time::Instant::now();
    let err = GitCall::new("hang", Duration::from_millis(200))
        .args(&["-c", "alias.hang=!sleep 3", "hang"])
        .run()
        .await
        .expect_err("must not wait for the alias");
    assert!(matches!(err, GitError::TimedOut { .. }), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn stdin_reaches_git_and_stdout_comes_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = GitCall::new("hash-object", Duration::from_secs(60))
        .git_dir(dir.path())
        .args(&["hash-object", "--stdin"])
        .stdin(b"hello\n")
        .run()
        .await
        .expect("hash");
    // The well-known blob id of "hello\n".
    assert_eq!(out, b"ce013625030ba8dba906f756967f9e9ca394464a\n");
}
