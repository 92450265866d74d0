//! The parts of the `airut` binary that tests drive in-process: the web
//! layer (dashboard pages, JSON API, WebSocket).

pub mod web;
