//! Stable surrogates: a masked secret gets one surrogate per conversation,
//! kept in the store, so a credential the agent saved in the workspace (a
//! git credential store, a `gh` config) still works on the next message.
//! The Python Airut drew fresh surrogates for every task, which broke that.
//!
//! The record keys the surrogate by a fingerprint of the real value: a
//! rotated secret gets a new surrogate, and the real value itself is never
//! written to the store.

use std::collections::BTreeMap;

use airut_proxy::masking::{MaskedSecret, generate_surrogate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config;
use crate::store::{Record, Store, StoreError, TreeName, TxError};

/// The surrogates of one conversation, by container variable name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSurrogates {
    pub by_env: BTreeMap<String, StoredSurrogate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSurrogate {
    /// SHA-256 of the real value, hex: tells a rotated secret apart.
    pub real_fingerprint: String,
    pub surrogate: String,
}

impl Record for ConversationSurrogates {
    const TREE: TreeName = TreeName::Conversations;
    const SCHEMA_VERSION: u16 = 1;
}

/// What a task needs for its masked secrets: the proxy's list and the
/// container's variables (surrogates only).
#[derive(Debug, Clone, Default)]
pub struct MaskedForTask {
    pub proxy: Vec<MaskedSecret>,
    pub env: Vec<(String, String)>,
}

fn key(conversation: &str) -> String {
    format!("surrogates/{conversation}")
}

fn fingerprint(real: &str) -> String {
    super::build_context::hex(&Sha256::digest(real.as_bytes()))
}

/// The masked secrets of a repo for `conversation`, reusing stored
/// surrogates and storing new ones in one transaction. An empty real value
/// gives an empty variable and no proxy entry.
pub fn masked_for_task(
    store: &Store,
    conversation: &str,
    secrets: &BTreeMap<String, config::MaskedSecret>,
) -> Result<MaskedForTask, StoreError> {
    // Surrogates are drawn outside the transaction (it may re-run) and only
    // used where nothing valid is stored yet.
    let fresh: BTreeMap<&String, String> = secrets
        .iter()
        .map(|(name, s)| (name, generate_surrogate(s.value.expose(), &mut rand::rng())))
        .collect();
    let book = store.transaction(|tx| {
        let mut book = tx
            .get::<ConversationSurrogates>(&key(conversation))?
            .unwrap_or_default();
        let mut changed = false;
        for (name, secret) in secrets {
            let real = secret.value.expose();
            if real.is_empty() {
                continue;
            }
            let print = fingerprint(real);
            let stale = book
                .by_env
                .get(name)
                .is_none_or(|s| s.real_fingerprint != print);
            if stale && let Some(surrogate) = fresh.get(name) {
                book.by_env.insert(
                    name.clone(),
                    StoredSurrogate {
                        real_fingerprint: print,
                        surrogate: surrogate.clone(),
                    },
                );
                changed = true;
            }
        }
        if changed {
            tx.put(&key(conversation), &book)?;
        }
        Ok::<_, TxError>(book)
    })?;
    let mut out = MaskedForTask::default();
    for (name, secret) in secrets {
        let real = secret.value.expose();
        match book.by_env.get(name) {
            Some(stored) if !real.is_empty() => {
                out.env.push((name.clone(), stored.surrogate.clone()));
                out.proxy.push(MaskedSecret {
                    env_name: name.clone(),
                    surrogate: stored.surrogate.clone(),
                    real: real.to_string(),
                    scopes: secret.scopes.clone(),
                    headers: secret.headers.clone(),
                    allow_foreign_credentials: secret.allow_foreign_credentials,
                });
            }
            _ => out.env.push((name.clone(), String::new())),
        }
    }
    Ok(out)
}

/// Forgets a conversation's surrogates (when the conversation is deleted).
pub fn forget(store: &Store, conversation: &str) -> Result<(), StoreError> {
    store
        .remove::<ConversationSurrogates>(&key(conversation))
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn secret(value: &str) -> config::MaskedSecret {
        config::MaskedSecret {
            value: Secret::new(value),
            scopes: vec!["api.github.com".into()],
            headers: vec!["Authorization".into()],
            allow_foreign_credentials: false,
        }
    }

    fn secrets(value: &str) -> BTreeMap<String, config::MaskedSecret> {
        BTreeMap::from([("GH_TOKEN".to_string(), secret(value))])
    }

    #[test]
    fn same_conversation_same_surrogate_across_tasks_and_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = {
            let store = Store::open(dir.path()).expect("open");
            masked_for_task(
                &store,
                "c1",
                &secrets("ghp_realvalue1234567890abcdefghijklmnop"),
            )
            .expect("first")
        };
        let store = Store::open(dir.path()).expect("reopen");
        let second = masked_for_task(
            &store,
            "c1",
            &secrets("ghp_realvalue1234567890abcdefghijklmnop"),
        )
        .expect("second");
        assert_eq!(first.env, second.env);
        let surrogate = &first.env[0].1;
        assert!(
            surrogate.starts_with("ghp_") && surrogate != "ghp_realvalue1234567890abcdefghijklmnop"
        );
        assert_eq!(
            first.proxy[0].real,
            "ghp_realvalue1234567890abcdefghijklmnop"
        );
        assert_eq!(&first.proxy[0].surrogate, surrogate);
    }

    #[test]
    fn other_conversations_and_rotated_secrets_get_new_surrogates() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let a = masked_for_task(
            &store,
            "c1",
            &secrets("ghp_realvalue1234567890abcdefghijklmnop"),
        )
        .expect("a");
        let b = masked_for_task(
            &store,
            "c2",
            &secrets("ghp_realvalue1234567890abcdefghijklmnop"),
        )
        .expect("b");
        assert_ne!(a.env, b.env);
        let rotated = masked_for_task(
            &store,
            "c1",
            &secrets("ghp_rotatedvalue234567890abcdefghijklmn"),
        )
        .expect("rot");
        assert_ne!(a.env, rotated.env);
    }

    #[test]
    fn the_store_never_holds_the_real_value() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = "ghp_neverstoredvalue1234567890abcdefghij";
        {
            let store = Store::open(dir.path()).expect("open");
            masked_for_task(&store, "c1", &secrets(real)).expect("ok");
        }
        let mut found = false;
        for entry in walk(dir.path()) {
            let bytes = std::fs::read(&entry).unwrap_or_default();
            if bytes.windows(real.len()).any(|w| w == real.as_bytes()) {
                found = true;
            }
        }
        assert!(!found, "the real secret reached the store's files");
    }

    #[test]
    fn empty_value_gives_empty_variable_and_no_proxy_entry() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let out = masked_for_task(&store, "c1", &secrets("")).expect("ok");
        assert_eq!(out.env, vec![("GH_TOKEN".to_string(), String::new())]);
        assert!(out.proxy.is_empty());
        forget(&store, "c1").expect("forget");
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.extend(walk(&path));
            } else {
                files.push(path);
            }
        }
        files
    }
}
