//! Live config reload of `airut run` (spec/config-reload.md): a file edit
//! reloads, SIGHUP alone reloads, an invalid edit keeps the running config
//! and shows the error with its line, and `--resilient` stays up on an
//! invalid config at start and recovers once the file is fixed.
//!
//! The repos' email channels point at a closed loopback port, so they show
//! failed/retrying; what is observed is the config the gateway runs.

mod support;

use std::path::Path;

use serde_json::Value;
use support::airut_process::{AirutProcess, Home, free_port, poll_json, text, try_http_get};

/// A repo whose IMAP server is a closed loopback port (and whose git
/// remote does not exist: nothing leaves the machine).
fn repo(id: &str, model: &str, closed_port: u16) -> String {
    format!(
        "  {id}:\n\
         \x20   repo_url: /nonexistent/airut-reload-test/{id}.git\n\
         \x20   model: {model}\n\
         \x20   email:\n\
         \x20     account: {{username: bot-{id}, from: bot-{id}@example.com, password: pw-{id}}}\n\
         \x20     imap: {{server: 127.0.0.1, port: {closed_port}}}\n\
         \x20     smtp: {{server: 127.0.0.1, port: {closed_port}}}\n\
         \x20     auth: {{authorized_senders: [me@example.com], trusted_authserv_id: example.com}}\n"
    )
}

fn config(port: u16, repos: &[String]) -> String {
    format!(
        "config_version: 5\n\
         dashboard:\n  host: 127.0.0.1\n  port: {port}\n\
         repos:\n{}",
        repos.concat()
    )
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write the config");
}

fn start(home: &Home, path: &Path, extra: &[&str]) -> AirutProcess {
    let mut cmd = home.airut();
    cmd.args(["run", "--config", path.to_str().expect("utf8")])
        .args(extra);
    AirutProcess::start(cmd)
}

fn generation(state: &Value) -> u64 {
    state["config"]["generation"].as_u64().unwrap_or(0)
}

fn sha256_of(path: &Path) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    text(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_config_edit_reloads_task_scope_and_adds_repos() {
    let home = Home::new();
    let (port, closed) = (free_port(), free_port());
    let addr = format!("127.0.0.1:{port}");
    let path = home.file("airut.yaml");
    write(&path, &config(port, &[repo("alpha", "model-one", closed)]));
    let mut airut = start(&home, &path, &[]);
    airut.wait_for("dashboard listening");
    let state = poll_json(&addr, "/api/state", "first load", |s| generation(s) == 1);
    assert_eq!(state["config"]["repos"]["alpha"]["model"], "model-one");
    assert_eq!(state["config"]["config_sha256"], sha256_of(&path).as_str());

    write(
        &path,
        &config(
            port,
            &[
                repo("alpha", "model-two", closed),
                repo("beta", "model-b", closed),
            ],
        ),
    );
    let state = poll_json(&addr, "/api/state", "reload after the edit", |s| {
        generation(s) == 2
    });
    let reloaded = &state["config"];
    assert_eq!(reloaded["repos"]["alpha"]["model"], "model-two", "{state}");
    assert_eq!(reloaded["repos"]["beta"]["model"], "model-b", "{state}");
    assert_eq!(reloaded["config_sha256"], sha256_of(&path).as_str());
    assert!(reloaded["last_reload_error"].is_null(), "{state}");
    let repos: Vec<&str> = state["repos"]
        .as_array()
        .expect("repos")
        .iter()
        .filter_map(|r| r["repo_id"].as_str())
        .collect();
    assert_eq!(repos, ["alpha", "beta"], "{state}");
    airut.wait_for("config reloaded: alpha: model (Task scope); beta: added");

    // a removed repo goes away (it runs nothing, so at once)
    write(&path, &config(port, &[repo("beta", "model-b", closed)]));
    let state = poll_json(&addr, "/api/state", "alpha removed", |s| {
        generation(s) == 3 && s["repos"].as_array().is_some_and(|r| r.len() == 1)
    });
    assert_eq!(state["repos"][0]["repo_id"], "beta", "{state}");
}

#[test]
fn sighup_alone_reloads() {
    let home = Home::new();
    let (port, closed) = (free_port(), free_port());
    let addr = format!("127.0.0.1:{port}");
    let path = home.file("airut.yaml");
    write(&path, &config(port, &[repo("alpha", "model-one", closed)]));
    // --no-watch: reload on SIGHUP only, so the edit alone changes nothing
    let mut airut = start(&home, &path, &["--no-watch"]);
    airut.wait_for("dashboard listening");
    poll_json(&addr, "/api/state", "first load", |s| generation(s) == 1);

    write(&path, &config(port, &[repo("alpha", "model-hup", closed)]));
    airut.signal("HUP");
    let line = airut.wait_for("reloading the config");
    assert!(line.contains("SIGHUP"), "{line}");
    let state = poll_json(&addr, "/api/state", "reload on SIGHUP", |s| {
        generation(s) == 2
    });
    assert_eq!(state["config"]["repos"]["alpha"]["model"], "model-hup");
    assert!(airut.exited().is_none(), "SIGHUP must not stop airut");
}

#[test]
fn an_invalid_edit_keeps_the_running_config_and_shows_the_error_with_its_line() {
    let home = Home::new();
    let (port, closed) = (free_port(), free_port());
    let addr = format!("127.0.0.1:{port}");
    let path = home.file("airut.yaml");
    let good = config(port, &[repo("alpha", "model-one", closed)]);
    write(&path, &good);
    let mut airut = start(&home, &path, &[]);
    airut.wait_for("dashboard listening");
    let before = poll_json(&addr, "/api/state", "first load", |s| generation(s) == 1);

    // line 8: `model: [a, b]` is not a string
    let broken = good.replace("model: model-one", "model: [a, b]");
    assert_eq!(broken.lines().nth(7).map(str::trim), Some("model: [a, b]"));
    write(&path, &broken);
    let state = poll_json(&addr, "/api/state", "the rejected reload", |s| {
        !s["config"]["last_reload_error"].is_null()
    });
    let rejected = &state["config"];
    let error = rejected["last_reload_error"].as_str().expect("error text");
    assert!(error.contains("repos.alpha.model (line 8)"), "{error}");
    assert_eq!(rejected["generation"], 1, "{state}");
    assert_eq!(rejected["repos"]["alpha"]["model"], "model-one", "{state}");
    assert_eq!(rejected["config_sha256"], before["config"]["config_sha256"]);
    airut.wait_for("config reload rejected; the running config stays");

    let health = poll_json(&addr, "/api/health", "health", |_| true);
    assert!(
        health["config_error"]
            .as_str()
            .is_some_and(|e| e.contains("repos.alpha.model (line 8)")),
        "{health}"
    );
    assert_ne!(
        health["status"], "config_error",
        "the old config still runs"
    );
    let (status, page) = try_http_get(&addr, "/").expect("overview page");
    assert_eq!(status, 200);
    assert!(page.contains("config-error"), "{page}");
    assert!(page.contains("repos.alpha.model (line 8)"), "{page}");

    let out = home.output(&["status", "--config", path.to_str().expect("utf8")]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("config: generation 1"), "{stdout}");
    assert!(stdout.contains("repos.alpha.model (line 8)"), "{stdout}");

    write(&path, &good.replace("model-one", "model-fixed"));
    let state = poll_json(&addr, "/api/state", "the fix loads", |s| generation(s) == 2);
    assert!(state["config"]["last_reload_error"].is_null(), "{state}");
    assert_eq!(state["config"]["repos"]["alpha"]["model"], "model-fixed");
}

#[test]
fn resilient_start_with_an_invalid_config_stays_up_and_recovers() {
    let home = Home::new();
    let (port, closed) = (free_port(), free_port());
    let addr = format!("127.0.0.1:{port}");
    let path = home.file("etc/airut.yaml");
    std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
    let good = config(port, &[repo("alpha", "model-one", closed)]);
    // line 11: port 0; the dashboard section above it still reads
    let broken = good.replace(
        &format!("imap: {{server: 127.0.0.1, port: {closed}}}"),
        "imap: {server: 127.0.0.1, port: 0}",
    );
    assert_ne!(broken, good);
    write(&path, &broken);
    let mut airut = start(&home, &path, &["--resilient"]);
    airut.wait_for("--resilient: running on defaults");
    airut.wait_for(&format!("dashboard listening on http://127.0.0.1:{port}"));
    let health = poll_json(&addr, "/api/health", "health", |_| true);
    assert_eq!(health["status"], "config_error", "{health}");
    let error = health["config_error"].as_str().expect("config_error");
    assert!(
        error.contains("repos.alpha.email.imap.port (line 11): expected 1..65535, got 0"),
        "{error}"
    );
    assert!(!error.contains("pw-alpha"), "secret leaked: {error}");
    let state = poll_json(&addr, "/api/state", "state", |_| true);
    assert_eq!(state["config"]["generation"], 0, "{state}");
    assert_eq!(state["config"]["running_on_defaults"], true, "{state}");
    assert_eq!(state["repos"].as_array().map(Vec::len), Some(0), "{state}");

    // an editor's save: write a new file and rename it over the old one
    let staged = home.file("etc/.airut.yaml.new");
    write(&staged, &good);
    std::fs::rename(&staged, &path).expect("rename");
    let state = poll_json(&addr, "/api/state", "recovery", |s| generation(s) == 1);
    assert_eq!(state["config"]["running_on_defaults"], false, "{state}");
    assert_eq!(state["config"]["repos"]["alpha"]["model"], "model-one");
    assert_eq!(state["repos"][0]["repo_id"], "alpha", "{state}");
    let health = poll_json(&addr, "/api/health", "health after the fix", |h| {
        h["config_error"].is_null()
    });
    assert_ne!(health["status"], "config_error", "{health}");
    assert!(airut.exited().is_none());
}
