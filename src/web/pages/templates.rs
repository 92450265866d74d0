//! The askama templates (files under `templates/`) and what they are
//! given. HTML escaping is askama's default for `.html` and stays on:
//! nothing here is marked safe.

use askama::Template;

use super::network_view::NetworkRow;
use super::overview::{Card, OverviewView, RepoView};
use super::task_view::{ConversationSummary, TaskView};
// `ItemKind` is named by `actions.html`.
use super::timeline::{ItemKind, TimelineItem};

pub struct Crumb {
    /// Empty for the current page.
    pub href: String,
    pub label: String,
}

impl Crumb {
    pub fn link(href: impl Into<String>, label: impl Into<String>) -> Crumb {
        Crumb {
            href: href.into(),
            label: label.into(),
        }
    }

    pub fn here(label: impl Into<String>) -> Crumb {
        Crumb::link("", label)
    }
}

/// What every page's frame needs.
pub struct PageMeta {
    pub title: String,
    /// The gateway process; the script reloads when it changes.
    pub instance: String,
    /// The WebSocket topics the script follows, space-separated
    /// (`state`, `task:<id>`, `conversation:<id>`, `events:<id>`), or empty.
    pub subscribe: String,
    /// For `events:<id>`: the lines of `events.jsonl` already on the page.
    pub cursor: usize,
    pub crumbs: Vec<Crumb>,
}

#[derive(Template)]
#[template(path = "overview.html")]
pub struct OverviewPage {
    pub page: PageMeta,
    pub view: OverviewView,
    /// Live config reload: why the file on disk is not running, and server
    /// keys waiting for a restart (`spec/config-reload.md`).
    pub config: Option<airut_actors::gateway::ReloadStatus>,
}

#[derive(Template)]
#[template(path = "repo.html")]
pub struct RepoPage {
    pub page: PageMeta,
    pub repo: RepoView,
    pub tasks: Vec<Card>,
}

/// The stop form of the conversation and task pages.
#[derive(Debug, Default)]
pub struct StopControl {
    /// A task of the conversation runs or waits.
    pub shown: bool,
    pub conversation_id: String,
    /// Follow-ups waiting behind the running task ("drop" discards them).
    pub pending: usize,
    /// On a task page: that task (the redirect returns there), else empty.
    pub back_task: String,
}

#[derive(Template)]
#[template(path = "task.html")]
pub struct TaskPage {
    pub page: PageMeta,
    pub task: TaskView,
    pub stop: StopControl,
}

#[derive(Template)]
#[template(path = "conversation.html")]
pub struct ConversationPage {
    pub page: PageMeta,
    pub id: String,
    pub summary: ConversationSummary,
    pub tasks: Vec<TaskView>,
    pub stop: StopControl,
}

#[derive(Template)]
#[template(path = "actions.html")]
pub struct ActionsPage {
    pub page: PageMeta,
    pub id: String,
    /// The task the timeline is narrowed to, or empty.
    pub task_filter: String,
    pub items: Vec<TimelineItem>,
    /// Items dropped from the front to keep the page bounded.
    pub skipped: usize,
}

#[derive(Template)]
#[template(path = "network.html")]
pub struct NetworkPage {
    pub page: PageMeta,
    pub id: String,
    pub only: String,
    pub host: String,
    pub filtered: bool,
    pub rows: Vec<NetworkRow>,
    pub total: usize,
    pub shown: usize,
    pub skipped: usize,
    /// Complete lines of the log read for this page: where the
    /// `network:` subscription continues from.
    pub cursor: usize,
}

#[derive(Template)]
#[template(path = "not_found.html")]
pub struct NotFoundPage {
    pub page: PageMeta,
    pub message: String,
}

#[cfg(test)]
#[path = "templates_tests.rs"]
mod tests;
