//! The dashboard's HTTP server in-process, over a gateway started by
//! [`super::gateway_fixture::GatewayFixture`] with a hub.

use actix::Addr;
use airut::web::{WebState, start};
use airut_actors::config::Secret;
use airut_actors::gateway::Gateway;
use airut_actors::hub::Hub;

use super::gateway_fixture::GatewayFixture;

pub struct Web {
    /// `http://127.0.0.1:<port>`
    pub base: String,
    pub handle: actix_web::dev::ServerHandle,
}

/// Serves the dashboard for `gateway` on a free loopback port.
pub fn start_web(
    fx: &GatewayFixture,
    gateway: &Addr<Gateway>,
    hub: &Addr<Hub>,
    auth_token: Option<&str>,
) -> Web {
    let state = WebState {
        instance_id: super::unique("web"),
        started: std::time::Instant::now(),
        repo_count: 1,
        gateway: gateway.clone(),
        hub: hub.clone(),
        store: fx.store.clone(),
        state_dir: fx.state_dir(),
        auth_token: auth_token.map(Secret::new),
    };
    let (server, addrs) = start("127.0.0.1", 0, state).expect("dashboard");
    let handle = server.handle();
    actix_web::rt::spawn(server);
    let addr = addrs.first().expect("an address");
    Web {
        base: format!("http://{addr}"),
        handle,
    }
}
