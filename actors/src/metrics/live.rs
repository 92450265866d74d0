//! Gauges read at scrape time from state that already exists: the hub's
//! live snapshot and the intake journal's open index. Computing them from
//! that state, rather than counting up and down on events, means they
//! cannot drift.

use std::collections::BTreeMap;

use crate::hub::{BootPhase, RepoStatus};
use crate::intake::Recovered;

/// The hub's side: what is queued, running and connected now.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveState {
    pub boot: BootPhase,
    /// repo → `starting`, `live`, `failed` or `stopped`.
    pub repos: BTreeMap<String, &'static str>,
    /// `(repo, channel)` → its last health state.
    pub channels: BTreeMap<(String, String), String>,
    /// repo → messages journaled and not yet part of a task.
    pub messages_queued: BTreeMap<String, u64>,
    /// repo → tasks waiting for a slot.
    pub tasks_queued: BTreeMap<String, u64>,
    /// repo → tasks holding a slot (started, not finished).
    pub tasks_running: BTreeMap<String, u64>,
}

impl LiveState {
    pub fn new(boot: BootPhase) -> LiveState {
        LiveState {
            boot,
            repos: BTreeMap::new(),
            channels: BTreeMap::new(),
            messages_queued: BTreeMap::new(),
            tasks_queued: BTreeMap::new(),
            tasks_running: BTreeMap::new(),
        }
    }

    pub fn set_repo(&mut self, repo_id: &str, status: &RepoStatus) {
        self.repos
            .insert(repo_id.to_string(), repo_state_label(status));
    }
}

pub fn repo_state_label(status: &RepoStatus) -> &'static str {
    match status {
        RepoStatus::Starting => "starting",
        RepoStatus::Live => "live",
        RepoStatus::Failed { .. } => "failed",
        RepoStatus::Stopped => "stopped",
    }
}

pub fn boot_phase_label(phase: BootPhase) -> &'static str {
    match phase {
        BootPhase::Starting => "starting",
        BootPhase::Cleanup => "cleanup",
        BootPhase::Repos => "repos",
        BootPhase::Ready => "ready",
        BootPhase::ShuttingDown => "shutting_down",
    }
}

/// Journal entries not done yet, from the open index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntakeBacklog {
    /// `(repo, "queued" | "running")` → entries.
    pub entries: BTreeMap<(String, &'static str), u64>,
    /// Open entries that could not be read.
    pub damaged: u64,
}

impl IntakeBacklog {
    /// `Recovered` is the open index read whole: queued entries, and
    /// running ones (which boot would answer as interrupted).
    pub fn from_open(open: &Recovered) -> IntakeBacklog {
        let mut backlog = IntakeBacklog {
            damaged: open.damaged.len() as u64,
            ..IntakeBacklog::default()
        };
        for (entries, state) in [(&open.queued, "queued"), (&open.interrupted, "running")] {
            for entry in entries {
                *backlog
                    .entries
                    .entry((entry.message.repo_id.clone(), state))
                    .or_default() += 1;
            }
        }
        backlog
    }
}
