//! What goes wrong below the store's contract.

use std::fmt;

use workflow_runtime::store::StoreError;

/// Why a query failed: SQLite's error (a failing disk, a full one), or a row that does not
/// decode (a damaged file), both [`StoreError::Io`]; or a refusal of what was asked.
#[derive(Debug)]
pub(crate) enum Failure {
    /// SQLite's error.
    Sql(rusqlite::Error),
    /// A value that does not decode: what, and why.
    Damaged(String),
    /// The store's refusal of what it was asked (a page token no listing gave), as it is.
    Refused(StoreError),
}

impl Failure {
    /// The store's error, naming the file.
    pub(crate) fn into_store_error(self, path: &str) -> StoreError {
        match self {
            Failure::Refused(refusal) => refusal,
            failure => StoreError::Io(format!("{path}: {failure}")),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Sql(e) => write!(f, "{e}"),
            Failure::Damaged(what) => write!(f, "the store is damaged: {what}"),
            Failure::Refused(refusal) => write!(f, "{refusal}"),
        }
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(error: rusqlite::Error) -> Failure {
        Failure::Sql(error)
    }
}

impl From<serde_json::Error> for Failure {
    fn from(error: serde_json::Error) -> Failure {
        Failure::Damaged(format!("a JSON value does not parse: {error}"))
    }
}

impl From<rusqlite::types::FromSqlError> for Failure {
    fn from(error: rusqlite::types::FromSqlError) -> Failure {
        Failure::Damaged(format!("a column holds a value of the wrong type: {error}"))
    }
}
