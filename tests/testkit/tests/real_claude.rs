//! The real Claude Code CLI (`AIRUT_TEST_CLAUDE`, 2.1.330) against the
//! scripted model server, on the host: what it sends, how it runs tools,
//! resumes, retries and reports errors. `spec/model-server.md` sums up what
//! these tests establish.
//!
//! Each scenario's stream-json is the evidence the stream-json parser and
//! the outcome classifier are tested against. It is kept under
//! `actors/tests/fixtures/stream-json/`: `AIRUT_UPDATE_FIXTURES=1` rewrites
//! the captures; without it each test checks that its run still has the
//! committed capture's shape (event types, block types, result fields, exit
//! code), so a Claude Code upgrade that changes its output fails here first.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use airut_testkit::claude_cli::{ClaudeOutput, ClaudeRun};
use airut_testkit::model_server::{
    ApiError, EXHAUSTED_TEXT, ModelServer, Reply, RequestKind, Script, ToolUse, Turn,
};
use serde_json::{Value, json};

/// A private HOME (with `.claude` as `CLAUDE_CONFIG_DIR`) and working
/// directory for one scenario.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("home")).unwrap();
        fs::create_dir_all(dir.path().join("work")).unwrap();
        Sandbox { dir }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn claude(&self, server: &ModelServer, prompt: &str) -> ClaudeRun {
        ClaudeRun::new(server.base_url(), &self.home(), &self.work()).prompt(prompt)
    }
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../actors/tests/fixtures/stream-json")
}

/// One line per event: type, subtype, content block types, and for the
/// result the fields the outcome classifier reads.
fn shape(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let mut line = e["type"].as_str().unwrap_or("?").to_string();
            if let Some(subtype) = e["subtype"].as_str() {
                line.push('/');
                line.push_str(subtype);
            }
            if let Some(blocks) = e["message"]["content"].as_array() {
                let kinds: Vec<String> = blocks
                    .iter()
                    .map(|b| {
                        let kind = b["type"].as_str().unwrap_or("?");
                        match b["name"].as_str() {
                            Some(name) => format!("{kind}:{name}"),
                            None => kind.to_string(),
                        }
                    })
                    .collect();
                line.push_str(&format!(" [{}]", kinds.join(",")));
            }
            if e["type"] == "result" {
                line.push_str(&format!(
                    " is_error={} api_error_status={} terminal_reason={}",
                    e["is_error"], e["api_error_status"], e["terminal_reason"]
                ));
            }
            line
        })
        .collect()
}

/// Writes (with `AIRUT_UPDATE_FIXTURES=1`) or checks the capture of
/// `scenario`.
fn capture(scenario: &str, run: &ClaudeRun, out: &ClaudeOutput, server: &ModelServer) {
    let dir = fixture_dir();
    let jsonl = dir.join(format!("{scenario}.jsonl"));
    let meta_path = dir.join(format!("{scenario}.meta.json"));
    let events = out.events();
    if std::env::var("AIRUT_UPDATE_FIXTURES").as_deref() == Ok("1") {
        let version = events
            .iter()
            .find_map(|e| e["claude_code_version"].as_str())
            .unwrap_or("unknown");
        let env: serde_json::Map<String, Value> = run
            .extra_env()
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        let meta = json!({
            "scenario": scenario,
            "claude_code_version": version,
            "exit_code": out.exit_code,
            "stderr": out.stderr,
            "duration_ms": out.duration.as_millis(),
            "args": run.args(),
            "extra_env": env,
            "model_requests": server.requests().len(),
            "captured_by": "tests/testkit/tests/real_claude.rs (AIRUT_UPDATE_FIXTURES=1)",
        });
        fs::create_dir_all(&dir).unwrap();
        fs::write(&jsonl, &out.stdout).unwrap();
        let meta_text = serde_json::to_string_pretty(&meta).unwrap() + "\n";
        fs::write(&meta_path, meta_text).unwrap();
        return;
    }
    let hint = "rerun with AIRUT_UPDATE_FIXTURES=1 to capture it again, and review the diff";
    let Ok(committed) = fs::read_to_string(&jsonl) else {
        panic!("fixture {} is missing: {hint}", jsonl.display());
    };
    let committed: Vec<Value> = committed
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        shape(&committed),
        shape(&events),
        "fixture {} no longer matches Claude Code's output: {hint}",
        jsonl.display()
    );
    let meta: Value = serde_json::from_str(&fs::read_to_string(&meta_path).unwrap()).unwrap();
    assert_eq!(
        meta["exit_code"],
        json!(out.exit_code),
        "{}: {hint}",
        meta_path.display()
    );
}

fn tool_results(out: &ClaudeOutput) -> Vec<Value> {
    out.events_of("user", None)
        .iter()
        .flat_map(|e| {
            e["message"]["content"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|b| b["type"] == "tool_result")
        .collect()
}

fn main_turns(server: &ModelServer) -> Vec<Option<usize>> {
    server
        .main_requests()
        .iter()
        .map(|r| match r.kind {
            RequestKind::Main { turn } => turn,
            _ => None,
        })
        .collect()
}

#[test]
fn text_only() {
    let server = ModelServer::start(
        Script::new()
            .turn(Turn::text("Hello from the scripted model.").expect_contains("Say hello")),
    );
    let sandbox = Sandbox::new();
    let run = sandbox.claude(&server, "Say hello.");
    let out = run.run();

    assert_eq!(out.exit_code, Some(0), "{}", out.describe());
    let result = out.result();
    assert_eq!(result["subtype"], "success");
    assert_eq!(result["is_error"], false);
    assert_eq!(result["result"], "Hello from the scripted model.");
    assert_eq!(result["api_error_status"], Value::Null);
    assert!(result.get("api_error_type").is_none(), "{result}");
    assert_eq!(result["num_turns"], 1);
    assert_eq!(result["terminal_reason"], "completed");
    server.assert_ok();

    // Exactly one request: no preflight, no side request, no token count.
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/messages?beta=true");
    assert!(request.stream());
    assert_eq!(request.model(), Some("claude-sonnet-4-5"));
    assert!(request.tool_names().iter().any(|t| t == "Bash"));
    assert_eq!(request.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(request.header("x-api-key"), Some("<redacted>"));
    assert!(
        request
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("claude-cli/2.1.330")),
        "{:?}",
        request.header("user-agent")
    );
    assert_eq!(
        request.header("x-claude-code-session-id"),
        Some(out.session_id().as_str())
    );
    capture("text_only", &run, &out, &server);
}

#[test]
fn tool_bash_write() {
    let sandbox = Sandbox::new();
    let work = sandbox.work();
    let written = work.join("from_write.txt");
    let written = written.to_string_lossy();
    let server = ModelServer::start(
        Script::new()
            .turn(Turn::reply(
                Reply::text("I'll create the files.")
                    .with_tool(ToolUse::bash("echo made-by-bash > from_bash.txt")),
            ))
            .turn(
                Turn::tool(ToolUse::write(written.as_ref(), "made by Write\n"))
                    .expect_tool_results()
                    .expect_tool_result_contains("(Bash completed with no output)"),
            )
            .turn(
                Turn::tool(ToolUse::edit(
                    written.as_ref(),
                    "made by Write",
                    "edited by Edit",
                ))
                .expect_tool_results()
                .expect_tool_result_contains("File created successfully"),
            )
            .turn(
                Turn::text("Both files are in place.")
                    .expect_tool_results()
                    .expect_contains("Create two files"),
            ),
    );
    let run = sandbox.claude(&server, "Create two files.");
    let out = run.run();

    assert_eq!(out.exit_code, Some(0), "{}", out.describe());
    server.assert_ok();
    assert!(server.side_requests().is_empty());
    assert_eq!(
        fs::read_to_string(work.join("from_bash.txt")).unwrap(),
        "made-by-bash\n"
    );
    assert_eq!(
        fs::read_to_string(work.join("from_write.txt")).unwrap(),
        "edited by Edit\n"
    );
    let result = out.result();
    assert_eq!(result["result"], "Both files are in place.");
    assert_eq!(result["num_turns"], 4);
    let results = tool_results(&out);
    assert_eq!(results.len(), 3, "{results:#?}");
    assert!(
        results.iter().all(|r| r["is_error"] != true),
        "{results:#?}"
    );
    // The request after each tool call carried its result.
    let requests = server.main_requests();
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[1].tool_results().len(), 1);
    capture("tool_bash_write", &run, &out, &server);
}

#[test]
fn todowrite() {
    let server = ModelServer::start(
        Script::new()
            .turn(Turn::tool(ToolUse::todo_write(&[
                ("Write the report", "in_progress"),
                ("Send the report", "pending"),
            ])))
            .turn(
                Turn::text("The plan is recorded.")
                    .expect_tool_results()
                    .expect_tool_result_contains("Todos have been modified successfully"),
            ),
    );
    let sandbox = Sandbox::new();
    // 2.1.330 replaced TodoWrite by the Task tools; this brings it back.
    let run = sandbox
        .claude(&server, "Plan the report.")
        .env("CLAUDE_CODE_ENABLE_TASKS", "0");
    let out = run.run();

    assert_eq!(out.exit_code, Some(0), "{}", out.describe());
    server.assert_ok();
    let init = out.events_of("system", Some("init"));
    assert!(
        init[0]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "TodoWrite")
    );
    let with_todos = out
        .events_of("user", None)
        .into_iter()
        .find(|e| e["tool_use_result"]["newTodos"].is_array())
        .unwrap_or_else(|| {
            panic!(
                "no user event with tool_use_result.newTodos\n{}",
                out.describe()
            )
        });
    assert_eq!(
        with_todos["tool_use_result"]["newTodos"][0]["content"],
        "Write the report"
    );
    capture("todowrite", &run, &out, &server);
}

#[test]
fn todowrite_is_refused_by_default() {
    let server = ModelServer::start(
        Script::new()
            .turn(Turn::tool(ToolUse::todo_write(&[("Anything", "pending")])))
            .turn(
                Turn::text("ok")
                    .expect_tool_results()
                    .expect_tool_result_contains("No such tool available: TodoWrite"),
            ),
    );
    let sandbox = Sandbox::new();
    let out = sandbox.claude(&server, "Plan.").run();
    assert_eq!(out.exit_code, Some(0), "{}", out.describe());
    server.assert_ok();
    let results = tool_results(&out);
    assert_eq!(results[0]["is_error"], true);
}

#[test]
fn task_create() {
    let server = ModelServer::start(
        Script::new()
            .turn(Turn::tool(ToolUse::task_create(
                "Write the report",
                "Draft and proofread the weekly report",
            )))
            .turn(Turn::text("Task created.").expect_tool_results()),
    );
    let sandbox = Sandbox::new();
    let run = sandbox.claude(&server, "Plan the report.");
    let out = run.run();
    assert_eq!(out.exit_code, Some(0), "{}", out.describe());
    server.assert_ok();
    let results = tool_results(&out);
    assert_eq!(results.len(), 1);
    assert_ne!(results[0]["is_error"], true, "{results:#?}");
    capture("task_create", &run, &out, &server);
}

#[test]
fn resume_second_run() {
    let server = ModelServer::start(
        Script::new()
            .turn(Turn::text("The magic word is PELICAN."))
            .turn(
                Turn::text("It was PELICAN.")
                    .expect_contains("Remember the magic word.")
                    .expect_contains("The magic word is PELICAN.")
                    .expect_contains("What was the magic word?"),
            ),
    );
    let sandbox = Sandbox::new();
    let first = sandbox.claude(&server, "Remember the magic word.").run();
    assert_eq!(first.exit_code, Some(0), "{}", first.describe());
    let session = first.session_id();
    assert!(
        sandbox.home().join(".claude/projects").is_dir(),
        "the transcript lives under CLAUDE_CONFIG_DIR"
    );

    let run = sandbox
        .claude(&server, "What was the magic word?")
        .resume(&session);
    let second = run.run();
    assert_eq!(second.exit_code, Some(0), "{}", second.describe());
    server.assert_ok();
    assert_eq!(second.result()["result"], "It was PELICAN.");
    // 2.1.330 keeps the session id on resume (older versions forked a new
    // one).
    assert_eq!(second.session_id(), session);
    let requests = server.main_requests();
    assert_eq!(requests[0].messages().len(), 1);
    assert_eq!(requests[1].messages().len(), 3, "user, assistant, user");
    capture("resume_second_run", &run, &second, &server);
}

#[test]
fn prompt_too_long() {
    let server = ModelServer::start(
        Script::new().turn(Turn::error(ApiError::prompt_too_long(210_000, 200_000))),
    );
    let sandbox = Sandbox::new();
    let run = sandbox.claude(&server, "Summarise everything.");
    let out = run.run();

    assert_eq!(out.exit_code, Some(1), "{}", out.describe());
    server.assert_ok();
    assert_eq!(server.requests().len(), 1, "a 400 is not retried");
    let result = out.result();
    assert_eq!(result["subtype"], "success");
    assert_eq!(result["is_error"], true);
    assert_eq!(result["api_error_status"], 400);
    assert_eq!(result["terminal_reason"], "prompt_too_long");
    assert!(
        result["result"]
            .as_str()
            .unwrap()
            .starts_with("Prompt is too long"),
        "{}",
        result["result"]
    );
    assert!(out.events_of("system", Some("api_retry")).is_empty());
    let message = assert_api_error_message(&out, 400, "invalid_request_error");
    assert_eq!(message["error"], "invalid_request");
    capture("prompt_too_long", &run, &out, &server);
}

/// The synthetic assistant message (model `<synthetic>`) Claude Code prints
/// for an API error, checked against the status and `error.type` sent.
fn assert_api_error_message(out: &ClaudeOutput, status: u16, kind: &str) -> Value {
    let assistant = out.events_of("assistant", None).pop().unwrap_or_else(|| {
        panic!("no assistant event\n{}", out.describe());
    });
    assert_eq!(assistant["message"]["model"], "<synthetic>");
    assert_eq!(assistant["is_api_error_message"], true);
    assert_eq!(assistant["api_error_status"], status);
    assert_eq!(assistant["api_error_type"], kind);
    assert_eq!(out.result()["api_error_type"], kind);
    assert!(
        assistant["request_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("req_")),
        "{assistant}"
    );
    assistant
}

/// Checks the shared shape of an error that exhausted the retries.
fn assert_retried_error(out: &ClaudeOutput, status: u16, retries: usize, error: &str) {
    assert_eq!(out.exit_code, Some(1), "{}", out.describe());
    let retry_events = out.events_of("system", Some("api_retry"));
    assert_eq!(retry_events.len(), retries, "{}", out.describe());
    for (n, event) in retry_events.iter().enumerate() {
        assert_eq!(event["attempt"], n + 1);
        assert_eq!(event["max_retries"], retries);
        assert_eq!(event["error_status"], status);
        assert_eq!(event["error"], error);
        assert!(event["retry_delay_ms"].as_u64().is_some());
    }
    let result = out.result();
    assert_eq!(result["subtype"], "success");
    assert_eq!(result["is_error"], true);
    assert_eq!(result["api_error_status"], status);
    assert_eq!(result["terminal_reason"], "api_error");
}

#[test]
fn rate_limited_429() {
    let server = ModelServer::start(
        Script::new().turn(Turn::error(ApiError::rate_limited(Duration::from_secs(1))).forever()),
    );
    let sandbox = Sandbox::new();
    let run = sandbox
        .claude(&server, "Hello?")
        .env("CLAUDE_CODE_MAX_RETRIES", "2");
    let out = run.run();

    server.assert_ok();
    assert_eq!(server.main_requests().len(), 3, "first try + 2 retries");
    assert_retried_error(&out, 429, 2, "rate_limit");
    assert_eq!(
        assert_api_error_message(&out, 429, "rate_limit_error")["error"],
        "rate_limit"
    );
    // retry-after (1 s) is a floor for the delay.
    for event in out.events_of("system", Some("api_retry")) {
        assert!(event["retry_delay_ms"].as_u64().unwrap() >= 1000, "{event}");
    }
    assert!(
        out.result()["result"]
            .as_str()
            .unwrap()
            .starts_with("API Error: Request rejected (429)"),
        "{}",
        out.result()["result"]
    );
    capture("rate_limited_429", &run, &out, &server);
}

#[test]
fn server_error_500() {
    let server =
        ModelServer::start(Script::new().turn(Turn::error(ApiError::internal()).forever()));
    let sandbox = Sandbox::new();
    let run = sandbox
        .claude(&server, "Hello?")
        .env("CLAUDE_CODE_MAX_RETRIES", "2");
    let out = run.run();

    server.assert_ok();
    assert_eq!(server.main_requests().len(), 3);
    assert_retried_error(&out, 500, 2, "server_error");
    assert_eq!(
        assert_api_error_message(&out, 500, "api_error")["error"],
        "server_error"
    );
    assert!(
        out.result()["result"]
            .as_str()
            .unwrap()
            .starts_with("API Error: 500 Internal server error."),
        "{}",
        out.result()["result"]
    );
    capture("server_error_500", &run, &out, &server);
}

#[test]
fn overloaded_529() {
    let server =
        ModelServer::start(Script::new().turn(Turn::error(ApiError::overloaded()).forever()));
    let sandbox = Sandbox::new();
    let run = sandbox
        .claude(&server, "Hello?")
        .env("CLAUDE_CODE_MAX_RETRIES", "1");
    let out = run.run();

    server.assert_ok();
    assert_eq!(server.main_requests().len(), 2);
    assert_retried_error(&out, 529, 1, "overloaded");
    // The retry event says "overloaded", the final message "server_error".
    assert_eq!(
        assert_api_error_message(&out, 529, "overloaded_error")["error"],
        "server_error"
    );
    assert!(
        out.result()["result"]
            .as_str()
            .unwrap()
            .starts_with("API Error: 529 Overloaded."),
        "{}",
        out.result()["result"]
    );
    capture("overloaded_529", &run, &out, &server);
}

#[test]
fn authentication_401() {
    let server =
        ModelServer::start(Script::new().turn(Turn::error(ApiError::authentication()).forever()));
    let sandbox = Sandbox::new();
    let run = sandbox
        .claude(&server, "Hello?")
        .env("CLAUDE_CODE_MAX_RETRIES", "2");
    let out = run.run();
    server.assert_ok();
    // A 401 is retried like a 5xx.
    assert_eq!(server.main_requests().len(), 3);
    assert_retried_error(&out, 401, 2, "authentication_failed");
    assert_eq!(
        assert_api_error_message(&out, 401, "authentication_error")["error"],
        "authentication_failed"
    );
    assert_eq!(
        out.result()["result"],
        "Invalid API key · Fix external API key"
    );
    capture("authentication_401", &run, &out, &server);
}

#[test]
fn should_retry_false_stops_retries() {
    let server = ModelServer::start(
        Script::new().turn(Turn::error(ApiError::internal().no_retry()).forever()),
    );
    let sandbox = Sandbox::new();
    let out = sandbox.claude(&server, "Hello?").run();
    server.assert_ok();
    assert_eq!(
        server.main_requests().len(),
        1,
        "x-should-retry: false is obeyed"
    );
    assert_eq!(out.exit_code, Some(1), "{}", out.describe());
    assert_eq!(out.result()["api_error_status"], 500);
    assert!(out.events_of("system", Some("api_retry")).is_empty());
}

#[test]
fn rate_limited_then_ok() {
    let server = ModelServer::start(
        Script::new()
            .turn(Turn::error(ApiError::rate_limited(Duration::from_secs(1))))
            .turn(Turn::text("Recovered after the rate limit.")),
    );
    let sandbox = Sandbox::new();
    let run = sandbox.claude(&server, "Hello?");
    let out = run.run();
    assert_eq!(out.exit_code, Some(0), "{}", out.describe());
    server.assert_ok();
    assert_eq!(out.events_of("system", Some("api_retry")).len(), 1);
    let result = out.result();
    assert_eq!(result["is_error"], false);
    assert_eq!(result["api_error_status"], Value::Null);
    assert_eq!(result["result"], "Recovered after the rate limit.");
    capture("rate_limited_then_ok", &run, &out, &server);
}

#[test]
fn stream_error_then_ok() {
    let server = ModelServer::start(
        Script::new()
            .turn(Turn::stream_error(ApiError::overloaded()))
            .turn(Turn::text("Recovered after a broken stream.")),
    );
    let sandbox = Sandbox::new();
    let run = sandbox.claude(&server, "Hello?");
    let out = run.run();
    assert_eq!(out.exit_code, Some(0), "{}", out.describe());
    server.assert_ok();
    assert_eq!(main_turns(&server), [Some(0), Some(1)]);
    // The retry after a mid-stream error is silent in stream-json.
    assert!(out.events_of("system", Some("api_retry")).is_empty());
    assert_eq!(out.result()["result"], "Recovered after a broken stream.");
    capture("stream_error_then_ok", &run, &out, &server);
}

#[test]
fn exhausted_script_is_a_failure() {
    let server = ModelServer::start(Script::new().turn(Turn::tool(ToolUse::bash("true"))));
    let sandbox = Sandbox::new();
    let out = sandbox.claude(&server, "Go.").run();
    assert_eq!(out.exit_code, Some(0), "{}", out.describe());
    assert_eq!(out.result()["result"], EXHAUSTED_TEXT);
    let failures = server.failures();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].message.contains("script exhausted"));
    assert_eq!(main_turns(&server), [Some(0), None]);
}

#[test]
fn model_aliases_resolve_to_full_ids() {
    for (alias, family) in [
        ("sonnet", "claude-sonnet-"),
        ("opus", "claude-opus-"),
        ("haiku", "claude-haiku-"),
    ] {
        let server = ModelServer::start(Script::new().turn(Turn::text("hi")));
        let sandbox = Sandbox::new();
        let out = sandbox.claude(&server, "Hello?").model(alias).run();
        assert_eq!(out.exit_code, Some(0), "{alias}: {}", out.describe());
        server.assert_ok();
        let requests = server.main_requests();
        let model = requests[0].model().unwrap_or_default().to_string();
        assert!(model.starts_with(family), "{alias} was sent as {model}");
        assert_ne!(model, alias);
    }
}

#[test]
fn preflight_when_nonessential_traffic_is_allowed() {
    let server = ModelServer::start(Script::new().turn(Turn::text("hi")));
    let sandbox = Sandbox::new();
    let out = sandbox
        .claude(&server, "Hello?")
        .without_env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC")
        .run();
    assert_eq!(out.exit_code, Some(0), "{}", out.describe());
    server.assert_ok();
    let kinds: Vec<RequestKind> = server.requests().into_iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [RequestKind::Preflight, RequestKind::Main { turn: Some(0) }]
    );
}

/// Claude Code's own retry budget for a persistent 500: 10 retries with
/// exponential backoff (0.5 s doubling, capped near 32 s plus jitter), about
/// three minutes in all.
#[test]
#[ignore = "takes about 3 minutes: measures the default retry budget"]
fn default_retry_budget() {
    let server =
        ModelServer::start(Script::new().turn(Turn::error(ApiError::internal()).forever()));
    let sandbox = Sandbox::new();
    let out = sandbox
        .claude(&server, "Hello?")
        .timeout(Duration::from_secs(400))
        .run();
    server.assert_ok();
    assert_eq!(server.main_requests().len(), 11);
    assert_retried_error(&out, 500, 10, "server_error");
    assert!(
        out.duration > Duration::from_secs(120),
        "{:?}",
        out.duration
    );
}
