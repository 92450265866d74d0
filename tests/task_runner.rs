//! `run_task` end to end with the real components: a local bare upstream
//! repo behind a real mirror, the task image built from the mirror's
//! default branch, the real Claude Code against the scripted model server,
//! with and without the network sandbox.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use airut_actors::config::{MaskedSecret, Secret};
use airut_actors::git::{GitMirror, MirrorPolicy};
use airut_actors::sandbox::agent_task::ConversationDirs;
use airut_actors::sandbox::engine::Engine;
use airut_actors::sandbox::images::ImageCache;
use airut_actors::sandbox::names::Names;
use airut_actors::sandbox::network_sandbox::NetworkSandbox;
use airut_actors::sandbox::outcome::Outcome;
use airut_actors::sandbox::stop_handle::StopHandle;
use airut_actors::store::Store;
use airut_actors::task_runner::{
    RecoveryParts, TaskEnvironment, TaskInput, TaskOutput, TaskRepo, run_task,
};
use airut_testkit::model_server::{ModelServer, Script, ToolUse, Turn};
use tempfile::TempDir;

const MODEL: &str = "claude-sonnet-4-5";
const MODEL_HOST: &str = "model.test";
const DOCKERFILE: &str = "FROM debian:bookworm-slim\nWORKDIR /workspace\n";
/// Would fail the build if anything read it.
const BROKEN_DOCKERFILE: &str = "FROM debian:bookworm-slim\nRUN exit 1\n";

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=t@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "protocol.file.allow=always",
        ])
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

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A bare upstream with `main` (the container directory, the allowlist, a
/// README) and `other`, whose Dockerfile would break the build.
fn upstream(root: &Path) -> String {
    let work = root.join("upstream-work");
    let bare = root.join("upstream.git");
    std::fs::create_dir_all(&work).expect("mkdir");
    git(&work, &["init", "-q"]);
    write(&work.join(".airut/container/Dockerfile"), DOCKERFILE);
    write(
        &work.join(".airut/network-allowlist.yaml"),
        &format!("domains:\n  - {MODEL_HOST}\nurl_prefixes: []\n"),
    );
    write(&work.join("README.md"), "original\n");
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-qm", "initial"]);
    git(&work, &["checkout", "-qb", "other"]);
    write(&work.join(".airut/container/Dockerfile"), BROKEN_DOCKERFILE);
    git(&work, &["commit", "-qam", "broken image"]);
    git(&work, &["checkout", "-q", "main"]);
    git(
        root,
        &["clone", "-q", "--bare", "upstream-work", "upstream.git"],
    );
    format!("file://{}", bare.display())
}

struct Fixture {
    env: TaskEnvironment,
    mirror: Arc<GitMirror>,
    repo_url: String,
    conversation: String,
    dir: TempDir,
}

impl Fixture {
    async fn new(engine: Engine, names: Names, dir: TempDir) -> Fixture {
        let repo_url = upstream(dir.path());
        let images = ImageCache::new(
            engine.clone(),
            Duration::from_secs(86400),
            dir.path().join("locks"),
        );
        let store = Store::open(&dir.path().join("store")).expect("store");
        Fixture {
            env: TaskEnvironment {
                engine,
                names,
                images: Arc::new(images),
                network: None,
                store,
                claude_binary: support::claude_binary(),
                extra_env: vec![("CLAUDE_CODE_MAX_RETRIES".into(), "1".into())],
                upstream_hosts: BTreeMap::new(),
                upstream_ports: BTreeMap::new(),
                upstream_dns: None,
                upstream_extra_roots_pem: None,
            },
            mirror: Arc::new(GitMirror::new(
                dir.path().join("git-mirror"),
                MirrorPolicy::default(),
            )),
            repo_url,
            conversation: support::unique("conv"),
            dir,
        }
    }

    fn dirs(&self) -> ConversationDirs {
        ConversationDirs::new(self.dir.path().join("conversation"))
    }

    fn input(&self, repo: TaskRepo, task: &str, prompt: &str, resume: Option<String>) -> TaskInput {
        TaskInput {
            repo_id: "test-repo".into(),
            repo,
            conversation_id: self.conversation.clone(),
            task_id: task.into(),
            conversation_dir: self.dirs(),
            mirror: Arc::clone(&self.mirror),
            repo_url: self.repo_url.clone(),
            prompt: prompt.into(),
            model: MODEL.into(),
            effort: None,
            resume_session: resume,
            recovery: RecoveryParts::default(),
        }
    }

    async fn run(&self, input: &TaskInput) -> (TaskOutput, usize) {
        let mut events = 0usize;
        let output = run_task(&self.env, input, StopHandle::new(), |_| events += 1)
            .await
            .expect("task ran");
        (output, events)
    }
}

fn plain_repo() -> TaskRepo {
    TaskRepo {
        container_path: ".airut/container".into(),
        sandbox_enabled: false,
        secrets: BTreeMap::from([("ANTHROPIC_API_KEY".to_string(), Secret::new("test-key"))]),
        ..TaskRepo::default()
    }
}

/// Covers, with one fixture to stay fast: (1) a task whose tools write the
/// outbox and edit the workspace, with reply, footer, delivered outbox and
/// events; (2) a second task resuming the first one's session; (3) the
/// image coming from the mirror's default branch only: the agent broke the
/// Dockerfile in the workspace and branch `other` has a broken one, yet the
/// second task builds and runs.
#[tokio::test]
async fn tasks_run_resume_and_build_from_the_default_branch() {
    let engine = support::engine().await;
    let mut fx = Fixture::new(
        engine,
        Names::new("test-taskrun"),
        tempfile::tempdir().expect("tempdir"),
    )
    .await;
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::tool(ToolUse::bash(
                "echo changed >> /workspace/README.md && \
                 printf 'FROM debian:bookworm-slim\\nRUN exit 1\\n' > /workspace/.airut/container/Dockerfile && \
                 echo result body > /outbox/result.txt && echo wrote",
            )))
            .turn(Turn::text("The secret word is PAPAYA.").expect_tool_results())
            .turn(
                Turn::text("You told me PAPAYA.")
                    .expect_contains("The secret word is PAPAYA.")
                    .expect_contains("What was the word?"),
            ),
    );
    fx.env
        .extra_env
        .push(("ANTHROPIC_BASE_URL".into(), server.container_base_url()));

    // (1)
    let (first, events) = fx
        .run(&fx.input(plain_repo(), "t1", "Do the work.", None))
        .await;
    assert_eq!(first.result.outcome, Outcome::Success, "{first:?}");
    assert!(events > 0);
    let (body, footer) = first
        .reply_text
        .split_once("\n\n— ")
        .unwrap_or_else(|| panic!("no footer: {}", first.reply_text));
    assert_eq!(body, "The secret word is PAPAYA.");
    assert!(
        footer.starts_with(&format!("{MODEL} · ")) && footer.ends_with(" out tokens"),
        "{footer}"
    );
    let dirs = fx.dirs();
    let delivered = dirs.root().join("delivered/t1/result.txt");
    assert_eq!(first.outbox_files, vec![delivered.clone()]);
    assert_eq!(
        std::fs::read_to_string(&delivered).expect("delivered"),
        "result body\n"
    );
    assert_eq!(
        std::fs::read_dir(dirs.outbox()).expect("outbox").count(),
        0,
        "the outbox is empty for the next task"
    );
    assert_eq!(
        std::fs::read_to_string(dirs.workspace().join("README.md")).expect("readme"),
        "original\nchanged\n"
    );
    assert!(dirs.events_log().is_file());

    // (2) and (3)
    let session = first.result.session_id.clone().expect("session id");
    let (second, _) = fx
        .run(&fx.input(
            plain_repo(),
            "t2",
            "What was the word?",
            Some(session.clone()),
        ))
        .await;
    server.assert_ok();
    assert_eq!(second.result.outcome, Outcome::Success, "{second:?}");
    assert_eq!(second.result.session_id.as_deref(), Some(session.as_str()));
    assert!(second.reply_text.starts_with("You told me PAPAYA.\n\n— "));
    assert!(!second.recovered);
    assert!(second.outbox_files.is_empty());
    let resumed = server.main_requests().last().expect("request").text();
    assert!(resumed.contains("Do the work."), "{resumed}");
}

/// (4) With the network sandbox: the allowlist from the mirror lets the
/// model host through, the API key is masked (the server sees the real
/// one), and the proxy is gone afterwards.
#[tokio::test]
async fn sandboxed_task_reaches_the_model_through_the_proxy() {
    const REAL_KEY: &str = "sk-ant-api03-R3alKeyForTheTaskRunnerTest0123456789";
    let engine = support::engine().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let names = Names::new(&support::unique("trn"));
    let sandbox = NetworkSandbox::prepare(
        engine.clone(),
        names.clone(),
        std::path::PathBuf::from(env!("CARGO_BIN_EXE_airut")),
        "debian:bookworm-slim".into(),
        &dir.path().join("run"),
    )
    .await
    .expect("network sandbox");
    let egress = format!("airut-{}-egress", names.instance());
    let gateway = support::egress_gateway(&engine, &egress).await;
    let ca = support::test_pki::test_pki("Airut test model CA", &[MODEL_HOST]);
    let server = ModelServer::start_tls_for_containers(
        Script::new().turn(Turn::text("Hello through the proxy.")),
        &ca.leaf_cert_pem,
        &ca.leaf_key_pem,
    );
    let mut fx = Fixture::new(engine.clone(), names, dir).await;
    fx.env.network = Some(Arc::new(sandbox));
    fx.env
        .extra_env
        .push(("ANTHROPIC_BASE_URL".into(), format!("https://{MODEL_HOST}")));
    fx.env.upstream_hosts = BTreeMap::from([(MODEL_HOST.to_string(), gateway)]);
    fx.env.upstream_ports = BTreeMap::from([(MODEL_HOST.to_string(), server.port())]);
    fx.env.upstream_extra_roots_pem = Some(ca.ca_cert_pem.clone());
    let repo = TaskRepo {
        container_path: ".airut/container".into(),
        sandbox_enabled: true,
        masked_secrets: BTreeMap::from([(
            "ANTHROPIC_API_KEY".to_string(),
            MaskedSecret {
                value: Secret::new(REAL_KEY),
                scopes: vec![MODEL_HOST.into()],
                headers: vec!["x-api-key".into()],
                allow_foreign_credentials: false,
            },
        )]),
        ..TaskRepo::default()
    };
    let ran = run_task(
        &fx.env,
        &fx.input(repo, "t1", "Say hello.", None),
        StopHandle::new(),
        |_| {},
    )
    .await;
    if let Err(error) = engine.docker.remove_network(&egress).await {
        eprintln!("removing {egress}: {error}");
    }
    let output = ran.expect("task ran");
    assert_eq!(output.result.outcome, Outcome::Success, "{output:?}");
    assert!(
        output
            .reply_text
            .starts_with("Hello through the proxy.\n\n— ")
    );
    server.assert_ok();
    assert_eq!(server.secret_header_values("x-api-key"), vec![REAL_KEY]);
    let netlog =
        std::fs::read_to_string(fx.dirs().root().join("network-sandbox.log")).unwrap_or_default();
    assert!(netlog.contains(MODEL_HOST), "{netlog}");
    assert!(!netlog.contains(REAL_KEY));
}
