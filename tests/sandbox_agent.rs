//! The real Claude Code in real containers, through `run_agent_task`,
//! talking to the scripted model server: replies, tools that change the
//! workspace and the outbox, todo lists, resume across containers, API
//! errors, timeout and stop.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use airut_actors::sandbox::agent_task::{AgentTaskRequest, ConversationDirs, run_agent_task};
use airut_actors::sandbox::build_context::BuildContext;
use airut_actors::sandbox::claude_invocation::ClaudeInvocation;
use airut_actors::sandbox::container_spec::{Limits, NetworkAttachment};
use airut_actors::sandbox::engine::Engine;
use airut_actors::sandbox::events_log::read_events;
use airut_actors::sandbox::images::ImageCache;
use airut_actors::sandbox::names::Names;
use airut_actors::sandbox::outcome::{Outcome, TaskResult};
use airut_actors::sandbox::stop_handle::StopHandle;
use airut_actors::sandbox::stream_json::{ClaudeEvent, ContentBlock, EventKind};
use airut_testkit::model_server::{ApiError, ModelServer, Script, ToolUse, Turn};

const MODEL: &str = "claude-sonnet-4-5";

struct Fixture {
    engine: Engine,
    names: Names,
    image: String,
    dir: tempfile::TempDir,
    conversation: String,
}

impl Fixture {
    async fn new() -> Fixture {
        let engine = support::engine().await;
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
            .expect("task image")
            .tag;
        Fixture {
            engine,
            names: Names::new("test-agent"),
            image,
            dir,
            conversation: support::unique("conv"),
        }
    }

    fn dirs(&self) -> ConversationDirs {
        ConversationDirs::new(self.dir.path().join("conversation"))
    }

    fn request(
        &self,
        server: &ModelServer,
        task: &str,
        prompt: &str,
        resume: Option<String>,
    ) -> AgentTaskRequest {
        AgentTaskRequest {
            conversation_id: self.conversation.clone(),
            task_id: task.to_string(),
            dirs: self.dirs(),
            image: self.image.clone(),
            claude_binary: support::claude_binary(),
            invocation: ClaudeInvocation {
                model: MODEL.to_string(),
                effort: None,
                resume_session: resume,
            },
            prompt: prompt.to_string(),
            env: vec![
                ("ANTHROPIC_BASE_URL".into(), server.container_base_url()),
                ("ANTHROPIC_API_KEY".into(), "test-key".into()),
                // keep API-error scenarios short: the CLI retries 10 times by default
                ("CLAUDE_CODE_MAX_RETRIES".into(), "1".into()),
            ],
            limits: Limits::default(),
            timeout: Duration::from_secs(120),
            network: NetworkAttachment::Default,
            extra_mounts: vec![],
        }
    }

    async fn run(
        &self,
        request: &AgentTaskRequest,
        stop: StopHandle,
    ) -> (TaskResult, Vec<ClaudeEvent>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let result = run_agent_task(&self.engine, &self.names, request, stop, move |event| {
            sink.lock().expect("lock").push(event.clone());
        })
        .await
        .expect("agent task ran");
        let events = seen.lock().expect("lock").clone();
        (result, events)
    }
}

#[tokio::test]
async fn text_reply_is_the_response_and_events_are_logged_by_task() {
    let fx = Fixture::new().await;
    let server =
        ModelServer::start_for_containers(Script::new().turn(Turn::text("Hello from the model.")));
    let (result, events) = fx
        .run(
            &fx.request(&server, "t1", "Say hello.", None),
            StopHandle::new(),
        )
        .await;
    server.assert_ok();
    assert_eq!(result.outcome, Outcome::Success, "{result:?}");
    assert_eq!(
        result.response_text.as_deref(),
        Some("Hello from the model.")
    );
    assert!(result.session_id.is_some());
    assert!(events.iter().any(|e| e.kind == EventKind::System));
    assert!(events.iter().any(|e| e.kind == EventKind::Result));
    let logged = read_events(&fx.dirs().events_log()).expect("events.jsonl");
    assert_eq!(logged.len(), events.len(), "every event persisted");
    assert!(logged.iter().all(|e| e.task_id == "t1"));
    let prompt_seen = server.main_requests().iter().any(|r| {
        r.body
            .as_ref()
            .is_some_and(|b| b.to_string().contains("Say hello."))
    });
    assert!(prompt_seen, "the prompt arrived on stdin");
}

#[tokio::test]
async fn tools_change_the_workspace_and_write_the_outbox() {
    let fx = Fixture::new().await;
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::tool(ToolUse::bash(
                "echo built > /workspace/made-by-bash.txt && pwd",
            )))
            .turn(
                Turn::tool(ToolUse::write("/outbox/report.txt", "report body\n"))
                    .expect_tool_result_contains("/workspace"),
            )
            .turn(Turn::text("All done.").expect_tool_results()),
    );
    let (result, _) = fx
        .run(
            &fx.request(&server, "t1", "Do the work.", None),
            StopHandle::new(),
        )
        .await;
    server.assert_ok();
    assert_eq!(result.outcome, Outcome::Success, "{result:?}");
    assert_eq!(result.response_text.as_deref(), Some("All done."));
    let dirs = fx.dirs();
    assert_eq!(
        std::fs::read_to_string(dirs.workspace().join("made-by-bash.txt")).expect("bash wrote"),
        "built\n"
    );
    assert_eq!(
        std::fs::read_to_string(dirs.outbox().join("report.txt")).expect("write tool"),
        "report body\n"
    );
}

#[tokio::test]
async fn todo_lists_reach_the_callback() {
    let fx = Fixture::new().await;
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::tool(ToolUse::todo_write(&[
                ("Read the code", "completed"),
                ("Fix the bug", "in_progress"),
            ])))
            .turn(Turn::text("Planned.").expect_tool_results()),
    );
    let (result, events) = fx
        .run(
            &fx.request(&server, "t1", "Plan it.", None),
            StopHandle::new(),
        )
        .await;
    assert_eq!(result.outcome, Outcome::Success, "{result:?}");
    let todos = events
        .iter()
        .find_map(|e| e.todo_list())
        .expect("a todo list was surfaced");
    let items: Vec<&str> = todos.iter().map(|t| t.content.as_str()).collect();
    assert_eq!(items, vec!["Read the code", "Fix the bug"]);
    // Claude Code accepted the call (2.1 refuses TodoWrite unless tasks are off).
    let results: Vec<bool> = events
        .iter()
        .flat_map(|e| e.blocks.iter())
        .filter_map(|b| match b {
            ContentBlock::ToolResult { is_error, .. } => Some(*is_error),
            _ => None,
        })
        .collect();
    assert_eq!(results, vec![false], "the TodoWrite call succeeded");
}

#[tokio::test]
async fn second_task_resumes_the_session_in_a_new_container() {
    let fx = Fixture::new().await;
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::text("The secret word is PAPAYA."))
            .turn(
                Turn::text("You told me PAPAYA.")
                    .expect_contains("The secret word is PAPAYA.")
                    .expect_contains("What was the word?"),
            ),
    );
    let (first, _) = fx
        .run(
            &fx.request(&server, "t1", "Remember a word.", None),
            StopHandle::new(),
        )
        .await;
    assert_eq!(first.outcome, Outcome::Success, "{first:?}");
    let session = first.session_id.clone().expect("session id");
    let (second, _) = fx
        .run(
            &fx.request(&server, "t2", "What was the word?", Some(session.clone())),
            StopHandle::new(),
        )
        .await;
    server.assert_ok();
    assert_eq!(second.outcome, Outcome::Success, "{second:?}");
    assert_eq!(second.session_id.as_deref(), Some(session.as_str()));
    assert_eq!(second.response_text.as_deref(), Some("You told me PAPAYA."));
    let tasks: Vec<String> = read_events(&fx.dirs().events_log())
        .expect("log")
        .into_iter()
        .map(|e| e.task_id)
        .collect();
    assert!(tasks.contains(&"t1".to_string()) && tasks.contains(&"t2".to_string()));
}

#[tokio::test]
async fn prompt_too_long_and_rate_limits_are_their_own_outcomes() {
    let fx = Fixture::new().await;
    let server = ModelServer::start_for_containers(
        Script::new().turn(Turn::error(ApiError::prompt_too_long(210_000, 200_000))),
    );
    let (result, _) = fx
        .run(
            &fx.request(&server, "t1", "Too much.", None),
            StopHandle::new(),
        )
        .await;
    assert_eq!(result.outcome, Outcome::PromptTooLong, "{result:?}");

    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::error(ApiError::rate_limited(Duration::from_millis(10))).forever()),
    );
    let (result, _) = fx
        .run(&fx.request(&server, "t2", "Busy?", None), StopHandle::new())
        .await;
    assert_eq!(result.outcome, Outcome::RateLimited, "{result:?}");
    assert_eq!(result.api_error_status, Some(429));
}

#[tokio::test]
async fn timeout_ends_the_run_and_keeps_partial_events() {
    let fx = Fixture::new().await;
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::tool(ToolUse::bash("sleep 300")))
            .turn(Turn::text("never reached")),
    );
    let mut request = fx.request(&server, "t1", "Wait forever.", None);
    request.timeout = Duration::from_secs(8);
    let (result, events) = fx.run(&request, StopHandle::new()).await;
    assert_eq!(result.outcome, Outcome::Timeout, "{result:?}");
    assert!(!events.is_empty(), "events before the timeout are kept");
    assert_eq!(
        read_events(&fx.dirs().events_log()).expect("log").len(),
        events.len()
    );
    assert_no_task_containers(&fx).await;
}

#[tokio::test]
async fn stop_ends_the_run_with_the_stopped_outcome() {
    let fx = Fixture::new().await;
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::tool(ToolUse::bash("sleep 300")))
            .turn(Turn::text("never reached")),
    );
    let stop = StopHandle::new();
    let trigger = stop.clone();
    let request = fx.request(&server, "t1", "Wait.", None);
    let result = run_agent_task(&fx.engine, &fx.names, &request, stop, move |event| {
        // stop once the Bash call is under way
        if event.kind == EventKind::Assistant {
            trigger.stop();
        }
    })
    .await
    .expect("ran");
    assert_eq!(result.outcome, Outcome::Stopped, "{result:?}");
    assert_no_task_containers(&fx).await;
}

/// The exited container is removed in the background (the answer does not
/// wait for it): gone within a few seconds.
async fn assert_no_task_containers(fx: &Fixture) {
    let waited = std::time::Instant::now();
    loop {
        let left = airut_actors::sandbox::leftovers::list_container_names(
            &fx.engine,
            &fx.names,
            Some(&fx.conversation),
        )
        .await
        .expect("list");
        if left.is_empty() {
            return;
        }
        assert!(
            waited.elapsed() < std::time::Duration::from_secs(30),
            "containers left behind: {left:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
