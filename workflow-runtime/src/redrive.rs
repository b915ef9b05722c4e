//! Redrive, as AWS's `RedriveExecution`: an execution that ended without succeeding goes on,
//! in this runtime, from the states that did not succeed; and, beyond AWS, with a patched
//! definition. The step logic decides what may be redriven and what runs again (see
//! `workflow_core::execution`'s redrive module, which cites AWS's documentation); this module
//! finds the execution, records the redrive before anything of it is carried out, and drives
//! it.

use std::sync::Arc;

use workflow_core::entropy::Entropy;
use workflow_core::execution::{Event, Execution, Millis, RedriveError as Refusal};
use workflow_core::journal::{Entry, HistoryDigest};
use workflow_core::plan::MachineType;

use crate::clock::Work;
use crate::driver::{self, Launch, Recording};
use crate::error::{RedriveError, RegistryError};
use crate::executions::start_at_once;
use crate::handle::ExecutionHandle;
use crate::options::{LoadOptions, RedriveOptions};
use crate::recovery::{self, Parked, Rebuilt};
use crate::registry::{Kept, Live, ReplayAtOnce};
use crate::runtime::{Runtime, Shared};
use crate::start;
use crate::store::{ExecutionRecord, Progress, Status};

/// Whether an execution can be redriven now: AWS's `redriveStatus`, with its
/// `redriveStatusReason` (`DescribeExecution`; for a STANDARD execution, "NOT_REDRIVABLE if
/// calling the RedriveExecution API action would return the ExecutionNotRedrivable error").
#[derive(Debug)]
#[non_exhaustive]
pub enum RedriveStatus {
    /// `REDRIVABLE`.
    Redrivable,
    /// `NOT_REDRIVABLE`: what [`Runtime::redrive`] would be refused with.
    NotRedrivable(RedriveError),
}

impl RedriveStatus {
    /// AWS's name: `REDRIVABLE` or `NOT_REDRIVABLE`.
    pub fn as_str(&self) -> &'static str {
        match self {
            RedriveStatus::Redrivable => "REDRIVABLE",
            RedriveStatus::NotRedrivable(_) => "NOT_REDRIVABLE",
        }
    }

    /// AWS's `redriveStatusReason`: `None` when the execution is redrivable; AWS's words for
    /// its own refusals ("Execution is RUNNING and cannot be redriven.", ...); the refusal's
    /// message for the others (a store without a journal that no longer holds the execution,
    /// an execution that cannot be rebuilt).
    pub fn reason(&self) -> Option<String> {
        match self {
            RedriveStatus::Redrivable => None,
            RedriveStatus::NotRedrivable(RedriveError::Refused(refusal)) => Some(
                refusal
                    .status_reason()
                    .map_or_else(|| refusal.to_string(), str::to_string),
            ),
            RedriveStatus::NotRedrivable(other) => Some(other.to_string()),
        }
    }
}

impl Runtime {
    /// Redrives the execution `arn`, as AWS's `RedriveExecution` does, and returns its handle
    /// once the redrive is recorded (for a durable store: on disk). The execution goes on in
    /// this runtime, from the states that did not succeed, with the same ARN and input: inside
    /// a Parallel or an inline Map only the branches and iterations that failed or were
    /// aborted run again, and no state that succeeded runs again. Its history gains
    /// `ExecutionRedriven`, its record a redrive count one higher and the redrive's date
    /// ([`describe_execution`](Runtime::describe_execution)). Bind the task handlers first.
    ///
    /// Refused, as AWS refuses, with [`RedriveError::ExecutionDoesNotExist`], or with
    /// [`RedriveError::Refused`] (AWS's `ExecutionNotRedrivable`) unless the execution is a
    /// STANDARD one that FAILED, TIMED_OUT or was ABORTED at most 14 days ago (by the
    /// runtime's clock), started at most a year ago, and whose history has room for
    /// `ExecutionRedriven` and one more event. A refused redrive changes nothing.
    ///
    /// On a durable store the redrive is journaled (`Event::Redrive`) before anything of it
    /// is carried out, so that [`Runtime::resume`] goes on with a redriven execution after a
    /// crash. A store without a journal keeps no execution past its process: only one that
    /// ended in this runtime, and that it still holds (its last finished ones), can be
    /// redriven ([`RedriveError::NotKept`] otherwise).
    pub async fn redrive(&self, arn: &str) -> Result<ExecutionHandle, RedriveError> {
        self.redrive_with(arn, &RedriveOptions::default()).await
    }

    /// Redrives the execution `arn` as [`Runtime::redrive`] does, with `options`: beyond AWS,
    /// with a patched definition ([`RedriveOptions::definition`]), which fixes what made the
    /// execution fail (a field, a Retry, a resource) and is saved as the state machine's next
    /// revision; the execution goes on with it, and a resume after a crash too.
    ///
    /// The patch must fit the execution: each state it stopped in (down to the branches and
    /// iterations that run again) must be in the patch, in the same place, of the same type
    /// (see `workflow_core`'s `Execution::redrive_with`). One that does not is refused with
    /// [`RedriveError::Refused`] holding the core's `FitError`, which names the state; a
    /// definition that does not load, with [`RedriveError::Definition`]. Either changes
    /// nothing, in the store or in memory.
    pub async fn redrive_with(
        &self,
        arn: &str,
        options: &RedriveOptions,
    ) -> Result<ExecutionHandle, RedriveError> {
        let tokio =
            tokio::runtime::Handle::try_current().map_err(|_| RedriveError::NoTokioRuntime)?;
        let shared = &self.shared;
        let record = match shared.store.execution(arn).await {
            Ok(Some(record)) => record,
            // AWS's RedriveExecution "is not supported by EXPRESS state machines"; an EXPRESS
            // execution has no record (as on AWS), but its ARN tells what it is.
            Ok(None) if matches!(crate::arn::execution(arn), Some((MachineType::Express, _))) => {
                return Err(Refusal::Express.into());
            }
            Ok(None) => return Err(does_not_exist(arn)),
            Err(e) => return Err(RedriveError::Store(e)),
        };
        if let Some(refusal) = refusal_by_status(record.status) {
            return Err(refusal.into());
        }
        // The patch's own problems are the caller's to fix, whatever the execution.
        let patch = match &options.definition {
            None => None,
            Some(text) => {
                let options = LoadOptions::default()
                    .name(record.state_machine.as_str())
                    .machine_type(record.machine_type);
                let workflow = self
                    .load_with(text, &options)
                    .map_err(RedriveError::Definition)?;
                Some((text.as_str(), workflow))
            }
        };
        let arn: Arc<str> = Arc::from(record.arn.as_str());
        let (live, (rx, done_tx)) = Live::new(&shared.clock, Some(record.input.clone()));
        let handle = live.handle(arn.clone());
        let tx = live.inbox.clone();
        // Claimed before it is looked at, so that no other redrive (nor a resume) drives it
        // too; one that this runtime drives has not ended, or is ending: it runs.
        let Ok(claim) = shared.registry.claim(arn.clone(), live) else {
            return Err(Refusal::Running.into());
        };
        // Rebuilding and recording it are work: a clock that skips waits does not jump past.
        let working = Work::new(&shared.clock);
        let Halted {
            mut execution,
            mut entropy,
            source,
        } = halted(shared, &record).await?;
        let now = shared.clock.now_millis();
        let redriven = match &patch {
            None => execution.redrive(now, &mut *entropy),
            Some((_, workflow)) => {
                execution.redrive_with(workflow.plan().clone(), now, &mut *entropy)
            }
        };
        let commands = match redriven {
            Ok(commands) => commands,
            Err(refusal) => {
                // A refused redrive changed nothing: the execution is kept as it was.
                source.give_back(shared, arn, execution);
                return Err(refusal.into());
            }
        };
        // From here on, a store that fails leaves the record and the journal as they were;
        // on a store without a journal the execution is then no longer held in memory.
        let revision = match patch {
            None => None,
            Some((text, workflow)) => {
                let saved = shared
                    .store
                    .save_state_machine(&record.state_machine, text, record.machine_type, now)
                    .await
                    .map_err(RedriveError::Store)?;
                shared.registry.set_compiled(saved.revision, workflow);
                Some(saved.revision)
            }
        };
        let progress = Progress::Redriven {
            redrive_date: now,
            waiting: driver::waiting_after(&execution, &commands, now),
        };
        let recording = match source {
            Source::Journal(mut digest) => {
                let entry = Entry {
                    event: Event::Redrive { revision },
                    at: now,
                    check: digest.advance(execution.history()),
                };
                let journaled = shared.store.append(&arn, &[entry], &progress).await;
                journaled.map_err(RedriveError::Store)?;
                Recording::Journal(digest)
            }
            Source::AtOnce | Source::Kept { .. } => {
                let recorded = shared.store.append(&arn, &[], &progress).await;
                recorded.map_err(RedriveError::Store)?;
                Recording::Record
            }
        };
        claim.kept();
        drop(working);
        let launch = Launch::new(execution, commands, entropy, recording);
        let parked = Parked {
            arn: arn.clone(),
            state_machine: record.state_machine,
            revision: record.revision,
            wake_at: None,
        };
        start::drive_recorded(&tokio, shared, launch, parked, tx, rx, done_tx);
        shared.purge_when_due(now);
        Ok(handle)
    }

    /// Whether the execution `arn` can be redriven now, and if not why: AWS's
    /// `redriveStatus` and `redriveStatusReason` (`DescribeExecution`;
    /// [`describe_execution`](Runtime::describe_execution) gives the redrive count and date).
    /// The same checks as [`Runtime::redrive`]'s, which it does not run: on a durable store a
    /// finished execution is rebuilt from its journal to know how long its history is.
    pub async fn redrive_status(&self, arn: &str) -> Result<RedriveStatus, RegistryError> {
        let shared = &self.shared;
        let record = self.describe_execution(arn).await?;
        let refusal = match refusal_by_status(record.status) {
            Some(refusal) => Some(refusal.into()),
            None if shared.registry.live(arn).is_some() => Some(Refusal::Running.into()),
            None => {
                let now = shared.clock.now_millis();
                match looked_at(shared, &record, now).await {
                    Ok(()) => None,
                    Err(RedriveError::Store(e)) => return Err(RegistryError::Store(e)),
                    Err(refusal) => Some(refusal),
                }
            }
        };
        Ok(refusal.map_or(RedriveStatus::Redrivable, RedriveStatus::NotRedrivable))
    }
}

fn does_not_exist(arn: &str) -> RedriveError {
    RedriveError::ExecutionDoesNotExist {
        arn: arn.to_string(),
    }
}

/// AWS's refusal for an execution whose record says it runs or succeeded.
fn refusal_by_status(status: Status) -> Option<Refusal> {
    match status {
        Status::Running | Status::PendingRedrive => Some(Refusal::Running),
        Status::Succeeded => Some(Refusal::Succeeded),
        _ => None,
    }
}

/// An execution that ended, ready to go on, and where it came from.
struct Halted {
    execution: Execution,
    /// The random numbers it goes on with.
    entropy: Box<dyn Entropy + Send>,
    source: Source,
}

/// Where a halted execution came from.
enum Source {
    /// Rebuilt from its journal: the check of its history.
    Journal(HistoryDigest),
    /// Started again from what the memory store keeps of an execution that ended as it
    /// started (which it still keeps).
    AtOnce,
    /// Taken from what the runtime keeps in memory of its finished executions: the stop date
    /// it was kept with and, for one that ended as it started, what replays it.
    Kept {
        stop_date: Millis,
        replay: Option<ReplayAtOnce>,
    },
}

impl Source {
    /// Gives back the execution of a refused redrive, unchanged, where it was taken from.
    fn give_back(self, shared: &Shared, arn: Arc<str>, execution: Execution) {
        if let Source::Kept { stop_date, replay } = self {
            let kept = match replay {
                Some(replay) => Kept::AtOnce(replay),
                None => Kept::Halted(Box::new(execution)),
            };
            shared.registry.keep_history(arn, stop_date, kept);
        }
    }
}

/// Why an execution that cannot be rebuilt cannot be redriven.
fn unloadable(arn: &str, reason: String) -> RedriveError {
    RedriveError::Unloadable {
        arn: arn.to_string(),
        reason,
    }
}

/// The finished execution of `record`: rebuilt from its journal on a durable store, else
/// taken from what this runtime holds in memory.
async fn halted(shared: &Shared, record: &ExecutionRecord) -> Result<Halted, RedriveError> {
    let arn = record.arn.as_str();
    if shared.durable {
        let Rebuilt { replayed, entropy } =
            recovery::rebuild_record(shared, record, RedriveError::Store, |cause| {
                unloadable(arn, cause)
            })
            .await?;
        return Ok(Halted {
            execution: replayed.execution,
            entropy,
            source: Source::Journal(replayed.digest),
        });
    }
    let at_once = |replay: &ReplayAtOnce| {
        start_at_once(shared, record, replay).map_err(|reason| unloadable(arn, reason))
    };
    if let Some(replay) = shared.memory.as_ref().and_then(|m| m.replay_at_once(arn)) {
        let (execution, entropy) = at_once(&replay)?;
        return Ok(Halted {
            execution,
            entropy,
            source: Source::AtOnce,
        });
    }
    let not_kept = || RedriveError::NotKept {
        arn: arn.to_string(),
    };
    match shared.registry.take_kept(arn) {
        Some((stop_date, Kept::Halted(execution))) => Ok(Halted {
            execution: *execution,
            // Nothing replays it: new random numbers do.
            entropy: shared.entropy(shared.next_seed()),
            source: Source::Kept {
                stop_date,
                replay: None,
            },
        }),
        Some((stop_date, Kept::AtOnce(replay))) => match at_once(&replay) {
            Ok((execution, entropy)) => Ok(Halted {
                execution,
                entropy,
                source: Source::Kept {
                    stop_date,
                    replay: Some(replay),
                },
            }),
            Err(e) => {
                let kept = Kept::AtOnce(replay);
                shared.registry.keep_history(arn.into(), stop_date, kept);
                Err(e)
            }
        },
        // A history alone is kept of an execution that succeeded (refused before).
        Some((stop_date, kept @ Kept::History(_))) => {
            shared.registry.keep_history(arn.into(), stop_date, kept);
            Err(not_kept())
        }
        None => Err(not_kept()),
    }
}

/// Whether the finished execution of `record` may be redriven at `now`, looked at where it is
/// kept without taking it.
async fn looked_at(
    shared: &Shared,
    record: &ExecutionRecord,
    now: Millis,
) -> Result<(), RedriveError> {
    let arn = record.arn.as_str();
    let at_once = |replay: &ReplayAtOnce| {
        let (execution, _) =
            start_at_once(shared, record, replay).map_err(|reason| unloadable(arn, reason))?;
        Ok(execution.redrivable(now)?)
    };
    if shared.durable {
        let rebuilt = recovery::rebuild_record(shared, record, RedriveError::Store, |cause| {
            unloadable(arn, cause)
        })
        .await?;
        return Ok(rebuilt.replayed.execution.redrivable(now)?);
    }
    if let Some(replay) = shared.memory.as_ref().and_then(|m| m.replay_at_once(arn)) {
        return at_once(&replay);
    }
    let kept = shared.registry.with_kept_history(arn, |kept| match kept {
        Kept::Halted(execution) => Ok(execution.redrivable(now)?),
        Kept::AtOnce(replay) => at_once(replay),
        Kept::History(_) => Err(Refusal::Succeeded.into()),
    });
    kept.unwrap_or_else(|| {
        Err(RedriveError::NotKept {
            arn: arn.to_string(),
        })
    })
}
