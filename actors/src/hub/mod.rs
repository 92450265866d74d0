//! The dashboard hub (DESIGN §3): every actor publishes its state changes
//! here; the hub keeps a live snapshot for new subscribers, pushes each
//! event to the current ones, and persists task records in the store so a
//! restart keeps the history.

mod actor;
mod event;
mod task_record;

pub use actor::{
    ChannelState, FINISHED_IN_SNAPSHOT, GetMetrics, GetSnapshot, Hub, HubSnapshot, MetricsSnapshot,
    Publish, QueuedMessage, REJECTIONS_IN_SNAPSHOT, RejectedMessage, Subscribe, sink,
};
pub use event::{BootPhase, GatewayEvent, RepoStatus, TaskRef, now_ms};
pub use task_record::{INTERRUPTED, TaskRecord, TaskStatus, apply};

/// Where actors publish events. Cheap to clone; a sink without a hub
/// (tests of a single actor) drops them.
#[derive(Clone, Default)]
pub struct EventSink {
    publish: Option<std::sync::Arc<dyn Fn(GatewayEvent) + Send + Sync>>,
}

impl EventSink {
    pub fn none() -> EventSink {
        EventSink::default()
    }

    pub fn from_fn(f: impl Fn(GatewayEvent) + Send + Sync + 'static) -> EventSink {
        EventSink {
            publish: Some(std::sync::Arc::new(f)),
        }
    }

    pub fn publish(&self, event: GatewayEvent) {
        if let Some(publish) = &self.publish {
            publish(event);
        }
    }
}
