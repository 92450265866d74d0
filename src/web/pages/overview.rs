//! The overview and repo pages from the hub's snapshot: boot banner,
//! repos with their channels, the queued / running / done columns and
//! the recent rejections. Pure: `now_ms` comes from the caller.

use airut_actors::hub::{BootPhase, HubSnapshot, RepoStatus, TaskRecord, TaskStatus};

use super::format::{duration_ms, ellipsize, utc};
use super::task_view::outcome_style;

pub const TITLE_CHARS: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootView {
    /// `starting`, `cleanup`, `repos`, `ready`, `shutting_down`.
    pub phase: &'static str,
    pub ready: bool,
    pub failed_repos: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelView {
    pub name: String,
    pub state: String,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoView {
    pub id: String,
    /// `starting`, `live`, `failed`, `stopped`.
    pub status: &'static str,
    pub error: String,
    pub retry_at: String,
    pub channels: Vec<ChannelView>,
}

/// One card of a column: a task, or a message not yet made into one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// Empty for a queued message.
    pub task_id: String,
    pub conversation_id: String,
    pub repo_id: String,
    pub title: String,
    pub sender: String,
    pub icon: &'static str,
    /// CSS class of the outcome: `ok`, `bad`, `warn`, `` (none yet).
    pub class: &'static str,
    pub timing: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectionView {
    pub at: String,
    pub repo_id: String,
    pub channel: String,
    pub sender: String,
    pub kind: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverviewView {
    pub boot: BootView,
    pub repos: Vec<RepoView>,
    pub queued: Vec<Card>,
    pub running: Vec<Card>,
    pub done: Vec<Card>,
    /// Newest first.
    pub rejections: Vec<RejectionView>,
}

pub fn overview(snapshot: &HubSnapshot, now_ms: i64) -> OverviewView {
    let repos: Vec<RepoView> = snapshot
        .repos
        .iter()
        .map(|(id, status)| repo_view(snapshot, id, status))
        .collect();
    let mut queued: Vec<Card> = snapshot
        .queued_messages
        .iter()
        .map(|m| Card {
            task_id: String::new(),
            conversation_id: m.conversation_id.to_string(),
            repo_id: m.repo_id.clone(),
            title: title(m.title.as_deref()),
            sender: m.sender.clone(),
            icon: "✉",
            class: "",
            timing: format!("Waiting: {}", duration_ms(now_ms - m.at_ms)),
        })
        .collect();
    let cards = |status: TaskStatus| {
        snapshot
            .tasks
            .iter()
            .filter(move |t| t.status == status)
            .map(move |t| card(t, now_ms))
    };
    // The snapshot is newest first; queued work reads oldest first.
    queued.extend(cards(TaskStatus::Queued).rev());
    OverviewView {
        boot: BootView {
            phase: boot_phase(snapshot.boot),
            ready: snapshot.boot == BootPhase::Ready,
            failed_repos: repos.iter().filter(|r| r.status == "failed").count(),
        },
        repos,
        queued,
        running: cards(TaskStatus::Running).collect(),
        done: cards(TaskStatus::Finished).collect(),
        rejections: snapshot
            .rejections
            .iter()
            .rev()
            .map(|r| RejectionView {
                at: utc(r.at_ms),
                repo_id: r.repo_id.clone(),
                channel: r.channel.clone(),
                sender: r.sender.clone(),
                kind: r.kind.clone(),
                reason: r.reason.clone(),
            })
            .collect(),
    }
}

/// One repo of the snapshot; `None` for a repo it does not know.
pub fn repo(snapshot: &HubSnapshot, id: &str) -> Option<RepoView> {
    let status = snapshot.repos.get(id)?;
    Some(repo_view(snapshot, id, status))
}

fn repo_view(snapshot: &HubSnapshot, id: &str, status: &RepoStatus) -> RepoView {
    let (name, error, retry_at) = match status {
        RepoStatus::Starting => ("starting", String::new(), String::new()),
        RepoStatus::Live => ("live", String::new(), String::new()),
        RepoStatus::Failed { error, retry_at_ms } => ("failed", error.clone(), utc(*retry_at_ms)),
        RepoStatus::Stopped => ("stopped", String::new(), String::new()),
    };
    let prefix = format!("{id}/");
    RepoView {
        id: id.to_string(),
        status: name,
        error,
        retry_at,
        channels: snapshot
            .channels
            .iter()
            .filter_map(|(key, state)| {
                Some(ChannelView {
                    name: key.strip_prefix(&prefix)?.to_string(),
                    state: state.state.clone(),
                    error: state.error.clone().unwrap_or_default(),
                })
            })
            .collect(),
    }
}

pub fn card(task: &TaskRecord, now_ms: i64) -> Card {
    let (icon, class) = match task.status {
        TaskStatus::Queued => ("…", ""),
        TaskStatus::Running => ("▶", ""),
        TaskStatus::Finished => outcome_style(task.outcome.as_deref().unwrap_or("")),
    };
    let timing = match (task.status, task.started_at_ms, task.finished_at_ms) {
        (TaskStatus::Queued, _, _) => {
            format!("Waiting: {}", duration_ms(now_ms - task.queued_at_ms))
        }
        (TaskStatus::Running, Some(start), _) => {
            format!("Running: {}", duration_ms(now_ms - start))
        }
        (TaskStatus::Finished, start, Some(end)) => format!(
            "Took: {}",
            duration_ms(end - start.unwrap_or(task.queued_at_ms))
        ),
        _ => String::new(),
    };
    Card {
        task_id: task.task.task_id.clone(),
        conversation_id: task.task.conversation_id.to_string(),
        repo_id: task.task.repo_id.clone(),
        title: title(task.title.as_deref()),
        sender: task.sender.clone(),
        icon,
        class,
        timing,
    }
}

fn title(title: Option<&str>) -> String {
    match title.map(str::trim) {
        Some(t) if !t.is_empty() => ellipsize(t, TITLE_CHARS),
        _ => "(no subject)".to_string(),
    }
}

fn boot_phase(phase: BootPhase) -> &'static str {
    match phase {
        BootPhase::Starting => "starting",
        BootPhase::Cleanup => "cleanup",
        BootPhase::Repos => "repos",
        BootPhase::Ready => "ready",
        BootPhase::ShuttingDown => "shutting_down",
    }
}

#[cfg(test)]
#[path = "overview_tests.rs"]
pub(super) mod tests;
