//! The file's format: what is checked when a store is opened, and the tables.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};
use workflow_runtime::store::StoreError;

/// `PRAGMA application_id` of a workflow store ("WFLW"): tells our file from another
/// application's SQLite database.
pub(crate) const APPLICATION_ID: i32 = 0x5746_4c57;

/// `PRAGMA user_version`: the store format this version writes and the newest it reads. A
/// change to the tables raises it (with a migration from every older format, which opening
/// the store applies).
pub const FORMAT: u32 = 2;

/// What brings a store of each older format to the next one: `MIGRATIONS[n - 1]` takes
/// format `n` to `n + 1`.
const MIGRATIONS: [&str; FORMAT as usize - 1] = [
    // 2: state machines can be DELETING.
    DELETING_TABLE,
];

/// The state machines deleted while executions of them ran (AWS's DELETING): each is deleted,
/// revisions and all, once none runs. (Format 2.)
const DELETING_TABLE: &str = "
CREATE TABLE deleting (
    name TEXT NOT NULL PRIMARY KEY
) WITHOUT ROWID;
";

/// The writer's page cache, in KiB (SQLite's default is 2 MiB): the pages of the executions
/// that run at once and of their journals' ends stay in memory, instead of being read back
/// from the file for every commit.
const WRITER_CACHE_KIB: i64 = -65_536;

/// How many pages the log grows to before the writer copies them into the database
/// (SQLite's default is 1,000, 4 MB): a page rewritten by many commits, such as an
/// execution's record, is copied once, not once per commit.
const CHECKPOINT_PAGES: i64 = 16_384;

/// The tables of format 1. Integers are milliseconds since the epoch (dates), counts and ids;
/// payloads (inputs, outputs, journal records) are JSON text, stored as given and parsed only
/// when read back. Small columns come before the JSON ones, so that a query reading only
/// them does not step over a large input.
pub(crate) const TABLES: &str = "
-- Every revision of every state machine; an execution names the revision it runs.
CREATE TABLE state_machines (
    name         TEXT    NOT NULL,
    revision     INTEGER NOT NULL,
    machine_type TEXT    NOT NULL,  -- STANDARD or EXPRESS
    created      INTEGER NOT NULL,  -- the first revision's date
    updated      INTEGER NOT NULL,  -- this revision's
    definition   TEXT    NOT NULL,  -- the ASL JSON, as given
    PRIMARY KEY (name, revision)
) WITHOUT ROWID;

-- What DescribeExecution answers, and what an unfinished execution waits for.
CREATE TABLE executions (
    id              INTEGER PRIMARY KEY,  -- the key of its journal entries and tokens
    arn             TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    state_machine   TEXT    NOT NULL,
    revision        INTEGER NOT NULL,
    machine_type    TEXT    NOT NULL,
    status          TEXT    NOT NULL,  -- AWS's name: RUNNING, SUCCEEDED, ...
    start_date      INTEGER NOT NULL,
    stop_date       INTEGER,
    redrive_count   INTEGER NOT NULL,
    redrive_date    INTEGER,
    next_timer      INTEGER,           -- the earliest timer armed
    tasks_in_flight INTEGER NOT NULL,  -- 1 while a task handler runs
    entries         INTEGER NOT NULL,  -- journal entries so far
    error           TEXT,
    cause           TEXT,
    input           TEXT    NOT NULL,
    output          TEXT
);
-- Listings, newest first: all, by state machine, by status (and the unfinished ones).
CREATE INDEX executions_by_start ON executions (start_date, arn);
CREATE INDEX executions_by_state_machine ON executions (state_machine, start_date, arn);
CREATE INDEX executions_by_status ON executions (status, start_date, arn);
-- Purging: only ended executions have a stop date.
CREATE INDEX executions_by_stop ON executions (stop_date) WHERE stop_date IS NOT NULL;

-- Journals: seq 0 is the start record, seq n the n-th entry, both as JSON. Rows are kept
-- in the order written (by rowid), so that the entries a commit holds, whichever executions
-- they come from, fill the same few pages at the table's end; the index that finds an
-- execution's entries is small. (Kept by execution instead, 1,000 executions appending at
-- once dirtied a page each per commit: 25,000 appends/s, against 44,000 this way.)
CREATE TABLE journal (
    execution INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    record    TEXT    NOT NULL
);
CREATE UNIQUE INDEX journal_by_execution ON journal (execution, seq);

-- The task tokens unfinished executions wait for, as their last append said.
CREATE TABLE tokens (
    token     TEXT    NOT NULL PRIMARY KEY,
    execution INTEGER NOT NULL,
    position  INTEGER NOT NULL,  -- its place among the execution's tokens
    task      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX tokens_by_execution ON tokens (execution, position);
";

/// What makes the tables of this format from those of format `from` (0: from nothing): the
/// tables of format 1, then the migrations after `from`.
pub(crate) fn tables_from(from: u32) -> String {
    let mut sql = String::new();
    if from == 0 {
        sql.push_str(TABLES);
    }
    for migration in &MIGRATIONS[(from.max(1) - 1) as usize..] {
        sql.push_str(migration);
    }
    sql
}

/// The first bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Refuses a file that is not a SQLite database before anything (SQLite, the lock) touches
/// it or writes beside it. A missing or empty file becomes a new store.
pub(crate) fn check_file(path: &Path) -> Result<(), StoreError> {
    let not_a_store = |reason: &str| StoreError::NotAStore {
        path: path.display().to_string(),
        reason: reason.to_string(),
    };
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StoreError::Io(format!("{}: {e}", path.display()))),
    };
    let metadata = file
        .metadata()
        .map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))?;
    if metadata.is_dir() {
        return Err(not_a_store("it is a directory"));
    }
    let mut head = Vec::with_capacity(SQLITE_MAGIC.len());
    file.by_ref()
        .take(SQLITE_MAGIC.len() as u64)
        .read_to_end(&mut head)
        .map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))?;
    if head.is_empty() || head == SQLITE_MAGIC {
        Ok(())
    } else {
        Err(not_a_store("it is not a SQLite database"))
    }
}

/// Opens the writer's connection: checks that the file is a store in a format this version
/// reads (touching nothing when it is not), creates the tables in a new one, and turns on
/// WAL with fsync'd commits.
pub(crate) fn open_writer(path: &Path) -> Result<Connection, StoreError> {
    let shown = path.display().to_string();
    let sql = |e: rusqlite::Error| open_error(&shown, e);
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql)?;
    // Only a checkpoint of a reader can make the writer wait, briefly.
    conn.busy_timeout(Duration::from_secs(10)).map_err(sql)?;
    let application_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(sql)?;
    let version: i32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(sql)?;
    let objects: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(sql)?;
    let fresh = application_id == 0 && version == 0 && objects == 0;
    let not_a_store = |reason: String| StoreError::NotAStore {
        path: shown.clone(),
        reason,
    };
    if !fresh {
        if application_id != APPLICATION_ID {
            return Err(not_a_store(format!(
                "it is a SQLite database of another application (application id {application_id:#x}, {objects} tables and indexes)"
            )));
        }
        match u32::try_from(version) {
            Ok(found) if found > FORMAT => {
                return Err(StoreError::NewerVersion {
                    path: shown,
                    found,
                    supported: FORMAT,
                });
            }
            Ok(1..=FORMAT) => {}
            _ => return Err(not_a_store(format!("unknown store format {version}"))),
        }
    }
    // From here on the file is ours.
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(sql)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Io(format!(
            "{shown}: SQLite cannot keep a write-ahead log here (journal mode {mode})"
        )));
    }
    // Every commit is fsync'd before its writes are acknowledged.
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(sql)?;
    conn.pragma_update(None, "cache_size", WRITER_CACHE_KIB)
        .map_err(sql)?;
    conn.pragma_update(None, "wal_autocheckpoint", CHECKPOINT_PAGES)
        .map_err(sql)?;
    // A new store's tables, or those of a store of an older format brought to this one, are
    // made in one transaction, with the application id (a store of an older format has it
    // already) and the format.
    let from = if fresh { 0 } else { version as u32 };
    if from < FORMAT {
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE;
             {}
             PRAGMA application_id = {APPLICATION_ID};
             PRAGMA user_version = {FORMAT};
             COMMIT;",
            tables_from(from)
        ))
        .map_err(sql)?;
    }
    Ok(conn)
}

/// Opens one reader's connection, once the writer has made the store.
pub(crate) fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let shown = path.display().to_string();
    let sql = |e: rusqlite::Error| open_error(&shown, e);
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql)?;
    conn.busy_timeout(Duration::from_secs(10)).map_err(sql)?;
    Ok(conn)
}

/// What an error of SQLite's while opening means: a file it cannot read as a database is not
/// a store; anything else is a failure to read it.
fn open_error(path: &str, error: rusqlite::Error) -> StoreError {
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::NotAStore {
            path: path.to_string(),
            reason: error.to_string(),
        },
        _ => StoreError::Io(format!("{path}: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;
    use workflow_runtime::store::testing::TempDir;
    use workflow_runtime::store::{Deletion, StateMachineStatus, Store};

    use super::*;
    use crate::SqliteStore;

    #[test]
    fn a_store_of_format_1_is_brought_to_this_format() {
        let dir = TempDir::new_in(std::env::temp_dir(), "workflow-sqlite-format-1");
        let path = dir.store_path();
        {
            // A store as format 1 made it, with a state machine.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(&format!(
                "PRAGMA journal_mode = WAL;
                 {TABLES}
                 INSERT INTO state_machines VALUES ('orders', 1, 'STANDARD', 5, 5, '{{}}');
                 PRAGMA application_id = {APPLICATION_ID};
                 PRAGMA user_version = 1;"
            ))
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let orders = store.state_machine("orders", None).await.unwrap().unwrap();
            assert_eq!(
                (orders.revision, orders.status),
                (1, StateMachineStatus::Active)
            );
            // Format 2's table is there.
            assert_eq!(
                store.delete_state_machine("orders").await.unwrap(),
                Deletion::Deleted
            );
        });
        drop(store);
        let conn = Connection::open(&path).unwrap();
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, FORMAT);
    }
}
