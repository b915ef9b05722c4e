//! The runtime: loads definitions, binds task handlers, starts executions and routes task-token
//! calls to them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use serde_json::Value;
use tokio::sync::{oneshot, watch};
use workflow_core::definition::Definition;
use workflow_core::entropy::{Entropy, SplitMix64};
use workflow_core::execution::{Execution, ExecutionConfig, ExecutionStatus, Failure, TaskId};
use workflow_core::model::StateMachine;
use workflow_core::plan::{CompileOptions, MachineType};

use crate::bindings::Bindings;
use crate::builder::{EntropySource, RuntimeBuilder};
use crate::clock::Clock;
use crate::driver::{self, Ack, Inbox, Msg};
use crate::error::{CallbackError, LoadError, StartError};
use crate::handle::{ExecutionHandle, Finished};
use crate::handler::{TaskError, TaskHandler};
use crate::options::{LoadOptions, StartOptions};
use crate::store::StoreError;
use crate::workflow::Workflow;

/// What a runtime and the drivers of its executions share.
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
/// let execution = runtime.start(&workflow, json!({"name": "Ada"})).await.unwrap();
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
        RuntimeBuilder::new()
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
        self.bindings().bind(resource.into(), Arc::new(handler));
        self
    }

    /// Binds a handler as the Lambda function `function` (a name or an ARN): it serves every
    /// Lambda ARN resource with that function name, and `arn:aws:states:::lambda:invoke`
    /// calls whose `FunctionName` names it (it then receives the `Payload`, and its result is
    /// wrapped in the invoke response, `{"Payload": ..., "StatusCode": 200, ...}`).
    pub fn bind_lambda(&self, function: impl AsRef<str>, handler: impl TaskHandler) -> &Self {
        self.bindings()
            .bind_lambda(function.as_ref(), Arc::new(handler));
        self
    }

    /// Binds a handler for every resource nothing else is bound to. It receives the effective
    /// input as is (for `lambda:invoke`, the whole parameters) and its result is used as is;
    /// [`TaskContext::resource`](crate::TaskContext::resource) tells which resource it serves.
    pub fn bind_fallback(&self, handler: impl TaskHandler) -> &Self {
        self.bindings().bind_fallback(Arc::new(handler));
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

    /// Starts an execution, and returns once it is recorded (for a durable store: on disk).
    /// It runs on the current tokio runtime; await [`ExecutionHandle::outcome`] for its end.
    pub async fn start(
        &self,
        workflow: &Workflow,
        input: Value,
    ) -> Result<ExecutionHandle, StartError> {
        self.start_with(workflow, input, &StartOptions::default())
            .await
    }

    /// Starts an execution with options, and returns once it is recorded.
    pub async fn start_with(
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
            state_machine_name: workflow.name().to_string(),
            execution_name: options.name.clone(),
            region: self.shared.region.clone(),
            account: self.shared.account.clone(),
            role_arn: None,
            history_limit: options.history_limit,
        };
        let now = self.shared.clock.now_millis();
        let (execution, commands) =
            Execution::start(workflow.plan().clone(), &config, input, now, &mut *entropy)?;
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
        if workflow.plan().machine_type() != MachineType::Express {
            return Err(StartError::NotExpress);
        }
        Ok(self.start(workflow, input).await?.outcome().await)
    }

    /// Sends the message `msg` makes for the task holding `token`, and waits until its event is
    /// recorded. The token is spent: a second answer finds no task.
    async fn callback(
        &self,
        token: &str,
        msg: impl FnOnce(TaskId, Ack) -> Msg,
    ) -> Result<(), CallbackError> {
        let entry = self.shared.callbacks().remove(token);
        let (tx, task) = entry.ok_or(CallbackError::TaskDoesNotExist)?;
        let (ack, recorded) = oneshot::channel();
        tx.send(msg(task, ack))
            .map_err(|_| CallbackError::TaskDoesNotExist)?;
        acknowledged(recorded).await
    }

    /// Completes the `.waitForTaskToken` task holding `token` with `output` as its result, and
    /// returns once that is recorded (for a durable store: on disk).
    pub async fn send_task_success(&self, token: &str, output: Value) -> Result<(), CallbackError> {
        self.callback(token, |task, ack| Msg::TaskDone {
            task,
            result: Ok(output),
            ack: Some(ack),
        })
        .await
    }

    /// Fails the `.waitForTaskToken` task holding `token`, and returns once that is recorded.
    pub async fn send_task_failure(
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
        self.callback(token, |task, ack| Msg::TaskDone {
            task,
            result: Err(Failure { error, cause }),
            ack: Some(ack),
        })
        .await
    }

    /// Resets the HeartbeatSeconds timer of the task holding `token`, and returns once the
    /// heartbeat is recorded.
    pub async fn send_task_heartbeat(&self, token: &str) -> Result<(), CallbackError> {
        let (ack, recorded) = oneshot::channel();
        {
            let callbacks = self.shared.callbacks();
            let (tx, task) = callbacks
                .get(token)
                .ok_or(CallbackError::TaskDoesNotExist)?;
            tx.send(Msg::Heartbeat {
                task: *task,
                ack: Some(ack),
            })
            .map_err(|_| CallbackError::TaskDoesNotExist)?;
        }
        acknowledged(recorded).await
    }
}

/// What a task-token call returns once its message was sent: `Ok` once its event is
/// recorded; an execution that ended before handling it has no such task any more.
async fn acknowledged(
    recorded: oneshot::Receiver<Result<(), StoreError>>,
) -> Result<(), CallbackError> {
    match recorded.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(CallbackError::Store(e)),
        Err(_) => Err(CallbackError::TaskDoesNotExist),
    }
}
