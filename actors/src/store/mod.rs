//! The state store: a thin typed layer over sled.
//!
//! Everything that must survive a restart (conversations, tasks, the intake
//! journal, Slack thread mappings) goes through here. Values are [`Record`]s:
//! serde structs sealed in a checksummed, schema-versioned envelope, so a
//! damaged or foreign value is an error instead of a misread. The engine is
//! private to this module so that it could be swapped (redb is the stable
//! alternative) without touching the actors.
//!
//! sled calls block: actors call the store from `spawn_blocking`/`web::block`.

mod envelope;
mod error;
mod record;
mod transaction;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use envelope::EnvelopeError;
pub use error::{StoreError, StoreResult};
pub use record::{Record, TreeName};
pub use transaction::{StoreTx, TxError};

/// Version of the store's own layout (trees and envelope), kept in `meta`.
const STORE_FORMAT: u32 = 1;
const FORMAT_KEY: &str = "store_format";

#[derive(Debug, Serialize, Deserialize)]
struct StoreFormat {
    format: u32,
}

impl Record for StoreFormat {
    const TREE: TreeName = TreeName::Meta;
    const SCHEMA_VERSION: u16 = 1;
}

/// An open state store. Cloning is cheap and shares the database.
#[derive(Clone)]
pub struct Store {
    inner: std::sync::Arc<Inner>,
}

struct Inner {
    db: sled::Db,
    trees: Vec<sled::Tree>,
    path: PathBuf,
}

impl Drop for Inner {
    /// The last handle going away is a clean shutdown: everything written
    /// so far reaches the disk (sled's own background flush may not have
    /// run yet, and its drop does not wait for it).
    fn drop(&mut self) {
        if let Err(err) = self.db.flush() {
            tracing::warn!(path = %self.path.display(), "state store flush at close failed: {err}");
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish()
    }
}

impl Store {
    /// Opens (or creates) the store in `dir`, recovering after a crash.
    pub fn open(dir: &Path) -> StoreResult<Store> {
        let db = open_db(dir)?;
        let trees = TreeName::ALL
            .iter()
            .map(|name| db.open_tree(name.as_str()))
            .collect::<Result<Vec<_>, _>>()?;
        let store = Store {
            inner: std::sync::Arc::new(Inner {
                db,
                trees,
                path: dir.to_path_buf(),
            }),
        };
        store.check_format()?;
        Ok(store)
    }

    fn check_format(&self) -> StoreResult<()> {
        match self.get::<StoreFormat>(FORMAT_KEY)? {
            Some(found) if found.format > STORE_FORMAT => Err(StoreError::NewerFormat {
                path: self.inner.path.display().to_string(),
                found: found.format,
                supported: STORE_FORMAT,
            }),
            Some(_) => Ok(()),
            None => {
                self.put(
                    FORMAT_KEY,
                    &StoreFormat {
                        format: STORE_FORMAT,
                    },
                )?;
                self.flush()
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    fn tree(&self, name: TreeName) -> &sled::Tree {
        &self.inner.trees[name.index()]
    }

    pub fn get<R: Record>(&self, key: &str) -> StoreResult<Option<R>> {
        match self.tree(R::TREE).get(key.as_bytes())? {
            Some(bytes) => decode::<R>(key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    pub fn put<R: Record>(&self, key: &str, value: &R) -> StoreResult<()> {
        self.tree(R::TREE).insert(key.as_bytes(), encode(value)?)?;
        Ok(())
    }

    /// Removes `key`, returning whether it was present.
    pub fn remove<R: Record>(&self, key: &str) -> StoreResult<bool> {
        Ok(self.tree(R::TREE).remove(key.as_bytes())?.is_some())
    }

    /// All records whose key starts with `prefix`, in key order. A damaged
    /// record is yielded as an error in its place so callers can quarantine
    /// it and go on with the rest.
    pub fn scan<R: Record>(&self, prefix: &str) -> impl Iterator<Item = StoreResult<(String, R)>> {
        self.tree(R::TREE)
            .scan_prefix(prefix.as_bytes())
            .map(|item| {
                let (key, bytes) = item?;
                let key = String::from_utf8_lossy(&key).into_owned();
                let value = decode::<R>(&key, &bytes)?;
                Ok((key, value))
            })
    }

    /// Runs `f` as one atomic transaction over every tree: either all of its
    /// writes land or none do. `f` may run more than once on conflict, so it
    /// must not have side effects outside the transaction.
    pub fn transaction<A>(&self, f: impl Fn(&StoreTx<'_>) -> Result<A, TxError>) -> StoreResult<A> {
        transaction::run(&self.inner.trees, f)
    }

    /// Waits until every write so far is on disk. Call before acknowledging
    /// anything to the outside world (deleting a mail, acking Slack).
    pub fn flush(&self) -> StoreResult<()> {
        self.inner.db.flush()?;
        Ok(())
    }

    /// Writes raw bytes, bypassing the envelope. Tests use it to plant
    /// damaged values.
    #[doc(hidden)]
    pub fn put_raw(&self, tree: TreeName, key: &str, bytes: &[u8]) -> StoreResult<()> {
        self.tree(tree).insert(key.as_bytes(), bytes)?;
        Ok(())
    }
}

/// sled's flusher thread can hold the database lock for a moment after the
/// previous handle (or process) closed it; a reopen right then waits briefly
/// instead of failing.
fn open_db(dir: &Path) -> StoreResult<sled::Db> {
    let mut waited = 0;
    loop {
        match sled::Config::new().path(dir).open() {
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock") && waited < 100 =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
                waited += 1;
            }
            other => return Ok(other?),
        }
    }
}

fn encode<R: Record>(value: &R) -> StoreResult<Vec<u8>> {
    let payload = serde_json::to_vec(value).map_err(|source| StoreError::Encode {
        tree: R::TREE.as_str(),
        source,
    })?;
    Ok(envelope::seal(R::SCHEMA_VERSION, &payload))
}

fn decode<R: Record>(key: &str, bytes: &[u8]) -> StoreResult<R> {
    let tree = R::TREE.as_str();
    let opened = envelope::open(bytes).map_err(|source| StoreError::Damaged {
        tree,
        key: key.to_string(),
        source,
    })?;
    if opened.schema_version != R::SCHEMA_VERSION {
        return Err(StoreError::SchemaMismatch {
            tree,
            key: key.to_string(),
            found: opened.schema_version,
            expected: R::SCHEMA_VERSION,
        });
    }
    serde_json::from_slice(opened.payload).map_err(|source| StoreError::Decode {
        tree,
        key: key.to_string(),
        source,
    })
}

#[cfg(test)]
mod store_tests;
