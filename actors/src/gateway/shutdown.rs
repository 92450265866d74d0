//! Graceful shutdown (gateway.md G21, done in the other order): intake
//! stops first, running tasks get `execution.shutdown_timeout` to finish,
//! then are stopped (their senders told they may reply to resume), and
//! only then is the network infrastructure removed. Queued messages stay
//! queued in the journal and run after the next start.

use std::time::{Duration, Instant};

use actix::prelude::*;
use tracing::{info, warn};

use super::Gateway;
use super::environment::{remove_egress, remove_leftovers};
use crate::hub::BootPhase;
use crate::repo::{DrainRepo, InterruptRepo, RepoActor};

/// How long interrupted tasks get to end (their containers are stopped
/// with a grace period, then killed).
const INTERRUPT_WAIT: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(200);

#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "ShutdownReport")]
pub struct Shutdown;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Tasks still running when the drain time was up, and stopped.
    pub interrupted: usize,
    /// Tasks that did not end even after being stopped.
    pub abandoned: usize,
}

impl Handler<Shutdown> for Gateway {
    type Result = ResponseActFuture<Self, ShutdownReport>;

    fn handle(&mut self, _: Shutdown, _: &mut Context<Self>) -> Self::Result {
        self.shutting_down = true;
        self.set_boot(BootPhase::ShuttingDown);
        let listeners: Vec<_> = self
            .repos
            .values_mut()
            .filter_map(|entry| entry.listener.take())
            .collect();
        let repos: Vec<Addr<RepoActor>> = self
            .repos
            .values()
            .filter_map(|entry| entry.addr.clone())
            .collect();
        let env = self.env.clone();
        let store = self.settings.store.clone();
        let drain_time = self.settings.config.execution.shutdown_timeout;
        let work = async move {
            for listener in listeners {
                listener.stop().await;
            }
            let mut report = ShutdownReport::default();
            let running = wait_until_idle(&repos, drain_time).await;
            if running > 0 {
                info!(running, "drain time is up; stopping the running tasks");
                report.interrupted = count(&repos, InterruptRepo).await;
                report.abandoned = wait_until_idle(&repos, INTERRUPT_WAIT).await;
            }
            if let Some(env) = env {
                remove_leftovers(&env.engine, &env.names).await;
                remove_egress(&env.engine, &env.names).await;
            }
            match tokio::task::spawn_blocking(move || store.flush()).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => warn!("flushing the store: {error}"),
                Err(error) => warn!("flushing the store: {error}"),
            }
            info!(?report, "gateway stopped");
            report
        };
        Box::pin(actix::fut::wrap_future::<_, Self>(work))
    }
}

/// Drains every repo until no task runs or `limit` passes; returns how
/// many still run.
async fn wait_until_idle(repos: &[Addr<RepoActor>], limit: Duration) -> usize {
    let deadline = Instant::now() + limit;
    loop {
        let running = count(repos, DrainRepo).await;
        if running == 0 || Instant::now() >= deadline {
            return running;
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn count<M>(repos: &[Addr<RepoActor>], msg: M) -> usize
where
    M: Message<Result = usize> + Copy + Send + 'static,
    RepoActor: Handler<M>,
{
    let mut total = 0;
    for repo in repos {
        total += repo.send(msg).await.unwrap_or(0);
    }
    total
}
