//! The tasks a binary serves, and how one invocation runs one of them.

use std::collections::BTreeMap;
use std::sync::Arc;

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::Value;
use workflow_runtime::{TaskContext, TaskError, TaskHandler, panic_cause};

use crate::TASK_VARIABLE;
use crate::environment::{self, FUNCTION_NAME_VARIABLE, ServeError};

/// The field of a callback task's payload that holds its task token: the exported ASL of a
/// `#[task(callback)]` invokes its function with `"TaskToken.$": "$$.Task.Token"` in the
/// payload.
pub const TASK_TOKEN_FIELD: &str = "TaskToken";

/// The `errorType` of a function whose handler panicked. Not `States.TaskFailed`, the name
/// a panic has in-process: names beginning with `States.` are Step Functions' own. A Retry or
/// Catch on `States.TaskFailed` or `States.ALL` matches it, as it matches a panic in-process.
pub const PANIC_ERROR: &str = "Panic";

/// A task as a Lambda function serves it: its handler, and whether it is a
/// `.waitForTaskToken` task.
#[derive(Clone)]
pub struct Function {
    handler: Arc<dyn TaskHandler>,
    /// Its token is in its payload's `TaskToken` field.
    callback: bool,
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Function")
            .field("callback", &self.callback)
            .finish_non_exhaustive()
    }
}

impl Function {
    /// A task whose result is the function's response (a Task state whose `Resource` is the
    /// function's ARN).
    pub fn new(handler: Arc<dyn TaskHandler>) -> Function {
        Function {
            handler,
            callback: false,
        }
    }

    /// A `.waitForTaskToken` task, invoked with `lambda:invoke.waitForTaskToken`: its handler
    /// finds the payload's `TaskToken` in its context's
    /// [`task_token`](TaskContext::task_token), and what it returns is not the task's result
    /// (the token is answered later, by `SendTaskSuccess` or `SendTaskFailure`).
    pub fn callback(handler: Arc<dyn TaskHandler>) -> Function {
        Function {
            handler,
            callback: true,
        }
    }

    /// Whether it is a `.waitForTaskToken` task.
    pub fn is_callback(&self) -> bool {
        self.callback
    }

    /// Runs one invocation: `payload` is the event, `function_arn` the ARN it was invoked by
    /// (the context's resource). A panic of the handler is its failure, [`PANIC_ERROR`].
    pub async fn call(&self, payload: Value, function_arn: &str) -> Result<Value, TaskError> {
        let mut ctx = TaskContext::detached("", function_arn);
        if self.callback
            && let Some(token) = payload.get(TASK_TOKEN_FIELD).and_then(Value::as_str)
        {
            ctx = ctx.with_task_token(token);
        }
        let handler = Arc::clone(&self.handler);
        // In a task of its own, so that a panic, while the handler makes its future or while
        // it runs, is this invocation's failure and not the end of the process.
        match tokio::spawn(async move { handler.call(payload, ctx).await }).await {
            Ok(result) => result,
            Err(stopped) => {
                let cause = match stopped.try_into_panic() {
                    Ok(panic) => panic_cause(&*panic),
                    Err(cancelled) => cancelled.to_string(),
                };
                Err(TaskError::new(PANIC_ERROR, cause))
            }
        }
    }
}

/// What Lambda reports for a task's error: its name as the `errorType`, which Step Functions
/// takes as the error's name, and its cause as the `errorMessage`.
fn diagnostic(error: TaskError) -> Diagnostic {
    Diagnostic {
        error_type: error.error,
        error_message: error.cause.unwrap_or_default(),
    }
}

/// The tasks one binary serves, by task name.
#[derive(Clone, Debug, Default)]
pub struct Functions {
    by_name: BTreeMap<String, Function>,
}

impl Functions {
    /// No tasks yet.
    pub fn new() -> Functions {
        Functions::default()
    }

    /// Serves `function` as the task `name` (a `${Name}` of the exported ASL); returns the
    /// function served under that name before, which this one replaces.
    pub fn insert(&mut self, name: impl Into<String>, function: Function) -> Option<Function> {
        self.by_name.insert(name.into(), function)
    }

    /// The function of the task `name`.
    pub fn get(&self, name: &str) -> Option<&Function> {
        self.by_name.get(name)
    }

    /// The names of the tasks, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// Which task this process serves, given its environment (`variable` reads one): the task
    /// named by `WORKFLOW_TASK` ([`TASK_VARIABLE`]), which must be one of them; when it is
    /// not set, the task named like the function (`AWS_LAMBDA_FUNCTION_NAME`: a function
    /// deployed with its task's name), else the only task of a binary that serves one (one
    /// binary per task, whatever its functions are named).
    pub fn select(
        &self,
        variable: impl Fn(&str) -> Option<String>,
    ) -> Result<(&str, &Function), ServeError> {
        let tasks = || self.names().map(str::to_string).collect();
        if let Some(name) = variable(TASK_VARIABLE) {
            return self.named(&name).ok_or_else(|| ServeError::UnknownTask {
                variable: TASK_VARIABLE,
                name,
                tasks: tasks(),
            });
        }
        let function_name = variable(FUNCTION_NAME_VARIABLE);
        if let Some(found) = function_name.as_deref().and_then(|name| self.named(name)) {
            return Ok(found);
        }
        let mut all = self.by_name.iter();
        match (all.next(), all.next()) {
            (Some((name, function)), None) => Ok((name, function)),
            (None, _) => Err(ServeError::NoTasks),
            (Some(_), Some(_)) => Err(ServeError::NoTaskNamed {
                function_name,
                tasks: tasks(),
            }),
        }
    }

    /// The task `name` and its function.
    fn named(&self, name: &str) -> Option<(&str, &Function)> {
        self.by_name
            .get_key_value(name)
            .map(|(name, function)| (name.as_str(), function))
    }

    /// Serves the task this process is deployed as ([`select`](Functions::select)) through
    /// the Lambda Runtime API, one invocation after the other, until Lambda stops the
    /// process. Returns at once with an error when the process does not run in Lambda (the
    /// variables Lambda sets are missing or malformed), when it serves no task of that name,
    /// and later when the Runtime API fails.
    pub async fn serve(self) -> Result<(), ServeError> {
        let variable = |name: &str| std::env::var(name).ok();
        environment::check(&variable)?;
        let (_, function) = self.select(variable)?;
        let function = function.clone();
        lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
            let function = function.clone();
            async move {
                function
                    .call(event.payload, &event.context.invoked_function_arn)
                    .await
                    .map_err(diagnostic)
            }
        }))
        .await
        .map_err(ServeError::RuntimeApi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn echo() -> Arc<dyn TaskHandler> {
        Arc::new(|input: Value, ctx: TaskContext| async move {
            Ok(json!({"input": input, "token": ctx.task_token(), "resource": ctx.resource()}))
        })
    }

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:Stack-Echo-1A2B";

    #[tokio::test]
    async fn a_task_gets_its_payload_and_the_function_arn() {
        let out = Function::new(echo())
            .call(json!({"id": 1, "TaskToken": "t-1"}), ARN)
            .await
            .unwrap();
        // Not a callback: a `TaskToken` field is data, as it is in-process.
        assert_eq!(
            out,
            json!({"input": {"id": 1, "TaskToken": "t-1"}, "token": null, "resource": ARN})
        );
    }

    #[tokio::test]
    async fn a_callback_finds_the_token_of_its_payload_in_its_context() {
        let out = Function::callback(echo())
            .call(json!({"id": 1, "TaskToken": "t-1"}), ARN)
            .await
            .unwrap();
        // The payload is passed on whole, as the runtime passes it in-process.
        assert_eq!(out["input"], json!({"id": 1, "TaskToken": "t-1"}));
        assert_eq!(out["token"], "t-1");
        let out = Function::callback(echo())
            .call(json!({"id": 1}), ARN)
            .await
            .unwrap();
        assert_eq!(out["token"], Value::Null);
    }

    #[tokio::test]
    async fn an_error_is_reported_with_its_name_as_the_error_type() {
        let failing: Arc<dyn TaskHandler> = Arc::new(|_: Value, _: TaskContext| async move {
            Err(TaskError::new("CardDeclined", "insufficient_funds"))
        });
        let error = Function::new(failing)
            .call(json!({}), ARN)
            .await
            .unwrap_err();
        let reported = diagnostic(error);
        assert_eq!(reported.error_type, "CardDeclined");
        assert_eq!(reported.error_message, "insufficient_funds");
        // A name without a cause: Lambda's error document still has an errorMessage.
        let reported = diagnostic(TaskError {
            error: "Rejected".into(),
            cause: None,
        });
        assert_eq!(reported.error_message, "");
    }

    #[tokio::test]
    async fn a_panic_fails_the_invocation_with_the_cause_an_execution_reports() {
        let panicking: Arc<dyn TaskHandler> =
            Arc::new(|_: Value, _: TaskContext| async move { panic!("the gateway is gone") });
        let error = Function::new(panicking)
            .call(json!({}), ARN)
            .await
            .unwrap_err();
        assert_eq!(error.error, PANIC_ERROR);
        let payload: Box<dyn std::any::Any + Send> = Box::new("the gateway is gone");
        assert_eq!(
            error.cause.as_deref(),
            Some(panic_cause(&*payload).as_str())
        );
    }
}
