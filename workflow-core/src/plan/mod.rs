//! The compiled form of a definition: every path parsed, every template and Choice rule
//! compiled, every state name resolved to an index. Executing a state never parses a string.
//!
//! Compiling is also validating: [`Plan::compile`] and [`validate`] walk the whole definition
//! once and report every problem found, each with its JSON pointer.
//!
//! ```
//! use workflow_core::model::StateMachine;
//! use workflow_core::plan::{CompileOptions, Plan};
//!
//! let machine = StateMachine::from_json_str(
//!     r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}}}"#,
//! ).unwrap();
//! let plan = Plan::compile(&machine, &CompileOptions::default()).unwrap();
//! assert_eq!(plan.state_count(), 2);
//! ```

pub(crate) mod compile;
mod jsonata_check;
mod resource;

use std::sync::Arc;

use serde_json::Value;

use crate::choice::Condition;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::error::Handling;
use crate::model::StateMachine;
use crate::path::Path;
use crate::template::{Dynamic, Template};

pub use compile::validate;
pub use resource::{Integration, ResourceKind, classify_resource};

/// STANDARD or EXPRESS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MachineType {
    /// Long-running, exactly-once, with a full history.
    #[default]
    Standard,
    /// At most five minutes; no `.sync` or `.waitForTaskToken`.
    Express,
}

impl MachineType {
    /// `STANDARD` or `EXPRESS`.
    pub fn as_str(self) -> &'static str {
        match self {
            MachineType::Standard => "STANDARD",
            MachineType::Express => "EXPRESS",
        }
    }
}

/// How to compile.
#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// The state machine type; EXPRESS forbids some integrations.
    pub machine_type: MachineType,
}

/// A compiled, runnable definition.
#[derive(Clone, Debug)]
pub struct Plan {
    pub(crate) scopes: Vec<Scope>,
    pub(crate) timeout_seconds: Option<u64>,
    pub(crate) machine_type: MachineType,
    pub(crate) warnings: Vec<Diagnostic>,
}

impl Plan {
    /// Validates and compiles a definition. Fails with every problem found, including the
    /// features this engine does not run yet (JSONata states, Map item readers).
    pub fn compile(machine: &StateMachine, options: &CompileOptions) -> Result<Plan, Diagnostics> {
        compile::compile(machine, options).into_plan()
    }

    /// The number of states, nested ones included.
    pub fn state_count(&self) -> usize {
        self.scopes.iter().map(|s| s.states.len()).sum()
    }

    /// STANDARD or EXPRESS.
    pub fn machine_type(&self) -> MachineType {
        self.machine_type
    }

    /// The execution's `TimeoutSeconds`.
    pub fn timeout_seconds(&self) -> Option<u64> {
        self.timeout_seconds
    }

    /// Warnings found while compiling (the definition is valid but probably not what was meant).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Every Task resource of the definition, nested ones included, once each.
    pub fn resources(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for scope in &self.scopes {
            for state in &scope.states {
                if let Kind::Task(task) = &state.kind
                    && !out.contains(&&*task.resource)
                {
                    out.push(&task.resource);
                }
            }
        }
        out
    }
}

/// The index of a scope: 0 is the top level, then every Parallel branch and Map processor.
pub(crate) type ScopeId = usize;
/// The index of a state within its scope.
pub(crate) type StateId = usize;

#[derive(Clone, Debug)]
pub(crate) struct Scope {
    pub start: StateId,
    pub states: Vec<CompiledState>,
}

#[derive(Clone, Debug)]
pub(crate) struct CompiledState {
    pub name: Arc<str>,
    pub input_path: Filter,
    pub parameters: Option<Template>,
    pub result_selector: Option<Template>,
    pub result_path: ResultPath,
    pub output_path: Filter,
    pub assign: Option<Template>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    /// `None`: the state ends its scope (End, Succeed, Fail).
    pub next: Option<StateId>,
    pub kind: Kind,
}

/// InputPath / OutputPath.
#[derive(Clone, Debug)]
pub(crate) enum Filter {
    /// Absent or `$`: everything.
    All,
    /// `null`: an empty object.
    Empty,
    /// A path.
    Path(Path),
}

/// ResultPath.
#[derive(Clone, Debug)]
pub(crate) enum ResultPath {
    /// Absent or `$`: the result replaces the input.
    Replace,
    /// `null`: the result is discarded, the input passes through.
    Discard,
    /// A reference path into the input.
    Path(Path),
}

/// Which errors a retrier or catcher handles.
#[derive(Clone, Debug, Default)]
pub(crate) struct ErrorMatcher {
    pub all: bool,
    pub task_failed: bool,
    pub names: Vec<String>,
}

impl ErrorMatcher {
    pub(crate) fn new(names: &[String]) -> ErrorMatcher {
        ErrorMatcher {
            all: names.iter().any(|n| n == crate::error::names::ALL),
            task_failed: names.iter().any(|n| n == crate::error::names::TASK_FAILED),
            names: names.to_vec(),
        }
    }

    /// Whether this matcher handles `error`, by the rule its name has ([`Handling`]): nothing
    /// handles `States.Runtime`, not even a matcher that names it; only a matcher that names
    /// `States.DataLimitExceeded` handles it; `States.TaskFailed` does not handle
    /// `States.Timeout`. On AWS, `States.Timeout` also covers a heartbeat timeout (it did
    /// before `States.HeartbeatTimeout` existed), while `States.HeartbeatTimeout` covers only
    /// that.
    pub(crate) fn matches(&self, error: &str) -> bool {
        use crate::error::names;
        let named = || {
            self.names
                .iter()
                .any(|n| n == error || (error == names::HEARTBEAT_TIMEOUT && n == names::TIMEOUT))
        };
        match Handling::of(error) {
            Handling::Never => false,
            Handling::NamedOnly => named(),
            Handling::NotTaskFailed => self.all || named(),
            Handling::Any => self.all || self.task_failed || named(),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Retrier {
    pub matcher: ErrorMatcher,
    pub interval_seconds: f64,
    pub max_attempts: u32,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<f64>,
    pub full_jitter: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Catcher {
    pub matcher: ErrorMatcher,
    pub next: StateId,
    pub result_path: ResultPath,
    pub assign: Option<Template>,
}

#[derive(Clone, Debug)]
pub(crate) enum Kind {
    Pass {
        result: Option<Value>,
    },
    Task(Box<TaskSpec>),
    Choice {
        rules: Vec<ChoiceRule>,
        default: Option<StateId>,
    },
    Wait(WaitSpec),
    Succeed,
    Fail {
        error: FailText,
        cause: FailText,
    },
    Parallel {
        branches: Vec<ScopeId>,
    },
    Map(Box<MapSpec>),
}

impl Kind {
    /// The state's `Type`, as ASL names it.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Kind::Pass { .. } => "Pass",
            Kind::Task(_) => "Task",
            Kind::Choice { .. } => "Choice",
            Kind::Wait(_) => "Wait",
            Kind::Succeed => "Succeed",
            Kind::Fail { .. } => "Fail",
            Kind::Parallel { .. } => "Parallel",
            Kind::Map(_) => "Map",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct TaskSpec {
    pub resource: Arc<str>,
    pub resource_kind: ResourceKind,
    pub timeout: Option<Seconds>,
    pub heartbeat: Option<Seconds>,
    pub credentials: Option<Template>,
}

/// A number of seconds given literally or by a path.
#[derive(Clone, Debug)]
pub(crate) enum Seconds {
    Literal(u64),
    Path(Path),
}

#[derive(Clone, Debug)]
pub(crate) struct ChoiceRule {
    pub condition: Condition,
    pub next: StateId,
    pub assign: Option<Template>,
}

#[derive(Clone, Debug)]
pub(crate) enum WaitSpec {
    Seconds(u64),
    /// Milliseconds since the epoch (AWS waits to the second).
    Timestamp(i64),
    SecondsPath(Path),
    TimestampPath(Path),
}

#[derive(Clone, Debug)]
pub(crate) enum FailText {
    None,
    Literal(String),
    Dynamic(Dynamic),
}

#[derive(Clone, Debug)]
pub(crate) struct MapSpec {
    pub processor: ScopeId,
    pub items_path: Option<Path>,
    pub item_selector: Option<Template>,
    pub max_concurrency: Option<Count>,
    pub tolerated_count: Option<Count>,
    pub tolerated_percentage: Option<Percentage>,
    pub distributed: bool,
    /// A distributed Map's child executions' type (`ExecutionType`): each has its own limits,
    /// STANDARD the history quota, EXPRESS five minutes.
    pub child_type: MachineType,
}

#[derive(Clone, Debug)]
pub(crate) enum Count {
    Literal(u64),
    Path(Path),
}

#[derive(Clone, Debug)]
pub(crate) enum Percentage {
    Literal(f64),
    Path(Path),
}

#[cfg(test)]
mod tests {
    use super::ErrorMatcher;
    use crate::error::names;

    fn matcher(names: &[&str]) -> ErrorMatcher {
        ErrorMatcher::new(&names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn each_error_name_follows_its_documented_rule() {
        // AWS, "Error handling in Step Functions": States.ALL matches any error except
        // States.Runtime and States.DataLimitExceeded; States.TaskFailed any except
        // States.Timeout; States.Runtime is never retried or caught. The rows are the
        // ErrorEquals lists; each column an error, `true` where the list handles it.
        let errors = [
            "MyError",
            names::TASK_FAILED,
            names::BRANCH_FAILED,
            names::TIMEOUT,
            names::HEARTBEAT_TIMEOUT,
            names::DATA_LIMIT_EXCEEDED,
            names::RUNTIME,
        ];
        let table: &[(&[&str], [bool; 7])] = &[
            (
                &["States.ALL"],
                [true, true, true, true, true, false, false],
            ),
            (
                &["States.TaskFailed"],
                [true, true, true, false, false, false, false],
            ),
            (
                &["MyError"],
                [true, false, false, false, false, false, false],
            ),
            (
                &["States.Timeout"],
                [false, false, false, true, true, false, false],
            ),
            (
                &["States.HeartbeatTimeout"],
                [false, false, false, false, true, false, false],
            ),
            (
                &["States.DataLimitExceeded"],
                [false, false, false, false, false, true, false],
            ),
            // Named explicitly, States.Runtime still matches nothing, itself included.
            (&["States.Runtime"], [false; 7]),
            (
                &[
                    "States.Runtime",
                    "States.TaskFailed",
                    "States.DataLimitExceeded",
                ],
                [true, true, true, false, false, true, false],
            ),
        ];
        for (list, expected) in table {
            let m = matcher(list);
            for (error, want) in errors.iter().zip(expected) {
                assert_eq!(m.matches(error), *want, "{list:?} handles {error}");
            }
        }
    }
}
