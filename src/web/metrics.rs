//! `GET /metrics`: the Prometheus text format (spec/metrics.md). The hub
//! hands over its counters and live gauges; the intake backlog is read
//! from the journal's open index off the server's thread.

use actix_web::{HttpResponse, http::header, web};
use airut_actors::hub::GetMetrics;
use airut_actors::intake::IntakeJournal;
use airut_actors::metrics::{CONTENT_TYPE, IntakeBacklog, Scrape, render};

use super::WebState;
use super::api::{ApiError, blocking};

pub async fn metrics(state: web::Data<WebState>) -> Result<HttpResponse, ApiError> {
    let snapshot = state
        .hub
        .send(GetMetrics)
        .await
        .map_err(|_| ApiError::unavailable("the gateway is stopping"))?;
    let store = state.store.clone();
    let backlog = blocking(move || IntakeJournal::new(store).recover())
        .await?
        .map_err(|err| tracing::warn!("metrics: reading the intake journal failed: {err}"))
        .ok()
        .map(|open| IntakeBacklog::from_open(&open));
    let text = render(&Scrape {
        version: env!("CARGO_PKG_VERSION"),
        counters: &snapshot.counters,
        live: &snapshot.live,
        backlog: backlog.as_ref(),
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, CONTENT_TYPE))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(text))
}
