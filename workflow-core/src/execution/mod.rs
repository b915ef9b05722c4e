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
//!
//! Where to find what: this module holds the public types and the event loop ([`Execution::start`],
//! [`Execution::handle`] and the drain of scheduled work); each state type's semantics is in
//! `states/` (`pass`, `succeed`, `fail`, `choice`, `wait`, `task`, `parallel_map`); the data
//! pipeline (InputPath, Parameters, ResultSelector, ResultPath, OutputPath, Assign) in
//! `input_output`; Retry and Catch in `retry_catch`; history events in `recording`; entering
//! and leaving a state in `transitions`; the running scopes in `frames`; timers in `timers`;
//! stops, time-outs and aborted scopes in `abort`; the payload limits in `size`; redrive
//! ([`Execution::redrive`], what an execution that did not succeed keeps for it) in
//! `redrive`.

mod abort;
mod context;
mod frames;
mod input_output;
mod path_numbers;
mod recording;
mod redrive;
mod retry_catch;
mod size;
mod states;
mod timers;
mod transitions;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

pub use context::ExecutionInfo;
use context::{ContextView, Vars};
use input_output::StateResult;
use redrive::Halted;
pub use redrive::{FitError, REDRIVABLE_PERIOD_MS, RedriveError};
pub(crate) use size::{Measure, measure};
pub use size::{PAYLOAD_LIMIT_BYTES, json_size};
use size::{result_too_large_cause, too_deep_failure};
pub use states::task_result_too_large;
use states::{Children, TaskWait};
use timers::TimerPurpose;

use crate::entropy::Entropy;
pub use crate::entropy::uuid_v4;
use crate::error::{Handling, names};
use crate::history::{EventDetails, EventType, HistoryEvent, PayloadRecorder};
use crate::nesting::drop_deep;
use crate::path::{Env, PathError, with_reference};
use crate::plan::{
    ChoiceRule, CompiledState, Count, FailText, Filter, Integration, Kind, MachineType, MapSpec,
    Percentage, Plan, ResourceKind, ResultPath, ScopeId, Seconds, StateId, WaitSpec,
};
use crate::template::StateFailure;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

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

    /// The failure with its error cut to 256 characters and its cause to 32,768, AWS's bounds
    /// ([`AslError::MAX_ERROR_CHARS`](crate::AslError::MAX_ERROR_CHARS) and
    /// [`MAX_CAUSE_CHARS`](crate::AslError::MAX_CAUSE_CHARS)): a failure event holds no more.
    /// A cause may quote a value of the execution's data (a `...Path` field's value that is
    /// not a number, a Fail state's `CausePath`), which can be far longer.
    pub fn within_aws_bounds(mut self) -> Failure {
        if let Some(error) = &mut self.error {
            crate::error::cut_to_chars(error, crate::AslError::MAX_ERROR_CHARS);
        }
        if let Some(cause) = &mut self.cause {
            crate::error::cut_to_chars(cause, crate::AslError::MAX_CAUSE_CHARS);
        }
        self
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
    /// The execution, which ended without succeeding, is redriven: see
    /// [`Execution::redrive`], which a driver calls to learn whether it may be (and why
    /// not), journaling this event when it was.
    Redrive {
        /// The revision of the definition a redrive with a patched definition went on with
        /// ([`Execution::redrive_with`]); `None`: the definition the execution ran. The
        /// revision is the driver's name for a definition: a [journal](crate::journal)'s
        /// replay asks for its plan.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        revision: Option<u64>,
    },
    /// Nothing happened outside: go on with the work the last call left when it reached its
    /// budget of [`STATES_PER_CALL`] states (see [`Execution::has_pending_work`]).
    Continue,
    /// The execution's state machine was deleted. AWS's DeleteStateMachine terminates a
    /// running execution of it "on the next state transition": it fails with
    /// `States.Runtime`, "State machine NAME has been deleted.", what runs aborted. A driver
    /// sends this instead of the event that would have made that transition.
    StateMachineDeleted,
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
    /// The input nests deeper than [`MAX_JSON_DEPTH`](crate::nesting::MAX_JSON_DEPTH) levels.
    #[error("{}", crate::nesting::too_deep("the execution input"))]
    InputTooDeep,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct FrameRef {
    index: u32,
    generation: u32,
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
    /// The child execution this frame runs in, if any.
    child: Option<ChildExecution>,
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
enum Work {
    Advance(FrameRef),
    Pump(FrameRef),
    ChildDone {
        parent: FrameRef,
        slot: usize,
        result: Result<Arc<Value>, Failure>,
        /// The branch or iteration as it stood when it failed, kept for a redrive.
        halted: Option<Box<Halted>>,
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
    /// The events each distributed Map child execution under way has recorded in its own
    /// history (kept by no one here: counted for its quota).
    child_events: HashMap<u64, usize>,
    next_child: u64,
    /// The top scope as it stood when the execution ended without succeeding (the states it
    /// did not leave, and below them the branches and iterations that did not succeed): what
    /// a redrive restarts.
    halted: Option<Box<Halted>>,
}

/// A distributed Map iteration: a child execution of its own, with its own limits.
#[derive(Clone, Copy, Debug)]
struct ChildExecution {
    id: u64,
    machine_type: MachineType,
    started: Millis,
    /// True for the iteration's own frame, false for the branches and iterations within it.
    root: bool,
}

/// An EXPRESS execution runs at most five minutes.
const EXPRESS_LIMIT_MS: Millis = 300_000;

/// At most this many states are entered per call to [`Execution::start`] or
/// [`Execution::handle`]: a loop of Pass and Choice states would otherwise never give its
/// driver a chance to let time pass, a stop in, or other work run. What is left is run by
/// [`Event::Continue`]; [`Execution::has_pending_work`] says when that is needed.
pub const STATES_PER_CALL: u32 = 10_000;

/// A STANDARD execution is open at most a year.
const YEAR_MS: Millis = 365 * 24 * 3600 * 1000;

/// How long an execution of `plan` may run: an EXPRESS one at most five minutes; a STANDARD
/// one at most a year, and it times out once it has run longer than that (so a Wait of
/// exactly a year still ends).
fn time_limit_ms(plan: &Plan) -> Millis {
    match (plan.timeout_seconds(), plan.machine_type()) {
        (Some(t), MachineType::Express) => (t as i64 * 1000).min(EXPRESS_LIMIT_MS),
        (None, MachineType::Express) => EXPRESS_LIMIT_MS,
        (Some(t), MachineType::Standard) if t <= 365 * 24 * 3600 => t as i64 * 1000,
        (_, MachineType::Standard) => YEAR_MS + 1,
    }
}

/// The top scope of an execution of `plan`, about to enter its first state with `input` (of
/// `size` bytes), its first event following the event `last_event`.
fn top_frame(plan: &Plan, input: Arc<Value>, size: usize, now: Millis, last_event: u64) -> Frame {
    Frame {
        me: FrameRef {
            index: 0,
            generation: 0,
        },
        scope: 0,
        parent: None,
        silent: false,
        child: None,
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
        last_event,
        phase: Phase::Enter,
    }
}

/// A STANDARD execution's history holds at most this many events: AWS fails the execution
/// when its 25,000th event would be anything but `ExecutionSucceeded`. An EXPRESS execution
/// has no such limit (AWS keeps no history for it); here its history keeps its first
/// `HISTORY_LIMIT` events and its last one, so that a long run does not grow without bound.
pub const HISTORY_LIMIT: usize = 25_000;

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
        let (region, account) = (config.region.as_str(), config.account.as_str());
        let state_machine = config.state_machine_name.as_str();
        // The ARNs are concatenated (one allocation each), not formatted: the formatting
        // machinery cost a short execution a tenth of its time.
        let state_machine_arn = [
            "arn:aws:states:",
            region,
            ":",
            account,
            ":stateMachine:",
            state_machine,
        ]
        .concat();
        let execution_arn = match machine_type {
            MachineType::Standard => [
                "arn:aws:states:",
                region,
                ":",
                account,
                ":execution:",
                state_machine,
                ":",
                &name,
            ]
            .concat(),
            MachineType::Express => [
                "arn:aws:states:",
                region,
                ":",
                account,
                ":express:",
                state_machine,
                ":",
                &name,
                ":",
                &uuid_v4(entropy),
            ]
            .concat(),
        };
        let role_arn = config.role_arn.clone().unwrap_or_else(|| {
            [
                "arn:aws:iam::",
                account,
                ":role/service-role/StepFunctions-",
                state_machine,
                "-role",
            ]
            .concat()
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
            redrive_time: None,
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
            child_events: HashMap::new(),
            next_child: 0,
            halted: None,
        };
        execution.record(
            None,
            EventType::ExecutionStarted,
            EventDetails::ExecutionStarted {
                input: input.clone().into(),
                role_arn,
            },
        );
        let limit_ms = time_limit_ms(&plan);
        execution.arm_time_limit(now.saturating_add(limit_ms), limit_ms);
        // AWS gives the first state's entry no predecessor (previousEventId 0).
        let top = execution.new_frame(top_frame(&plan, input, size, now, 0));
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
    ///
    /// [`Event::Redrive`] is applied as [`Execution::redrive`] applies it when its `revision`
    /// is `None`; a redrive it refuses changes nothing and returns no commands (call
    /// `redrive` to learn why). A redrive with a patched definition (`revision: Some(_)`)
    /// needs its plan, which only [`Execution::redrive_with`] is given: here it changes
    /// nothing either.
    pub fn handle(&mut self, event: Event, now: Millis, entropy: &mut dyn Entropy) -> Vec<Command> {
        if let Event::Redrive { revision } = event {
            return match revision {
                None => self.redrive(now, entropy).unwrap_or_default(),
                Some(_) => Vec::new(),
            };
        }
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
            Event::StateMachineDeleted => self.state_machine_deleted(),
            Event::Redrive { .. } => {}
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

    /// The name of the state that runs the task `task`, while the task is under way (invoked,
    /// or waiting for its task token); `None` once it has ended.
    pub fn task_state_name(&self, task: TaskId) -> Option<&Arc<str>> {
        let r = self.tasks.get(&task)?;
        let frame = self.frames.get(r.index as usize)?.as_ref()?;
        if frame.me.generation != r.generation {
            return None;
        }
        Some(&self.plan.scopes[frame.scope].states[frame.state].name)
    }

    /// The history, consuming the execution.
    pub fn into_history(self) -> Vec<HistoryEvent> {
        self.history
    }

    /// Arms the execution's time limit: it times out at `deadline`, after `limit_ms` (what
    /// its cause states, in whole seconds).
    fn arm_time_limit(&mut self, deadline: Millis, limit_ms: Millis) {
        let timer = self.start_timer(None, deadline, TimerPurpose::ExecutionTimeout);
        self.execution_timer = Some(timer);
        self.time_limit_seconds = limit_ms / 1000;
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
                    halted,
                } => self.child_done(parent, slot, result, halted, entropy),
            }
        }
    }
}
