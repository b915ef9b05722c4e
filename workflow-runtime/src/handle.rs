//! A running execution's handle, and what remains of an execution once it has ended.

use std::sync::Arc;

use tokio::sync::{oneshot, watch};
use workflow_core::error::names;
use workflow_core::execution::{Execution, ExecutionStatus, Failure};
use workflow_core::history::HistoryEvent;

use crate::driver::{Inbox, Msg};
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

/// A running (or finished) execution.
#[derive(Clone, Debug)]
pub struct ExecutionHandle {
    pub(crate) arn: Arc<str>,
    /// The driver's inbox; `None` for an execution that ended as it started.
    pub(crate) tx: Option<Inbox>,
    pub(crate) done: watch::Receiver<Option<Arc<Finished>>>,
}

impl ExecutionHandle {
    /// The execution's ARN.
    pub fn execution_arn(&self) -> &str {
        &self.arn
    }

    async fn finished(&self) -> Arc<Finished> {
        let mut done = self.done.clone();
        loop {
            if let Some(f) = done.borrow_and_update().as_ref() {
                return f.clone();
            }
            if done.changed().await.is_err() {
                // The driver is gone without a result: its tokio runtime shut down.
                if let Some(f) = done.borrow().as_ref() {
                    return f.clone();
                }
                return Arc::new(Finished {
                    status: ExecutionStatus::Aborted(Failure {
                        error: Some(names::RUNTIME.into()),
                        cause: Some(
                            "The tokio runtime that ran the execution shut down before it ended."
                                .into(),
                        ),
                    }),
                    history: Vec::new(),
                });
            }
        }
    }

    /// Waits for the execution to end and returns how it ended.
    pub async fn outcome(&self) -> ExecutionStatus {
        self.finished().await.status.clone()
    }

    /// How the execution ended, or `None` while it runs.
    pub fn try_outcome(&self) -> Option<ExecutionStatus> {
        self.done.borrow().as_ref().map(|f| f.status.clone())
    }

    /// The history so far (all of it once the execution has ended).
    pub async fn history(&self) -> Vec<HistoryEvent> {
        if let Some(f) = self.done.borrow().as_ref() {
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
