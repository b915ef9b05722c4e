//! Where a runtime keeps its state machines and executions: one trait, [`Store`], so that the
//! step logic and the driver never depend on how (in memory, SQLite, later Postgres for many
//! workers).
//!
//! A durable store keeps each STANDARD execution's [journal](workflow_core::journal): its
//! start record and every event its step logic consumed. The driver writes an event before it
//! carries out any command that follows from it (write-ahead), so after a crash a replay
//! rebuilds the execution exactly, and its history with it: a store keeps no history of its
//! own. A store that is not durable (the [`MemoryStore`], the default) keeps no journal: its
//! executions live and end with the process, as fast as they run without a store.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;
use workflow_core::execution::{Millis, TaskId};
use workflow_core::journal::{Entry, Start};
use workflow_core::plan::MachineType;

mod memory;
pub mod page_token;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use memory::MemoryStore;

/// What a store's operations return: resolved once the operation is done (for a write to a
/// durable store: once it is on disk).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Why a store operation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// An execution with this ARN (its state machine and name) exists already.
    #[error("Execution Already Exists: '{arn}'")]
    ExecutionAlreadyExists {
        /// The execution's ARN.
        arn: String,
    },
    /// No execution has this ARN.
    #[error("Execution Does Not Exist: '{arn}'")]
    ExecutionDoesNotExist {
        /// The ARN asked for.
        arn: String,
    },
    /// No state machine has this name (or no such revision).
    #[error("State Machine Does Not Exist: '{name}'")]
    StateMachineDoesNotExist {
        /// The name asked for.
        name: String,
    },
    /// The state machine is being deleted (see [`Store::delete_state_machine`]): it takes no
    /// new revision (AWS's `StateMachineDeleting`).
    #[error("State Machine Deleting: '{name}' is being deleted, once none of its executions runs")]
    StateMachineDeleting {
        /// Its name.
        name: String,
    },
    /// The file is not a store of this engine.
    #[error("{path} is not a workflow store: {reason}")]
    NotAStore {
        /// The file.
        path: String,
        /// What was found instead.
        reason: String,
    },
    /// The store was written by a newer version of this engine.
    #[error(
        "{path} was written by a newer version of workflow (store format {found}; this version reads up to {supported}): upgrade workflow to open it"
    )]
    NewerVersion {
        /// The file.
        path: String,
        /// Its format version.
        found: u32,
        /// The newest format this version reads.
        supported: u32,
    },
    /// Another process holds the store.
    #[error(
        "{path} is in use by another process (only one process at a time may run executions from a store)"
    )]
    Locked {
        /// The file.
        path: String,
    },
    /// Reading or writing failed (a failing disk, a full disk): nothing of the failed
    /// operation was kept, and nothing acknowledged before it was lost.
    #[error("the store failed: {0}")]
    Io(String),
    /// The store was closed.
    #[error("the store is closed")]
    Closed,
    /// A page token that no listing of this kind gave with these arguments (AWS's
    /// `InvalidToken`); see [`page_token`].
    #[error("Invalid Token: {token:?} is not a token this listing gave with these arguments")]
    InvalidToken {
        /// The token given.
        token: String,
    },
}

/// One revision of a state machine's definition. Revisions are numbered from 1; an execution
/// runs the revision it started with, whatever the state machine holds later.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct StateMachineRecord {
    /// The state machine's name.
    pub name: String,
    /// The revision number.
    pub revision: u64,
    /// The ASL JSON of this revision, as given.
    pub definition: String,
    /// STANDARD or EXPRESS.
    pub machine_type: MachineType,
    /// When the state machine was created (its first revision), in ms since the epoch.
    pub created: Millis,
    /// When this revision was saved.
    pub updated: Millis,
    /// ACTIVE, or DELETING once it is deleted while executions of it run.
    pub status: StateMachineStatus,
}

/// Where a state machine stands, as AWS's DescribeStateMachine says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StateMachineStatus {
    /// It can run.
    #[default]
    Active,
    /// It was deleted while executions of it ran: it is deleted, revisions and all, once none
    /// does; meanwhile each of them fails at its next state transition and no execution of
    /// it starts.
    Deleting,
}

impl StateMachineStatus {
    /// AWS's name: `ACTIVE` or `DELETING`.
    pub fn as_str(self) -> &'static str {
        match self {
            StateMachineStatus::Active => "ACTIVE",
            StateMachineStatus::Deleting => "DELETING",
        }
    }
}

/// What [`Store::delete_state_machine`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Deletion {
    /// There was no state machine of that name.
    NotFound,
    /// Executions of it are unfinished: it is DELETING until none is.
    Deleting,
    /// It is deleted, with its revisions.
    Deleted,
}

impl StateMachineRecord {
    /// An ACTIVE revision's record (for a store that reads it back).
    pub fn new(
        name: impl Into<String>,
        revision: u64,
        definition: impl Into<String>,
        machine_type: MachineType,
        created: Millis,
        updated: Millis,
    ) -> StateMachineRecord {
        StateMachineRecord {
            name: name.into(),
            revision,
            definition: definition.into(),
            machine_type,
            created,
            updated,
            status: StateMachineStatus::Active,
        }
    }
}

/// Where an execution stands, as AWS lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// Running (or waiting).
    Running,
    /// Succeeded.
    Succeeded,
    /// Failed.
    Failed,
    /// Timed out.
    TimedOut,
    /// Stopped.
    Aborted,
    /// A redrive was asked for and has not started yet.
    PendingRedrive,
}

impl Status {
    /// AWS's name: `RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED`,
    /// `PENDING_REDRIVE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "RUNNING",
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
            Status::TimedOut => "TIMED_OUT",
            Status::Aborted => "ABORTED",
            Status::PendingRedrive => "PENDING_REDRIVE",
        }
    }

    /// The status named `name` (AWS's spelling).
    pub fn parse(name: &str) -> Option<Status> {
        Some(match name {
            "RUNNING" => Status::Running,
            "SUCCEEDED" => Status::Succeeded,
            "FAILED" => Status::Failed,
            "TIMED_OUT" => Status::TimedOut,
            "ABORTED" => Status::Aborted,
            "PENDING_REDRIVE" => Status::PendingRedrive,
            _ => return None,
        })
    }

    /// True once the execution has ended (it may still be redriven).
    pub fn is_finished(self) -> bool {
        !matches!(self, Status::Running | Status::PendingRedrive)
    }
}

/// What a store knows of an execution: what `DescribeExecution` answers.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ExecutionRecord {
    /// The execution's ARN (unique in the store).
    pub arn: String,
    /// The execution's name (unique per state machine).
    pub name: String,
    /// The state machine's name.
    pub state_machine: String,
    /// The revision of the definition it started with (a redrive with a patched definition
    /// goes on with a later one, which its journal names).
    pub revision: u64,
    /// STANDARD or EXPRESS.
    pub machine_type: MachineType,
    /// Where it stands.
    pub status: Status,
    /// When it started, in ms since the epoch.
    pub start_date: Millis,
    /// When it ended.
    pub stop_date: Option<Millis>,
    /// Its input.
    pub input: Arc<Value>,
    /// Its output, when it succeeded.
    pub output: Option<Arc<Value>>,
    /// Its error, when it failed, timed out or was stopped.
    pub error: Option<String>,
    /// Its cause.
    pub cause: Option<String>,
    /// How many times it was redriven.
    pub redrive_count: u32,
    /// When it was last redriven.
    pub redrive_date: Option<Millis>,
}

impl ExecutionRecord {
    /// A `RUNNING` execution that has not ended nor been redriven; set the other fields as
    /// needed.
    pub fn new(
        arn: impl Into<String>,
        name: impl Into<String>,
        state_machine: impl Into<String>,
        revision: u64,
        machine_type: MachineType,
        start_date: Millis,
        input: impl Into<Arc<Value>>,
    ) -> ExecutionRecord {
        ExecutionRecord {
            arn: arn.into(),
            name: name.into(),
            state_machine: state_machine.into(),
            revision,
            machine_type,
            status: Status::Running,
            start_date,
            stop_date: None,
            input: input.into(),
            output: None,
            error: None,
            cause: None,
            redrive_count: 0,
            redrive_date: None,
        }
    }
}

/// What an unfinished execution waits for, kept with it so that a runtime can leave a waiting
/// execution out of memory, and find it again when a timer is due or a token is answered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Waiting {
    /// The earliest timer armed (a Wait, a Retry interval, a timeout), in ms since the epoch.
    pub next_timer: Option<Millis>,
    /// The task tokens of the callback tasks waiting for an answer, with their task.
    pub tokens: Vec<(String, TaskId)>,
    /// True while a task handler runs (it is invoked again after a crash).
    pub tasks_in_flight: bool,
}

/// A change to an execution's record that comes with journal entries.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Progress {
    /// Still running; it now waits for this.
    Running(Waiting),
    /// It was redriven (its redrive count goes up by one, its status back to `RUNNING`, its
    /// stop date, output, error and cause are cleared); it now waits for this.
    Redriven {
        /// When.
        redrive_date: Millis,
        /// What it waits for.
        waiting: Waiting,
    },
    /// It ended: the record's status, stop date, output, error and cause.
    Finished {
        /// How it ended (not `Running`).
        status: Status,
        /// When.
        stop_date: Millis,
        /// The output, when it succeeded.
        output: Option<Arc<Value>>,
        /// The error, otherwise.
        error: Option<String>,
        /// The cause.
        cause: Option<String>,
    },
}

/// Which executions to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExecutionFilter {
    /// Only this state machine's.
    pub state_machine: Option<String>,
    /// Only those with this status.
    pub status: Option<Status>,
}

impl ExecutionFilter {
    /// Every execution.
    pub fn all() -> ExecutionFilter {
        ExecutionFilter::default()
    }

    /// Only this state machine's.
    pub fn state_machine(mut self, name: impl Into<String>) -> ExecutionFilter {
        self.state_machine = Some(name.into());
        self
    }

    /// Only those with this status.
    pub fn status(mut self, status: Status) -> ExecutionFilter {
        self.status = Some(status);
        self
    }
}

/// One page of a listing: `max` items after the position `token` names (the start when
/// `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageRequest {
    /// At most this many items (at least 1; AWS's default page is 100, its most 1,000).
    pub max: usize,
    /// Where the last page ended ([`Page::next`]).
    pub token: Option<String>,
}

impl PageRequest {
    /// The first page of at most `max` items.
    pub fn first(max: usize) -> PageRequest {
        PageRequest {
            max: max.max(1),
            token: None,
        }
    }

    /// The page after the one that returned `token`.
    pub fn after(max: usize, token: impl Into<String>) -> PageRequest {
        PageRequest {
            max: max.max(1),
            token: Some(token.into()),
        }
    }
}

/// One page of a listing.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items, in the listing's order.
    pub items: Vec<T>,
    /// The token of the next page, when there is one.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// A page of `items`, followed by the page `next` names.
    pub fn new(items: Vec<T>, next: Option<String>) -> Page<T> {
        Page { items, next }
    }
}

/// An unfinished execution, as a runtime finds it when it opens a store.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Unfinished {
    /// Its record.
    pub record: ExecutionRecord,
    /// What it waits for.
    pub waiting: Waiting,
}

impl Unfinished {
    /// An unfinished execution and what it waits for.
    pub fn new(record: ExecutionRecord, waiting: Waiting) -> Unfinished {
        Unfinished { record, waiting }
    }
}

/// Keeps state machines and executions. Implementations must be safe to share between
/// threads; a write resolves once it is kept (on disk, for a durable store), and a failed
/// write keeps nothing of itself.
///
/// Executions are listed newest first (by start date, then ARN), as AWS lists them.
pub trait Store: Send + Sync + 'static {
    /// True when what is written survives the process: only then are executions journaled
    /// and recovered.
    fn is_durable(&self) -> bool;

    /// Saves `definition` as the state machine `name`'s newest revision and returns it: a new
    /// state machine gets revision 1; a definition or type that differs from the newest
    /// revision's gets the next number; the same one returns the newest revision unchanged.
    /// A DELETING state machine takes none: [`StoreError::StateMachineDeleting`].
    fn save_state_machine<'a>(
        &'a self,
        name: &'a str,
        definition: &'a str,
        machine_type: MachineType,
        now: Millis,
    ) -> StoreFuture<'a, StateMachineRecord>;

    /// The state machine `name` at `revision` (its newest when `None`), with its status.
    fn state_machine<'a>(
        &'a self,
        name: &'a str,
        revision: Option<u64>,
    ) -> StoreFuture<'a, Option<StateMachineRecord>>;

    /// The state machines (their newest revisions), by name. A token that is not one of this
    /// listing's is refused with [`StoreError::InvalidToken`].
    fn list_state_machines(&self, page: PageRequest) -> StoreFuture<'_, Page<StateMachineRecord>>;

    /// Deletes the state machine `name`, as AWS's DeleteStateMachine: at once, with its
    /// revisions, when none of its executions is unfinished; otherwise it is marked DELETING
    /// ([`StateMachineStatus::Deleting`]) and stays so (its revisions kept for the executions
    /// that run them) until a later call finds them all ended. Its executions' records stay
    /// until purged.
    fn delete_state_machine<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Deletion>;

    /// The names of the DELETING state machines ([`StateMachineStatus::Deleting`]), sorted:
    /// those a runtime that resumes finishes deleting, found without reading every state
    /// machine's definition.
    fn deleting_state_machines(&self) -> StoreFuture<'_, Vec<String>>;

    /// Records a new execution and, for a durable store, its journal's start record, both or
    /// neither. [`StoreError::ExecutionAlreadyExists`] when its ARN is taken.
    fn create_execution<'a>(
        &'a self,
        record: &'a ExecutionRecord,
        start: Option<&'a Start>,
        waiting: &'a Waiting,
    ) -> StoreFuture<'a, ()>;

    /// [`create_execution`](Store::create_execution) for a caller that has no further use of
    /// what it passes: a store that keeps records in memory takes them as they are instead of
    /// copying them. Calls `create_execution` by default.
    fn create_execution_owned(
        &self,
        record: ExecutionRecord,
        start: Option<Start>,
        waiting: Waiting,
    ) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.create_execution(&record, start.as_ref(), &waiting)
                .await
        })
    }

    /// Appends journal entries to an execution (a store that is not durable ignores them)
    /// and records its progress, all or nothing.
    fn append<'a>(
        &'a self,
        arn: &'a str,
        entries: &'a [Entry],
        progress: &'a Progress,
    ) -> StoreFuture<'a, ()>;

    /// The execution with this ARN.
    fn execution<'a>(&'a self, arn: &'a str) -> StoreFuture<'a, Option<ExecutionRecord>>;

    /// The executions `filter` selects, newest first. A token that is not one of this
    /// listing's with this filter is refused with [`StoreError::InvalidToken`].
    fn list_executions<'a>(
        &'a self,
        filter: &'a ExecutionFilter,
        page: PageRequest,
    ) -> StoreFuture<'a, Page<ExecutionRecord>>;

    /// An execution's journal: its start record and its entries, in order (`None` when the
    /// execution is unknown or the store keeps no journal).
    fn journal<'a>(&'a self, arn: &'a str) -> StoreFuture<'a, Option<(Start, Vec<Entry>)>>;

    /// Every unfinished execution, with what it waits for.
    fn unfinished(&self) -> StoreFuture<'_, Vec<Unfinished>>;

    /// The execution and task waiting for this task token, if any.
    fn token<'a>(&'a self, token: &'a str) -> StoreFuture<'a, Option<(String, TaskId)>>;

    /// Deletes the executions that ended before `before` (their records and journals);
    /// returns how many.
    fn purge_finished(&self, before: Millis) -> StoreFuture<'_, u64>;
}

/// A shared store is a store: a runtime can be given one and the caller keep it (to look into
/// it, or to make a `FaultyStore` (feature `testing`) fail while a runtime uses it).
impl<S: Store + ?Sized> Store for Arc<S> {
    fn is_durable(&self) -> bool {
        (**self).is_durable()
    }

    fn save_state_machine<'a>(
        &'a self,
        name: &'a str,
        definition: &'a str,
        machine_type: MachineType,
        now: Millis,
    ) -> StoreFuture<'a, StateMachineRecord> {
        (**self).save_state_machine(name, definition, machine_type, now)
    }

    fn state_machine<'a>(
        &'a self,
        name: &'a str,
        revision: Option<u64>,
    ) -> StoreFuture<'a, Option<StateMachineRecord>> {
        (**self).state_machine(name, revision)
    }

    fn list_state_machines(&self, page: PageRequest) -> StoreFuture<'_, Page<StateMachineRecord>> {
        (**self).list_state_machines(page)
    }

    fn delete_state_machine<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Deletion> {
        (**self).delete_state_machine(name)
    }

    fn deleting_state_machines(&self) -> StoreFuture<'_, Vec<String>> {
        (**self).deleting_state_machines()
    }

    fn create_execution<'a>(
        &'a self,
        record: &'a ExecutionRecord,
        start: Option<&'a Start>,
        waiting: &'a Waiting,
    ) -> StoreFuture<'a, ()> {
        (**self).create_execution(record, start, waiting)
    }

    fn create_execution_owned(
        &self,
        record: ExecutionRecord,
        start: Option<Start>,
        waiting: Waiting,
    ) -> StoreFuture<'_, ()> {
        (**self).create_execution_owned(record, start, waiting)
    }

    fn append<'a>(
        &'a self,
        arn: &'a str,
        entries: &'a [Entry],
        progress: &'a Progress,
    ) -> StoreFuture<'a, ()> {
        (**self).append(arn, entries, progress)
    }

    fn execution<'a>(&'a self, arn: &'a str) -> StoreFuture<'a, Option<ExecutionRecord>> {
        (**self).execution(arn)
    }

    fn list_executions<'a>(
        &'a self,
        filter: &'a ExecutionFilter,
        page: PageRequest,
    ) -> StoreFuture<'a, Page<ExecutionRecord>> {
        (**self).list_executions(filter, page)
    }

    fn journal<'a>(&'a self, arn: &'a str) -> StoreFuture<'a, Option<(Start, Vec<Entry>)>> {
        (**self).journal(arn)
    }

    fn unfinished(&self) -> StoreFuture<'_, Vec<Unfinished>> {
        (**self).unfinished()
    }

    fn token<'a>(&'a self, token: &'a str) -> StoreFuture<'a, Option<(String, TaskId)>> {
        (**self).token(token)
    }

    fn purge_finished(&self, before: Millis) -> StoreFuture<'_, u64> {
        (**self).purge_finished(before)
    }
}
