//! The intake journal: every accepted message is on disk before the channel
//! deletes or acknowledges it, and stays there until its task has finished.
//!
//! This is the fix for the reference's at-most-once intake (W-1) and for its
//! late conversation ids (W-9): the id is allocated here, in the same
//! transaction that journals the message, so a second message in a brand-new
//! thread joins the first one's conversation.

use std::sync::Arc;

use thiserror::Error;

use super::message::{ConversationId, InboundMessage};
use super::records::{
    COUNTER_KEY, ConversationClaim, DedupeMark, IntakeCounter, IntakeId, JournalEntry,
    MessageState, OPEN_PREFIX, OpenMark, THREAD_PREFIX, ThreadLink, claim_key, dedupe_key,
    message_key, open_key, thread_key,
};
use crate::store::{Store, StoreError, StoreTx, TxError};

/// Random 32-bit ids collide rarely; a run of collisions this long means the
/// generator is broken, and failing beats looping forever.
const MAX_ID_ATTEMPTS: u32 = 32;

#[derive(Debug, Error)]
pub enum IntakeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "intake: no unused conversation id after {attempts} attempts; the id generator is not random"
    )]
    IdsExhausted { attempts: u32 },
    #[error("intake: message {id} is not in the journal")]
    Unknown { id: IntakeId },
    #[error("intake: message {id} is {from}, it cannot become {to}")]
    InvalidTransition {
        id: IntakeId,
        from: &'static str,
        to: &'static str,
    },
}

/// What `record` did with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Journaled and durable; the channel may now delete/acknowledge it.
    Accepted {
        id: IntakeId,
        conversation_id: ConversationId,
        origin: ConversationOrigin,
    },
    /// Seen before (a redelivery); `original` is the first copy. The channel
    /// acknowledges it again and does nothing else.
    Duplicate { original: IntakeId },
}

/// How the conversation of an accepted message was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationOrigin {
    /// The message named a conversation of this repo.
    Hint,
    /// An earlier message of the same thread already had one.
    Thread,
    /// A fresh id.
    New,
}

/// Unfinished work found at boot. Nothing is dropped: queued messages are to
/// be run, interrupted ones answered ("interrupted, reply to resume") and
/// then marked with [`IntakeJournal::mark_interrupted`].
#[derive(Debug, Default)]
pub struct Recovered {
    /// In arrival order.
    pub queued: Vec<JournalEntry>,
    /// Were running when the process stopped; still `Running` in the store
    /// until the notice is sent, so a second crash repeats the notice rather
    /// than losing it.
    pub interrupted: Vec<JournalEntry>,
    /// Records that could not be read, described for the operator.
    pub damaged: Vec<String>,
}

type IdSource = Arc<dyn Fn() -> u32 + Send + Sync>;

/// The durable journal of inbound messages. Cloning shares the store.
#[derive(Clone)]
pub struct IntakeJournal {
    store: Store,
    next_conversation_id: IdSource,
}

impl std::fmt::Debug for IntakeJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntakeJournal")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl IntakeJournal {
    pub fn new(store: Store) -> IntakeJournal {
        IntakeJournal::with_id_source(store, rand::random::<u32>)
    }

    /// Uses `source` for new conversation ids; tests inject collisions.
    pub fn with_id_source(
        store: Store,
        source: impl Fn() -> u32 + Send + Sync + 'static,
    ) -> IntakeJournal {
        IntakeJournal {
            store,
            next_conversation_id: Arc::new(source),
        }
    }

    /// Journals `msg` and gives it a conversation, atomically, then waits
    /// until it is on disk. Blocks: call from `spawn_blocking`.
    pub fn record(&self, msg: &InboundMessage) -> Result<Recorded, IntakeError> {
        let outcome = self.store.transaction(|tx| {
            let dedupe = dedupe_key(&msg.repo_id, &msg.dedupe_key);
            if let Some(mark) = tx.get::<DedupeMark>(&dedupe)? {
                return Ok(Ok(Recorded::Duplicate { original: mark.id }));
            }
            // An empty thread key means the channel has no threads; joining
            // on it would merge unrelated messages.
            let thread =
                (!msg.thread_key.is_empty()).then(|| thread_key(&msg.repo_id, &msg.thread_key));
            let linked = match &thread {
                Some(key) => tx.get::<ThreadLink>(key)?,
                None => None,
            };
            let (conversation_id, origin) = if let Some(id) = known_hint(tx, msg)? {
                (id, ConversationOrigin::Hint)
            } else if let Some(link) = &linked {
                (link.conversation_id.clone(), ConversationOrigin::Thread)
            } else {
                match self.fresh_id(tx)? {
                    Some(id) => (id, ConversationOrigin::New),
                    None => {
                        return Ok(Err(IntakeError::IdsExhausted {
                            attempts: MAX_ID_ATTEMPTS,
                        }));
                    }
                }
            };
            if origin == ConversationOrigin::New {
                let claim = ConversationClaim {
                    repo_id: msg.repo_id.clone(),
                };
                tx.put(&claim_key(&conversation_id), &claim)?;
            }
            // The first conversation a thread got stays its conversation; a
            // hint pointing elsewhere routes only its own message.
            if let (Some(key), None) = (&thread, &linked) {
                let link = ThreadLink {
                    conversation_id: conversation_id.clone(),
                };
                tx.put(key, &link)?;
            }
            let id = next_intake_id(tx)?;
            tx.put(&dedupe, &DedupeMark { id })?;
            let entry = JournalEntry {
                id,
                conversation_id: conversation_id.clone(),
                message: msg.clone(),
                state: MessageState::Queued,
            };
            tx.put(&message_key(id), &entry)?;
            tx.put(&open_key(id), &OpenMark {})?;
            Ok(Ok(Recorded::Accepted {
                id,
                conversation_id,
                origin,
            }))
        })?;
        let recorded = outcome?;
        // Also for duplicates: the original may not be flushed yet if the
        // redelivery raced the first write.
        self.store.flush()?;
        Ok(recorded)
    }

    fn fresh_id(&self, tx: &StoreTx<'_>) -> Result<Option<ConversationId>, TxError> {
        for _ in 0..MAX_ID_ATTEMPTS {
            let candidate = ConversationId::from_u32((self.next_conversation_id)());
            if tx
                .get::<ConversationClaim>(&claim_key(&candidate))?
                .is_none()
            {
                return Ok(Some(candidate));
            }
        }
        Ok(None)
    }

    pub fn get(&self, id: IntakeId) -> Result<Option<JournalEntry>, IntakeError> {
        Ok(self.store.get(&message_key(id))?)
    }

    /// Whether `id` is a conversation of `repo_id`.
    pub fn owns_conversation(
        &self,
        repo_id: &str,
        id: &ConversationId,
    ) -> Result<bool, IntakeError> {
        let claim = self.store.get::<ConversationClaim>(&claim_key(id))?;
        Ok(claim.is_some_and(|claim| claim.repo_id == repo_id))
    }

    /// Whether a message with this dedupe key of `repo_id` is journaled:
    /// lets a channel skip the work for a redelivery before it submits.
    pub fn is_recorded(&self, repo_id: &str, dedupe: &str) -> Result<bool, IntakeError> {
        Ok(self
            .store
            .get::<DedupeMark>(&dedupe_key(repo_id, dedupe))?
            .is_some())
    }

    /// The conversation a channel thread of `repo_id` belongs to, if any
    /// message of it was journaled (Slack's sticky threads: a thread the
    /// bot already works in needs no new mention).
    pub fn thread_conversation(
        &self,
        repo_id: &str,
        thread: &str,
    ) -> Result<Option<ConversationId>, IntakeError> {
        if thread.is_empty() {
            return Ok(None);
        }
        let link = self.store.get::<ThreadLink>(&thread_key(repo_id, thread))?;
        Ok(link.map(|link| link.conversation_id))
    }

    /// `Queued → Running(task_id)` for every message merged into one task.
    pub fn mark_running(&self, ids: &[IntakeId], task_id: &str) -> Result<(), IntakeError> {
        self.transition(ids, "running", |state| match state {
            MessageState::Queued => Some(running(task_id)),
            MessageState::Running { task_id: t } if t == task_id => Some(running(task_id)),
            _ => None,
        })
    }

    /// `Running → Done`, after the reply was delivered.
    pub fn mark_done(&self, ids: &[IntakeId]) -> Result<(), IntakeError> {
        self.transition(ids, "done", |state| match state {
            MessageState::Running { task_id } | MessageState::Done { task_id } => {
                Some(MessageState::Done {
                    task_id: task_id.clone(),
                })
            }
            _ => None,
        })
    }

    /// `Queued/Running → Failed`: rejected, cancelled, or the task failed
    /// and the sender was told.
    pub fn mark_failed(&self, ids: &[IntakeId], reason: &str) -> Result<(), IntakeError> {
        self.transition(ids, "failed", |state| match state {
            MessageState::Queued | MessageState::Running { .. } | MessageState::Failed { .. } => {
                Some(MessageState::Failed {
                    reason: reason.to_string(),
                })
            }
            _ => None,
        })
    }

    /// `Running → Interrupted`, after the "interrupted" notice was sent.
    pub fn mark_interrupted(&self, ids: &[IntakeId]) -> Result<(), IntakeError> {
        self.transition(ids, "interrupted", |state| match state {
            MessageState::Running { task_id } | MessageState::Interrupted { task_id } => {
                Some(MessageState::Interrupted {
                    task_id: task_id.clone(),
                })
            }
            _ => None,
        })
    }

    /// Applies `next` to every message or to none: all are checked before
    /// anything is written. Repeating a transition is allowed (a restarted
    /// actor may resend it).
    fn transition(
        &self,
        ids: &[IntakeId],
        to: &'static str,
        next: impl Fn(&MessageState) -> Option<MessageState>,
    ) -> Result<(), IntakeError> {
        let outcome = self.store.transaction(|tx| {
            let mut updated = Vec::with_capacity(ids.len());
            for &id in ids {
                let Some(mut entry) = tx.get::<JournalEntry>(&message_key(id))? else {
                    return Ok(Err(IntakeError::Unknown { id }));
                };
                let Some(state) = next(&entry.state) else {
                    let from = entry.state.name();
                    return Ok(Err(IntakeError::InvalidTransition { id, from, to }));
                };
                entry.state = state;
                updated.push(entry);
            }
            for entry in &updated {
                tx.put(&message_key(entry.id), entry)?;
                if !matches!(
                    entry.state,
                    MessageState::Queued | MessageState::Running { .. }
                ) {
                    tx.remove::<OpenMark>(&open_key(entry.id))?;
                }
            }
            Ok(Ok(()))
        })?;
        outcome?;
        // A lost `Running` would rerun a finished task after a crash; a lost
        // `Done` would send a false "interrupted" notice.
        self.store.flush()?;
        Ok(())
    }

    /// Unfinished messages, for boot.
    pub fn recover(&self) -> Result<Recovered, IntakeError> {
        let mut recovered = Recovered::default();
        for item in self.store.scan::<OpenMark>(OPEN_PREFIX) {
            let key = match item {
                Ok((key, _)) => key,
                Err(err) => {
                    recovered.damaged.push(err.to_string());
                    continue;
                }
            };
            let Some(id) = key[OPEN_PREFIX.len()..].parse().ok().map(IntakeId) else {
                recovered
                    .damaged
                    .push(format!("intake/{key}: not a journal id"));
                continue;
            };
            match self.store.get::<JournalEntry>(&message_key(id)) {
                Ok(Some(entry)) => match entry.state {
                    MessageState::Queued => recovered.queued.push(entry),
                    MessageState::Running { .. } => recovered.interrupted.push(entry),
                    // Finished but its index entry survived: harmless.
                    _ => {}
                },
                Ok(None) => recovered
                    .damaged
                    .push(format!("intake/{key}: the message record is missing")),
                Err(err) => recovered.damaged.push(err.to_string()),
            }
        }
        Ok(recovered)
    }
}

fn running(task_id: &str) -> MessageState {
    MessageState::Running {
        task_id: task_id.to_string(),
    }
}

/// The hinted conversation, if this repo owns it. An unknown or foreign id
/// starts a new conversation rather than leaking into another repo's.
fn known_hint(tx: &StoreTx<'_>, msg: &InboundMessage) -> Result<Option<ConversationId>, TxError> {
    let Some(hint) = &msg.conversation_hint else {
        return Ok(None);
    };
    let claim = tx.get::<ConversationClaim>(&claim_key(hint))?;
    Ok(claim
        .filter(|claim| claim.repo_id == msg.repo_id)
        .map(|_| hint.clone()))
}

fn next_intake_id(tx: &StoreTx<'_>) -> Result<IntakeId, TxError> {
    let next = tx
        .get::<IntakeCounter>(COUNTER_KEY)?
        .map_or(1, |counter| counter.next);
    tx.put(COUNTER_KEY, &IntakeCounter { next: next + 1 })?;
    Ok(IntakeId(next))
}

/// Drops every thread link pointing at `id` (the conversation is being
/// deleted), so a later message in such a thread starts afresh instead of
/// naming a conversation that no longer exists. Returns how many went.
pub fn forget_thread_links(store: &Store, id: &ConversationId) -> Result<usize, IntakeError> {
    let mut doomed = Vec::new();
    for item in store.scan::<ThreadLink>(THREAD_PREFIX) {
        match item {
            Ok((key, link)) if &link.conversation_id == id => doomed.push(key),
            Ok(_) => {}
            // A damaged link names nothing; leave it to recovery tooling.
            Err(_) => {}
        }
    }
    for key in &doomed {
        store.remove::<ThreadLink>(key)?;
    }
    Ok(doomed.len())
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
