//! The Amazon States Language model: one value for a state machine whether it came from JSON
//! or from the `workflow!` macro.
//!
//! The model is a typed graph. Fields whose content is an expression (paths, payload templates,
//! Choice conditions, intrinsic calls) keep their JSON form here and are parsed when the
//! definition is compiled into a [`Plan`](crate::plan::Plan); that is where their problems are
//! reported, each with its location.
//!
//! Serializing a parsed model gives back the same JSON with the same field order
//! ([`StateMachine::to_json`]).
//!
//! ```
//! use workflow_core::model::StateMachine;
//!
//! let text = r#"{"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "End": true}}}"#;
//! let machine = StateMachine::from_json_str(text).unwrap();
//! assert_eq!(machine.start_at, "Hello");
//! assert_eq!(machine.to_json_string(), text.replace(' ', ""));
//! ```

mod parse;
mod serialize;

use indexmap::IndexMap;
use serde_json::{Map, Number, Value};

pub use parse::parse_value;
pub(crate) use parse::type_name;

/// The states of one scope, in definition order.
pub type States = IndexMap<String, State>;

/// How a state's fields are written: JSONPath (the default) or JSONata.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QueryLanguage {
    /// `InputPath`, `Parameters`, `ResultSelector`, `ResultPath`, `OutputPath`.
    JsonPath,
    /// `Arguments`, `Output` and `{% ... %}` expressions.
    Jsonata,
}

impl QueryLanguage {
    /// The ASL spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            QueryLanguage::JsonPath => "JSONPath",
            QueryLanguage::Jsonata => "JSONata",
        }
    }
}

/// A whole state machine.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct StateMachine {
    /// `Comment`.
    pub comment: Option<String>,
    /// `StartAt`: the first state.
    pub start_at: String,
    /// `States`.
    pub states: States,
    /// `Version` of the language (only "1.0" exists).
    pub version: Option<String>,
    /// `TimeoutSeconds` for the whole execution.
    pub timeout_seconds: Option<i64>,
    /// `QueryLanguage` for every state that does not set its own.
    pub query_language: Option<QueryLanguage>,
    /// Field order as written, for faithful export.
    pub key_order: Vec<&'static str>,
}

/// A nested state machine: a Parallel branch or a Map's item processor.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Branch {
    /// `Comment`.
    pub comment: Option<String>,
    /// `StartAt`.
    pub start_at: String,
    /// `States`.
    pub states: States,
    /// `ProcessorConfig` (Map item processors only): `{"Mode": "INLINE" | "DISTRIBUTED",
    /// "ExecutionType": "STANDARD" | "EXPRESS"}`.
    pub processor_config: Option<Value>,
    /// Field order as written.
    pub key_order: Vec<&'static str>,
}

/// A path field that may also be `null` (InputPath, OutputPath, ResultPath).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathField {
    /// `null`: discard (InputPath/OutputPath give `{}`; ResultPath keeps the input).
    Null,
    /// A path.
    Path(String),
}

/// A field that is a literal in JSONPath states and may be a `{% ... %}` JSONata expression in
/// JSONata states.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr<T> {
    /// The literal value.
    Literal(T),
    /// A JSONata expression string.
    Jsonata(String),
}

/// One state.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// What kind of state, with the fields only that kind has.
    pub kind: StateKind,
    /// `Comment`.
    pub comment: Option<String>,
    /// `QueryLanguage` of this state.
    pub query_language: Option<QueryLanguage>,
    /// `InputPath`.
    pub input_path: Option<PathField>,
    /// `OutputPath`.
    pub output_path: Option<PathField>,
    /// `Parameters` (a payload template). On a Map state this is the legacy name of
    /// `ItemSelector`.
    pub parameters: Option<Value>,
    /// `ResultSelector` (a payload template).
    pub result_selector: Option<Value>,
    /// `ResultPath`.
    pub result_path: Option<PathField>,
    /// `Retry`.
    pub retry: Option<Vec<Retrier>>,
    /// `Catch`.
    pub catch: Option<Vec<Catcher>>,
    /// `Assign`: variables to set when the state completes.
    pub assign: Option<Value>,
    /// `Arguments` (JSONata).
    pub arguments: Option<Value>,
    /// `Output` (JSONata).
    pub output: Option<Value>,
    /// `Next`.
    pub next: Option<String>,
    /// `End`.
    pub end: Option<bool>,
    /// Field order as written.
    pub key_order: Vec<&'static str>,
}

impl State {
    /// A state of the given kind with no other field set.
    pub fn new(kind: StateKind) -> State {
        State {
            kind,
            comment: None,
            query_language: None,
            input_path: None,
            output_path: None,
            parameters: None,
            result_selector: None,
            result_path: None,
            retry: None,
            catch: None,
            assign: None,
            arguments: None,
            output: None,
            next: None,
            end: None,
            key_order: Vec::new(),
        }
    }

    /// The ASL `Type` name.
    pub fn type_name(&self) -> &'static str {
        self.kind.type_name()
    }

    /// True for the states that end an execution or branch: Succeed, Fail, or `"End": true`.
    pub fn is_terminal(&self) -> bool {
        matches!(self.kind, StateKind::Succeed | StateKind::Fail(_)) || self.end == Some(true)
    }

    /// Every state name this state can transition to: `Next`, the Choice rules' `Next` and
    /// `Default`, the catchers' `Next`.
    pub fn transitions(&self) -> Vec<&str> {
        let mut out = Vec::new();
        if let Some(next) = &self.next {
            out.push(next.as_str());
        }
        if let StateKind::Choice(choice) = &self.kind {
            out.extend(
                choice
                    .choices
                    .iter()
                    .filter_map(|rule| rule.next.as_deref()),
            );
            if let Some(default) = &choice.default {
                out.push(default.as_str());
            }
        }
        if let Some(catchers) = &self.catch {
            out.extend(catchers.iter().map(|catcher| catcher.next.as_str()));
        }
        out
    }
}

/// The eight state types and the fields that belong to one type only.
#[derive(Clone, Debug, PartialEq)]
pub enum StateKind {
    /// Passes its input (or `Result`) on.
    Pass(Pass),
    /// Does work through a resource.
    Task(Box<Task>),
    /// Branches on rules.
    Choice(Choice),
    /// Waits.
    Wait(Wait),
    /// Ends successfully.
    Succeed,
    /// Ends with an error.
    Fail(Fail),
    /// Runs branches concurrently.
    Parallel(Parallel),
    /// Runs a processor for every item of an array.
    Map(Box<MapState>),
}

impl StateKind {
    /// The ASL `Type` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            StateKind::Pass(_) => "Pass",
            StateKind::Task(_) => "Task",
            StateKind::Choice(_) => "Choice",
            StateKind::Wait(_) => "Wait",
            StateKind::Succeed => "Succeed",
            StateKind::Fail(_) => "Fail",
            StateKind::Parallel(_) => "Parallel",
            StateKind::Map(_) => "Map",
        }
    }
}

/// Fields of a Pass state.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Pass {
    /// `Result`: a literal result (not a template).
    pub result: Option<Value>,
}

/// Fields of a Task state.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Task {
    /// `Resource`: the ARN (or `${Name}` substitution) of what to run.
    pub resource: String,
    /// `TimeoutSeconds`.
    pub timeout_seconds: Option<Expr<i64>>,
    /// `TimeoutSecondsPath`.
    pub timeout_seconds_path: Option<String>,
    /// `HeartbeatSeconds`.
    pub heartbeat_seconds: Option<Expr<i64>>,
    /// `HeartbeatSecondsPath`.
    pub heartbeat_seconds_path: Option<String>,
    /// `Credentials`: `{"RoleArn": ...}` or `{"RoleArn.$": ...}`.
    pub credentials: Option<Value>,
}

/// Fields of a Choice state.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Choice {
    /// `Choices`.
    pub choices: Vec<ChoiceRule>,
    /// `Default`.
    pub default: Option<String>,
}

/// A top-level Choice rule.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ChoiceRule {
    /// The condition: every field of the rule object except `Next`, `Assign`, `Output` and
    /// `Comment` (`Variable` and one comparison, or `And`/`Or`/`Not`, or JSONata `Condition`).
    pub condition: Map<String, Value>,
    /// `Next`.
    pub next: Option<String>,
    /// `Assign`.
    pub assign: Option<Value>,
    /// `Output` (JSONata).
    pub output: Option<Value>,
    /// `Comment`.
    pub comment: Option<String>,
    /// Field order as written.
    pub key_order: Vec<String>,
}

/// Fields of a Wait state.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Wait {
    /// `Seconds`.
    pub seconds: Option<Expr<i64>>,
    /// `Timestamp`.
    pub timestamp: Option<String>,
    /// `SecondsPath`.
    pub seconds_path: Option<String>,
    /// `TimestampPath`.
    pub timestamp_path: Option<String>,
}

/// Fields of a Fail state.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Fail {
    /// `Error`.
    pub error: Option<String>,
    /// `Cause`.
    pub cause: Option<String>,
    /// `ErrorPath`: a path or an intrinsic call.
    pub error_path: Option<String>,
    /// `CausePath`: a path or an intrinsic call.
    pub cause_path: Option<String>,
}

/// Fields of a Parallel state.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Parallel {
    /// `Branches`.
    pub branches: Vec<Branch>,
}

/// Fields of a Map state.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct MapState {
    /// `ItemProcessor` (or the legacy `Iterator`).
    pub item_processor: Branch,
    /// True when the processor was written as the legacy `Iterator`.
    pub legacy_iterator: bool,
    /// `ItemsPath`.
    pub items_path: Option<String>,
    /// `Items` (JSONata, or a literal array).
    pub items: Option<Value>,
    /// `ItemSelector`.
    pub item_selector: Option<Value>,
    /// `MaxConcurrency` (0 = unbounded).
    pub max_concurrency: Option<Expr<i64>>,
    /// `MaxConcurrencyPath`.
    pub max_concurrency_path: Option<String>,
    /// `ToleratedFailureCount`.
    pub tolerated_failure_count: Option<Expr<i64>>,
    /// `ToleratedFailureCountPath`.
    pub tolerated_failure_count_path: Option<String>,
    /// `ToleratedFailurePercentage`.
    pub tolerated_failure_percentage: Option<Expr<Number>>,
    /// `ToleratedFailurePercentagePath`.
    pub tolerated_failure_percentage_path: Option<String>,
    /// `ItemReader` (distributed maps).
    pub item_reader: Option<Value>,
    /// `ItemBatcher` (distributed maps).
    pub item_batcher: Option<Value>,
    /// `ResultWriter` (distributed maps).
    pub result_writer: Option<Value>,
    /// `Label` (distributed maps).
    pub label: Option<String>,
}

impl MapState {
    /// The field that holds the processor: `ItemProcessor`, or the legacy `Iterator`.
    pub fn processor_field(&self) -> &'static str {
        if self.legacy_iterator {
            "Iterator"
        } else {
            "ItemProcessor"
        }
    }
}

/// One `Retry` entry.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Retrier {
    /// `ErrorEquals`.
    pub error_equals: Vec<String>,
    /// `IntervalSeconds` (default 1).
    pub interval_seconds: Option<i64>,
    /// `MaxAttempts` (default 3).
    pub max_attempts: Option<i64>,
    /// `BackoffRate` (default 2.0).
    pub backoff_rate: Option<Number>,
    /// `MaxDelaySeconds`.
    pub max_delay_seconds: Option<i64>,
    /// `JitterStrategy`: `FULL` or `NONE`.
    pub jitter_strategy: Option<String>,
    /// `Comment`.
    pub comment: Option<String>,
    /// Field order as written.
    pub key_order: Vec<&'static str>,
}

/// One `Catch` entry.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Catcher {
    /// `ErrorEquals`.
    pub error_equals: Vec<String>,
    /// `Next`.
    pub next: String,
    /// `ResultPath`.
    pub result_path: Option<PathField>,
    /// `Assign`.
    pub assign: Option<Value>,
    /// `Output` (JSONata).
    pub output: Option<Value>,
    /// `Comment`.
    pub comment: Option<String>,
    /// Field order as written.
    pub key_order: Vec<&'static str>,
}

impl StateMachine {
    /// Parses a definition from JSON text. Every structural problem is reported at once, each
    /// with its JSON pointer, line and column. Semantic checks (targets, reachability, paths,
    /// ...) are made by [`crate::plan::validate`].
    pub fn from_json_str(text: &str) -> Result<StateMachine, crate::Diagnostics> {
        crate::source::parse_definition(text).map(|(machine, _)| machine)
    }

    /// Serializes back to ASL JSON, keeping the field order of a parsed definition.
    pub fn to_json(&self) -> Value {
        serialize::machine(self)
    }

    /// Serializes to compact ASL JSON text.
    pub fn to_json_string(&self) -> String {
        self.to_json().to_string()
    }

    /// Serializes to indented ASL JSON text.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(&self.to_json()).unwrap_or_default()
    }

    /// The query language of a state: its own, else the machine's, else JSONPath.
    pub fn effective_language(&self, state: &State) -> QueryLanguage {
        state
            .query_language
            .or(self.query_language)
            .unwrap_or(QueryLanguage::JsonPath)
    }
}
