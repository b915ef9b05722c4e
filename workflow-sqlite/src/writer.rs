//! The one thread that writes, with group commit: every write queued while the last
//! transaction was being committed goes into the next one, so one fsync acknowledges many.

use std::sync::mpsc;
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

/// The writer thread and its queue.
pub(crate) struct Writer {
    queue: Option<mpsc::Sender<Box<dyn Queued>>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    /// Starts the thread that owns `conn`.
    pub(crate) fn start(conn: Connection, path: String) -> Result<Writer, StoreError> {
        let (queue, writes) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("workflow-sqlite-writer".to_string())
            .spawn(move || write_loop(&conn, &writes, &path))
            .map_err(|e| StoreError::Io(format!("cannot start the store's writer: {e}")))?;
        Ok(Writer {
            queue: Some(queue),
            thread: Some(thread),
        })
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

fn write_loop(conn: &Connection, writes: &mpsc::Receiver<Box<dyn Queued>>, path: &str) {
    let mut batch: Vec<Box<dyn Queued>> = Vec::new();
    while let Ok(first) = writes.recv() {
        batch.push(first);
        batch.extend(writes.try_iter());
        let failure = commit(conn, &mut batch)
            .err()
            .map(|f| f.into_store_error(path));
        for write in batch.drain(..) {
            write.answer(failure.as_ref());
        }
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
