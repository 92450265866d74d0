//! Intake: the durable journal of inbound messages and the merging of
//! follow-ups into one task. Channels write here before they delete a mail
//! or acknowledge a Slack event; conversation actors read from here. See
//! `spec/intake.md`.

mod coalesce;
pub(crate) use coalesce::unique_name;
mod journal;
mod message;
mod records;

pub use coalesce::{AttributedEntry, MergedRequest, coalesce};
pub use journal::{
    ConversationOrigin, IntakeError, IntakeJournal, Recorded, Recovered, forget_thread_links,
};
pub use message::{Attachment, ConversationId, InboundMessage, Sender};
pub use records::{IntakeId, JournalEntry, MessageState};

#[cfg(test)]
pub(crate) mod test_support;
