//! Prometheus metrics (spec/metrics.md): a pure text encoder, the
//! counters the hub folds from its events, the gauges read from live
//! state at scrape time, and the proxy decisions counted from a finished
//! task's network log.

mod exposition;
mod gateway_metrics;
mod histogram;
mod live;
mod network_decisions;
mod render;

pub use exposition::{CONTENT_TYPE, Exposition, MetricType, format_value, valid_name};
pub use gateway_metrics::{
    Counters, DURATION_BOUNDS, FIRST_EVENT_BOUNDS, GatewayMetrics, RepoCounters,
};
pub use histogram::Histogram;
pub use live::{IntakeBacklog, LiveState, boot_phase_label, repo_state_label};
pub use network_decisions::{NetworkDecisions, count_decisions, count_task_log};
pub use render::{Scrape, render};
