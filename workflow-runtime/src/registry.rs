//! What a runtime keeps in memory of its executions and state machines, beside its store: the
//! executions it drives (to answer, stop and read them by ARN), the histories of finished
//! ones when the store keeps no journal to rebuild them from, and the revisions it compiled.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::sync::OnceCell;
use workflow_core::execution::{Execution, Millis};
use workflow_core::plan::Plan;

use crate::clock::Clock;
use crate::deletion::Deletions;
use crate::fast_hash::FastMap;
use crate::handle::{Done, DoneSender, ExecutionHandle, Finished};
use crate::inbox::{Inbox, Receiver};
use crate::workflow::Workflow;

/// An execution a runtime drives (in memory or parked).
#[derive(Clone)]
pub(crate) struct Live {
    /// Its inbox, which also keeps its input while it is in memory: a start with its name and
    /// that input returns it (AWS's idempotent start).
    pub inbox: Inbox,
    pub done: Done,
}

/// What the driver of an execution about to run takes: the receiving end of its inbox, and
/// the sender of its outcome.
pub(crate) type DriverEnds = (Receiver, DoneSender);

impl Live {
    /// An execution about to be driven, started with `input` (`None`: it is in its record),
    /// and the ends its driver takes.
    pub(crate) fn new(clock: &Arc<dyn Clock>, input: Option<Arc<Value>>) -> (Live, DriverEnds) {
        let (inbox, rx) = Inbox::new(clock.clone(), input);
        let (done_tx, done) = Done::channel();
        (Live { inbox, done }, (rx, done_tx))
    }

    pub(crate) fn handle(&self, arn: Arc<str>) -> ExecutionHandle {
        ExecutionHandle {
            arn,
            tx: Some(self.inbox.clone()),
            done: self.done.clone(),
        }
    }
}

/// How a finished execution's history is kept in memory, for a store that keeps no journal
/// to rebuild it from.
#[derive(Debug)]
pub(crate) enum Kept {
    /// An execution that ended as it started (it never waited): what replays it, far
    /// smaller than its history, which is rebuilt from it with the input its record keeps.
    AtOnce(ReplayAtOnce),
    /// Any other that succeeded: its history.
    History(Arc<Finished>),
    /// Any other that ended without succeeding: the execution itself, history and all, which
    /// a redrive goes on with.
    Halted(Box<Execution>),
}

impl Kept {
    /// Whether an execution that ended without succeeding, with a history of `events` events,
    /// is kept as [`Kept::Halted`]: a longer history than all those kept may hold together
    /// is not.
    pub(crate) fn keeps_halted(events: usize) -> bool {
        events <= KEEP_HISTORY_EVENTS
    }

    fn events(&self) -> usize {
        match self {
            Kept::AtOnce(_) => 1,
            Kept::History(finished) => finished.history.len(),
            Kept::Halted(execution) => execution.history().len(),
        }
    }

    /// The events of a succeeded execution's history, kept only to be read.
    fn succeeded_events(&self) -> usize {
        match self {
            Kept::History(finished) => finished.history.len(),
            Kept::AtOnce(_) | Kept::Halted(_) => 0,
        }
    }
}

/// What replays an execution that ended as it started, besides its record's input and start
/// date.
#[derive(Clone, Debug)]
pub(crate) struct ReplayAtOnce {
    pub plan: Arc<Plan>,
    pub seed: u64,
    /// Whether its name was given (else it was made from the seed).
    pub named: bool,
    pub history_limit: Option<usize>,
}

/// How many finished executions' histories a runtime on a store without a journal keeps, at
/// most: as many as the default [`MemoryStore`](crate::store::MemoryStore) keeps records.
const KEEP_HISTORIES: usize = crate::store::MemoryStore::KEEP_FINISHED;
/// ... and how many events the histories kept as they are may hold together; a longer one is
/// not kept. (Keeping more would cost the executions that run: every one that ends would
/// push out a history whose memory has gone cold. A durable store rebuilds any history from
/// its journal.)
const KEEP_HISTORY_EVENTS: usize = 2_000;
/// ... of which the histories of succeeded executions, kept only to be read, at most: the
/// last few short ones. (Every execution that runs in memory ends so; keeping 2,000 events of
/// them made the 50-state workflow of the workloads bench, DSL50, about 5% slower. Those that
/// ended otherwise are kept within the larger bound, for a redrive.)
const KEEP_SUCCEEDED_EVENTS: usize = 500;

/// The histories of finished executions, for a store that keeps no journal to rebuild them
/// from: kept until purged, within the bounds, the first to end going first. In the order
/// they ended, without an index: they are kept for every execution that ends and looked up
/// only when a history is asked for, which a walk through them serves.
#[derive(Default)]
struct KeptHistories {
    /// Each with its execution's ARN and stop date.
    order: VecDeque<(Arc<str>, Millis, Kept)>,
    /// The events they hold, and of those the succeeded executions'.
    events: usize,
    succeeded: usize,
}

impl KeptHistories {
    fn keep(&mut self, arn: Arc<str>, stop_date: Millis, kept: Kept) {
        let (events, succeeded) = (kept.events(), kept.succeeded_events());
        if !Kept::keeps_halted(events) || succeeded > KEEP_SUCCEEDED_EVENTS {
            return;
        }
        self.events += events;
        self.succeeded += succeeded;
        self.order.push_back((arn, stop_date, kept));
        while self.order.len() > KEEP_HISTORIES || self.events > KEEP_HISTORY_EVENTS {
            self.forget_first();
        }
        // Succeeded histories past their own bound go, the first to end first; the
        // executions kept for a redrive stay.
        while self.succeeded > KEEP_SUCCEEDED_EVENTS {
            let first = self
                .order
                .iter()
                .position(|(_, _, k)| k.succeeded_events() > 0);
            match first.and_then(|at| self.order.remove(at)) {
                Some((_, _, gone)) => self.forgotten(&gone),
                None => break,
            }
        }
    }

    fn forget_first(&mut self) {
        if let Some((_, _, gone)) = self.order.pop_front() {
            self.forgotten(&gone);
        }
    }

    /// Counts `gone` out.
    fn forgotten(&mut self, gone: &Kept) {
        self.events -= gone.events();
        self.succeeded -= gone.succeeded_events();
    }

    /// Forgets the histories of executions that ended before `before`.
    fn purge(&mut self, before: Millis) {
        while self
            .order
            .front()
            .is_some_and(|(_, stop, _)| *stop < before)
        {
            self.forget_first();
        }
    }
}

/// A stored revision, compiled once it is needed: the workflow, or why it cannot run.
pub(crate) type CompiledRevision = OnceCell<Result<Workflow, String>>;

/// The revision a workflow loaded without registering was saved as.
struct SavedRevision {
    /// Its plan, never read: kept so that its address, the key, is not reused.
    _plan: Arc<Plan>,
    /// The state machine it was saved to.
    state_machine: String,
    revision: u64,
}

/// What a runtime keeps in memory beside its store.
#[derive(Default)]
pub(crate) struct Registry {
    live: Mutex<FastMap<Arc<str>, Live>>,
    histories: Mutex<KeptHistories>,
    /// The revision each workflow loaded without registering was saved as, by its plan.
    revisions: Mutex<FastMap<usize, SavedRevision>>,
    /// Stored revisions compiled once (however many executions of one load at once), by
    /// state machine and revision: the workflow, or why the revision cannot run.
    compiled: Mutex<HashMap<(String, u64), Arc<CompiledRevision>>>,
    /// The state machines deleted here.
    pub deletions: Deletions,
}

/// Locks a registry map: a panic while it was held cannot leave it half-changed (every change
/// is one insert or one removal).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// A claim on an execution name, made before the execution is recorded: released unless
/// [`kept`](Claim::kept), so that a start abandoned halfway leaves no execution behind.
pub(crate) struct Claim<'a> {
    registry: &'a Registry,
    arn: Option<Arc<str>>,
}

impl Claim<'_> {
    /// The execution is recorded: its driver takes over.
    pub(crate) fn kept(mut self) {
        self.arn = None;
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        if let Some(arn) = self.arn.take() {
            self.registry.remove_live(&arn);
        }
    }
}

impl Registry {
    /// The execution with this ARN, if this runtime drives it.
    pub(crate) fn live(&self, arn: &str) -> Option<Live> {
        lock(&self.live).get(arn).cloned()
    }

    /// Registers an execution about to be recorded, or returns the one that has its ARN.
    pub(crate) fn claim(&self, arn: Arc<str>, live: Live) -> Result<Claim<'_>, Live> {
        let mut map = lock(&self.live);
        if let Some(existing) = map.get(&arn) {
            return Err(existing.clone());
        }
        map.insert(arn.clone(), live);
        Ok(Claim {
            registry: self,
            arn: Some(arn),
        })
    }

    /// The execution ended (or is no longer driven here).
    pub(crate) fn remove_live(&self, arn: &str) {
        lock(&self.live).remove(arn);
    }

    /// Keeps a finished execution's history (for a store without a journal).
    pub(crate) fn keep_history(&self, arn: Arc<str>, stop_date: Millis, kept: Kept) {
        lock(&self.histories).keep(arn, stop_date, kept);
    }

    /// Calls `read` with how the history of the last end of the execution `arn` is kept.
    pub(crate) fn with_kept_history<T>(
        &self,
        arn: &str,
        read: impl FnOnce(&Kept) -> T,
    ) -> Option<T> {
        let histories = lock(&self.histories);
        let kept = histories
            .order
            .iter()
            .rev()
            .find(|(a, _, _)| **a == *arn)
            .map(|(_, _, kept)| kept);
        kept.map(read)
    }

    /// Takes out how the execution `arn` is kept (its last end, with its stop date), forgetting
    /// it: a redrive goes on with it (and gives it back if refused).
    pub(crate) fn take_kept(&self, arn: &str) -> Option<(Millis, Kept)> {
        let mut histories = lock(&self.histories);
        let mut taken = None;
        // A few entries (see KEEP_HISTORIES): rebuilt without the execution's.
        for (a, stop, kept) in std::mem::take(&mut histories.order) {
            if *a == *arn {
                histories.forgotten(&kept);
                // Only the last end counts (an earlier one was redriven since).
                taken = Some((stop, kept));
            } else {
                histories.order.push_back((a, stop, kept));
            }
        }
        taken
    }

    /// Forgets the histories of executions that ended before `before`.
    pub(crate) fn purge_histories(&self, before: Millis) {
        lock(&self.histories).purge(before);
    }

    /// The revision a workflow loaded without registering was saved as.
    pub(crate) fn revision_of(&self, plan: &Arc<Plan>) -> Option<u64> {
        lock(&self.revisions)
            .get(&(Arc::as_ptr(plan) as usize))
            .map(|saved| saved.revision)
    }

    /// Remembers the revision of the state machine `name` a workflow loaded without
    /// registering was saved as.
    pub(crate) fn set_revision_of(&self, plan: &Arc<Plan>, name: &str, revision: u64) {
        let saved = SavedRevision {
            _plan: plan.clone(),
            state_machine: name.to_string(),
            revision,
        };
        lock(&self.revisions).insert(Arc::as_ptr(plan) as usize, saved);
    }

    /// The cell that holds the revision `revision` of the state machine `name`, compiled
    /// (or why it cannot run), once one of its users has filled it.
    pub(crate) fn compiled(&self, name: &str, revision: u64) -> Arc<CompiledRevision> {
        lock(&self.compiled)
            .entry((name.to_string(), revision))
            .or_default()
            .clone()
    }

    /// The state machine `name` is deleted: the revisions it had are forgotten (a state
    /// machine of that name made later numbers its revisions from 1 again), and the
    /// workflows registered before are of no state machine.
    pub(crate) fn set_deleted(&self, name: &str) {
        lock(&self.compiled).retain(|(of, _), _| of != name);
        lock(&self.revisions).retain(|_, saved| saved.state_machine != name);
        self.deletions.set_deleted(name);
    }

    /// Remembers a revision compiled when it was registered or saved.
    pub(crate) fn set_compiled(&self, revision: u64, workflow: Workflow) {
        let cell = Arc::new(OnceCell::new_with(Some(Ok(workflow.clone()))));
        lock(&self.compiled).insert((workflow.name().to_string(), revision), cell);
    }
}
