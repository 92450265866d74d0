//! `GET /api/state` and `GET /api/repos`.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use airut_actors::gateway::{GetGatewayState, GetReloadStatus};
use airut_actors::hub::{ChannelState, GetSnapshot, RepoStatus};
use serde::Serialize;

use super::ApiError;
use crate::web::WebState;

#[derive(Debug, Serialize)]
pub struct ChannelView {
    pub channel: String,
    pub state: String,
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RepoView {
    pub repo_id: String,
    /// `state` (`starting`, `live`, `failed`, `stopped`) and, for
    /// `failed`, `error` and `retry_at_ms`.
    #[serde(flatten)]
    pub status: RepoStatus,
    pub channels: Vec<ChannelView>,
}

/// Each repo with the health of its channels (`"<repo>/<channel>"` keys).
pub fn repo_views(
    repos: &BTreeMap<String, RepoStatus>,
    channels: &BTreeMap<String, ChannelState>,
) -> Vec<RepoView> {
    repos
        .iter()
        .map(|(repo_id, status)| RepoView {
            repo_id: repo_id.clone(),
            status: status.clone(),
            channels: channels
                .iter()
                .filter_map(|(key, state)| {
                    let (repo, channel) = key.split_once('/')?;
                    (repo == repo_id).then(|| ChannelView {
                        channel: channel.to_string(),
                        state: state.state.clone(),
                        error: state.error.clone(),
                    })
                })
                .collect(),
        })
        .collect()
}

pub async fn state(state: web::Data<WebState>) -> Result<HttpResponse, ApiError> {
    let gateway = state
        .gateway
        .send(GetGatewayState)
        .await
        .map_err(|_| ApiError::unavailable("the gateway has stopped"))?;
    let snapshot = state
        .hub
        .send(GetSnapshot)
        .await
        .map_err(|_| ApiError::unavailable("the hub has stopped"))?;
    let config = state
        .gateway
        .send(GetReloadStatus)
        .await
        .map_err(|_| ApiError::unavailable("the gateway has stopped"))?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "instance": state.instance_id,
        "config": config,
        "version": env!("CARGO_PKG_VERSION"),
        "boot": gateway.boot,
        "repos": repo_views(&gateway.repos, &snapshot.channels),
        "tasks": snapshot.tasks,
        "queued_messages": snapshot.queued_messages,
        "rejections": snapshot.rejections,
    })))
}

pub async fn repos(state: web::Data<WebState>) -> Result<HttpResponse, ApiError> {
    let gateway = state
        .gateway
        .send(GetGatewayState)
        .await
        .map_err(|_| ApiError::unavailable("the gateway has stopped"))?;
    let snapshot = state
        .hub
        .send(GetSnapshot)
        .await
        .map_err(|_| ApiError::unavailable("the hub has stopped"))?;
    Ok(HttpResponse::Ok().json(repo_views(&gateway.repos, &snapshot.channels)))
}
