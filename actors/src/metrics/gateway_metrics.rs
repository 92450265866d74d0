//! The gateway's counters and histograms, folded from the hub's events.
//! Each event costs a map lookup or two and no I/O, so the hub can keep
//! this inline. Everything here lives as long as the process: Prometheus
//! expects counters to restart from zero with it (`rate()` handles the
//! reset), and replaying history at boot would count the same tasks twice
//! across restarts.

use std::collections::{BTreeMap, HashMap};

use super::histogram::Histogram;
use super::network_decisions::NetworkDecisions;
use crate::hub::GatewayEvent;

/// Task duration buckets (seconds): tasks run from seconds to hours.
pub const DURATION_BOUNDS: &[f64] = &[
    1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0, 7200.0,
];
/// Time to Claude's first event (seconds): container start and Claude's
/// own start-up, normally a few seconds.
pub const FIRST_EVENT_BOUNDS: &[f64] = &[0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0];

/// One repo's counters.
#[derive(Debug, Clone, PartialEq)]
pub struct RepoCounters {
    pub tasks_queued: u64,
    pub tasks_started: u64,
    /// outcome → tasks.
    pub tasks_finished: BTreeMap<String, u64>,
    /// `TaskStarted` → `TaskFinished`.
    pub task_duration: Histogram,
    /// `TaskStarted` → the task's first `Claude` event.
    pub first_event: Histogram,
    /// `(kind, verdict)` → proxy log entries.
    pub proxy_requests: BTreeMap<(&'static str, &'static str), u64>,
    /// `masked` / `stripped` / `collapsed` / `scrubbed` → credentials.
    pub proxy_credentials: BTreeMap<&'static str, u64>,
    pub proxy_unreadable: u64,
}

impl Default for RepoCounters {
    fn default() -> RepoCounters {
        RepoCounters {
            tasks_queued: 0,
            tasks_started: 0,
            tasks_finished: BTreeMap::new(),
            task_duration: Histogram::new(DURATION_BOUNDS),
            first_event: Histogram::new(FIRST_EVENT_BOUNDS),
            proxy_requests: BTreeMap::new(),
            proxy_credentials: BTreeMap::new(),
            proxy_unreadable: 0,
        }
    }
}

/// What a scrape reads: every counter, no per-task state.
#[derive(Debug, Clone, PartialEq)]
pub struct Counters {
    /// Unix milliseconds when the hub started.
    pub started_at_ms: i64,
    pub repos: BTreeMap<String, RepoCounters>,
    /// `(repo, channel, kind)` → messages a channel dropped.
    pub messages_rejected: BTreeMap<(String, String, String), u64>,
}

/// A task between `TaskStarted` and `TaskFinished`.
#[derive(Debug, Clone)]
struct InFlight {
    repo_id: String,
    started_at_ms: i64,
    first_event_seen: bool,
}

#[derive(Debug, Clone)]
pub struct GatewayMetrics {
    counters: Counters,
    /// By task id; an entry lives from start to finish.
    in_flight: HashMap<String, InFlight>,
}

impl GatewayMetrics {
    pub fn new(started_at_ms: i64) -> GatewayMetrics {
        GatewayMetrics {
            counters: Counters {
                started_at_ms,
                repos: BTreeMap::new(),
                messages_rejected: BTreeMap::new(),
            },
            in_flight: HashMap::new(),
        }
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Only the rare task events get here (a Claude event once per task),
    /// so the key's allocation does not matter.
    fn repo(&mut self, repo_id: &str) -> &mut RepoCounters {
        self.counters.repos.entry(repo_id.to_string()).or_default()
    }

    /// Folds one event; `now_ms` stamps the events that carry no time
    /// (Claude's lines).
    pub fn observe(&mut self, event: &GatewayEvent, now_ms: i64) {
        match event {
            GatewayEvent::Repo { repo_id, .. } => {
                // Zeros from the start, so a rate over the first task works.
                self.repo(repo_id);
            }
            GatewayEvent::TaskQueued { task, .. } => self.repo(&task.repo_id).tasks_queued += 1,
            GatewayEvent::TaskStarted { task, at_ms, .. } => {
                self.repo(&task.repo_id).tasks_started += 1;
                self.in_flight.insert(
                    task.task_id.clone(),
                    InFlight {
                        repo_id: task.repo_id.clone(),
                        started_at_ms: *at_ms,
                        first_event_seen: false,
                    },
                );
            }
            GatewayEvent::Claude { task, .. } => {
                let Some(flight) = self.in_flight.get_mut(&task.task_id) else {
                    return;
                };
                if flight.first_event_seen {
                    return;
                }
                flight.first_event_seen = true;
                let seconds = seconds_between(flight.started_at_ms, now_ms);
                let repo_id = flight.repo_id.clone();
                self.repo(&repo_id).first_event.observe(seconds);
            }
            GatewayEvent::TaskFinished {
                task,
                outcome,
                at_ms,
                ..
            } => {
                let flight = self.in_flight.remove(&task.task_id);
                let repo = self.repo(&task.repo_id);
                match repo.tasks_finished.get_mut(outcome) {
                    Some(n) => *n += 1,
                    None => {
                        repo.tasks_finished.insert(outcome.clone(), 1);
                    }
                }
                // A task that never got a slot (stopped or failed while
                // queued) has no duration.
                if let Some(flight) = flight {
                    repo.task_duration
                        .observe(seconds_between(flight.started_at_ms, *at_ms));
                }
            }
            GatewayEvent::MessageRejected {
                repo_id,
                channel,
                kind,
                ..
            } => {
                *self
                    .counters
                    .messages_rejected
                    .entry((repo_id.clone(), channel.clone(), kind.clone()))
                    .or_default() += 1;
            }
            GatewayEvent::Boot { .. }
            | GatewayEvent::MessageQueued { .. }
            | GatewayEvent::Plan { .. }
            | GatewayEvent::MessagesClosed { .. }
            | GatewayEvent::ChannelHealth { .. }
            | GatewayEvent::ConversationRemoved { .. } => {}
        }
    }

    /// Adds what one task's proxy decided.
    pub fn add_network(&mut self, repo_id: &str, decisions: &NetworkDecisions) {
        let repo = self.repo(repo_id);
        for (key, n) in &decisions.requests {
            *repo.proxy_requests.entry(*key).or_default() += n;
        }
        for (action, n) in &decisions.credentials {
            *repo.proxy_credentials.entry(*action).or_default() += n;
        }
        repo.proxy_unreadable += decisions.unreadable;
    }
}

fn seconds_between(from_ms: i64, to_ms: i64) -> f64 {
    (to_ms.saturating_sub(from_ms)).max(0) as f64 / 1000.0
}

#[cfg(test)]
#[path = "gateway_metrics_tests.rs"]
mod tests;
