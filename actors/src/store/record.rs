//! What a value must declare to be kept in the store.

use serde::{Serialize, de::DeserializeOwned};

/// The named trees of the store. Keeping the list closed means one place
/// says what the database holds, and a transaction can span any of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TreeName {
    Conversations,
    Tasks,
    TasksByConversation,
    Intake,
    SlackThreads,
    Replies,
    Meta,
}

impl TreeName {
    pub const ALL: [TreeName; 7] = [
        TreeName::Conversations,
        TreeName::Tasks,
        TreeName::TasksByConversation,
        TreeName::Intake,
        TreeName::SlackThreads,
        TreeName::Replies,
        TreeName::Meta,
    ];

    /// The sled tree name; part of the on-disk format, never rename.
    pub fn as_str(self) -> &'static str {
        match self {
            TreeName::Conversations => "conversations",
            TreeName::Tasks => "tasks",
            TreeName::TasksByConversation => "tasks_by_conversation",
            TreeName::Intake => "intake",
            TreeName::SlackThreads => "slack_threads",
            TreeName::Replies => "replies",
            TreeName::Meta => "meta",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// A serde value that lives in one tree with a schema version.
///
/// Bump `SCHEMA_VERSION` whenever the serialized shape changes in a way old
/// readers would misread; reading a value of another version is an error the
/// caller must handle (migrate or refuse), never a silent default.
pub trait Record: Serialize + DeserializeOwned {
    const TREE: TreeName;
    const SCHEMA_VERSION: u16;
}
