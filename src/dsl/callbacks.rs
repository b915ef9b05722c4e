//! Typed callbacks: a `#[task(callback)]` task's token answered with the task's own output
//! and error types ([`Callbacks`]), and the callbacks of a typed execution that wait for
//! their token listed by task ([`TypedExecution::pending`](super::TypedExecution::pending),
//! [`pending`]), so that an answer of the wrong type is a compile error, not a failure
//! several states later.

use std::marker::PhantomData;

use workflow_runtime::{BoxFuture, CallbackError, RegistryError, Runtime};

use super::{Task, TaskErrorKind, WorkflowDefinition};

/// A `#[task(callback)]` function: a task whose result arrives through its task token.
/// `#[task(callback)]` implements it; [`Callbacks`] answers the tokens of such a task.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a #[task(callback)] function: only a callback task waits for its task token to be answered",
    label = "not a #[task(callback)] function",
    note = "a token is answered with the types of the #[task(callback)] function whose state sent it"
)]
pub trait CallbackTask: Task {}

/// A `#[task(callback)]` function that the workflow `W` runs, and the names of its states
/// that run it: what [`TypedExecution::pending`](super::TypedExecution::pending) lists the
/// callbacks of. `workflow!` implements it for the function of each state marked
/// `callback`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a callback task of the workflow `{W}`",
    label = "`{W}` has no state marked `callback` that runs this function",
    note = "the pending callbacks of a workflow are those of the #[task(callback)] functions of its `callback` states"
)]
pub trait CallbackOf<W>: Task {
    /// The names of the states of `W` that run it, in the order they are written.
    const STATES: &'static [&'static str];
}

/// Answers the task tokens of the callback task `T` on a runtime, with `T`'s own types: its
/// output for a success, a value of its error type for a failure (the error name and cause
/// a Retry or Catch sees, as when the task's function fails). The typed form of
/// [`Runtime::send_task_success`], [`send_task_failure`](Runtime::send_task_failure) and
/// [`send_task_heartbeat`](Runtime::send_task_heartbeat), for code that holds a token (a
/// manager who received an approval request, a webhook): give it a
/// `Callbacks<request_approval>` rather than the runtime, and it can answer only that
/// task, only with an `Approval`.
///
/// ```
/// use workflow::dsl::Callbacks;
/// use workflow::prelude::*;
///
/// #[derive(Clone, Serialize, Deserialize)]
/// pub struct Order { pub id: String, pub approval: Option<Approval> }
/// #[derive(Clone, Serialize, Deserialize)]
/// pub struct Approval { pub approved: bool }
/// #[derive(Debug, TaskError)]
/// pub enum ApprovalError { Rejected(String) }
///
/// #[task(callback)]
/// async fn request_approval(ctx: &TaskContext, order: Order) -> Result<Callback<Approval>, ApprovalError> {
///     // A real function would send the token to whoever approves.
///     println!("approve order {} with token {:?}", order.id, ctx.task_token());
///     Ok(Callback::pending())
/// }
///
/// workflow! {
///     pub Approve(Order) -> Order {
///         task Ask = request_approval { callback, result_path: $.approval, end }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let runtime = Runtime::new();
/// let order = || Order { id: "A-1".into(), approval: None };
///
/// // The callbacks of an execution, listed by task: each answered with the task's types.
/// let execution = Approve::start(&runtime, order()).await?;
/// for pending in execution.pending::<request_approval>().await {
///     assert_eq!(pending.state_name(), "Ask");
///     pending.succeed(Approval { approved: true }).await?;
/// }
/// assert!(execution.output().await?.approval.unwrap().approved);
///
/// // By token, for code that holds only the token: a failure is a variant of the task's
/// // error type, which becomes the ASL error name and cause.
/// let execution = Approve::start(&runtime, order()).await?;
/// let token = execution.handle().pending_callbacks().await[0].token.clone();
/// let approvals = Callbacks::<request_approval>::new(&runtime);
/// approvals.heartbeat(&token).await?;
/// approvals.fail(&token, ApprovalError::Rejected("over budget".into())).await?;
/// let failure = execution.outcome().await.failure().cloned().unwrap();
/// assert_eq!(failure.error.as_deref(), Some("Rejected"));
/// assert_eq!(failure.cause.as_deref(), Some("over budget"));
/// # Ok(())
/// # }
/// ```
///
/// Answering with another type does not compile:
///
/// ```compile_fail
/// # use workflow::dsl::Callbacks;
/// # use workflow::prelude::*;
/// # #[derive(Serialize, Deserialize)]
/// # pub struct Approval { pub approved: bool }
/// # #[task(callback)]
/// # async fn request_approval(order: Value) -> Result<Callback<Approval>, TaskError> {
/// #     Ok(Callback::pending())
/// # }
/// # async fn answer(runtime: &Runtime, token: &str) {
/// Callbacks::<request_approval>::new(runtime)
///     .succeed(token, json!({"aproved": "yes"}))
///     .await;
/// # }
/// ```
pub struct Callbacks<T> {
    runtime: Runtime,
    task: PhantomData<fn() -> T>,
}

impl<T> Clone for Callbacks<T> {
    fn clone(&self) -> Self {
        Callbacks {
            runtime: self.runtime.clone(),
            task: PhantomData,
        }
    }
}

impl<T: Task> std::fmt::Debug for Callbacks<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callbacks")
            .field("task", &T::NAME)
            .finish_non_exhaustive()
    }
}

impl<T: Task> Callbacks<T> {
    /// Answers the tokens of `T` on `runtime`.
    // The bound is the method's, not the impl's: rustc then says why `T` does not fit.
    pub fn new(runtime: &Runtime) -> Callbacks<T>
    where
        T: CallbackTask,
    {
        Callbacks::on(runtime)
    }

    /// The callbacks of a task known to be a callback task (through [`CallbackOf`]).
    fn on(runtime: &Runtime) -> Callbacks<T> {
        Callbacks {
            runtime: runtime.clone(),
            task: PhantomData,
        }
    }

    /// Completes the task waiting for `token` with `output` as its result (AWS's
    /// `SendTaskSuccess`), and returns once that is recorded (for a durable store: on disk).
    pub async fn succeed(&self, token: &str, output: T::Output) -> Result<(), AnswerError> {
        let output = serde_json::to_value(output).map_err(AnswerError::InvalidOutput)?;
        self.runtime
            .send_task_success(token, output)
            .await
            .map_err(AnswerError::Refused)
    }

    /// Fails the task waiting for `token` with `error`'s ASL error name and cause (AWS's
    /// `SendTaskFailure`), as the task's function failing with it would: Retry and Catch
    /// match its name. Returns once that is recorded.
    pub async fn fail(&self, token: &str, error: T::Error) -> Result<(), AnswerError> {
        self.runtime
            .send_task_failure(token, Some(error.error_name()), error.cause())
            .await
            .map_err(AnswerError::Refused)
    }

    /// Tells that the task waiting for `token` is still being worked on (AWS's
    /// `SendTaskHeartbeat`): its `heartbeat_seconds` start again. Returns once that is
    /// recorded.
    pub async fn heartbeat(&self, token: &str) -> Result<(), AnswerError> {
        self.runtime
            .send_task_heartbeat(token)
            .await
            .map_err(AnswerError::Refused)
    }
}

/// Why a typed answer to a task token was not taken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnswerError {
    /// The output does not serialize to JSON (AWS's `InvalidOutput`): nothing was sent.
    #[error("the output is not valid JSON (InvalidOutput): {0}")]
    InvalidOutput(serde_json::Error),
    /// The runtime refused the answer: no task waits for the token any more (answered,
    /// timed out, its execution ended), an error name or cause out of AWS's bounds, or the
    /// store could not record it.
    #[error(transparent)]
    Refused(CallbackError),
}

/// A callback of the task `T` that waits for its task token, in a typed execution: its
/// state's name, its token, and its answers with `T`'s types. Answering spends it.
pub struct Pending<T> {
    state_name: String,
    token: String,
    callbacks: Callbacks<T>,
}

impl<T: Task> std::fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("task", &T::NAME)
            .field("state_name", &self.state_name)
            .field("token", &self.token)
            .finish()
    }
}

impl<T: Task> Pending<T> {
    /// The name of the state that waits.
    pub fn state_name(&self) -> &str {
        &self.state_name
    }

    /// Its task token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Answers for whoever holds only the token later: the same answers, by token.
    pub fn callbacks(&self) -> &Callbacks<T> {
        &self.callbacks
    }

    /// Completes the task with `output` (see [`Callbacks::succeed`]).
    pub async fn succeed(self, output: T::Output) -> Result<(), AnswerError> {
        self.callbacks.succeed(&self.token, output).await
    }

    /// Fails the task with `error` (see [`Callbacks::fail`]).
    pub async fn fail(self, error: T::Error) -> Result<(), AnswerError> {
        self.callbacks.fail(&self.token, error).await
    }

    /// Tells that the task is still being worked on (see [`Callbacks::heartbeat`]).
    pub async fn heartbeat(&self) -> Result<(), AnswerError> {
        self.callbacks.heartbeat(&self.token).await
    }
}

/// The pending callbacks of `T` among `all`, those of an execution of `W`.
pub(super) fn of_task<W, T: CallbackOf<W>>(
    runtime: &Runtime,
    all: Vec<workflow_runtime::PendingCallback>,
) -> Vec<Pending<T>> {
    all.into_iter()
        .filter(|p| T::STATES.contains(&p.state_name.as_str()))
        .map(|p| Pending {
            state_name: p.state_name,
            token: p.token,
            callbacks: Callbacks::on(runtime),
        })
        .collect()
}

/// The callbacks of the task `T` that wait for their token in the execution `arn` of the
/// workflow `W`, by ARN: for an execution of a durable store after a restart (whose typed
/// handle is gone), resumed or not yet (see [`Runtime::pending_callbacks`]).
///
/// `pending::<ApprovalOrder, request_approval>(&runtime, &arn).await?`
// A boxed future, as `TypedExecution::pending`'s: a `T` of another workflow is one error.
pub fn pending<W: WorkflowDefinition, T: CallbackOf<W>>(
    runtime: &Runtime,
    arn: &str,
) -> BoxFuture<Result<Vec<Pending<T>>, RegistryError>> {
    let (runtime, arn) = (runtime.clone(), arn.to_string());
    Box::pin(async move {
        let all = runtime.pending_callbacks(&arn).await?;
        Ok(of_task::<W, T>(&runtime, all))
    })
}
