//! A scripted Anthropic Messages API for end-to-end tests.
//!
//! Claude Code, pointed at it with `ANTHROPIC_BASE_URL`, gets the answers the
//! test scripted, over the real wire protocol. The server records every
//! request and every surprise (a failed expectation, an exhausted script, an
//! unknown endpoint), and [`ModelServer::assert_ok`] turns them into one clear
//! test failure. See `spec/model-server.md`.
//!
//! ```no_run
//! use airut_testkit::model_server::{ModelServer, Script, ToolUse, Turn};
//!
//! let server = ModelServer::start(
//!     Script::new()
//!         .turn(Turn::tool(ToolUse::bash("touch done")))
//!         .turn(Turn::text("Done.").expect_tool_results()),
//! );
//! // … run Claude Code with ANTHROPIC_BASE_URL = server.base_url() …
//! server.assert_ok();
//! ```
//!
//! The server runs on its own thread with its own Tokio runtime, so it keeps
//! answering whatever the test thread does (blocking on a child process,
//! running an actix system, …). Dropping the handle stops it.
//!
//! The `start_tls_*` constructors serve the same script over HTTPS with a
//! certificate the test provides, for a client that must see a real TLS
//! upstream (Claude Code behind the network sandbox's proxy).

mod api_error;
mod dispatch;
mod http;
mod recorded;
mod script;
mod sse;
mod tls;

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

pub use api_error::ApiError;
pub use dispatch::EXHAUSTED_TEXT;
pub use recorded::{Failure, RecordedRequest, RequestKind};
pub use script::{
    Answer, Block, Expectation, Repeat, Reply, Script, SideMatch, SideRule, ToolUse, Turn,
};
pub use sse::{Message, SseEvent};

use dispatch::Dispatcher;
use http::Shared;

/// The name under which rootful Podman containers on the default network
/// reach the host (Podman writes it into the container's `/etc/hosts`; it is
/// the bridge gateway, `10.88.0.1` here). A server meant for containers must
/// listen on it or on `0.0.0.0`: see [`ModelServer::start_for_containers`].
pub const CONTAINER_HOST: &str = "host.containers.internal";

/// A running scripted model server. Stops when dropped.
#[derive(Debug)]
pub struct ModelServer {
    addr: SocketAddr,
    tls: bool,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ModelServer {
    /// Starts on `127.0.0.1`, on a free port.
    ///
    /// # Panics
    /// When no loopback port can be bound (a broken test machine).
    pub fn start(script: Script) -> ModelServer {
        ModelServer::start_on((Ipv4Addr::LOCALHOST, 0), script)
    }

    /// Starts on every interface, on a free port, so that Podman containers
    /// reach it at `http://host.containers.internal:PORT`
    /// ([`ModelServer::container_base_url`]). The port is also open to the
    /// machine's network for the test's duration.
    ///
    /// # Panics
    /// When the port cannot be bound.
    pub fn start_for_containers(script: Script) -> ModelServer {
        ModelServer::start_on((Ipv4Addr::UNSPECIFIED, 0), script)
    }

    /// Starts on `addr` (for example `"0.0.0.0:0"`).
    ///
    /// # Panics
    /// When `addr` cannot be bound; a test cannot go on without its server.
    pub fn start_on(addr: impl ToSocketAddrs + std::fmt::Debug, script: Script) -> ModelServer {
        let shown = format!("{addr:?}");
        match ModelServer::try_start_on(addr, script) {
            Ok(server) => server,
            Err(error) => panic!("model server: cannot listen on {shown}: {error}"),
        }
    }

    /// Starts on `addr`, returning the error instead of panicking.
    pub fn try_start_on(addr: impl ToSocketAddrs, script: Script) -> io::Result<ModelServer> {
        ModelServer::launch(addr, script, None)
    }

    /// Like [`ModelServer::start_for_containers`], over HTTPS: every
    /// interface, a free port, and TLS with `cert_pem` (the leaf first, then
    /// any intermediates) and its `key_pem`. The client must trust the
    /// certificate's issuer and ask for a name the certificate holds.
    ///
    /// # Panics
    /// When the port cannot be bound or the certificate or key is unusable.
    pub fn start_tls_for_containers(script: Script, cert_pem: &str, key_pem: &str) -> ModelServer {
        ModelServer::start_tls_on((Ipv4Addr::UNSPECIFIED, 0), script, cert_pem, key_pem)
    }

    /// Like [`ModelServer::start_on`], over HTTPS (see
    /// [`ModelServer::start_tls_for_containers`]).
    ///
    /// # Panics
    /// When `addr` cannot be bound or the certificate or key is unusable.
    pub fn start_tls_on(
        addr: impl ToSocketAddrs + std::fmt::Debug,
        script: Script,
        cert_pem: &str,
        key_pem: &str,
    ) -> ModelServer {
        let shown = format!("{addr:?}");
        match ModelServer::try_start_tls_on(addr, script, cert_pem, key_pem) {
            Ok(server) => server,
            Err(error) => panic!("model server: cannot serve HTTPS on {shown}: {error}"),
        }
    }

    /// [`ModelServer::start_tls_on`], returning the error instead of
    /// panicking (`InvalidInput` for an unusable certificate or key).
    pub fn try_start_tls_on(
        addr: impl ToSocketAddrs,
        script: Script,
        cert_pem: &str,
        key_pem: &str,
    ) -> io::Result<ModelServer> {
        let acceptor = tls::acceptor(cert_pem, key_pem)?;
        ModelServer::launch(addr, script, Some(acceptor))
    }

    fn launch(
        addr: impl ToSocketAddrs,
        script: Script,
        tls: Option<tokio_rustls::TlsAcceptor>,
    ) -> io::Result<ModelServer> {
        let is_tls = tls.is_some();
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let shared = Arc::new(Shared::new(Dispatcher::new(script)));
        let (shutdown, shutdown_rx) = oneshot::channel();
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("model-server-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => {
                            http::serve(listener, thread_shared, tls, shutdown_rx).await;
                        }
                        Err(error) => eprintln!("model server: cannot use the listener: {error}"),
                    }
                });
            })?;
        Ok(ModelServer {
            addr,
            tls: is_tls,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Whether it serves HTTPS (a `start_tls_*` constructor).
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    fn scheme(&self) -> &'static str {
        if self.tls { "https" } else { "http" }
    }

    /// `http://HOST:PORT` for `ANTHROPIC_BASE_URL` on this machine (a
    /// wildcard listen address is given as `127.0.0.1`); `https://` in the
    /// HTTPS mode, where the client must accept the certificate for that
    /// address.
    pub fn base_url(&self) -> String {
        let ip = self.addr.ip();
        if ip.is_unspecified() {
            format!("{}://127.0.0.1:{}", self.scheme(), self.port())
        } else {
            format!("{}://{}", self.scheme(), self.addr)
        }
    }

    /// `http://host.containers.internal:PORT` (`https://` in the HTTPS
    /// mode), for Claude Code inside a Podman container on the default
    /// network.
    ///
    /// # Panics
    /// When the server listens on loopback only, which containers cannot
    /// reach; start it with [`ModelServer::start_for_containers`].
    pub fn container_base_url(&self) -> String {
        assert!(
            !self.addr.ip().is_loopback(),
            "model server listens on {} (loopback), which containers cannot reach; \
             use ModelServer::start_for_containers",
            self.addr
        );
        format!("{}://{CONTAINER_HOST}:{}", self.scheme(), self.port())
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// The requests of the main conversation (including those answered
    /// after the script was exhausted).
    pub fn main_requests(&self) -> Vec<RecordedRequest> {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| matches!(r.kind, RequestKind::Main { .. }))
            .cloned()
            .collect()
    }

    /// The side requests (taken by a [`SideRule`]).
    pub fn side_requests(&self) -> Vec<RecordedRequest> {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| matches!(r.kind, RequestKind::Side { .. }))
            .cloned()
            .collect()
    }

    /// The distinct values received in `header` (case-insensitive), one of
    /// the secret headers that requests record as `<redacted>`
    /// (`x-api-key`, `authorization`, `proxy-authorization`), in the order
    /// first seen. For checking which credential reached the server (a
    /// masked secret swapped in by a proxy) without putting it into the
    /// records that failure messages print.
    pub fn secret_header_values(&self, header: &str) -> Vec<String> {
        self.shared.lock().secrets.values(header)
    }

    /// Everything that went against the script so far.
    pub fn failures(&self) -> Vec<Failure> {
        self.shared.lock().failures.clone()
    }

    /// How many turns have been used up (a [`Turn::forever`] turn counts
    /// once it has answered).
    pub fn turns_used(&self) -> usize {
        self.shared.lock().dispatcher.turns_used()
    }

    /// Panics, listing failures and requests, when anything went against the
    /// script or some turn was never requested.
    pub fn assert_ok(&self) {
        self.assert(true);
    }

    /// Like [`ModelServer::assert_ok`] but accepts turns that were never
    /// requested.
    pub fn assert_no_failures(&self) {
        self.assert(false);
    }

    fn assert(&self, require_all_turns: bool) {
        let state = self.shared.lock();
        let mut problems: Vec<String> = state.failures.iter().map(Failure::to_string).collect();
        if require_all_turns && let Some(unused) = state.dispatcher.unused_turns() {
            problems.push(unused);
        }
        if problems.is_empty() {
            return;
        }
        let requests: Vec<String> = state
            .requests
            .iter()
            .map(RecordedRequest::summary)
            .collect();
        let message = format!(
            "model server: {} problem(s):\n  {}\nrequests received:\n  {}",
            problems.len(),
            problems.join("\n  "),
            if requests.is_empty() {
                "(none)".to_string()
            } else {
                requests.join("\n  ")
            }
        );
        drop(state);
        panic!("{message}");
    }
}

impl Drop for ModelServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            // The thread may already be gone; then there is nothing to stop.
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            // A panic on the server thread was already printed.
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
#[path = "server_tests.rs"]
mod tests;
