//! The runtime: loads definitions, binds task handlers, starts executions and routes task-token
//! calls to them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use serde_json::Value;
use tokio::sync::oneshot;
use workflow_core::definition::Definition;
use workflow_core::entropy::{Entropy, SplitMix64};
use workflow_core::execution::{Failure, Millis, TaskId};
use workflow_core::model::StateMachine;
use workflow_core::plan::CompileOptions;

use crate::bindings::Bindings;
use crate::builder::{EntropySource, RuntimeBuilder};
use crate::clock::Clock;
use crate::driver::{Ack, Inbox, Msg};
use crate::error::{CallbackError, LoadError, RegisterError, check_failure_fields, check_name};
use crate::options::LoadOptions;
use crate::parking::Parking;
use crate::registry::Registry;
use crate::store::{Store, StoreError};
use crate::workflow::{Registered, Workflow};

/// What a runtime and the drivers of its executions share.
pub(crate) struct Shared {
    /// Tells runtimes apart (a registered workflow knows its runtime).
    pub id: u64,
    pub bindings: RwLock<Bindings>,
    pub clock: Arc<dyn Clock>,
    pub seeds: Mutex<SplitMix64>,
    pub entropy: Option<EntropySource>,
    pub callbacks: Mutex<HashMap<String, (Inbox, TaskId)>>,
    pub region: String,
    pub account: String,
    pub store: Arc<dyn Store>,
    /// The store, when it is a [`MemoryStore`](crate::store::MemoryStore): the executions that
    /// end as they start are recorded in it directly (the most frequent write, made without
    /// a boxed future).
    pub memory: Option<Arc<crate::store::MemoryStore>>,
    /// `store.is_durable()`: STANDARD executions are journaled.
    pub durable: bool,
    pub registry: Registry,
    /// The journaled executions out of memory until their timer or a message.
    pub parking: Parking,
    /// How long finished executions are kept, in milliseconds.
    pub retention: Millis,
    /// When the next purge of finished executions is due.
    pub next_purge: AtomicI64,
}

impl Shared {
    /// The executions waiting for a task token, by token.
    pub fn callbacks(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Inbox, TaskId)>> {
        // A panic while holding the lock cannot leave the map half-updated.
        self.callbacks.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new execution's seed, from the runtime's own seeds.
    pub fn next_seed(&self) -> u64 {
        self.seeds
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .next_u64()
    }

    /// Purges the finished executions past their retention, when the last purge is an hour
    /// old (the clock is looked at as executions start and end), in a task of its own. The
    /// first look only sets the hour: a runtime purges when it resumes.
    pub fn purge_when_due(self: &Arc<Self>, now: Millis) {
        let due = self.next_purge.load(Ordering::Relaxed);
        if now < due
            || self
                .next_purge
                .compare_exchange(
                    due,
                    now.saturating_add(PURGE_EVERY),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_err()
            || due == i64::MIN
        {
            return;
        }
        let shared = self.clone();
        tokio::spawn(async move {
            // A purge that fails is tried again an hour later.
            let _ = shared.purge(now).await;
        });
    }

    /// Purges the finished executions past their retention now, and next in an hour.
    pub async fn purge_now(&self, now: Millis) -> Result<u64, StoreError> {
        self.next_purge
            .store(now.saturating_add(PURGE_EVERY), Ordering::Relaxed);
        self.purge(now).await
    }

    /// Purges the finished executions that ended more than the retention before `now`;
    /// returns how many.
    pub async fn purge(&self, now: Millis) -> Result<u64, StoreError> {
        let before = now.saturating_sub(self.retention);
        self.registry.purge_histories(before);
        self.store.purge_finished(before).await
    }

    /// An execution's random numbers, made from its seed.
    pub fn entropy(&self, seed: u64) -> Box<dyn Entropy + Send> {
        match &self.entropy {
            Some(source) => source(seed),
            None => Box::new(SplitMix64(seed)),
        }
    }
}

/// How often a runtime purges finished executions past their retention: hourly.
const PURGE_EVERY: Millis = 3_600_000;

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

/// A [`Runtime`] that may have been dropped ([`Runtime::downgrade`]).
#[derive(Clone, Debug)]
pub struct WeakRuntime {
    shared: std::sync::Weak<Shared>,
}

impl WeakRuntime {
    /// The runtime, if anything still holds it.
    pub fn upgrade(&self) -> Option<Runtime> {
        self.shared.upgrade().map(|shared| Runtime { shared })
    }
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

    /// The store this runtime keeps its state machines and executions in.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.shared.store
    }

    /// The clock this runtime waits with.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.shared.clock
    }

    /// A handle on this runtime that does not keep it alive, for what the runtime itself
    /// holds (a task handler that answers task tokens would otherwise keep its runtime
    /// forever).
    pub fn downgrade(&self) -> WeakRuntime {
        WeakRuntime {
            shared: Arc::downgrade(&self.shared),
        }
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
        Ok(Workflow::from_definition(options.name.clone(), definition)?.with_text(json))
    }

    /// Registers a state machine: validates `asl_json` and saves it in the store as the
    /// newest revision of the state machine `name` (which replaces `options`' name), then
    /// returns it, ready to start. The same definition as the newest revision's is that
    /// revision again (see [`Workflow::revision`]); another one is the next revision. An
    /// execution runs the revision it started with, whatever is registered later.
    pub async fn register(
        &self,
        name: &str,
        asl_json: &str,
        options: &LoadOptions,
    ) -> Result<Workflow, RegisterError> {
        check_name("state machine", name).map_err(RegisterError::InvalidName)?;
        let options = options.clone().name(name);
        let workflow = self.load_with(asl_json, &options)?;
        let saved = self
            .shared
            .store
            .save_state_machine(
                name,
                asl_json,
                options.machine_type,
                self.shared.clock.now_millis(),
            )
            .await?;
        let workflow = workflow.registered(Registered {
            runtime: self.shared.id,
            revision: saved.revision,
            generation: self.shared.registry.deletions.generation(),
        });
        self.shared
            .registry
            .set_compiled(saved.revision, workflow.clone());
        Ok(workflow)
    }

    /// The revision `workflow` is in this runtime's store: its registered one, or, for a
    /// workflow loaded without registering, the one its definition is saved as when an
    /// execution of it first starts (so that a durable store always has the revision an
    /// execution runs).
    ///
    /// A workflow registered or saved before its state machine was deleted is of no state
    /// machine: [`StoreError::StateMachineDoesNotExist`], as AWS answers a start of a
    /// deleted state machine.
    pub(crate) async fn revision(&self, workflow: &Workflow) -> Result<u64, StoreError> {
        let registry = &self.shared.registry;
        if let Some(registered) = workflow.registration(self.shared.id) {
            if registry
                .deletions
                .deleted_since(workflow.name(), registered.generation)
            {
                return Err(StoreError::StateMachineDoesNotExist {
                    name: workflow.name().to_string(),
                });
            }
            return Ok(registered.revision);
        }
        if let Some(revision) = registry.revision_of(workflow.plan()) {
            return Ok(revision);
        }
        let saved = self
            .shared
            .store
            .save_state_machine(
                workflow.name(),
                &workflow.text(),
                workflow.plan().machine_type(),
                self.shared.clock.now_millis(),
            )
            .await?;
        registry.set_revision_of(workflow.plan(), workflow.name(), saved.revision);
        workflow.set_saved(Registered {
            runtime: self.shared.id,
            revision: saved.revision,
            generation: registry.deletions.generation(),
        });
        registry.set_compiled(saved.revision, workflow.clone());
        Ok(saved.revision)
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
        check_failure_fields("SendTaskFailure", error.as_deref(), cause.as_deref())
            .map_err(CallbackError::Invalid)?;
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
