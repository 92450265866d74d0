//! Requests through the proxy vs direct, on loopback HTTPS: requests per
//! second, latency (p50, p99) and the latency the proxy adds, the proxy's
//! CPU per request and its memory — for the Airut proxy (the release
//! `airut proxy`, a separate process) and for mitmproxy (the Python
//! Airut's proxy, `mitmdump` in reverse mode), under the same load in the
//! same run. Prints figures only; nothing here asserts a time. The method
//! and the figures measured are in `spec/proxy.md`, "Measured".
//!
//! mitmproxy runs with no addon, in reverse mode straight to the upstream
//! (verified against its CA, `connection_strategy=lazy`): its cheapest
//! set-up. The Python Airut ran it in regular mode with a Python filter
//! addon on every request, which can only be slower.
//!
//! ```text
//! cargo bench -p airut-proxy --bench throughput
//! AIRUT_BENCH_SECONDS=1 cargo bench -p airut-proxy --bench throughput   # quick
//! ```
//!
//! - `AIRUT_BENCH_SECONDS`: measured seconds per scenario and target
//!   (default 5; a warm-up of a fifth of that, at most 1 s, comes first).
//! - `AIRUT_BENCH_CONNECTIONS`: concurrent connections (default 16).
//! - `AIRUT_BENCH_SCENARIOS`: which of `keepalive` (N connections kept
//!   alive), `new` (a new TCP + TLS connection per request, N at once) and
//!   `single` (one kept-alive connection) to run, comma-separated (default:
//!   all three).
//! - `AIRUT_BIN`: the `airut` binary to run. Without it the bench runs
//!   `cargo build --release -p airut --bin airut` (skip with
//!   `AIRUT_BENCH_BUILD=0`) and uses `<target>/release/airut`.
//! - `AIRUT_MITMDUMP`: a `mitmdump` to use. Without it the bench runs
//!   `scripts/bench/mitmproxy-setup` (pip, idempotent);
//!   `AIRUT_BENCH_MITMPROXY=0` leaves mitmproxy out.
//!
//! Everything listens on 127.0.0.1; every loop is bounded in time and count.

mod load;
mod procs;
mod upstream;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use load::{Endpoint, Load, Mode, Outcome};
use procs::{AirutProxy, Mitmproxy, ProcStats};

/// The name every client asks for (SNI and Host), allowlisted in the proxy.
pub const HOST: &str = "bench.test";
/// The upstream's answer to every request: small and fixed.
pub const BODY: &[u8] = b"{\"ok\":true,\"from\":\"bench upstream\",\"pad\":\"0123456789abcdef\"}\n";

/// Targets from the issue (keep-alive, 16 connections).
const TARGET_PER_SECOND: f64 = 20_000.0;
const TARGET_ADDED_P50_MS: f64 = 0.5;
const TARGET_RSS_MB: f64 = 32.0;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for a list; there is none
    }
    // Load generator and upstream share two workers (the box has two cores,
    // and the proxy under test gets two of its own).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

fn env_number(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
        .unwrap_or(default)
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// `AIRUT_BIN`, or `<target>/release/airut` after a `cargo build
/// --release -p airut` (when that build fails, an older binary is used, with
/// a warning).
fn airut_binary() -> Result<PathBuf, String> {
    if let Ok(bin) = std::env::var("AIRUT_BIN") {
        return Ok(PathBuf::from(bin));
    }
    let root = workspace_root();
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    let bin = target.join("release").join("airut");
    if std::env::var("AIRUT_BENCH_BUILD").as_deref() != Ok("0") {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        eprintln!("building the proxy: cargo build --release -p airut --bin airut");
        let status = std::process::Command::new(cargo)
            .args(["build", "--release", "-p", "airut", "--bin", "airut"])
            .current_dir(&root)
            .status()
            .map_err(|e| format!("cargo: {e}"))?;
        if !status.success() {
            if !bin.exists() {
                return Err(format!("cargo build --release -p airut: {status}"));
            }
            println!(
                "WARNING: cargo build --release -p airut failed ({status}); measuring the \
                 older {}",
                bin.display()
            );
        }
    }
    if bin.exists() {
        Ok(bin)
    } else {
        Err(format!(
            "{} is missing: run `cargo build --release -p airut` or set AIRUT_BIN",
            bin.display()
        ))
    }
}

/// `AIRUT_MITMDUMP`, or whatever `scripts/bench/mitmproxy-setup` installs.
fn mitmdump_binary() -> Result<PathBuf, String> {
    if std::env::var("AIRUT_BENCH_MITMPROXY").as_deref() == Ok("0") {
        return Err("left out (AIRUT_BENCH_MITMPROXY=0)".into());
    }
    if let Ok(bin) = std::env::var("AIRUT_MITMDUMP") {
        return Ok(PathBuf::from(bin));
    }
    let script = workspace_root().join("scripts/bench/mitmproxy-setup");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("{}: {e}", script.display()))?;
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if out.status.success() && !path.is_empty() {
        Ok(PathBuf::from(path))
    } else {
        Err(format!("{} failed ({})", script.display(), out.status))
    }
}

/// One row of the table: who answered, and what the load gave.
struct Row {
    target: &'static str,
    outcome: Outcome,
}

struct Scenario {
    title: String,
    load: Load,
    rows: Vec<Row>,
}

impl Scenario {
    fn row(&self, target: &str) -> Option<&Outcome> {
        self.rows
            .iter()
            .find(|row| row.target == target)
            .map(|row| &row.outcome)
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn cpu_per_request(stats: Option<&ProcStats>, requests: u64) -> Option<f64> {
    let stats = stats?;
    (requests > 0).then(|| stats.cpu.as_secs_f64() * 1e6 / requests as f64)
}

fn opt(value: Option<f64>, width: usize, decimals: usize) -> String {
    match value {
        Some(v) => format!("{v:>width$.decimals$}"),
        None => format!("{:>width$}", "-"),
    }
}

fn print_header(scenario: &Scenario) {
    println!();
    println!("{}", scenario.title);
    println!(
        "  {:<10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>17} {:>9} {:>15} {:>10} {:>6} {:>7}",
        "target",
        "req/s",
        "p50 ms",
        "p99 ms",
        "+p50 ms",
        "+p99 ms",
        "proxy CPU µs/req",
        "ctxsw/req",
        "proxy RSS/peak",
        "bench µs/req",
        "errors",
        "others"
    );
}

fn print_row(row: &Row, direct: Option<&Outcome>) {
    let o = &row.outcome;
    let added = |f: fn(&Outcome) -> Duration| {
        direct
            .filter(|_| row.target != "direct")
            .map(|d| ms(f(o)) - ms(f(d)))
    };
    let cpu = match (cpu_per_request(o.server.as_ref(), o.requests), o.server) {
        (Some(per), Some(stats)) if !stats.cpu.is_zero() => format!(
            "{per:.1} ({:.0}% sys)",
            100.0 * stats.sys.as_secs_f64() / stats.cpu.as_secs_f64()
        ),
        _ => "-".into(),
    };
    let switches = o
        .server
        .filter(|_| o.requests > 0)
        .map(|s| s.switches as f64 / o.requests as f64);
    let memory = o
        .server
        .map(|s| format!("{:.1}/{:.1} MB", mb(s.rss_kb), mb(s.hwm_kb)))
        .unwrap_or_else(|| "-".into());
    println!(
        "  {:<10} {:>8.0} {:>8.3} {:>8.3} {} {} {:>17} {} {:>15} {} {:>6} {:>7}",
        row.target,
        o.per_second,
        ms(o.p50),
        ms(o.p99),
        opt(added(|o| o.p50), 8, 3),
        opt(added(|o| o.p99), 8, 3),
        cpu,
        opt(switches, 9, 2),
        memory,
        opt(cpu_per_request(o.bench.as_ref(), o.requests), 10, 1),
        o.errors,
        o.others
            .map(|f| format!("{:.0}%", f * 100.0))
            .unwrap_or_else(|| "-".into()),
    );
    if let Some(err) = &o.first_error {
        println!("             first error: {err}");
    }
}

async fn run() {
    let seconds = env_number("AIRUT_BENCH_SECONDS", 5.0);
    let connections = env_number("AIRUT_BENCH_CONNECTIONS", 16.0).round() as usize;
    let duration = Duration::from_secs_f64(seconds);
    let warmup = Duration::from_secs_f64((seconds / 5.0).min(1.0));

    let dir = tempfile::tempdir().expect("tempdir");
    let upstream = upstream::start().await;
    let upstream_ca = dir.path().join("upstream-ca.pem");
    std::fs::write(&upstream_ca, &upstream.ca_pem).expect("write upstream CA");

    let airut = match airut_binary() {
        Ok(bin) => AirutProxy::start(&bin, upstream.addr, &upstream.ca_pem, dir.path()).await,
        Err(err) => Err(err),
    };
    let airut = match airut {
        Ok(proxy) => Some(proxy),
        Err(err) => {
            println!("airut proxy: not measured: {err}");
            None
        }
    };
    let mitm = match mitmdump_binary() {
        Ok(bin) => Mitmproxy::start(&bin, upstream.addr, &upstream_ca, dir.path()).await,
        Err(err) => Err(err),
    };
    let mitm = match mitm {
        Ok(proxy) => Some(proxy),
        Err(err) => {
            println!("mitmproxy: not measured: {err}");
            None
        }
    };

    let mut targets: Vec<(&'static str, Arc<Endpoint>, Option<u32>)> = Vec::new();
    let direct = Endpoint::new(upstream.addr, &upstream.ca_pem).expect("direct endpoint");
    targets.push(("direct", Arc::new(direct), None));
    if let Some(proxy) = &airut {
        let endpoint = Endpoint::new(proxy.https, &proxy.ca_pem).expect("airut endpoint");
        targets.push(("airut", Arc::new(endpoint), Some(proxy.pid)));
    }
    if let Some(proxy) = &mitm {
        let endpoint = Endpoint::new(proxy.addr, &proxy.ca_pem).expect("mitmproxy endpoint");
        targets.push(("mitmproxy", Arc::new(endpoint), Some(proxy.pid)));
    }
    // One request each before any load: a broken set-up shows here, once.
    let mut usable = Vec::new();
    for (name, endpoint, pid) in targets {
        match endpoint.probe().await {
            Ok(()) => usable.push((name, endpoint, pid)),
            Err(err) => println!("{name}: not measured: first request failed: {err}"),
        }
    }
    let idle: Vec<_> = usable
        .iter()
        .filter_map(|(name, _, pid)| Some((*name, ProcStats::read((*pid)?)?)))
        .collect();

    println!(
        "\nloopback HTTPS (TLS 1.3, HTTP/1.1, {} B body), {:.1} s measured after {:.1} s warm-up per row; \
         `+` = added over direct; µs/req = CPU time (user+sys) per request of the proxy process \
         and of this bench process (clients + upstream); ctxsw = the proxy's context switches; \
         others = the machine's cores busy with other processes meanwhile (high: not the proxy's figures alone)",
        BODY.len(),
        duration.as_secs_f64(),
        warmup.as_secs_f64()
    );
    for (name, stats) in &idle {
        println!(
            "{name} idle before load: RSS {:.1} MB, CPU so far {:.2} s",
            mb(stats.rss_kb),
            stats.cpu.as_secs_f64()
        );
    }

    let chosen =
        std::env::var("AIRUT_BENCH_SCENARIOS").unwrap_or_else(|_| "keepalive,new,single".into());
    let plan = [
        ("keepalive", Mode::KeepAlive, connections, "keep-alive"),
        (
            "new",
            Mode::NewConnection,
            connections,
            "new connection per request",
        ),
        ("single", Mode::KeepAlive, 1, "keep-alive"),
    ];
    let mut scenarios = Vec::new();
    for (key, mode, connections, label) in plan {
        if !chosen.split(',').any(|c| c.trim() == key) {
            continue;
        }
        let mut scenario = Scenario {
            title: format!(
                "{label}, {connections} connection{}",
                if connections == 1 { "" } else { "s" }
            ),
            load: Load {
                mode,
                connections,
                warmup,
                duration,
            },
            rows: Vec::new(),
        };
        print_header(&scenario);
        for (name, endpoint, pid) in &usable {
            let outcome = load::run(endpoint, &scenario.load, *pid).await;
            let row = Row {
                target: name,
                outcome,
            };
            print_row(&row, scenario.row("direct"));
            scenario.rows.push(row);
        }
        if let (Some(a), Some(m)) = (scenario.row("airut"), scenario.row("mitmproxy")) {
            print_ratios(a, m, scenario.row("direct"));
        }
        scenarios.push(scenario);
    }

    print_targets(&scenarios, airut.as_ref());

    if let Some(proxy) = airut {
        let proxy_requests: u64 = scenarios
            .iter()
            .filter_map(|s| s.row("airut"))
            .map(|o| o.requests_total)
            .sum::<u64>()
            + 1;
        let logged = std::fs::read_to_string(&proxy.log_path)
            .unwrap_or_default()
            .lines()
            .filter(|line| line.contains("\"kind\":\"http\""))
            .count();
        println!(
            "airut network log: {logged} http entries for {proxy_requests} requests served \
             (a request still being logged at the end is not counted)"
        );
        proxy.stop().await;
    }
    if let Some(proxy) = mitm {
        proxy.stop().await;
    }
}

fn print_ratios(airut: &Outcome, mitm: &Outcome, direct: Option<&Outcome>) {
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    let mut line = format!(
        "  airut / mitmproxy: req/s ×{:.2}, p50 ×{:.2}, p99 ×{:.2}",
        ratio(airut.per_second, mitm.per_second),
        ratio(ms(airut.p50), ms(mitm.p50)),
        ratio(ms(airut.p99), ms(mitm.p99)),
    );
    if let Some(d) = direct {
        line += &format!(
            ", added p50 ×{:.2}",
            ratio(ms(airut.p50) - ms(d.p50), ms(mitm.p50) - ms(d.p50))
        );
    }
    if let (Some(a), Some(m)) = (
        cpu_per_request(airut.server.as_ref(), airut.requests),
        cpu_per_request(mitm.server.as_ref(), mitm.requests),
    ) {
        line += &format!(", CPU/req ×{:.2}", ratio(a, m));
    }
    println!("{line}");
}

fn print_targets(scenarios: &[Scenario], airut: Option<&AirutProxy>) {
    let Some(main) = scenarios
        .iter()
        .find(|s| s.load.mode == Mode::KeepAlive && s.load.connections > 1)
    else {
        return;
    };
    let (Some(a), Some(d)) = (main.row("airut"), main.row("direct")) else {
        return;
    };
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    let added = ms(a.p50) - ms(d.p50);
    let peak = airut
        .and_then(|p| ProcStats::read(p.pid))
        .map(|s| mb(s.hwm_kb))
        .unwrap_or(f64::NAN);
    println!("\ntargets ({}, airut):", main.title);
    println!(
        "  req/s        {:>9.0}  (target ≥ {TARGET_PER_SECOND:.0}; prototype 24800): {}",
        a.per_second,
        verdict(a.per_second >= TARGET_PER_SECOND)
    );
    println!(
        "  added p50    {added:>9.3} ms (target ≤ {TARGET_ADDED_P50_MS} ms; prototype 0.44): {}",
        verdict(added <= TARGET_ADDED_P50_MS)
    );
    println!(
        "  peak RSS     {peak:>9.1} MB (target ≤ {TARGET_RSS_MB} MB; prototype 15, whole run): {}",
        verdict(peak <= TARGET_RSS_MB)
    );
}
