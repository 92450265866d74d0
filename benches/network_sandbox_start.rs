//! Network sandbox set-up and teardown per task: from "start the proxy" to
//! "the task container may start" (internal network, firewall rule, proxy
//! container, ready line) and the teardown, p50/p95 over 20 runs.
//!
//! `cargo bench --bench network_sandbox_start` after `source /run/airut-test/env`;
//! `AIRUT_BENCH_RUNS` sets the number of runs (default 20).

use std::time::Instant;

use airut_actors::sandbox::engine;
use airut_actors::sandbox::names::Names;
use airut_actors::sandbox::network_sandbox::{NetworkSandbox, ProxySettings};

#[path = "common/stats.rs"]
mod stats;

use stats::report;

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let runs: usize = std::env::var("AIRUT_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let host = std::env::var("DOCKER_HOST").expect("DOCKER_HOST: source /run/airut-test/env first");
    let engine = engine::discover(Some(&host)).await.expect("engine");
    let dir = tempfile::tempdir().expect("tempdir");
    let names = Names::new(&format!("bench{}", std::process::id()));
    let prepare_started = Instant::now();
    let sandbox = NetworkSandbox::prepare(
        engine,
        names,
        env!("CARGO_BIN_EXE_airut").into(),
        "debian:bookworm-slim".into(),
        &dir.path().join("run"),
    )
    .await
    .expect("prepare");
    let prepare = prepare_started.elapsed();
    let settings = ProxySettings::default();
    let mut start = Vec::new();
    let mut teardown = Vec::new();
    for i in 0..=runs {
        let log = dir.path().join(format!("net{i}.log"));
        let t0 = Instant::now();
        let session = sandbox
            .open("bench", &format!("t{i}"), &settings, &log)
            .await
            .expect("open");
        let ready = t0.elapsed();
        let t1 = Instant::now();
        sandbox.close(session).await;
        let gone = t1.elapsed();
        if i > 0 {
            start.push(ready);
            teardown.push(gone);
        }
    }
    println!(
        "network sandbox per task ({runs} runs after one warm-up); process prepare (CA, egress network): {:.1} ms",
        prepare.as_secs_f64() * 1e3
    );
    report("start: network + firewall + proxy ready", &start);
    report("teardown: proxy, network, firewall removed", &teardown);
}
