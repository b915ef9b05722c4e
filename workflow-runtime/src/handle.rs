//! A running execution's handle, and what remains of an execution once it has ended.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use tokio::sync::{Notify, oneshot};
use workflow_core::error::names;
use workflow_core::execution::{Execution, ExecutionStatus, Failure};
use workflow_core::history::HistoryEvent;

use crate::driver::{Inbox, Msg};
use crate::pending::{PendingCallback, pending_in};
use crate::store::StoreError;

/// What remains of an execution once it has ended.
#[derive(Debug)]
pub(crate) struct Finished {
    pub status: ExecutionStatus,
    pub history: Vec<HistoryEvent>,
}

impl Finished {
    pub(crate) fn from_execution(execution: Execution) -> Finished {
        let status = execution.status().clone();
        Finished {
            status,
            history: execution.into_history(),
        }
    }
}

/// How an execution ended, once it has: told once by its driver, read by its handles.
///
/// Every execution has one, so it is small (a `watch` channel took half a kilobyte, and
/// woke eight lists of waiters as it closed).
#[derive(Clone)]
pub(crate) struct Done(Arc<DoneCell>);

struct DoneCell {
    finished: OnceLock<Arc<Finished>>,
    /// Its driver is gone without telling (its tokio runtime shut down).
    abandoned: AtomicBool,
    told: Notify,
}

/// The driver's end of a [`Done`]: dropped without telling, it tells the handles that the
/// driver is gone.
pub(crate) struct DoneSender(Arc<DoneCell>);

impl Done {
    /// An execution's end, and what its driver tells it with.
    pub(crate) fn channel() -> (DoneSender, Done) {
        let cell = Arc::new(DoneCell {
            finished: OnceLock::new(),
            abandoned: AtomicBool::new(false),
            told: Notify::new(),
        });
        (DoneSender(cell.clone()), Done(cell))
    }

    /// The end of an execution that has ended already.
    pub(crate) fn ended(finished: Arc<Finished>) -> Done {
        let (sender, done) = Done::channel();
        sender.send(finished);
        done
    }

    /// How it ended, if it has.
    pub(crate) fn get(&self) -> Option<&Arc<Finished>> {
        self.0.finished.get()
    }

    /// Waits until it has ended; `None` when its driver went away without telling.
    pub(crate) async fn wait(&self) -> Option<Arc<Finished>> {
        loop {
            // Registered before looking, so that a telling in between is not missed.
            let mut told = std::pin::pin!(self.0.told.notified());
            told.as_mut().enable();
            if let Some(finished) = self.get() {
                return Some(finished.clone());
            }
            if self.0.abandoned.load(Ordering::Acquire) {
                return self.get().cloned();
            }
            told.await;
        }
    }
}

impl std::fmt::Debug for Done {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Done")
            .field("ended", &self.get().is_some())
            .finish_non_exhaustive()
    }
}

impl DoneSender {
    /// Tells how the execution ended (only the first telling counts).
    pub(crate) fn send(&self, finished: Arc<Finished>) {
        let _ = self.0.finished.set(finished);
        self.0.told.notify_waiters();
    }
}

impl Drop for DoneSender {
    fn drop(&mut self) {
        if self.0.finished.get().is_none() {
            self.0.abandoned.store(true, Ordering::Release);
            self.0.told.notify_waiters();
        }
    }
}

/// A running (or finished) execution.
#[derive(Clone, Debug)]
pub struct ExecutionHandle {
    pub(crate) arn: Arc<str>,
    /// The driver's inbox; `None` for an execution that ended as it started.
    pub(crate) tx: Option<Inbox>,
    pub(crate) done: Done,
}

impl ExecutionHandle {
    /// The execution's ARN.
    pub fn execution_arn(&self) -> &str {
        &self.arn
    }

    async fn finished(&self) -> Arc<Finished> {
        match self.done.wait().await {
            Some(finished) => finished,
            // The driver is gone without a result: its tokio runtime shut down.
            None => Arc::new(Finished {
                status: ExecutionStatus::Aborted(Failure {
                    error: Some(names::RUNTIME.into()),
                    cause: Some(
                        "The tokio runtime that ran the execution shut down before it ended."
                            .into(),
                    ),
                }),
                history: Vec::new(),
            }),
        }
    }

    /// Waits for the execution to end and returns how it ended.
    pub async fn outcome(&self) -> ExecutionStatus {
        self.finished().await.status.clone()
    }

    /// How the execution ended, or `None` while it runs.
    pub fn try_outcome(&self) -> Option<ExecutionStatus> {
        self.done.get().map(|f| f.status.clone())
    }

    /// The history so far (all of it once the execution has ended).
    pub async fn history(&self) -> Vec<HistoryEvent> {
        if let Some(f) = self.done.get() {
            return f.history.clone();
        }
        if let Some(tx) = &self.tx {
            let (reply, answer) = oneshot::channel();
            if tx.send(Msg::History(reply)).is_ok()
                && let Ok(history) = answer.await
            {
                return history;
            }
        }
        self.finished().await.history.clone()
    }

    /// Stops the execution (ExecutionAborted), recording `error` and `cause`, and returns once
    /// the stop is recorded (for a durable store: on disk). Stopping an execution that has
    /// ended does nothing.
    pub async fn stop(
        &self,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<(), StoreError> {
        let Some(tx) = &self.tx else {
            return Ok(());
        };
        let (ack, recorded) = oneshot::channel();
        if tx
            .send(Msg::Stop(Failure { error, cause }, Some(ack)))
            .is_err()
        {
            return Ok(());
        }
        // Dropped unanswered: the execution ended before the stop was handled.
        recorded.await.unwrap_or(Ok(()))
    }

    /// The callback tasks of this execution that wait for their task token, each with its
    /// state's name and its token, in the order they were invoked; none once it has ended
    /// (see [`Runtime::pending_callbacks`](crate::Runtime::pending_callbacks), which lists
    /// them by ARN). Answer them with
    /// [`Runtime::send_task_success`](crate::Runtime::send_task_success) and the others.
    ///
    /// ```
    /// use serde_json::{Value, json};
    /// use workflow_runtime::{Runtime, TaskContext, TaskError};
    ///
    /// # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    /// # rt.block_on(async {
    /// let runtime = Runtime::new();
    /// // The approver's function only hands the token on (here: nowhere).
    /// runtime.bind_lambda("approve", |_input: Value, _ctx: TaskContext| async move {
    ///     Ok::<_, TaskError>(json!({}))
    /// });
    /// let workflow = runtime.load(r#"{
    ///   "StartAt": "Approve",
    ///   "States": {
    ///     "Approve": {
    ///       "Type": "Task",
    ///       "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
    ///       "Parameters": {"FunctionName": "approve", "Payload": {"token.$": "$$.Task.Token"}},
    ///       "End": true
    ///     }
    ///   }
    /// }"#).unwrap();
    /// let execution = runtime.start(&workflow, json!({})).await.unwrap();
    ///
    /// let pending = execution.pending_callbacks().await;
    /// assert_eq!(pending.len(), 1);
    /// assert_eq!(pending[0].state_name, "Approve");
    /// runtime.send_task_success(&pending[0].token, json!({"approved": true})).await.unwrap();
    ///
    /// assert_eq!(execution.outcome().await.output(), Some(&json!({"approved": true})));
    /// assert!(execution.pending_callbacks().await.is_empty());
    /// # });
    /// ```
    pub async fn pending_callbacks(&self) -> Vec<PendingCallback> {
        match &self.tx {
            Some(tx) => pending_in(tx).await,
            None => Vec::new(),
        }
    }

    /// Sends a heartbeat for every task of this execution that is under way: each one's
    /// HeartbeatSeconds timer starts again, as `SendTaskHeartbeat` does for one task token.
    /// For work done outside the task handlers (a callback answered by another system)
    /// without handing the tokens around.
    pub fn heartbeat(&self) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::HeartbeatAll);
        }
    }
}
