//! The default store: records in memory, no journal.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use workflow_core::execution::{Millis, TaskId};
use workflow_core::journal::{Entry, Start};
use workflow_core::plan::MachineType;

use super::{
    ExecutionFilter, ExecutionRecord, Page, PageRequest, Progress, StateMachineRecord, Status,
    Store, StoreError, StoreFuture, Unfinished, Waiting,
};

/// Keeps state machines and execution records in memory, and no journal: executions end
/// with the process. The default store, as fast as running without one.
///
/// ```
/// use workflow_runtime::store::{MemoryStore, Store};
///
/// let store = MemoryStore::new();
/// assert!(!store.is_durable());
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Every revision of every state machine, by name.
    state_machines: BTreeMap<String, Vec<StateMachineRecord>>,
    executions: HashMap<String, (ExecutionRecord, Waiting)>,
    /// The listing order: newest first is the reverse of `(start_date, arn)`.
    by_start: BTreeMap<(Millis, String), ()>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // A panic while the lock was held cannot leave a half-made change: every change is
        // made by one insert or one assignment.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn ready<'a, T: Send + 'a>(value: Result<T, StoreError>) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

/// A page token: the position of the last item of the page before, as text.
fn page_token(start_date: Millis, arn: &str) -> String {
    format!("{start_date}/{arn}")
}

fn parse_page_token(token: &str) -> Option<(Millis, String)> {
    let (date, arn) = token.split_once('/')?;
    Some((date.parse().ok()?, arn.to_string()))
}

impl Store for MemoryStore {
    fn is_durable(&self) -> bool {
        false
    }

    fn save_state_machine<'a>(
        &'a self,
        name: &'a str,
        definition: &'a str,
        machine_type: MachineType,
        now: Millis,
    ) -> StoreFuture<'a, StateMachineRecord> {
        let mut inner = self.inner();
        let revisions = inner.state_machines.entry(name.to_string()).or_default();
        if let Some(newest) = revisions.last()
            && newest.definition == definition
            && newest.machine_type == machine_type
        {
            return ready(Ok(newest.clone()));
        }
        let record = StateMachineRecord {
            name: name.to_string(),
            revision: revisions.len() as u64 + 1,
            definition: definition.to_string(),
            machine_type,
            created: revisions.first().map_or(now, |first| first.created),
            updated: now,
        };
        revisions.push(record.clone());
        ready(Ok(record))
    }

    fn state_machine<'a>(
        &'a self,
        name: &'a str,
        revision: Option<u64>,
    ) -> StoreFuture<'a, Option<StateMachineRecord>> {
        let inner = self.inner();
        let found = inner
            .state_machines
            .get(name)
            .and_then(|revisions| match revision {
                None => revisions.last().cloned(),
                Some(n) => revisions.iter().find(|r| r.revision == n).cloned(),
            });
        ready(Ok(found))
    }

    fn list_state_machines(&self, page: PageRequest) -> StoreFuture<'_, Page<StateMachineRecord>> {
        let inner = self.inner();
        let after = page.token.as_deref();
        let mut items: Vec<StateMachineRecord> = inner
            .state_machines
            .iter()
            .filter(|(name, _)| after.is_none_or(|a| name.as_str() > a))
            .filter_map(|(_, revisions)| revisions.last().cloned())
            .take(page.max + 1)
            .collect();
        let next = (items.len() > page.max).then(|| {
            items.truncate(page.max);
            items.last().map(|r| r.name.clone()).unwrap_or_default()
        });
        ready(Ok(Page { items, next }))
    }

    fn delete_state_machine<'a>(&'a self, name: &'a str) -> StoreFuture<'a, bool> {
        ready(Ok(self.inner().state_machines.remove(name).is_some()))
    }

    fn create_execution<'a>(
        &'a self,
        record: &'a ExecutionRecord,
        _start: Option<&'a Start>,
        waiting: &'a Waiting,
    ) -> StoreFuture<'a, ()> {
        let mut inner = self.inner();
        if inner.executions.contains_key(&record.arn) {
            return ready(Err(StoreError::ExecutionAlreadyExists {
                arn: record.arn.clone(),
            }));
        }
        inner
            .by_start
            .insert((record.start_date, record.arn.clone()), ());
        inner
            .executions
            .insert(record.arn.clone(), (record.clone(), waiting.clone()));
        ready(Ok(()))
    }

    fn append<'a>(
        &'a self,
        arn: &'a str,
        _entries: &'a [Entry],
        progress: &'a Progress,
    ) -> StoreFuture<'a, ()> {
        let mut inner = self.inner();
        let Some((record, waiting)) = inner.executions.get_mut(arn) else {
            return ready(Err(StoreError::ExecutionDoesNotExist {
                arn: arn.to_string(),
            }));
        };
        apply_progress(record, waiting, progress);
        ready(Ok(()))
    }

    fn execution<'a>(&'a self, arn: &'a str) -> StoreFuture<'a, Option<ExecutionRecord>> {
        ready(Ok(self.inner().executions.get(arn).map(|(r, _)| r.clone())))
    }

    fn list_executions<'a>(
        &'a self,
        filter: &'a ExecutionFilter,
        page: PageRequest,
    ) -> StoreFuture<'a, Page<ExecutionRecord>> {
        let inner = self.inner();
        let after = page.token.as_deref().and_then(parse_page_token);
        let mut items = Vec::new();
        let mut next = None;
        for ((date, arn), ()) in inner.by_start.iter().rev() {
            if let Some(after) = &after
                && (*date, arn) >= (after.0, &after.1)
            {
                continue;
            }
            let Some((record, _)) = inner.executions.get(arn) else {
                continue;
            };
            if filter
                .state_machine
                .as_ref()
                .is_some_and(|sm| *sm != record.state_machine)
                || filter.status.is_some_and(|s| s != record.status)
            {
                continue;
            }
            if items.len() == page.max {
                next = items
                    .last()
                    .map(|r: &ExecutionRecord| page_token(r.start_date, &r.arn));
                break;
            }
            items.push(record.clone());
        }
        ready(Ok(Page { items, next }))
    }

    fn journal<'a>(&'a self, _arn: &'a str) -> StoreFuture<'a, Option<(Start, Vec<Entry>)>> {
        ready(Ok(None))
    }

    fn unfinished(&self) -> StoreFuture<'_, Vec<Unfinished>> {
        let inner = self.inner();
        let list = inner
            .executions
            .values()
            .filter(|(r, _)| !r.status.is_finished())
            .map(|(record, waiting)| Unfinished {
                record: record.clone(),
                waiting: waiting.clone(),
            })
            .collect();
        ready(Ok(list))
    }

    fn token<'a>(&'a self, token: &'a str) -> StoreFuture<'a, Option<(String, TaskId)>> {
        let inner = self.inner();
        let found = inner.executions.values().find_map(|(record, waiting)| {
            waiting
                .tokens
                .iter()
                .find(|(t, _)| t == token)
                .map(|(_, task)| (record.arn.clone(), *task))
        });
        ready(Ok(found))
    }

    fn purge_finished(&self, before: Millis) -> StoreFuture<'_, u64> {
        let mut inner = self.inner();
        let gone: Vec<(Millis, String)> = inner
            .executions
            .values()
            .filter(|(r, _)| r.status.is_finished() && r.stop_date.is_some_and(|d| d < before))
            .map(|(r, _)| (r.start_date, r.arn.clone()))
            .collect();
        for key in &gone {
            inner.executions.remove(&key.1);
            inner.by_start.remove(key);
        }
        ready(Ok(gone.len() as u64))
    }
}

/// Applies `progress` to an execution's record: what every store does on `append`.
pub(crate) fn apply_progress(
    record: &mut ExecutionRecord,
    waiting: &mut Waiting,
    progress: &Progress,
) {
    match progress {
        Progress::Running(now_waiting) => *waiting = now_waiting.clone(),
        Progress::Redriven {
            redrive_date,
            waiting: now_waiting,
        } => {
            record.status = Status::Running;
            record.redrive_count += 1;
            record.redrive_date = Some(*redrive_date);
            record.stop_date = None;
            record.output = None;
            record.error = None;
            record.cause = None;
            *waiting = now_waiting.clone();
        }
        Progress::Finished {
            status,
            stop_date,
            output,
            error,
            cause,
        } => {
            record.status = *status;
            record.stop_date = Some(*stop_date);
            record.output = output.clone();
            record.error = error.clone();
            record.cause = cause.clone();
            *waiting = Waiting::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MemoryStore;

    crate::store_contract_tests!(|| Box::new(MemoryStore::new()));
}
