//! The Slack answer pipeline without the network: Markdown → mrkdwn,
//! mention rewriting and splitting (actors/src/channel/slack/render), on a
//! short answer, a typical long one (prose, lists, code, a table) and the
//! reference's ~70,000-character worst case, plus the plan message.
//!
//! `cargo bench --bench slack_render`; `AIRUT_BENCH_RUNS` sets the runs per
//! case (default 200, after 5 warm-ups).

#[path = "common/stats.rs"]
mod stats;

use std::hint::black_box;
use std::time::{Duration, Instant};

use airut_actors::channel::PlanItem;
use airut_actors::channel::slack::render::mentions::participant;
use airut_actors::channel::slack::render::{
    SplitLimits, plan_delivery, render_plan, rewrite_mentions, to_mrkdwn,
};

fn typical(sections: usize) -> String {
    let mut text = String::new();
    for i in 0..sections {
        text.push_str(&format!(
            "## Step {i}\n\nI looked at **`src/module_{i}.rs`** and @ann's note; \
             see [the docs](https://example.com/docs/{i}?a=1&b=2).\n\n\
             - first point with _emphasis_\n- second point\n  - nested detail\n\n\
             ```rust\nfn step_{i}() -> u32 {{\n    {i} * 2\n}}\n```\n\n\
             | file | lines |\n|---|---:|\n| a_{i}.rs | {i} |\n| b.rs | 20 |\n\n"
        ));
    }
    text
}

fn measure(name: &str, runs: usize, mut f: impl FnMut()) {
    for _ in 0..5 {
        f();
    }
    let samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    stats::report(name, &samples);
}

fn main() {
    let runs = std::env::var("AIRUT_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(200);
    let people = vec![
        participant("U1", "ann", "Ann Lee", "ann.lee"),
        participant("U2", "bob", "Bob Stone", "bstone"),
    ];
    let limits = SplitLimits::default();
    let worst: String = (0..7000).map(|i| format!("line {i:05}\n")).collect();
    let cases = [
        (
            "short answer (40 chars)",
            "Done: the build passes again, see @ann.".to_string(),
        ),
        ("typical long answer (~10k chars)", typical(25)),
        ("worst case (70k chars, 7000 lines)", worst),
    ];
    for (name, markdown) in &cases {
        measure(&format!("render+mentions+split: {name}"), runs, || {
            let rendered = rewrite_mentions(&to_mrkdwn(black_box(markdown)), &people);
            black_box(plan_delivery(&rendered, &limits));
        });
    }
    let items: Vec<PlanItem> = (0..30)
        .map(|i| PlanItem {
            content: format!("Step {i}: change module {i} and run its tests"),
            status: ["completed", "in_progress", "pending"][i % 3].to_string(),
        })
        .collect();
    measure("plan message (30 items)", runs, || {
        black_box(render_plan(black_box(&items)));
    });
}
