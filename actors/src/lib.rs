//! Airut control plane.
pub mod channel;
pub mod config;
pub mod conversation;
pub mod gateway;
pub mod git;
pub mod housekeeping;
pub mod hub;
pub mod intake;
pub mod keyed_lock;
pub mod metrics;
pub mod percent_encoding;
pub mod repo;
pub mod sandbox;
pub mod state_dir;
pub mod store;
pub mod task_prompt;
pub mod task_runner;
