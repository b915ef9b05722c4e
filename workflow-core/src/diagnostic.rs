//! Definition problems: every one is reported, each with a stable code, a message and where it
//! is (a JSON pointer, plus line and column when the definition came from text).

use std::fmt;

/// The stable codes of definition problems. Tools may match on these; they never change
/// meaning.
///
/// Most are errors (the definition is refused). Where AWS is not known to refuse a definition,
/// the problem is a warning instead, so that nothing AWS accepts is refused here; a code's
/// documentation says when it can be a warning.
pub mod codes {
    /// The definition is not valid JSON.
    pub const INVALID_JSON: &str = "invalid-json";
    /// The definition (or a nested state machine) is not a JSON object.
    pub const NOT_AN_OBJECT: &str = "not-an-object";
    /// A required field is missing.
    pub const MISSING_FIELD: &str = "missing-field";
    /// A field is not allowed here (unknown, or not valid for this state type or query
    /// language). A warning for `Arguments` on JSONata Pass and Map states and for unknown
    /// `ReaderConfig` fields.
    pub const UNKNOWN_FIELD: &str = "unknown-field";
    /// A field has the wrong JSON type.
    pub const WRONG_TYPE: &str = "wrong-type";
    /// A field has a value outside what it allows. A warning for a `Version` other than
    /// "1.0" and for a Map with both `ItemSelector` and `Parameters`.
    pub const INVALID_VALUE: &str = "invalid-value";
    /// A JSON object has the same key twice: a warning (JSON parsers keep the last value).
    /// An error when a payload template has the same key with and without `.$`.
    pub const DUPLICATE_KEY: &str = "duplicate-key";
    /// `Type` is not one of the eight state types.
    pub const UNKNOWN_STATE_TYPE: &str = "unknown-state-type";
    /// `StartAt` names no state of its `States`.
    pub const UNKNOWN_START_AT: &str = "unknown-start-at";
    /// `Next`, `Default` or a Catch's `Next` names no state in the same scope.
    pub const UNKNOWN_TARGET: &str = "unknown-target";
    /// A transition goes into or out of a Parallel branch or Map processor.
    pub const CROSS_SCOPE_TRANSITION: &str = "cross-scope-transition";
    /// No transition leads to a state.
    pub const UNREACHABLE_STATE: &str = "unreachable-state";
    /// A scope has no terminal state at all (no Succeed, no Fail, no `End: true`). A warning
    /// for a branch or processor when the machine has a terminal state elsewhere.
    pub const NO_TERMINAL_STATE: &str = "no-terminal-state";
    /// A state has neither `Next` nor `End: true`.
    pub const MISSING_TRANSITION: &str = "missing-transition";
    /// A state has both `Next` and `End`.
    pub const NEXT_AND_END: &str = "next-and-end";
    /// Two states share a name anywhere in the machine.
    pub const DUPLICATE_STATE_NAME: &str = "duplicate-state-name";
    /// A state name is empty or longer than 80 characters.
    pub const INVALID_STATE_NAME: &str = "invalid-state-name";
    /// A Choice state has no rules.
    pub const EMPTY_CHOICES: &str = "empty-choices";
    /// A Choice rule has no comparison, or more than one.
    pub const CHOICE_RULE_COMPARISONS: &str = "choice-rule-comparisons";
    /// A Choice comparison has a value of the wrong type.
    pub const CHOICE_RULE_VALUE: &str = "choice-rule-value";
    /// A top-level Choice rule has no `Next`, or a nested rule has one.
    pub const CHOICE_RULE_NEXT: &str = "choice-rule-next";
    /// `ErrorEquals` is empty.
    pub const EMPTY_ERROR_EQUALS: &str = "empty-error-equals";
    /// `States.ALL` is not alone in its `ErrorEquals`, or its retrier or catcher is not last.
    pub const STATES_ALL_NOT_LAST: &str = "states-all-not-last";
    /// An error name starts with `States.` but is not a predefined one.
    pub const UNKNOWN_ERROR_NAME: &str = "unknown-error-name";
    /// `ErrorEquals` names `States.Runtime`, which AWS never retries or catches: the name
    /// matches nothing (a warning).
    pub const UNCATCHABLE_ERROR: &str = "uncatchable-error";
    /// `ErrorEquals` names `States.IntrinsicFailure`, `States.NoChoiceMatched` or
    /// `States.ParameterPathFailure`, which AWS reserves for future use: the failures they
    /// name are reported as `States.Runtime`, so the name matches only an error a task or a
    /// Fail state reports under it (a warning).
    pub const RESERVED_ERROR_NAME: &str = "reserved-error-name";
    /// A number is out of its allowed range (MaxAttempts < 0, BackoffRate < 1, ...). A warning
    /// for `MaxInputBytesPerBatch` over 256 KiB.
    pub const OUT_OF_RANGE: &str = "out-of-range";
    /// HeartbeatSeconds is not smaller than TimeoutSeconds.
    pub const HEARTBEAT_NOT_BELOW_TIMEOUT: &str = "heartbeat-not-below-timeout";
    /// A Wait state has none, or more than one, of Seconds, Timestamp, SecondsPath,
    /// TimestampPath.
    pub const WAIT_DURATION: &str = "wait-duration";
    /// A timestamp is not an RFC 3339 date-time.
    pub const INVALID_TIMESTAMP: &str = "invalid-timestamp";
    /// A JSONPath does not parse.
    pub const INVALID_PATH: &str = "invalid-path";
    /// A path that must be a reference path (ResultPath) uses operators that select several
    /// nodes.
    pub const NOT_A_REFERENCE_PATH: &str = "not-a-reference-path";
    /// A `.$` field's value is not a path or an intrinsic function call. A warning for an
    /// intrinsic function that does not give a string in a Fail state's `ErrorPath` or
    /// `CausePath`.
    pub const INVALID_DYNAMIC_VALUE: &str = "invalid-dynamic-value";
    /// An intrinsic function call does not parse (an unbalanced parenthesis or quote, a
    /// trailing comma, an illegal escape, more than 10 calls in one field).
    pub const INVALID_INTRINSIC: &str = "invalid-intrinsic";
    /// An intrinsic function name is not one of the 18 functions (names are case-sensitive:
    /// `States.format` is not `States.Format`).
    pub const UNKNOWN_INTRINSIC: &str = "unknown-intrinsic";
    /// An intrinsic function has the wrong number of arguments.
    pub const INTRINSIC_ARITY: &str = "intrinsic-arity";
    /// A Task resource is not a recognised ARN.
    pub const INVALID_RESOURCE: &str = "invalid-resource";
    /// An EXPRESS state machine uses `.sync` or `.waitForTaskToken`.
    pub const EXPRESS_UNSUPPORTED_INTEGRATION: &str = "express-unsupported-integration";
    /// QueryLanguage is JSONPath in a state of a JSONata state machine.
    pub const QUERY_LANGUAGE_DOWNGRADE: &str = "query-language-downgrade";
    /// A JSONata expression does not parse (an unclosed bracket or string, an empty
    /// expression). A string that starts with `{%` but does not end with `%}` is a literal, and
    /// a warning.
    pub const INVALID_JSONATA: &str = "invalid-jsonata";
    /// A JSONata expression parses, but AWS does not support it where it is: a field of the
    /// top-level context (`{% phone %}`), `$$`, or `$states.result` / `$states.errorOutput`
    /// outside the fields that have them.
    pub const UNSUPPORTED_JSONATA: &str = "unsupported-jsonata";
    /// (Warning) A variable name in Assign is not a valid name, or a branch or processor
    /// assigns a variable of an enclosing scope.
    pub const INVALID_VARIABLE_NAME: &str = "invalid-variable-name";
    /// A Map processor or Parallel branch is malformed (a distributed `ProcessorConfig`
    /// without `ExecutionType`; as warnings, a Map with both `ItemProcessor` and `Iterator`, a
    /// Parallel state without branches).
    pub const INVALID_PROCESSOR: &str = "invalid-processor";
    /// Two Map states have the same `Label`.
    pub const DUPLICATE_LABEL: &str = "duplicate-label";
    /// (Warning) A Map `Label` is empty, longer than 40 characters, or has characters AWS does
    /// not allow in labels.
    pub const INVALID_LABEL: &str = "invalid-label";
    /// (Warning) A reachable state can never reach a terminal state.
    pub const CYCLE_WITHOUT_EXIT: &str = "cycle-without-exit";
    /// A path goes, a payload template, Choice rule or other JSON value nests, or Parallel
    /// branches and Map processors nest, deeper than the engine allows (see
    /// [`crate::nesting`]). Only a definition built in code can nest values or scopes that
    /// deep: its JSON text could not be read.
    pub const NESTING_TOO_DEEP: &str = "nesting-too-deep";
    /// The definition is valid, but uses a feature this runtime does not run.
    pub const UNSUPPORTED: &str = "unsupported";
}

/// Problems that leave the state graph incomplete: a transition to a state that is not
/// there, or a state without one.
pub const BROKEN_GRAPH: &[&str] = &[
    codes::UNKNOWN_TARGET,
    codes::CROSS_SCOPE_TRANSITION,
    codes::MISSING_TRANSITION,
];

/// Problems of reachability and termination, which only repeat an incomplete graph's
/// mistake when the graph is incomplete.
pub const GRAPH_CASCADES: &[&str] = &[
    codes::UNREACHABLE_STATE,
    codes::NO_TERMINAL_STATE,
    codes::CYCLE_WITHOUT_EXIT,
];

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The definition is rejected.
    Error,
    /// The definition is accepted but probably wrong.
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Where something is in the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in bytes from the start of the line.
    pub column: usize,
    /// Byte offset from the start of the text.
    pub offset: usize,
    /// Length in bytes of the offending value.
    pub length: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One problem in a definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code, one of [`codes`].
    pub code: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// What is wrong, and where useful, what to do.
    pub message: String,
    /// JSON pointer to the offending value (`/States/Charge/Retry/0/MaxAttempts`).
    pub pointer: String,
    /// Line and column in the source text, when the definition came from text.
    pub location: Option<Location>,
}

impl Diagnostic {
    /// An error-level diagnostic.
    pub fn error(
        code: &'static str,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            pointer: pointer.into(),
            location: None,
        }
    }

    /// A warning without a location yet.
    pub fn warning(
        code: &'static str,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, pointer, message)
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        match self.location {
            Some(loc) => write!(
                f,
                "[{}] {} (at {} {})",
                self.code, self.message, pointer, loc
            ),
            None => write!(f, "[{}] {} (at {})", self.code, self.message, pointer),
        }
    }
}

/// A non-empty list of problems: the reason a definition was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "the definition has {n} problem{}",
            if n == 1 { "" } else { "s" }
        )?;
        for d in &self.0 {
            write!(f, "\n  {d}")?;
        }
        Ok(())
    }
}

/// Appends one escaped JSON pointer token to `pointer`.
pub fn push_pointer(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}
