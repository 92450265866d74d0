//! `POST /api/conversation/{id}/stop[?drop_pending=true]` and
//! `POST /api/task/{id}/stop`. 200 only when something was stopped or
//! dropped; 409 when nothing was running, 404 for unknown ids.

use actix::Addr;
use actix_web::{HttpResponse, web};
use airut_actors::conversation::StopResult;
use airut_actors::gateway::GetRepo;
use airut_actors::hub::TaskStatus;
use airut_actors::intake::ConversationId;
use airut_actors::repo::{RepoActor, StopConversation};
use serde::Deserialize;

use super::ApiError;
use super::conversations::{find_task, load_conversation, snapshot};
use super::topics::task_conversation;
use crate::web::WebState;

#[derive(Debug, Deserialize)]
pub struct StopQuery {
    #[serde(default)]
    drop_pending: bool,
}

async fn repo(state: &WebState, repo_id: &str) -> Result<Addr<RepoActor>, ApiError> {
    state
        .gateway
        .send(GetRepo(repo_id.to_string()))
        .await
        .map_err(|_| ApiError::unavailable("the gateway has stopped"))?
        .ok_or_else(|| ApiError::conflict(format!("repo {repo_id} is not live")))
}

/// Sends the conversation's repo a `StopConversation` (the API and the
/// pages' stop form both go through here).
pub(crate) async fn send_stop(
    state: &WebState,
    repo_id: &str,
    conversation_id: ConversationId,
    drop_pending: bool,
    only_task: Option<String>,
) -> Result<StopResult, ApiError> {
    let repo = repo(state, repo_id).await?;
    Ok(repo
        .send(StopConversation {
            conversation_id,
            drop_pending,
            only_task,
        })
        .await
        .map_err(|_| ApiError::unavailable("the repo has stopped"))?
        .unwrap_or_default())
}

async fn stop(
    state: &WebState,
    repo_id: &str,
    conversation_id: ConversationId,
    drop_pending: bool,
) -> Result<HttpResponse, ApiError> {
    let result = send_stop(state, repo_id, conversation_id, drop_pending, None).await?;
    if result.stopped_task.is_none() && result.dropped == 0 {
        return Err(ApiError::conflict("nothing is running"));
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "stopped_task": result.stopped_task,
        "dropped": result.dropped,
    })))
}

pub async fn stop_conversation(
    state: web::Data<WebState>,
    id: web::Path<String>,
    query: web::Query<StopQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, record) = load_conversation(&state.store, &id).await?;
    stop(&state, &record.repo_id, id, query.drop_pending).await
}

/// Stops the conversation's task when that is this task: only the hub's
/// live copy counts (a stored record that still says running belongs to
/// a process that is gone, and stopping the conversation then would hit
/// whatever it runs now). 409 when the task is not the one running or
/// queued to run; never drops pending messages.
pub async fn stop_task(
    state: web::Data<WebState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Some(conversation_id) = task_conversation(&id) else {
        return Err(ApiError::not_found("no such task"));
    };
    let snapshot = snapshot(&state).await?;
    let live = snapshot
        .tasks
        .iter()
        .find(|t| t.task.task_id == *id && t.status != TaskStatus::Finished)
        .cloned();
    let Some(task) = live else {
        return match find_task(&snapshot, &state.store, &id).await? {
            Some(_) => Err(ApiError::conflict("the task is not running")),
            None => Err(ApiError::not_found("no such task")),
        };
    };
    let result = send_stop(
        &state,
        &task.task.repo_id,
        conversation_id,
        false,
        Some(id.to_string()),
    )
    .await?;
    match result.stopped_task {
        Some(stopped) => Ok(HttpResponse::Ok().json(serde_json::json!({
            "stopped_task": stopped,
            "dropped": 0,
        }))),
        // The task ended between the snapshot and the stop; the
        // conversation's next task, if any, was left alone.
        None => Err(ApiError::conflict("the task is not running")),
    }
}
