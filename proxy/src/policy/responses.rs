//! The JSON bodies of the proxy's own 403 answers.
//!
//! The agent inside the container reads these, so each says what happened
//! and what to do about it: changes to the allowlist go through a pull
//! request on `.airut/network-allowlist.yaml`, which a person reviews.
//! All share `"error": "blocked_by_network_allowlist"`, so a client can
//! tell a proxy block from an upstream 403.

use serde::Serialize;

use super::BlockReason;

/// Status of every body in this module.
pub const BLOCKED_STATUS: u16 = 403;
/// `Content-Type` of every body in this module.
pub const CONTENT_TYPE: &str = "application/json";
/// The `error` field of every body in this module.
pub const ERROR_CODE: &str = "blocked_by_network_allowlist";

#[derive(Serialize)]
struct Blocked<'a> {
    error: &'static str,
    /// Machine-readable [`BlockReason::code`]; an addition to the Python
    /// Airut's body, which only had the message.
    reason: &'static str,
    host: &'a str,
    path: &'a str,
    method: &'a str,
    message: String,
}

#[derive(Serialize)]
struct ConnectBlocked<'a> {
    error: &'static str,
    host: &'a str,
    method: &'static str,
    message: &'static str,
}

#[derive(Serialize)]
struct HostMismatch<'a> {
    error: &'static str,
    host: &'a str,
    url_host: &'a str,
    method: &'a str,
    message: &'static str,
}

/// The body for a request [`super::decide`] blocked. `host` and `path` are
/// echoed as the client sent them (`path` with its query).
pub fn blocked_body(host: &str, path_and_query: &str, method: &str, reason: BlockReason) -> String {
    let message = match reason {
        BlockReason::Method => format!(
            "The method {method} is not allowed for this URL, although the URL itself is. \
             To ask for it, add {method} to the `methods` of the matching entry in \
             .airut/network-allowlist.yaml and open a pull request with that change."
        ),
        BlockReason::HostPath => "This host and path are not in the network allowlist. \
             To ask for access, add an entry for them to .airut/network-allowlist.yaml \
             and open a pull request with that change."
            .to_owned(),
        BlockReason::BadPath => "The path is malformed or tries to escape the part of the site \
             the allowlist grants: it has a '.' or '..' segment, '//', a backslash, a ';' \
             parameter, a control character, a broken %-escape, or is encoded twice. Send the \
             plain, canonical path instead; the allowlist cannot grant such paths."
            .to_owned(),
    };
    to_json(&Blocked {
        error: ERROR_CODE,
        reason: reason.code(),
        host,
        path: path_and_query,
        method,
        message,
    })
}

/// The body for any CONNECT request; `authority` is `host:port` as asked.
pub fn connect_body(authority: &str) -> String {
    to_json(&ConnectBlocked {
        error: ERROR_CODE,
        host: authority,
        method: "CONNECT",
        message: "CONNECT tunnels are never allowed here: the network sandbox only carries \
                  requests it can check. Call the URL directly, without an HTTP proxy \
                  setting; it is then checked against .airut/network-allowlist.yaml.",
    })
}

/// The body for a request whose `Host` header names another host than the
/// one it is really going to: `url_host` is the URL's host (absolute-form
/// HTTP) or the TLS server name (HTTPS).
pub fn host_mismatch_body(header_host: &str, url_host: &str, method: &str) -> String {
    to_json(&HostMismatch {
        error: ERROR_CODE,
        host: header_host,
        url_host,
        method,
        message: "Host mismatch: the Host header does not name the host the request is sent to. \
                  Send requests whose Host header is the host of the URL.",
    })
}

/// Serialising these structs (strings only) cannot fail; should it ever, a
/// fixed body still tells the client it was blocked.
fn to_json<T: Serialize>(body: &T) -> String {
    serde_json::to_string(body).unwrap_or_else(|_| format!(r#"{{"error":"{ERROR_CODE}"}}"#))
}

#[cfg(test)]
#[path = "responses_tests.rs"]
mod tests;
