//! The callback tasks of an execution that wait for their task token: listed with their
//! state names and tokens, from its driver (which brings a parked execution back to answer,
//! as a request for its history does) or, for a durable store's execution that no runtime
//! drives, from its journal.
//!
//! AWS has no call that lists them (a token reaches whoever answers it through the task's
//! own parameters, `$$.Task.Token`); a program that runs its executions in-process can ask,
//! which spares it a table of the tokens it handed out, and survives a restart as the
//! tokens do.

use tokio::sync::oneshot;
use workflow_core::execution::{Command, TaskId};

use crate::driver::{Inbox, Msg, callback_token};
use crate::error::RegistryError;
use crate::executions::does_not_exist;
use crate::recovery;
use crate::runtime::Runtime;

/// A callback task (`.waitForTaskToken`) waiting for its task token to be answered with
/// [`Runtime::send_task_success`], [`send_task_failure`](Runtime::send_task_failure) or
/// kept alive with [`send_task_heartbeat`](Runtime::send_task_heartbeat).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PendingCallback {
    /// The name of the Task state that waits (in a Parallel branch or a Map iteration, the
    /// state's own name).
    pub state_name: String,
    /// Its task token.
    pub token: String,
}

impl PendingCallback {
    /// A task in `state_name` waiting for `token`.
    pub fn new(state_name: impl Into<String>, token: impl Into<String>) -> PendingCallback {
        PendingCallback {
            state_name: state_name.into(),
            token: token.into(),
        }
    }
}

/// The callback tasks waiting for their token in the execution of `inbox`, in the order they
/// were invoked; none once it has ended.
pub(crate) async fn pending_in(inbox: &Inbox) -> Vec<PendingCallback> {
    let (reply, answer) = oneshot::channel();
    if inbox.send(Msg::PendingCallbacks(reply)).is_err() {
        return Vec::new();
    }
    // Dropped unanswered: it ended before the request was handled.
    answer.await.unwrap_or_default()
}

impl Runtime {
    /// The callback tasks of the execution `arn` that wait for their task token, each with
    /// its state's name and its token, in the order they were invoked; none once the
    /// execution has ended.
    ///
    /// An execution this runtime drives answers from memory (one parked while it waits is
    /// brought back to answer, as for its history); one of a durable store that no runtime
    /// drives (left by a process that stopped, not resumed yet) is read from its journal,
    /// which keeps its tokens: after [`resume`](Runtime::resume) they are answered as before
    /// the restart. An unknown ARN, or an EXPRESS execution (which has no record), is
    /// [`RegistryError::ExecutionDoesNotExist`]; a durable store's execution whose journal no
    /// longer replays is [`RegistryError::HistoryUnavailable`].
    ///
    /// A task whose function is still running is listed too: its token can already be
    /// answered, as on AWS.
    pub async fn pending_callbacks(
        &self,
        arn: &str,
    ) -> Result<Vec<PendingCallback>, RegistryError> {
        let shared = &self.shared;
        if let Some(live) = shared.registry.live(arn) {
            return Ok(pending_in(&live.inbox).await);
        }
        let record = self.describe_execution(arn).await?;
        if record.status.is_finished() {
            return Ok(Vec::new());
        }
        if !shared.durable {
            // Its runtime is another one sharing the store: it is not this one's to answer.
            return Err(does_not_exist(arn));
        }
        let unavailable = |reason: String| RegistryError::HistoryUnavailable {
            arn: arn.to_string(),
            reason,
        };
        let rebuilt =
            recovery::rebuild_record(shared, &record, RegistryError::Store, unavailable).await?;
        let replayed = rebuilt.replayed;
        // Those handed over, and those whose function was running when the process stopped
        // (invoked again on resume, with the same token).
        let mut waiting: Vec<(TaskId, &str)> = replayed
            .awaiting_token
            .iter()
            .map(|(task, token)| (*task, token.as_str()))
            .collect();
        waiting.extend(
            replayed
                .outstanding
                .iter()
                .filter_map(|command| match command {
                    Command::Invoke(inv) => Some((inv.task, callback_token(inv)?)),
                    _ => None,
                }),
        );
        waiting.sort_by_key(|(task, _)| task.0);
        Ok(waiting
            .into_iter()
            .filter_map(|(task, token)| {
                let state = replayed.execution.task_state_name(task)?;
                Some(PendingCallback::new(&**state, token))
            })
            .collect())
    }
}
