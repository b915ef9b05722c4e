//! Starting an execution: it is recorded before anything of it is carried out.

use std::sync::Arc;

use serde_json::Value;
use workflow_core::execution::{Execution, ExecutionConfig, ExecutionStatus};
use workflow_core::journal::{HistoryDigest, Start};
use workflow_core::plan::MachineType;

use crate::driver::{self, Inbox, Launch, Receiver, Recording};
use crate::error::{StartError, check_name};
use crate::handle::{Done, DoneSender, ExecutionHandle, Finished};
use crate::options::StartOptions;
use crate::recovery::{self, Parked};
use crate::registry::{Kept, Live, ReplayAtOnce};
use crate::runtime::{Runtime, Shared};
use crate::store::{ExecutionRecord, Progress, Status, StoreError, Waiting};
use crate::workflow::Workflow;

impl Runtime {
    /// Starts an execution, and returns once it is recorded (for a durable store: on disk, so
    /// that a started execution survives a crash). It runs on the current tokio runtime;
    /// await [`ExecutionHandle::outcome`] for its end.
    ///
    /// A future dropped before it returns may or may not have recorded the execution: on a
    /// durable store, [`Runtime::resume`] then runs it.
    pub async fn start(
        &self,
        workflow: &Workflow,
        input: Value,
    ) -> Result<ExecutionHandle, StartError> {
        self.start_with(workflow, input, &StartOptions::default())
            .await
    }

    /// Starts an execution with options, and returns once it is recorded.
    ///
    /// A STANDARD execution's name is unique per state machine until the execution is
    /// purged: a start with the name of a running execution and the same input returns that
    /// execution, as AWS's idempotent StartExecution does; any other start with a name taken
    /// is refused with [`StartError::ExecutionAlreadyExists`]. EXPRESS executions are kept in
    /// memory only, as on AWS: they have no record, and their names need not be unique.
    pub async fn start_with(
        &self,
        workflow: &Workflow,
        input: Value,
        options: &StartOptions,
    ) -> Result<ExecutionHandle, StartError> {
        let tokio =
            tokio::runtime::Handle::try_current().map_err(|_| StartError::NoTokioRuntime)?;
        if let Some(name) = &options.name {
            check_name("execution", name).map_err(StartError::InvalidName)?;
        }
        let shared = &self.shared;
        if shared.registry.deletions.is_deleting(workflow.name()) {
            return Err(StartError::StateMachineDeleting {
                name: workflow.name().to_string(),
            });
        }
        let standard = workflow.plan().machine_type() == MachineType::Standard;
        let revision = match standard {
            true => Some(
                self.revision(workflow)
                    .await
                    .map_err(StartError::from_store)?,
            ),
            false => None,
        };
        let seed = shared.next_seed();
        let mut entropy = shared.entropy(seed);
        let made;
        let config = match (
            &options.name,
            workflow.config(shared.id, options.history_limit),
        ) {
            (None, Some(config)) => config,
            _ => {
                made = ExecutionConfig {
                    state_machine_name: workflow.name().to_string(),
                    execution_name: options.name.clone(),
                    region: shared.region.clone(),
                    account: shared.account.clone(),
                    role_arn: None,
                    history_limit: options.history_limit,
                };
                workflow.set_config(shared.id, &made);
                &made
            }
        };
        let journaled = standard && shared.durable;
        let journal_input = journaled.then(|| input.clone());
        let now = shared.clock.now_millis();
        let (execution, commands) =
            Execution::start(workflow.plan().clone(), config, input, now, &mut *entropy)?;
        let arn: Arc<str> = Arc::from(execution.info().execution_arn.as_str());
        let Some(revision) = revision else {
            // EXPRESS: in memory only.
            if *execution.status() != ExecutionStatus::Running {
                let finished = Arc::new(Finished::from_execution(execution));
                return Ok(finished_handle(arn, finished));
            }
            let (live, (rx, done_tx)) = Live::new(&shared.clock, None);
            let handle = live.handle(arn);
            let launch = Launch::new(execution, commands, entropy, Recording::Unrecorded);
            tokio.spawn(driver::run(shared.clone(), launch, live.inbox, rx, done_tx));
            return Ok(handle);
        };
        let mut digest = HistoryDigest::default();
        let start = journal_input.map(|input| {
            Start::new(
                config.clone(),
                input,
                seed,
                now,
                digest.advance(execution.history()),
            )
        });
        let info = execution.info();
        let input = info.input.clone();
        let mut record = ExecutionRecord::new(
            arn.to_string(),
            info.name.clone(),
            workflow.name(),
            revision,
            MachineType::Standard,
            now,
            input.clone(),
        );
        if *execution.status() != ExecutionStatus::Running {
            // Ended as it started: recorded as it ended.
            let finished = Finished::from_execution(execution);
            let (progress, stop_date) = driver::ended(&finished.status, &finished.history);
            set_end(&mut record, progress);
            // What replays it, kept in memory for a store without a journal.
            let replay = (!journaled).then(|| ReplayAtOnce {
                plan: workflow.plan().clone(),
                seed,
                named: options.name.is_some(),
                history_limit: options.history_limit,
            });
            let created = match (&shared.memory, replay) {
                // The default store keeps it with its record (one write, one eviction).
                (Some(memory), Some(replay)) => memory.insert_at_once(arn.clone(), record, replay),
                (_, replay) => {
                    let created = shared
                        .store
                        .create_execution_owned(record, start, Waiting::default())
                        .await;
                    if let (Ok(()), Some(replay)) = (&created, replay) {
                        shared
                            .registry
                            .keep_history(arn.clone(), stop_date, Kept::AtOnce(replay));
                    }
                    created
                }
            };
            match created {
                Ok(()) => {}
                Err(StoreError::ExecutionAlreadyExists { .. }) => {
                    return self.existing(arn, &input).await;
                }
                Err(e) => return Err(StartError::Store(e)),
            }
            let finished = Arc::new(finished);
            shared.purge_when_due(now);
            return Ok(finished_handle(arn, finished));
        }
        // It runs on: its name is claimed here first, so that no other start of the same
        // name drives it too, then it is recorded, and only then is it driven.
        let (live, (rx, done_tx)) = Live::new(&shared.clock, Some(input.clone()));
        let handle = live.handle(arn.clone());
        let tx = live.inbox.clone();
        let claim = match shared.registry.claim(arn.clone(), live) {
            Ok(claim) => claim,
            Err(existing) => return self.same_input(arn, existing, &input).await,
        };
        let waiting = match journaled {
            true => driver::waiting_after(&execution, &commands, now),
            false => Waiting::default(),
        };
        match shared
            .store
            .create_execution_owned(record, start, waiting)
            .await
        {
            Ok(()) => claim.kept(),
            Err(StoreError::ExecutionAlreadyExists { .. }) => {
                drop(claim);
                return self.existing(arn, &input).await;
            }
            Err(e) => return Err(StartError::Store(e)),
        }
        let recording = match journaled {
            true => Recording::Journal(digest),
            false => Recording::Record,
        };
        let launch = Launch::new(execution, commands, entropy, recording);
        let parked = Parked {
            arn: arn.clone(),
            state_machine: workflow.name().to_string(),
            revision,
            wake_at: None,
        };
        drive_recorded(&tokio, shared, launch, parked, tx, rx, done_tx);
        shared.purge_when_due(now);
        Ok(handle)
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

    /// A start found the name `arn` taken: the execution is returned if it runs with the
    /// same input (AWS's idempotent start), else the start is refused. One that runs in the
    /// store but is not driven here (left by a process that stopped, not resumed yet) is
    /// resumed here.
    async fn existing(&self, arn: Arc<str>, input: &Value) -> Result<ExecutionHandle, StartError> {
        if let Some(live) = self.shared.registry.live(&arn) {
            return self.same_input(arn, live, input).await;
        }
        let refused = || StartError::ExecutionAlreadyExists {
            arn: arn.to_string(),
        };
        let store = &self.shared.store;
        let record = store.execution(&arn).await.map_err(StartError::Store)?;
        let running_with_input =
            record.is_some_and(|r| r.status == Status::Running && *r.input == *input);
        if !running_with_input || !self.shared.durable {
            return Err(refused());
        }
        let tokio =
            tokio::runtime::Handle::try_current().map_err(|_| StartError::NoTokioRuntime)?;
        let found = store
            .unfinished()
            .await
            .map_err(StartError::Store)?
            .into_iter()
            .find(|u| *u.record.arn == *arn);
        match found {
            Some(unfinished) => Ok(self.adopt(&tokio, unfinished.record, unfinished.waiting)),
            None => Err(refused()),
        }
    }

    /// AWS's idempotent start: the running execution `live` if its input is `input` (as it
    /// keeps it in memory, or, parked, as its record does).
    async fn same_input(
        &self,
        arn: Arc<str>,
        live: Live,
        input: &Value,
    ) -> Result<ExecutionHandle, StartError> {
        let same = match live.inbox.input() {
            Some(kept) => *kept == *input,
            None => {
                let record = self.shared.store.execution(&arn).await;
                record
                    .map_err(StartError::Store)?
                    .is_some_and(|record| *record.input == *input)
            }
        };
        match same {
            true => Ok(live.handle(arn)),
            false => Err(StartError::ExecutionAlreadyExists {
                arn: arn.to_string(),
            }),
        }
    }
}

/// Drives a STANDARD execution recorded in the store from `launch`, on `tokio`: a journaled
/// one by [`recovery::journaled`], which lets it leave memory while it waits (`parked` says
/// where its journal is), any other to its end in memory.
pub(crate) fn drive_recorded(
    tokio: &tokio::runtime::Handle,
    shared: &Arc<Shared>,
    launch: Launch,
    parked: Parked,
    tx: Inbox,
    rx: Receiver,
    done: DoneSender,
) {
    match launch.recording {
        Recording::Journal(_) => {
            let driver =
                recovery::journaled(shared.clone(), parked, Some(launch), tx, rx, done, None);
            tokio.spawn(driver);
        }
        Recording::Record | Recording::Unrecorded => {
            tokio.spawn(driver::run(shared.clone(), launch, tx, rx, done));
        }
    }
}

/// Sets a record to how its execution ended.
fn set_end(record: &mut ExecutionRecord, progress: Progress) {
    if let Progress::Finished {
        status,
        stop_date,
        output,
        error,
        cause,
    } = progress
    {
        record.status = status;
        record.stop_date = Some(stop_date);
        record.output = output;
        record.error = error;
        record.cause = cause;
    }
}

/// The handle of an execution that has ended.
fn finished_handle(arn: Arc<str>, finished: Arc<Finished>) -> ExecutionHandle {
    ExecutionHandle {
        arn,
        tx: None,
        done: Done::ended(finished),
    }
}
