//! Every metric of `GET /metrics` (spec/metrics.md), written in the
//! Prometheus text format. Families always appear (with a zero per known
//! repo where that makes sense), so a dashboard query finds a series
//! before the first task.

use std::collections::BTreeSet;

use super::exposition::{Exposition, MetricType};
use super::gateway_metrics::Counters;
use super::live::{IntakeBacklog, LiveState, boot_phase_label};
use crate::hub::BootPhase;

const BOOT_PHASES: &[BootPhase] = &[
    BootPhase::Starting,
    BootPhase::Cleanup,
    BootPhase::Repos,
    BootPhase::Ready,
    BootPhase::ShuttingDown,
];
const REPO_STATES: &[&str] = &["starting", "live", "failed", "stopped"];
const CHANNEL_STATES: &[&str] = &["starting", "connected", "degraded", "stopped"];

/// Everything a scrape needs. `backlog` is `None` when the journal could
/// not be read (the family is then left out rather than reported as 0).
pub struct Scrape<'a> {
    pub version: &'a str,
    pub counters: &'a Counters,
    pub live: &'a LiveState,
    pub backlog: Option<&'a IntakeBacklog>,
}

pub fn render(scrape: &Scrape<'_>) -> String {
    let (counters, live) = (scrape.counters, scrape.live);
    let repos: BTreeSet<&str> = live
        .repos
        .keys()
        .chain(counters.repos.keys())
        .map(String::as_str)
        .collect();
    let mut out = Exposition::new();

    out.family(
        "airut_build_info",
        MetricType::Gauge,
        "Always 1; the version label names the running build.",
    );
    out.sample("airut_build_info", &[("version", scrape.version)], 1.0);
    out.family(
        "airut_start_time_seconds",
        MetricType::Gauge,
        "When this gateway process started its hub, in Unix seconds; counters start from zero then.",
    );
    out.sample(
        "airut_start_time_seconds",
        &[],
        counters.started_at_ms as f64 / 1000.0,
    );
    out.family(
        "airut_boot_phase",
        MetricType::Gauge,
        "1 for the gateway's current boot phase, 0 for the others.",
    );
    for phase in BOOT_PHASES {
        let on = *phase == live.boot;
        out.sample(
            "airut_boot_phase",
            &[("phase", boot_phase_label(*phase))],
            f64::from(u8::from(on)),
        );
    }
    out.family(
        "airut_ready",
        MetricType::Gauge,
        "1 once every repo has been tried at boot, until shutdown starts.",
    );
    out.sample(
        "airut_ready",
        &[],
        f64::from(u8::from(live.boot == BootPhase::Ready)),
    );

    out.family(
        "airut_repo_state",
        MetricType::Gauge,
        "1 for each repo's current state (starting, live, failed, stopped), 0 for the others.",
    );
    for (repo, state) in &live.repos {
        for known in REPO_STATES {
            out.sample(
                "airut_repo_state",
                &[("repo", repo), ("state", known)],
                f64::from(u8::from(known == state)),
            );
        }
    }
    out.family(
        "airut_channel_state",
        MetricType::Gauge,
        "1 for each channel's current health (starting, connected, degraded, stopped), 0 for the others.",
    );
    for ((repo, channel), state) in &live.channels {
        let labels =
            |s: &'static str| [("repo", repo.as_str()), ("channel", channel), ("state", s)];
        for known in CHANNEL_STATES {
            out.sample(
                "airut_channel_state",
                &labels(known),
                f64::from(u8::from(known == state)),
            );
        }
        if !CHANNEL_STATES.contains(&state.as_str()) {
            out.sample(
                "airut_channel_state",
                &[("repo", repo), ("channel", channel), ("state", state)],
                1.0,
            );
        }
    }

    for (name, help, values) in [
        (
            "airut_queued_messages",
            "Messages journaled and waiting for their conversation (not yet part of a task).",
            &live.messages_queued,
        ),
        (
            "airut_queued_tasks",
            "Tasks waiting for a slot under execution.max_concurrent.",
            &live.tasks_queued,
        ),
        (
            "airut_running_tasks",
            "Tasks holding a slot: from TaskStarted until the task's answer was sent.",
            &live.tasks_running,
        ),
    ] {
        out.family(name, MetricType::Gauge, help);
        for repo in &repos {
            let n = values.get(*repo).copied().unwrap_or(0);
            out.sample(name, &[("repo", repo)], n as f64);
        }
    }

    if let Some(backlog) = scrape.backlog {
        out.family(
            "airut_intake_backlog",
            MetricType::Gauge,
            "Intake journal entries not done yet, by state (queued, running).",
        );
        let backlog_repos: BTreeSet<&str> = repos
            .iter()
            .copied()
            .chain(backlog.entries.keys().map(|(r, _)| r.as_str()))
            .collect();
        for repo in backlog_repos {
            for state in ["queued", "running"] {
                let n = backlog
                    .entries
                    .get(&(repo.to_string(), state))
                    .copied()
                    .unwrap_or(0);
                out.sample(
                    "airut_intake_backlog",
                    &[("repo", repo), ("state", state)],
                    n as f64,
                );
            }
        }
        out.family(
            "airut_intake_backlog_damaged",
            MetricType::Gauge,
            "Open intake journal entries that could not be read.",
        );
        out.sample("airut_intake_backlog_damaged", &[], backlog.damaged as f64);
    }

    out.family(
        "airut_tasks_queued_total",
        MetricType::Counter,
        "Tasks made from messages (one task may carry several coalesced messages).",
    );
    for (repo, c) in &counters.repos {
        out.sample(
            "airut_tasks_queued_total",
            &[("repo", repo)],
            c.tasks_queued as f64,
        );
    }
    out.family(
        "airut_tasks_started_total",
        MetricType::Counter,
        "Tasks that got a slot and started.",
    );
    for (repo, c) in &counters.repos {
        out.sample(
            "airut_tasks_started_total",
            &[("repo", repo)],
            c.tasks_started as f64,
        );
    }
    out.family(
        "airut_tasks_finished_total",
        MetricType::Counter,
        "Finished tasks by outcome (success, agent_error, timeout, stopped, ...; error: could not run).",
    );
    for (repo, c) in &counters.repos {
        for (outcome, n) in &c.tasks_finished {
            out.sample(
                "airut_tasks_finished_total",
                &[("repo", repo), ("outcome", outcome)],
                *n as f64,
            );
        }
    }
    out.family(
        "airut_task_duration_seconds",
        MetricType::Histogram,
        "From a task's start (slot taken) to its finish (answer sent).",
    );
    for (repo, c) in &counters.repos {
        out.histogram(
            "airut_task_duration_seconds",
            &[("repo", repo)],
            &c.task_duration,
        );
    }
    out.family(
        "airut_task_first_event_seconds",
        MetricType::Histogram,
        "From a task's start to Claude's first stream-json event (container and Claude start-up).",
    );
    for (repo, c) in &counters.repos {
        out.histogram(
            "airut_task_first_event_seconds",
            &[("repo", repo)],
            &c.first_event,
        );
    }

    out.family(
        "airut_messages_rejected_total",
        MetricType::Counter,
        "Inbound messages a channel dropped without a task, by kind (unauthenticated, unauthorized, malformed).",
    );
    for ((repo, channel, kind), n) in &counters.messages_rejected {
        out.sample(
            "airut_messages_rejected_total",
            &[("repo", repo), ("channel", channel), ("kind", kind)],
            *n as f64,
        );
    }

    out.family(
        "airut_proxy_requests_total",
        MetricType::Counter,
        "Network sandbox decisions by kind (http, connect, dns, connection) and verdict (allowed, blocked, error), counted from each finished task's network log.",
    );
    for (repo, c) in &counters.repos {
        for ((kind, verdict), n) in &c.proxy_requests {
            out.sample(
                "airut_proxy_requests_total",
                &[("repo", repo), ("kind", kind), ("verdict", verdict)],
                *n as f64,
            );
        }
    }
    out.family(
        "airut_proxy_credentials_total",
        MetricType::Counter,
        "Credentials the proxy handled: masked (surrogate swapped for the real value), stripped, collapsed, scrubbed (real value removed from a response).",
    );
    for (repo, c) in &counters.repos {
        for (action, n) in &c.proxy_credentials {
            out.sample(
                "airut_proxy_credentials_total",
                &[("repo", repo), ("action", action)],
                *n as f64,
            );
        }
    }
    out.family(
        "airut_proxy_log_unreadable_lines_total",
        MetricType::Counter,
        "Network log lines that were not log entries.",
    );
    for (repo, c) in &counters.repos {
        out.sample(
            "airut_proxy_log_unreadable_lines_total",
            &[("repo", repo)],
            c.proxy_unreadable as f64,
        );
    }
    out.finish()
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
