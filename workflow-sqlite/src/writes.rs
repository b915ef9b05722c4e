//! The writes, as the writer thread runs them in its transaction. Their data is made ready
//! (JSON text, integers) by the caller, so the one writer thread only runs SQL.
//!
//! A write refuses itself (an execution that exists already, or does not) before it changes
//! anything, so that refusing it leaves the rest of its transaction to commit.

use rusqlite::{Connection, OptionalExtension, params};
use workflow_core::execution::{Millis, TaskId};
use workflow_core::plan::MachineType;
use workflow_runtime::store::{
    Deletion, ExecutionRecord, Progress, StateMachineRecord, StateMachineStatus, Status,
    StoreError, Waiting,
};

use crate::failure::Failure;
use crate::writer::Outcome;

/// A new execution's row, its journal's start record and its tokens.
pub(crate) struct NewExecution {
    arn: String,
    name: String,
    state_machine: String,
    revision: i64,
    machine_type: &'static str,
    status: &'static str,
    start_date: Millis,
    stop_date: Option<Millis>,
    redrive_count: i64,
    redrive_date: Option<Millis>,
    error: Option<String>,
    cause: Option<String>,
    input: String,
    output: Option<String>,
    start: Option<String>,
    waiting: WaitingRow,
}

/// What an execution waits for, as stored.
pub(crate) struct WaitingRow {
    next_timer: Option<Millis>,
    tasks_in_flight: bool,
    tokens: Vec<(String, i64)>,
}

impl WaitingRow {
    pub(crate) fn new(waiting: &Waiting) -> WaitingRow {
        WaitingRow {
            next_timer: waiting.next_timer,
            tasks_in_flight: waiting.tasks_in_flight,
            tokens: waiting
                .tokens
                .iter()
                .map(|(token, task)| (token.clone(), task_to_sql(*task)))
                .collect(),
        }
    }
}

/// A task id as SQLite's signed integer, bit for bit.
pub(crate) fn task_to_sql(task: TaskId) -> i64 {
    task.0 as i64
}

/// A revision or a count as SQLite's integer.
fn to_sql_int(n: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Io(format!("{what} {n} is too large to store")))
}

fn json(value: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Io(format!("a value does not serialize: {e}")))
}

impl NewExecution {
    pub(crate) fn new(
        record: &ExecutionRecord,
        start: Option<&workflow_core::journal::Start>,
        waiting: &Waiting,
    ) -> Result<NewExecution, StoreError> {
        Ok(NewExecution {
            arn: record.arn.clone(),
            name: record.name.clone(),
            state_machine: record.state_machine.clone(),
            revision: to_sql_int(record.revision, "revision")?,
            machine_type: record.machine_type.as_str(),
            status: record.status.as_str(),
            start_date: record.start_date,
            stop_date: record.stop_date,
            redrive_count: i64::from(record.redrive_count),
            redrive_date: record.redrive_date,
            error: record.error.clone(),
            cause: record.cause.clone(),
            input: json(&*record.input)?,
            output: record.output.as_deref().map(json).transpose()?,
            start: start.map(json).transpose()?,
            waiting: WaitingRow::new(waiting),
        })
    }
}

/// An append: the journal entries (JSON) and the change to the record.
pub(crate) struct Append {
    arn: String,
    entries: Vec<String>,
    change: Change,
}

enum Change {
    Running(WaitingRow),
    Redriven {
        date: Millis,
        waiting: WaitingRow,
    },
    Finished {
        status: &'static str,
        stop_date: Millis,
        output: Option<String>,
        error: Option<String>,
        cause: Option<String>,
    },
}

impl Append {
    pub(crate) fn new(
        arn: &str,
        entries: &[workflow_core::journal::Entry],
        progress: &Progress,
    ) -> Result<Append, StoreError> {
        let change = match progress {
            Progress::Running(waiting) => Change::Running(WaitingRow::new(waiting)),
            Progress::Redriven {
                redrive_date,
                waiting,
            } => Change::Redriven {
                date: *redrive_date,
                waiting: WaitingRow::new(waiting),
            },
            Progress::Finished {
                status,
                stop_date,
                output,
                error,
                cause,
            } => Change::Finished {
                status: status.as_str(),
                stop_date: *stop_date,
                output: output.as_deref().map(json).transpose()?,
                error: error.clone(),
                cause: cause.clone(),
            },
            other => {
                return Err(StoreError::Io(format!(
                    "this version of workflow-sqlite cannot store {other:?}"
                )));
            }
        };
        Ok(Append {
            arn: arn.to_string(),
            entries: entries.iter().map(json).collect::<Result<_, _>>()?,
            change,
        })
    }
}

pub(crate) fn save_state_machine(
    conn: &Connection,
    name: &str,
    definition: &str,
    kind: MachineType,
    now: Millis,
) -> Outcome<StateMachineRecord> {
    let newest = crate::reads::state_machine(conn, name, None)?;
    if newest
        .as_ref()
        .is_some_and(|n| n.status == StateMachineStatus::Deleting)
    {
        return Ok(Err(StoreError::StateMachineDeleting {
            name: name.to_string(),
        }));
    }
    if let Some(newest) = newest
        .as_ref()
        .filter(|n| n.definition == definition && n.machine_type == kind)
    {
        return Ok(Ok(newest.clone()));
    }
    let record = StateMachineRecord::new(
        name,
        newest.as_ref().map_or(1, |n| n.revision + 1),
        definition,
        kind,
        newest.as_ref().map_or(now, |n| n.created),
        now,
    );
    conn.prepare_cached(
        "INSERT INTO state_machines (name, revision, machine_type, created, updated, definition)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        name,
        record.revision as i64,
        kind.as_str(),
        record.created,
        record.updated,
        definition
    ])?;
    Ok(Ok(record))
}

/// Whether an execution of a state machine is unfinished: a walk through the unfinished
/// executions (by status), not through every execution it ever had (`+` keeps SQLite from
/// walking the state machine's instead).
pub(crate) const UNFINISHED_OF: &str = "SELECT 1 FROM executions
    WHERE status IN ('RUNNING', 'PENDING_REDRIVE') AND +state_machine = ?1 LIMIT 1";

pub(crate) fn delete_state_machine(conn: &Connection, name: &str) -> Outcome<Deletion> {
    let exists = conn
        .prepare_cached("SELECT 1 FROM state_machines WHERE name = ?1 LIMIT 1")?
        .exists([name])?;
    if !exists {
        return Ok(Ok(Deletion::NotFound));
    }
    if conn.prepare_cached(UNFINISHED_OF)?.exists([name])? {
        conn.prepare_cached("INSERT OR IGNORE INTO deleting (name) VALUES (?1)")?
            .execute([name])?;
        return Ok(Ok(Deletion::Deleting));
    }
    conn.prepare_cached("DELETE FROM state_machines WHERE name = ?1")?
        .execute([name])?;
    conn.prepare_cached("DELETE FROM deleting WHERE name = ?1")?
        .execute([name])?;
    Ok(Ok(Deletion::Deleted))
}

pub(crate) fn create_execution(conn: &Connection, new: &NewExecution) -> Outcome<()> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO executions (arn, name, state_machine, revision, machine_type, status,
                start_date, stop_date, redrive_count, redrive_date, next_timer, tasks_in_flight,
                entries, error, cause, input, output)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, ?13, ?14, ?15, ?16)
             ON CONFLICT (arn) DO NOTHING",
        )?
        .execute(params![
            new.arn,
            new.name,
            new.state_machine,
            new.revision,
            new.machine_type,
            new.status,
            new.start_date,
            new.stop_date,
            new.redrive_count,
            new.redrive_date,
            new.waiting.next_timer,
            new.waiting.tasks_in_flight,
            new.error,
            new.cause,
            new.input,
            new.output,
        ])?;
    if inserted == 0 {
        return Ok(Err(StoreError::ExecutionAlreadyExists {
            arn: new.arn.clone(),
        }));
    }
    let id = conn.last_insert_rowid();
    if let Some(start) = &new.start {
        insert_journal(conn, id, 0, start)?;
    }
    insert_tokens(conn, id, &new.waiting.tokens)?;
    Ok(Ok(()))
}

pub(crate) fn append(conn: &Connection, append: &Append) -> Outcome<()> {
    let added = append.entries.len() as i64;
    // The execution and its journal's length by its key, then the change by its id. (One
    // `UPDATE ... RETURNING` did both, but SQLite keeps what it returns in a temporary table
    // it makes for each statement: that took most of the writer's time.)
    let found = conn
        .prepare_cached("SELECT id, entries FROM executions WHERE arn = ?1")?
        .query_row([&append.arn], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })
        .optional()?;
    let Some((id, before)) = found else {
        return Ok(Err(StoreError::ExecutionDoesNotExist {
            arn: append.arn.clone(),
        }));
    };
    let entries = before + added;
    match &append.change {
        Change::Running(waiting) => conn
            .prepare_cached(
                "UPDATE executions SET next_timer = ?1, tasks_in_flight = ?2, entries = ?3
                 WHERE id = ?4",
            )?
            .execute(params![
                waiting.next_timer,
                waiting.tasks_in_flight,
                entries,
                id
            ])?,
        Change::Redriven { date, waiting } => conn
            .prepare_cached(
                "UPDATE executions SET status = ?1, redrive_count = redrive_count + 1,
                    redrive_date = ?2, stop_date = NULL, output = NULL, error = NULL,
                    cause = NULL, next_timer = ?3, tasks_in_flight = ?4, entries = ?5
                 WHERE id = ?6",
            )?
            .execute(params![
                Status::Running.as_str(),
                date,
                waiting.next_timer,
                waiting.tasks_in_flight,
                entries,
                id
            ])?,
        Change::Finished {
            status,
            stop_date,
            output,
            error,
            cause,
        } => conn
            .prepare_cached(
                "UPDATE executions SET status = ?1, stop_date = ?2, output = ?3, error = ?4,
                    cause = ?5, next_timer = NULL, tasks_in_flight = 0, entries = ?6
                 WHERE id = ?7",
            )?
            .execute(params![
                status, stop_date, output, error, cause, entries, id
            ])?,
    };
    let first_seq = entries - added + 1;
    for (seq, entry) in (first_seq..).zip(&append.entries) {
        insert_journal(conn, id, seq, entry)?;
    }
    conn.prepare_cached("DELETE FROM tokens WHERE execution = ?1")?
        .execute([id])?;
    match &append.change {
        Change::Running(waiting) | Change::Redriven { waiting, .. } => {
            insert_tokens(conn, id, &waiting.tokens)?;
        }
        Change::Finished { .. } => {}
    }
    Ok(Ok(()))
}

fn insert_journal(
    conn: &Connection,
    execution: i64,
    seq: i64,
    record: &str,
) -> Result<(), Failure> {
    conn.prepare_cached("INSERT INTO journal (execution, seq, record) VALUES (?1, ?2, ?3)")?
        .execute(params![execution, seq, record])?;
    Ok(())
}

fn insert_tokens(
    conn: &Connection,
    execution: i64,
    tokens: &[(String, i64)],
) -> Result<(), Failure> {
    if tokens.is_empty() {
        return Ok(());
    }
    // A token is another execution's only if that one's last append said so and this one
    // claims it now: the newest claim wins.
    let mut stmt = conn.prepare_cached(
        "INSERT OR REPLACE INTO tokens (token, execution, position, task) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (position, (token, task)) in tokens.iter().enumerate() {
        stmt.execute(params![token, execution, position as i64, task])?;
    }
    Ok(())
}

/// The executions that ended before `?1` (`?2` and `?3`: the statuses of unfinished ones).
/// Only an ended execution has a stop date (`Progress::Redriven` clears it), and only those
/// are in the index by stop date.
pub(crate) const ENDED_BEFORE: &str =
    "SELECT id FROM executions WHERE stop_date < ?1 AND status NOT IN (?2, ?3)";

pub(crate) fn purge_finished(conn: &Connection, before: Millis) -> Outcome<u64> {
    let ended = ENDED_BEFORE;
    let unfinished = [Status::Running.as_str(), Status::PendingRedrive.as_str()];
    let args = params![before, unfinished[0], unfinished[1]];
    conn.prepare_cached(&format!("DELETE FROM journal WHERE execution IN ({ended})"))?
        .execute(args)?;
    conn.prepare_cached(&format!("DELETE FROM tokens WHERE execution IN ({ended})"))?
        .execute(args)?;
    let purged = conn
        .prepare_cached(&format!("DELETE FROM executions WHERE id IN ({ended})"))?
        .execute(args)?;
    Ok(Ok(purged as u64))
}
