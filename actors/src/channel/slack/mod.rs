//! The Slack channel (reference channels.md §2): Socket Mode intake, event
//! classification, authorization rules, inbound conversion and files.
//!
//! Pure protocol code (`events`, `authorizer` rules, `inbound` text) does no
//! I/O; the socket client, the factory and the Web API wrappers do.

pub mod api;
pub mod authorizer;
pub mod directory;
pub mod events;
pub mod factory;
pub mod inbound;
pub mod intake;
pub mod origin;
pub mod outbound;
mod recent_keys;
pub mod render;
pub mod socket;
pub mod uploads;

pub use api::SlackApi;
pub use factory::SlackChannelFactory;
pub use outbound::{SlackChannel, SlackOutboundSettings};
