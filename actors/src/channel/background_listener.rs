//! What the email channel's IMAP loop and the Slack channel's socket share:
//! a background task that stops on a signal (abandoned if it does not stop
//! in time), and its health published to the hub for the dashboard.

use std::future::Future;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::sync::watch;

use super::Listener;
use crate::hub::{EventSink, GatewayEvent};

/// A listener stuck in a server call is abandoned after this long.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// Where a channel's listener is, for the dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenerHealth {
    Starting,
    Connected,
    /// Reconnecting after `error`; `attempt` counts failures in a row.
    Degraded {
        error: String,
        attempt: u32,
    },
    Stopped,
}

impl ListenerHealth {
    /// The hub's `ChannelHealth` state and error.
    fn describe(&self) -> (&'static str, Option<String>) {
        match self {
            ListenerHealth::Starting => ("starting", None),
            ListenerHealth::Connected => ("connected", None),
            ListenerHealth::Degraded { error, .. } => ("degraded", Some(error.clone())),
            ListenerHealth::Stopped => ("stopped", None),
        }
    }
}

/// Spawns `run(health, stop)` and a task that publishes every health change
/// of `channel` for `repo_id`; the returned listener stops it.
pub fn spawn_listener<F, Fut>(
    repo_id: &str,
    channel: &'static str,
    events: EventSink,
    run: F,
) -> Box<dyn Listener>
where
    F: FnOnce(watch::Sender<ListenerHealth>, watch::Receiver<bool>) -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let (health_tx, health_rx) = watch::channel(ListenerHealth::Starting);
    let (stop_tx, stop_rx) = watch::channel(false);
    let task = actix::spawn(run(health_tx, stop_rx));
    actix::spawn(report_health(
        repo_id.to_string(),
        channel,
        health_rx,
        events,
    ));
    Box::new(BackgroundListener {
        stop: stop_tx,
        task,
    })
}

struct BackgroundListener {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Listener for BackgroundListener {
    fn stop(self: Box<Self>) -> BoxFuture<'static, ()> {
        let _ = self.stop.send(true);
        let task = self.task;
        Box::pin(async move {
            let abort = task.abort_handle();
            if tokio::time::timeout(STOP_GRACE, task).await.is_err() {
                abort.abort();
            }
        })
    }
}

async fn report_health(
    repo_id: String,
    channel: &'static str,
    mut health: watch::Receiver<ListenerHealth>,
    events: EventSink,
) {
    loop {
        let (state, error) = health.borrow_and_update().describe();
        events.publish(GatewayEvent::ChannelHealth {
            repo_id: repo_id.clone(),
            channel: channel.into(),
            state: state.into(),
            error,
        });
        if health.changed().await.is_err() {
            return;
        }
    }
}
