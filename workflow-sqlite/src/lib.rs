//! A durable [`Store`] for the workflow engine: one SQLite file, so that executions survive a
//! crash or a restart.
//!
//! - **Durable when acknowledged.** The file is in WAL mode with `synchronous=FULL`: a write
//!   resolves once its transaction is fsync'd, and a write that failed kept nothing.
//! - **Group commit.** One thread writes. Every write queued while it committed the last
//!   transaction goes into the next one, so one fsync acknowledges many writes: the more
//!   executions run at once, the more each commit carries. A write is queued when it is
//!   asked for (not when its future is first polled), so writes are applied in the order
//!   they were asked for, and a write whose future is dropped is still made.
//! - **Reads beside the writes.** Reads run on reader connections of their own, which WAL
//!   lets read the last commit while the writer writes the next; each read sees one commit.
//! - **One process at a time.** An open store holds a lock on `<file>-lock` until it is
//!   dropped (or its process dies); another open is refused with [`StoreError::Locked`].
//! - **Clear refusals.** A file that is not a store ([`StoreError::NotAStore`]) or is from a
//!   newer version ([`StoreError::NewerVersion`]) is left untouched.
//!
//! ```
//! use workflow_runtime::store::Store;
//! use workflow_sqlite::SqliteStore;
//!
//! let dir = std::env::temp_dir().join(format!("workflow-sqlite-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let store = SqliteStore::open(dir.join("store.db")).unwrap();
//! assert!(store.is_durable());
//! drop(store);
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```
#![warn(missing_docs)]

mod failure;
mod lock;
mod reads;
mod schema;
mod writer;
mod writes;

use std::path::{Path, PathBuf};

use workflow_core::execution::{Millis, TaskId};
use workflow_core::journal::{Entry, Start};
use workflow_core::plan::MachineType;
use workflow_runtime::store::{
    Deletion, ExecutionFilter, ExecutionRecord, Page, PageRequest, Progress, StateMachineRecord,
    Store, StoreError, StoreFuture, Unfinished, Waiting,
};

use crate::lock::StoreLock;
use crate::reads::Readers;
use crate::writer::Writer;
use crate::writes::{Append, NewExecution};

pub use crate::schema::FORMAT;
pub use crate::writer::WriteStats;

/// How many connections read: reads of several callers at once (listings, a recovery's
/// journals) do not wait for one another, and leave the cores to the writer and the
/// executions.
const READERS: usize = 2;

/// A [`Store`] in one SQLite file. Dropping it writes what is queued, then closes the file
/// and releases its lock.
pub struct SqliteStore {
    // Dropped in this order: the writer finishes the queued writes first, the lock goes last.
    writer: Writer,
    readers: Readers,
    path: PathBuf,
    _lock: StoreLock,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens the store in the file at `path`, creating it when absent (its folder must
    /// exist).
    ///
    /// Refused with [`StoreError::NotAStore`] for a file that is not a store (not SQLite, or
    /// another application's database), [`StoreError::NewerVersion`] for a store of a newer
    /// version, [`StoreError::Locked`] while another process (or another `SqliteStore` in this
    /// one) has it open; none of them changes the file.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        schema::check_file(&path)?;
        let lock = StoreLock::acquire(&path)?;
        let shown = path.display().to_string();
        let writer = schema::open_writer(&path)?;
        let readers = (0..READERS)
            .map(|_| schema::open_reader(&path))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SqliteStore {
            readers: Readers::start(readers, &shown)?,
            writer: Writer::start(writer, shown)?,
            path,
            _lock: lock,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the writer committed since the store was opened.
    pub fn write_stats(&self) -> WriteStats {
        self.writer.stats()
    }
}

fn refused<T: Send + 'static>(error: StoreError) -> StoreFuture<'static, T> {
    Box::pin(std::future::ready(Err(error)))
}

impl Store for SqliteStore {
    fn is_durable(&self) -> bool {
        true
    }

    fn save_state_machine<'a>(
        &'a self,
        name: &'a str,
        definition: &'a str,
        machine_type: MachineType,
        now: Millis,
    ) -> StoreFuture<'a, StateMachineRecord> {
        let (name, definition) = (name.to_string(), definition.to_string());
        self.writer.write(move |conn| {
            writes::save_state_machine(conn, &name, &definition, machine_type, now)
        })
    }

    fn state_machine<'a>(
        &'a self,
        name: &'a str,
        revision: Option<u64>,
    ) -> StoreFuture<'a, Option<StateMachineRecord>> {
        let name = name.to_string();
        self.readers
            .read(move |conn| reads::state_machine(conn, &name, revision))
    }

    fn list_state_machines(&self, page: PageRequest) -> StoreFuture<'_, Page<StateMachineRecord>> {
        self.readers
            .read(move |conn| reads::list_state_machines(conn, &page))
    }

    fn delete_state_machine<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Deletion> {
        let name = name.to_string();
        self.writer
            .write(move |conn| writes::delete_state_machine(conn, &name))
    }

    fn deleting_state_machines(&self) -> StoreFuture<'_, Vec<String>> {
        self.readers.read(reads::deleting_state_machines)
    }

    fn create_execution<'a>(
        &'a self,
        record: &'a ExecutionRecord,
        start: Option<&'a Start>,
        waiting: &'a Waiting,
    ) -> StoreFuture<'a, ()> {
        match NewExecution::new(record, start, waiting) {
            Ok(new) => self
                .writer
                .write(move |conn| writes::create_execution(conn, &new)),
            Err(e) => refused(e),
        }
    }

    fn append<'a>(
        &'a self,
        arn: &'a str,
        entries: &'a [Entry],
        progress: &'a Progress,
    ) -> StoreFuture<'a, ()> {
        match Append::new(arn, entries, progress) {
            Ok(append) => self.writer.write(move |conn| writes::append(conn, &append)),
            Err(e) => refused(e),
        }
    }

    fn execution<'a>(&'a self, arn: &'a str) -> StoreFuture<'a, Option<ExecutionRecord>> {
        let arn = arn.to_string();
        self.readers.read(move |conn| reads::execution(conn, &arn))
    }

    fn list_executions<'a>(
        &'a self,
        filter: &'a ExecutionFilter,
        page: PageRequest,
    ) -> StoreFuture<'a, Page<ExecutionRecord>> {
        let filter = filter.clone();
        self.readers
            .read(move |conn| reads::list_executions(conn, &filter, &page))
    }

    fn journal<'a>(&'a self, arn: &'a str) -> StoreFuture<'a, Option<(Start, Vec<Entry>)>> {
        let arn = arn.to_string();
        self.readers.read(move |conn| reads::journal(conn, &arn))
    }

    fn unfinished(&self) -> StoreFuture<'_, Vec<Unfinished>> {
        self.readers.read(reads::unfinished)
    }

    fn token<'a>(&'a self, token: &'a str) -> StoreFuture<'a, Option<(String, TaskId)>> {
        let token = token.to_string();
        self.readers.read(move |conn| reads::token(conn, &token))
    }

    fn purge_finished(&self, before: Millis) -> StoreFuture<'_, u64> {
        self.writer
            .write(move |conn| writes::purge_finished(conn, before))
    }
}
