//! Serves a workflow's `#[task]` functions as AWS Lambda functions (the `lambda` feature,
//! implemented in the `workflow-lambda` crate on AWS's `lambda_runtime`): the way from a
//! `workflow!` to the functions its deployed state machine invokes.
//!
//! [`Tasks`] gathers the tasks of the workflows a program serves and the states they take
//! (given once, as to `bind`), and [`serve`](Tasks::serve)s the one task each deployed
//! function is, through the Lambda Runtime API. One binary serves them all: the template of
//! `workflow template` (or `Deploy::sam_template`) deploys one function per task, all running
//! the binary built with `cargo lambda build --release --bin tasks` (which writes
//! `target/lambda/tasks/bootstrap`, the template's `CodeUri`), and tells each its task in
//! `WORKFLOW_TASK` ([`TASK_VARIABLE`]). See [`Functions::select`] for the other ways a
//! function can be told its task (its name; one binary per task).
//!
//! On AWS, the task does what it does in-process:
//!
//! * its `Ok` is the function's response, the task's result;
//! * its `Err`, a `#[derive(TaskError)]` variant, is a function error whose `errorType` is
//!   the variant's name (and `errorMessage` its cause), which Step Functions takes as the
//!   error's name: a Retry or a Catch on `PaymentError::CardDeclined` matches on AWS as it
//!   does locally. The `Cause` a Catch passes on is, on AWS, Lambda's whole error document
//!   as a string (`{"errorType":"CardDeclined","errorMessage":"..."}`), where it is the cause
//!   alone locally;
//! * an input that does not deserialize into the task's input type fails with
//!   `InvalidTaskInput` (and serde's message as the cause), the name it has locally: a
//!   Catch on `States.TaskFailed` or `States.ALL` takes it, as any task error, and a Catch
//!   on `InvalidTaskInput` takes only it;
//! * a `#[task(callback)]` is deployed as a `lambda:invoke.waitForTaskToken` task whose
//!   payload carries the task token in its `TaskToken` field: its function finds the token
//!   in `ctx.task_token()`, as locally, and hands it on. Its `Ok(Callback::pending())` is
//!   then *not* the task's result: the task waits until whoever got the token answers it
//!   through AWS's API, `SendTaskSuccess` with the result (`aws stepfunctions
//!   send-task-success --task-token ... --task-output '{"approved": true}'`) or
//!   `SendTaskFailure` with an error. Its `Err` fails the task at once.
//!
//! More, on what the function's `TaskContext` holds and on panics: [`workflow_lambda`].
//!
//! ```no_run
//! use std::sync::Arc;
//! use workflow::dsl::State;
//! use workflow::prelude::*;
//!
//! #[derive(Serialize, Deserialize)]
//! pub struct Order { pub id: String, pub total: f64 }
//! #[derive(Debug, TaskError)]
//! pub enum PaymentError { CardDeclined }
//!
//! pub struct Gateway { pub limit: f64 }
//!
//! #[task(name = "ChargeCard")]
//! async fn charge(State(gateway): State<Arc<Gateway>>, order: Order) -> Result<Order, PaymentError> {
//!     if order.total > gateway.limit {
//!         return Err(PaymentError::CardDeclined);
//!     }
//!     Ok(order)
//! }
//!
//! workflow! {
//!     pub Checkout(Order) -> Order {
//!         task Charge = charge { end }
//!     }
//! }
//!
//! // The `main` of the binary every function of the stack runs.
//! #[tokio::main]
//! async fn main() -> Result<(), workflow::lambda::Error> {
//!     workflow::lambda::Tasks::new()
//!         .state(Arc::new(Gateway { limit: 1000.0 }))
//!         .workflow::<Checkout>()
//!         .serve()
//!         .await
//! }
//! ```

pub use workflow_lambda::{
    FUNCTION_NAME_VARIABLE, Function, Functions, PANIC_ERROR, RUNTIME_API_VARIABLE, ServeError,
    TASK_TOKEN_FIELD, TASK_VARIABLE,
};

use crate::dsl::{BindProblem, Task, TaskInfo, TaskStates, WorkflowDefinition, write_problems};

/// The tasks a program serves as Lambda functions, and the states they take:
/// `Tasks::new().state(db).workflow::<Checkout>().serve().await`. Every problem (a state
/// given twice, a task whose states were not all given, two functions of one task name) is
/// reported at once, before anything is served.
#[derive(Debug, Default)]
#[must_use = "nothing is served until `.serve()`"]
pub struct Tasks {
    states: TaskStates,
    tasks: Vec<TaskInfo>,
    problems: Vec<BindProblem>,
}

impl Tasks {
    /// No tasks yet.
    pub fn new() -> Tasks {
        Tasks::default()
    }

    /// Gives the tasks that take a `State<T>` this value (each invocation gets a clone), as
    /// [`Binder::state`](crate::dsl::Binder::state) does.
    pub fn state<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Tasks {
        self.states.give(value, &mut self.problems);
        self
    }

    /// Serves every task of the workflow `W` (a task of several workflows is served once).
    pub fn workflow<W: WorkflowDefinition>(mut self) -> Tasks {
        for task in W::tasks() {
            self.add(task);
        }
        self
    }

    /// Serves the `#[task]` function `T` (for a program that serves some tasks only: one
    /// binary per task).
    pub fn task<T: Task>(mut self) -> Tasks {
        self.add(TaskInfo::of::<T>());
        self
    }

    fn add(&mut self, task: TaskInfo) {
        match self.tasks.iter().find(|t| t.name() == task.name()) {
            None => self.tasks.push(task),
            Some(same) if same.function() == task.function() => {}
            Some(other) => self.problems.push(BindProblem::SameName {
                name: task.name(),
                first: other.function(),
                second: task.function(),
            }),
        }
    }

    /// Each task's [`Function`], its handler made with its states: what [`serve`](Tasks::serve)
    /// serves.
    pub fn functions(self) -> Result<Functions, TasksError> {
        let mut problems = self.problems;
        let mut functions = Functions::new();
        for task in &self.tasks {
            match task.handler(&self.states) {
                Ok(handler) if task.is_callback() => {
                    functions.insert(task.name(), Function::callback(handler));
                }
                Ok(handler) => {
                    functions.insert(task.name(), Function::new(handler));
                }
                Err(missing) => problems.push(missing.into()),
            }
        }
        if problems.is_empty() {
            Ok(functions)
        } else {
            Err(TasksError { problems })
        }
    }

    /// Serves the task this process is deployed as ([`Functions::serve`]): returns at once
    /// with the problems of the tasks, or when the process does not run in Lambda or is
    /// deployed as a task it does not serve; else serves invocations until Lambda stops it.
    pub async fn serve(self) -> Result<(), Error> {
        self.functions()?.serve().await?;
        Ok(())
    }
}

/// Why the tasks could not be served: every problem found.
#[derive(Debug)]
pub struct TasksError {
    problems: Vec<BindProblem>,
}

impl TasksError {
    /// The problems, in the order the tasks were given.
    pub fn problems(&self) -> &[BindProblem] {
        &self.problems
    }
}

impl std::fmt::Display for TasksError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the tasks cannot be served")?;
        write_problems(f, &self.problems)
    }
}

impl std::error::Error for TasksError {}

/// Why a program could not serve its task.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The tasks it was given have problems.
    #[error(transparent)]
    Tasks(#[from] TasksError),
    /// It could not serve the task it is deployed as.
    #[error(transparent)]
    Serve(#[from] ServeError),
}
