//! The registry of executions, as AWS's API offers it: describe an execution, list them, stop
//! one, read its history; live or not, from the store (a durable store rebuilds any history
//! from its journal).

use std::sync::Arc;

use tokio::sync::oneshot;
use workflow_core::entropy::Entropy;
use workflow_core::execution::{Event, Execution, ExecutionConfig, Failure};
use workflow_core::history::HistoryEvent;
use workflow_core::journal::Entry;

use crate::driver::{self, Msg};
use crate::error::{RegistryError, check_failure_fields};
use crate::recovery::{self, Rebuilt, Unloadable};
use crate::registry::{Kept, Live, ReplayAtOnce};
use crate::runtime::{Runtime, Shared};
use crate::store::{
    ExecutionFilter, ExecutionRecord, Page, PageRequest, Status, StoreError, page_token,
};

/// How many items a page of a listing or a history holds at most, as AWS's `ListExecutions`
/// and `GetExecutionHistory` do.
const PAGE_MAX: usize = 1000;

impl Runtime {
    /// What the store knows of the execution `arn` (AWS's `DescribeExecution`): status, dates,
    /// input, output, error, cause, redrive count, whether it runs here or not. EXPRESS
    /// executions have no record (as on AWS).
    pub async fn describe_execution(&self, arn: &str) -> Result<ExecutionRecord, RegistryError> {
        self.shared
            .store
            .execution(arn)
            .await?
            .ok_or_else(|| does_not_exist(arn))
    }

    /// The executions `filter` selects (by state machine, by status), newest first, one page
    /// at a time (AWS's `ListExecutions`; a page holds at most 1,000).
    pub async fn list_executions(
        &self,
        filter: &ExecutionFilter,
        page: PageRequest,
    ) -> Result<Page<ExecutionRecord>, RegistryError> {
        let page = PageRequest {
            max: page.max.clamp(1, PAGE_MAX),
            ..page
        };
        self.shared
            .store
            .list_executions(filter, page)
            .await
            .map_err(|e| match e {
                StoreError::InvalidToken { token } => RegistryError::InvalidToken(token),
                e => RegistryError::Store(e),
            })
    }

    /// Stops the execution `arn` (AWS's `StopExecution`: `ExecutionAborted`, with `error` and
    /// `cause`), and returns once the stop is recorded. An execution driven here, or parked
    /// after a resume, is stopped as [`ExecutionHandle::stop`](crate::ExecutionHandle::stop)
    /// does; one that runs in a durable store but is not driven by this runtime (it has not
    /// resumed) is stopped in the store, by replaying its journal to the stop, without
    /// running anything. Stopping an execution that has ended does nothing (AWS's
    /// StopExecution lists no error for it). An error over 256 characters or a cause over
    /// 32,768 is refused with [`RegistryError::Invalid`], as AWS refuses them.
    pub async fn stop_execution(
        &self,
        arn: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<(), RegistryError> {
        check_failure_fields("StopExecution", error.as_deref(), cause.as_deref())
            .map_err(RegistryError::Invalid)?;
        let failure = Failure { error, cause };
        let shared = &self.shared;
        if let Some(live) = shared.registry.live(arn) {
            return stop_live(&live, failure).await;
        }
        let record = self.describe_execution(arn).await?;
        if record.status.is_finished() {
            return Ok(());
        }
        if !shared.durable {
            // Its runtime is another one sharing the store: it is not this one's to stop.
            return Err(does_not_exist(arn));
        }
        stop_in_store(shared, record, failure).await
    }

    /// One page of the history of the execution `arn` (AWS's `GetExecutionHistory`), oldest
    /// first or, with `reverse_order`, newest first; a page holds at most 1,000 events.
    ///
    /// A live execution's comes from memory; a durable store's finished or unloaded one is
    /// rebuilt by replaying its journal. A store without a journal keeps the histories of its
    /// last finished executions in memory (see [`MemoryStore`](crate::store::MemoryStore)),
    /// within bounds: past them, the history of an execution that has ended cannot be read.
    pub async fn execution_history(
        &self,
        arn: &str,
        page: PageRequest,
        reverse_order: bool,
    ) -> Result<Page<HistoryEvent>, RegistryError> {
        let start = match &page.token {
            None => 0,
            Some(token) => page_token::read_history(arn, reverse_order, token)
                .map_err(|_| RegistryError::InvalidToken(token.clone()))?,
        };
        let history = self.full_execution_history(arn).await?;
        if start > history.len() {
            // No page of this history starts there.
            return Err(RegistryError::InvalidToken(page.token.unwrap_or_default()));
        }
        let max = page.max.clamp(1, PAGE_MAX);
        let ordered: Box<dyn Iterator<Item = &HistoryEvent>> = match reverse_order {
            false => Box::new(history.iter()),
            true => Box::new(history.iter().rev()),
        };
        let items: Vec<HistoryEvent> = ordered.skip(start).take(max).cloned().collect();
        let end = start + items.len();
        let next = (end < history.len()).then(|| page_token::history_from(arn, reverse_order, end));
        Ok(Page::new(items, next))
    }

    /// The whole history of the execution `arn`, oldest event first, read once: what
    /// [`execution_history`](Runtime::execution_history) pages, from the same places and with
    /// the same errors. Each page of `execution_history` reads the whole history again (a
    /// durable store's by replaying its journal), so a reader that wants every event (not
    /// one page, as AWS's `GetExecutionHistory` answers) calls this once instead.
    pub async fn full_execution_history(
        &self,
        arn: &str,
    ) -> Result<Arc<[HistoryEvent]>, RegistryError> {
        let shared = &self.shared;
        if let Some(live) = shared.registry.live(arn) {
            let (reply, answer) = oneshot::channel();
            if live.inbox.send(Msg::History(reply)).is_ok()
                && let Ok(history) = answer.await
            {
                return Ok(history.into());
            }
            // It has ended meanwhile: its handle has its history.
            if let Some(finished) = live.done.wait().await {
                return Ok(finished.history.clone().into());
            }
        }
        let record = self.describe_execution(arn).await?;
        let unavailable = |reason: String| RegistryError::HistoryUnavailable {
            arn: arn.to_string(),
            reason,
        };
        if shared.durable {
            let rebuilt =
                recovery::rebuild_record(shared, &record, RegistryError::Store, unavailable)
                    .await?;
            return Ok(rebuilt.replayed.execution.into_history().into());
        }
        if let Some(replay) = shared
            .memory
            .as_ref()
            .and_then(|memory| memory.replay_at_once(arn))
        {
            let (execution, _) = start_at_once(shared, &record, &replay).map_err(unavailable)?;
            return Ok(execution.into_history().into());
        }
        let kept = shared.registry.with_kept_history(arn, |kept| match kept {
            Kept::History(finished) => Ok(finished.history.clone()),
            Kept::AtOnce(replay) => start_at_once(shared, &record, replay)
                .map(|(execution, _)| execution.into_history()),
            Kept::Halted(execution) => Ok(execution.history().to_vec()),
        });
        match kept {
            Some(history) => Ok(history.map_err(unavailable)?.into()),
            None => Err(unavailable(
                "the store keeps no journal, and its history is no longer kept in memory (a store without a journal keeps the histories of its last finished executions only; a durable store keeps them all)"
                    .to_string(),
            )),
        }
    }
}

pub(crate) fn does_not_exist(arn: &str) -> RegistryError {
    RegistryError::ExecutionDoesNotExist {
        arn: arn.to_string(),
    }
}

/// Stops an execution driven here, once its stop is recorded.
async fn stop_live(live: &Live, failure: Failure) -> Result<(), RegistryError> {
    let (ack, recorded) = oneshot::channel();
    if live.inbox.send(Msg::Stop(failure, Some(ack))).is_err() {
        return Ok(());
    }
    // Dropped unanswered: it ended before the stop was handled.
    Ok(recorded.await.unwrap_or(Ok(()))?)
}

/// Stops an execution of a durable store that no runtime drives: its journal replayed to the
/// stop, which is journaled with how it ended. Nothing of it runs. Its name is claimed while
/// it is, so that no resume drives it meanwhile.
async fn stop_in_store(
    shared: &Arc<Shared>,
    record: ExecutionRecord,
    failure: Failure,
) -> Result<(), RegistryError> {
    let arn: Arc<str> = Arc::from(record.arn.as_str());
    // Nothing drives it: its driver's ends are kept only while it is stopped.
    let (live, _ends) = Live::new(&shared.clock, Some(record.input.clone()));
    let _claim = match shared.registry.claim(arn.clone(), live) {
        Ok(claim) => claim,
        Err(driven) => return stop_live(&driven, failure).await,
    };
    let now = shared.clock.now_millis();
    let (entries, progress) = match recovery::rebuild(
        shared,
        &record.arn,
        &record.state_machine,
        record.revision,
    )
    .await
    {
        Ok(Rebuilt {
            mut replayed,
            mut entropy,
        }) => {
            let execution = &mut replayed.execution;
            let event = Event::Stop { failure };
            execution.handle(event.clone(), now, &mut *entropy);
            let check = replayed.digest.advance(execution.history());
            let entry = Entry {
                event,
                at: now,
                check,
            };
            let (progress, _) = driver::ended(execution.status(), execution.history());
            (vec![entry], progress)
        }
        Err(Unloadable::Store(e)) => return Err(e.into()),
        // It cannot be rebuilt (its replay diverges): it is stopped as it stands.
        Err(Unloadable::Refused(_)) => (
            Vec::new(),
            crate::store::Progress::Finished {
                status: Status::Aborted,
                stop_date: now,
                output: None,
                error: failure.error,
                cause: failure.cause,
            },
        ),
    };
    shared.store.append(&arn, &entries, &progress).await?;
    shared.after_end_in_store(&record.state_machine).await;
    Ok(())
}

/// An execution that ended as it started, started again from its record's input and start
/// date with what was kept of it (the same seed: the same random numbers), with the random
/// numbers it goes on with.
pub(crate) fn start_at_once(
    shared: &Shared,
    record: &ExecutionRecord,
    kept: &ReplayAtOnce,
) -> Result<(Execution, Box<dyn Entropy + Send>), String> {
    let config = ExecutionConfig {
        state_machine_name: record.state_machine.clone(),
        execution_name: kept.named.then(|| record.name.clone()),
        region: shared.region.clone(),
        account: shared.account.clone(),
        role_arn: None,
        history_limit: kept.history_limit,
    };
    let mut entropy = shared.entropy(kept.seed);
    let (execution, _) = Execution::start(
        kept.plan.clone(),
        &config,
        (*record.input).clone(),
        record.start_date,
        &mut *entropy,
    )
    .map_err(|e| e.to_string())?;
    Ok((execution, entropy))
}
