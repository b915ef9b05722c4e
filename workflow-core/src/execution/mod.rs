//! The step logic: a deterministic function that, given the compiled plan, an execution's
//! state and one event, updates the state, appends to the history and returns the commands
//! to carry out (invoke a task, start a timer, ...).
//!
//! There is no clock, no I/O and no randomness in here: the driver passes the time and a
//! source of random numbers with every event. The same plan, events, times and random numbers
//! always give the same history.
//!
//! ```
//! use workflow_core::definition::Definition;
//! use workflow_core::entropy::SplitMix64;
//! use workflow_core::execution::{Execution, ExecutionConfig, ExecutionStatus};
//! use workflow_core::plan::CompileOptions;
//!
//! let definition = Definition::from_json_str(
//!     r#"{"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "Result": "world", "ResultPath": "$.hello", "End": true}}}"#,
//!     &CompileOptions::default(),
//! ).unwrap();
//! let plan = definition.plan().unwrap();
//! let (execution, commands) = Execution::start(
//!     plan,
//!     &ExecutionConfig::default(),
//!     serde_json::json!({"from": "input"}),
//!     0,
//!     &mut SplitMix64(7),
//! ).unwrap();
//! assert!(commands.is_empty());
//! match execution.status() {
//!     ExecutionStatus::Succeeded(output) => {
//!         assert_eq!(**output, serde_json::json!({"from": "input", "hello": "world"}))
//!     }
//!     other => panic!("{other:?}"),
//! }
//! assert_eq!(execution.history().len(), 4);
//! ```

mod context;
mod path_numbers;
mod run;
mod size;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

pub use context::ExecutionInfo;
use context::{ContextView, Vars};
use size::result_too_large_cause;
pub(crate) use size::{Measure, measure};
pub use size::{PAYLOAD_LIMIT_BYTES, json_size};

use crate::entropy::Entropy;
pub use crate::entropy::uuid_v4;
use crate::error::{Handling, names};
use crate::history::{EventDetails, EventType, HistoryEvent, PayloadRecorder};
use crate::nesting::{MAX_JSON_DEPTH, drop_deep};
use crate::path::{Env, PathError, with_reference};
use crate::plan::{
    CompiledState, Count, FailText, Filter, Integration, Kind, MachineType, MapSpec, Percentage,
    Plan, ResourceKind, ResultPath, ScopeId, Seconds, StateId, WaitSpec,
};
use crate::template::StateFailure;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// Variables a state assigns.
type Assigned = Map<String, Value>;

/// A state's result before ResultSelector and ResultPath: a value of its own, or one it
/// shares (a Pass state passes its input on, a task's result is in the history): sharing
/// spares a copy when ResultPath replaces the input, owning spares one when it writes into it.
enum StateResult {
    Owned(Value),
    Shared(Arc<Value>),
}

impl StateResult {
    fn value(&self) -> &Value {
        match self {
            StateResult::Owned(v) => v,
            StateResult::Shared(v) => v,
        }
    }

    fn into_arc(self) -> Arc<Value> {
        match self {
            StateResult::Owned(v) => Arc::new(v),
            StateResult::Shared(v) => v,
        }
    }

    fn into_value(self) -> Value {
        match self {
            StateResult::Owned(v) => v,
            StateResult::Shared(v) => Arc::unwrap_or_clone(v),
        }
    }
}

/// Identifies one task invocation (one attempt of one Task state).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct TaskId(pub u64);

/// Identifies one timer.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct TimerId(pub u64);

/// How an execution ended with an error: the error name and cause, either of which AWS may
/// leave out (a Fail state with neither).
#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Failure {
    /// The error name.
    pub error: Option<String>,
    /// The cause.
    pub cause: Option<String>,
}

impl Failure {
    /// A failure with both a name and a cause.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Failure {
        Failure {
            error: Some(error.into()),
            cause: Some(cause.into()),
        }
    }

    /// The `{"Error": ..., "Cause": ...}` document a Catch passes on.
    pub fn error_output(&self) -> Value {
        let mut m = Map::new();
        if let Some(e) = &self.error {
            m.insert("Error".into(), Value::String(e.clone()));
        }
        if let Some(c) = &self.cause {
            m.insert("Cause".into(), Value::String(c.clone()));
        }
        Value::Object(m)
    }

    /// The details of the event that records it; `resource` for task events.
    fn details(&self, resource: Option<(String, String)>) -> EventDetails {
        EventDetails::Failure {
            error: self.error.clone(),
            cause: self.cause.clone(),
            resource,
        }
    }
}

impl From<crate::AslError> for Failure {
    fn from(e: crate::AslError) -> Failure {
        Failure {
            error: Some(e.error),
            cause: e.cause,
        }
    }
}

/// Where an execution stands.
#[derive(Clone, Debug, PartialEq)]
pub enum ExecutionStatus {
    /// Still running.
    Running,
    /// Finished with this output.
    Succeeded(Arc<Value>),
    /// Failed with this error.
    Failed(Failure),
    /// Ran longer than its TimeoutSeconds (or an EXPRESS execution's five minutes).
    TimedOut(Failure),
    /// Stopped from outside.
    Aborted(Failure),
}

impl ExecutionStatus {
    /// The output, when the execution succeeded.
    pub fn output(&self) -> Option<&Value> {
        match self {
            ExecutionStatus::Succeeded(output) => Some(output),
            _ => None,
        }
    }

    /// The error and cause, when the execution failed, timed out or was aborted.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            ExecutionStatus::Failed(f)
            | ExecutionStatus::TimedOut(f)
            | ExecutionStatus::Aborted(f) => Some(f),
            _ => None,
        }
    }

    /// `RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT` or `ABORTED`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded(_) => "SUCCEEDED",
            ExecutionStatus::Failed(_) => "FAILED",
            ExecutionStatus::TimedOut(_) => "TIMED_OUT",
            ExecutionStatus::Aborted(_) => "ABORTED",
        }
    }
}

/// Names and ARNs of an execution.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExecutionConfig {
    /// The state machine's name (in ARNs and `$$.StateMachine.Name`).
    pub state_machine_name: String,
    /// The execution's name; a UUID when absent.
    pub execution_name: Option<String>,
    /// The region in ARNs.
    pub region: String,
    /// The account in ARNs.
    pub account: String,
    /// The execution role; a default role of the account when absent.
    pub role_arn: Option<String>,
    /// AWS's history quota, [`HISTORY_LIMIT`] events by default: a STANDARD execution fails
    /// at it, an EXPRESS history keeps that many events and its last. `None` lifts it (every
    /// event is kept and nothing fails), for local work that AWS would refuse.
    pub history_limit: Option<usize>,
}

impl Default for ExecutionConfig {
    fn default() -> Self {
        ExecutionConfig {
            state_machine_name: "StateMachine".to_string(),
            execution_name: None,
            region: "us-east-1".to_string(),
            account: "123456789012".to_string(),
            role_arn: None,
            history_limit: Some(HISTORY_LIMIT),
        }
    }
}

/// Something that happened outside the step logic. Serializable: an execution's
/// [journal](crate::journal) records every event its step logic consumed.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// A task returned its result.
    TaskSucceeded {
        /// Which invocation.
        task: TaskId,
        /// Its result.
        #[serde(with = "crate::journal::json_text")]
        output: Value,
    },
    /// A task failed.
    TaskFailed {
        /// Which invocation.
        task: TaskId,
        /// Its error.
        failure: Failure,
    },
    /// A callback (`.waitForTaskToken`) task was handed over and now waits for its token.
    TaskSubmitted {
        /// Which invocation.
        task: TaskId,
        /// The integration's response.
        #[serde(with = "crate::journal::json_text")]
        output: Value,
    },
    /// A task sent a heartbeat.
    TaskHeartbeat {
        /// Which invocation.
        task: TaskId,
    },
    /// A timer started by [`Command::StartTimer`] fired.
    TimerFired {
        /// Which timer.
        timer: TimerId,
    },
    /// The execution is stopped from outside.
    Stop {
        /// The error to record.
        failure: Failure,
    },
    /// Nothing happened outside: go on with the work the last call left when it reached its
    /// budget of [`STATES_PER_CALL`] states (see [`Execution::has_pending_work`]).
    Continue,
}

/// A task to run.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskInvocation {
    /// The invocation's id, to report its outcome with.
    pub task: TaskId,
    /// The state's name.
    pub state_name: Arc<str>,
    /// The resource as written.
    pub resource: Arc<str>,
    /// What the resource is.
    pub resource_kind: ResourceKind,
    /// The effective input (after InputPath and Parameters).
    pub input: Value,
    /// The task token, for `.waitForTaskToken` resources.
    pub task_token: Option<String>,
    /// How many times this state has been retried so far.
    pub retry_count: u32,
    /// TimeoutSeconds, when the state sets one.
    pub timeout_seconds: Option<u64>,
    /// HeartbeatSeconds, when the state sets one.
    pub heartbeat_seconds: Option<u64>,
    /// The evaluated Credentials, when the state sets them.
    pub credentials: Option<Value>,
}

/// What the driver must do.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Run a task and report [`Event::TaskSucceeded`] or [`Event::TaskFailed`].
    Invoke(Box<TaskInvocation>),
    /// Stop a running task; its outcome no longer matters.
    Cancel {
        /// Which invocation.
        task: TaskId,
    },
    /// Report [`Event::TimerFired`] at this time.
    StartTimer {
        /// Which timer.
        timer: TimerId,
        /// When, in milliseconds since the epoch.
        at: Millis,
    },
    /// Forget a timer.
    CancelTimer {
        /// Which timer.
        timer: TimerId,
    },
}

/// Why an execution could not start.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The input is larger than the payload limit.
    #[error("the execution input is {size} bytes, more than the {PAYLOAD_LIMIT_BYTES}-byte limit")]
    InputTooLarge {
        /// Its size in bytes.
        size: usize,
    },
    /// The input nests deeper than [`MAX_JSON_DEPTH`] levels.
    #[error("{}", crate::nesting::too_deep("the execution input"))]
    InputTooDeep,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct FrameRef {
    index: u32,
    generation: u32,
}

#[derive(Clone, Copy, Debug)]
enum TimerPurpose {
    Wait,
    Retry,
    TaskTimeout,
    TaskHeartbeat,
    ExecutionTimeout,
}

/// One running scope: the top level, a Parallel branch or a Map iteration.
#[derive(Debug)]
struct Frame {
    /// This frame's own reference (set when it is created).
    me: FrameRef,
    scope: ScopeId,
    parent: Option<(FrameRef, usize)>,
    /// Events of distributed Map iterations belong to child executions, not to this history.
    silent: bool,
    vars: Arc<Vars>,
    /// False while `vars` is still the enclosing scope's (a branch or iteration that has not
    /// assigned anything yet gets its own scope only when it first assigns).
    vars_owned: bool,
    state: StateId,
    raw_input: Arc<Value>,
    /// An upper bound of the JSON size of `raw_input`.
    input_size: usize,
    /// What is cheaply known of the output being completed: an upper bound of its size, and
    /// how deep the part of it that is not the state's input nests (the input is within the
    /// depth bound).
    output_bound: Option<Measure>,
    entered_event: u64,
    entered_time: Millis,
    retry_counts: Vec<u32>,
    retry_total: u32,
    task_token: Option<Arc<str>>,
    /// The id of the last event of this frame, for previousEventId.
    last_event: u64,
    phase: Phase,
}

#[derive(Debug)]
enum Phase {
    Enter,
    Run,
    AwaitTask(Box<TaskWait>),
    AwaitWait {
        timer: TimerId,
        effective: Arc<Value>,
    },
    AwaitRetry {
        timer: TimerId,
    },
    AwaitChildren(Box<Children>),
}

#[derive(Debug)]
struct TaskWait {
    task: TaskId,
    timeout_timer: Option<TimerId>,
    heartbeat_timer: Option<TimerId>,
    heartbeat_ms: Option<i64>,
    events: TaskEvents,
}

/// Which family of history events a task writes.
#[derive(Clone, Debug)]
enum TaskEvents {
    Lambda {
        arn: String,
    },
    Activity {
        arn: String,
    },
    Task {
        resource_type: String,
        resource: String,
    },
}

#[derive(Debug)]
struct Children {
    is_map: bool,
    effective: Arc<Value>,
    /// Map items (empty for Parallel).
    items: Vec<Value>,
    /// The JSON size of `effective`, which every Parallel branch gets as its input (Map
    /// items are measured one by one; 0 for a Map).
    branch_input_size: usize,
    /// One per branch or item.
    results: Vec<Option<Value>>,
    next: usize,
    running: Vec<(usize, FrameRef)>,
    limit: usize,
    failures: usize,
    tolerated_count: Option<u64>,
    tolerated_percentage: Option<f64>,
    distributed: bool,
    done: bool,
}

#[derive(Debug)]
enum Work {
    Advance(FrameRef),
    Pump(FrameRef),
    ChildDone {
        parent: FrameRef,
        slot: usize,
        result: Result<Arc<Value>, Failure>,
    },
}

enum Outcome {
    /// The frame can go on at once (its phase says how).
    Continue,
    /// The frame waits for an event.
    Blocked,
    /// The frame's scope ended.
    Finished(Result<Arc<Value>, Failure>),
}

/// One execution: its plan, where each of its scopes stands, and its history.
#[derive(Debug)]
pub struct Execution {
    plan: Arc<Plan>,
    info: Arc<ExecutionInfo>,
    frames: Vec<Option<Frame>>,
    generations: Vec<u32>,
    free: Vec<u32>,
    history: Vec<HistoryEvent>,
    /// Keeps the history's payloads shared and compact.
    payloads: PayloadRecorder,
    status: ExecutionStatus,
    tasks: HashMap<TaskId, FrameRef>,
    timers: HashMap<TimerId, (Option<FrameRef>, TimerPurpose)>,
    next_task: u64,
    next_timer: u64,
    execution_timer: Option<TimerId>,
    /// How long the execution may run, in whole seconds (what its timeout's cause states).
    time_limit_seconds: i64,
    commands: Vec<Command>,
    work: Vec<Work>,
    now: Millis,
    /// The id of the last event recorded (events an EXPRESS history does not keep count too).
    last_event_id: u64,
    /// States this call may still enter before it hands back to the driver.
    budget: u32,
    /// A STANDARD execution's 25,000th event would not have been `ExecutionSucceeded`: it fails.
    history_exhausted: bool,
    /// ... and its `ExecutionFailed` is recorded.
    history_limit_recorded: bool,
    /// See [`ExecutionConfig::history_limit`].
    history_limit: Option<usize>,
}

/// At most this many states are entered per call to [`Execution::start`] or
/// [`Execution::handle`]: a loop of Pass and Choice states would otherwise never give its
/// driver a chance to let time pass, a stop in, or other work run. What is left is run by
/// [`Event::Continue`]; [`Execution::has_pending_work`] says when that is needed.
pub const STATES_PER_CALL: u32 = 10_000;

/// A STANDARD execution's history holds at most this many events: AWS fails the execution
/// when its 25,000th event would be anything but `ExecutionSucceeded`. An EXPRESS execution
/// has no such limit (AWS keeps no history for it); here its history keeps its first
/// `HISTORY_LIMIT` events and its last one, so that a long run does not grow without bound.
pub const HISTORY_LIMIT: usize = 25_000;

fn entered_event(kind: &Kind) -> EventType {
    match kind {
        Kind::Pass { .. } => EventType::PassStateEntered,
        Kind::Task(_) => EventType::TaskStateEntered,
        Kind::Choice { .. } => EventType::ChoiceStateEntered,
        Kind::Wait(_) => EventType::WaitStateEntered,
        Kind::Succeed => EventType::SucceedStateEntered,
        Kind::Fail { .. } => EventType::FailStateEntered,
        Kind::Parallel { .. } => EventType::ParallelStateEntered,
        Kind::Map(_) => EventType::MapStateEntered,
    }
}

fn exited_event(kind: &Kind) -> EventType {
    match kind {
        Kind::Pass { .. } => EventType::PassStateExited,
        Kind::Task(_) => EventType::TaskStateExited,
        Kind::Choice { .. } => EventType::ChoiceStateExited,
        Kind::Wait(_) => EventType::WaitStateExited,
        Kind::Succeed => EventType::SucceedStateExited,
        Kind::Parallel { .. } => EventType::ParallelStateExited,
        Kind::Map(_) => EventType::MapStateExited,
        Kind::Fail { .. } => EventType::FailStateEntered,
    }
}

fn aborted_event(kind: &Kind) -> Option<EventType> {
    match kind {
        Kind::Task(_) => Some(EventType::TaskStateAborted),
        Kind::Wait(_) => Some(EventType::WaitStateAborted),
        Kind::Parallel { .. } => Some(EventType::ParallelStateAborted),
        Kind::Map(_) => Some(EventType::MapStateAborted),
        _ => None,
    }
}

/// The failure of a state whose result, task input or variable nests deeper than
/// [`MAX_JSON_DEPTH`] levels: the payload limit of the size, `States.DataLimitExceeded`, and a
/// cause in the words of its size message. `what` is "a result", "an input", ...
fn too_deep_failure(state: &str, what: &str) -> Failure {
    Failure::new(
        names::DATA_LIMIT_EXCEEDED,
        format!(
            "The state/task '{state}' returned {what} nested deeper than the maximum of {MAX_JSON_DEPTH} levels."
        ),
    )
}

/// How AWS shows a value in its messages (Jackson's text of it): a string bare, a number with
/// a fraction or an exponent as Java's `Double.toString`, anything else as JSON. Recorded for
/// the `...Path` number fields (see `path_numbers`) and Wait's `TimestampPath` (its cases,
/// `wait/wait_timestamp_path_*`, all hold strings, shown bare as here); a Fail state's
/// `ErrorPath` and `CausePath` show what they select the same way.
pub(crate) fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => {
            crate::intrinsics::java_double(n.as_f64().unwrap_or_default())
        }
        other => other.to_string(),
    }
}

fn task_events(resource: &str, kind: &ResourceKind) -> TaskEvents {
    match kind {
        ResourceKind::LambdaFunction { .. } => TaskEvents::Lambda {
            arn: resource.to_string(),
        },
        ResourceKind::Activity { .. } => TaskEvents::Activity {
            arn: resource.to_string(),
        },
        ResourceKind::LambdaInvoke { integration } => TaskEvents::Task {
            resource_type: "lambda".into(),
            resource: with_suffix("invoke", *integration),
        },
        ResourceKind::Service {
            service,
            action,
            integration,
        } => TaskEvents::Task {
            resource_type: service.clone(),
            resource: with_suffix(action, *integration),
        },
        ResourceKind::Substitution { name, integration } => TaskEvents::Task {
            resource_type: "task".into(),
            resource: with_suffix(name, *integration),
        },
    }
}

impl TaskEvents {
    /// What AWS names when the task's result is over the payload limit: the function's or
    /// activity's ARN, or the integration's service (`aws-sdk:s3`).
    fn result_owner(&self) -> &str {
        match self {
            TaskEvents::Lambda { arn } | TaskEvents::Activity { arn } => arn,
            TaskEvents::Task { resource_type, .. } => resource_type,
        }
    }
}

/// The failure of a task whose result is over the payload limit, worded and named as the
/// execution words it, for a handler that measures its result before it has all of it (a
/// command's output, an HTTP body): `States.DataLimitExceeded`, naming the function's or
/// activity's ARN or the integration's service of `resource`.
pub fn task_result_too_large(resource: &str) -> crate::AslError {
    let owner = match crate::plan::classify_resource(resource) {
        Ok(kind) => task_events(resource, &kind).result_owner().to_string(),
        Err(_) => resource.to_string(),
    };
    crate::AslError::new(names::DATA_LIMIT_EXCEEDED, result_too_large_cause(&owner))
}

fn with_suffix(action: &str, integration: Integration) -> String {
    match integration {
        Integration::RequestResponse => action.to_string(),
        Integration::Sync => format!("{action}.sync"),
        Integration::Callback => format!("{action}.waitForTaskToken"),
    }
}

impl Execution {
    /// Starts an execution: records `ExecutionStarted` and runs until the first state that
    /// has to wait (a task, a timer) or until the end.
    pub fn start(
        plan: Arc<Plan>,
        config: &ExecutionConfig,
        input: Value,
        now: Millis,
        entropy: &mut dyn Entropy,
    ) -> Result<(Execution, Vec<Command>), StartError> {
        let measured = measure(&input);
        if measured.too_deep() {
            drop_deep(input);
            return Err(StartError::InputTooDeep);
        }
        let size = measured.size;
        if size > PAYLOAD_LIMIT_BYTES {
            return Err(StartError::InputTooLarge { size });
        }
        let name = config
            .execution_name
            .clone()
            .unwrap_or_else(|| uuid_v4(entropy));
        let machine_type = plan.machine_type();
        let state_machine_arn = format!(
            "arn:aws:states:{}:{}:stateMachine:{}",
            config.region, config.account, config.state_machine_name
        );
        let execution_arn = match machine_type {
            MachineType::Standard => format!(
                "arn:aws:states:{}:{}:execution:{}:{}",
                config.region, config.account, config.state_machine_name, name
            ),
            MachineType::Express => format!(
                "arn:aws:states:{}:{}:express:{}:{}:{}",
                config.region,
                config.account,
                config.state_machine_name,
                name,
                uuid_v4(entropy)
            ),
        };
        let role_arn = config.role_arn.clone().unwrap_or_else(|| {
            format!(
                "arn:aws:iam::{}:role/service-role/StepFunctions-{}-role",
                config.account, config.state_machine_name
            )
        });
        let input = Arc::new(input);
        let info = Arc::new(ExecutionInfo {
            execution_arn,
            name,
            state_machine_arn,
            state_machine_name: config.state_machine_name.clone(),
            role_arn: role_arn.clone(),
            region: config.region.clone(),
            account: config.account.clone(),
            start_time: now,
            input: input.clone(),
            machine_type,
            redrive_count: 0,
        });
        let mut execution = Execution {
            plan: plan.clone(),
            info,
            frames: Vec::new(),
            generations: Vec::new(),
            free: Vec::new(),
            // Two events per state plus the execution's own: one allocation for most runs.
            history: Vec::with_capacity((plan.state_count() * 2 + 4).min(4096)),
            payloads: PayloadRecorder::default(),
            status: ExecutionStatus::Running,
            tasks: HashMap::new(),
            timers: HashMap::new(),
            next_task: 1,
            next_timer: 1,
            execution_timer: None,
            time_limit_seconds: 0,
            commands: Vec::new(),
            work: Vec::new(),
            now,
            last_event_id: 0,
            budget: STATES_PER_CALL,
            history_exhausted: false,
            history_limit_recorded: false,
            history_limit: config.history_limit,
        };
        execution.record(
            None,
            EventType::ExecutionStarted,
            EventDetails::ExecutionStarted {
                input: input.clone().into(),
                role_arn,
            },
        );
        // EXPRESS runs at most five minutes; STANDARD at most a year, and it times out once
        // it has run longer than that (so a Wait of exactly a year still ends).
        const YEAR_MS: i64 = 365 * 24 * 3600 * 1000;
        let limit_ms = match (plan.timeout_seconds(), machine_type) {
            (Some(t), MachineType::Express) => t.min(300) as i64 * 1000,
            (None, MachineType::Express) => 300_000,
            (Some(t), MachineType::Standard) if t <= 365 * 24 * 3600 => t as i64 * 1000,
            (_, MachineType::Standard) => YEAR_MS + 1,
        };
        let timer = execution.start_timer(
            None,
            now.saturating_add(limit_ms),
            TimerPurpose::ExecutionTimeout,
        );
        execution.execution_timer = Some(timer);
        execution.time_limit_seconds = limit_ms / 1000;
        let top = execution.new_frame(Frame {
            me: FrameRef {
                index: 0,
                generation: 0,
            },
            scope: 0,
            parent: None,
            silent: false,
            vars: Arc::new(Vars::default()),
            vars_owned: true,
            state: plan.scopes[0].start,
            raw_input: input,
            input_size: size,
            output_bound: None,
            entered_event: 0,
            entered_time: now,
            retry_counts: Vec::new(),
            retry_total: 0,
            task_token: None,
            // AWS gives the first state's entry no predecessor (previousEventId 0).
            last_event: 0,
            phase: Phase::Enter,
        });
        execution.work.push(Work::Advance(top));
        execution.drain(entropy);
        let mut commands = std::mem::take(&mut execution.commands);
        if execution.status != ExecutionStatus::Running {
            // Ended at once: whatever it started (its time limit) it has already cancelled.
            commands.clear();
        }
        Ok((execution, commands))
    }

    /// Applies one event and runs until every scope waits again or the execution ends.
    pub fn handle(&mut self, event: Event, now: Millis, entropy: &mut dyn Entropy) -> Vec<Command> {
        self.now = now.max(self.now);
        if self.status != ExecutionStatus::Running {
            return Vec::new();
        }
        self.budget = STATES_PER_CALL;
        match event {
            Event::Continue => {}
            Event::TaskSucceeded { task, output } => self.on_task_result(task, Ok(output), entropy),
            Event::TaskFailed { task, failure } => self.on_task_result(task, Err(failure), entropy),
            Event::TaskSubmitted { task, output } => self.on_task_submitted(task, output),
            Event::TaskHeartbeat { task } => self.on_heartbeat(task),
            Event::TimerFired { timer } => self.on_timer(timer, entropy),
            Event::Stop { failure } => self.stop(failure),
        }
        self.drain(entropy);
        std::mem::take(&mut self.commands)
    }

    /// True when the last call stopped at its budget of [`STATES_PER_CALL`] states with work
    /// left: the driver should send [`Event::Continue`] (after letting other work run).
    pub fn has_pending_work(&self) -> bool {
        self.status == ExecutionStatus::Running && !self.work.is_empty()
    }

    /// Where the execution stands.
    pub fn status(&self) -> &ExecutionStatus {
        &self.status
    }

    /// The history so far.
    pub fn history(&self) -> &[HistoryEvent] {
        &self.history
    }

    /// Names, ARNs, input and start time.
    pub fn info(&self) -> &ExecutionInfo {
        &self.info
    }

    /// The plan it runs.
    pub fn plan(&self) -> &Arc<Plan> {
        &self.plan
    }

    /// The history, consuming the execution.
    pub fn into_history(self) -> Vec<HistoryEvent> {
        self.history
    }

    // ----- bookkeeping -----

    fn new_frame(&mut self, mut frame: Frame) -> FrameRef {
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                self.frames.push(None);
                self.generations.push(0);
                (self.frames.len() - 1) as u32
            }
        };
        let generation = self.generations[index as usize];
        let me = FrameRef { index, generation };
        frame.me = me;
        self.frames[index as usize] = Some(frame);
        me
    }

    fn take(&mut self, r: FrameRef) -> Option<Frame> {
        let slot = self.frames.get_mut(r.index as usize)?;
        match slot {
            Some(f) if f.me.generation == r.generation => slot.take(),
            _ => None,
        }
    }

    fn put(&mut self, r: FrameRef, frame: Frame) {
        self.frames[r.index as usize] = Some(frame);
    }

    fn release(&mut self, r: FrameRef) {
        self.frames[r.index as usize] = None;
        self.generations[r.index as usize] = self.generations[r.index as usize].wrapping_add(1);
        self.free.push(r.index);
    }

    /// Appends an event (unless the frame is silent) and returns its id.
    fn record(
        &mut self,
        frame: Option<&mut Frame>,
        event_type: EventType,
        details: EventDetails,
    ) -> u64 {
        let previous = match &frame {
            Some(f) if f.silent => return 0,
            Some(f) => f.last_event,
            None => self.last_event_id,
        };
        if self.history_exhausted {
            return 0;
        }
        let id = self.last_event_id + 1;
        let limit = self.history_limit.unwrap_or(usize::MAX);
        match self.info.machine_type {
            MachineType::Standard
                if self.history.len() + 1 == limit
                    && event_type != EventType::ExecutionSucceeded =>
            {
                // The drain loop ends the execution before anything else happens.
                self.history_exhausted = true;
                return 0;
            }
            MachineType::Express
                if self.history.len() >= limit
                    && !matches!(
                        event_type,
                        EventType::ExecutionSucceeded
                            | EventType::ExecutionFailed
                            | EventType::ExecutionTimedOut
                            | EventType::ExecutionAborted
                    ) =>
            {
                // Counted, not kept.
                self.last_event_id = id;
                if let Some(f) = frame {
                    f.last_event = id;
                }
                return id;
            }
            _ => {}
        }
        self.last_event_id = id;
        let mut details = details;
        details.record_payloads(&mut self.payloads);
        self.history.push(HistoryEvent {
            id,
            previous_event_id: previous,
            timestamp: self.now,
            event_type,
            details,
        });
        if let Some(f) = frame {
            f.last_event = id;
        }
        id
    }

    /// Ends a STANDARD execution whose history is full: whatever runs is cancelled without
    /// further events, and the 25,000th event is `ExecutionFailed`.
    fn fail_on_full_history(&mut self) {
        self.abort_everything();
        let limit = self.history_limit.unwrap_or(HISTORY_LIMIT);
        let failure = Failure::new(
            names::RUNTIME,
            format!(
                "The execution reached the limit of {limit} events in its history (a STANDARD execution's hard quota)."
            ),
        );
        // The last event there is room for, past the checks of `record`.
        self.last_event_id += 1;
        self.history.push(HistoryEvent {
            id: self.last_event_id,
            previous_event_id: self.last_event_id - 1,
            timestamp: self.now,
            event_type: EventType::ExecutionFailed,
            details: failure.details(None),
        });
        self.history_limit_recorded = true;
        self.status = ExecutionStatus::Failed(failure);
        self.work.clear();
    }

    fn start_timer(
        &mut self,
        frame: Option<FrameRef>,
        at: Millis,
        purpose: TimerPurpose,
    ) -> TimerId {
        let timer = TimerId(self.next_timer);
        self.next_timer += 1;
        self.timers.insert(timer, (frame, purpose));
        self.commands.push(Command::StartTimer { timer, at });
        timer
    }

    fn cancel_timer(&mut self, timer: Option<TimerId>) {
        if let Some(timer) = timer
            && self.timers.remove(&timer).is_some()
        {
            self.commands.push(Command::CancelTimer { timer });
        }
    }

    fn drain(&mut self, entropy: &mut dyn Entropy) {
        loop {
            if self.history_exhausted && !self.history_limit_recorded {
                self.fail_on_full_history();
            }
            if self.budget == 0 {
                break;
            }
            let Some(work) = self.work.pop() else { break };
            if self.status != ExecutionStatus::Running {
                self.work.clear();
                break;
            }
            match work {
                Work::Advance(r) => self.advance(r, entropy),
                Work::Pump(r) => self.pump(r, entropy),
                Work::ChildDone {
                    parent,
                    slot,
                    result,
                } => self.child_done(parent, slot, result, entropy),
            }
        }
    }

    /// Puts a frame back after it changed, scheduling what its outcome calls for.
    fn settle(&mut self, r: FrameRef, frame: Frame, outcome: Outcome) {
        match outcome {
            Outcome::Continue => {
                self.put(r, frame);
                self.work.push(Work::Advance(r));
            }
            Outcome::Blocked => self.put(r, frame),
            Outcome::Finished(result) => self.finish_frame(r, frame, result),
        }
    }

    fn advance(&mut self, r: FrameRef, entropy: &mut dyn Entropy) {
        let Some(mut frame) = self.take(r) else {
            return;
        };
        let plan = self.plan.clone();
        let outcome = loop {
            let state = &plan.scopes[frame.scope].states[frame.state];
            match frame.phase {
                Phase::Enter if self.budget == 0 => {
                    // The rest is for the next call (Event::Continue).
                    self.put(r, frame);
                    self.work.push(Work::Advance(r));
                    return;
                }
                Phase::Enter => {
                    self.budget -= 1;
                    self.enter(&mut frame, state)
                }
                Phase::Run => match self.run(&mut frame, state, entropy) {
                    Outcome::Continue => {}
                    other => break other,
                },
                _ => break Outcome::Blocked,
            }
        };
        match outcome {
            Outcome::Finished(result) => self.finish_frame(r, frame, result),
            _ => self.put(r, frame),
        }
    }

    fn enter(&mut self, frame: &mut Frame, state: &CompiledState) {
        frame.entered_time = self.now;
        frame.retry_counts.clear();
        frame.retry_counts.resize(state.retry.len(), 0);
        frame.retry_total = 0;
        frame.task_token = None;
        let input = frame.raw_input.clone();
        let id = self.record(
            Some(frame),
            entered_event(&state.kind),
            EventDetails::StateEntered {
                name: state.name.clone(),
                input: input.into(),
            },
        );
        frame.entered_event = id;
        frame.phase = Phase::Run;
    }

    fn finish_frame(&mut self, r: FrameRef, mut frame: Frame, result: Result<Arc<Value>, Failure>) {
        let plan = self.plan.clone();
        let state = &plan.scopes[frame.scope].states[frame.state];
        self.release(r);
        match frame.parent {
            None => {
                let timer = self.execution_timer.take();
                self.cancel_timer(timer);
                match result {
                    Ok(output) => {
                        self.record(
                            Some(&mut frame),
                            EventType::ExecutionSucceeded,
                            EventDetails::ExecutionSucceeded {
                                output: output.clone().into(),
                            },
                        );
                        self.status = ExecutionStatus::Succeeded(output);
                    }
                    Err(failure) => {
                        self.record(
                            Some(&mut frame),
                            EventType::ExecutionFailed,
                            failure.details(None),
                        );
                        self.status = ExecutionStatus::Failed(failure);
                    }
                }
            }
            Some((parent, slot)) => {
                if result.is_err() {
                    // The state that failed its branch never exited: it is aborted with it.
                    if let Some(t) = aborted_event(&state.kind) {
                        self.record(Some(&mut frame), t, EventDetails::None);
                    }
                }
                if !frame.silent {
                    // The parent's next event follows this frame's last one.
                    if let Some(p) = self.frames[parent.index as usize].as_mut() {
                        p.last_event = p.last_event.max(frame.last_event);
                    }
                }
                self.work.push(Work::ChildDone {
                    parent,
                    slot,
                    result,
                });
            }
        }
    }

    // ----- running states -----

    fn context<'a>(
        info: &'a ExecutionInfo,
        frame: &'a Frame,
        state: &'a CompiledState,
    ) -> ContextView<'a> {
        let retry_count = matches!(
            state.kind,
            Kind::Task(_) | Kind::Map(_) | Kind::Parallel { .. }
        )
        .then_some(frame.retry_total);
        ContextView {
            info,
            state_name: &state.name,
            entered_time: frame.entered_time,
            retry_count,
            task_token: frame.task_token.as_deref(),
            map_item: None,
        }
    }

    /// Runs `f` with the environment the state's paths and templates see: `input` as `$`,
    /// the context object as `$$`, and the frame's variables.
    fn with_env<R>(
        &self,
        frame: &Frame,
        state: &CompiledState,
        input: &Value,
        f: impl FnOnce(&Env<'_>) -> R,
    ) -> R {
        let ctx = Self::context(&self.info, frame, state);
        f(&Env {
            input,
            context: &ctx,
            variables: &*frame.vars,
        })
    }

    fn prefix(&self, frame: &Frame, state: &CompiledState, failure: StateFailure) -> Failure {
        failure.into_error(&state.name, frame.entered_event).into()
    }

    fn filter(
        &self,
        frame: &Frame,
        state: &CompiledState,
        filter: &Filter,
        value: &Arc<Value>,
    ) -> Result<Arc<Value>, Failure> {
        match filter {
            Filter::All => Ok(value.clone()),
            Filter::Empty => Ok(Arc::new(Value::Object(Map::new()))),
            Filter::Path(path) => {
                match self.with_env(frame, state, value, |env| path.select_owned(env)) {
                    Ok(v) => Ok(Arc::new(v)),
                    Err(PathError::NoMatch) | Err(PathError::UnknownVariable(_)) => Err(self
                        .prefix(
                            frame,
                            state,
                            StateFailure::runtime(format!(
                                "Invalid path '{}' : No results for path: {}",
                                path.text(),
                                path.normalized()
                            )),
                        )),
                    Err(e @ PathError::TooLarge) => Err(self.prefix(
                        frame,
                        state,
                        StateFailure::runtime(format!("Invalid path '{}' : {e}", path.text())),
                    )),
                }
            }
        }
    }

    /// InputPath, then Parameters.
    fn effective_input(
        &self,
        frame: &Frame,
        state: &CompiledState,
        entropy: &mut dyn Entropy,
    ) -> Result<Arc<Value>, Failure> {
        let filtered = self.filter(frame, state, &state.input_path, &frame.raw_input)?;
        match &state.parameters {
            None => Ok(filtered),
            Some(template) => self
                .evaluate(frame, state, template, &filtered, entropy)
                .map(Arc::new),
        }
    }

    /// Evaluates a template (ResultSelector, Assign, ...) with `input` as `$`.
    fn evaluate(
        &self,
        frame: &Frame,
        state: &CompiledState,
        template: &crate::template::Template,
        input: &Value,
        entropy: &mut dyn Entropy,
    ) -> Result<Value, Failure> {
        self.with_env(frame, state, input, |env| template.evaluate(env, entropy))
            .map_err(|f| self.prefix(frame, state, f))
    }

    fn assign(
        &self,
        frame: &Frame,
        state: &CompiledState,
        template: &Option<crate::template::Template>,
        input: &Value,
        entropy: &mut dyn Entropy,
    ) -> Result<Option<Map<String, Value>>, Failure> {
        let Some(template) = template else {
            return Ok(None);
        };
        match self.evaluate(frame, state, template, input, entropy)? {
            Value::Object(m) => Ok(Some(m)),
            _ => Ok(None),
        }
    }

    /// ResultPath: places `result` into the state's raw input.
    fn place_result(
        &self,
        frame: &Frame,
        state: &CompiledState,
        result_path: &ResultPath,
        result: StateResult,
    ) -> Result<Arc<Value>, Failure> {
        match result_path {
            // Shared, not copied: a Pass state's output is its input.
            ResultPath::Replace => Ok(result.into_arc()),
            ResultPath::Discard => Ok(frame.raw_input.clone()),
            ResultPath::Path(path) => {
                // The history still holds the input: copy only the path being written.
                let result = result.into_value();
                match with_reference(&frame.raw_input, path.segments(), result) {
                    Ok(doc) => Ok(Arc::new(doc)),
                    Err(_) => Err(self.prefix(
                        frame,
                        state,
                        StateFailure::runtime(format!(
                            "Unable to apply ReferencePath {} to input '{}'",
                            path.text(),
                            frame.raw_input
                        )),
                    )),
                }
            }
        }
    }

    /// ResultSelector, ResultPath and OutputPath on a state's raw result; Assign from it.
    /// `result_measure`, when the caller knows it, is the result's measure (its size may be an
    /// upper bound, exact when over the payload limit).
    fn process_result(
        &self,
        frame: &mut Frame,
        state: &CompiledState,
        result: StateResult,
        result_measure: Option<Measure>,
        entropy: &mut dyn Entropy,
    ) -> Result<(Arc<Value>, Option<Assigned>), Failure> {
        let assigned = self.assign(frame, state, &state.assign, result.value(), entropy)?;
        let (selected, selected_measure) = match &state.result_selector {
            Some(t) => (
                StateResult::Owned(self.evaluate(frame, state, t, result.value(), entropy)?),
                None,
            ),
            None => (result, result_measure),
        };
        let selected_measure = || selected_measure.unwrap_or_else(|| measure(selected.value()));
        // A cheap bound of the output's size and depth spares walking the whole document for
        // the payload limits: the result is walked (it is usually small), the input's size is
        // known and its depth within the bound.
        let bound = match (&state.result_path, &state.output_path) {
            (_, Filter::Path(_) | Filter::Empty) => None,
            (ResultPath::Replace, Filter::All) => Some(selected_measure()),
            (ResultPath::Discard, Filter::All) => Some(Measure {
                size: frame.input_size,
                depth: 0,
            }),
            (ResultPath::Path(path), Filter::All) => {
                let overhead: usize = path
                    .segments()
                    .iter()
                    .map(|s| match s {
                        crate::path::Segment::Name(n) => n.len() + 8,
                        _ => 8,
                    })
                    .sum();
                let result = selected_measure();
                // Written below the path's last step, the result nests that much deeper.
                Some(Measure {
                    size: frame.input_size + result.size + overhead + 8,
                    depth: path.segments().len() + result.depth,
                })
            }
        };
        let placed = self.place_result(frame, state, &state.result_path, selected)?;
        let output = self.filter(frame, state, &state.output_path, &placed)?;
        frame.output_bound = bound;
        Ok((output, assigned))
    }

    /// Records the state's exit and moves to `next` (or the state's own Next), or ends the
    /// scope. An output or a variable over the payload limits fails the state.
    fn complete(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        output: Arc<Value>,
        assigned: Option<Map<String, Value>>,
        next: Option<StateId>,
        entropy: &mut dyn Entropy,
    ) -> Outcome {
        match self.within_limits(frame, state, &output, assigned) {
            Ok((size, assigned)) => self.exit(frame, state, output, size, assigned, next),
            Err(failure) => self.fail(frame, state, failure, false, entropy),
        }
    }

    /// The size of a state's `output` and its non-empty `assigned`, or the
    /// `States.DataLimitExceeded` failure of an output or a variable over the payload limits.
    fn within_limits(
        &self,
        frame: &mut Frame,
        state: &CompiledState,
        output: &Arc<Value>,
        assigned: Option<Map<String, Value>>,
    ) -> Result<(usize, Option<Map<String, Value>>), Failure> {
        let bound = frame.output_bound.take();
        let measured = if Arc::ptr_eq(output, &frame.raw_input) {
            Measure {
                size: frame.input_size,
                depth: 0,
            }
        } else {
            match bound {
                Some(b) if b.size <= PAYLOAD_LIMIT_BYTES && !b.too_deep() => b,
                _ => measure(output),
            }
        };
        if measured.size > PAYLOAD_LIMIT_BYTES {
            return Err(Failure::new(
                names::DATA_LIMIT_EXCEEDED,
                result_too_large_cause(&state.name),
            ));
        }
        let assigned = assigned.filter(|m| !m.is_empty());
        if measured.too_deep() {
            return Err(too_deep_failure(&state.name, "a result"));
        }
        if assigned
            .as_ref()
            .is_some_and(|m| m.values().any(|v| measure(v).too_deep()))
        {
            return Err(too_deep_failure(&state.name, "a variable"));
        }
        Ok((measured.size, assigned))
    }

    /// Records the state's exit with `output` (of `size` bytes) and the variables it
    /// `assigned`, and moves to `next` (or the state's own Next), or ends the scope.
    fn exit(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        output: Arc<Value>,
        size: usize,
        assigned: Option<Map<String, Value>>,
        next: Option<StateId>,
    ) -> Outcome {
        let assigned = assigned.map(|m| {
            if !frame.vars_owned {
                frame.vars = Vars::child(&frame.vars);
                frame.vars_owned = true;
            }
            let vars = Arc::make_mut(&mut frame.vars);
            for (k, v) in &m {
                vars.values.insert(k.clone(), v.clone());
            }
            Arc::new(m.into_iter().map(|(k, v)| (k, v.into())).collect())
        });
        self.record(
            Some(frame),
            exited_event(&state.kind),
            EventDetails::StateExited {
                name: state.name.clone(),
                output: output.clone().into(),
                assigned,
            },
        );
        match next.or(state.next) {
            Some(n) => {
                frame.state = n;
                frame.raw_input = output;
                frame.input_size = size;
                frame.phase = Phase::Enter;
                Outcome::Continue
            }
            None => Outcome::Finished(Ok(output)),
        }
    }

    /// A state failed: retry it, catch the error, or end the scope with it.
    fn fail(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        failure: Failure,
        children_failed: bool,
        entropy: &mut dyn Entropy,
    ) -> Outcome {
        let name = failure.error.as_deref().unwrap_or_default();
        if let Some(i) = state.retry.iter().position(|r| r.matcher.matches(name)) {
            let retrier = &state.retry[i];
            if frame.retry_counts[i] < retrier.max_attempts {
                frame.retry_counts[i] += 1;
                frame.retry_total += 1;
                let attempt = frame.retry_counts[i];
                let mut delay = retrier.interval_seconds
                    * retrier.backoff_rate.powi(attempt.saturating_sub(1) as i32);
                if let Some(max) = retrier.max_delay_seconds {
                    delay = delay.min(max);
                }
                if retrier.full_jitter {
                    delay *= entropy.next_f64();
                }
                let delay_ms = (delay * 1000.0).min(1.0e15) as i64;
                let timer = self.start_timer(
                    Some(frame.me),
                    self.now.saturating_add(delay_ms),
                    TimerPurpose::Retry,
                );
                frame.phase = Phase::AwaitRetry { timer };
                return Outcome::Blocked;
            }
        }
        if children_failed && matches!(state.kind, Kind::Map(_)) {
            self.record(Some(frame), EventType::MapStateFailed, EventDetails::None);
        }
        if let Some(catcher) = state.catch.iter().find(|c| c.matcher.matches(name)) {
            let error_output = failure.error_output();
            let caught = self
                .assign(frame, state, &catcher.assign, &error_output, entropy)
                .and_then(|assigned| {
                    self.place_result(
                        frame,
                        state,
                        &catcher.result_path,
                        StateResult::Owned(error_output),
                    )
                    .map(|output| (output, assigned))
                });
            // A catcher's own output that cannot be kept ends the scope, as one that cannot be
            // placed does: it is not retried or caught again (a catcher that names the error
            // would otherwise catch its own failure without end).
            return match caught.and_then(|(output, assigned)| {
                let (size, assigned) = self.within_limits(frame, state, &output, assigned)?;
                Ok((output, size, assigned))
            }) {
                Ok((output, size, assigned)) => {
                    self.exit(frame, state, output, size, assigned, Some(catcher.next))
                }
                Err(f) => Outcome::Finished(Err(f)),
            };
        }
        Outcome::Finished(Err(failure))
    }
}
