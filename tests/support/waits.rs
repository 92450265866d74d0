//! Waiting for what happens just after an answer reaches the channel: the
//! actor notes the task's end and the journal is marked right after the
//! reply goes out, so a test that saw the reply polls for those.

use std::time::Duration;

use actix::Addr;
use airut_actors::conversation::{ConversationActor, ConversationState, GetState};
use airut_actors::intake::{IntakeId, IntakeJournal, JournalEntry};

/// The conversation's state once no task runs.
pub async fn wait_idle(actor: &Addr<ConversationActor>) -> ConversationState {
    let waited = tokio::time::Instant::now();
    loop {
        let state = actor.send(GetState).await.expect("state");
        if state.running.is_none() {
            return state;
        }
        assert!(waited.elapsed() < Duration::from_secs(30), "{state:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The journal entry once its state is `state` (`MessageState::name`).
pub async fn wait_journal(journal: &IntakeJournal, id: IntakeId, state: &str) -> JournalEntry {
    let waited = tokio::time::Instant::now();
    loop {
        let entry = journal.get(id).expect("journal").expect("entry");
        if entry.state.name() == state {
            return entry;
        }
        assert!(waited.elapsed() < Duration::from_secs(30), "{entry:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
