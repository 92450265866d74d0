//! Task start-up and teardown of the execution sandbox, measured with the
//! real Claude Code and a warm image: time from the start of a task to the
//! first stream-json event, from the `result` event to the container being
//! gone, and a bare container run through the same API for comparison.
//!
//! `cargo bench --bench sandbox_start` (after `source /run/airut-test/env`);
//! `AIRUT_BENCH_RUNS` sets the number of runs (default 20).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use airut_actors::sandbox::agent_task::{AgentTaskRequest, ConversationDirs, run_agent_task};
use airut_actors::sandbox::build_context::BuildContext;
use airut_actors::sandbox::claude_invocation::ClaudeInvocation;
use airut_actors::sandbox::container_run::{RunOptions, run_container};
use airut_actors::sandbox::container_spec::{ContainerSpec, Limits, NetworkAttachment};
use airut_actors::sandbox::engine;
use airut_actors::sandbox::images::ImageCache;
use airut_actors::sandbox::names::{Names, Role};
use airut_actors::sandbox::outcome::Outcome;
use airut_actors::sandbox::stop_handle::StopHandle;
use airut_actors::sandbox::stream_json::EventKind;
use airut_testkit::model_server::{ModelServer, Script, Turn};

#[path = "common/stats.rs"]
mod stats;

use stats::report;

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for a list; there is none
    }
    let runs: usize = std::env::var("AIRUT_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let host = std::env::var("DOCKER_HOST").expect("DOCKER_HOST: source /run/airut-test/env first");
    let engine = engine::discover(Some(&host)).await.expect("engine");
    let claude =
        std::fs::canonicalize(std::env::var("AIRUT_TEST_CLAUDE").expect("AIRUT_TEST_CLAUDE"))
            .expect("claude");
    let dir = tempfile::tempdir().expect("tempdir");
    let images = ImageCache::new(
        engine.clone(),
        Duration::from_secs(86400),
        dir.path().join("locks"),
    );
    let image = images
        .ensure_task_image(&BuildContext::new(
            "FROM debian:bookworm-slim\nWORKDIR /workspace\n",
        ))
        .await
        .expect("image")
        .tag;
    let names = Names::new("bench");
    let server = ModelServer::start_for_containers(Script::new().turn(Turn::text("ok").forever()));

    // Warm-up: first run pays for page cache and Claude's first start.
    let mut first_event = Vec::new();
    let mut teardown = Vec::new();
    let mut total = Vec::new();
    for i in 0..=runs {
        let request = AgentTaskRequest {
            conversation_id: format!("bench{i}"),
            task_id: "t".into(),
            dirs: ConversationDirs::new(dir.path().join(format!("c{i}"))),
            image: image.clone(),
            claude_binary: claude.clone(),
            invocation: ClaudeInvocation {
                model: "claude-sonnet-4-5".into(),
                effort: None,
                resume_session: None,
            },
            prompt: "hi".into(),
            env: vec![
                ("ANTHROPIC_BASE_URL".into(), server.container_base_url()),
                ("ANTHROPIC_API_KEY".into(), "bench".into()),
            ],
            limits: Limits::default(),
            timeout: Duration::from_secs(120),
            network: NetworkAttachment::Default,
            extra_mounts: vec![],
        };
        let marks: Arc<Mutex<(Option<Instant>, Option<Instant>)>> = Arc::default();
        let sink = Arc::clone(&marks);
        let started = Instant::now();
        let result = run_agent_task(&engine, &names, &request, StopHandle::new(), move |event| {
            let mut m = sink.lock().expect("lock");
            m.0.get_or_insert_with(Instant::now);
            if event.kind == EventKind::Result {
                m.1 = Some(Instant::now());
            }
        })
        .await
        .expect("task");
        let ended = Instant::now();
        assert_eq!(result.outcome, Outcome::Success, "{result:?}");
        let (first, result_at) = *marks.lock().expect("lock");
        if i == 0 {
            continue;
        }
        first_event.push(first.expect("an event") - started);
        teardown.push(ended - result_at.expect("a result event"));
        total.push(ended - started);
    }

    let mut bare = Vec::new();
    for i in 0..runs {
        let spec = ContainerSpec {
            name: names.container(Role::Task, "bare", &i.to_string()),
            image: image.clone(),
            cmd: vec!["/bin/true".into()],
            env: vec![],
            mounts: vec![],
            working_dir: None,
            limits: Limits::default(),
            network: NetworkAttachment::Default,
            labels: names.container_labels(Role::Task, "bare", &i.to_string()),
            stdin: false,
        };
        let started = Instant::now();
        run_container(
            &engine,
            &spec,
            RunOptions {
                stdin: None,
                timeout: Some(Duration::from_secs(60)),
                stop: StopHandle::new(),
                stop_grace: Duration::ZERO,
                remove_in_background: false,
            },
            |_, _| {},
        )
        .await
        .expect("bare run");
        bare.push(started.elapsed());
    }

    println!(
        "sandbox start-up, warm image, {} ({}), Claude Code via scripted model",
        engine.kind, engine.version
    );
    report("task start -> first stream-json event", &first_event);
    report("result event -> container removed", &teardown);
    report("whole task (text reply)", &total);
    report("bare container run (/bin/true) via API", &bare);
}
