//! Removing expired conversations: their directory (workspace, inbox,
//! outbox, Claude's session files) and what the store keeps about them.
//!
//! The intake journal's conversation claims are left alone on purpose: a
//! claim is what stops the id generator from handing a deleted id to a new
//! conversation, so mail meant for the old one can never land in a
//! stranger's.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;
use tracing::{info, warn};

use super::select;
use crate::conversation::ConversationRecord;
use crate::intake::{ConversationId, IntakeError, IntakeJournal};
use crate::sandbox::surrogates;
use crate::store::{Store, StoreError};

#[derive(Debug, Error)]
pub enum HousekeepingError {
    #[error("removing conversation directory {path}: {source}")]
    Directory {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Intake(#[from] IntakeError),
}

/// What one sweep did; errors are described for the log and the dashboard.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    /// `(repo_id, conversation)` of every conversation removed.
    pub removed: Vec<(String, ConversationId)>,
    pub errors: Vec<String>,
}

/// Every conversation with a queued or running message in the journal.
/// Blocks on the store: call from `spawn_blocking`.
pub fn busy_conversations(
    journal: &IntakeJournal,
) -> Result<BTreeSet<ConversationId>, IntakeError> {
    let recovered = journal.recover()?;
    Ok(recovered
        .queued
        .into_iter()
        .chain(recovered.interrupted)
        .map(|entry| entry.conversation_id)
        .collect())
}

/// Deletes `dir` (the conversation's root), then its surrogates and record.
///
/// The directory goes first: if it cannot be removed the record stays, and
/// the next sweep, which selects by record, tries again; the other order
/// would leave an orphan directory nothing points at. A missing directory
/// is not an error (the conversation may never have run a task).
pub fn remove_conversation(
    store: &Store,
    dir: &Path,
    id: &ConversationId,
) -> Result<(), HousekeepingError> {
    remove_tree(dir).map_err(|source| HousekeepingError::Directory {
        path: dir.to_path_buf(),
        source,
    })?;
    // Surrogates before the record: a crash in between leaves the record,
    // so the conversation is selected, and finished, again next time.
    surrogates::forget(store, id.as_str())?;
    crate::intake::forget_thread_links(store, id)?;
    ConversationRecord::remove(store, id)?;
    store.flush()?;
    Ok(())
}

/// One housekeeping pass over the conversations of every repo.
///
/// `conversations_root_for` maps a repo id to its `conversations` directory;
/// `None` (a repo no longer configured) keeps the conversation, since the
/// repo may come back with the next config reload. `extra_busy` is what the
/// journal cannot know: conversations with a task in flight that did not
/// come from a message (schedules) or that the caller holds for another
/// reason. Blocks: call from `spawn_blocking`.
pub fn sweep(
    store: &Store,
    journal: &IntakeJournal,
    conversations_root_for: impl Fn(&str) -> Option<PathBuf>,
    now_ms: i64,
    max_age_days: u32,
    extra_busy: &BTreeSet<ConversationId>,
) -> SweepReport {
    let mut report = SweepReport::default();
    let busy = match busy_conversations(journal) {
        Ok(busy) => busy,
        Err(err) => {
            // Without the busy set any deletion could hit a live task.
            report
                .errors
                .push(format!("housekeeping: reading the intake journal: {err}"));
            return report;
        }
    };
    let busy: BTreeSet<ConversationId> =
        busy.into_iter().chain(extra_busy.iter().cloned()).collect();
    let records = conversation_records(store, &mut report.errors);
    for id in select::expired(&records, now_ms, max_age_days, &busy) {
        match recheck(store, journal, &id, now_ms, max_age_days, extra_busy) {
            Ok(Some(record)) => {
                let Some(root) = conversations_root_for(&record.repo_id) else {
                    continue;
                };
                let dir = root.join(id.as_str());
                match remove_conversation(store, &dir, &id) {
                    Ok(()) => {
                        info!(conversation = %id, repo = record.repo_id, "removed an expired conversation");
                        report.removed.push((record.repo_id, id));
                    }
                    Err(err) => {
                        warn!(conversation = %id, "housekeeping: {err}");
                        report.errors.push(format!("conversation {id}: {err}"));
                    }
                }
            }
            Ok(None) => {}
            Err(err) => report.errors.push(format!("conversation {id}: {err}")),
        }
    }
    report
}

/// The record again, if `id` is still expired and idle right before its
/// deletion. Narrows the window in which a message that arrived after the
/// selection could have its conversation deleted under it.
fn recheck(
    store: &Store,
    journal: &IntakeJournal,
    id: &ConversationId,
    now_ms: i64,
    max_age_days: u32,
    extra_busy: &BTreeSet<ConversationId>,
) -> Result<Option<ConversationRecord>, HousekeepingError> {
    let Some(record) = ConversationRecord::load(store, id)? else {
        return Ok(None);
    };
    let busy: BTreeSet<ConversationId> = busy_conversations(journal)?
        .into_iter()
        .chain(extra_busy.iter().cloned())
        .collect();
    let candidate = [(id.clone(), record)];
    if select::expired(&candidate, now_ms, max_age_days, &busy).is_empty() {
        return Ok(None);
    }
    let [(_, record)] = candidate;
    Ok(Some(record))
}

/// The conversation records. The `conversations` tree also holds other
/// record kinds under prefixed keys (`surrogates/<id>`); conversation keys
/// are bare lowercase hex ids, so scanning the sixteen hex-digit prefixes
/// reads exactly those. Unreadable records are reported, never deleted.
fn conversation_records(
    store: &Store,
    errors: &mut Vec<String>,
) -> Vec<(ConversationId, ConversationRecord)> {
    let mut records = Vec::new();
    for digit in "0123456789abcdef".chars() {
        for item in store.scan::<ConversationRecord>(&digit.to_string()) {
            match item {
                Ok((key, record)) => match ConversationId::parse(&key) {
                    Some(id) => records.push((id, record)),
                    None => errors.push(format!(
                        "housekeeping: conversations/{key} is not a conversation id; left alone"
                    )),
                },
                Err(err) => errors.push(format!("housekeeping: {err}; left alone")),
            }
        }
    }
    records
}

/// `remove_dir_all`, tolerating a missing tree and, on a permission error,
/// making the tree's directories writable first: containers write
/// read-only directories (git objects, `chmod -w` by the agent), and an
/// unlink needs a writable parent, not a writable file.
fn remove_tree(dir: &Path) -> io::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::PermissionDenied => {
            make_dirs_writable(dir)?;
            match std::fs::remove_dir_all(dir) {
                Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
                other => other,
            }
        }
        Err(err) => Err(err),
    }
}

/// Adds owner rwx to `dir` and every directory below it. Symlinks are not
/// followed: a link out of the workspace must not change anything outside.
fn make_dirs_writable(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;

    let meta = match std::fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err),
    };
    if !meta.is_dir() {
        return Ok(());
    }
    let mut perms = meta.permissions();
    perms.set_mode(perms.mode() | 0o700);
    std::fs::set_permissions(dir, perms)?;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            make_dirs_writable(&entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "conversations_tests.rs"]
mod tests;
