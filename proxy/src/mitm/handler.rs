//! The hudsucker `HttpHandler`: which stage of a connection a request is in
//! decides what it may be.
//!
//! One handler instance follows one connection: hudsucker clones it for the
//! connection, passes that clone through the CONNECT, `should_intercept_*`
//! and into every request of the decrypted session. The `phase` it carries
//! is therefore the connection's state:
//!
//! - `Fresh`: the only acceptable request is the adapter's own CONNECT to the
//!   tripwire, from a registered peer (anything else is refused);
//! - `Tunnel`: the CONNECT was accepted, the TLS name not yet verified;
//!   hudsucker only serves requests here if the tunnel was not TLS, which
//!   the adapter rules out, so all are refused;
//! - `Tls`: the ClientHello hudsucker parsed named the SNI the adapter
//!   registered; requests go through the [`Gate`] with that SNI, and any
//!   CONNECT (the nested-CONNECT hole) is refused.

use std::net::SocketAddr;
use std::sync::Arc;

use http::header::CONTENT_LENGTH;
use http::{Method, Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use hudsucker::rustls::server::ClientHello;
use hudsucker::{Body, HttpContext, HttpHandler, RequestOrResponse};

use super::gate::{Gate, Origin, Outcome, Pending, forbidden, json_response};
use super::host::canonical_host;
use super::registry::{PeerRegistry, Registration, Route};
use super::scrub_body::ScrubBody;
use super::upstream::UpstreamError;
use crate::netlog::{EntryKind, NetLogEntry, Verdict};

/// Which internal listener a handler serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listener {
    /// Adapter connections from :443 (CONNECT to the tripwire, then TLS).
    Tls,
    /// Adapter connections from :80 (plain HTTP requests).
    Plain,
}

pub(crate) struct Shared {
    pub gate: Arc<Gate>,
    pub registry: PeerRegistry,
    pub listener: Listener,
    /// `127.0.0.1:port` of the tripwire: the only CONNECT authority.
    pub tripwire: String,
}

#[derive(Clone)]
enum Phase {
    Fresh,
    Tunnel { registration: Arc<Registration> },
    Tls { sni: Arc<str> },
}

#[derive(Clone)]
pub(crate) struct GateHandler {
    shared: Arc<Shared>,
    phase: Phase,
    pending: Option<Box<Pending>>,
}

impl GateHandler {
    pub(crate) fn new(shared: Arc<Shared>) -> GateHandler {
        GateHandler {
            shared,
            phase: Phase::Fresh,
            pending: None,
        }
    }

    fn request(&mut self, peer: SocketAddr, req: Request<Body>) -> RequestOrResponse {
        let registration = self.shared.registry.lookup(peer);
        let outcome = match (&self.phase, self.shared.listener) {
            (Phase::Tls { sni }, Listener::Tls) => {
                let sni = Arc::clone(sni);
                self.shared.gate.check(req, Origin::Tls { sni: &sni })
            }
            (Phase::Fresh, Listener::Plain) => match registration.as_deref() {
                Some(Registration {
                    route: Route::Plain,
                    ..
                }) => self.shared.gate.check(req, Origin::Plain),
                _ => Outcome::Refuse(
                    self.refuse_connection(peer, "request from a peer no :80 adapter registered"),
                ),
            },
            (Phase::Fresh, Listener::Tls) => return self.adapter_connect(peer, registration, req),
            (Phase::Tunnel { .. }, _) | (_, Listener::Plain) => {
                Outcome::Refuse(self.refuse_connection(
                    peer,
                    "request inside a tunnel whose TLS name was not verified",
                ))
            }
        };
        match outcome {
            Outcome::Forward(req, pending) => {
                self.pending = Some(pending);
                RequestOrResponse::Request(req)
            }
            Outcome::Refuse(res) => RequestOrResponse::Response(res),
        }
    }

    /// The first request on a :443 adapter connection: the adapter's CONNECT
    /// to the tripwire. Let through only from a peer registered for TLS.
    fn adapter_connect(
        &mut self,
        peer: SocketAddr,
        registration: Option<Arc<Registration>>,
        req: Request<Body>,
    ) -> RequestOrResponse {
        let to_tripwire = req.method() == Method::CONNECT
            && req
                .uri()
                .authority()
                .is_some_and(|a| a.as_str() == self.shared.tripwire);
        match registration {
            Some(registration)
                if to_tripwire && matches!(registration.route, Route::Tls { .. }) =>
            {
                tracing::debug!(
                    "tunnel {peer} carries {:?} for {}",
                    registration.route,
                    registration.client
                );
                self.phase = Phase::Tunnel { registration };
                RequestOrResponse::Request(req)
            }
            _ if req.method() == Method::CONNECT => {
                let authority = req
                    .uri()
                    .authority()
                    .map_or_else(String::new, |a| a.to_string());
                let why =
                    "CONNECT from an unregistered peer or to another address than the tripwire";
                RequestOrResponse::Response(self.shared.gate.refuse_connect(&authority, why))
            }
            _ => RequestOrResponse::Response(
                self.refuse_connection(peer, "request outside a registered tunnel"),
            ),
        }
    }

    fn refuse_connection(&self, peer: SocketAddr, why: &str) -> Response<Body> {
        tracing::error!("internal listener: {why} ({peer})");
        self.shared.gate.log.record(NetLogEntry {
            kind: EntryKind::Connection,
            verdict: Verdict::Blocked,
            status: Some(403),
            reason: Some(why.to_string()),
            ..NetLogEntry::default()
        });
        forbidden(
            serde_json::json!({
                "error": crate::policy::responses::ERROR_CODE,
                "message": "This connection did not come through the network sandbox's checks.",
            })
            .to_string(),
        )
    }

    /// Verifies that the ClientHello hudsucker is about to answer names the
    /// SNI the adapter validated and registered. `false` sends hudsucker's
    /// raw tunnel to the tripwire, which logs and closes.
    fn verify_tls(&mut self, hello: &ClientHello<'_>) -> bool {
        let Phase::Tunnel { registration } = &self.phase else {
            tracing::error!("TLS interception outside an accepted CONNECT");
            return false;
        };
        let Route::Tls { sni } = &registration.route else {
            return false;
        };
        let seen = hello.server_name().and_then(canonical_host);
        if seen.as_deref() != Some(sni.as_str()) {
            tracing::error!("SNI changed between adapter ({sni}) and interception ({seen:?})");
            self.shared.gate.log.record(NetLogEntry {
                kind: EntryKind::Connection,
                verdict: Verdict::Blocked,
                url: Some(sni.clone()),
                reason: Some(format!("SNI changed after validation: {seen:?}")),
                ..NetLogEntry::default()
            });
            return false;
        }
        self.phase = Phase::Tls {
            sni: Arc::from(sni.as_str()),
        };
        true
    }

    fn response(&mut self, mut res: Response<Body>) -> Response<Body> {
        let Some(pending) = self.pending.take() else {
            return res;
        };
        let Pending { mut entry, head } = *pending;
        let masker = &self.shared.gate.masker;
        entry.status = Some(res.status().as_u16());
        entry.scrubbed = masker.scrub_headers(res.headers_mut());
        let bodiless = head
            || res.status().is_informational()
            || res.status() == StatusCode::NO_CONTENT
            || res.status() == StatusCode::NOT_MODIFIED;
        if bodiless || !masker.scrubs_responses() {
            self.shared.gate.log.record(entry);
            return res;
        }
        // Replacements may change the body's length.
        res.headers_mut().remove(CONTENT_LENGTH);
        let log = self.shared.gate.log.clone();
        res.map(|body| {
            let scrubbed = ScrubBody::new(body, Arc::clone(masker), log, entry);
            Body::from(BoxBody::new(scrubbed))
        })
    }

    fn error(&mut self, err: &hyper_util::client::legacy::Error) -> Response<Body> {
        let message = upstream_message(err);
        if let Some(pending) = self.pending.take() {
            let mut entry = pending.entry;
            entry.verdict = Verdict::Error;
            entry.status = Some(502);
            tracing::warn!(
                "ERROR {} {} -> {message}",
                entry.method.as_deref().unwrap_or_default(),
                entry.url.as_deref().unwrap_or_default()
            );
            entry.reason = Some(message.clone());
            self.shared.gate.log.record(entry);
        }
        let body = serde_json::json!({
            "error": "upstream_request_failed",
            "message": message,
        });
        json_response(StatusCode::BAD_GATEWAY, body.to_string())
    }
}

/// The most useful words in a client error: our connector's own refusal if
/// it is in the chain, else the innermost cause.
fn upstream_message(err: &hyper_util::client::legacy::Error) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    let mut innermost = err.to_string();
    while let Some(current) = source {
        if let Some(ours) = current.downcast_ref::<UpstreamError>() {
            return ours.to_string();
        }
        innermost = current.to_string();
        source = current.source();
    }
    innermost
}

impl HttpHandler for GateHandler {
    async fn handle_request(&mut self, ctx: &HttpContext, req: Request<Body>) -> RequestOrResponse {
        self.request(ctx.client_addr, req)
    }

    async fn handle_response(&mut self, _ctx: &HttpContext, res: Response<Body>) -> Response<Body> {
        self.response(res)
    }

    async fn handle_error(
        &mut self,
        _ctx: &HttpContext,
        err: hyper_util::client::legacy::Error,
    ) -> Response<Body> {
        self.error(&err)
    }

    async fn should_intercept_connect(&mut self, _ctx: &HttpContext, _req: &Request<Body>) -> bool {
        // `false` would make hudsucker tunnel raw bytes; `true` leads to TLS
        // interception (checked in `should_intercept_tls`), and anything
        // else ends at the tripwire.
        true
    }

    async fn should_intercept_tls(&mut self, _ctx: &HttpContext, hello: ClientHello<'_>) -> bool {
        self.verify_tls(&hello)
    }
}

#[cfg(test)]
#[path = "handler_tests.rs"]
mod tests;
