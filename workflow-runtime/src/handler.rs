//! Task handlers: the async Rust code a Task state runs.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use serde_json::Value;

pub use workflow_core::AslError as TaskError;

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// What a handler sees of the task it runs.
#[derive(Clone)]
pub struct TaskContext {
    pub(crate) state_name: Arc<str>,
    pub(crate) resource: Arc<str>,
    pub(crate) execution_arn: Arc<str>,
    pub(crate) task_token: Option<String>,
    pub(crate) retry_count: u32,
    /// Which invocation this is, in its execution (`None` outside one).
    pub(crate) task: Option<u64>,
    pub(crate) heartbeat: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl std::fmt::Debug for TaskContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskContext")
            .field("state_name", &self.state_name)
            .field("resource", &self.resource)
            .field("execution_arn", &self.execution_arn)
            .field("task_token", &self.task_token)
            .field("retry_count", &self.retry_count)
            .field("idempotency_key", &self.idempotency_key())
            .finish_non_exhaustive()
    }
}

impl TaskContext {
    /// The Task state's name.
    pub fn state_name(&self) -> &str {
        &self.state_name
    }

    /// The state's `Resource`.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The execution's ARN.
    pub fn execution_arn(&self) -> &str {
        &self.execution_arn
    }

    /// The task token of a `.waitForTaskToken` task: give it to whoever will call
    /// [`Runtime::send_task_success`](crate::Runtime::send_task_success) or
    /// [`Runtime::send_task_failure`](crate::Runtime::send_task_failure).
    pub fn task_token(&self) -> Option<&str> {
        self.task_token.as_deref()
    }

    /// How many times this state has been retried before this attempt.
    pub fn retry_count(&self) -> u32 {
        self.retry_count
    }

    /// A key unique to this invocation, and the same when it is invoked again: task handlers
    /// are at-least-once (a task in flight when its process stopped is invoked again when
    /// the execution is resumed, with the same key), so a handler with effects passes it on
    /// (an idempotency key to a payment API, a deduplication id to a queue) to have them
    /// once. Each attempt of a retried state is an invocation of its own, with a key of its
    /// own. Built from the execution's ARN and the invocation's number in it; empty outside
    /// an execution.
    pub fn idempotency_key(&self) -> String {
        match self.task {
            Some(task) => format!("{}#{task}", self.execution_arn),
            None => String::new(),
        }
    }

    /// Tells the execution the task is alive, resetting its HeartbeatSeconds timer.
    pub fn heartbeat(&self) {
        if let Some(beat) = &self.heartbeat {
            beat();
        }
    }

    /// A context for calling a handler directly (outside an execution), e.g. in a unit test.
    pub fn detached(state_name: &str, resource: &str) -> TaskContext {
        TaskContext {
            state_name: Arc::from(state_name),
            resource: Arc::from(resource),
            execution_arn: Arc::from(""),
            task_token: None,
            retry_count: 0,
            task: None,
            heartbeat: None,
        }
    }

    /// This context with a task token: what a handler of a `.waitForTaskToken` task gets
    /// outside an execution (a Lambda function reads it from its payload), or in a unit test
    /// of a callback handler.
    pub fn with_task_token(mut self, token: impl Into<String>) -> TaskContext {
        self.task_token = Some(token.into());
        self
    }
}

/// Async code bound to a Task resource. Implemented for every
/// `Fn(Value, TaskContext) -> impl Future<Output = Result<Value, TaskError>>`.
///
/// ```
/// use serde_json::{Value, json};
/// use workflow_runtime::{TaskContext, TaskError, TaskHandler};
///
/// async fn double(input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
///     let n = input["n"].as_i64().ok_or_else(|| TaskError::new("BadInput", "n must be a number"))?;
///     Ok(json!({"n": n * 2}))
/// }
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let out = double.call(json!({"n": 21}), TaskContext::detached("Double", "double")).await;
/// assert_eq!(out.unwrap(), json!({"n": 42}));
/// # });
/// ```
pub trait TaskHandler: Send + Sync + 'static {
    /// Runs the task with its effective input.
    fn call(&self, input: Value, ctx: TaskContext) -> BoxFuture<Result<Value, TaskError>>;
}

impl<F, Fut> TaskHandler for F
where
    F: Fn(Value, TaskContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Value, TaskError>> + Send + 'static,
{
    fn call(&self, input: Value, ctx: TaskContext) -> BoxFuture<Result<Value, TaskError>> {
        Box::pin(self(input, ctx))
    }
}

/// Runs a future, turning a panic inside it into an error instead of unwinding the driver.
pub(crate) struct CatchUnwind<T> {
    inner: BoxFuture<T>,
}

impl<T> CatchUnwind<T> {
    pub(crate) fn new(inner: BoxFuture<T>) -> Self {
        CatchUnwind { inner }
    }
}

impl<T> Future for CatchUnwind<T> {
    type Output = Result<T, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.inner;
        match catch_unwind(AssertUnwindSafe(|| inner.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// The cause of a task whose handler panicked, with the panic's message: what a task failed
/// by a panic reports, in an execution and when a Lambda function serves the task.
pub fn panic_cause(panic: &(dyn Any + Send)) -> String {
    format!("The task handler panicked: {}", panic_message(panic))
}

/// The message of a panic payload.
fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a non-string panic payload".to_string()
    }
}
