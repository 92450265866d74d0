//! The dashboard pages: server-rendered with askama (templates under
//! `templates/`), complete without script; `templates/static/dashboard.js`
//! makes them live over `/api/ws`. See `spec/dashboard-pages.md`.
//!
//! View models are pure functions in their own files (`overview`,
//! `task_view`, `timeline`, `network_view`); `routes` does the I/O.

mod assets;
mod format;
use super::ids;
mod network_view;
mod overview;
mod routes;
mod task_view;
mod templates;
mod timeline;

use actix_web::{HttpResponseBuilder, http::header, web};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(routes::overview_page))
        .route("/repo/{id}", web::get().to(routes::repo_page))
        .route("/task/{id}", web::get().to(routes::task_page))
        .route(
            "/conversation/{id}",
            web::get().to(routes::conversation_page),
        )
        .route(
            "/conversation/{id}/stop",
            web::post().to(routes::stop_conversation),
        )
        .route(
            "/conversation/{id}/actions",
            web::get().to(routes::actions_page),
        )
        .route(
            "/conversation/{id}/network",
            web::get().to(routes::network_page),
        )
        .route("/static/{file}", web::get().to(assets::asset));
}

/// The headers every page carries: scripts, styles and connections from
/// this origin only (no inline script or style anywhere), no framing, no
/// content sniffing, no caching of live state.
fn secure(mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
    builder
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'self'"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    builder
}
