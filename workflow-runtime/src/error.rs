//! Why a definition could not be loaded, an execution could not start, or a task-token call
//! was refused.

use workflow_core::diagnostic::Diagnostics;
use workflow_core::execution::RedriveError as CoreRedriveError;
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
    /// The execution name breaks AWS's rule (1 to 80 characters; no whitespace, brackets,
    /// wildcards, special or control characters): it goes into the execution's ARN.
    #[error("{0}")]
    InvalidName(String),
    /// A STANDARD execution of this name exists already (names are unique per state machine
    /// until the execution is purged), and it is not running with the same input: as AWS
    /// answers `ExecutionAlreadyExists`. A start with the name and input of an execution
    /// that is running returns that execution instead.
    #[error(
        "Execution Already Exists: '{arn}' (a name is unique per state machine; only a start with the same input while it runs returns it)"
    )]
    ExecutionAlreadyExists {
        /// The execution's ARN.
        arn: String,
    },
    /// Its state machine is being deleted ([`Runtime::delete_state_machine`]): AWS's
    /// `StateMachineDeleting`.
    ///
    /// [`Runtime::delete_state_machine`]: crate::Runtime::delete_state_machine
    #[error(
        "State Machine Deleting: '{name}' is being deleted (once none of its executions runs); no execution of it starts"
    )]
    StateMachineDeleting {
        /// The state machine's name.
        name: String,
    },
    /// The workflow was registered (or first started) before its state machine was deleted:
    /// it is of no state machine (AWS's `StateMachineDoesNotExist`). Register it again.
    #[error(
        "State Machine Does Not Exist: '{name}' was deleted since this workflow was registered; register it again"
    )]
    StateMachineDoesNotExist {
        /// The state machine's name.
        name: String,
    },
    /// The store could not record the execution (or its state machine): it did not start.
    #[error("the execution could not be recorded: {0}")]
    Store(StoreError),
}

impl StartError {
    /// A store's refusal to record an execution, as a start refusal.
    pub(crate) fn from_store(error: StoreError) -> StartError {
        match error {
            StoreError::StateMachineDeleting { name } => StartError::StateMachineDeleting { name },
            StoreError::StateMachineDoesNotExist { name } => {
                StartError::StateMachineDoesNotExist { name }
            }
            e => StartError::Store(e),
        }
    }
}

/// Why a state machine could not be registered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// The definition could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The name breaks AWS's rule (1 to 80 characters; no whitespace, brackets, wildcards,
    /// special or control characters): it goes into ARNs.
    #[error("{0}")]
    InvalidName(String),
    /// The store could not save the revision.
    #[error("the state machine could not be saved: {0}")]
    Store(#[from] StoreError),
}

/// Why the registry of executions could not answer: resuming, describing, listing, stopping
/// an execution or reading its history.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// Executions run on tokio: resuming and stopping must be called within a tokio runtime.
    #[error("executions run on tokio: call this from within a tokio runtime")]
    NoTokioRuntime,
    /// No execution has this ARN (never started here, purged, or an EXPRESS execution, which
    /// lives in memory only, as on AWS).
    #[error("Execution Does Not Exist: '{arn}'")]
    ExecutionDoesNotExist {
        /// The ARN asked for.
        arn: String,
    },
    /// The execution's history cannot be read.
    #[error("the history of '{arn}' cannot be read: {reason}")]
    HistoryUnavailable {
        /// The execution's ARN.
        arn: String,
        /// Why.
        reason: String,
    },
    /// A page token that no listing of this kind gave (with these arguments).
    #[error("Invalid Token: '{0}' is not a token this listing gave")]
    InvalidToken(String),
    /// The call's fields are out of AWS's bounds (StopExecution: an error of at most 256
    /// characters, a cause of at most 32,768): AWS refuses it with a ValidationException.
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why an execution could not be redriven ([`Runtime::redrive`](crate::Runtime::redrive)).
/// [`RedriveError::aws_error`] names the exception AWS's `RedriveExecution` answers with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedriveError {
    /// Executions run on tokio: a redrive must be called within a tokio runtime.
    #[error("executions run on tokio: call this from within a tokio runtime")]
    NoTokioRuntime,
    /// No execution has this ARN (never started here, or purged): AWS's
    /// `ExecutionDoesNotExist`.
    #[error("Execution Does Not Exist: '{arn}'")]
    ExecutionDoesNotExist {
        /// The ARN asked for.
        arn: String,
    },
    /// The step logic refuses the redrive: AWS's `ExecutionNotRedrivable` (still running,
    /// succeeded, EXPRESS, ended more than 14 days ago, started more than a year ago, no room
    /// left in its history), worded as AWS's `redriveStatusReason`; or a patched definition
    /// that does not fit the execution (which names the state that does not fit).
    #[error(transparent)]
    Refused(#[from] CoreRedriveError),
    /// The store keeps no journal, and the runtime no longer holds the execution in memory
    /// (it keeps its last finished executions only), or never did (another runtime ran it).
    #[error(
        "ExecutionNotRedrivable: '{arn}' is no longer held in memory, and the store keeps no journal to rebuild it from (a store without a journal keeps the last finished executions of its runtime only; a durable store keeps them all)"
    )]
    NotKept {
        /// The execution's ARN.
        arn: String,
    },
    /// The patched definition cannot be loaded (every problem is listed, with its location).
    #[error("the new definition cannot be loaded: {0}")]
    Definition(LoadError),
    /// The execution cannot be rebuilt from its journal (its definition revision is missing
    /// or no longer loads, its replay diverges).
    #[error("'{arn}' cannot be redriven: {reason}")]
    Unloadable {
        /// The execution's ARN.
        arn: String,
        /// Why.
        reason: String,
    },
    /// The store failed: the redrive was not recorded, and nothing of it was carried out.
    #[error("the redrive could not be recorded: {0}")]
    Store(StoreError),
}

impl RedriveError {
    /// The exception AWS's `RedriveExecution` answers with for this refusal:
    /// `ExecutionDoesNotExist` or `ExecutionNotRedrivable`; `None` for what AWS has no
    /// answer of its own for (a patched definition, a store that failed).
    pub fn aws_error(&self) -> Option<&'static str> {
        match self {
            RedriveError::ExecutionDoesNotExist { .. } => Some("ExecutionDoesNotExist"),
            RedriveError::Refused(refusal) => refusal.aws_error(),
            RedriveError::NotKept { .. } => Some("ExecutionNotRedrivable"),
            RedriveError::NoTokioRuntime
            | RedriveError::Definition(_)
            | RedriveError::Unloadable { .. }
            | RedriveError::Store(_) => None,
        }
    }
}

/// Checks the error and cause given to `operation` (SendTaskFailure, StopExecution) against
/// AWS's bounds: an error of at most 256 characters, a cause of at most 32,768.
pub(crate) fn check_failure_fields(
    operation: &str,
    error: Option<&str>,
    cause: Option<&str>,
) -> Result<(), String> {
    use workflow_core::error::AslError;
    for (field, value, max) in [
        ("error", error, AslError::MAX_ERROR_CHARS),
        ("cause", cause, AslError::MAX_CAUSE_CHARS),
    ] {
        let length = value.map_or(0, |v| v.chars().count());
        if length > max {
            return Err(format!(
                "the {field} is {length} characters long; {operation} takes at most {max}"
            ));
        }
    }
    Ok(())
}

/// The characters AWS refuses in a state machine's or an execution's name, besides whitespace
/// and control characters.
const REFUSED_IN_NAMES: &str = "<>{}[]?*\"#%\\^|~`$&,;:/";

/// Checks a state machine's or an execution's name (`what`) against AWS's rule: 1 to 80
/// characters, none of them whitespace, brackets (`< > { } [ ]`), wildcards (`? *`), special
/// characters (`" # % \ ^ | ~ ` $ & , ; : /`) or control characters (U+0000-001F,
/// U+007F-009F). Names go into ARNs, which these characters would break.
pub(crate) fn check_name(what: &str, name: &str) -> Result<(), String> {
    let length = name.chars().count();
    if !(1..=80).contains(&length) {
        return Err(format!(
            "the {what} name '{name}' is {length} characters long: it must have 1 to 80"
        ));
    }
    let refused = name.chars().find(|&c| {
        c.is_whitespace()
            || c.is_control()
            || ('\u{7f}'..='\u{9f}').contains(&c)
            || REFUSED_IN_NAMES.contains(c)
    });
    match refused {
        Some(c) => Err(format!(
            "the {what} name '{}' holds {c:?}, which AWS refuses in names (whitespace, brackets, wildcards, special and control characters)",
            name.escape_debug()
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn names_follow_aws_rule() {
        // From StartExecution's and CreateStateMachine's `name`: 1 to 80 characters, and none
        // of whitespace, brackets, wildcards, special and control characters.
        for good in ["a", "order-42_retry.2", "é", &"x".repeat(80)] {
            assert_eq!(check_name("execution", good), Ok(()), "{good}");
        }
        for bad in [
            "",
            &"x".repeat(81),
            "a b",
            "a\tb",
            "a<b",
            "a]b",
            "a?",
            "a*",
            "a\"b",
            "a#b",
            "a%b",
            "a\\b",
            "a^b",
            "a|b",
            "a~b",
            "a`b",
            "a$b",
            "a&b",
            "a,b",
            "a;b",
            "a:b",
            "a/b",
            "a\u{1}b",
            "a\u{85}b",
        ] {
            assert!(check_name("execution", bad).is_err(), "{bad:?}");
        }
    }
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
