//! Runtime errors as ASL sees them: an error name and a cause.

use std::fmt;

/// The predefined error names of the Amazon States Language.
pub mod names {
    /// Matches any error name (in Retry and Catch only).
    pub const ALL: &str = "States.ALL";
    /// A task ran longer than its TimeoutSeconds, or the execution ran longer than its own.
    pub const TIMEOUT: &str = "States.Timeout";
    /// A task sent no heartbeat for longer than its HeartbeatSeconds.
    pub const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
    /// Matches any task failure except States.Timeout.
    pub const TASK_FAILED: &str = "States.TaskFailed";
    /// The execution lacked the privileges to run a task.
    pub const PERMISSIONS: &str = "States.Permissions";
    /// A state's output or a task's input or result exceeded the payload limit.
    pub const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
    /// ResultPath cannot be applied to the state's input.
    pub const RESULT_PATH_MATCH_FAILURE: &str = "States.ResultPathMatchFailure";
    /// Reserved for future use: AWS reports parameter processing errors (a `.$` field of a
    /// payload template that matches nothing) as [`RUNTIME`]. See [`RESERVED`].
    pub const PARAMETER_PATH_FAILURE: &str = "States.ParameterPathFailure";
    /// A branch of a Parallel state failed.
    pub const BRANCH_FAILED: &str = "States.BranchFailed";
    /// Reserved for future use: AWS reports a Choice state that matches no rule and has no
    /// Default as [`RUNTIME`]. See [`RESERVED`].
    pub const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
    /// Reserved for future use: AWS reports an intrinsic function that fails as [`RUNTIME`].
    /// See [`RESERVED`].
    pub const INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";
    /// A Map state had more failed items than it tolerates.
    pub const EXCEED_TOLERATED_FAILURE_THRESHOLD: &str = "States.ExceedToleratedFailureThreshold";
    /// A JSONata expression failed.
    pub const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";
    /// An error the state machine cannot recover from, such as a path that matches nothing.
    pub const RUNTIME: &str = "States.Runtime";
    /// A Map state's item reader failed.
    pub const ITEM_READER_FAILED: &str = "States.ItemReaderFailed";
    /// A Map state's result writer failed.
    pub const RESULT_WRITER_FAILED: &str = "States.ResultWriterFailed";

    /// The predefined names AWS reserves for future use, each with what it reports as
    /// [`RUNTIME`] instead.
    ///
    /// AWS, "Error handling in Step Functions"
    /// (<https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html>):
    /// `States.IntrinsicFailure`, `States.NoChoiceMatched` and `States.ParameterPathFailure`
    /// are each "reserved for future use"; intrinsic function processing errors, a Choice
    /// that matches nothing and parameter processing errors "are reported with the
    /// States.Runtime error name". These entries were read in the zh_tw translation of the
    /// current page; the stored copies of the other translations (zh_cn, ja_jp, ko_kr,
    /// pt_br, id_id) end before them, but agree that `States.ALL` does not catch the Runtime
    /// error type and, like zh_tw, list no `States.BranchFailed` (the list goes from
    /// `States.ALL` to `States.DataLimitExceeded`). Of the entries read,
    /// `States.ItemReaderFailed` and `States.Permissions` are not reserved; what the page says
    /// of `States.ResultPathMatchFailure` was in no stored copy.
    ///
    /// The names stay predefined: `ErrorEquals` may name them, and a catcher that does
    /// matches an error a task or a Fail state reports under that name, but never the
    /// failure the name was meant for.
    pub const RESERVED: &[(&str, &str)] = &[
        (INTRINSIC_FAILURE, "an intrinsic function that fails"),
        (
            NO_CHOICE_MATCHED,
            "a Choice state that matches no rule and has no Default",
        ),
        (
            PARAMETER_PATH_FAILURE,
            "a payload template path that matches nothing",
        ),
    ];
}

/// Which retriers and catchers may handle an error, decided by its name alone.
///
/// AWS identifies an error by its name and documents each rule by name ("Error handling in
/// Step Functions", <https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html>),
/// never by where the error came from: a `States.Runtime` that the engine raises and one
/// that a task handler or a Fail state reports under that name are the same error to Retry
/// and Catch. (AWS also asks that errors a state reports under its own name not start with
/// `States.`; one that does anyway is treated as the predefined error of that name.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Handling {
    /// `States.Runtime`: "isn't retriable, and will always cause the execution to fail".
    /// No retrier or catcher handles it, not even one that names it.
    Never,
    /// `States.DataLimitExceeded`: "a terminal error that can't be caught by the States.ALL
    /// error type". Only a retrier or catcher that names it handles it; `States.TaskFailed`
    /// does not either (the documentation calls the error terminal, and `States.TaskFailed`
    /// is the wildcard for task failures, which this is not).
    NamedOnly,
    /// `States.Timeout` and `States.HeartbeatTimeout`: by name and by `States.ALL`, but not
    /// by `States.TaskFailed` ("matches any known error name except for States.Timeout").
    NotTaskFailed,
    /// Every other error: by name, `States.ALL` and `States.TaskFailed`.
    Any,
}

impl Handling {
    /// The rule for the error called `name`.
    pub(crate) fn of(name: &str) -> Handling {
        match name {
            names::RUNTIME => Handling::Never,
            names::DATA_LIMIT_EXCEEDED => Handling::NamedOnly,
            names::TIMEOUT | names::HEARTBEAT_TIMEOUT => Handling::NotTaskFailed,
            _ => Handling::Any,
        }
    }
}

/// An ASL error: the name that Retry and Catch match on, and an optional cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AslError {
    /// The error name, such as `States.Timeout` or a task's own error name.
    pub error: String,
    /// A human-readable cause. `None` when there is none (a Fail state without Cause).
    pub cause: Option<String>,
}

impl AslError {
    /// An error with a name and a cause.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> AslError {
        AslError {
            error: error.into(),
            cause: Some(cause.into()),
        }
    }

    /// A `States.Runtime` error.
    pub fn runtime(cause: impl Into<String>) -> AslError {
        AslError::new(names::RUNTIME, cause)
    }

    /// AWS's bound on an error name, in characters: the `error` of every failure event of the
    /// history (the API reference's length constraints) and of SendTaskFailure.
    pub const MAX_ERROR_CHARS: usize = 256;

    /// AWS's bound on a cause, in characters, likewise.
    pub const MAX_CAUSE_CHARS: usize = 32_768;

    /// The error with its name and cause cut to [`MAX_ERROR_CHARS`] and [`MAX_CAUSE_CHARS`]
    /// characters. A failure event cannot hold more; a caller of SendTaskFailure is refused
    /// for it, but a task's own failure (a Lambda function's error) can only be cut.
    ///
    /// [`MAX_ERROR_CHARS`]: AslError::MAX_ERROR_CHARS
    /// [`MAX_CAUSE_CHARS`]: AslError::MAX_CAUSE_CHARS
    pub fn within_aws_bounds(mut self) -> AslError {
        cut_to_chars(&mut self.error, Self::MAX_ERROR_CHARS);
        if let Some(cause) = &mut self.cause {
            cut_to_chars(cause, Self::MAX_CAUSE_CHARS);
        }
        self
    }
}

/// Cuts `text` to its first `max` characters; only those are looked at.
pub(crate) fn cut_to_chars(text: &mut String, max: usize) {
    // No more bytes than `max`: no more characters either.
    if text.len() <= max {
        return;
    }
    if let Some((end, _)) = text.char_indices().nth(max) {
        text.truncate(end);
    }
}

impl fmt::Display for AslError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Some(cause) => write!(f, "{}: {}", self.error, cause),
            None => f.write_str(&self.error),
        }
    }
}

impl std::error::Error for AslError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_cut_to_aws_bounds_on_character_boundaries() {
        // Two-byte characters: a cut by bytes would split one.
        let e = AslError::new("é".repeat(300), "ü".repeat(40_000)).within_aws_bounds();
        assert_eq!(e.error, "é".repeat(256));
        assert_eq!(e.cause.as_deref(), Some("ü".repeat(32_768).as_str()));
        let fits = AslError::new("E".repeat(256), "c".repeat(32_768));
        assert_eq!(fits.clone().within_aws_bounds(), fits);
        let none = AslError {
            error: "E".into(),
            cause: None,
        };
        assert_eq!(none.clone().within_aws_bounds(), none);
    }
}
