//! `/static/...`: the stylesheet and the script, compiled in.

use actix_web::{HttpResponse, http::header, web};

const CSS: &str = include_str!("../../../templates/static/dashboard.css");
const JS: &str = include_str!("../../../templates/static/dashboard.js");

pub async fn asset(path: web::Path<String>) -> HttpResponse {
    let (body, content_type) = match path.as_str() {
        "dashboard.css" => (CSS, "text/css; charset=utf-8"),
        "dashboard.js" => (JS, "text/javascript; charset=utf-8"),
        _ => {
            return HttpResponse::NotFound()
                .content_type("text/plain")
                .body("not found");
        }
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}
