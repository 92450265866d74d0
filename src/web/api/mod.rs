//! The JSON API beside every page, and the WebSocket stream
//! (spec/dashboard-api.md).

mod conversations;
pub mod files;
mod housekeeping;
pub mod security;
mod state;
pub(crate) mod stop;
pub mod topics;
mod watch;
mod ws;

use actix_web::{HttpResponse, ResponseError, http::StatusCode, web};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/state", web::get().to(state::state))
        .route("/api/repos", web::get().to(state::repos))
        .route("/api/conversations", web::get().to(conversations::list))
        .route(
            "/api/conversation/{id}",
            web::get().to(conversations::detail),
        )
        .route(
            "/api/conversation/{id}/events",
            web::get().to(conversations::events),
        )
        .route(
            "/api/conversation/{id}/network",
            web::get().to(conversations::network),
        )
        .route(
            "/api/conversation/{id}/stop",
            web::post().to(stop::stop_conversation),
        )
        .route("/api/task/{id}", web::get().to(conversations::task))
        .route("/api/task/{id}/stop", web::post().to(stop::stop_task))
        .route("/api/housekeeping", web::post().to(housekeeping::run))
        .route("/api/ws", web::get().to(ws::ws))
        .route("/login", web::get().to(security::login_form))
        .route("/login", web::post().to(security::login));
}

/// An error answered as `{"error": "<message>"}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, message)
    }

    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }

    pub fn internal(message: impl std::fmt::Display) -> ApiError {
        tracing::warn!("dashboard API: {message}");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(serde_json::json!({ "error": self.message }))
    }
}

/// Runs store and file reads off the server's thread.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    web::block(f)
        .await
        .map_err(|e| ApiError::internal(format!("blocking read: {e}")))
}
