//! The transparent HTTP(S) path: :80 and :443 in front of hudsucker.
//!
//! ```text
//! task ──TLS──▶ :443 adapter ──CONNECT <tripwire> + ClientHello──▶ internal TLS listener (hudsucker)
//!                 │ validates TLS + SNI, registers                       │ GateHandler: phase Fresh → Tunnel → Tls{sni}
//!                 ▼ (local addr → SNI)                                   ▼ Gate: no CONNECT, Host = SNI, allowlist, masking
//!              PeerRegistry ◀──────── lookup by HttpContext::client_addr  upstream connector (resolves only now)
//! task ──HTTP─▶ :80 adapter ──bytes──▶ internal plain listener (hudsucker, same handler in Plain mode)
//!                                    any raw tunnel hudsucker opens ──▶ tripwire (logs, closes)
//! ```
//!
//! Files, one step each: [`client_hello`] (reading SNI before forwarding a
//! byte), [`front`] (the adapters and the tripwire), [`registry`] (SNI out of
//! band), [`handler`] (connection phases), [`gate`] (the per-request checks),
//! [`scrub_body`] (responses back to the container), [`upstream`] and
//! [`resolve`] (the only way out), [`server`] (wiring hudsucker). The design
//! and each hole it closes are written down in `spec/proxy.md`.

mod client_hello;
mod front;
mod gate;
mod handler;
mod host;
mod registry;
mod resolve;
mod scrub_body;
mod server;
mod splice;
mod upstream;

use std::time::Duration;

pub use resolve::{DnsServerResolver, Resolve, ResolveFuture, SystemResolver};
pub use server::{MitmAddrs, MitmError, MitmOptions, MitmServer};
pub use upstream::{TlsRootsError, UpstreamConnector, UpstreamError, https_connector};

/// Every time and count limit of the HTTP(S) path in one place (hudsucker
/// itself sets none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// From accept to a complete ClientHello on :443.
    pub client_hello: Duration,
    /// For a request head, including the idle wait for the next request on
    /// a kept-alive connection (hyper's header read timeout starts when it
    /// begins waiting for a head).
    pub header_read: Duration,
    /// A connection on which no byte moved either way for this long is
    /// closed, whatever state it is in (a stalled body, a stuck handshake).
    /// Long: a model may think for minutes before its first byte.
    pub idle: Duration,
    /// TCP connect to an upstream address.
    pub upstream_connect: Duration,
    /// Pooled upstream connections unused for this long are closed.
    pub upstream_pool_idle: Duration,
    /// Client connections served at once (:80 and :443 together); more wait
    /// in the kernel's accept queue.
    pub max_connections: usize,
    /// On shutdown, how long open connections may finish.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            client_hello: Duration::from_secs(10),
            header_read: Duration::from_secs(60),
            idle: Duration::from_secs(15 * 60),
            upstream_connect: Duration::from_secs(10),
            upstream_pool_idle: Duration::from_secs(60),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(2),
        }
    }
}
