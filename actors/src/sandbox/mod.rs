//! The execution sandbox: container engine, images, containers.
//!
//! Knows nothing of allowlists or channels; the conversation actor wires it
//! to the rest.

pub mod claude_binary;
pub mod engine;
pub mod engine_endpoints;
