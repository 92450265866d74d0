//! Pure rendering for the Slack channel's answers (no I/O): Markdown to
//! Slack mrkdwn, mention rewriting and inbound token resolution, splitting
//! long answers, the live plan message and DM thread titles. The decisions
//! are written down in `spec/slack-rendering.md`.

pub mod mentions;
pub mod mrkdwn;
pub mod notices;
pub mod plan;
pub mod split;
pub mod table;
pub mod title;

pub use mentions::{Participant, decode_entities, resolve_inbound, rewrite_mentions};
pub use mrkdwn::{escape, to_mrkdwn};
pub use plan::{PlanMessage, render_plan};
pub use split::{Delivery, SplitLimits, plan_delivery, split_message};
pub use title::thread_title;
