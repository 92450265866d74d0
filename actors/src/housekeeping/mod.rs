//! Housekeeping: removing conversations nobody has used for a while and the
//! task images nothing needs any more. The gateway schedules the passes; see
//! `spec/housekeeping.md` for what is removed and what never is.

pub mod conversations;
pub mod image_prune;
pub mod select;

pub use conversations::{
    HousekeepingError, SweepReport, busy_conversations, remove_conversation, sweep,
};
pub use image_prune::{
    PruneReport, planned_image_prune, planned_image_prune_where, prune_images, prune_images_where,
};
pub use select::expired;
