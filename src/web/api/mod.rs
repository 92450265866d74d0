//! The JSON API beside every page, and the WebSocket stream.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
