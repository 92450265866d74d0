//! Conversations, tasks and their logs: `GET /api/conversations`,
//! `/api/conversation/{id}`, `/api/conversation/{id}/events|network`,
//! `/api/task/{id}`. Ids are validated before any lookup.

use std::collections::BTreeSet;

use actix_web::{HttpResponse, web};
use airut_actors::conversation::ConversationRecord;
use airut_actors::hub::{GetSnapshot, HubSnapshot, QueuedMessage, TaskRecord, TaskStatus};
use airut_actors::intake::ConversationId;
use airut_actors::store::Store;
use serde::{Deserialize, Serialize};

use super::files::{self, LogPage, PAGE_LINES};
use super::topics::{conversation_id, task_conversation};
use super::{ApiError, blocking};
use crate::web::WebState;

pub const EVENTS_LOG: &str = "events.jsonl";

/// Conversations with an unfinished task or a message waiting.
pub fn active_conversations(snapshot: &HubSnapshot) -> BTreeSet<String> {
    snapshot
        .tasks
        .iter()
        .filter(|t| !t.is_finished())
        .map(|t| t.task.conversation_id.to_string())
        .chain(
            snapshot
                .queued_messages
                .iter()
                .map(|m| m.conversation_id.to_string()),
        )
        .collect()
}

pub async fn snapshot(state: &WebState) -> Result<HubSnapshot, ApiError> {
    state
        .hub
        .send(GetSnapshot)
        .await
        .map_err(|_| ApiError::unavailable("the hub has stopped"))
}

/// The stored record of a conversation id from a URL; 404 for an invalid
/// or unknown id.
pub async fn load_conversation(
    store: &Store,
    id: &str,
) -> Result<(ConversationId, ConversationRecord), ApiError> {
    let missing = || ApiError::not_found("no such conversation");
    let id = conversation_id(id).ok_or_else(missing)?;
    let store = store.clone();
    let key = id.clone();
    let record = blocking(move || ConversationRecord::load(&store, &key))
        .await?
        .map_err(ApiError::internal)?
        .ok_or_else(missing)?;
    Ok((id, record))
}

/// A task's record, the hub's (fresher) copy first; `None` for an invalid
/// or unknown id.
pub async fn find_task(
    snapshot: &HubSnapshot,
    store: &Store,
    task_id: &str,
) -> Result<Option<TaskRecord>, ApiError> {
    if task_conversation(task_id).is_none() {
        return Ok(None);
    }
    if let Some(record) = snapshot.tasks.iter().find(|t| t.task.task_id == task_id) {
        return Ok(Some(record.clone()));
    }
    let (store, key) = (store.clone(), task_id.to_string());
    blocking(move || TaskRecord::load(&store, &key))
        .await?
        .map_err(ApiError::internal)
}

/// A conversation's tasks in the order they ran, the hub's copies
/// replacing the stored ones.
pub async fn conversation_tasks(
    snapshot: &HubSnapshot,
    store: &Store,
    id: &ConversationId,
) -> Result<Vec<TaskRecord>, ApiError> {
    let (store, key) = (store.clone(), id.clone());
    let mut tasks = blocking(move || TaskRecord::for_conversation(&store, &key)).await?;
    for live in snapshot
        .tasks
        .iter()
        .filter(|t| &t.task.conversation_id == id)
    {
        match tasks
            .iter_mut()
            .find(|t| t.task.task_id == live.task.task_id)
        {
            Some(stored) => *stored = live.clone(),
            None => tasks.push(live.clone()),
        }
    }
    Ok(tasks)
}

#[derive(Debug, Serialize)]
pub struct ConversationDetail {
    pub id: String,
    pub active: bool,
    #[serde(flatten)]
    pub record: ConversationRecord,
    pub tasks: Vec<TaskRecord>,
    pub queued_messages: Vec<QueuedMessage>,
}

pub async fn conversation_detail(
    state: &WebState,
    snapshot: &HubSnapshot,
    id: &ConversationId,
    record: ConversationRecord,
) -> Result<ConversationDetail, ApiError> {
    let tasks = conversation_tasks(snapshot, &state.store, id).await?;
    Ok(ConversationDetail {
        id: id.to_string(),
        active: active_conversations(snapshot).contains(id.as_str()),
        record,
        tasks,
        queued_messages: snapshot
            .queued_messages
            .iter()
            .filter(|m| &m.conversation_id == id)
            .cloned()
            .collect(),
    })
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    repo: Option<String>,
    /// `active` or `idle`.
    state: Option<String>,
}

#[derive(Debug, Serialize)]
struct LatestTask {
    task_id: String,
    status: TaskStatus,
    outcome: Option<String>,
}

#[derive(Debug, Serialize)]
struct ConversationSummary {
    id: String,
    repo_id: String,
    channel: String,
    title: Option<String>,
    created_at_ms: i64,
    last_activity_ms: i64,
    model: Option<String>,
    task_count: u32,
    latest_task: Option<LatestTask>,
    active: bool,
}

pub async fn list(
    state: web::Data<WebState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let want_active = match query.state.as_deref() {
        None => None,
        Some("active") => Some(true),
        Some("idle") => Some(false),
        Some(_) => {
            return Err(ApiError::new(
                actix_web::http::StatusCode::BAD_REQUEST,
                "state must be active or idle",
            ));
        }
    };
    let snapshot = snapshot(&state).await?;
    let active = active_conversations(&snapshot);
    let store = state.store.clone();
    let repo = query.repo.clone();
    let mut list = blocking(move || {
        ConversationRecord::all(&store)
            .into_iter()
            .filter_map(|entry| match entry {
                Ok(entry) => Some(entry),
                Err(err) => {
                    tracing::warn!("skipping unreadable conversation record: {err}");
                    None
                }
            })
            .filter(|(_, record)| repo.as_ref().is_none_or(|r| &record.repo_id == r))
            .filter_map(|(id, record)| {
                let id = conversation_id(&id)?;
                let is_active = active.contains(id.as_str());
                if want_active.is_some_and(|want| want != is_active) {
                    return None;
                }
                let latest = snapshot
                    .tasks
                    .iter()
                    .find(|t| t.task.conversation_id == id)
                    .cloned()
                    .or_else(|| TaskRecord::for_conversation(&store, &id).pop());
                Some(ConversationSummary {
                    id: id.to_string(),
                    repo_id: record.repo_id,
                    channel: record.channel,
                    title: record.title,
                    created_at_ms: record.created_at_ms,
                    last_activity_ms: record.last_activity_ms,
                    model: record.model,
                    task_count: record.tasks_started,
                    latest_task: latest.map(|t| LatestTask {
                        task_id: t.task.task_id,
                        status: t.status,
                        outcome: t.outcome,
                    }),
                    active: is_active,
                })
            })
            .collect::<Vec<_>>()
    })
    .await?;
    list.sort_by(|a, b| {
        b.last_activity_ms
            .cmp(&a.last_activity_ms)
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(HttpResponse::Ok().json(list))
}

pub async fn detail(
    state: web::Data<WebState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (id, record) = load_conversation(&state.store, &id).await?;
    let snapshot = snapshot(&state).await?;
    let detail = conversation_detail(&state, &snapshot, &id, record).await?;
    Ok(HttpResponse::Ok().json(detail))
}

pub async fn task(
    state: web::Data<WebState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if task_conversation(&id).is_none() {
        return Err(ApiError::not_found("no such task"));
    }
    let snapshot = snapshot(&state).await?;
    let record = find_task(&snapshot, &state.store, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such task"))?;
    Ok(HttpResponse::Ok().json(record))
}

#[derive(Debug, Deserialize)]
pub struct CursorQuery {
    #[serde(default)]
    after: u64,
}

/// The path of a log file of a known conversation.
pub async fn log_path(
    state: &WebState,
    id: &str,
    file: &str,
) -> Result<std::path::PathBuf, ApiError> {
    let (id, record) = load_conversation(&state.store, id).await?;
    files::conversation_dir(&state.state_dir, &record.repo_id, &id)
        .map(|dir| dir.join(file))
        .ok_or_else(|| ApiError::not_found("no such conversation"))
}

async fn log_page(
    state: &WebState,
    id: &str,
    file: &str,
    after: u64,
) -> Result<HttpResponse, ApiError> {
    let path = log_path(state, id, file).await?;
    let page = blocking(move || files::read_page(&path, after, PAGE_LINES))
        .await?
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(LogPage::from(page)))
}

pub async fn events(
    state: web::Data<WebState>,
    id: web::Path<String>,
    query: web::Query<CursorQuery>,
) -> Result<HttpResponse, ApiError> {
    log_page(&state, &id, EVENTS_LOG, query.after).await
}

pub async fn network(
    state: web::Data<WebState>,
    id: web::Path<String>,
    query: web::Query<CursorQuery>,
) -> Result<HttpResponse, ApiError> {
    log_page(
        &state,
        &id,
        airut_actors::task_runner::NETWORK_LOG,
        query.after,
    )
    .await
}
