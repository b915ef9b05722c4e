//! The runtime: loads definitions, binds task handlers, starts and drives executions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::sync::{oneshot, watch};
use workflow_core::definition::Definition;
use workflow_core::diagnostic::Diagnostics;
use workflow_core::entropy::{Entropy, SplitMix64};
use workflow_core::execution::{
    Execution, ExecutionConfig, ExecutionStatus, Failure, StartError as CoreStartError, TaskId,
};
use workflow_core::history::HistoryEvent;
use workflow_core::model::StateMachine;
use workflow_core::plan::{CompileOptions, MachineType, Plan};

use crate::clock::{Clock, TokioClock};
use crate::driver::{self, Inbox, Msg};
use crate::handler::{TaskError, TaskHandler};

/// Why a definition could not be loaded.
#[derive(Debug, thiserror::Error)]
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
}

/// How to load a definition.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// The state machine's name (in ARNs and `$$.StateMachine.Name`).
    pub name: String,
    /// STANDARD or EXPRESS.
    pub machine_type: MachineType,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            name: "StateMachine".to_string(),
            machine_type: MachineType::Standard,
        }
    }
}

impl LoadOptions {
    /// Options for an EXPRESS state machine.
    pub fn express() -> LoadOptions {
        LoadOptions {
            machine_type: MachineType::Express,
            ..LoadOptions::default()
        }
    }

    /// With this state machine name.
    pub fn name(mut self, name: impl Into<String>) -> LoadOptions {
        self.name = name.into();
        self
    }
}

/// How to start an execution.
#[derive(Clone, Debug)]
pub struct StartOptions {
    /// The execution's name; a UUID when absent.
    pub name: Option<String>,
    /// AWS's history quota, 25,000 events by default: a STANDARD execution fails when its
    /// 25,000th event would be anything but `ExecutionSucceeded`, and an EXPRESS history keeps
    /// its first 25,000 events and its last. `None` lifts it: every event is kept and nothing
    /// fails, for local runs that AWS would refuse (an inline Map over a long list).
    pub history_limit: Option<usize>,
}

impl Default for StartOptions {
    fn default() -> Self {
        StartOptions {
            name: None,
            history_limit: Some(workflow_core::execution::HISTORY_LIMIT),
        }
    }
}

impl StartOptions {
    /// With this execution name.
    pub fn name(mut self, name: impl Into<String>) -> StartOptions {
        self.name = Some(name.into());
        self
    }

    /// Without AWS's history quota (see [`StartOptions::history_limit`]).
    pub fn without_history_limit(mut self) -> StartOptions {
        self.history_limit = None;
        self
    }
}

/// A loaded, validated and compiled state machine, ready to run any number of times.
#[derive(Clone, Debug)]
pub struct Workflow {
    name: String,
    definition: Arc<Definition>,
    plan: Arc<Plan>,
}

impl Workflow {
    /// A workflow from a validated definition, compiled for running. A workflow does not
    /// belong to a runtime: any runtime with its tasks bound can start it.
    pub fn from_definition(
        name: impl Into<String>,
        definition: Definition,
    ) -> Result<Workflow, LoadError> {
        let plan = definition.plan().map_err(LoadError::Unsupported)?;
        Ok(Workflow {
            name: name.into(),
            definition: Arc::new(definition),
            plan,
        })
    }

    /// The state machine's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The validated definition.
    pub fn definition(&self) -> &Definition {
        &self.definition
    }

    /// The compiled plan.
    pub fn plan(&self) -> &Arc<Plan> {
        &self.plan
    }
}

#[derive(Default)]
pub(crate) struct Bindings {
    pub exact: HashMap<String, Arc<dyn TaskHandler>>,
    pub lambda: HashMap<String, Arc<dyn TaskHandler>>,
    pub fallback: Option<Arc<dyn TaskHandler>>,
}

pub(crate) struct Shared {
    pub bindings: RwLock<Bindings>,
    pub clock: Arc<dyn Clock>,
    pub seeds: Mutex<SplitMix64>,
    pub entropy: Option<EntropySource>,
    pub callbacks: Mutex<HashMap<String, (Inbox, TaskId)>>,
    pub region: String,
    pub account: String,
}

impl Shared {
    /// The executions waiting for a task token, by token.
    pub fn callbacks(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Inbox, TaskId)>> {
        // A panic while holding the lock cannot leave the map half-updated.
        self.callbacks.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Runs state machines on tokio.
///
/// ```
/// use serde_json::json;
/// use workflow_runtime::{Runtime, TaskContext, TaskError};
///
/// # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
/// # rt.block_on(async {
/// let runtime = Runtime::new();
/// runtime.bind_lambda("greet", |input: serde_json::Value, _ctx: TaskContext| async move {
///     Ok::<_, TaskError>(json!({"greeting": format!("Hello, {}!", input["name"].as_str().unwrap_or("you"))}))
/// });
/// let workflow = runtime.load(r#"{
///     "StartAt": "Greet",
///     "States": {
///         "Greet": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:greet", "End": true}
///     }
/// }"#).unwrap();
/// let execution = runtime.start(&workflow, json!({"name": "Ada"})).unwrap();
/// let outcome = execution.outcome().await;
/// assert_eq!(outcome.output(), Some(&json!({"greeting": "Hello, Ada!"})));
/// # });
/// ```
#[derive(Clone)]
pub struct Runtime {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("region", &self.shared.region)
            .field("account", &self.shared.account)
            .finish_non_exhaustive()
    }
}

/// Makes the source of random numbers for each new execution.
pub type EntropySource = Arc<dyn Fn() -> Box<dyn Entropy + Send> + Send + Sync>;

/// Configures a [`Runtime`].
pub struct RuntimeBuilder {
    clock: Option<Arc<dyn Clock>>,
    seed: Option<u64>,
    entropy: Option<EntropySource>,
    region: String,
    account: String,
}

impl RuntimeBuilder {
    /// The clock every wait goes through (default: [`TokioClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Seeds the random numbers (retry jitter, `States.UUID`, `States.MathRandom`, names, task
    /// tokens) so that runs are reproducible.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Supplies the random numbers of every execution (retry jitter, `States.UUID`,
    /// `States.MathRandom`, generated names and task tokens): `source` is called once per
    /// execution. Takes precedence over [`seed`](Self::seed).
    ///
    /// ```
    /// use workflow_core::entropy::Entropy;
    /// use workflow_runtime::Runtime;
    ///
    /// /// Always the middle of the range: FULL jitter then waits half the back-off.
    /// struct Half;
    /// impl Entropy for Half {
    ///     fn next_u64(&mut self) -> u64 {
    ///         u64::MAX / 2
    ///     }
    /// }
    /// let runtime = Runtime::builder().entropy(|| Box::new(Half)).build();
    /// # let _ = runtime;
    /// ```
    pub fn entropy(
        mut self,
        source: impl Fn() -> Box<dyn Entropy + Send> + Send + Sync + 'static,
    ) -> Self {
        self.entropy = Some(Arc::new(source));
        self
    }

    /// The region in ARNs (default `us-east-1`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// The account in ARNs (default `123456789012`).
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.account = account.into();
        self
    }

    /// Builds the runtime.
    pub fn build(self) -> Runtime {
        let seed = self.seed.unwrap_or_else(|| {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or_default();
            let here = &nanos as *const u64 as u64;
            nanos ^ here.rotate_left(32)
        });
        Runtime {
            shared: Arc::new(Shared {
                bindings: RwLock::new(Bindings::default()),
                clock: self.clock.unwrap_or_else(|| Arc::new(TokioClock::new())),
                seeds: Mutex::new(SplitMix64(seed)),
                entropy: self.entropy,
                callbacks: Mutex::new(HashMap::new()),
                region: self.region,
                account: self.account,
            }),
        }
    }
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime::new()
    }
}

impl Runtime {
    /// A runtime with the default clock and a random seed.
    pub fn new() -> Runtime {
        Runtime::builder().build()
    }

    /// Configures a runtime.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder {
            clock: None,
            seed: None,
            entropy: None,
            region: "us-east-1".to_string(),
            account: "123456789012".to_string(),
        }
    }

    /// The clock this runtime waits with.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.shared.clock
    }

    fn bindings(&self) -> std::sync::RwLockWriteGuard<'_, Bindings> {
        self.shared
            .bindings
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Binds a handler to one exact `Resource` string (or to the name of a `${Name}`
    /// substitution). It receives the state's effective input and its result is the task's
    /// result, as for any request-response integration.
    pub fn bind(&self, resource: impl Into<String>, handler: impl TaskHandler) -> &Self {
        self.bindings()
            .exact
            .insert(resource.into(), Arc::new(handler));
        self
    }

    /// Binds a handler as the Lambda function `function` (a name or an ARN): it serves every
    /// Lambda ARN resource with that function name, and `arn:aws:states:::lambda:invoke`
    /// calls whose `FunctionName` names it (it then receives the `Payload`, and its result is
    /// wrapped in the invoke response, `{"Payload": ..., "StatusCode": 200, ...}`).
    pub fn bind_lambda(&self, function: impl AsRef<str>, handler: impl TaskHandler) -> &Self {
        let name = crate::lambda::function_name(function.as_ref()).to_string();
        self.bindings().lambda.insert(name, Arc::new(handler));
        self
    }

    /// Binds a handler for every resource nothing else is bound to. It receives the effective
    /// input as is (for `lambda:invoke`, the whole parameters) and its result is used as is;
    /// [`TaskContext::resource`](crate::TaskContext::resource) tells which resource it serves.
    pub fn bind_fallback(&self, handler: impl TaskHandler) -> &Self {
        self.bindings().fallback = Some(Arc::new(handler));
        self
    }

    /// Loads a STANDARD state machine from ASL JSON.
    pub fn load(&self, json: &str) -> Result<Workflow, LoadError> {
        self.load_with(json, &LoadOptions::default())
    }

    /// Loads a state machine from ASL JSON.
    pub fn load_with(&self, json: &str, options: &LoadOptions) -> Result<Workflow, LoadError> {
        let compile = CompileOptions {
            machine_type: options.machine_type,
        };
        let definition = Definition::from_json_str(json, &compile).map_err(LoadError::Invalid)?;
        Workflow::from_definition(options.name.clone(), definition)
    }

    /// Loads a state machine built in code.
    pub fn load_machine(
        &self,
        machine: StateMachine,
        options: &LoadOptions,
    ) -> Result<Workflow, LoadError> {
        let compile = CompileOptions {
            machine_type: options.machine_type,
        };
        let definition = Definition::from_machine(machine, &compile).map_err(LoadError::Invalid)?;
        Workflow::from_definition(options.name.clone(), definition)
    }

    /// Starts an execution. It runs on the current tokio runtime; await
    /// [`ExecutionHandle::outcome`] for its end.
    pub fn start(&self, workflow: &Workflow, input: Value) -> Result<ExecutionHandle, StartError> {
        self.start_with(workflow, input, &StartOptions::default())
    }

    /// Starts an execution with options.
    pub fn start_with(
        &self,
        workflow: &Workflow,
        input: Value,
        options: &StartOptions,
    ) -> Result<ExecutionHandle, StartError> {
        let handle =
            tokio::runtime::Handle::try_current().map_err(|_| StartError::NoTokioRuntime)?;
        let mut entropy: Box<dyn Entropy + Send> = match &self.shared.entropy {
            Some(source) => source(),
            None => {
                let mut seeds = self.shared.seeds.lock().unwrap_or_else(|p| p.into_inner());
                Box::new(SplitMix64(seeds.next_u64()))
            }
        };
        let config = ExecutionConfig {
            state_machine_name: workflow.name.clone(),
            execution_name: options.name.clone(),
            region: self.shared.region.clone(),
            account: self.shared.account.clone(),
            role_arn: None,
            history_limit: options.history_limit,
        };
        let now = self.shared.clock.now_millis();
        let (execution, commands) =
            Execution::start(workflow.plan.clone(), &config, input, now, &mut *entropy)?;
        let arn: Arc<str> = Arc::from(execution.info().execution_arn.as_str());
        if *execution.status() != ExecutionStatus::Running {
            // Finished without waiting for anything: no driver needed.
            let finished = Finished::from_execution(execution);
            let (_, done) = watch::channel(Some(Arc::new(finished)));
            return Ok(ExecutionHandle {
                arn,
                tx: None,
                done,
            });
        }
        let (tx, rx) = Inbox::new(self.shared.clock.clone());
        let (done_tx, done) = watch::channel(None);
        let shared = self.shared.clone();
        let driver_tx = tx.clone();
        handle.spawn(driver::drive(
            shared, execution, commands, entropy, driver_tx, rx, done_tx,
        ));
        Ok(ExecutionHandle {
            arn,
            tx: Some(tx),
            done,
        })
    }

    /// Starts an EXPRESS execution and waits for its end, as `StartSyncExecution` does.
    pub async fn start_sync(
        &self,
        workflow: &Workflow,
        input: Value,
    ) -> Result<ExecutionStatus, StartError> {
        if workflow.plan.machine_type() != MachineType::Express {
            return Err(StartError::NotExpress);
        }
        Ok(self.start(workflow, input)?.outcome().await)
    }

    fn callback(&self, token: &str, msg: impl FnOnce(TaskId) -> Msg) -> Result<(), CallbackError> {
        let entry = self.shared.callbacks().remove(token);
        let (tx, task) = entry.ok_or(CallbackError::TaskDoesNotExist)?;
        tx.send(msg(task))
            .map_err(|_| CallbackError::TaskDoesNotExist)
    }

    /// Completes the `.waitForTaskToken` task holding `token` with `output` as its result.
    pub fn send_task_success(&self, token: &str, output: Value) -> Result<(), CallbackError> {
        self.callback(token, |task| Msg::TaskDone {
            task,
            result: Ok(output),
        })
    }

    /// Fails the `.waitForTaskToken` task holding `token`.
    pub fn send_task_failure(
        &self,
        token: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<(), CallbackError> {
        for (field, value, max) in [
            ("error", &error, TaskError::MAX_ERROR_CHARS),
            ("cause", &cause, TaskError::MAX_CAUSE_CHARS),
        ] {
            let length = value.as_deref().map_or(0, |v| v.chars().count());
            if length > max {
                return Err(CallbackError::Invalid(format!(
                    "the {field} is {length} characters long; SendTaskFailure takes at most {max}"
                )));
            }
        }
        self.callback(token, |task| Msg::TaskDone {
            task,
            result: Err(Failure { error, cause }),
        })
    }

    /// Resets the HeartbeatSeconds timer of the task holding `token`.
    pub fn send_task_heartbeat(&self, token: &str) -> Result<(), CallbackError> {
        let callbacks = self.shared.callbacks();
        let (tx, task) = callbacks
            .get(token)
            .ok_or(CallbackError::TaskDoesNotExist)?;
        tx.send(Msg::Heartbeat { task: *task })
            .map_err(|_| CallbackError::TaskDoesNotExist)
    }
}

/// What remains of an execution once it has ended.
#[derive(Debug)]
pub(crate) struct Finished {
    pub status: ExecutionStatus,
    pub history: Vec<HistoryEvent>,
}

impl Finished {
    pub(crate) fn from_execution(execution: Execution) -> Finished {
        let status = execution.status().clone();
        Finished {
            status,
            history: execution.into_history(),
        }
    }
}

/// A running (or finished) execution.
#[derive(Clone, Debug)]
pub struct ExecutionHandle {
    arn: Arc<str>,
    tx: Option<Inbox>,
    done: watch::Receiver<Option<Arc<Finished>>>,
}

impl ExecutionHandle {
    /// The execution's ARN.
    pub fn execution_arn(&self) -> &str {
        &self.arn
    }

    async fn finished(&self) -> Arc<Finished> {
        let mut done = self.done.clone();
        loop {
            if let Some(f) = done.borrow_and_update().as_ref() {
                return f.clone();
            }
            if done.changed().await.is_err() {
                // The driver is gone without a result: its tokio runtime shut down.
                if let Some(f) = done.borrow().as_ref() {
                    return f.clone();
                }
                return Arc::new(Finished {
                    status: ExecutionStatus::Aborted(Failure {
                        error: Some("States.Runtime".into()),
                        cause: Some(
                            "The tokio runtime that ran the execution shut down before it ended."
                                .into(),
                        ),
                    }),
                    history: Vec::new(),
                });
            }
        }
    }

    /// Waits for the execution to end and returns how it ended.
    pub async fn outcome(&self) -> ExecutionStatus {
        self.finished().await.status.clone()
    }

    /// How the execution ended, or `None` while it runs.
    pub fn try_outcome(&self) -> Option<ExecutionStatus> {
        self.done.borrow().as_ref().map(|f| f.status.clone())
    }

    /// The history so far (all of it once the execution has ended).
    pub async fn history(&self) -> Vec<HistoryEvent> {
        if let Some(f) = self.done.borrow().as_ref() {
            return f.history.clone();
        }
        if let Some(tx) = &self.tx {
            let (reply, answer) = oneshot::channel();
            if tx.send(Msg::History(reply)).is_ok()
                && let Ok(history) = answer.await
            {
                return history;
            }
        }
        self.finished().await.history.clone()
    }

    /// Stops the execution (ExecutionAborted), recording `error` and `cause`.
    pub fn stop(&self, error: Option<String>, cause: Option<String>) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Stop(Failure { error, cause }));
        }
    }

    /// Sends a heartbeat for every task of this execution that is under way: each one's
    /// HeartbeatSeconds timer starts again, as `SendTaskHeartbeat` does for one task token.
    /// For work done outside the task handlers (a callback answered by another system)
    /// without handing the tokens around.
    pub fn heartbeat(&self) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::HeartbeatAll);
        }
    }
}
