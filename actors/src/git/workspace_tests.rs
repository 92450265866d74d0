use std::os::unix::fs::MetadataExt;
use std::time::Duration;

use super::*;
use crate::git::mirror::GitMirror;
use crate::git::test_repo::{Upstream, git, policy};

const HOUR: Duration = Duration::from_secs(3600);

async fn mirror_of(upstream: &Upstream) -> GitMirror {
    let mirror = GitMirror::new(upstream.root.path().join("git-mirror"), policy(HOUR, HOUR));
    mirror.ensure(&upstream.url()).await.expect("clone");
    mirror
}

#[tokio::test]
async fn workspace_is_on_the_default_branch_with_the_real_origin() {
    let upstream = Upstream::new("trunk", &[("README", "trunk\n")]);
    upstream.commit("other", &[("README", "other\n")], &[]);
    let mirror = mirror_of(&upstream).await;
    let workspace = upstream.root.path().join("conv/workspace");
    let repo_url = "https://user:token@example.invalid/o/r.git";

    let outcome = create_workspace(&mirror, &workspace, repo_url)
        .await
        .expect("clone");
    assert_eq!(outcome, WorkspaceOutcome::Created);
    assert_eq!(git(&workspace, &["remote", "get-url", "origin"]), repo_url);
    assert_eq!(git(&workspace, &["branch", "--show-current"]), "trunk");
    assert_eq!(
        std::fs::read_to_string(workspace.join("README")).expect("read"),
        "trunk\n"
    );
    assert_eq!(
        git(&workspace, &["rev-parse", "origin/other"]),
        git(&upstream.bare, &["rev-parse", "other"]),
        "remote-tracking refs come from the mirror"
    );
    assert!(!workspace.join(".git/objects/info/alternates").exists());
    let leftovers: Vec<_> = std::fs::read_dir(workspace.parent().expect("parent"))
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers, ["workspace"]);
}

#[tokio::test]
async fn workspace_objects_are_copies_not_links() {
    let upstream = Upstream::new("main", &[("README", "x")]);
    let mirror = mirror_of(&upstream).await;
    let workspace = upstream.root.path().join("ws");
    create_workspace(&mirror, &workspace, &upstream.url())
        .await
        .expect("clone");
    let mut checked = 0;
    let mut stack = vec![workspace.join(".git/objects")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).expect("ls") {
            let entry = entry.expect("entry");
            let meta = entry.metadata().expect("stat");
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                assert_eq!(meta.nlink(), 1, "{} is linked", entry.path().display());
                checked += 1;
            }
        }
    }
    assert!(checked > 0);
}

#[tokio::test]
async fn the_agent_can_commit_offline() {
    let upstream = Upstream::new("main", &[("README", "x")]);
    let mirror = mirror_of(&upstream).await;
    let workspace = upstream.root.path().join("ws");
    create_workspace(&mirror, &workspace, &upstream.url())
        .await
        .expect("clone");
    std::fs::remove_dir_all(&upstream.bare).expect("upstream gone");
    std::fs::write(workspace.join("new.txt"), "agent work").expect("write");
    git(&workspace, &["add", "new.txt"]);
    git(&workspace, &["commit", "--quiet", "-m", "agent"]);
    git(&workspace, &["fsck", "--no-progress"]);
    assert_eq!(git(&workspace, &["log", "--oneline"]).lines().count(), 2);
}

#[tokio::test]
async fn an_existing_workspace_is_left_alone() {
    let upstream = Upstream::new("main", &[("README", "x")]);
    let mirror = mirror_of(&upstream).await;
    let workspace = upstream.root.path().join("ws");
    create_workspace(&mirror, &workspace, &upstream.url())
        .await
        .expect("clone");
    std::fs::write(workspace.join("uncommitted"), "keep me").expect("write");
    let outcome = create_workspace(&mirror, &workspace, &upstream.url())
        .await
        .expect("resume");
    assert_eq!(outcome, WorkspaceOutcome::AlreadyExists);
    assert_eq!(
        std::fs::read_to_string(workspace.join("uncommitted")).expect("read"),
        "keep me"
    );
}

#[tokio::test]
async fn a_missing_mirror_leaves_no_workspace() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mirror = GitMirror::new(dir.path().join("git-mirror"), policy(HOUR, HOUR));
    let workspace = dir.path().join("ws");
    let err = create_workspace(&mirror, &workspace, "https://u:tok@h/x.git")
        .await
        .expect_err("no mirror");
    assert!(matches!(err, GitError::MirrorMissing { .. }), "{err}");
    assert!(!workspace.exists());
}
