//! The in-process orchestration path: a gateway from a real config file
//! with a recording test channel, real git mirror, task image and Claude
//! Code against a scripted model that answers "ok" (network sandbox off).
//!
//! (a) new conversations one after another and (b) follow-ups in one
//! conversation one after another, each leg timed from the gateway's
//! events: `Submit` accepted -> `TaskStarted` (slot taken) -> first Claude
//! event (container and Claude up) -> the channel's reply. (c) many new
//! conversations at once under `max_concurrent: 4`: wall time, throughput,
//! this process's peak RSS and the most tasks running at once.
//!
//! `cargo bench --bench gateway_orchestration` (after `source
//! /run/airut-test/env`); `AIRUT_BENCH_RUNS` sets the runs of (a) and (b)
//! (default 20), `AIRUT_BENCH_BURST` the size of (c) (default 200).

#[path = "../tests/support/mod.rs"]
mod support;

#[path = "common/stats.rs"]
mod stats;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix::{Actor, Addr};
use airut_actors::channel::{ChannelCall, TestChannel};
use airut_actors::gateway::{Gateway, Shutdown};
use airut_actors::hub::{EventSink, GatewayEvent};
use airut_actors::intake::{ConversationId, Recorded};
use airut_actors::repo::{RepoActor, Submit};
use airut_testkit::model_server::{ModelServer, Script, Turn};
use support::gateway_fixture::{GatewayFixture, config_yaml, live_repo, message, upstream};

use stats::report;

const MAX_CONCURRENT: usize = 4;
const REPLY_WAIT: Duration = Duration::from_secs(180);

/// What the event sink saw of one task, timestamped on arrival.
#[derive(Debug, Clone, Default)]
struct TaskMarks {
    conversation: String,
    started: Option<Instant>,
    first_claude: Option<Instant>,
    last_claude: Option<Instant>,
    finished: Option<Instant>,
    outcome: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Default)]
struct Recorder {
    tasks: HashMap<String, TaskMarks>,
    /// Tasks between `TaskStarted` and `TaskFinished`.
    running: HashSet<String>,
    max_running: usize,
    /// Tasks between `TaskStarted` and their latest Claude event with
    /// `"type":"result"` (the container's work done; the slot is freed
    /// before the reply and `TaskFinished`).
    computing: HashSet<String>,
    max_computing: usize,
}

impl Recorder {
    fn note(&mut self, event: &GatewayEvent) {
        let now = Instant::now();
        let Some(task) = event.task() else { return };
        let id = task.task_id.clone();
        let marks = self.tasks.entry(id.clone()).or_default();
        marks.conversation = task.conversation_id.to_string();
        match event {
            GatewayEvent::TaskStarted { .. } => {
                marks.started = Some(now);
                self.running.insert(id.clone());
                self.computing.insert(id);
                self.max_running = self.max_running.max(self.running.len());
                self.max_computing = self.max_computing.max(self.computing.len());
            }
            GatewayEvent::Claude { event, .. } => {
                marks.first_claude.get_or_insert(now);
                marks.last_claude = Some(now);
                if event.get("type").and_then(|t| t.as_str()) == Some("result") {
                    self.computing.remove(&id);
                }
            }
            GatewayEvent::TaskFinished { outcome, error, .. } => {
                marks.finished = Some(now);
                marks.outcome = Some(outcome.clone());
                marks.error = error.clone();
                self.running.remove(&id);
                self.computing.remove(&id);
            }
            _ => {}
        }
    }
}

/// The fixture's `start`, with an event sink.
fn start_gateway(
    fx: &GatewayFixture,
    yaml: &str,
    model_url: &str,
    events: EventSink,
) -> Addr<Gateway> {
    let mut settings = fx.settings(yaml, model_url, fx.channels.clone());
    settings.events = events;
    Gateway::new(settings).start()
}

fn answers_for<'a>(calls: &'a [ChannelCall], conversation: &str) -> Vec<&'a ChannelCall> {
    calls
        .iter()
        .filter(|c| match c {
            ChannelCall::Reply {
                conversation: c, ..
            }
            | ChannelCall::ErrorReply {
                conversation: c, ..
            } => c.as_str() == conversation,
            _ => false,
        })
        .collect()
}

async fn submit(repo: &Addr<RepoActor>, key: &str, thread: &str) -> Result<ConversationId, String> {
    match repo
        .send(Submit(message("alpha", key, thread, "Say ok.")))
        .await
    {
        Ok(Ok(Recorded::Accepted {
            conversation_id, ..
        })) => Ok(conversation_id),
        Ok(Ok(other)) => Err(format!("not accepted: {other:?}")),
        Ok(Err(error)) => Err(format!("submit: {error}")),
        Err(error) => Err(format!("repo actor: {error}")),
    }
}

#[derive(Default)]
struct Legs {
    accepted: Vec<Duration>,
    to_started: Vec<Duration>,
    to_claude: Vec<Duration>,
    to_reply: Vec<Duration>,
    claude_working: Vec<Duration>,
    result_to_reply: Vec<Duration>,
    total: Vec<Duration>,
    failures: Vec<String>,
}

impl Legs {
    fn print(&self, title: &str) {
        println!("{title}");
        report("  submit sent -> Accepted (journaled)", &self.accepted);
        report("  Accepted -> TaskStarted (slot taken)", &self.to_started);
        report("  TaskStarted -> first Claude event", &self.to_claude);
        report("  first Claude event -> Reply", &self.to_reply);
        report(
            "    of which first -> last Claude event",
            &self.claude_working,
        );
        report(
            "    of which last Claude event -> Reply",
            &self.result_to_reply,
        );
        report("  total: Accepted -> Reply", &self.total);
        if !self.failures.is_empty() {
            println!("  {} failed:", self.failures.len());
            for failure in &self.failures {
                println!("    {failure}");
            }
        }
    }
}

/// One message, waited for: its reply must be the conversation's
/// `answers_before + 1`th answer.
async fn one_message(
    repo: &Addr<RepoActor>,
    channel: &TestChannel,
    recorder: &Mutex<Recorder>,
    key: &str,
    thread: &str,
    answers_before: usize,
    legs: &mut Legs,
) {
    let sent = Instant::now();
    let conversation = match submit(repo, key, thread).await {
        Ok(c) => c,
        Err(error) => {
            legs.failures.push(format!("{key}: {error}"));
            return;
        }
    };
    let accepted = Instant::now();
    let calls = channel
        .wait_for(REPLY_WAIT, |calls| {
            answers_for(calls, conversation.as_str()).len() > answers_before
        })
        .await;
    let replied = Instant::now();
    let answers = answers_for(&calls, conversation.as_str());
    let Some(answer) = answers.get(answers_before) else {
        legs.failures
            .push(format!("{key}: no reply within {REPLY_WAIT:?}"));
        return;
    };
    if let ChannelCall::ErrorReply { text, .. } = answer {
        legs.failures.push(format!("{key}: error reply: {text}"));
        return;
    }
    // this message's task: the conversation's task started after the submit
    let marks = {
        let recorder = recorder.lock().expect("recorder");
        recorder
            .tasks
            .values()
            .filter(|m| m.conversation == conversation.as_str())
            .filter(|m| m.started.is_some_and(|s| s >= sent))
            .min_by_key(|m| m.started)
            .cloned()
    };
    let Some(TaskMarks {
        started: Some(started),
        first_claude: Some(first_claude),
        last_claude: Some(last_claude),
        ..
    }) = marks
    else {
        legs.failures.push(format!(
            "{key}: replied but no TaskStarted/Claude event: {marks:?}"
        ));
        return;
    };
    legs.accepted.push(accepted - sent);
    legs.to_started
        .push(started.saturating_duration_since(accepted));
    legs.to_claude.push(first_claude - started);
    legs.to_reply.push(replied - first_claude);
    legs.claude_working.push(last_claude - first_claude);
    legs.result_to_reply
        .push(replied.saturating_duration_since(last_claude));
    legs.total.push(replied.saturating_duration_since(accepted));
}

fn vm_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[actix::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for a list; there is none
    }
    let runs: usize = std::env::var("AIRUT_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let burst: usize = std::env::var("AIRUT_BENCH_BURST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);

    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    // one text turn for every main request, however many come
    let server = ModelServer::start_for_containers(Script::new().turn(Turn::text("ok").forever()));
    let recorder = Arc::new(Mutex::new(Recorder::default()));
    let sink = {
        let recorder = Arc::clone(&recorder);
        EventSink::from_fn(move |event| recorder.lock().expect("recorder").note(&event))
    };
    let fx = GatewayFixture::new(root);
    let boot_started = Instant::now();
    let gateway = start_gateway(
        &fx,
        &config_yaml(&[("alpha", &url)], MAX_CONCURRENT, 30),
        &server.container_base_url(),
        sink,
    );
    let repo = live_repo(&gateway, "alpha").await;
    let boot = boot_started.elapsed();
    let channel = fx.channels.channel("alpha");

    // warm-up: the task image is built by the first task
    let warm_started = Instant::now();
    let mut warm = Legs::default();
    one_message(&repo, &channel, &recorder, "warm", "t-warm", 0, &mut warm).await;
    let warm_up = warm_started.elapsed();
    if !warm.failures.is_empty() {
        warm.print("warm-up FAILED");
    }

    // (a) new conversations, one after another
    let mut fresh = Legs::default();
    for i in 0..runs {
        let (key, thread) = (format!("a{i}"), format!("t-a{i}"));
        one_message(&repo, &channel, &recorder, &key, &thread, 0, &mut fresh).await;
    }

    // (b) follow-ups in one conversation: the first message opens it
    let mut opener = Legs::default();
    one_message(&repo, &channel, &recorder, "b-open", "t-b", 0, &mut opener).await;
    let mut follow = Legs::default();
    for i in 0..runs {
        let key = format!("b{i}");
        one_message(&repo, &channel, &recorder, &key, "t-b", i + 1, &mut follow).await;
    }
    follow.failures.extend(opener.failures);

    // (c) a burst of new conversations under max_concurrent
    let rss_before = vm_kb("VmRSS:");
    let hwm_before = vm_kb("VmHWM:");
    {
        let mut r = recorder.lock().expect("recorder");
        r.max_running = r.running.len();
        r.max_computing = r.computing.len();
    }
    // the process's thread count during the burst (blocking-pool threads)
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = Arc::clone(&sampling);
        std::thread::spawn(move || {
            let mut max_threads = 0;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                max_threads = max_threads.max(vm_kb("Threads:"));
                std::thread::sleep(Duration::from_millis(20));
            }
            max_threads
        })
    };
    let burst_started = Instant::now();
    let submits = (0..burst).map(|i| {
        let repo = repo.clone();
        async move {
            let (key, thread) = (format!("c{i}"), format!("t-c{i}"));
            (key.clone(), submit(&repo, &key, &thread).await)
        }
    });
    let submitted = futures_util::future::join_all(submits).await;
    let all_accepted = burst_started.elapsed();
    let mut burst_failures = Vec::new();
    let mut conversations = HashSet::new();
    for (key, result) in submitted {
        match result {
            Ok(c) => {
                conversations.insert(c.to_string());
            }
            Err(error) => burst_failures.push(format!("{key}: {error}")),
        }
    }
    let burst_wait = Duration::from_secs(1800);
    let answered = |calls: &[ChannelCall]| {
        calls
            .iter()
            .filter_map(|c| match c {
                ChannelCall::Reply { conversation, .. }
                | ChannelCall::ErrorReply { conversation, .. }
                    if conversations.contains(conversation.as_str()) =>
                {
                    Some(conversation.to_string())
                }
                _ => None,
            })
            .collect::<HashSet<String>>()
    };
    let calls = channel
        .wait_for(burst_wait, |calls| {
            answered(calls).len() >= conversations.len()
        })
        .await;
    let burst_wall = burst_started.elapsed();
    let got = answered(&calls);
    let error_replies: Vec<String> = calls
        .iter()
        .filter_map(|c| match c {
            ChannelCall::ErrorReply { conversation, text }
                if conversations.contains(conversation.as_str()) =>
            {
                Some(format!("{conversation}: error reply: {text}"))
            }
            _ => None,
        })
        .collect();
    let missing = conversations.len() - got.len();
    if missing > 0 {
        burst_failures.push(format!(
            "{missing} conversation(s) had no answer within {burst_wait:?}"
        ));
    }
    burst_failures.extend(error_replies);
    // TaskFinished comes after the reply and the journal update
    let settle = Instant::now();
    while settle.elapsed() < Duration::from_secs(10) {
        let all_finished = recorder
            .lock()
            .expect("recorder")
            .tasks
            .values()
            .filter(|m| conversations.contains(&m.conversation))
            .all(|m| m.finished.is_some());
        if all_finished {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let hwm_after = vm_kb("VmHWM:");
    let rss_after = vm_kb("VmRSS:");
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let max_threads = sampler.join().unwrap_or(0);
    let (max_running, max_computing, burst_tasks) = {
        let r = recorder.lock().expect("recorder");
        let burst_tasks: Vec<TaskMarks> = r
            .tasks
            .values()
            .filter(|m| conversations.contains(&m.conversation))
            .cloned()
            .collect();
        (r.max_running, r.max_computing, burst_tasks)
    };
    let mut queue_wait = Vec::new();
    let mut in_slot = Vec::new();
    let mut after_result = Vec::new();
    for m in &burst_tasks {
        if let Some(s) = m.started {
            queue_wait.push(s.saturating_duration_since(burst_started));
            if let Some(last) = m.last_claude {
                in_slot.push(last - s);
                if let Some(f) = m.finished {
                    after_result.push(f.saturating_duration_since(last));
                }
            }
        }
        if let Some(outcome) = &m.outcome
            && outcome != "success"
        {
            burst_failures.push(format!(
                "{}: outcome {outcome} {}",
                m.conversation,
                m.error.as_deref().unwrap_or("")
            ));
        }
    }

    let shutdown_started = Instant::now();
    let shutdown = gateway.send(Shutdown).await;
    let shutdown_took = shutdown_started.elapsed();
    let model_failures = server.failures();

    println!(
        "gateway orchestration: 1 repo (local upstream), max_concurrent {MAX_CONCURRENT}, \
         network sandbox off, Claude Code against a scripted model (Turn::text(\"ok\"))"
    );
    println!(
        "boot to live repo: {:.2} s; warm-up task (image build): {:.2} s",
        boot.as_secs_f64(),
        warm_up.as_secs_f64()
    );
    fresh.print(&format!("(a) {runs} new conversations, one after another"));
    follow.print(&format!(
        "(b) {runs} follow-ups in one conversation, one after another"
    ));
    println!("(c) {burst} new conversations submitted at once, max_concurrent {MAX_CONCURRENT}");
    println!(
        "  all {} submits accepted after            {:>8.1} ms",
        conversations.len(),
        all_accepted.as_secs_f64() * 1e3
    );
    println!(
        "  first submit -> last reply (wall)          {:>8.1} s   ({} of {} answered)",
        burst_wall.as_secs_f64(),
        got.len(),
        conversations.len()
    );
    println!(
        "  throughput                                 {:>8.1} tasks/min",
        got.len() as f64 / burst_wall.as_secs_f64() * 60.0
    );
    report("  burst start -> TaskStarted (queue wait)", &queue_wait);
    report("  TaskStarted -> last Claude event", &in_slot);
    report("  last Claude event -> TaskFinished", &after_result);
    println!(
        "  max tasks running at once (TaskStarted..TaskFinished events): {max_running} (limit {MAX_CONCURRENT})"
    );
    println!("  max tasks at once between TaskStarted and Claude's result event: {max_computing}");
    println!(
        "  bench process RSS: {:.1} MB before the burst, {:.1} MB after; peak (VmHWM) {:.1} MB \
         before, {:.1} MB after; up to {max_threads} threads during the burst \
         (the gateway runs in this process; containers, Claude Code and Podman are other processes)",
        rss_before as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        hwm_before as f64 / 1024.0,
        hwm_after as f64 / 1024.0
    );
    if burst_failures.is_empty() {
        println!("  every conversation got its reply");
    } else {
        println!("  {} problem(s):", burst_failures.len());
        for failure in burst_failures.iter().take(20) {
            println!("    {failure}");
        }
    }
    println!(
        "shutdown: {:.2} s ({:?}); model server: {} requests, {} failure(s)",
        shutdown_took.as_secs_f64(),
        shutdown.map(|r| format!("{r:?}")),
        server.requests().len(),
        model_failures.len()
    );
    for failure in model_failures.iter().take(5) {
        println!("  model server: {failure}");
    }
}
