//! The page handlers: fetch from the hub, the store and the
//! conversation directory, hand the view models to the templates. Ids
//! are checked by [`super::ids`] before anything is read; file and store
//! reads run on the blocking pool.

use actix_web::{HttpResponse, web};
use airut_actors::conversation::ConversationRecord;
use airut_actors::hub::{GetSnapshot, HubSnapshot, TaskRecord, TaskStatus, now_ms};
use airut_actors::intake::ConversationId;
use airut_actors::sandbox::events_log::{LoggedEvent, read_events};
use airut_actors::task_runner::NETWORK_LOG;
use askama::Template;

use super::network_view::{self, NetworkFilter};
use super::overview;
use super::task_view::{conversation_summary, results_by_task, task_view};
use super::templates::*;
use super::{ids, timeline};
use crate::web::WebState;

/// Timeline items and network rows shown at most (the newest).
pub const MAX_ROWS: usize = 5_000;
/// Done tasks listed on a repo page.
const REPO_TASKS: usize = 50;

fn meta(state: &WebState, title: String, subscribe: String, crumbs: Vec<Crumb>) -> PageMeta {
    PageMeta {
        title,
        instance: state.instance_id.clone(),
        subscribe,
        cursor: 0,
        crumbs,
    }
}

/// Security headers on every page: no framing, no sniffing, scripts and
/// styles from this origin only, never cached (pages are live state).
fn html(status: actix_web::http::StatusCode, body: askama::Result<String>) -> HttpResponse {
    match body {
        Ok(body) => super::secure(HttpResponse::build(status))
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(err) => {
            tracing::error!("dashboard template failed: {err}");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("template error")
        }
    }
}

fn ok(body: askama::Result<String>) -> HttpResponse {
    html(actix_web::http::StatusCode::OK, body)
}

pub fn not_found(state: &WebState, message: &str) -> HttpResponse {
    let page = NotFoundPage {
        page: meta(
            state,
            "Not found".into(),
            String::new(),
            vec![Crumb::here("Not found")],
        ),
        message: message.to_string(),
    };
    html(actix_web::http::StatusCode::NOT_FOUND, page.render())
}

async fn snapshot(state: &WebState) -> Option<HubSnapshot> {
    state.hub.send(GetSnapshot).await.ok()
}

pub async fn overview_page(state: web::Data<WebState>) -> HttpResponse {
    let Some(snapshot) = snapshot(&state).await else {
        return not_found(&state, "The gateway is stopping.");
    };
    let config = state
        .gateway
        .send(airut_actors::gateway::GetReloadStatus)
        .await
        .ok();
    let page = OverviewPage {
        page: meta(&state, "Overview".into(), "state".into(), Vec::new()),
        view: overview::overview(&snapshot, now_ms()),
        config,
    };
    ok(page.render())
}

pub async fn repo_page(state: web::Data<WebState>, path: web::Path<String>) -> HttpResponse {
    let Some(id) = ids::repo_id(&path) else {
        return not_found(&state, "No such repository.");
    };
    let Some(snapshot) = snapshot(&state).await else {
        return not_found(&state, "The gateway is stopping.");
    };
    let Some(repo) = overview::repo(&snapshot, id) else {
        return not_found(&state, &format!("No repository {id:?}."));
    };
    let now = now_ms();
    let tasks = snapshot
        .tasks
        .iter()
        .filter(|t| t.task.repo_id == id)
        .take(REPO_TASKS)
        .map(|t| overview::card(t, now))
        .collect();
    let page = RepoPage {
        page: meta(
            &state,
            format!("Repository {id}"),
            "state".into(),
            vec![Crumb::here(id)],
        ),
        repo,
        tasks,
    };
    ok(page.render())
}

/// `<state>/<repo>/conversations/<id>/<file>`; `None` when the repo id
/// (from a stored record) is not one plain path component.
fn conversation_file(
    state: &WebState,
    repo_id: &str,
    id: &ConversationId,
    file: &str,
) -> Option<std::path::PathBuf> {
    Some(
        state
            .state_dir
            .join(ids::repo_id(repo_id)?)
            .join("conversations")
            .join(id.as_str())
            .join(file),
    )
}

/// What is known about one conversation: its stored record and its
/// tasks, the hub's live copies replacing the stored ones.
/// The conversation as stored (with the live snapshot's fresher tasks) and
/// its `events.jsonl`, read off the request thread. `Err`: the blocking
/// pool is gone (the gateway is stopping).
async fn load_with_events(
    state: &web::Data<WebState>,
    id: &ConversationId,
    live: Option<HubSnapshot>,
) -> Result<(Known, Vec<LoggedEvent>), actix_web::error::BlockingError> {
    let (state, id) = (state.clone(), id.clone());
    web::block(move || {
        let stored = Known::load(&state, &id, live.as_ref());
        let events = stored
            .file(&state, &id, "events.jsonl")
            .map(|path| read_events(&path).unwrap_or_default())
            .unwrap_or_default();
        (stored, events)
    })
    .await
}

struct Known {
    record: Option<ConversationRecord>,
    tasks: Vec<TaskRecord>,
}

impl Known {
    /// Store reads: call on the blocking pool.
    fn load(state: &WebState, id: &ConversationId, live: Option<&HubSnapshot>) -> Known {
        let record = ConversationRecord::load(&state.store, id).unwrap_or_else(|err| {
            tracing::warn!("conversation {id}: unreadable record: {err}");
            None
        });
        let mut tasks = TaskRecord::for_conversation(&state.store, id);
        let live_tasks = live
            .into_iter()
            .flat_map(|s| &s.tasks)
            .filter(|t| &t.task.conversation_id == id);
        for live in live_tasks {
            match tasks
                .iter_mut()
                .find(|t| t.task.task_id == live.task.task_id)
            {
                Some(stored) => *stored = live.clone(),
                None => tasks.push(live.clone()),
            }
        }
        Known { record, tasks }
    }

    fn exists(&self) -> bool {
        self.record.is_some() || !self.tasks.is_empty()
    }

    fn repo_id(&self) -> Option<&str> {
        let repo = match &self.record {
            Some(record) => record.repo_id.as_str(),
            None => self.tasks.last()?.task.repo_id.as_str(),
        };
        ids::repo_id(repo)
    }

    fn file(
        &self,
        state: &WebState,
        id: &ConversationId,
        file: &str,
    ) -> Option<std::path::PathBuf> {
        conversation_file(state, self.repo_id()?, id, file)
    }
}

fn conversation_crumbs(repo: Option<&str>, id: &str, here: Option<&str>) -> Vec<Crumb> {
    let mut crumbs = Vec::new();
    if let Some(repo) = repo {
        crumbs.push(Crumb::link(format!("/repo/{repo}"), repo));
    }
    let label = format!("Conversation {id}");
    match here {
        Some(here) => {
            crumbs.push(Crumb::link(format!("/conversation/{id}"), label));
            crumbs.push(Crumb::here(here));
        }
        None => crumbs.push(Crumb::here(label)),
    }
    crumbs
}

pub async fn conversation_page(
    state: web::Data<WebState>,
    path: web::Path<String>,
) -> HttpResponse {
    let Some(id) = ids::conversation_id(&path) else {
        return not_found(&state, "Conversation ids are 8 hex digits.");
    };
    let live = snapshot(&state).await;
    let live_pending = live.as_ref().map_or(0, |s| queued_messages(s, &id));
    let loaded = load_with_events(&state, &id, live).await;
    let Ok((stored, events)) = loaded else {
        return not_found(&state, "The gateway is stopping.");
    };
    if !stored.exists() {
        return not_found(&state, &format!("No conversation {id}."));
    }
    let results = results_by_task(&events);
    let tasks = stored
        .tasks
        .iter()
        .map(|t| task_view(t, results.get(&t.task.task_id)))
        .collect();
    let summary = conversation_summary(id.as_str(), stored.record.as_ref(), &stored.tasks);
    let stop = stop_control(&id, &stored.tasks, live_pending, "");
    let page = ConversationPage {
        page: meta(
            &state,
            summary.title.clone(),
            format!("conversation:{id}"),
            conversation_crumbs(stored.repo_id(), id.as_str(), None),
        ),
        id: id.to_string(),
        summary,
        tasks,
        stop,
    };
    ok(page.render())
}

pub async fn task_page(state: web::Data<WebState>, path: web::Path<String>) -> HttpResponse {
    let Some((conversation, task_id)) = ids::task_id(&path) else {
        return not_found(&state, "Task ids are <conversation>-<n>.");
    };
    let task_id = task_id.to_string();
    let snapshot = snapshot(&state).await;
    let (live_pending, conversation_tasks) = match &snapshot {
        Some(s) => (
            queued_messages(s, &conversation),
            s.tasks
                .iter()
                .filter(|t| t.task.conversation_id == conversation)
                .cloned()
                .collect(),
        ),
        None => (0, Vec::new()),
    };
    let live = snapshot.and_then(|s| s.tasks.into_iter().find(|t| t.task.task_id == task_id));
    let loaded = {
        let (state, task_id, conversation) = (state.clone(), task_id.clone(), conversation.clone());
        web::block(move || {
            let record = match live {
                Some(live) => Some(live),
                None => TaskRecord::load(&state.store, &task_id).ok().flatten(),
            };
            let record = record?;
            let events =
                conversation_file(&state, &record.task.repo_id, &conversation, "events.jsonl")
                    .map(|path| read_events(&path).unwrap_or_default())
                    .unwrap_or_default();
            Some((record, events))
        })
        .await
    };
    let Ok(Some((record, events))) = loaded else {
        return not_found(&state, &format!("No task {task_id}."));
    };
    let results = results_by_task(&events);
    let view = task_view(&record, results.get(&task_id));
    let stop = if record.status == TaskStatus::Finished {
        StopControl::default()
    } else {
        stop_control(&conversation, &conversation_tasks, live_pending, &task_id)
    };
    let conversation_id = view.conversation_id.clone();
    let mut crumbs = conversation_crumbs(Some(&view.repo_id), &conversation_id, None);
    if let Some(last) = crumbs.last_mut() {
        last.href = format!("/conversation/{conversation_id}");
    }
    crumbs.push(Crumb::here(format!("Task {task_id}")));
    let page = TaskPage {
        page: meta(
            &state,
            format!("Task {task_id}"),
            format!("task:{task_id}"),
            crumbs,
        ),
        task: view,
        stop,
    };
    ok(page.render())
}

#[derive(serde::Deserialize)]
pub struct ActionsQuery {
    #[serde(default)]
    task: Option<String>,
}

pub async fn actions_page(
    state: web::Data<WebState>,
    path: web::Path<String>,
    query: web::Query<ActionsQuery>,
) -> HttpResponse {
    let Some(id) = ids::conversation_id(&path) else {
        return not_found(&state, "Conversation ids are 8 hex digits.");
    };
    let task_filter = match query.task.as_deref().filter(|t| !t.is_empty()) {
        None => String::new(),
        Some(task) => match ids::task_id(task) {
            Some((conversation, task)) if conversation == id => task.to_string(),
            _ => return not_found(&state, "No such task in this conversation."),
        },
    };
    let live = snapshot(&state).await;
    let loaded = load_with_events(&state, &id, live).await;
    let Ok((stored, mut events)) = loaded else {
        return not_found(&state, "The gateway is stopping.");
    };
    if !stored.exists() {
        return not_found(&state, &format!("No conversation {id}."));
    }
    let cursor = events.len();
    if !task_filter.is_empty() {
        events.retain(|e| e.task_id == task_filter);
    }
    let mut items = timeline::build(&events);
    let skipped = items.len().saturating_sub(MAX_ROWS);
    items.drain(..skipped);
    let mut meta = meta(
        &state,
        format!("Actions · {id}"),
        format!("conversation:{id} events:{id}"),
        conversation_crumbs(stored.repo_id(), id.as_str(), Some("Actions")),
    );
    meta.cursor = cursor;
    let page = ActionsPage {
        page: meta,
        id: id.to_string(),
        task_filter,
        items,
        skipped,
    };
    ok(page.render())
}

pub async fn network_page(
    state: web::Data<WebState>,
    path: web::Path<String>,
    query: web::Query<NetworkFilter>,
) -> HttpResponse {
    let Some(id) = ids::conversation_id(&path) else {
        return not_found(&state, "Conversation ids are 8 hex digits.");
    };
    let filter = query.into_inner();
    let live = snapshot(&state).await;
    let loaded = {
        let (state, id) = (state.clone(), id.clone());
        web::block(move || {
            let stored = Known::load(&state, &id, live.as_ref());
            let text = stored
                .file(&state, &id, NETWORK_LOG)
                .and_then(|path| std::fs::read(path).ok())
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .unwrap_or_default();
            // complete lines, as the `network:` topic counts its cursor
            let cursor = text.bytes().filter(|&b| b == b'\n').count();
            (stored, network_view::rows(&text), cursor)
        })
        .await
    };
    let Ok((stored, rows, cursor)) = loaded else {
        return not_found(&state, "The gateway is stopping.");
    };
    if !stored.exists() {
        return not_found(&state, &format!("No conversation {id}."));
    }
    let total = rows.len();
    let mut rows = network_view::filtered(rows, &filter);
    let shown = rows.len();
    let skipped = rows.len().saturating_sub(MAX_ROWS);
    rows.drain(..skipped);
    let page = NetworkPage {
        page: meta(
            &state,
            format!("Network · {id}"),
            format!("conversation:{id} network:{id}"),
            conversation_crumbs(stored.repo_id(), id.as_str(), Some("Network")),
        ),
        id: id.to_string(),
        filtered: filter.is_active(),
        only: filter.only.unwrap_or_default(),
        host: filter.host.unwrap_or_default(),
        rows,
        total,
        shown,
        skipped,
        cursor,
    };
    ok(page.render())
}

/// Journaled messages of `id` that are not a task yet.
fn queued_messages(snapshot: &HubSnapshot, id: &ConversationId) -> usize {
    snapshot
        .queued_messages
        .iter()
        .filter(|m| &m.conversation_id == id)
        .count()
}

/// The stop form of a conversation: shown while one of its tasks runs or
/// waits for a slot; `pending` counts the follow-ups a "drop" would discard (queued
/// tasks behind the running one, and messages not yet a task).
fn stop_control(
    id: &ConversationId,
    tasks: &[TaskRecord],
    queued_messages: usize,
    back_task: &str,
) -> StopControl {
    let running = tasks.iter().any(|t| t.status == TaskStatus::Running);
    let queued = tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Queued)
        .count();
    let pending = queued_messages
        + if running {
            queued
        } else {
            queued.saturating_sub(1)
        };
    StopControl {
        // Not on waiting messages alone: the hub keeps a dropped follow-up
        // among its queued messages (no event says it was dropped).
        shown: running || queued > 0,
        conversation_id: id.to_string(),
        pending,
        back_task: back_task.to_string(),
    }
}

#[derive(serde::Deserialize)]
pub struct StopQuery {
    #[serde(default)]
    drop_pending: bool,
    /// The task page the form was on; the redirect goes back there.
    #[serde(default)]
    task: Option<String>,
}

/// `POST /conversation/{id}/stop[?drop_pending=true][&task=<task id>]`:
/// the stop form of the conversation and task pages. Sends the repo the
/// same `StopConversation` as the API's stop, then 303 back to the page
/// (the page shows the outcome; nothing running is not an error here).
pub async fn stop_conversation(
    state: web::Data<WebState>,
    path: web::Path<String>,
    query: web::Query<StopQuery>,
) -> HttpResponse {
    let Some(id) = ids::conversation_id(&path) else {
        return not_found(&state, "Conversation ids are 8 hex digits.");
    };
    let back = match query.task.as_deref().map(ids::task_id) {
        Some(Some((conversation, task))) if conversation == id => format!("/task/{task}"),
        Some(_) => return not_found(&state, "No such task in this conversation."),
        None => format!("/conversation/{id}"),
    };
    let live = snapshot(&state).await;
    let loaded = {
        let (state, id) = (state.clone(), id.clone());
        web::block(move || {
            let stored = Known::load(&state, &id, live.as_ref());
            (stored.exists(), stored.repo_id().map(str::to_string))
        })
        .await
    };
    let Ok((true, repo_id)) = loaded else {
        return not_found(&state, &format!("No conversation {id}."));
    };
    if let Some(repo_id) = repo_id {
        match crate::web::api::stop::send_stop(
            &state,
            &repo_id,
            id.clone(),
            query.drop_pending,
            None,
        )
        .await
        {
            Ok(result) => tracing::info!(
                "dashboard stop of {id}: stopped {:?}, dropped {}",
                result.stopped_task,
                result.dropped
            ),
            Err(_) => tracing::info!("dashboard stop of {id}: nothing to stop"),
        }
    }
    super::secure(HttpResponse::SeeOther())
        .insert_header((actix_web::http::header::LOCATION, back))
        .finish()
}
