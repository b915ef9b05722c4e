//! Why a definition could not be loaded, an execution could not start, or a task-token call
//! was refused.

use workflow_core::diagnostic::Diagnostics;
use workflow_core::execution::StartError as CoreStartError;

use crate::store::StoreError;

/// Why a definition could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The definition has problems (every one is listed, with its location).
    #[error("{0}")]
    Invalid(Diagnostics),
    /// The definition is valid but uses features this runtime does not run yet.
    #[error("{0}")]
    Unsupported(Diagnostics),
}

impl LoadError {
    /// The problems found.
    pub fn diagnostics(&self) -> &Diagnostics {
        match self {
            LoadError::Invalid(d) | LoadError::Unsupported(d) => d,
        }
    }
}

/// Why an execution could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// `start` was called outside a tokio runtime.
    #[error("executions run on tokio: call this from within a tokio runtime")]
    NoTokioRuntime,
    /// The input is too large.
    #[error(transparent)]
    Input(#[from] CoreStartError),
    /// `start_sync` is for EXPRESS state machines, as on AWS.
    #[error("start_sync is only for EXPRESS state machines; use start and await its outcome")]
    NotExpress,
}

/// Why a task-token call was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// No running task has this token (unknown, already answered, timed out, or its execution
    /// ended).
    #[error(
        "no running task has this token: it is unknown, already answered, timed out, or its execution ended"
    )]
    TaskDoesNotExist,
    /// The call's fields are out of AWS's bounds (SendTaskFailure: an error of at most 256
    /// characters, a cause of at most 32,768): AWS refuses it with a ValidationException.
    #[error("{0}")]
    Invalid(String),
    /// The store could not record the answer: it was not taken (the execution is left to
    /// recovery, where its task waits for its token again).
    #[error("the answer could not be recorded: {0}")]
    Store(StoreError),
}
