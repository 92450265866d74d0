//! The real Claude Code binary inside a Podman container built from
//! `AIRUT_TEST_BASE_IMAGE`, on Podman's default network, talking to a model
//! server on the host through `host.containers.internal` (the bridge
//! gateway, 10.88.0.1 with rootful Podman 4.3 + netavark).

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use airut_testkit::claude_cli::{
    DEFAULT_MODEL, SETUP_HINT, claude_binary, headless_args, run_with_prompt, test_env,
};
use airut_testkit::model_server::{ModelServer, Script, ToolUse, Turn};

fn base_image() -> String {
    match std::env::var("AIRUT_TEST_BASE_IMAGE") {
        Ok(image) if !image.is_empty() => image,
        _ => panic!("AIRUT_TEST_BASE_IMAGE is not set: {SETUP_HINT}"),
    }
}

/// Removes the container even when the test fails or `podman run` was
/// killed at the timeout (then `--rm` never ran).
struct ContainerName(String);

impl Drop for ContainerName {
    fn drop(&mut self) {
        let _ = Command::new("podman")
            .args(["rm", "--force", "--ignore", &self.0])
            .output();
    }
}

#[test]
fn claude_in_a_container_reaches_the_host_model_server() {
    let image = base_image();
    // The npm link points into node_modules; mount the file itself.
    let binary = fs::canonicalize(claude_binary()).unwrap();
    let work = tempfile::tempdir().unwrap();
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::tool(ToolUse::bash(
                "echo inside > from_container.txt && cat /etc/hosts",
            )))
            .turn(
                Turn::tool(ToolUse::write(
                    "/work/written.txt",
                    "written in the container\n",
                ))
                .expect_tool_results()
                .expect_tool_result_contains("host.containers.internal"),
            )
            .turn(Turn::text("Done in the container.").expect_tool_results()),
    );
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = ContainerName(format!("airut-testkit-{}-{nanos}", std::process::id()));

    let mut command = Command::new("podman");
    command.args(["run", "--rm", "-i", "--pull=never", "--name", &name.0]);
    command
        .arg("-v")
        .arg(format!("{}:/opt/claude/claude:ro", binary.display()));
    command
        .arg("-v")
        .arg(format!("{}:/work", work.path().display()));
    command.args(["-w", "/work"]);
    for (key, value) in test_env(
        &server.container_base_url(),
        "/tmp/home",
        "/tmp/home/.claude",
    ) {
        command.arg("-e").arg(format!("{key}={value}"));
    }
    command.arg(&image).arg("/opt/claude/claude");
    command.args(headless_args(DEFAULT_MODEL));
    let out = run_with_prompt(command, "Make a file.", Duration::from_secs(120));

    assert_eq!(out.exit_code, Some(0), "{}", out.describe());
    server.assert_ok();
    assert_eq!(out.result()["result"], "Done in the container.");
    assert_eq!(out.events_of("system", Some("init"))[0]["cwd"], "/work");
    let read = |file: &str| fs::read_to_string(Path::new(work.path()).join(file)).unwrap();
    assert_eq!(read("from_container.txt"), "inside\n");
    assert_eq!(read("written.txt"), "written in the container\n");
    // The requests came from the container, through the bridge.
    let requests = server.requests();
    assert_eq!(
        requests[0].header("host"),
        Some(format!("host.containers.internal:{}", server.port()).as_str())
    );
}
