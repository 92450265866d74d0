//! The Slack round trip as the user sees it: a DM handed to the Socket
//! Mode connection by the fake Slack (tests/support/fake_slack, Slack's
//! wire formats, driven through slack-morphism in the real channel) until
//! the acknowledgement and then the answer are in the thread — a real
//! gateway with the Slack channel, the real sandbox and Claude Code on a
//! scripted model that answers at once. A new conversation (a top-level
//! DM) and a follow-up (a reply in its thread), with the network sandbox
//! off and on (on: the model behind the proxy over TLS, as in
//! benches/email_roundtrip.rs).
//!
//! Besides the totals it prints where the time goes, from the fake (when
//! the envelope was acknowledged, when each post landed; polled every
//! 0.5 ms from a thread of its own) and from the gateway's events
//! (timestamped on arrival in the event sink). "Gateway share" is the
//! total minus the container run (`TaskStarted` → `TaskFinished`).
//!
//! `cargo bench --bench slack_roundtrip` (after `source
//! /run/airut-test/env`); `AIRUT_BENCH_RUNS` sets the runs per case
//! (default 10, after one warm-up).

#[path = "../tests/support/mod.rs"]
mod support;

#[path = "common/stats.rs"]
#[allow(dead_code)] // `report` prints a fixed line; this bench adds notes
mod stats;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix::{Actor, Addr};
use airut_actors::channel::slack::SlackChannelFactory;
use airut_actors::gateway::{Gateway, Shutdown};
use airut_actors::hub::{EventSink, GatewayEvent};
use airut_actors::sandbox::names::Names;
use airut_actors::sandbox::network_sandbox::NetworkSandbox;
use airut_testkit::model_server::{ModelServer, Script, Turn};
use serde_json::Value;
use support::fake_slack::{APP_TOKEN, BOT_TOKEN, FakeSlack, FakeUser, UserMessage};
use support::gateway_fixture::{DOCKERFILE, GatewayFixture, MODEL, live_repo, upstream};

use stats::report_noted;

const USER: &str = "U1ANN";
const DM: &str = "D1ANN";
const ACK_TEXT: &str = "started working on this";
const ANSWER: &str = "Bench answer.";
const MODEL_HOST: &str = "model.test";
const WAIT: Duration = Duration::from_secs(180);
const POLL: Duration = Duration::from_micros(500);

#[derive(Clone, Copy, PartialEq)]
enum Sandbox {
    Off,
    On,
}

impl Sandbox {
    fn name(self) -> &'static str {
        match self {
            Sandbox::Off => "sandbox off",
            Sandbox::On => "sandbox on",
        }
    }
}

/// Every event the gateway published, with the instant it arrived.
type Timeline = Arc<Mutex<Vec<(Instant, GatewayEvent)>>>;

/// One exchange: instants from the delivery on.
struct Exchange {
    delivered: Instant,
    acked: Instant,
    ack_post: Option<Instant>,
    answer: Instant,
    queued: Instant,
    started: Instant,
    first_claude: Instant,
    result: Instant,
    finished: Instant,
    conversation: String,
}

#[derive(Default)]
struct Legs {
    acked: Vec<Duration>,
    pickup: Vec<Duration>,
    ack_post: Vec<Duration>,
    to_started: Vec<Duration>,
    container_up: Vec<Duration>,
    claude: Vec<Duration>,
    result_to_answer: Vec<Duration>,
    answer_to_finished: Vec<Duration>,
    container_run: Vec<Duration>,
    total: Vec<Duration>,
    share: Vec<Duration>,
    share_strict: Vec<Duration>,
}

impl Legs {
    fn add(&mut self, e: &Exchange) {
        let d = |a: Instant, b: Instant| b.saturating_duration_since(a);
        let total = d(e.delivered, e.answer);
        let run = d(e.started, e.finished);
        self.acked.push(d(e.delivered, e.acked));
        self.pickup.push(d(e.delivered, e.queued));
        if let Some(ack) = e.ack_post {
            self.ack_post.push(d(e.delivered, ack));
        }
        self.to_started.push(d(e.queued, e.started));
        self.container_up.push(d(e.started, e.first_claude));
        self.claude.push(d(e.first_claude, e.result));
        self.result_to_answer.push(d(e.result, e.answer));
        self.answer_to_finished.push(d(e.answer, e.finished));
        self.container_run.push(run);
        self.total.push(total);
        self.share.push(total.saturating_sub(run));
        self.share_strict
            .push(total.saturating_sub(d(e.started, e.result)));
    }

    fn print(&self, title: &str, total_note: &str) {
        println!("\n{title}");
        report_noted(
            "event delivered -> answer post in thread (TOTAL)",
            &self.total,
            total_note,
        );
        report_noted(
            "  delivered -> envelope acked",
            &self.acked,
            "socket, checks, journal",
        );
        report_noted("  delivered -> picked up (MessageQueued)", &self.pickup, "");
        if !self.ack_post.is_empty() {
            report_noted(
                "  delivered -> acknowledgement post",
                &self.ack_post,
                "chat.postMessage",
            );
        }
        report_noted(
            "  picked up -> TaskStarted",
            &self.to_started,
            "journal mark_running (ack post runs alongside)",
        );
        report_noted(
            "  TaskStarted -> first Claude event",
            &self.container_up,
            "workspace, image check, container (+sandbox), Claude boots",
        );
        report_noted(
            "  first Claude event -> result event",
            &self.claude,
            "Claude with the model",
        );
        report_noted(
            "  result event -> answer post",
            &self.result_to_answer,
            "container exit, chat.postMessage",
        );
        report_noted(
            "  answer post -> TaskFinished",
            &self.answer_to_finished,
            "journal",
        );
        report_noted(
            "  container run (TaskStarted -> TaskFinished)",
            &self.container_run,
            "",
        );
        report_noted(
            "gateway share (total - container run)",
            &self.share,
            "target <= 0.1 s",
        );
        report_noted(
            "  total - (TaskStarted -> result event)",
            &self.share_strict,
            "all outside container+Claude",
        );
    }
}

fn yaml(url: &str, fake: &FakeSlack, sandbox: Sandbox, host_ip: Option<&str>) -> String {
    let network = match host_ip {
        Some(ip) => format!("network:\n  upstream_hosts:\n    {MODEL_HOST}: {ip}\n"),
        None => String::new(),
    };
    let enabled = sandbox == Sandbox::On;
    format!(
        "config_version: 5\nexecution:\n  max_concurrent: 3\n  shutdown_timeout: 10\ndashboard:\n  enabled: false\n{network}\
         repos:\n  alpha:\n    repo_url: {url}\n    model: {MODEL}\n    network:\n      sandbox_enabled: {enabled}\n    \
         slack:\n      bot_token: {BOT_TOKEN}\n      app_token: {APP_TOKEN}\n      api_url: {api}\n      \
         authorized:\n        - workspace_members: true\n    secrets:\n      ANTHROPIC_API_KEY: test-key\n",
        api = fake.api_url(),
    )
}

/// The gateway of the fixture with the Slack channel; as
/// `GatewayFixture::start_with`, plus the proxy's upstream overrides for
/// the sandbox-on case and an event sink that timestamps on arrival.
fn start_gateway(
    fx: &GatewayFixture,
    yaml: &str,
    model_url: &str,
    upstream_port: Option<(u16, String)>,
    timeline: &Timeline,
) -> Addr<Gateway> {
    let mut settings = fx.settings(yaml, model_url, Arc::new(SlackChannelFactory));
    let (events, timeline) = (Arc::clone(&fx.events), Arc::clone(timeline));
    settings.events = EventSink::from_fn(move |event| {
        let now = Instant::now();
        timeline
            .lock()
            .expect("timeline")
            .push((now, event.clone()));
        events.lock().expect("events").push(event);
    });
    if let Some((port, roots)) = upstream_port {
        settings.overrides.upstream_ports = [(MODEL_HOST.to_string(), port)].into();
        settings.overrides.upstream_extra_roots_pem = Some(roots);
    }
    Gateway::new(settings).start()
}

fn text(m: &Value) -> &str {
    m["text"].as_str().unwrap_or_default()
}

/// What the fake showed after one delivery, as seen by [`watch`].
struct Seen {
    delivered: Instant,
    acked: Instant,
    ack_post: Option<Instant>,
    answer: Instant,
    thread: String,
}

/// Delivers `message` and polls the fake until the envelope is
/// acknowledged and the answer (and, when `ack`, the acknowledgement) is
/// in the thread. Runs on its own thread: polled from the actix runtime,
/// each instant would wait for the gateway under test to yield.
fn watch(fake: &FakeSlack, message: UserMessage, ack: bool) -> Seen {
    // a follow-up's thread already holds the earlier posts
    let prior = message
        .thread_ts
        .as_deref()
        .map_or(0, |t| fake.bot_posts(DM, t).len());
    let delivered = Instant::now();
    let delivery = fake.user_message(message);
    let thread = delivery.thread_ts.clone();
    let (mut acked, mut ack_post, mut answer) = (None, None, None);
    loop {
        let now = Instant::now();
        if acked.is_none() && fake.is_acked(&delivery) {
            acked = Some(now);
        }
        let posts = fake.bot_posts(DM, &thread);
        let fresh = posts.get(prior..).unwrap_or_default();
        if ack_post.is_none() && fresh.iter().any(|m| text(m).contains(ACK_TEXT)) {
            ack_post = Some(now);
        }
        if answer.is_none() && fresh.iter().any(|m| text(m).contains(ANSWER)) {
            answer = Some(now);
        }
        if let (Some(acked), Some(answer)) = (acked, answer)
            && (ack_post.is_some() || !ack)
        {
            return Seen {
                delivered,
                acked,
                ack_post,
                answer,
                thread,
            };
        }
        assert!(
            delivered.elapsed() < WAIT,
            "no answer in {DM}/{thread}: acked={} {:#?}",
            acked.is_some(),
            fresh.iter().map(text).collect::<Vec<_>>()
        );
        std::thread::sleep(POLL);
    }
}

/// Sends `message` and waits for the envelope's acknowledgement, the
/// acknowledgement post (when `ack`), the answer post, and the task's
/// `TaskFinished`; also the thread the bot answered in.
async fn exchange(
    fake: &Arc<FakeSlack>,
    timeline: &Timeline,
    message: UserMessage,
    ack: bool,
) -> (Exchange, String) {
    let from = timeline.lock().expect("timeline").len();
    let seen = {
        let fake = Arc::clone(fake);
        tokio::task::spawn_blocking(move || watch(&fake, message, ack))
            .await
            .expect("watcher")
    };
    if !ack {
        assert!(
            seen.ack_post.is_none(),
            "a second acknowledgement in the thread"
        );
    }
    let waited = Instant::now();
    let events = loop {
        let events: Vec<(Instant, GatewayEvent)> =
            timeline.lock().expect("timeline")[from..].to_vec();
        if events
            .iter()
            .any(|(_, e)| matches!(e, GatewayEvent::TaskFinished { .. }))
        {
            break events;
        }
        assert!(waited.elapsed() < WAIT, "no TaskFinished");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let at = |what: &str, pick: &dyn Fn(&GatewayEvent) -> bool| {
        events
            .iter()
            .find(|(_, e)| pick(e))
            .map(|(t, _)| *t)
            .unwrap_or_else(|| panic!("no {what} event"))
    };
    let queued = at("MessageQueued", &|e| {
        matches!(e, GatewayEvent::MessageQueued { .. })
    });
    let started = at("TaskStarted", &|e| {
        matches!(e, GatewayEvent::TaskStarted { .. })
    });
    let first_claude = at("Claude", &|e| matches!(e, GatewayEvent::Claude { .. }));
    let result = at(
        "result",
        &|e| matches!(e, GatewayEvent::Claude { event, .. } if event["type"] == "result"),
    );
    let finished = at("TaskFinished", &|e| {
        matches!(e, GatewayEvent::TaskFinished { .. })
    });
    let mut conversation = String::new();
    for (_, e) in &events {
        if let GatewayEvent::TaskFinished {
            task,
            outcome,
            replied,
            error,
            ..
        } = e
        {
            assert!(
                outcome == "success" && *replied,
                "task {outcome} replied={replied} {error:?}"
            );
            conversation = task.conversation_id.to_string();
        }
    }
    let exchange = Exchange {
        delivered: seen.delivered,
        acked: seen.acked,
        ack_post: seen.ack_post,
        answer: seen.answer,
        queued,
        started,
        first_claude,
        result,
        finished,
        conversation,
    };
    (exchange, seen.thread)
}

/// `runs` new conversations, each followed by one follow-up, after one
/// warm-up pair.
async fn measure(sandbox: Sandbox, runs: usize) -> (Legs, Legs) {
    let fake = Arc::new(FakeSlack::start());
    fake.add_user(FakeUser::member(USER, "ann"));
    // As Slack does, the bot's own posts come back as events.
    fake.set_echo_bot_messages(true);
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let fx = GatewayFixture::new(root);
    let timeline: Timeline = Arc::default();
    let script = || Script::new().turn(Turn::text(ANSWER).forever());
    let (server, gateway) = match sandbox {
        Sandbox::Off => {
            let server = ModelServer::start_for_containers(script());
            let url = upstream(&root.join("up"));
            let gateway = start_gateway(
                &fx,
                &yaml(&url, &fake, sandbox, None),
                &server.container_base_url(),
                None,
                &timeline,
            );
            (server, gateway)
        }
        Sandbox::On => {
            // the egress network first: its gateway is where the proxy
            // reaches the model server on this host
            let engine = support::engine().await;
            let names = Names::new(&fx.instance);
            let prepared = NetworkSandbox::prepare(
                engine.clone(),
                names.clone(),
                PathBuf::from(env!("CARGO_BIN_EXE_airut")),
                "debian:bookworm-slim".into(),
                &root.join("prepare"),
            )
            .await
            .expect("egress network");
            drop(prepared);
            let egress = format!("airut-{}-egress", names.instance());
            let host_ip = support::egress_gateway(&engine, &egress).await;
            let ca = support::test_pki::test_pki("Airut bench CA", &[MODEL_HOST]);
            let server = ModelServer::start_tls_for_containers(
                script(),
                &ca.leaf_cert_pem,
                &ca.leaf_key_pem,
            );
            let url = support::git_repo::bare_upstream(
                &root.join("up"),
                &[
                    (".airut/container/Dockerfile", DOCKERFILE),
                    (
                        ".airut/network-allowlist.yaml",
                        &format!("domains:\n  - {MODEL_HOST}\nurl_prefixes: []\n"),
                    ),
                ],
            );
            let gateway = start_gateway(
                &fx,
                &yaml(&url, &fake, sandbox, Some(&host_ip.to_string())),
                &format!("https://{MODEL_HOST}"),
                Some((server.port(), ca.ca_cert_pem.clone())),
                &timeline,
            );
            (server, gateway)
        }
    };
    live_repo(&gateway, "alpha").await;
    assert!(
        fake.wait_connected_async(1, WAIT).await,
        "the Slack channel never opened a Socket Mode connection"
    );
    // the socket settles (hello, health) before the first delivery
    tokio::time::sleep(Duration::from_secs(1)).await;

    let (mut fresh, mut follow) = (Legs::default(), Legs::default());
    for i in 0..=runs {
        let (first, thread) = exchange(
            &fake,
            &timeline,
            UserMessage::dm(USER, DM, &format!("Say it, {i}.")),
            true,
        )
        .await;
        let (second, _) = exchange(
            &fake,
            &timeline,
            UserMessage::dm(USER, DM, "Once more.").in_thread(&thread),
            false,
        )
        .await;
        assert_eq!(
            first.conversation, second.conversation,
            "the follow-up joined its thread's conversation"
        );
        if i > 0 {
            fresh.add(&first);
            follow.add(&second);
        }
    }
    server.assert_no_failures();
    assert!(
        fake.auth_failures().is_empty(),
        "{:?}",
        fake.auth_failures()
    );
    gateway.send(Shutdown).await.expect("shutdown");
    (fresh, follow)
}

#[actix::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for a list; there is none
    }
    // As `main` does: two providers are in the tree (DESIGN §8).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let runs: usize = std::env::var("AIRUT_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let (new_off, follow_off) = measure(Sandbox::Off, runs).await;
    let (new_on, follow_on) = measure(Sandbox::On, runs).await;

    println!(
        "\nSlack round trip: fake Slack (Web API + Socket Mode on loopback), real gateway, \
         Claude Code on a scripted model answering at once; {runs} runs per case after one warm-up"
    );
    println!("Targets: on <= 2.5 s, off <= 1.75 s, gateway share <= 0.1 s");
    new_off.print(
        &format!("new conversation (top-level DM), {}", Sandbox::Off.name()),
        "target <= 1.75 s",
    );
    follow_off.print(
        &format!("follow-up (reply in the thread), {}", Sandbox::Off.name()),
        "target <= 1.75 s",
    );
    new_on.print(
        &format!("new conversation (top-level DM), {}", Sandbox::On.name()),
        "target <= 2.5 s",
    );
    follow_on.print(
        &format!("follow-up (reply in the thread), {}", Sandbox::On.name()),
        "target <= 2.5 s",
    );
}
