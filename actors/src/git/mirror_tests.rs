use std::time::Duration;

use super::*;
use crate::git::test_repo::{Upstream, git, policy};

const HOUR: Duration = Duration::from_secs(3600);
const ALLOWLIST: &str = ".airut/network-allowlist.yaml";

fn mirror_in(upstream: &Upstream, policy: MirrorPolicy) -> GitMirror {
    GitMirror::new(upstream.root.path().join("state/repo/git-mirror"), policy)
}

async fn allowlist(mirror: &GitMirror) -> String {
    let bytes = mirror
        .read_file_at_default_branch(ALLOWLIST)
        .await
        .expect("read")
        .expect("present");
    String::from_utf8(bytes).expect("utf-8")
}

#[tokio::test]
async fn ensure_clones_a_bare_mirror_once() {
    let upstream = Upstream::new("main", &[(ALLOWLIST, "v1")]);
    let mirror = mirror_in(&upstream, policy(HOUR, HOUR));
    mirror.ensure(&upstream.url()).await.expect("clone");
    assert_eq!(
        git(mirror.path(), &["rev-parse", "--is-bare-repository"]),
        "true"
    );
    let parent = mirror.path().parent().expect("parent");
    let names: Vec<_> = std::fs::read_dir(parent)
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["git-mirror"], "no temporary clone left behind");
    mirror.ensure(&upstream.url()).await.expect("second ensure");
    assert_eq!(allowlist(&mirror).await, "v1");
}

#[tokio::test]
async fn ensure_refuses_a_directory_that_is_not_a_mirror() {
    let upstream = Upstream::new("main", &[]);
    let mirror = mirror_in(&upstream, policy(HOUR, HOUR));
    std::fs::create_dir_all(mirror.path()).expect("mkdir");
    let err = mirror
        .ensure(&upstream.url())
        .await
        .expect_err("not a mirror");
    assert!(matches!(err, GitError::NotAMirror { .. }), "{err}");
}

#[tokio::test]
async fn ensure_follows_a_changed_repo_url() {
    let upstream = Upstream::new("main", &[]);
    let mirror = mirror_in(&upstream, policy(HOUR, HOUR));
    mirror.ensure(&upstream.url()).await.expect("clone");
    let moved = upstream.root.path().join("moved.git");
    std::fs::rename(&upstream.bare, &moved).expect("move upstream");
    let new_url = format!("file://{}", moved.display());
    mirror.ensure(&new_url).await.expect("re-point");
    assert_eq!(
        git(mirror.path(), &["config", "remote.origin.url"]),
        new_url
    );
}

#[tokio::test]
async fn refresh_within_the_interval_is_a_no_op() {
    let upstream = Upstream::new("main", &[(ALLOWLIST, "v1")]);
    let mirror = mirror_in(&upstream, policy(HOUR, HOUR));
    mirror.ensure(&upstream.url()).await.expect("clone");
    upstream.commit("main", &[(ALLOWLIST, "v2")], &[]);
    let outcome = mirror.refresh().await.expect("refresh");
    assert!(
        matches!(outcome, RefreshOutcome::Fresh { .. }),
        "{outcome:?}"
    );
    assert_eq!(allowlist(&mirror).await, "v1", "no fetch happened");
}

#[tokio::test]
async fn refresh_after_the_interval_sees_new_commits() {
    let interval = Duration::from_millis(200);
    let upstream = Upstream::new("main", &[(ALLOWLIST, "v1")]);
    let mirror = mirror_in(&upstream, policy(interval, HOUR));
    mirror.ensure(&upstream.url()).await.expect("clone");
    upstream.commit("main", &[(ALLOWLIST, "v2")], &[]);
    tokio::time::sleep(interval + Duration::from_millis(50)).await;
    assert_eq!(
        mirror.refresh().await.expect("refresh"),
        RefreshOutcome::Fetched
    );
    assert_eq!(allowlist(&mirror).await, "v2");
}

/// A handle on an existing mirror (a restarted server) has no record of a
/// fetch, so its first refresh fetches and starts the interval.
fn reopened(upstream: &Upstream, min_fetch_interval: Duration) -> GitMirror {
    mirror_in(upstream, policy(min_fetch_interval, HOUR))
}

#[tokio::test]
async fn a_reopened_mirror_fetches_once_then_waits_out_the_interval() {
    let upstream = Upstream::new("main", &[(ALLOWLIST, "v1")]);
    mirror_in(&upstream, policy(HOUR, HOUR))
        .ensure(&upstream.url())
        .await
        .expect("clone");
    upstream.commit("main", &[(ALLOWLIST, "v2")], &[]);
    let mirror = reopened(&upstream, HOUR);
    mirror.ensure(&upstream.url()).await.expect("existing");
    assert_eq!(
        mirror.refresh().await.expect("refresh"),
        RefreshOutcome::Fetched
    );
    assert_eq!(allowlist(&mirror).await, "v2");
    upstream.commit("main", &[(ALLOWLIST, "v3")], &[]);
    let outcome = mirror.refresh().await.expect("refresh");
    assert!(
        matches!(outcome, RefreshOutcome::Fresh { .. }),
        "{outcome:?}"
    );
    assert_eq!(allowlist(&mirror).await, "v2");
}

#[tokio::test]
async fn refresh_prunes_deleted_branches() {
    let upstream = Upstream::new("main", &[]);
    upstream.commit("feature", &[("f", "x")], &[]);
    let mirror = mirror_in(&upstream, policy(Duration::ZERO, HOUR));
    mirror.ensure(&upstream.url()).await.expect("clone");
    git(&upstream.bare, &["branch", "-D", "feature"]);
    mirror.refresh().await.expect("refresh");
    assert_eq!(git(mirror.path(), &["branch", "--list", "feature"]), "");
}

#[tokio::test]
async fn failed_refresh_keeps_the_mirror_and_backs_off() {
    let upstream = Upstream::new("main", &[(ALLOWLIST, "v1")]);
    let mirror = mirror_in(&upstream, policy(Duration::ZERO, HOUR));
    mirror.ensure(&upstream.url()).await.expect("clone");
    std::fs::remove_dir_all(&upstream.bare).expect("remove upstream");

    let err = mirror.refresh().await.expect_err("upstream is gone");
    match &err {
        GitError::RefreshFailed {
            failures, retry_in, ..
        } => {
            assert_eq!(*failures, 1);
            assert_eq!(*retry_in, HOUR);
        }
        other => panic!("unexpected error: {other}"),
    }
    assert_eq!(allowlist(&mirror).await, "v1", "mirror still readable");
    assert_eq!(mirror.default_branch().await.expect("branch"), "main");

    let outcome = mirror.refresh().await.expect("skipped");
    assert!(
        matches!(outcome, RefreshOutcome::BackingOff { failures: 1, .. }),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn backoff_doubles_and_a_success_resets_it() {
    let backoff = Duration::from_millis(100);
    let upstream = Upstream::new("main", &[(ALLOWLIST, "v1")]);
    let mirror = mirror_in(&upstream, policy(Duration::ZERO, backoff));
    mirror.ensure(&upstream.url()).await.expect("clone");
    let aside = upstream.root.path().join("aside.git");
    std::fs::rename(&upstream.bare, &aside).expect("hide upstream");

    let first = mirror.refresh().await.expect_err("fails");
    assert!(
        matches!(first, GitError::RefreshFailed { failures: 1, .. }),
        "{first}"
    );
    tokio::time::sleep(backoff + Duration::from_millis(20)).await;
    let second = mirror.refresh().await.expect_err("fails again");
    match second {
        GitError::RefreshFailed {
            failures, retry_in, ..
        } => {
            assert_eq!(failures, 2);
            assert_eq!(retry_in, backoff * 2);
        }
        other => panic!("unexpected error: {other}"),
    }

    std::fs::rename(&aside, &upstream.bare).expect("restore upstream");
    upstream.commit("main", &[(ALLOWLIST, "v2")], &[]);
    tokio::time::sleep(backoff * 2 + Duration::from_millis(20)).await;
    assert_eq!(
        mirror.refresh().await.expect("recovers"),
        RefreshOutcome::Fetched
    );
    assert_eq!(allowlist(&mirror).await, "v2");
}

#[tokio::test]
async fn refresh_of_a_missing_mirror_says_so() {
    let upstream = Upstream::new("main", &[]);
    let mirror = mirror_in(&upstream, policy(HOUR, HOUR));
    let err = mirror.refresh().await.expect_err("never cloned");
    assert!(matches!(err, GitError::MirrorMissing { .. }), "{err}");
}

#[tokio::test]
async fn concurrent_refreshes_fetch_once() {
    let upstream = Upstream::new("main", &[]);
    mirror_in(&upstream, policy(HOUR, HOUR))
        .ensure(&upstream.url())
        .await
        .expect("clone");
    let mirror = reopened(&upstream, HOUR);
    let (a, b) = tokio::join!(mirror.refresh(), mirror.refresh());
    let mut outcomes = [a.expect("a"), b.expect("b")];
    outcomes.sort_by_key(|o| matches!(o, RefreshOutcome::Fresh { .. }));
    assert_eq!(outcomes[0], RefreshOutcome::Fetched);
    assert!(
        matches!(outcomes[1], RefreshOutcome::Fresh { .. }),
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn default_branch_is_the_upstream_head() {
    for branch in ["main", "trunk"] {
        let upstream = Upstream::new(branch, &[]);
        upstream.commit("other", &[("x", "y")], &[]);
        let mirror = mirror_in(&upstream, policy(HOUR, HOUR));
        mirror.ensure(&upstream.url()).await.expect("clone");
        assert_eq!(mirror.default_branch().await.expect("branch"), branch);
    }
}

#[tokio::test]
async fn refresh_follows_a_renamed_default_branch() {
    let upstream = Upstream::new("master", &[]);
    let mirror = mirror_in(&upstream, policy(Duration::ZERO, HOUR));
    mirror.ensure(&upstream.url()).await.expect("clone");
    upstream.commit("main", &[("x", "y")], &[]);
    upstream.set_default_branch("main");
    mirror.refresh().await.expect("refresh");
    assert_eq!(mirror.default_branch().await.expect("branch"), "main");
}

#[tokio::test]
async fn credentials_never_appear_in_errors() {
    let upstream = Upstream::new("main", &[]);
    let mirror = mirror_in(&upstream, policy(Duration::ZERO, HOUR));
    // Port 1 on loopback refuses at once, so git fails with the URL in its
    // message and without a network.
    let url = "https://user:s3cr3t-t0ken@127.0.0.1:1/o/r.git";
    let err = mirror.ensure(url).await.expect_err("nothing listens there");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("s3cr3t-t0ken"), "{text}");
    assert!(!mirror.path().exists(), "no half mirror");

    // The same through refresh of a mirror whose origin carries a token.
    let mirror = mirror_in(&upstream, policy(Duration::ZERO, HOUR));
    mirror.ensure(&upstream.url()).await.expect("clone");
    mirror.ensure(url).await.expect("re-point is local");
    let err = mirror.refresh().await.expect_err("nothing listens there");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("s3cr3t-t0ken"), "{text}");
}
