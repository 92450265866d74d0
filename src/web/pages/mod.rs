//! The dashboard pages (askama templates under `templates/`).

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(super::index));
}
