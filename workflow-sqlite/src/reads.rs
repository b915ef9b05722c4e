//! The reads, each on one of the reader connections: in WAL mode they read the last commit
//! while the writer writes the next.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;
use tokio::sync::oneshot;
use workflow_core::execution::TaskId;
use workflow_core::journal::{Entry, Start};
use workflow_core::plan::MachineType;
use workflow_runtime::store::{
    ExecutionFilter, ExecutionRecord, Page, PageRequest, StateMachineRecord, StateMachineStatus,
    Status, StoreError, StoreFuture, Unfinished, Waiting, page_token,
};

use crate::failure::Failure;

type ReadJob = Box<dyn FnOnce(&Connection) + Send>;

/// The reader threads, each with its connection, taking reads from one queue.
pub(crate) struct Readers {
    queue: Option<mpsc::Sender<ReadJob>>,
    threads: Vec<JoinHandle<()>>,
    path: Arc<str>,
}

impl Readers {
    /// Starts a thread for each connection.
    pub(crate) fn start(connections: Vec<Connection>, path: &str) -> Result<Readers, StoreError> {
        let (queue, jobs) = mpsc::channel::<ReadJob>();
        let jobs = Arc::new(Mutex::new(jobs));
        let mut readers = Readers {
            queue: Some(queue),
            threads: Vec::new(),
            path: Arc::from(path),
        };
        for (n, conn) in connections.into_iter().enumerate() {
            let jobs = Arc::clone(&jobs);
            let thread = std::thread::Builder::new()
                .name(format!("workflow-sqlite-reader-{n}"))
                .spawn(move || {
                    loop {
                        // The lock is held while waiting: the other readers are busy or
                        // waiting for it, and it is released as soon as a job arrives.
                        let job = jobs.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        match job {
                            Ok(job) => job(&conn),
                            Err(mpsc::RecvError) => return,
                        }
                    }
                })
                .map_err(|e| StoreError::Io(format!("cannot start the store's readers: {e}")))?;
            readers.threads.push(thread);
        }
        Ok(readers)
    }

    /// Runs `read` on a reader connection.
    pub(crate) fn read<T, F>(&self, read: F) -> StoreFuture<'static, T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Failure> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let path = Arc::clone(&self.path);
        let job: ReadJob = Box::new(move |conn| {
            let answer = in_one_snapshot(conn, read).map_err(|f| f.into_store_error(&path));
            let _ = reply.send(answer);
        });
        let queued = self.queue.as_ref().is_some_and(|q| q.send(job).is_ok());
        Box::pin(async move {
            if !queued {
                return Err(StoreError::Closed);
            }
            answer.await.unwrap_or(Err(StoreError::Closed))
        })
    }
}

/// Runs `read` in one read transaction, so that its queries all see the same commit (the
/// tokens and the records of `unfinished`, say, are never from two different ones).
fn in_one_snapshot<T>(
    conn: &Connection,
    read: impl FnOnce(&Connection) -> Result<T, Failure>,
) -> Result<T, Failure> {
    conn.prepare_cached("BEGIN")?.execute([])?;
    let result = read(conn);
    // Ending a read transaction cannot lose anything; make sure it ends.
    if conn.prepare_cached("COMMIT")?.execute([]).is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    result
}

impl Drop for Readers {
    fn drop(&mut self) {
        drop(self.queue.take());
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// The machine type named `name`.
pub(crate) fn machine_type(name: &str) -> Result<MachineType, Failure> {
    [MachineType::Standard, MachineType::Express]
        .into_iter()
        .find(|t| t.as_str() == name)
        .ok_or_else(|| Failure::Damaged(format!("unknown state machine type {name:?}")))
}

fn revision(n: i64) -> Result<u64, Failure> {
    u64::try_from(n).map_err(|_| Failure::Damaged(format!("a revision numbered {n}")))
}

fn status(name: &str) -> Result<Status, Failure> {
    Status::parse(name).ok_or_else(|| Failure::Damaged(format!("unknown status {name:?}")))
}

fn parse_json(text: &str) -> Result<Value, Failure> {
    Ok(serde_json::from_str(text)?)
}

/// The columns [`record`] decodes, in its order.
const RECORD: &str = "arn, name, state_machine, revision, machine_type, status, start_date,
    stop_date, redrive_count, redrive_date, error, cause, input, output";

/// An execution's record from the columns of [`RECORD`], in its order.
fn record(row: &Row<'_>) -> Result<ExecutionRecord, Failure> {
    let mut record = ExecutionRecord::new(
        row.get::<_, String>(0)?,
        row.get::<_, String>(1)?,
        row.get::<_, String>(2)?,
        revision(row.get(3)?)?,
        machine_type(row.get_ref(4)?.as_str()?)?,
        row.get(6)?,
        parse_json(row.get_ref(12)?.as_str()?)?,
    );
    record.status = status(row.get_ref(5)?.as_str()?)?;
    record.stop_date = row.get(7)?;
    record.redrive_count = u32::try_from(row.get::<_, i64>(8)?)
        .map_err(|_| Failure::Damaged("a redrive count out of range".to_string()))?;
    record.redrive_date = row.get(9)?;
    record.error = row.get(10)?;
    record.cause = row.get(11)?;
    record.output = row
        .get_ref(13)?
        .as_str_or_null()?
        .map(parse_json)
        .transpose()?
        .map(Arc::new);
    Ok(record)
}

/// Whether the state machine of the row's `name` is DELETING, as a column after the others.
const DELETING: &str = "EXISTS (SELECT 1 FROM deleting AS d WHERE d.name = state_machines.name)";

fn state_machine_record(row: &Row<'_>) -> Result<StateMachineRecord, Failure> {
    let mut record = StateMachineRecord::new(
        row.get::<_, String>(0)?,
        revision(row.get(1)?)?,
        row.get::<_, String>(5)?,
        machine_type(row.get_ref(2)?.as_str()?)?,
        row.get(3)?,
        row.get(4)?,
    );
    if row.get::<_, bool>(6)? {
        record.status = StateMachineStatus::Deleting;
    }
    Ok(record)
}

pub(crate) fn state_machine(
    conn: &Connection,
    name: &str,
    revision: Option<u64>,
) -> Result<Option<StateMachineRecord>, Failure> {
    let columns = format!("name, revision, machine_type, created, updated, definition, {DELETING}");
    let mut stmt;
    let mut rows = match revision {
        None => {
            stmt = conn.prepare_cached(&format!(
                "SELECT {columns} FROM state_machines WHERE name = ?1
                 ORDER BY revision DESC LIMIT 1"
            ))?;
            stmt.query([name])?
        }
        Some(revision) => {
            let Ok(revision) = i64::try_from(revision) else {
                return Ok(None);
            };
            stmt = conn.prepare_cached(&format!(
                "SELECT {columns} FROM state_machines WHERE name = ?1 AND revision = ?2"
            ))?;
            stmt.query(params![name, revision])?
        }
    };
    rows.next()?.map(state_machine_record).transpose()
}

pub(crate) fn list_state_machines(
    conn: &Connection,
    page: &PageRequest,
) -> Result<Page<StateMachineRecord>, Failure> {
    // SQLite takes the other columns from the row where max() found the newest revision.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT name, max(revision), machine_type, created, updated, definition, {DELETING}
         FROM state_machines WHERE ?1 IS NULL OR name > ?1
         GROUP BY name ORDER BY name LIMIT ?2"
    ))?;
    let after = match page.token.as_deref().map(page_token::read_state_machines) {
        None => None,
        Some(Ok(name)) => Some(name),
        Some(Err(e)) => return Err(Failure::Refused(e)),
    };
    let mut rows = stmt.query(params![after, limit(page.max)])?;
    let mut items = Vec::new();
    while let Some(row) = rows.next()? {
        items.push(state_machine_record(row)?);
    }
    let next = (items.len() > page.max).then(|| {
        items.truncate(page.max);
        items
            .last()
            .map(|r| page_token::state_machines_after(&r.name))
            .unwrap_or_default()
    });
    Ok(Page::new(items, next))
}

/// The names of the DELETING state machines (the `deleting` table), by name.
pub(crate) fn deleting_state_machines(conn: &Connection) -> Result<Vec<String>, Failure> {
    let mut stmt = conn.prepare_cached("SELECT name FROM deleting ORDER BY name")?;
    let names = stmt.query_map([], |row| row.get(0))?;
    Ok(names.collect::<Result<_, _>>()?)
}

/// One more than a page holds, to know whether another page follows.
fn limit(max: usize) -> i64 {
    i64::try_from(max).unwrap_or(i64::MAX - 1) + 1
}

pub(crate) fn execution(conn: &Connection, arn: &str) -> Result<Option<ExecutionRecord>, Failure> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {RECORD} FROM executions WHERE arn = ?1"))?;
    let mut rows = stmt.query([arn])?;
    rows.next()?.map(record).transpose()
}

/// The listing's query: each condition is there or not, so that SQLite picks the index that
/// fits; newest first is then a walk backwards through (state machine or status,) start date,
/// ARN, with no sort.
fn list_executions_sql(filter: &ExecutionFilter, after: bool) -> String {
    let mut conditions = Vec::new();
    if filter.state_machine.is_some() {
        conditions.push("state_machine = ?1");
    }
    if filter.status.is_some() {
        conditions.push("status = ?2");
    }
    if after {
        conditions.push("(start_date, arn) < (?3, ?4)");
    }
    let condition = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    format!(
        "SELECT {RECORD} FROM executions {condition}
         ORDER BY start_date DESC, arn DESC LIMIT ?5"
    )
}

pub(crate) fn list_executions(
    conn: &Connection,
    filter: &ExecutionFilter,
    page: &PageRequest,
) -> Result<Page<ExecutionRecord>, Failure> {
    let after = match page.token.as_deref() {
        None => None,
        Some(token) => Some(page_token::read_executions(filter, token).map_err(Failure::Refused)?),
    };
    let mut stmt = conn.prepare_cached(&list_executions_sql(filter, after.is_some()))?;
    let mut rows = stmt.query(params![
        filter.state_machine,
        filter.status.map(Status::as_str),
        after.as_ref().map(|a| a.0),
        after.as_ref().map(|a| a.1.as_str()),
        limit(page.max),
    ])?;
    let mut items = Vec::new();
    while let Some(row) = rows.next()? {
        items.push(record(row)?);
    }
    let next = (items.len() > page.max).then(|| {
        items.truncate(page.max);
        items
            .last()
            .map(|r| page_token::executions_after(filter, r.start_date, &r.arn))
            .unwrap_or_default()
    });
    Ok(Page::new(items, next))
}

/// An execution's journal records, in order.
const JOURNAL: &str = "SELECT seq, record FROM journal WHERE execution = ?1 ORDER BY seq";

/// The execution and task waiting for a token.
const TOKEN: &str =
    "SELECT e.arn, t.task FROM tokens AS t JOIN executions AS e ON e.id = t.execution
    WHERE t.token = ?1";

pub(crate) fn journal(
    conn: &Connection,
    arn: &str,
) -> Result<Option<(Start, Vec<Entry>)>, Failure> {
    let Some(id) = conn
        .prepare_cached("SELECT id FROM executions WHERE arn = ?1")?
        .query_row([arn], |r| r.get::<_, i64>(0))
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(JOURNAL)?;
    let mut rows = stmt.query([id])?;
    let mut start = None;
    let mut entries = Vec::new();
    let mut expected = 0_i64;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        if seq != expected {
            return Err(Failure::Damaged(format!(
                "the journal of {arn} has no record {expected}"
            )));
        }
        let text = row.get_ref(1)?.as_str()?;
        if seq == 0 {
            start = Some(serde_json::from_str::<Start>(text)?);
        } else {
            entries.push(serde_json::from_str::<Entry>(text)?);
        }
        expected += 1;
    }
    Ok(start.map(|start| (start, entries)))
}

/// The unfinished executions (status RUNNING or PENDING_REDRIVE): their records and what
/// they wait for but their tokens.
fn unfinished_sql() -> String {
    format!(
        "SELECT {RECORD}, id, next_timer, tasks_in_flight FROM executions
         WHERE status IN (?1, ?2)"
    )
}

/// Every token, grouped by execution, in each execution's order.
const ALL_TOKENS: &str = "SELECT execution, token, task FROM tokens ORDER BY execution, position";

pub(crate) fn unfinished(conn: &Connection) -> Result<Vec<Unfinished>, Failure> {
    let running = [Status::Running.as_str(), Status::PendingRedrive.as_str()];
    let mut tokens: HashMap<i64, Vec<(String, TaskId)>> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(ALL_TOKENS)?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            tokens
                .entry(row.get(0)?)
                .or_default()
                .push((row.get(1)?, task_from_sql(row.get(2)?)));
        }
    }
    let mut stmt = conn.prepare_cached(&unfinished_sql())?;
    let mut rows = stmt.query(params![running[0], running[1]])?;
    let mut list = Vec::new();
    while let Some(row) = rows.next()? {
        let mut waiting = Waiting::default();
        waiting.tokens = tokens.remove(&row.get::<_, i64>(14)?).unwrap_or_default();
        waiting.next_timer = row.get(15)?;
        waiting.tasks_in_flight = row.get(16)?;
        list.push(Unfinished::new(record(row)?, waiting));
    }
    Ok(list)
}

/// A task id from SQLite's signed integer, bit for bit.
fn task_from_sql(n: i64) -> TaskId {
    TaskId(n as u64)
}

pub(crate) fn token(conn: &Connection, token: &str) -> Result<Option<(String, TaskId)>, Failure> {
    Ok(conn
        .prepare_cached(TOKEN)?
        .query_row([token], |r| Ok((r.get(0)?, task_from_sql(r.get(1)?))))
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How SQLite runs `sql` on the store's tables.
    fn plan(sql: &str) -> String {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(&crate::schema::tables_from(0)).unwrap();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        // The parameters stay unbound: a plan does not depend on their values.
        let mut rows = stmt.raw_query();
        let mut steps = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            steps.push(row.get::<_, String>(3).unwrap());
        }
        steps.join("; ")
    }

    /// Every step walks an index (or a table's key), and nothing is sorted: the cost follows
    /// the rows returned, not the store's size.
    fn assert_indexed(sql: &str) {
        let plan = plan(sql);
        assert!(!plan.contains("TEMP B-TREE"), "{plan}\n{sql}");
        for step in plan.split("; ") {
            assert!(
                !step.starts_with("SCAN") || step.contains("INDEX"),
                "a full scan: {plan}\n{sql}"
            );
        }
    }

    #[test]
    fn every_listing_walks_an_index_newest_first_without_sorting() {
        let filters = [
            ExecutionFilter::all(),
            ExecutionFilter::all().state_machine("m"),
            ExecutionFilter::all().status(Status::Running),
            ExecutionFilter::all()
                .state_machine("m")
                .status(Status::Failed),
        ];
        for filter in &filters {
            for after in [false, true] {
                assert_indexed(&list_executions_sql(filter, after));
            }
        }
        // The page after a token starts where the token points.
        let plan = plan(&list_executions_sql(&ExecutionFilter::all(), true));
        assert!(plan.contains("(start_date,arn)<(?,?)"), "{plan}");
    }

    #[test]
    fn lookups_use_an_index() {
        assert_indexed(&unfinished_sql());
        assert!(plan(&unfinished_sql()).contains("executions_by_status"));
        assert_indexed(ALL_TOKENS);
        assert_indexed(JOURNAL);
        assert_indexed(TOKEN);
        let ended = crate::writes::ENDED_BEFORE;
        assert!(
            plan(ended).contains("executions_by_stop"),
            "{}",
            plan(ended)
        );
        for table in ["journal", "tokens"] {
            assert_indexed(&format!("DELETE FROM {table} WHERE execution IN ({ended})"));
        }
        assert_indexed(&format!("SELECT {RECORD} FROM executions WHERE arn = ?1"));
        // Deleting a state machine walks its unfinished executions, not all it ever had.
        let unfinished = crate::writes::UNFINISHED_OF;
        assert!(
            plan(unfinished).contains("executions_by_status"),
            "{}",
            plan(unfinished)
        );
        assert_indexed(&format!(
            "SELECT name, {DELETING} FROM state_machines WHERE name = ?1"
        ));
    }
}
