//! The one thread that writes, with group commit: every write queued while the last
//! transaction was being committed goes into the next one, so one fsync acknowledges many.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::oneshot;
use workflow_runtime::store::{StoreError, StoreFuture};

use crate::failure::Failure;

/// What a write does in the transaction: `Err` fails the whole transaction (nothing of it is
/// kept); `Ok(Err(..))` refuses this write alone, which must then have changed nothing.
pub(crate) type Outcome<T> = Result<Result<T, StoreError>, Failure>;

/// A write waiting in the queue.
trait Queued: Send {
    /// Does the write inside the open transaction.
    fn run(&mut self, conn: &Connection) -> Result<(), Failure>;
    /// Answers its caller once the transaction is over: its own outcome when the transaction
    /// committed, else `failure`.
    fn answer(self: Box<Self>, failure: Option<&StoreError>);
}

struct Job<T, F> {
    work: Option<F>,
    outcome: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Queued for Job<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> Outcome<T> + Send,
{
    fn run(&mut self, conn: &Connection) -> Result<(), Failure> {
        if let Some(work) = self.work.take() {
            self.outcome = Some(work(conn)?);
        }
        Ok(())
    }

    fn answer(self: Box<Self>, failure: Option<&StoreError>) {
        let answer = match (failure, self.outcome) {
            (Some(failure), _) => Err(failure.clone()),
            (None, Some(outcome)) => outcome,
            // A committed transaction has run every write in it.
            (None, None) => Err(StoreError::Closed),
        };
        // The caller may have stopped waiting: its write is kept all the same.
        let _ = self.reply.send(answer);
    }
}

/// How many transactions the writer committed, and how many writes they held: their ratio
/// is the group commit's gain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteStats {
    /// Transactions committed.
    pub transactions: u64,
    /// Writes in them (refused ones too: they were answered by the commit).
    pub writes: u64,
}

#[derive(Default)]
struct Counters {
    transactions: AtomicU64,
    writes: AtomicU64,
}

/// The writer thread and its queue.
pub(crate) struct Writer {
    queue: Option<mpsc::Sender<Box<dyn Queued>>>,
    thread: Option<JoinHandle<()>>,
    counters: Arc<Counters>,
}

impl Writer {
    /// Starts the thread that owns `conn`.
    pub(crate) fn start(conn: Connection, path: String) -> Result<Writer, StoreError> {
        let (queue, writes) = mpsc::channel();
        let counters = Arc::new(Counters::default());
        let thread = {
            let counters = Arc::clone(&counters);
            std::thread::Builder::new()
                .name("workflow-sqlite-writer".to_string())
                .spawn(move || write_loop(&conn, &writes, &path, &counters))
                .map_err(|e| StoreError::Io(format!("cannot start the store's writer: {e}")))?
        };
        Ok(Writer {
            queue: Some(queue),
            thread: Some(thread),
            counters,
        })
    }

    /// What was committed so far.
    pub(crate) fn stats(&self) -> WriteStats {
        WriteStats {
            transactions: self.counters.transactions.load(Ordering::Relaxed),
            writes: self.counters.writes.load(Ordering::Relaxed),
        }
    }

    /// Queues `work` now (in the order of the calls, whether or not the future is polled)
    /// and resolves once its transaction committed (fsync'd) or failed.
    pub(crate) fn write<T, F>(&self, work: F) -> StoreFuture<'static, T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Outcome<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(Job {
            work: Some(work),
            outcome: None,
            reply,
        });
        let queued = self.queue.as_ref().is_some_and(|q| q.send(job).is_ok());
        Box::pin(async move {
            if !queued {
                return Err(StoreError::Closed);
            }
            // No answer: the writer thread is gone (it panicked).
            answer.await.unwrap_or(Err(StoreError::Closed))
        })
    }
}

impl Drop for Writer {
    /// Writes what is queued, then stops the thread.
    fn drop(&mut self) {
        drop(self.queue.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn write_loop(
    conn: &Connection,
    writes: &mpsc::Receiver<Box<dyn Queued>>,
    path: &str,
    counters: &Counters,
) {
    let mut batch: Vec<Box<dyn Queued>> = Vec::new();
    while let Ok(first) = writes.recv() {
        batch.push(first);
        batch.extend(writes.try_iter());
        write_batch(conn, &mut batch, path, counters);
    }
}

/// Writes `batch` in one transaction and answers each write.
fn write_batch(
    conn: &Connection,
    batch: &mut Vec<Box<dyn Queued>>,
    path: &str,
    counters: &Counters,
) {
    let failure = commit(conn, batch).err().map(|f| f.into_store_error(path));
    if failure.is_none() {
        counters.transactions.fetch_add(1, Ordering::Relaxed);
        counters
            .writes
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
    }
    for write in batch.drain(..) {
        write.answer(failure.as_ref());
    }
}

/// Runs `batch` in one transaction and commits it, or rolls all of it back.
fn commit(conn: &Connection, batch: &mut [Box<dyn Queued>]) -> Result<(), Failure> {
    conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
    let done = batch
        .iter_mut()
        .try_for_each(|write| write.run(conn))
        .and_then(|()| Ok(conn.prepare_cached("COMMIT")?.execute([]).map(drop)?));
    if done.is_err() && !conn.is_autocommit() {
        // SQLite rolls back by itself after some errors (a full disk, an I/O error), not
        // after others (a busy database, a failing statement).
        let _ = conn.execute_batch("ROLLBACK");
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    type Answer<T> = oneshot::Receiver<Result<T, StoreError>>;

    fn job<T, F>(work: F) -> (Box<dyn Queued>, Answer<T>)
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Outcome<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            work: Some(work),
            outcome: None,
            reply,
        };
        (Box::new(job), answer)
    }

    fn insert(n: i64) -> impl FnOnce(&Connection) -> Outcome<()> + Send + 'static {
        move |conn| {
            conn.execute("INSERT INTO t (n) VALUES (?1)", [n])?;
            Ok(Ok(()))
        }
    }

    fn refused(_: &Connection) -> Outcome<()> {
        Ok(Err(StoreError::ExecutionDoesNotExist {
            arn: "nobody".to_string(),
        }))
    }

    fn kept(conn: &Connection) -> Vec<i64> {
        let mut stmt = conn.prepare("SELECT n FROM t ORDER BY n").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn one_failing_write_fails_its_whole_transaction_and_nothing_of_it_is_kept() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (n INTEGER)").unwrap();
        let counters = Counters::default();

        let (first, first_answer) = job(insert(1));
        let (refusal, refusal_answer) = job(refused);
        // Writes a row, then fails (as a disk does in the middle of a write).
        let (failing, failing_answer) = job(|conn: &Connection| -> Outcome<()> {
            conn.execute("INSERT INTO t (n) VALUES (2)", [])?;
            Err(Failure::Damaged("injected".to_string()))
        });
        let (last, last_answer) = job(insert(3));
        let mut batch = vec![first, refusal, failing, last];
        write_batch(&conn, &mut batch, "test.db", &counters);

        for mut answer in [first_answer, refusal_answer, failing_answer, last_answer] {
            let answer = answer.try_recv().expect("every write is answered");
            assert!(
                matches!(&answer, Err(StoreError::Io(m)) if m.contains("injected")),
                "{answer:?}"
            );
        }
        assert_eq!(kept(&conn), Vec::<i64>::new());
        assert!(conn.is_autocommit(), "the transaction is over");
        assert_eq!(counters.transactions.load(Ordering::Relaxed), 0);

        // The next transaction commits; a refused write in it is refused alone.
        let (fourth, mut fourth_answer) = job(insert(4));
        let (refusal, mut refusal_answer) = job(refused);
        let mut batch = vec![fourth, refusal];
        write_batch(&conn, &mut batch, "test.db", &counters);
        assert_eq!(fourth_answer.try_recv().unwrap(), Ok(()));
        assert!(matches!(
            refusal_answer.try_recv().unwrap(),
            Err(StoreError::ExecutionDoesNotExist { .. })
        ));
        assert_eq!(kept(&conn), [4]);
        assert_eq!(counters.transactions.load(Ordering::Relaxed), 1);
        assert_eq!(counters.writes.load(Ordering::Relaxed), 2);
    }
}
