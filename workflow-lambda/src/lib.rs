//! Serves task handlers as AWS Lambda functions, through the
//! [Lambda Runtime API](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html)
//! (with AWS's runtime client, `lambda_runtime`), so that a state machine deployed on AWS
//! runs the same Rust code as it runs in-process.
//!
//! One binary serves every task: the deployed functions all run it, and each is told which
//! task it is in its `WORKFLOW_TASK` variable ([`TASK_VARIABLE`], what the SAM template of
//! `workflow template` sets); without it, a function whose name is a task's name serves that
//! task, and a binary of one task serves it whatever the function's name (one binary per
//! task). See [`Functions::select`].
//!
//! What Step Functions sees is what the task does in-process:
//!
//! * its result is the function's response;
//! * its error is a function error whose `errorType` is the error's name and whose
//!   `errorMessage` is its cause: Step Functions names the task's failure after the
//!   `errorType`, so that a Retry or a Catch on `CardDeclined` matches on AWS as it does
//!   locally
//!   ([Lambda function errors in Rust](https://docs.aws.amazon.com/lambda/latest/dg/rust-exceptions.html),
//!   [handling error conditions](https://docs.aws.amazon.com/step-functions/latest/dg/tutorial-handling-error-conditions.html)).
//!   The Cause a Catch passes on is, on AWS, the whole error document Lambda returns
//!   (`{"errorType": ..., "errorMessage": ...}` as a string), where it is the cause alone
//!   in-process: match on the error's name, not on its cause's text;
//! * an input that does not fit the task's input type fails with the name it has in-process
//!   (`InvalidTaskInput` for a `#[task]` function), matched by `States.TaskFailed` and
//!   `States.ALL` as any task error is;
//! * a handler that panics fails with [`PANIC_ERROR`] and the cause an execution reports for
//!   a panic (in-process the error is `States.TaskFailed`, a name a function cannot report
//!   since the names beginning with `States.` are reserved): a Retry or Catch on
//!   `States.TaskFailed` or `States.ALL` matches it on AWS as in-process;
//! * a `.waitForTaskToken` task ([`Function::callback`]), deployed, is a Lambda function
//!   invoked with `arn:aws:states:::lambda:invoke.waitForTaskToken` whose payload carries the
//!   task token in its `TaskToken` field ([`TASK_TOKEN_FIELD`]): the handler finds it in
//!   [`TaskContext::task_token`](workflow_runtime::TaskContext::task_token), as in-process,
//!   and hands it to whoever will answer. What the function returns is then *not* the
//!   task's result: Step Functions waits until the token is answered, by `SendTaskSuccess`
//!   (the result) or `SendTaskFailure` (an error), which whoever got the token calls through
//!   AWS's API. A function error still fails the task at once.
//!
//! Lambda does not tell a function which state or execution invoked it: in its
//! [`TaskContext`](workflow_runtime::TaskContext) the state name and the execution ARN are
//! empty, the retry count is 0, the idempotency key is empty (pass `$$.Execution.Id` in the
//! task's parameters when the function needs it) and a heartbeat does nothing; the resource is
//! the function's ARN.
//!
//! ```no_run
//! use std::sync::Arc;
//! use workflow_lambda::{Function, Functions};
//! use workflow_runtime::{TaskContext, TaskError};
//! use serde_json::{Value, json};
//!
//! # async fn run() -> Result<(), workflow_lambda::ServeError> {
//! let mut functions = Functions::new();
//! functions.insert(
//!     "ChargeCard",
//!     Function::new(Arc::new(|order: Value, _ctx: TaskContext| async move {
//!         if order["total"].as_f64().unwrap_or_default() > 1000.0 {
//!             return Err(TaskError::new("CardDeclined", "over the card's limit"));
//!         }
//!         Ok(json!({"charged": order["total"]}))
//!     })),
//! );
//! functions.serve().await
//! # }
//! ```
//!
//! With the `lambda` feature of the `workflow` crate, `workflow::lambda::Tasks` makes the
//! [`Functions`] of a workflow's `#[task]` functions, with the states they take.
#![warn(missing_docs)]

mod environment;
mod function;

pub use environment::{FUNCTION_NAME_VARIABLE, RUNTIME_API_VARIABLE, ServeError};
pub use function::{Function, Functions, PANIC_ERROR, TASK_TOKEN_FIELD};
pub use workflow_core::deploy::template::TASK_VARIABLE;
