//! What an answer in a conversation's email thread needs, kept in the
//! store (`replies` tree, key `email/<conversation>`) so a restart — or an
//! interrupted notice at boot — still replies in the right thread.

use serde::{Deserialize, Serialize};

use crate::intake::{ConversationId, InboundMessage};
use crate::store::{Record, Store, StoreError, TreeName};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailThread {
    /// The verified sender (`Name <address>`): replies go there.
    pub to: String,
    pub subject: String,
    /// The `References` chain ending with the user's Message-ID.
    pub refs: Vec<String>,
}

impl Record for EmailThread {
    const TREE: TreeName = TreeName::Replies;
    const SCHEMA_VERSION: u16 = 1;
}

fn key(conversation: &ConversationId) -> String {
    format!("email/{conversation}")
}

impl EmailThread {
    pub fn from_message(message: &InboundMessage) -> EmailThread {
        EmailThread {
            to: message.sender.display.clone(),
            subject: message.subject.clone().unwrap_or_default(),
            refs: message.reply_refs.clone(),
        }
    }

    /// In-Reply-To: the last of the chain.
    pub fn message_id(&self) -> Option<&str> {
        self.refs.last().map(String::as_str)
    }

    /// The chain before the user's message, joined.
    pub fn references(&self) -> Option<String> {
        let (_, before) = self.refs.split_last()?;
        (!before.is_empty()).then(|| before.join(" "))
    }

    pub fn load(
        store: &Store,
        conversation: &ConversationId,
    ) -> Result<Option<EmailThread>, StoreError> {
        store.get(&key(conversation))
    }

    pub fn save(&self, store: &Store, conversation: &ConversationId) -> Result<(), StoreError> {
        store.put(&key(conversation), self)
    }

    pub fn remove(store: &Store, conversation: &ConversationId) -> Result<bool, StoreError> {
        store.remove::<EmailThread>(&key(conversation))
    }
}
