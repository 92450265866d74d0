//! The checks every request inside an accepted connection goes through, in
//! order: no CONNECT, no protocol upgrade, Host = SNI (or = the URL host),
//! the allowlist, then the credential swap. Refusals are answered and logged
//! here; forwarded requests leave with their URI rebuilt from the checked
//! name, so the host that was checked is the host that is dialed.

use std::sync::Arc;

use http::header::{ACCEPT_ENCODING, CONNECTION, CONTENT_TYPE, HOST, HeaderValue, UPGRADE};
use http::{Method, Request, Response, StatusCode, Uri, Version};
use hudsucker::Body;

use super::host::{canonical_host, url_host};
use crate::masking::{CredentialMasker, MaskReport};
use crate::netlog::{EntryKind, NetLog, NetLogEntry, Verdict};
use crate::policy::{self, Allowlist, Decision, responses};

/// Where a request came from, which fixes the scheme and the name it must
/// carry.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Origin<'a> {
    /// Inside TLS from :443; the SNI the adapter and hudsucker both saw.
    Tls { sni: &'a str },
    /// Plain HTTP from :80.
    Plain,
}

/// What the gate decided.
pub(crate) enum Outcome {
    /// Send this (rewritten) request upstream; finish `pending` with the
    /// response.
    Forward(Request<Body>, Box<Pending>),
    /// Answer the client with this; already logged.
    Refuse(Response<Body>),
}

/// The log line of a forwarded request, completed when its response (or
/// error) arrives.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub entry: NetLogEntry,
    /// HEAD responses have no body to scrub, and keep their Content-Length.
    pub head: bool,
}

/// The policy and the credentials, shared by every connection.
pub(crate) struct Gate {
    pub allowlist: Allowlist,
    pub masker: Arc<CredentialMasker>,
    pub log: NetLog,
}

impl Gate {
    pub(crate) fn check(&self, mut req: Request<Body>, origin: Origin<'_>) -> Outcome {
        let method = req.method().clone();
        let path_and_query = req
            .uri()
            .path_and_query()
            .map_or_else(|| "/".to_string(), |pq| pq.as_str().to_string());

        let header_host = req
            .headers()
            .get(HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);

        if method == Method::CONNECT {
            let uri_authority = req
                .uri()
                .authority()
                .map_or_else(String::new, |a| a.to_string());
            let (authority, reason) = match origin {
                // hudsucker rewrote an HTTP/1 URI to its CONNECT authority
                // (the tripwire): name what the client named instead.
                Origin::Tls { sni } => (
                    header_host.clone().unwrap_or_else(|| sni.to_string()),
                    "tunneling not allowed (CONNECT inside an intercepted connection)",
                ),
                Origin::Plain => (uri_authority, "tunneling not allowed"),
            };
            return Outcome::Refuse(self.refuse_connect(&authority, reason));
        }
        let (scheme, host) = match origin {
            Origin::Tls { sni } => {
                // HTTP/1 carries the name in Host (hudsucker put its CONNECT
                // authority into the URI); HTTP/2 would carry :authority.
                let named = header_host.clone().or_else(|| {
                    (req.version() == Version::HTTP_2)
                        .then(|| req.uri().authority().map(|a| a.to_string()))
                        .flatten()
                });
                let canonical = named.as_deref().and_then(canonical_host);
                if canonical.as_deref() != Some(sni) {
                    let shown = named.unwrap_or_default();
                    let url = format!("https://{sni}{path_and_query}");
                    return self.refuse_mismatch(&shown, sni, &method, url);
                }
                ("https", sni.to_string())
            }
            Origin::Plain => {
                let Some(host) = header_host.as_deref().and_then(canonical_host) else {
                    let shown = header_host.unwrap_or_default();
                    let url = format!("http://{shown}{path_and_query}");
                    return self.refuse_blocked(
                        &shown,
                        &path_and_query,
                        &method,
                        policy::BlockReason::HostPath,
                        url,
                    );
                };
                // Absolute-form (`GET http://x/ HTTP/1.1`) must name the same
                // host as the Host header (sandbox.md §2.5 item 19).
                if let Some(authority) = req.uri().authority() {
                    let url_host_name = canonical_host(authority.as_str()).unwrap_or_default();
                    if url_host_name != host {
                        let url = format!("http://{authority}{path_and_query}");
                        let shown = header_host.unwrap_or_default();
                        return self.refuse_mismatch(&shown, &url_host_name, &method, url);
                    }
                }
                ("http", host)
            }
        };
        let url = format!("{scheme}://{}{path_and_query}", url_host(&host));

        if is_upgrade(&req) {
            return self.refuse_upgrade(&host, &path_and_query, &method, url);
        }

        let rule = match policy::decide(&self.allowlist, &host, &path_and_query, method.as_str()) {
            Decision::Allowed { rule } => rule,
            Decision::Blocked { reason } => {
                let shown = header_host.unwrap_or_else(|| host.clone());
                return self.refuse_blocked(&shown, &path_and_query, &method, reason, url);
            }
        };

        let report = self.masker.apply_request(&host, req.headers_mut());
        if report.masked > 0 {
            // The upstream now holds a real value and may echo it; the
            // scrubber can only find it in bytes it can read, so ask for an
            // uncompressed response.
            req.headers_mut()
                .insert(ACCEPT_ENCODING, HeaderValue::from_static("identity"));
        }
        // Meant for a proxy, never for the origin.
        req.headers_mut().remove("proxy-authorization");
        req.headers_mut().remove("proxy-connection");

        let Ok(uri) = Uri::try_from(url.as_str()) else {
            // Cannot happen: host and path were both parsed already.
            return self.refuse_blocked(
                &host,
                &path_and_query,
                &method,
                policy::BlockReason::BadPath,
                url,
            );
        };
        *req.uri_mut() = uri;

        let entry = NetLogEntry {
            kind: EntryKind::Http,
            verdict: Verdict::Allowed,
            method: Some(method.to_string()),
            url: Some(url),
            rule: Some(rule),
            reason: mask_notes(&report),
            masked: report.masked,
            stripped: u32::try_from(report.stripped.len()).unwrap_or(u32::MAX),
            collapsed: u32::try_from(report.collapsed.iter().map(|(_, n)| n).sum::<usize>())
                .unwrap_or(u32::MAX),
            ..NetLogEntry::default()
        };
        for header in &report.stripped {
            tracing::warn!(
                "STRIPPED header '{header}' from {method} {} (foreign credential blocked)",
                entry.url.as_deref().unwrap_or_default()
            );
        }
        let head = method == Method::HEAD;
        Outcome::Forward(req, Box::new(Pending { entry, head }))
    }

    pub(crate) fn refuse_connect(&self, authority: &str, reason: &str) -> Response<Body> {
        self.log.record(NetLogEntry {
            kind: EntryKind::Connect,
            verdict: Verdict::Blocked,
            method: Some("CONNECT".into()),
            url: Some(authority.to_string()),
            status: Some(403),
            reason: Some(reason.to_string()),
            ..NetLogEntry::default()
        });
        tracing::warn!("BLOCKED CONNECT {authority} -> 403 ({reason})");
        forbidden(responses::connect_body(authority))
    }

    fn refuse_mismatch(
        &self,
        header_host: &str,
        url_host: &str,
        method: &Method,
        url: String,
    ) -> Outcome {
        let reason = format!("host mismatch: header={header_host:?}, url={url_host}");
        self.log_blocked(method, url, reason);
        Outcome::Refuse(forbidden(responses::host_mismatch_body(
            header_host,
            url_host,
            method.as_str(),
        )))
    }

    fn refuse_blocked(
        &self,
        host: &str,
        path_and_query: &str,
        method: &Method,
        reason: policy::BlockReason,
        url: String,
    ) -> Outcome {
        self.log_blocked(method, url, reason.log_text().to_string());
        let body = responses::blocked_body(host, path_and_query, method.as_str(), reason);
        Outcome::Refuse(forbidden(body))
    }

    fn refuse_upgrade(
        &self,
        host: &str,
        path_and_query: &str,
        method: &Method,
        url: String,
    ) -> Outcome {
        self.log_blocked(
            method,
            url,
            "protocol upgrade (WebSocket) not supported".into(),
        );
        let body = serde_json::json!({
            "error": responses::ERROR_CODE,
            "host": host,
            "path": path_and_query,
            "method": method.as_str(),
            "message": "Protocol upgrades (WebSocket, h2c) are not supported by the network \
                        sandbox: it only carries requests it can check. Use plain HTTP requests \
                        (server-sent events work).",
        });
        Outcome::Refuse(forbidden(body.to_string()))
    }

    fn log_blocked(&self, method: &Method, url: String, reason: String) {
        tracing::warn!("BLOCKED {method} {url} -> 403 ({reason})");
        self.log.record(NetLogEntry {
            kind: EntryKind::Http,
            verdict: Verdict::Blocked,
            method: Some(method.to_string()),
            url: Some(url),
            status: Some(403),
            reason: Some(reason),
            ..NetLogEntry::default()
        });
    }
}

/// A request asking to switch protocols. hudsucker would hand a WebSocket
/// upgrade to tokio-tungstenite, which dials with its own resolver and
/// around our connector, so upgrades are refused rather than half-checked.
fn is_upgrade(req: &Request<Body>) -> bool {
    req.headers().contains_key(UPGRADE)
        || req
            .headers()
            .get_all(CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|token| token.trim().eq_ignore_ascii_case("upgrade"))
}

/// Words for the log about masking events that are not counts.
fn mask_notes(report: &MaskReport) -> Option<String> {
    (!report.unscoped_surrogates.is_empty()).then(|| {
        format!(
            "surrogate sent outside its scope (not swapped): {}",
            report.unscoped_surrogates.join(", ")
        )
    })
}

/// A 403 with a JSON body.
pub(crate) fn forbidden(body: String) -> Response<Body> {
    json_response(StatusCode::FORBIDDEN, body)
}

pub(crate) fn json_response(status: StatusCode, body: String) -> Response<Body> {
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    res.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(responses::CONTENT_TYPE),
    );
    res
}

#[cfg(test)]
#[path = "gate_tests.rs"]
mod tests;
