//! The operator subcommands (`conversations`, `stop`, `logs`, `gc`,
//! `check`'s Service part) as the real binary, against a gateway running
//! in-process with its dashboard API (test channel, real sandbox, Claude
//! Code against the scripted model server). The binary finds the gateway
//! through a config file holding the dashboard's port and token.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use actix::{Actor, Addr};
use airut_actors::conversation::ConversationRecord;
use airut_actors::gateway::Shutdown;
use airut_actors::hub::Hub;
use airut_actors::intake::{ConversationId, Recorded};
use airut_actors::repo::{RepoActor, Submit};
use airut_testkit::model_server::{ModelServer, Script, ToolUse, Turn};
use serde_json::Value;
use support::gateway_fixture::{GatewayFixture, config_yaml, live_repo, message, upstream};
use support::sandboxed_model::{MODEL_HOST, SandboxedModelHost};
use support::web_fixture::start_web;
use tokio::io::{AsyncBufReadExt, BufReader};

const TOKEN: &str = "op-token-1";

/// A private HOME for the binary, and the config pointing it at the
/// gateway's dashboard.
struct Cli {
    home: PathBuf,
    config: PathBuf,
}

impl Cli {
    fn new(root: &Path, port: u16, token: &str) -> Cli {
        let home = root.join("cli-home");
        std::fs::create_dir_all(&home).expect("home");
        let config = home.join("airut.yaml");
        std::fs::write(
            &config,
            format!(
                "config_version: 5\ndashboard:\n  enabled: true\n  host: 127.0.0.1\n  port: {port}\n  auth_token: \"{token}\"\n"
            ),
        )
        .expect("config");
        Cli { home, config }
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_airut"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join("config"))
            .env("XDG_STATE_HOME", self.home.join("state"));
        if let Ok(host) = std::env::var("DOCKER_HOST") {
            cmd.env("DOCKER_HOST", host);
        }
        cmd.args(args)
            .arg("--config")
            .arg(&self.config)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        cmd
    }

    /// Runs to the end (async: the gateway's actors share this thread).
    async fn run(&self, args: &[&str]) -> Run {
        let out: Output =
            tokio::time::timeout(Duration::from_secs(180), self.command(args).output())
                .await
                .unwrap_or_else(|_| panic!("airut {args:?} did not end"))
                .expect("run airut");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs and wants exit 0. With `CLI_OPS_ECHO` set, prints each command
    /// and its output (sample output for the operations docs).
    async fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args).await;
        assert_eq!(run.code, Some(0), "airut {args:?}: {run:?}");
        if std::env::var_os("CLI_OPS_ECHO").is_some() {
            eprintln!("$ airut {}\n{}", args.join(" "), run.stdout);
        }
        run.stdout
    }
}

#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

async fn submit(repo: &Addr<RepoActor>, key: &str, body: &str) -> ConversationId {
    match repo
        .send(Submit(message("alpha", key, &format!("t-{key}"), body)))
        .await
        .expect("repo")
        .expect("journaled")
    {
        Recorded::Accepted {
            conversation_id, ..
        } => conversation_id,
        other => panic!("not accepted: {other:?}"),
    }
}

async fn wait_model_requests(server: &ModelServer, n: usize) {
    let waited = tokio::time::Instant::now();
    while server.main_requests().len() < n {
        assert!(
            waited.elapsed() < Duration::from_secs(300),
            "only {} model requests",
            server.main_requests().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Until the API says `task` runs (the CLI asks the same API).
async fn wait_task_running(cli: &Cli, conversation: &ConversationId) {
    let waited = tokio::time::Instant::now();
    loop {
        let out = cli
            .ok(&["conversations", "list", "--json", "--state", "running"])
            .await;
        let list: Value = serde_json::from_str(&out).expect("json");
        if list
            .as_array()
            .is_some_and(|l| l.iter().any(|c| c["id"] == conversation.as_str()))
        {
            return;
        }
        assert!(waited.elapsed() < Duration::from_secs(120), "{out}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// No container of the gateway's instance is left (exited ones are
/// removed in the background: within seconds).
async fn wait_containers_gone(instance: &str) {
    let engine = support::engine().await;
    let names = airut_actors::sandbox::names::Names::new(instance);
    let waited = tokio::time::Instant::now();
    loop {
        let containers =
            airut_actors::sandbox::leftovers::list_container_names(&engine, &names, None)
                .await
                .expect("containers");
        if containers.is_empty() {
            return;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "left behind: {containers:#?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[actix::test]
async fn operator_commands_against_a_running_gateway() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    // the follow task's tool call waits for a file the test creates once
    // `logs --follow` has printed the call: no timing involved
    let gate = "until [ -e /workspace/go ]; do sleep 0.2; done; echo released";
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::text("All done."))
            .turn(Turn::tool(ToolUse::bash(gate)))
            .turn(Turn::text("Released and finished.").expect_tool_results())
            .turn(Turn::text("Too late.").delay(Duration::from_secs(120)))
            .turn(Turn::text("Too late again.").delay(Duration::from_secs(120))),
    );
    let mut fx = GatewayFixture::new(root);
    let hub = Hub::new(fx.store.clone()).start();
    fx.hub = Some(hub.clone());
    // no image pruning: the engine's images are shared with other tests
    let yaml = config_yaml(&[("alpha", &url)], 2, 30)
        .replace("execution:\n", "execution:\n  image_prune: false\n");
    let gateway = fx.start(&yaml, &server.container_base_url());
    let web = start_web(&fx, &gateway, &hub, Some(TOKEN));
    let port: u16 = web
        .base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    let cli = Cli::new(root, port, TOKEN);
    let repo = live_repo(&gateway, "alpha").await;

    // refusals: a wrong token, no gateway at all
    let wrong = Cli::new(&root.join("wrong"), port, "nope");
    let refused = wrong.run(&["conversations"]).await;
    assert_eq!(refused.code, Some(1), "{refused:?}");
    assert!(refused.stderr.contains("dashboard token"), "{refused:?}");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed_port = closed.local_addr().expect("addr").port();
    drop(closed);
    let nobody = Cli::new(&root.join("nobody"), closed_port, TOKEN);
    let unreachable = nobody.run(&["logs", "0a1b2c3d"]).await;
    assert_eq!(unreachable.code, Some(1), "{unreachable:?}");
    assert!(
        unreachable.stderr.contains("no gateway answers"),
        "{unreachable:?}"
    );
    assert_eq!(cli.ok(&["conversations"]).await, "no conversations\n");

    // --- one finished task: conversations list and show, logs ---
    let done = submit(&repo, "a1", "Do it.").await;
    fx.channels
        .channel("alpha")
        .wait_for_answers(1, Duration::from_secs(120))
        .await;
    let waited = tokio::time::Instant::now();
    let listed = loop {
        let out = cli.ok(&["conversations", "--state", "idle"]).await;
        if out.contains(done.as_str()) {
            break out;
        }
        assert!(waited.elapsed() < Duration::from_secs(30), "{out}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let row = listed
        .lines()
        .find(|l| l.starts_with(done.as_str()))
        .unwrap_or_else(|| panic!("{listed}"));
    assert!(listed.starts_with("ID "), "{listed}");
    for cell in ["alpha", "idle", &format!("{done}-1 success")] {
        assert!(row.contains(cell), "{cell} in {row}");
    }
    let json: Value = serde_json::from_str(
        &cli.ok(&[
            "conversations",
            "list",
            "--json",
            "--repo",
            "alpha",
            "--since",
            "1h",
        ])
        .await,
    )
    .expect("json list");
    let entry = json
        .as_array()
        .and_then(|l| l.iter().find(|c| c["id"] == done.as_str()))
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(entry["state"], "idle", "{entry}");
    assert_eq!(entry["latest_task"]["outcome"], "success", "{entry}");
    let none: Value = serde_json::from_str(
        &cli.ok(&["conversations", "list", "--json", "--repo", "beta"])
            .await,
    )
    .expect("json");
    assert_eq!(none, serde_json::json!([]));
    let bad_age = cli.run(&["conversations", "--since", "2 years"]).await;
    assert_eq!(bad_age.code, Some(1), "{bad_age:?}");

    let show = cli.ok(&["conversations", "show", done.as_str()]).await;
    for needle in [
        format!("conversation {done} — alpha via email"),
        format!("task {done}-1 finished (success)"),
        "out tokens".to_string(),
        "  reply:\n    All done.".to_string(),
        "last ".to_string(),
        " done     success".to_string(),
    ] {
        assert!(show.contains(&needle), "{needle:?} in\n{show}");
    }
    let show: Value = serde_json::from_str(
        &cli.ok(&["conversations", "show", done.as_str(), "--json"])
            .await,
    )
    .expect("json show");
    assert_eq!(show["tasks"][0]["reply"], "All done.", "{show}");
    assert!(
        show["tasks"][0]["output_tokens"]
            .as_u64()
            .is_some_and(|n| n > 0),
        "{show}"
    );
    assert!(
        show["last_events"]
            .as_array()
            .is_some_and(|e| !e.is_empty()),
        "{show}"
    );
    let missing = cli.run(&["conversations", "show", "ffffffff"]).await;
    assert_eq!(missing.code, Some(1), "{missing:?}");
    assert!(
        missing.stderr.contains("no such conversation"),
        "{missing:?}"
    );

    let logs = cli.ok(&["logs", done.as_str()]).await;
    let lines: Vec<&str> = logs.lines().collect();
    assert!(lines.iter().any(|l| l.contains(" #1 init ")), "{logs}");
    assert!(
        lines.iter().any(|l| l.contains(" #1 text     All done.")),
        "{logs}"
    );
    assert!(lines.iter().any(|l| l.contains(" #1 done ")), "{logs}");
    let raw = cli.ok(&["logs", done.as_str(), "--json"]).await;
    let raw: Vec<Value> = raw
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    assert_eq!(raw.len(), lines.len(), "{raw:#?}");
    assert!(
        raw.iter()
            .all(|l| l["task_id"] == format!("{done}-1").as_str()),
        "{raw:#?}"
    );
    assert_eq!(
        raw.last().map(|l| &l["event"]["type"]),
        Some(&Value::from("result"))
    );
    let other_task = cli
        .ok(&["logs", done.as_str(), "--task", &format!("{done}-2")])
        .await;
    assert_eq!(other_task, "", "no task 2 yet");
    // an idle conversation is printed, not followed
    let idle_follow = cli.run(&["logs", done.as_str(), "--follow"]).await;
    assert_eq!(idle_follow.code, Some(0), "{idle_follow:?}");
    assert_eq!(idle_follow.stdout, logs);
    assert!(
        idle_follow.stderr.contains("not following"),
        "{idle_follow:?}"
    );

    // the network log as the proxy writes it, rendered
    let conversation_dir = |id: &ConversationId| {
        fx.state_dir()
            .join("alpha")
            .join("conversations")
            .join(id.as_str())
    };
    std::fs::write(
        conversation_dir(&done).join(airut_actors::task_runner::NETWORK_LOG),
        format!(
            "{{\"time\":\"2026-11-22T14:03:02.000Z\",\"task_id\":\"{done}-1\",\"kind\":\"connect\",\"verdict\":\"blocked\",\"url\":\"evil.example:443\",\"status\":403,\"reason\":\"not allowed\"}}\n"
        ),
    )
    .expect("network log");
    assert_eq!(
        cli.ok(&["logs", done.as_str(), "--network"]).await,
        "14:03:02 BLOCKED CONNECT evil.example:443 -> 403 (not allowed)\n"
    );

    // --- logs --follow prints the tool call while the task runs ---
    let followed = submit(&repo, "f1", "Wait for the gate.").await;
    wait_model_requests(&server, 2).await;
    wait_task_running(&cli, &followed).await;
    let mut child = cli
        .command(&["logs", followed.as_str(), "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("logs --follow");
    let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut seen = Vec::new();
    loop {
        let line = tokio::time::timeout(Duration::from_secs(120), out.next_line())
            .await
            .expect("a line in time")
            .expect("read")
            .unwrap_or_else(|| panic!("follow ended early: {seen:#?}"));
        let is_call = line.contains(" tool     Bash until [ -e /workspace/go ]");
        seen.push(line);
        if is_call {
            break;
        }
    }
    // the task is blocked on the gate: it cannot have ended yet
    assert_eq!(server.main_requests().len(), 2);
    // `status` during the task shows it running, in human form and JSON
    let status_text = cli.ok(&["status"]).await;
    assert!(status_text.contains("tasks: 1 running"), "{status_text}");
    assert!(
        status_text.contains(&format!("running {}-", followed.as_str())),
        "{status_text}"
    );
    let status_json: serde_json::Value =
        serde_json::from_str(&cli.ok(&["status", "--json"]).await).expect("status JSON");
    let running: Vec<&serde_json::Value> = status_json["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .filter(|t| t["status"] == "running")
        .collect();
    assert_eq!(running.len(), 1, "{status_json}");
    std::fs::write(conversation_dir(&followed).join("workspace").join("go"), "")
        .expect("open the gate");
    while let Some(line) = tokio::time::timeout(Duration::from_secs(120), out.next_line())
        .await
        .expect("the follow ends with the task")
        .expect("read")
    {
        seen.push(line);
    }
    let status = child.wait().await.expect("wait");
    assert!(status.success(), "{status:?} {seen:#?}");
    let text = seen.join("\n");
    for needle in [
        " output   released",
        " text     Released and finished.",
        " done     success",
    ] {
        assert!(text.contains(needle), "{needle:?} in\n{text}");
    }
    assert!(
        !text.contains("All done."),
        "only the followed conversation: {text}"
    );

    // --- stop: a running task by its id ---
    let slow = submit(&repo, "s1", "Take long.").await;
    wait_model_requests(&server, 4).await;
    wait_task_running(&cli, &slow).await;
    let task = format!("{slow}-1");
    let not_this = cli.run(&["stop", &format!("{slow}-2")]).await;
    assert_eq!(not_this.code, Some(1), "{not_this:?}");
    assert!(not_this.stderr.contains("nothing stopped"), "{not_this:?}");
    let stopped = cli.ok(&["stop", &task]).await;
    assert_eq!(
        stopped,
        format!("stopping task {task}\ntask {task} ended: stopped\n")
    );
    wait_containers_gone(&fx.instance).await;
    let show: Value = serde_json::from_str(
        &cli.ok(&["conversations", "show", slow.as_str(), "--json"])
            .await,
    )
    .expect("json");
    assert_eq!(show["tasks"][0]["outcome"], "stopped", "{show}");
    let again = cli.run(&["stop", slow.as_str()]).await;
    assert_eq!(again.code, Some(1), "{again:?}");
    assert!(
        again.stderr.contains("nothing stopped: nothing is running"),
        "{again:?}"
    );
    // a conversation id, with a follow-up waiting behind its running task
    let busy = submit(&repo, "s2", "Take long too.").await;
    wait_model_requests(&server, 5).await;
    wait_task_running(&cli, &busy).await;
    let follow_up = match repo
        .send(Submit(message("alpha", "s3", "t-s2", "And this.")))
        .await
        .expect("repo")
        .expect("journaled")
    {
        Recorded::Accepted {
            conversation_id, ..
        } => conversation_id,
        other => panic!("not accepted: {other:?}"),
    };
    assert_eq!(follow_up, busy, "the follow-up joins the conversation");
    let stopped = cli.ok(&["stop", busy.as_str(), "--drop-queued"]).await;
    assert_eq!(
        stopped,
        format!(
            "dropped 1 waiting message\nstopping task {busy}-1\ntask {busy}-1 ended: stopped\n"
        )
    );
    let bad = cli.run(&["stop", "not-an-id"]).await;
    assert_eq!(bad.code, Some(1), "{bad:?}");
    let mixed = cli.run(&["stop", &task, "--drop-queued"]).await;
    assert_eq!(mixed.code, Some(1), "{mixed:?}");

    // --- gc: nothing is old enough, then one conversation is ---
    let nothing = cli.ok(&["gc", "--dry-run"]).await;
    assert_eq!(
        nothing,
        "would remove 0 conversations\nwould remove 0 images\n"
    );
    let mut record = ConversationRecord::load(&fx.store, &done)
        .expect("load")
        .expect("record");
    record.last_activity_ms -= 8 * 24 * 3600 * 1000;
    record.save(&fx.store, &done).expect("save");
    let dry = cli.ok(&["gc", "--dry-run"]).await;
    assert_eq!(
        dry,
        format!("would remove 1 conversation\n  {done} (alpha)\nwould remove 0 images\n")
    );
    assert!(conversation_dir(&done).join("workspace").exists());
    assert!(
        ConversationRecord::load(&fx.store, &done)
            .expect("load")
            .is_some()
    );
    let dry_json: Value =
        serde_json::from_str(&cli.ok(&["gc", "--dry-run", "--json"]).await).expect("json");
    assert_eq!(dry_json["dry_run"], true);
    assert_eq!(dry_json["conversations"][0]["id"], done.as_str());
    let removed = cli.ok(&["gc"]).await;
    assert_eq!(
        removed,
        format!("removed 1 conversation\n  {done} (alpha)\nremoved 0 images\n")
    );
    assert!(!conversation_dir(&done).exists());
    let gone = cli.run(&["conversations", "show", done.as_str()]).await;
    assert_eq!(gone.code, Some(1), "{gone:?}");
    assert!(cli.ok(&["conversations"]).await.contains(followed.as_str()));

    // --- check: the Service part ---
    let check = cli.run(&["check"]).await;
    let service = check
        .stdout
        .lines()
        .find(|l| l.contains("service"))
        .unwrap_or_else(|| panic!("{check:?}"));
    assert!(service.contains("airut.service"), "{check:?}");
    if !Path::new("/run/systemd/system").exists() {
        assert!(
            check
                .stdout
                .contains("airut.service: unknown (systemd is not running on this machine)"),
            "{check:?}"
        );
    }
    assert!(
        check.stdout.contains(&format!(
            "running version {}, as this binary",
            env!("CARGO_PKG_VERSION")
        )),
        "{check:?}"
    );
    let check = nobody.run(&["check"]).await;
    assert!(
        check.stdout.contains("not running (no gateway answers"),
        "{check:?}"
    );

    gateway.send(Shutdown).await.expect("shutdown");
}

/// `logs --network --follow` with the network sandbox on: the proxy's
/// decision about a refused request is printed while the task still runs
/// (the task waits for a file the test creates after seeing the line).
#[actix::test]
async fn logs_follow_the_network_log_of_a_sandboxed_task() {
    use airut_actors::gateway::Gateway;

    let engine = support::engine().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let mut fx = GatewayFixture::new(root);
    let model_host = SandboxedModelHost::prepare(&engine, &fx, root, "Airut cli_ops test CA").await;
    let ca = &model_host.ca;
    let blocked_then_wait = "exec 3<>/dev/tcp/blocked.test/80 && \
        printf 'GET /x HTTP/1.1\\r\\nHost: blocked.test\\r\\nConnection: close\\r\\n\\r\\n' >&3 && \
        head -c 200 <&3; until [ -e /workspace/go ]; do sleep 0.2; done";
    let server = ModelServer::start_tls_for_containers(
        Script::new()
            .turn(Turn::tool(ToolUse::bash(blocked_then_wait)))
            .turn(Turn::text("Checked.").expect_tool_results()),
        &ca.leaf_cert_pem,
        &ca.leaf_key_pem,
    );
    let url = model_host.upstream(root);
    let yaml = model_host.config(
        &config_yaml(&[("alpha", &url)], 1, 30)
            .replace("execution:\n", "execution:\n  image_prune: false\n"),
    );
    let hub = Hub::new(fx.store.clone())
        .with_network_logs(fx.state_dir())
        .start();
    fx.hub = Some(hub.clone());
    let mut settings = fx.settings(&yaml, &SandboxedModelHost::model_url(), fx.channels.clone());
    model_host.apply(&mut settings, server.port());
    let gateway: Addr<Gateway> = Gateway::new(settings).start();
    let web = start_web(&fx, &gateway, &hub, Some(TOKEN));
    let port: u16 = web
        .base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    let cli = Cli::new(root, port, TOKEN);
    let repo = live_repo(&gateway, "alpha").await;

    let conversation = submit(&repo, "n1", "Try the blocked host.").await;
    wait_model_requests(&server, 1).await;
    wait_task_running(&cli, &conversation).await;
    let mut child = cli
        .command(&["logs", conversation.as_str(), "--network", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("logs --network --follow");
    let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut seen = Vec::new();
    loop {
        let line = tokio::time::timeout(Duration::from_secs(120), out.next_line())
            .await
            .expect("a line in time")
            .expect("read")
            .unwrap_or_else(|| panic!("follow ended early: {seen:#?}"));
        let is_blocked = line.contains("BLOCKED GET http://blocked.test/x -> 403");
        seen.push(line);
        if is_blocked {
            break;
        }
    }
    // the task waits for the gate: its second model turn cannot have come
    assert_eq!(server.main_requests().len(), 1);
    std::fs::write(
        fx.state_dir()
            .join("alpha")
            .join("conversations")
            .join(conversation.as_str())
            .join("workspace")
            .join("go"),
        "",
    )
    .expect("open the gate");
    while let Some(line) = tokio::time::timeout(Duration::from_secs(120), out.next_line())
        .await
        .expect("the follow ends with the task")
        .expect("read")
    {
        seen.push(line);
    }
    let status = child.wait().await.expect("wait");
    assert!(status.success(), "{status:?} {seen:#?}");
    let text = seen.join("\n");
    assert!(text.contains("=== TASK START "), "{text}");
    assert!(
        text.contains(&format!("ALLOWED POST https://{MODEL_HOST}/v1/messages")),
        "{text}"
    );
    // the followed lines are the log as it is read afterwards: nothing
    // repeated, nothing missed (the proxy may add lines after the end)
    let again = cli.ok(&["logs", conversation.as_str(), "--network"]).await;
    assert!(
        again.starts_with(&format!("{text}\n")),
        "{again}\n---\n{text}"
    );
    web.handle.stop(true).await;
    gateway.send(Shutdown).await.expect("shutdown");
}
