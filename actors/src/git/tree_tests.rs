use std::time::Duration;

use super::*;
use crate::git::test_repo::{Upstream, policy};

const HOUR: Duration = Duration::from_secs(3600);

async fn mirror_of(upstream: &Upstream) -> GitMirror {
    let mirror = GitMirror::new(upstream.root.path().join("git-mirror"), policy(HOUR, HOUR));
    mirror.ensure(&upstream.url()).await.expect("clone");
    mirror
}

#[tokio::test]
async fn reads_the_container_dir_and_allowlist_from_the_default_branch() {
    let upstream = Upstream::new(
        "trunk",
        &[
            (".airut/container/Dockerfile", "FROM debian\n"),
            (".airut/container/setup.sh", "#!/bin/sh\n"),
            (".airut/network-allowlist.yaml", "domains: [a]\n"),
        ],
    );
    upstream.commit(
        "agent-branch",
        &[
            (".airut/container/Dockerfile", "FROM evil\n"),
            (".airut/container/extra", "x"),
            (".airut/network-allowlist.yaml", "domains: ['*']\n"),
        ],
        &[],
    );
    let mirror = mirror_of(&upstream).await;

    let files = mirror
        .read_dir_at_default_branch(".airut/container/")
        .await
        .expect("read dir");
    let names: Vec<_> = files.keys().map(String::as_str).collect();
    assert_eq!(names, ["Dockerfile", "setup.sh"]);
    assert_eq!(files["Dockerfile"], b"FROM debian\n");
    assert_eq!(files["setup.sh"], b"#!/bin/sh\n");

    let allowlist = mirror
        .read_file_at_default_branch(".airut/network-allowlist.yaml")
        .await
        .expect("read file");
    assert_eq!(allowlist.as_deref(), Some(&b"domains: [a]\n"[..]));
}

#[tokio::test]
async fn a_subdirectory_in_the_container_dir_is_named_in_the_error() {
    let upstream = Upstream::new(
        "main",
        &[
            (".airut/container/Dockerfile", "FROM debian\n"),
            (".airut/container/conf/a.toml", "x"),
        ],
    );
    let mirror = mirror_of(&upstream).await;
    let err = mirror
        .read_dir_at_default_branch(".airut/container")
        .await
        .expect_err("subdirectory");
    match &err {
        GitError::UnsupportedEntries { entries, .. } => {
            assert_eq!(entries, &["conf/ (directory)"]);
        }
        other => panic!("unexpected error: {other}"),
    }
    assert!(err.to_string().contains("conf/"), "{err}");
}

#[tokio::test]
async fn missing_paths() {
    let upstream = Upstream::new("main", &[("README", "hi")]);
    let mirror = mirror_of(&upstream).await;
    let err = mirror
        .read_dir_at_default_branch(".airut/container")
        .await
        .expect_err("no dir");
    assert!(matches!(err, GitError::DirNotFound { .. }), "{err}");
    let file = mirror
        .read_file_at_default_branch(".airut/network-allowlist.yaml")
        .await
        .expect("read");
    assert_eq!(file, None);
    let err = mirror
        .read_dir_at_default_branch("README")
        .await
        .expect_err("a file is not a dir");
    assert!(matches!(err, GitError::DirNotFound { .. }), "{err}");
}

#[tokio::test]
async fn a_directory_is_not_a_file() {
    let upstream = Upstream::new("main", &[(".airut/network-allowlist.yaml/x", "x")]);
    let mirror = mirror_of(&upstream).await;
    let err = mirror
        .read_file_at_default_branch(".airut/network-allowlist.yaml")
        .await
        .expect_err("directory");
    assert!(matches!(err, GitError::NotAFile { .. }), "{err}");
}

#[tokio::test]
async fn reads_need_a_cloned_mirror() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mirror = GitMirror::new(dir.path().join("git-mirror"), policy(HOUR, HOUR));
    let err = mirror.default_branch().await.expect_err("missing");
    assert!(matches!(err, GitError::MirrorMissing { .. }), "{err}");
}

#[test]
fn normalise_accepts_relative_paths_and_strips_trailing_slashes() {
    assert_eq!(
        normalise(".airut/container/").expect("ok"),
        ".airut/container"
    );
    assert_eq!(normalise("a b/c").expect("ok"), "a b/c");
}

#[test]
fn normalise_rejects_paths_git_would_misread() {
    for bad in ["", "/", "/etc", "a/../b", "./a", "a//b", "a\nb", "a\0b"] {
        assert!(
            matches!(normalise(bad), Err(GitError::InvalidPath { .. })),
            "{bad:?}"
        );
    }
}
