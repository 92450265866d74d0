//! The execution sandbox: container engine, images, containers.
//!
//! Knows nothing of allowlists or channels; the conversation actor wires it
//! to the rest.

pub mod agent_task;
pub mod build_context;
pub mod claude_binary;
pub mod claude_invocation;
pub mod container_run;
pub mod container_spec;
pub mod engine;
pub mod engine_endpoints;
pub mod entrypoint;
pub mod events_log;
pub mod firewall;
pub mod images;
pub mod leftovers;
pub mod line_splitter;
pub mod names;
pub mod network_sandbox;
pub mod outcome;
pub mod podman_api;
pub mod stop_handle;
pub mod stream_json;
pub mod subnet_pool;
pub mod surrogates;
