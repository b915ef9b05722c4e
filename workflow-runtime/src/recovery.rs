//! Recovery: a runtime opened on a durable store goes on with the executions a process left
//! unfinished (stopped, crashed), each rebuilt by replaying its journal through the step
//! logic, without calling a task handler for what the journal holds.
//!
//! An execution that only waits (for a timer, a task token) is not replayed until it has to
//! go on: it is *parked*, its timer and tokens watched, and rebuilt when its timer is due or
//! a message comes for it (an answer, a stop, a request for its history). Recovering many
//! waiting executions costs little, and none of them holds its state in memory meanwhile.

use std::collections::HashMap;
use std::sync::Arc;

use workflow_core::definition::Definition;
use workflow_core::entropy::Entropy;
use workflow_core::error::names;
use workflow_core::execution::{Event, ExecutionStatus, Failure, Millis};
use workflow_core::journal::{ReplayError, Replayed, replay_with};
use workflow_core::plan::{CompileOptions, MachineType};

use crate::clock::Work;
use crate::driver::{self, Launch, Recording};
use crate::error::RegistryError;
use crate::handle::{DoneSender, ExecutionHandle, Finished};
use crate::inbox::{Inbox, Receiver};
use crate::parking;
use crate::registry::Live;
use crate::runtime::{Runtime, Shared};
use crate::store::{ExecutionRecord, Progress, Status, StoreError, Unfinished, Waiting};
use crate::workflow::Workflow;

impl Runtime {
    /// Resumes every unfinished execution of the store, and returns their handles. Call it
    /// once the task handlers are bound: an execution goes on as if its process had never
    /// stopped.
    ///
    /// - Nothing the journal holds is run again: the execution is rebuilt by replaying its
    ///   journal through the step logic (with the random numbers of its seed), its history
    ///   with it.
    /// - A timer is re-armed at its deadline (one overdue fires at once).
    /// - A task that was in flight is invoked again (task handlers are at-least-once; see
    ///   [`TaskContext::idempotency_key`](crate::TaskContext::idempotency_key)).
    /// - A callback task waits for its token again, with its heartbeat and timeout deadlines:
    ///   [`send_task_success`](Runtime::send_task_success) and the others answer it.
    /// - An execution that only waits is replayed only when its timer is due or a message
    ///   comes for it (see the module's documentation).
    /// - An execution whose replay differs from its journal (the step logic changed since it
    ///   ran) fails with `States.Runtime` and a cause that names the difference, recorded in
    ///   the store; so does one whose definition cannot be found or compiled. The others go
    ///   on.
    ///
    /// It also purges the finished executions past their retention. An execution already
    /// driven by this runtime is returned as it is. With a store that is not durable, there
    /// is nothing to resume.
    pub async fn resume(&self) -> Result<Vec<ExecutionHandle>, RegistryError> {
        let tokio =
            tokio::runtime::Handle::try_current().map_err(|_| RegistryError::NoTokioRuntime)?;
        let shared = &self.shared;
        if !shared.durable {
            return Ok(Vec::new());
        }
        let now = shared.clock.now_millis();
        shared.purge_now(now).await?;
        let unfinished = shared.store.unfinished().await?;
        shared.recover_deletions(&unfinished).await?;
        let mut handles = Vec::with_capacity(unfinished.len());
        for Unfinished { record, waiting } in unfinished {
            // Only STANDARD executions are recorded (EXPRESS ones live in memory).
            if record.machine_type == MachineType::Standard {
                handles.push(self.adopt(&tokio, record, waiting));
            }
        }
        Ok(handles)
    }

    /// Drives an unfinished execution of the store here (parked until it has to go on), or
    /// returns the handle of the one this runtime drives already.
    pub(crate) fn adopt(
        &self,
        tokio: &tokio::runtime::Handle,
        record: ExecutionRecord,
        waiting: Waiting,
    ) -> ExecutionHandle {
        let shared = &self.shared;
        let arn: Arc<str> = Arc::from(record.arn.as_str());
        // Its input stays in its record until it is rebuilt.
        let (live, (rx, done_tx)) = Live::new(&shared.clock, None);
        let handle = live.handle(arn.clone());
        let tx = live.inbox.clone();
        match shared.registry.claim(arn.clone(), live) {
            Ok(claim) => claim.kept(),
            Err(existing) => return existing.handle(arn),
        }
        // Its callback tasks' tokens are answered through its inbox from now on, parked or not.
        {
            let mut callbacks = shared.callbacks();
            for (token, task) in &waiting.tokens {
                callbacks.insert(token.clone(), (tx.clone(), *task));
            }
        }
        let parked = Parked {
            arn: arn.clone(),
            state_machine: record.state_machine,
            revision: record.revision,
            wake_at: waiting.next_timer,
        };
        // One that waits for its timer stays parked until then (or a message). Any other is
        // rebuilt at once: a task in flight is invoked again, a journal that ends with the
        // execution's end records it (its driver parks it again if it only waits).
        let (rx, parked, done_tx) = match waiting.tasks_in_flight {
            false => match parking::park(shared, rx, parked, done_tx) {
                Ok(()) => return handle,
                Err(ends) => ends,
            },
            true => (rx, parked, done_tx),
        };
        tokio.spawn(journaled(
            shared.clone(),
            parked,
            None,
            tx,
            rx,
            done_tx,
            None,
        ));
        handle
    }
}

/// A journaled execution out of memory: found in the store and not yet rebuilt, or parked
/// by its driver while it waits.
pub(crate) struct Parked {
    pub arn: Arc<str>,
    pub state_machine: String,
    pub revision: u64,
    /// When it has to go on by itself: its next timer (`None`: at once).
    pub wake_at: Option<Millis>,
}

/// Drives a journaled execution to its end, from `launch` (in memory, as it started) or else
/// from its journal: it leaves memory whenever it only waits for long (see
/// [`driver::Driven::Parked`] and [`parking`]), and is rebuilt from its journal when its
/// timer is due or a message comes for it. `waking`, when given, holds the clock until it is
/// rebuilt.
pub(crate) async fn journaled(
    shared: Arc<Shared>,
    mut parked: Parked,
    launch: Option<Launch>,
    tx: Inbox,
    mut rx: Receiver,
    mut done: DoneSender,
    mut waking: Option<Work>,
) {
    let mut next = launch;
    loop {
        let launch = match next.take() {
            Some(launch) => launch,
            None => match load_held(&shared, &parked, waking.take()).await {
                Ok(launch) => launch,
                Err(unloadable) => {
                    return end_unloadable(&shared, &parked, unloadable, done).await;
                }
            },
        };
        match driver::drive(shared.clone(), launch, tx.clone(), &mut rx, &done).await {
            driver::Driven::Ended => return,
            driver::Driven::Parked { wake_at } => {
                parked.wake_at = Some(wake_at);
                // Out of memory until its timer or a message; one that came meanwhile goes
                // on at once.
                match parking::park(&shared, rx, parked, done) {
                    Ok(()) => return,
                    Err(ends) => (rx, parked, done) = ends,
                }
            }
        }
    }
}

/// Rebuilds a parked execution from its journal; loading is work: a clock that skips waits
/// does not jump past it (`held` holds it from before, if given).
async fn load_held(
    shared: &Shared,
    parked: &Parked,
    held: Option<Work>,
) -> Result<Launch, Unloadable> {
    let loading = held.unwrap_or_else(|| Work::new(&shared.clock));
    let launch = load(shared, parked).await;
    drop(loading);
    launch
}

/// Ends an execution that could not be rebuilt: one that cannot run here fails, as recorded
/// in the store; one whose store failed stays as it is there.
async fn end_unloadable(
    shared: &Shared,
    parked: &Parked,
    unloadable: Unloadable,
    done: DoneSender,
) {
    let arn = &*parked.arn;
    let status = match unloadable {
        Unloadable::Refused(failure) => {
            let progress = Progress::Finished {
                status: Status::Failed,
                stop_date: shared.clock.now_millis(),
                output: None,
                error: failure.error.clone(),
                cause: failure.cause.clone(),
            };
            match shared.store.append(arn, &[], &progress).await {
                Ok(()) => {
                    shared.after_end_in_store(&parked.state_machine).await;
                    ExecutionStatus::Failed(failure)
                }
                Err(e) => ExecutionStatus::Aborted(not_loaded(&e)),
            }
        }
        Unloadable::Store(e) => ExecutionStatus::Aborted(not_loaded(&e)),
    };
    end_unloaded(shared, arn, done, status);
}

/// Why an execution could not be rebuilt.
pub(crate) enum Unloadable {
    /// It cannot run here (its definition is gone or refused, its replay diverged): it fails.
    Refused(Failure),
    /// The store could not be read: it stays as it is in the store, for a later resume.
    Store(StoreError),
}

impl From<StoreError> for Unloadable {
    fn from(e: StoreError) -> Unloadable {
        Unloadable::Store(e)
    }
}

/// A `States.Runtime` failure with `cause`.
fn refused(cause: String) -> Unloadable {
    Unloadable::Refused(Failure::new(names::RUNTIME, cause).within_aws_bounds())
}

/// What a handle reports of an execution that could not be loaded because the store failed.
fn not_loaded(error: &StoreError) -> Failure {
    Failure::new(
        names::RUNTIME,
        format!(
            "The execution could not be resumed: the store failed ({error}). It is still RUNNING in the store: Runtime::resume goes on from there."
        ),
    )
}

/// Ends the handle of an execution that was not driven here.
fn end_unloaded(shared: &Shared, arn: &str, done: DoneSender, status: ExecutionStatus) {
    shared.registry.remove_live(arn);
    done.send(Arc::new(Finished {
        status,
        history: Vec::new(),
    }));
}

/// Rebuilds an execution from its journal: what its driver starts from.
async fn load(shared: &Shared, parked: &Parked) -> Result<Launch, Unloadable> {
    let Rebuilt { replayed, entropy } =
        rebuild(shared, &parked.arn, &parked.state_machine, parked.revision).await?;
    let recording = Recording::Journal(replayed.digest);
    Ok(Launch {
        awaiting_token: replayed.awaiting_token,
        ..Launch::new(replayed.execution, replayed.outstanding, entropy, recording)
    })
}

/// An execution of a durable store rebuilt from its journal, and the random numbers it goes
/// on with.
pub(crate) struct Rebuilt {
    pub replayed: Replayed,
    pub entropy: Box<dyn Entropy + Send>,
}

/// Rebuilds the execution `arn`, which started with revision `revision` of the state machine
/// `state_machine`, by replaying its journal through the step logic, without running
/// anything: a redrive with a patched definition goes on with the revision it names.
pub(crate) async fn rebuild(
    shared: &Shared,
    arn: &str,
    state_machine: &str,
    revision: u64,
) -> Result<Rebuilt, Unloadable> {
    let workflow = self::revision(shared, state_machine, revision).await?;
    let Some((start, entries)) = shared.store.journal(arn).await? else {
        return Err(refused(format!(
            "The execution cannot be resumed: the store holds no journal of it ({arn})."
        )));
    };
    // The plans of the revisions it was redriven with, compiled before the replay asks.
    let mut patched = HashMap::new();
    for entry in &entries {
        if let Event::Redrive {
            revision: Some(patch),
        } = entry.event
            && !patched.contains_key(&patch)
        {
            let workflow = self::revision(shared, state_machine, patch).await?;
            patched.insert(patch, workflow.plan().clone());
        }
    }
    let mut entropy = shared.entropy(start.seed);
    let replayed = replay_with(
        workflow.plan().clone(),
        &|patch| patched.get(&patch).cloned(),
        &start,
        &entries,
        &mut *entropy,
    )
    .map_err(|e| match e {
        ReplayError::Diverged { .. } => refused(format!(
            "The execution cannot be resumed: {e}. It was started by revision {revision} of the state machine '{state_machine}'."
        )),
        other => refused(format!("The execution cannot be resumed: {other}.")),
    })?;
    if replayed.execution.info().execution_arn != *arn {
        return Err(renamed(arn, &replayed.execution.info().execution_arn));
    }
    Ok(Rebuilt { replayed, entropy })
}

/// Rebuilds the execution of `record` from its journal, as [`rebuild`] does, for a caller that
/// reads or redrives it: a failure of the store is `store`'s error, and why the execution
/// cannot be rebuilt (the cause a resume would fail it with) is `refused`'s.
pub(crate) async fn rebuild_record<E>(
    shared: &Shared,
    record: &ExecutionRecord,
    store: impl FnOnce(StoreError) -> E,
    refused: impl FnOnce(String) -> E,
) -> Result<Rebuilt, E> {
    rebuild(shared, &record.arn, &record.state_machine, record.revision)
        .await
        .map_err(|e| match e {
            Unloadable::Store(e) => store(e),
            Unloadable::Refused(failure) => refused(failure.cause.unwrap_or_default()),
        })
}

/// A replay that named the execution otherwise than its record: its name was drawn from
/// random numbers that are not the ones its seed gave.
fn renamed(arn: &str, replayed: &str) -> Unloadable {
    refused(format!(
        "The execution cannot be resumed: its replay names it '{replayed}' where its record says '{arn}': the runtime's random numbers are not the ones its seed gave (an entropy source must be a function of the seed)."
    ))
}

/// The revision `revision` of the state machine `name`, compiled once per runtime however
/// many of its executions are rebuilt at once.
pub(crate) async fn revision(
    shared: &Shared,
    name: &str,
    revision: u64,
) -> Result<Workflow, Unloadable> {
    let cell = shared.registry.compiled(name, revision);
    let compiled = cell
        .get_or_try_init(|| async {
            let Some(saved) = shared.store.state_machine(name, Some(revision)).await? else {
                return Ok::<_, StoreError>(Err(format!(
                    "The execution cannot be resumed: revision {revision} of the state machine '{name}', which it runs, is not in the store."
                )));
            };
            let compile = CompileOptions {
                machine_type: saved.machine_type,
            };
            let workflow = Definition::from_json_str(&saved.definition, &compile)
                .map_err(|d| d.to_string())
                .and_then(|definition| {
                    Workflow::from_definition(name, definition).map_err(|e| e.to_string())
                })
                .map(|w| w.with_text(&saved.definition))
                .map_err(|problems| {
                    format!(
                        "The execution cannot be resumed: revision {revision} of the state machine '{name}', which it runs, no longer loads: {problems}"
                    )
                });
            Ok(workflow)
        })
        .await?;
    compiled.clone().map_err(refused)
}
