//! Multi-tree atomic updates.

use sled::Transactional;
use sled::transaction::{
    ConflictableTransactionError, TransactionError, TransactionalTree, UnabortableTransactionError,
};

use super::error::{StoreError, StoreResult};
use super::record::Record;
use super::{decode, encode};

/// Why a transaction body stopped. Built from a [`StoreError`] (which aborts
/// the transaction) or from the engine (which may retry it).
pub struct TxError(ConflictableTransactionError<StoreError>);

impl From<StoreError> for TxError {
    fn from(err: StoreError) -> Self {
        TxError(ConflictableTransactionError::Abort(err))
    }
}

impl From<UnabortableTransactionError> for TxError {
    fn from(err: UnabortableTransactionError) -> Self {
        TxError(err.into())
    }
}

/// The view a transaction body works on: typed reads and writes on any tree.
pub struct StoreTx<'a> {
    trees: &'a [TransactionalTree],
}

impl StoreTx<'_> {
    fn tree<R: Record>(&self) -> &TransactionalTree {
        &self.trees[R::TREE.index()]
    }

    pub fn get<R: Record>(&self, key: &str) -> Result<Option<R>, TxError> {
        match self.tree::<R>().get(key.as_bytes())? {
            Some(bytes) => Ok(Some(decode::<R>(key, &bytes)?)),
            None => Ok(None),
        }
    }

    pub fn put<R: Record>(&self, key: &str, value: &R) -> Result<(), TxError> {
        self.tree::<R>().insert(key.as_bytes(), encode(value)?)?;
        Ok(())
    }

    pub fn remove<R: Record>(&self, key: &str) -> Result<bool, TxError> {
        Ok(self.tree::<R>().remove(key.as_bytes())?.is_some())
    }
}

pub(super) fn run<A>(
    trees: &[sled::Tree],
    f: impl Fn(&StoreTx<'_>) -> Result<A, TxError>,
) -> StoreResult<A> {
    let result = trees.transaction(|view: &Vec<TransactionalTree>| {
        f(&StoreTx { trees: view }).map_err(|TxError(inner)| inner)
    });
    match result {
        Ok(value) => Ok(value),
        Err(TransactionError::Abort(err)) => Err(err),
        Err(TransactionError::Storage(err)) => Err(StoreError::Engine(err)),
    }
}
