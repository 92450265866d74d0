use thiserror::Error;

use super::envelope::EnvelopeError;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("state store: {0}")]
    Engine(#[from] sled::Error),
    #[error("state store: {tree}/{key}: {source}")]
    Damaged {
        tree: &'static str,
        key: String,
        #[source]
        source: EnvelopeError,
    },
    #[error(
        "state store: {tree}/{key} was written with schema version {found}, this Airut reads {expected}"
    )]
    SchemaMismatch {
        tree: &'static str,
        key: String,
        found: u16,
        expected: u16,
    },
    #[error("state store: {tree}/{key}: {source}")]
    Decode {
        tree: &'static str,
        key: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("state store: cannot encode a {tree} record: {source}")]
    Encode {
        tree: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "state store at {path} has format {found}, newer than this Airut understands ({supported}); upgrade Airut"
    )]
    NewerFormat {
        path: String,
        found: u32,
        supported: u32,
    },
}

pub type StoreResult<T> = Result<T, StoreError>;
