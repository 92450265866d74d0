//! The dashboard WebSocket's fan-out: a gateway (recording test channel,
//! real git mirror, task image and Claude Code against a scripted model
//! that answers "ok", network sandbox off) with a hub and the web server
//! in this process; N WebSocket clients (default 50) subscribed to
//! `state`; then M new conversations at once (default 10) under
//! `max_concurrent: 4`.
//!
//! Every event the `state` topic wants (all but Claude stream lines) is
//! timestamped where the gateway's `EventSink` sees it (this bench's sink
//! does what the fixture's does: publish to the hub, record) and again
//! where each client reads its frame. Events are matched by (event type,
//! task / conversation / repo id, n-th occurrence of that pair): the hub,
//! its broadcast and every socket keep the publication order. A direct
//! broadcast receiver (the "tap") splits the delay into sink -> hub
//! broadcast and broadcast -> client. The clients run on their own
//! 2-thread tokio runtime, as browsers would run elsewhere; the gateway,
//! hub and web server run on actix's threads as in `airut`.
//!
//! `cargo bench --bench dashboard_ws` (after `source /run/airut-test/env`);
//! `AIRUT_BENCH_CLIENTS` and `AIRUT_BENCH_CONVERSATIONS` change N and M.

#[path = "../tests/support/mod.rs"]
mod support;

#[path = "common/stats.rs"]
mod stats;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix::{Actor, Addr};
use airut_actors::channel::ChannelCall;
use airut_actors::gateway::{Gateway, Shutdown};
use airut_actors::hub::{EventSink, GatewayEvent, Hub, Publish, Subscribe};
use airut_actors::intake::Recorded;
use airut_actors::repo::{RepoActor, Submit};
use airut_testkit::model_server::{ModelServer, Script, Turn};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use support::gateway_fixture::{GatewayFixture, config_yaml, live_repo, message, upstream};
use support::web_fixture::start_web;
use tokio_tungstenite::tungstenite::Message;

use stats::{percentile, report};

const MAX_CONCURRENT: usize = 4;
const TARGET_P99: Duration = Duration::from_millis(50);

/// (event type, task / conversation / repo id)
type Kind = (String, String);
/// A `Kind` and its occurrence number.
type Key = (String, String, usize);

fn kind_of(event: &Value) -> Kind {
    let t = event["type"].as_str().unwrap_or_default().to_string();
    let id = event["task"]["task_id"]
        .as_str()
        .or_else(|| event["conversation_id"].as_str())
        .or_else(|| event["repo_id"].as_str())
        .unwrap_or_default()
        .to_string();
    (t, id)
}

/// Numbers each kind's occurrences, in order.
fn keyed<T>(items: impl IntoIterator<Item = (Kind, T)>) -> Vec<(Key, T)> {
    let mut seen: HashMap<Kind, usize> = HashMap::new();
    items
        .into_iter()
        .map(|((t, id), x)| {
            let n = seen.entry((t.clone(), id.clone())).or_default();
            *n += 1;
            ((t, id, *n), x)
        })
        .collect()
}

#[derive(Default)]
struct ClientLog {
    ready: bool,
    /// `event` frames on `state`: arrival and kind.
    events: Vec<(Instant, Kind)>,
    resyncs: usize,
    other: usize,
    closed: Option<String>,
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next_text(ws: &mut Ws) -> Result<(Instant, Value), String> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => {
                let at = Instant::now();
                let v = serde_json::from_str(text.as_str()).map_err(|e| e.to_string())?;
                return Ok((at, v));
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.to_string()),
            None => return Err("closed".into()),
        }
    }
}

async fn client(base: String, log: Arc<Mutex<ClientLog>>) {
    let fail = |e: String| log.lock().expect("log").closed = Some(e);
    let url = format!("{}/api/ws", base.replace("http://", "ws://"));
    let mut ws = match tokio_tungstenite::connect_async(url).await {
        Ok((ws, _)) => ws,
        Err(e) => return fail(format!("connect: {e}")),
    };
    match next_text(&mut ws).await {
        Ok((_, hello)) if hello["type"] == "hello" => {}
        other => return fail(format!("no hello: {other:?}")),
    }
    if let Err(e) = ws
        .send(Message::text(r#"{"subscribe":"state"}"#.to_string()))
        .await
    {
        return fail(format!("send: {e}"));
    }
    match next_text(&mut ws).await {
        Ok((_, snap)) if snap["type"] == "snapshot" => {}
        other => return fail(format!("no snapshot: {other:?}")),
    }
    log.lock().expect("log").ready = true;
    loop {
        match next_text(&mut ws).await {
            Ok((at, msg)) => {
                let mut log = log.lock().expect("log");
                match msg["type"].as_str() {
                    Some("event") => log.events.push((at, kind_of(&msg["event"]))),
                    Some("resync") => log.resyncs += 1,
                    _ => log.other += 1,
                }
            }
            Err(e) => return fail(e),
        }
    }
}

/// `/proc/self/stat` utime + stime, in seconds (USER_HZ 100).
fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // after the comm: state is field 3, utime 14, stime 15
    let tick = |i: usize| {
        fields
            .get(i - 3)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0) as f64
            / 100.0
    };
    (tick(14), tick(15))
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

/// As the fixture's `start`, with a sink that timestamps what it records.
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

async fn submit(repo: &Addr<RepoActor>, key: &str) -> Result<String, String> {
    match repo
        .send(Submit(message(
            "alpha",
            key,
            &format!("t-{key}"),
            "Say ok.",
        )))
        .await
    {
        Ok(Ok(Recorded::Accepted {
            conversation_id, ..
        })) => Ok(conversation_id.to_string()),
        Ok(Ok(other)) => Err(format!("not accepted: {other:?}")),
        Ok(Err(error)) => Err(format!("submit: {error}")),
        Err(error) => Err(format!("repo actor: {error}")),
    }
}

fn replied(calls: &[ChannelCall], conversation: &str) -> bool {
    calls.iter().any(|c| match c {
        ChannelCall::Reply {
            conversation: c, ..
        }
        | ChannelCall::ErrorReply {
            conversation: c, ..
        } => c.as_str() == conversation,
        _ => false,
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[actix::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for a list; there is none
    }
    let env_n = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let n_clients = env_n("AIRUT_BENCH_CLIENTS", 50);
    let n_conversations = env_n("AIRUT_BENCH_CONVERSATIONS", 10);

    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    let server = ModelServer::start_for_containers(Script::new().turn(Turn::text("ok").forever()));
    let fx = GatewayFixture::new(root);
    let hub = Hub::new(fx.store.clone()).start();
    let published: Arc<Mutex<Vec<(Instant, GatewayEvent)>>> = Arc::default();
    let sink = {
        let (published, hub) = (Arc::clone(&published), hub.clone());
        EventSink::from_fn(move |event| {
            let at = Instant::now();
            hub.do_send(Publish(event.clone()));
            published.lock().expect("published").push((at, event));
        })
    };
    let gateway = start_gateway(
        &fx,
        &config_yaml(&[("alpha", &url)], MAX_CONCURRENT, 30),
        &server.container_base_url(),
        sink,
    );
    let web = start_web(&fx, &gateway, &hub, None);
    let repo = live_repo(&gateway, "alpha").await;
    let channel = fx.channels.channel("alpha");

    // warm-up, before the clients: the first task builds the task image
    let warm_started = Instant::now();
    let warm = submit(&repo, "warm").await.expect("warm-up submit");
    channel
        .wait_for(Duration::from_secs(600), |calls| replied(calls, &warm))
        .await;
    let warm_up = warm_started.elapsed();

    // the clients, on their own runtime
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("client runtime");
    let logs: Vec<Arc<Mutex<ClientLog>>> = (0..n_clients).map(|_| Arc::default()).collect();
    let connect_started = Instant::now();
    for log in &logs {
        rt.spawn(client(web.base.clone(), Arc::clone(log)));
    }
    loop {
        let (ready, failed) = logs.iter().fold((0, 0), |(r, f), l| {
            let l = l.lock().expect("log");
            (r + l.ready as usize, f + l.closed.is_some() as usize)
        });
        if ready + failed == n_clients || connect_started.elapsed() > Duration::from_secs(30) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let connected = connect_started.elapsed();
    // the tap: a broadcast receiver of the hub's own
    let tap: Arc<Mutex<Vec<(Instant, Kind)>>> = Arc::default();
    {
        let (_, mut rx) = hub.send(Subscribe).await.expect("hub");
        let tap = Arc::clone(&tap);
        rt.spawn(async move {
            while let Ok(event) = rx.recv().await {
                let at = Instant::now();
                if matches!(*event, GatewayEvent::Claude { .. }) {
                    continue;
                }
                let v = serde_json::to_value(&*event).unwrap_or_default();
                tap.lock().expect("tap").push((at, kind_of(&v)));
            }
        });
    }
    // let anything in flight settle, then the measured phase starts
    tokio::time::sleep(Duration::from_millis(500)).await;
    let n0 = published.lock().expect("published").len();
    let clients_before: Vec<usize> = logs
        .iter()
        .map(|l| l.lock().expect("log").events.len())
        .collect();
    let stray_before: usize = clients_before.iter().sum();

    let cpu_before = cpu_seconds();
    let rss_before = vm_kb("VmRSS:");
    let hwm_before = vm_kb("VmHWM:");
    let phase_started = Instant::now();
    let submits = (0..n_conversations).map(|i| {
        let repo = repo.clone();
        async move { submit(&repo, &format!("c{i}")).await }
    });
    let conversations: Vec<String> = futures_util::future::join_all(submits)
        .await
        .into_iter()
        .filter_map(|r| r.map_err(|e| println!("submit failed: {e}")).ok())
        .collect();
    let calls = channel
        .wait_for(Duration::from_secs(900), |calls| {
            conversations.iter().all(|c| replied(calls, c))
        })
        .await;
    let answered = conversations.iter().filter(|c| replied(&calls, c)).count();
    // TaskFinished follows the reply
    let settle = Instant::now();
    while settle.elapsed() < Duration::from_secs(10) {
        let finished = published.lock().expect("published")[n0..]
            .iter()
            .filter(|(_, e)| matches!(e, GatewayEvent::TaskFinished { .. }))
            .count();
        if finished >= conversations.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let tasks_wall = phase_started.elapsed();

    // what the clients should get: every non-Claude event since n0
    let expected: Vec<(Key, Instant)> = {
        let published = published.lock().expect("published");
        keyed(
            published[n0..]
                .iter()
                .filter(|(_, e)| !matches!(e, GatewayEvent::Claude { .. }))
                .map(|(at, e)| (kind_of(&serde_json::to_value(e).unwrap_or_default()), *at)),
        )
    };
    let claude_events = published.lock().expect("published")[n0..]
        .iter()
        .filter(|(_, e)| matches!(e, GatewayEvent::Claude { .. }))
        .count();
    let expected_at: HashMap<Key, Instant> = expected.iter().cloned().collect();
    // wait (up to 10 s) for every client to have all of them
    let deliver = Instant::now();
    while deliver.elapsed() < Duration::from_secs(10) {
        let behind = logs.iter().zip(&clients_before).any(|(l, b)| {
            let l = l.lock().expect("log");
            l.closed.is_none() && l.events.len() - b < expected.len()
        });
        if !behind {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let phase_wall = phase_started.elapsed();
    let cpu_after = cpu_seconds();
    let rss_after = vm_kb("VmRSS:");
    let hwm_after = vm_kb("VmHWM:");

    // match
    let mut delays = Vec::new();
    let mut per_event: HashMap<Key, Vec<Instant>> = HashMap::new();
    let mut misses = 0;
    let mut extras = 0;
    let mut resyncs = 0;
    let mut other = 0;
    let mut clients_complete = 0;
    let mut closed = Vec::new();
    for (log, before) in logs.iter().zip(&clients_before) {
        let log = log.lock().expect("log");
        resyncs += log.resyncs;
        other += log.other;
        if let Some(why) = &log.closed {
            closed.push(why.clone());
        }
        let got = keyed(log.events[*before..].iter().map(|(at, k)| (k.clone(), *at)));
        let mut matched = 0;
        for (key, arrived) in got {
            match expected_at.get(&key) {
                Some(at) => {
                    matched += 1;
                    delays.push(arrived.saturating_duration_since(*at));
                    per_event.entry(key).or_default().push(arrived);
                }
                None => extras += 1,
            }
        }
        misses += expected.len() - matched.min(expected.len());
        if matched == expected.len() {
            clients_complete += 1;
        }
    }
    // sink -> hub broadcast, from the tap
    let tap_delays: Vec<Duration> = {
        let tap = tap.lock().expect("tap");
        keyed(tap.iter().map(|(at, k)| (k.clone(), *at)))
            .into_iter()
            .filter_map(|(key, at)| Some(at.saturating_duration_since(*expected_at.get(&key)?)))
            .collect()
    };
    // broadcast -> first / last client, per event
    let tap_at: HashMap<Key, Instant> = {
        let tap = tap.lock().expect("tap");
        keyed(tap.iter().map(|(at, k)| (k.clone(), *at)))
            .into_iter()
            .collect()
    };
    let mut first_client = Vec::new();
    let mut spread = Vec::new();
    for (key, arrivals) in &per_event {
        let (Some(min), Some(max)) = (arrivals.iter().min(), arrivals.iter().max()) else {
            continue;
        };
        if let Some(t) = tap_at.get(key) {
            first_client.push(min.saturating_duration_since(*t));
        }
        spread.push(*max - *min);
    }
    // per event type
    let mut by_type: std::collections::BTreeMap<String, Vec<Duration>> = Default::default();
    for (key, arrivals) in &per_event {
        let at = expected_at[key];
        by_type
            .entry(key.0.clone())
            .or_default()
            .extend(arrivals.iter().map(|a| a.saturating_duration_since(at)));
    }

    let shutdown = gateway.send(Shutdown).await;
    web.handle.stop(false).await;
    rt.shutdown_background();

    let p99 = percentile(&delays, 99.0);
    println!(
        "dashboard WebSocket fan-out: {n_clients} clients subscribed to `state`, \
         {n_conversations} new conversations at once, max_concurrent {MAX_CONCURRENT}, \
         Claude Code against a scripted model (Turn::text(\"ok\").forever()), network sandbox off"
    );
    println!(
        "warm-up task (image build, before the clients): {:.2} s; {n_clients} clients connected \
         and had their snapshot after {:.1} ms",
        warm_up.as_secs_f64(),
        ms(connected)
    );
    println!(
        "tasks: {answered} of {} answered; submit -> last TaskFinished {:.2} s; \
         {} state events published ({} Claude lines not sent on `state`)",
        conversations.len(),
        tasks_wall.as_secs_f64(),
        expected.len(),
        claude_events
    );
    println!(
        "publication (EventSink) -> client frame, over {} (event, client) pairs:",
        delays.len()
    );
    println!(
        "  p50 {:.2} ms  p99 {:.2} ms (target <= {} ms: {})  max {:.2} ms",
        ms(percentile(&delays, 50.0)),
        ms(p99),
        TARGET_P99.as_millis(),
        if delays.is_empty() {
            "no samples"
        } else if p99 <= TARGET_P99 {
            "met"
        } else {
            "MISSED"
        },
        ms(delays.iter().max().copied().unwrap_or_default())
    );
    for (t, d) in &by_type {
        report(&format!("  {t}"), d);
    }
    println!("where the delay is:");
    report("  EventSink -> hub broadcast (tap)", &tap_delays);
    report("  hub broadcast -> first client", &first_client);
    report("  first -> last client of an event", &spread);
    println!(
        "delivery: {clients_complete} of {n_clients} clients got every one of the {} events; \
         {misses} missed (event, client) pairs, {extras} unmatched extra events, {resyncs} resyncs, \
         {other} other messages; {stray_before} events before the measured phase; {} sockets closed",
        expected.len(),
        closed.len()
    );
    for why in closed.iter().take(5) {
        println!("  closed: {why}");
    }
    let (u0, s0) = cpu_before;
    let (u1, s1) = cpu_after;
    let cpu = (u1 - u0) + (s1 - s0);
    println!(
        "process CPU over the measured phase ({:.2} s wall): user {:.2} s + system {:.2} s = {:.2} s \
         ({:.1}% of one core); gateway, hub, web server, model server and the {n_clients} clients \
         all run in this process (containers and Claude Code do not)",
        phase_wall.as_secs_f64(),
        u1 - u0,
        s1 - s0,
        cpu,
        cpu / phase_wall.as_secs_f64() * 100.0
    );
    println!(
        "RSS: {:.1} MB before, {:.1} MB after; VmHWM {:.1} MB before, {:.1} MB after",
        rss_before as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        hwm_before as f64 / 1024.0,
        hwm_after as f64 / 1024.0
    );
    println!(
        "shutdown: {:?}; model server: {} requests, {} failure(s)",
        shutdown.map(|r| format!("{r:?}")),
        server.requests().len(),
        server.failures().len()
    );
}
