//! `POST /api/housekeeping[?dry_run=true]`: a housekeeping pass now
//! (`airut gc`), or the list of what one would remove.

use actix_web::{HttpResponse, web};
use airut_actors::gateway::{Housekeep, HousekeepingReport, PlanHousekeeping};
use serde::Deserialize;

use super::ApiError;
use crate::web::WebState;

#[derive(Debug, Deserialize)]
pub struct HousekeepingQuery {
    #[serde(default)]
    dry_run: bool,
}

pub async fn run(
    state: web::Data<WebState>,
    query: web::Query<HousekeepingQuery>,
) -> Result<HttpResponse, ApiError> {
    let sent = if query.dry_run {
        state.gateway.send(PlanHousekeeping).await
    } else {
        state.gateway.send(Housekeep).await
    };
    let report = sent.map_err(|_| ApiError::unavailable("the gateway has stopped"))?;
    tracing::info!(
        dry_run = query.dry_run,
        conversations = report.removed.len(),
        images = report.images_removed.len(),
        "housekeeping requested through the API"
    );
    Ok(HttpResponse::Ok().json(body(query.dry_run, &report)))
}

fn body(dry_run: bool, report: &HousekeepingReport) -> serde_json::Value {
    serde_json::json!({
        "dry_run": dry_run,
        "conversations": report
            .removed
            .iter()
            .map(|(repo_id, id)| serde_json::json!({"repo_id": repo_id, "id": id.as_str()}))
            .collect::<Vec<_>>(),
        "images": report.images_removed,
        "errors": report.errors,
    })
}
