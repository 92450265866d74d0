//! Local git repositories standing in for a project's upstream.

use std::path::Path;
use std::process::Command;

/// Runs git in `dir` with a fixed identity and `main` as the default branch,
/// ignoring nothing of the host's config that matters here.
pub fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=t@example.com"])
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A bare upstream at `root/upstream.git` whose `main` holds `files`
/// (relative path, content); returns its `file://` URL.
pub fn bare_upstream(root: &Path, files: &[(&str, &str)]) -> String {
    let work = root.join("upstream-work");
    for (path, text) in files {
        let path = work.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
    }
    git(&work, &["init", "-q"]);
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-qm", "initial"]);
    git(
        root,
        &["clone", "-q", "--bare", "upstream-work", "upstream.git"],
    );
    format!("file://{}", root.join("upstream.git").display())
}
