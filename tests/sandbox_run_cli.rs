//! `airut sandbox run` as CI runs it, in a throwaway checkout, against the
//! prepared machine's Podman.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Checkout {
    dir: tempfile::TempDir,
}

impl Checkout {
    /// A checkout whose container is `debian:bookworm-slim` plus `marker`.
    fn new(marker: &str) -> Checkout {
        let dir = tempfile::tempdir().expect("tempdir");
        let container = dir.path().join(".airut/container");
        std::fs::create_dir_all(&container).expect("mkdir");
        std::fs::write(
            container.join("Dockerfile"),
            format!(
                "FROM debian:bookworm-slim\nCOPY note.txt /note.txt\nRUN echo {marker} > /marker\n"
            ),
        )
        .expect("Dockerfile");
        std::fs::write(container.join("note.txt"), "from the context\n").expect("context file");
        std::fs::write(
            dir.path().join(".airut/network-allowlist.yaml"),
            "domains: []\n",
        )
        .expect("allowlist");
        Checkout { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_airut"));
        cmd.args(["sandbox", "run"])
            .args(args)
            .current_dir(self.path())
            .env("XDG_STATE_HOME", self.path().join(".state"))
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        let output = self.command(args).output().expect("run airut");
        assert!(
            std::env::var("DOCKER_HOST").is_ok(),
            "{}",
            support::PREPARE_HINT
        );
        output
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn passes_output_and_exit_codes_through() {
    let checkout = Checkout::new("codes");
    let ok = checkout.run(&[
        "--",
        "sh",
        "-c",
        "cat /note.txt; cat /marker; printf 'no newline'",
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert_eq!(text(&ok.stdout), "from the context\ncodes\nno newline");

    let failed = checkout.run(&["--", "sh", "-c", "echo bad >&2; exit 3"]);
    assert_eq!(failed.status.code(), Some(3));
    assert_eq!(text(&failed.stderr), "bad\n");
}

#[test]
fn workspace_is_the_checkout_and_mounts_work() {
    let checkout = Checkout::new("mounts");
    let extra = tempfile::tempdir().expect("tempdir");
    std::fs::write(extra.path().join("input"), "data").expect("write");
    let mount = format!("{}:/data:ro", extra.path().display());
    let out = checkout.run(&[
        "--mount",
        &mount,
        "--",
        "sh",
        "-c",
        "pwd; cat /data/input; echo made > result.txt; touch /data/x 2>/dev/null || echo read-only",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "/workspace\ndataread-only\n");
    assert_eq!(
        std::fs::read_to_string(checkout.path().join("result.txt"))
            .expect("written to the checkout"),
        "made\n"
    );
}

#[test]
fn env_and_pass_env_from_sandbox_yaml() {
    let checkout = Checkout::new("env");
    checkout.write(
        ".airut/sandbox.yaml",
        "env:\n  FIXED: one\n  FROM_HOST: !env AIRUT_TEST_FROM_HOST\npass_env: [AIRUT_TEST_PASSED, AIRUT_TEST_UNSET]\n",
    );
    let out = checkout
        .command(&[
            "--",
            "sh",
            "-c",
            "echo $FIXED $FROM_HOST $AIRUT_TEST_PASSED ${AIRUT_TEST_UNSET-unset}",
        ])
        .env("AIRUT_TEST_FROM_HOST", "two")
        .env("AIRUT_TEST_PASSED", "three")
        .env_remove("AIRUT_TEST_UNSET")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "one two three unset\n");
}

#[test]
fn timeout_is_124() {
    let checkout = Checkout::new("timeout");
    let started = Instant::now();
    let out = checkout.run(&["--timeout", "2", "--", "sh", "-c", "echo begun; sleep 60"]);
    assert_eq!(out.status.code(), Some(124), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "begun\n");
    assert!(text(&out.stderr).contains("timed out after 2 s"));
    assert!(started.elapsed() < Duration::from_secs(50));
}

#[test]
fn configuration_and_infrastructure_errors_are_125() {
    let checkout = Checkout::new("errors");
    checkout.write(
        ".airut/sandbox.yaml",
        "env:\n  TOKEN: !env AIRUT_TEST_SURELY_UNSET\n",
    );
    let out = checkout
        .command(&["--", "true"])
        .env_remove("AIRUT_TEST_SURELY_UNSET")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(125));
    assert!(
        text(&out.stderr).contains("env.TOKEN (line 2)"),
        "{}",
        text(&out.stderr)
    );

    std::fs::remove_file(checkout.path().join(".airut/sandbox.yaml")).expect("rm");
    let out = checkout.run(&["--dockerfile", "missing/Dockerfile", "--", "true"]);
    assert_eq!(out.status.code(), Some(125));
    assert!(text(&out.stderr).contains("missing/Dockerfile"));

    let broken = Checkout::new("broken");
    broken.write(
        ".airut/container/Dockerfile",
        "FROM debian:bookworm-slim\nRUN exit 9\n",
    );
    let out = broken.run(&["--", "true"]);
    assert_eq!(out.status.code(), Some(125));
    assert!(
        text(&out.stderr).contains("exit 9"),
        "{}",
        text(&out.stderr)
    );

    let out = checkout
        .command(&["--", "true"])
        .env("DOCKER_HOST", "unix:///nonexistent.sock")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(125));
    assert!(
        text(&out.stderr).contains("DOCKER_HOST"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn memory_limit_kill_is_137_with_a_hint() {
    let checkout = Checkout::new("oom");
    checkout.write(".airut/sandbox.yaml", "resource_limits:\n  memory: 32m\n");
    let out = checkout.run(&[
        "--",
        "sh",
        "-c",
        "x=aaaaaaaaaaaaaaaa; while true; do x=\"$x$x\"; done",
    ]);
    assert_eq!(out.status.code(), Some(137));
    assert!(
        text(&out.stderr).contains("resource_limits.memory = 32m"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn sigterm_is_forwarded_to_the_command() {
    let checkout = Checkout::new("signals");
    let mut child = checkout
        .command(&[
            "--",
            "sh",
            "-c",
            "trap 'echo got-term; exit 42' TERM; echo ready; while true; do sleep 0.1; done",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("ready") {
        assert!(Instant::now() < deadline, "never saw ready");
        let n = std::io::Read::read(&mut stdout, &mut buf).expect("read");
        assert!(n > 0, "stdout closed before ready");
        seen.extend_from_slice(&buf[..n]);
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let output = child.wait_with_output().expect("wait");
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut stdout, &mut rest).expect("read rest");
    seen.extend_from_slice(&rest);
    assert_eq!(output.status.code(), Some(42), "{}", text(&output.stderr));
    assert!(String::from_utf8_lossy(&seen).contains("got-term"));
}
