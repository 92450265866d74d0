//! Who is talking to hudsucker's internal listeners.
//!
//! hudsucker only knows a connection by its peer address. Every connection
//! to an internal listener is opened by one of our front-end adapters, which
//! registers the local address of that loopback socket (= the peer address
//! hudsucker reports in `HttpContext::client_addr`) with what the adapter
//! learned: the real client and, for :443, the SNI it validated. The CONNECT
//! the adapter writes therefore never has to carry the real destination: it
//! names the tripwire (DESIGN.md §9).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// What an adapter connection carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// TLS from :443, the ClientHello already validated; SNI canonical.
    Tls { sni: String },
    /// Plain HTTP from :80.
    Plain,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Registration {
    /// The task container's address (for log lines).
    pub client: SocketAddr,
    pub route: Route,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct PeerRegistry {
    peers: Arc<Mutex<HashMap<SocketAddr, Arc<Registration>>>>,
}

impl PeerRegistry {
    /// Registers `local` (the adapter's end of the loopback connection)
    /// until the returned guard is dropped.
    pub(crate) fn register(
        &self,
        local: SocketAddr,
        registration: Registration,
    ) -> RegistrationGuard {
        self.lock().insert(local, Arc::new(registration));
        RegistrationGuard {
            registry: self.clone(),
            local,
        }
    }

    pub(crate) fn lookup(&self, peer: SocketAddr) -> Option<Arc<Registration>> {
        self.lock().get(&peer).cloned()
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SocketAddr, Arc<Registration>>> {
        // The map stays consistent across a panic (single insert/remove
        // calls), so a poisoned lock is still safe to use.
        self.peers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Removes its registration when the adapter connection ends.
#[derive(Debug)]
pub(crate) struct RegistrationGuard {
    registry: PeerRegistry,
    local: SocketAddr,
}

impl Drop for RegistrationGuard {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.local);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_lives_as_long_as_its_guard() {
        let registry = PeerRegistry::default();
        let local: SocketAddr = "127.0.0.1:40000".parse().expect("addr");
        let client: SocketAddr = "10.0.0.2:5000".parse().expect("addr");
        let guard = registry.register(
            local,
            Registration {
                client,
                route: Route::Tls {
                    sni: "a.test".into(),
                },
            },
        );
        let found = registry.lookup(local).expect("registered");
        assert_eq!(
            found.route,
            Route::Tls {
                sni: "a.test".into()
            }
        );
        assert!(
            registry
                .lookup("127.0.0.1:40001".parse().expect("addr"))
                .is_none()
        );
        drop(guard);
        assert!(registry.lookup(local).is_none());
        assert_eq!(registry.len(), 0);
    }
}
