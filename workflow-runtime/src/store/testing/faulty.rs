//! A store wrapper that fails chosen writes, as a failing disk would.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use workflow_core::execution::{Millis, TaskId};
use workflow_core::journal::{Entry, Start};
use workflow_core::plan::MachineType;

use crate::store::{
    Deletion, ExecutionFilter, ExecutionRecord, Page, PageRequest, Progress, StateMachineRecord,
    Store, StoreError, StoreFuture, Unfinished, Waiting,
};

/// Which write a store is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WriteKind {
    /// [`Store::save_state_machine`].
    SaveStateMachine,
    /// [`Store::delete_state_machine`].
    DeleteStateMachine,
    /// [`Store::create_execution`].
    CreateExecution,
    /// [`Store::append`].
    Append,
    /// [`Store::purge_finished`].
    PurgeFinished,
}

/// One write, as a [`FaultyStore`]'s rule sees it.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct WriteAttempt<'a> {
    /// Which write this is, counting from 1 since the store was made (failed ones too).
    pub number: u64,
    /// What it writes.
    pub kind: WriteKind,
    /// The execution it writes to (creates and appends).
    pub arn: Option<&'a str>,
}

type Rule = Box<dyn FnMut(&WriteAttempt<'_>) -> bool + Send>;

/// Wraps a store and fails the writes a rule picks with [`StoreError::Io`], before they reach
/// the store: a failed write keeps nothing, as the [`Store`] contract asks of a failing disk.
/// Reads always go through.
///
/// ```
/// use workflow_runtime::store::testing::{FaultyStore, WriteKind};
/// use workflow_runtime::store::{MemoryStore, Store, StoreError};
/// use workflow_runtime::MachineType;
///
/// let store = FaultyStore::new(MemoryStore::new());
/// store.fail_when(|w| w.kind == WriteKind::SaveStateMachine);
/// let saved = tokio::runtime::Builder::new_current_thread()
///     .build()
///     .unwrap()
///     .block_on(store.save_state_machine("m", "{}", MachineType::Standard, 0));
/// assert!(matches!(saved, Err(StoreError::Io(_))));
/// assert_eq!(store.failures(), 1);
/// ```
pub struct FaultyStore<S> {
    inner: S,
    rule: Mutex<Option<Rule>>,
    writes: AtomicU64,
    failures: AtomicU64,
}

impl<S: Store> FaultyStore<S> {
    /// `inner`, with no write failing yet.
    pub fn new(inner: S) -> FaultyStore<S> {
        FaultyStore {
            inner,
            rule: Mutex::new(None),
            writes: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        }
    }

    /// From now on, fails every write for which `rule` returns true.
    pub fn fail_when(&self, rule: impl FnMut(&WriteAttempt<'_>) -> bool + Send + 'static) {
        *self.rule.lock().unwrap_or_else(|p| p.into_inner()) = Some(Box::new(rule));
    }

    /// Fails the write numbered `number` (see [`WriteAttempt::number`]) and no other.
    pub fn fail_write(&self, number: u64) {
        self.fail_when(move |w| w.number == number);
    }

    /// Fails every write from the one numbered `number` on: a disk that died.
    pub fn fail_from(&self, number: u64) {
        self.fail_when(move |w| w.number >= number);
    }

    /// Lets every write through again.
    pub fn heal(&self) {
        *self.rule.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// How many writes were asked for so far (failed ones too).
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    /// How many writes failed so far.
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::SeqCst)
    }

    /// The wrapped store.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Counts a write and tells whether it fails; the error to return when it does.
    fn check(&self, kind: WriteKind, arn: Option<&str>) -> Result<(), StoreError> {
        let number = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
        let attempt = WriteAttempt { number, kind, arn };
        let fails = self
            .rule
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
            .is_some_and(|rule| rule(&attempt));
        if !fails {
            return Ok(());
        }
        self.failures.fetch_add(1, Ordering::SeqCst);
        Err(StoreError::Io(format!(
            "injected fault: write {number} ({kind:?}{})",
            arn.map(|a| format!(" of {a}")).unwrap_or_default()
        )))
    }
}

fn failed<'a, T: Send + 'a>(error: StoreError) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(Err(error)))
}

impl<S: Store> Store for FaultyStore<S> {
    fn is_durable(&self) -> bool {
        self.inner.is_durable()
    }

    fn save_state_machine<'a>(
        &'a self,
        name: &'a str,
        definition: &'a str,
        machine_type: MachineType,
        now: Millis,
    ) -> StoreFuture<'a, StateMachineRecord> {
        match self.check(WriteKind::SaveStateMachine, None) {
            Ok(()) => self
                .inner
                .save_state_machine(name, definition, machine_type, now),
            Err(e) => failed(e),
        }
    }

    fn state_machine<'a>(
        &'a self,
        name: &'a str,
        revision: Option<u64>,
    ) -> StoreFuture<'a, Option<StateMachineRecord>> {
        self.inner.state_machine(name, revision)
    }

    fn list_state_machines(&self, page: PageRequest) -> StoreFuture<'_, Page<StateMachineRecord>> {
        self.inner.list_state_machines(page)
    }

    fn delete_state_machine<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Deletion> {
        match self.check(WriteKind::DeleteStateMachine, None) {
            Ok(()) => self.inner.delete_state_machine(name),
            Err(e) => failed(e),
        }
    }

    fn deleting_state_machines(&self) -> StoreFuture<'_, Vec<String>> {
        self.inner.deleting_state_machines()
    }

    fn create_execution<'a>(
        &'a self,
        record: &'a ExecutionRecord,
        start: Option<&'a Start>,
        waiting: &'a Waiting,
    ) -> StoreFuture<'a, ()> {
        match self.check(WriteKind::CreateExecution, Some(&record.arn)) {
            Ok(()) => self.inner.create_execution(record, start, waiting),
            Err(e) => failed(e),
        }
    }

    fn append<'a>(
        &'a self,
        arn: &'a str,
        entries: &'a [Entry],
        progress: &'a Progress,
    ) -> StoreFuture<'a, ()> {
        match self.check(WriteKind::Append, Some(arn)) {
            Ok(()) => self.inner.append(arn, entries, progress),
            Err(e) => failed(e),
        }
    }

    fn execution<'a>(&'a self, arn: &'a str) -> StoreFuture<'a, Option<ExecutionRecord>> {
        self.inner.execution(arn)
    }

    fn list_executions<'a>(
        &'a self,
        filter: &'a ExecutionFilter,
        page: PageRequest,
    ) -> StoreFuture<'a, Page<ExecutionRecord>> {
        self.inner.list_executions(filter, page)
    }

    fn journal<'a>(&'a self, arn: &'a str) -> StoreFuture<'a, Option<(Start, Vec<Entry>)>> {
        self.inner.journal(arn)
    }

    fn unfinished(&self) -> StoreFuture<'_, Vec<Unfinished>> {
        self.inner.unfinished()
    }

    fn token<'a>(&'a self, token: &'a str) -> StoreFuture<'a, Option<(String, TaskId)>> {
        self.inner.token(token)
    }

    fn purge_finished(&self, before: Millis) -> StoreFuture<'_, u64> {
        match self.check(WriteKind::PurgeFinished, None) {
            Ok(()) => self.inner.purge_finished(before),
            Err(e) => failed(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;
    use crate::store::testing::contract::block_on;
    use crate::store::testing::samples::{self, start_of};

    #[test]
    fn chosen_writes_fail_as_io_and_reach_nothing() {
        block_on(async {
            let store = FaultyStore::new(MemoryStore::new());
            let first = samples::execution("orders", "first", 1);
            let second = samples::execution("orders", "second", 2);
            let waiting = Waiting::default();
            store.fail_write(2);
            store
                .create_execution(&first, Some(&start_of(&first)), &waiting)
                .await
                .unwrap();
            let failed = store
                .create_execution(&second, Some(&start_of(&second)), &waiting)
                .await;
            assert!(
                matches!(&failed, Err(StoreError::Io(m)) if m.contains("write 2") && m.contains(&second.arn)),
                "{failed:?}"
            );
            assert_eq!(store.inner().execution(&second.arn).await.unwrap(), None);
            assert_eq!(
                store.execution(&first.arn).await.unwrap(),
                Some(first.clone()),
                "reads go through"
            );

            // A dead disk: every write from the fourth on, whatever it is.
            store.fail_from(4);
            let running = Progress::Running(Waiting::default());
            store.append(&first.arn, &[], &running).await.unwrap();
            assert!(store.append(&first.arn, &[], &running).await.is_err());
            assert!(store.purge_finished(Millis::MAX).await.is_err());
            assert!(
                store
                    .save_state_machine("m", "{}", MachineType::Standard, 0)
                    .await
                    .is_err()
            );
            assert_eq!(store.inner().state_machine("m", None).await.unwrap(), None);
            assert_eq!((store.writes(), store.failures()), (6, 4));

            store.heal();
            store
                .create_execution(&second, Some(&start_of(&second)), &waiting)
                .await
                .unwrap();
            assert_eq!(store.failures(), 4);

            // A rule of one's own: appends to one execution only.
            let target = first.arn.clone();
            store.fail_when(move |w| w.kind == WriteKind::Append && w.arn == Some(&target));
            assert!(store.append(&first.arn, &[], &running).await.is_err());
            store.append(&second.arn, &[], &running).await.unwrap();
        });
    }
}
