//! Support for the `#[task]` and `workflow!` macros: the traits the generated code
//! implements, the binding of a workflow's tasks to a runtime ([`Binder`]: the [`State`]s
//! its functions take, typed test doubles, and the rule that keeps one function per task
//! name), the typed start of a workflow, and the never-run helpers through which rustc
//! checks a workflow's data flow.
//!
//! See the [`workflow!`](crate::workflow) macro for the syntax, and [`type_errors`] for how
//! to read the compile errors it produces.

use std::marker::PhantomData;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use workflow_core::definition::Definition;
use workflow_core::execution::{ExecutionStatus, Failure};
use workflow_core::history::HistoryEvent;
use workflow_core::plan::{CompileOptions, MachineType};
use workflow_runtime::{
    BoxFuture, ExecutionHandle, Runtime, StartError, StartOptions, TaskError, TaskHandler, Workflow,
};

mod binding;
mod callbacks;
pub mod type_errors;

#[cfg(feature = "lambda")]
pub(crate) use binding::write_problems;
pub use binding::{
    BindError, BindProblem, Binder, MissingStates, State, TaskDouble, TaskInfo, TaskOf, TaskStates,
};
pub use callbacks::{AnswerError, CallbackOf, CallbackTask, Callbacks, Pending, pending};

/// A function marked `#[task]`: its input, output and error types, its name in ASL, and its
/// handler. Implemented by the macro on a type of the same name as the function.
pub trait Task: 'static {
    /// What the task receives (its effective input, deserialized).
    type Input: DeserializeOwned + Send + 'static;
    /// What it returns (serialized into the state's result). For a callback task, what the
    /// task token is eventually answered with.
    type Output: Serialize + Send + 'static;
    /// Its error type, whose variants are the ASL error names it can raise.
    type Error: TaskErrorKind;
    /// The task's name: its resource in the exported ASL is the substitution `${NAME}`, and
    /// a runtime binds it by this name. The function's name in PascalCase, or the one given
    /// with `#[task(name = "...")]`.
    const NAME: &'static str;
    /// The function's path (`orders::billing::notify`, from `module_path!()`): what tells two
    /// functions of one name apart, in the errors that refuse to bind both to one name. (Two
    /// functions of one name declared inside two function bodies of one module share it.)
    const FUNCTION: &'static str;
    /// True for `#[task(callback)]`: a `.waitForTaskToken` task.
    const CALLBACK: bool;
    /// The handler the runtime calls, made with the states the function takes
    /// ([`State<T>`] parameters) from `states`; `Err` lists those `states` lacks.
    fn handler(states: &TaskStates) -> Result<Arc<dyn TaskHandler>, MissingStates>;
}

/// An error a task can raise: its ASL error name and cause. `#[derive(TaskError)]` implements
/// it for an enum whose variants are the error names.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error type of a task",
    label = "not a #[derive(TaskError)] enum",
    note = "a task's error is a #[derive(TaskError)] enum, whose variants are the ASL error names it raises, or TaskError (any name)"
)]
pub trait TaskErrorKind: Send + 'static {
    /// The ASL error name (what Retry and Catch match).
    fn error_name(&self) -> String;
    /// The cause, when there is one.
    fn cause(&self) -> Option<String>;
}

impl TaskErrorKind for TaskError {
    fn error_name(&self) -> String {
        self.error.clone()
    }

    fn cause(&self) -> Option<String> {
        self.cause.clone()
    }
}

impl TaskErrorKind for std::convert::Infallible {
    fn error_name(&self) -> String {
        match *self {}
    }

    fn cause(&self) -> Option<String> {
        match *self {}
    }
}

/// What a `#[task(callback)]` function returns once it has sent its task token on its way:
/// the task's result, a `T`, arrives later, through the token: answered with
/// [`Callbacks::succeed`] (or [`Pending::succeed`], from the list of a typed execution's
/// [`pending`](TypedExecution::pending) callbacks), which take a `T`.
pub struct Callback<T>(PhantomData<fn() -> T>);

impl<T> Callback<T> {
    /// The task now waits for its token to be answered.
    pub fn pending() -> Callback<T> {
        Callback(PhantomData)
    }
}

impl<T> std::fmt::Debug for Callback<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Callback::pending()")
    }
}

/// The document a Catch passes on: `{"Error": ..., "Cause": ...}`. Its fields carry the JSON
/// names, so that paths such as `$.error.Cause` name them as they are.
#[allow(non_snake_case)]
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ErrorOutput {
    /// The error name.
    pub Error: String,
    /// The cause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub Cause: Option<String>,
}

/// A workflow defined with `workflow!`.
pub trait WorkflowDefinition: 'static {
    /// The execution input.
    type Input: Serialize;
    /// The execution output.
    type Output: DeserializeOwned;
    /// The workflow's name (the state machine name).
    const NAME: &'static str;
    /// The exported ASL, Task resources written as `${Name}` substitution variables.
    const ASL: &'static str;
    /// STANDARD or EXPRESS.
    const MACHINE_TYPE: MachineType;
    /// Every task of the workflow (each function once), in the order its states name them.
    fn tasks() -> Vec<TaskInfo>;
    /// The workflow compiled for running, once per program.
    fn workflow() -> &'static Workflow;
}

/// The validated definition of a workflow.
pub fn definition<W: WorkflowDefinition>() -> Definition {
    Definition::from_json_str(
        W::ASL,
        &CompileOptions {
            machine_type: W::MACHINE_TYPE,
        },
    )
    .unwrap_or_else(|d| {
        // The macro validated the same text at compile time with the same validator.
        panic!(
            "the definition of {} was checked at compile time: {d}",
            W::NAME
        )
    })
}

/// The exported ASL with each `${Name}` resource replaced by `resolve(Name)` (for example
/// the Lambda ARN it is deployed as), in a Task's `Resource` and in the `FunctionName` of a
/// callback task's Lambda invocation; names it returns `None` for are left as `${Name}`.
pub fn resolve_asl(asl: &str, resolve: impl Fn(&str) -> Option<String>) -> String {
    let mut value: Value = serde_json::from_str(asl).unwrap_or(Value::Null);
    resolve_resources(&mut value, &resolve);
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

fn resolve_resources(value: &mut Value, resolve: &dyn Fn(&str) -> Option<String>) {
    match value {
        Value::Object(map) => {
            let is_task = map.get("Type").and_then(Value::as_str) == Some("Task");
            let substitute = |v: &mut Value| {
                let resolved = v.as_str().and_then(|r| {
                    let rest = r.strip_prefix("${")?;
                    let (name, suffix) = rest.split_once('}')?;
                    Some(format!("{}{suffix}", resolve(name)?))
                });
                if let Some(resolved) = resolved {
                    *v = Value::String(resolved);
                }
            };
            for (key, v) in map.iter_mut() {
                if is_task && key == "Resource" {
                    substitute(v);
                } else if is_task && key == "Parameters" {
                    if let Some(function) = v.get_mut("FunctionName") {
                        substitute(function);
                    }
                    resolve_resources(v, resolve);
                } else {
                    resolve_resources(v, resolve);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                resolve_resources(item, resolve);
            }
        }
        _ => {}
    }
}

/// Starts binding the tasks of a workflow to `runtime` (the generated `bind`): see
/// [`Binder`].
pub fn bind<W: WorkflowDefinition>(runtime: &Runtime) -> Binder<'_, W> {
    Binder::new(runtime)
}

/// Compiles a workflow for running (the generated `WorkflowDefinition::workflow` caches it).
pub fn compile<W: WorkflowDefinition>() -> Workflow {
    Workflow::from_definition(W::NAME, definition::<W>()).unwrap_or_else(|d| {
        // The DSL cannot express what the runtime does not run (JSONata, S3 item readers).
        panic!("{} uses a feature the runtime does not run: {d}", W::NAME)
    })
}

/// Binds the tasks of a workflow that `runtime` does not bind yet (as `start` does; see
/// [`Binder`] for the rule) and returns the workflow, ready to start.
pub fn load<W: WorkflowDefinition>(runtime: &Runtime) -> Result<Workflow, BindError> {
    binding::bind_unbound::<W>(runtime)?;
    Ok(W::workflow().clone())
}

/// Starts a workflow with a typed input, and returns once the execution is recorded (see
/// [`Runtime::start`]). It first binds the tasks the runtime does not bind yet, and keeps
/// every binding made before (by `bind(..).finish()`, a test double, or `Runtime::bind`):
/// see [`Binder`] for the rule. A task that takes states must have been bound with them.
pub async fn start<W: WorkflowDefinition>(
    runtime: &Runtime,
    input: W::Input,
) -> Result<TypedExecution<W>, TypedStartError> {
    let workflow = load::<W>(runtime).map_err(TypedStartError::Bind)?;
    let input = serde_json::to_value(input).map_err(TypedStartError::Input)?;
    let handle = runtime
        .start_with(&workflow, input, &StartOptions::default())
        .await
        .map_err(TypedStartError::Start)?;
    Ok(TypedExecution {
        handle,
        runtime: runtime.clone(),
        workflow: PhantomData,
    })
}

/// Why a typed start failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TypedStartError {
    /// A task could not be bound: its name is bound to another function, or it takes states
    /// and was not bound with them.
    #[error(transparent)]
    Bind(BindError),
    /// The input could not be serialized.
    #[error("the input could not be serialized to JSON: {0}")]
    Input(serde_json::Error),
    /// The execution could not start.
    #[error(transparent)]
    Start(StartError),
}

/// A running execution of the typed workflow `W`: its typed output, and its callback tasks'
/// typed answers.
pub struct TypedExecution<W> {
    handle: ExecutionHandle,
    /// Where its callbacks are answered.
    runtime: Runtime,
    workflow: PhantomData<fn() -> W>,
}

impl<W> std::fmt::Debug for TypedExecution<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedExecution")
            .field("handle", &self.handle)
            .finish_non_exhaustive()
    }
}

/// How a typed execution ended when it did not succeed, or when its output did not fit the
/// workflow's output type.
#[derive(Debug, thiserror::Error)]
pub enum ExecutionError {
    /// The execution failed, timed out or was aborted.
    #[error("the execution ended {status}: {failure:?}")]
    Failed {
        /// `FAILED`, `TIMED_OUT` or `ABORTED`.
        status: &'static str,
        /// Its error and cause.
        failure: Failure,
    },
    /// The execution succeeded but its output does not deserialize into the output type.
    #[error("the output does not fit the workflow's output type: {0}")]
    Output(serde_json::Error),
}

impl<W: WorkflowDefinition> TypedExecution<W> {
    /// The untyped handle (history, stop, ...).
    pub fn handle(&self) -> &ExecutionHandle {
        &self.handle
    }

    /// Waits for the end and returns the typed output.
    pub async fn output(&self) -> Result<W::Output, ExecutionError> {
        match self.handle.outcome().await {
            ExecutionStatus::Succeeded(output) => {
                <W::Output as serde::Deserialize>::deserialize(output.as_ref())
                    .map_err(ExecutionError::Output)
            }
            other => Err(ExecutionError::Failed {
                status: other.as_str(),
                failure: other.failure().cloned().unwrap_or_default(),
            }),
        }
    }

    /// Waits for the end and returns the untyped outcome.
    pub async fn outcome(&self) -> ExecutionStatus {
        self.handle.outcome().await
    }

    /// The history so far.
    pub async fn history(&self) -> Vec<HistoryEvent> {
        self.handle.history().await
    }

    /// The callbacks of the task `T` that wait for their token in this execution, in the
    /// order they were invoked (a task in a Map runs once per item): each with its state's
    /// name and token, answered with `T`'s own types ([`Pending::succeed`] takes what `T`'s
    /// `Callback<..>` names, [`Pending::fail`] its error type). None once the execution has
    /// ended. `T` is a `#[task(callback)]` function of one of the workflow's `callback`
    /// states; another is a compile error. A task whose function is still running is
    /// listed too: its token can be answered already, as on AWS.
    ///
    /// `for pending in execution.pending::<request_approval>().await {
    /// pending.succeed(Approval { approved: true }).await?; }`: see [`Callbacks`] for the
    /// whole example, and for answering by token.
    // A boxed future rather than an `async fn`: the future of an `async fn` carries the bound
    // on `T`, and a `T` that is not a callback task of `W` would be reported three times
    // (on the call, its future, its `.await`) instead of once.
    pub fn pending<T: CallbackOf<W>>(&self) -> BoxFuture<Vec<Pending<T>>> {
        let (handle, runtime) = (self.handle.clone(), self.runtime.clone());
        Box::pin(async move {
            let all = handle.pending_callbacks().await;
            callbacks::of_task::<W, T>(&runtime, all)
        })
    }
}

/// Items the generated code uses. Not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use serde_json;
    pub use workflow_core::plan::MachineType;
    pub use workflow_runtime::{BoxFuture, TaskContext, TaskError, TaskHandler};

    use super::*;

    /// The cause of an error variant with one value: a string as is, anything else as JSON.
    pub fn cause_of<T: Serialize + ?Sized>(value: &T) -> Option<String> {
        match serde_json::to_value(value) {
            Ok(Value::String(s)) => Some(s),
            Ok(Value::Null) => None,
            Ok(other) => Some(other.to_string()),
            Err(_) => None,
        }
    }

    /// Converts a task function's error into an ASL error.
    pub fn task_error<E: TaskErrorKind>(e: E) -> TaskError {
        TaskError {
            error: e.error_name(),
            cause: e.cause(),
        }
    }

    /// The input of a task, or an ASL error saying it did not deserialize.
    pub fn task_input<T: DeserializeOwned>(task: &str, input: Value) -> Result<T, TaskError> {
        serde_json::from_value(input).map_err(|e| {
            TaskError::new(
                "InvalidTaskInput",
                format!("the input of task {task} does not deserialize: {e}"),
            )
        })
    }

    /// The result of a task as JSON.
    pub fn task_output<T: Serialize>(task: &str, output: &T) -> Result<Value, TaskError> {
        serde_json::to_value(output).map_err(|e| {
            TaskError::new(
                "InvalidTaskOutput",
                format!("the output of task {task} does not serialize: {e}"),
            )
        })
    }

    /// The handler of a `#[task]` function (`name` in messages), `call` running it. Generic over the
    /// task, so that a type that does not fit `Task`'s bounds (an input that does not
    /// deserialize, an output that does not serialize, an error type that is not a
    /// `TaskErrorKind`) is reported once, on the function's signature, and not again here.
    pub fn handler<T, F, Fut>(name: &'static str, call: F) -> Arc<dyn TaskHandler>
    where
        T: Task,
        F: Fn(T::Input, TaskContext) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<T::Output, T::Error>> + Send + 'static,
    {
        let call = Arc::new(call);
        Arc::new(
            move |input: Value, ctx: TaskContext| -> BoxFuture<Result<Value, TaskError>> {
                let call = Arc::clone(&call);
                Box::pin(async move {
                    let input: T::Input = task_input(name, input)?;
                    match call(input, ctx).await {
                        Ok(output) => task_output(name, &output),
                        Err(error) => Err(task_error(error)),
                    }
                })
            },
        )
    }

    /// The handler of a `#[task(callback)]` function: its result arrives later, through the
    /// task token.
    pub fn callback_handler<T, F, Fut>(name: &'static str, call: F) -> Arc<dyn TaskHandler>
    where
        T: Task,
        F: Fn(T::Input, TaskContext) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Callback<T::Output>, T::Error>> + Send + 'static,
    {
        let call = Arc::new(call);
        Arc::new(
            move |input: Value, ctx: TaskContext| -> BoxFuture<Result<Value, TaskError>> {
                let call = Arc::clone(&call);
                Box::pin(async move {
                    let input: T::Input = task_input(name, input)?;
                    match call(input, ctx).await {
                        Ok(_pending) => Ok(Value::Null),
                        Err(error) => Err(task_error(error)),
                    }
                })
            },
        )
    }

    /// What a `State<T>` parameter can hold: a value each invocation gets a clone of.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be a task's state: each invocation gets a clone of it, so it must be Clone + Send + Sync + 'static",
        label = "not Clone + Send + Sync + 'static",
        note = "share a value that is not Clone behind an Arc: State<Arc<{Self}>>"
    )]
    pub trait StateValue: Clone + Send + Sync + 'static {}
    impl<T: Clone + Send + Sync + 'static> StateValue for T {}

    /// Where a handler gets each invocation's clone of a state.
    pub struct StateSource<T>(Arc<dyn Fn() -> T + Send + Sync>);

    impl<T> StateSource<T> {
        /// A clone of the state.
        pub fn get(&self) -> T {
            (self.0)()
        }
    }

    /// The state of type `T` given to a binding. (The clone happens here, so that a type
    /// that is not `Clone` is reported once, on the parameter's type.)
    pub fn state<T: StateValue>(states: &TaskStates) -> Option<StateSource<T>> {
        let value = states.get::<T>()?;
        Some(StateSource(Arc::new(move || value.clone())))
    }

    /// The id and name of a state type, for [`missing_states`].
    pub fn state_type<T: StateValue>() -> (std::any::TypeId, &'static str) {
        (std::any::TypeId::of::<T>(), std::any::type_name::<T>())
    }

    /// The states of `T` (of the `types` its function takes) that `given` lacks.
    pub fn missing_states<T: Task>(
        given: &TaskStates,
        types: &[(std::any::TypeId, &'static str)],
    ) -> MissingStates {
        MissingStates::of::<T>(given, types)
    }

    /// Whether two strings are equal, at compile time.
    pub const fn str_eq(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }

    /// The index of the first task before `task` with its name and another function, or
    /// `usize::MAX`: two tasks of one workflow need two names.
    pub const fn namesake(names: &[&str], functions: &[&str], task: usize) -> usize {
        let mut i = 0;
        while i < task {
            if str_eq(names[i], names[task]) && !str_eq(functions[i], functions[task]) {
                return i;
            }
            i += 1;
        }
        usize::MAX
    }

    /// The length of `parts` joined, at compile time.
    pub const fn joined_len(parts: &[&str]) -> usize {
        let mut n = 0;
        let mut i = 0;
        while i < parts.len() {
            n += parts[i].len();
            i += 1;
        }
        n
    }

    /// `parts` joined, at compile time (`N` is [`joined_len`]): how the exported ASL gets
    /// each task's name, which only the task's own `#[task]` knows.
    pub const fn join<const N: usize>(parts: &[&str]) -> [u8; N] {
        let mut out = [0u8; N];
        let mut written = 0;
        let mut i = 0;
        while i < parts.len() {
            let bytes = parts[i].as_bytes();
            // One copy per part: const evaluation steps through loops slowly (a 600 kB
            // ASL joins in a second this way, in over twice that byte by byte).
            let (_, rest) = out.split_at_mut(written);
            let (part, _) = rest.split_at_mut(bytes.len());
            part.copy_from_slice(bytes);
            written += bytes.len();
            i += 1;
        }
        out
    }

    /// The text of bytes joined from strings (so valid UTF-8), at compile time.
    pub const fn utf8(bytes: &'static [u8]) -> &'static str {
        match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => panic!("strings joined are UTF-8"),
        }
    }

    /// Implemented by `#[task(callback)]` functions: only they run in a state marked
    /// `callback`. (As [`CallbackTask`](crate::dsl::CallbackTask) is, with the message of
    /// the state that runs the function.)
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not a #[task(callback)] function: a state marked `callback` waits for a task token that only a callback task sends",
        label = "remove `callback`, or make the function #[task(callback)]"
    )]
    pub trait InCallbackState {}

    /// Implemented by plain `#[task]` functions: they run in a state without `callback`.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is a #[task(callback)] function: its state must be marked `callback`",
        label = "add `callback` to this state's fields"
    )]
    pub trait InPlainState {}

    /// Checks that a state marked `callback` runs a callback task.
    pub fn callback_task<T: InCallbackState>() {}
    /// Checks that a state without `callback` runs a plain task.
    pub fn plain_task<T: InPlainState>() {}

    /// A value of any type, for the never-run type checks.
    pub fn never<T>() -> T {
        unreachable!("the generated type checks are never run")
    }

    /// Steps into an optional field: `$.approval.approved` reads through `Option<Approval>`.
    pub trait EnterOption<'a> {
        /// The type inside the option.
        type Inner: 'a;
        /// Steps in.
        fn __enter(self) -> &'a Self::Inner;
    }

    impl<'a, T> EnterOption<'a> for &'a Option<T> {
        type Inner = T;
        fn __enter(self) -> &'a T {
            never()
        }
    }

    /// Steps into any other field (the fallback of [`EnterOption`], by autoref).
    pub trait EnterPlain<'a> {
        /// The field's type.
        type Target: ?Sized + 'a;
        /// Steps in.
        fn __enter(self) -> &'a Self::Target;
    }

    impl<'a, T: ?Sized> EnterPlain<'a> for &&'a T {
        type Target = T;
        fn __enter(self) -> &'a T {
            self
        }
    }

    /// A value flowing along a transition fits the next state's input.
    #[diagnostic::on_unimplemented(
        message = "the output of this state, `{Self}`, does not fit the input of the next state, `{B}`",
        label = "the next state expects `{B}`",
        note = "states linked by a transition share the type of the document that flows between them; adapt one of them with result_path, output_path or parameters"
    )]
    pub trait FlowsInto<B> {}
    impl<T> FlowsInto<T> for T {}
    /// Keeps rustc from resolving [`FlowsInto`] before both sides are known.
    pub struct Undecided;
    impl<T> FlowsInto<(Undecided, T)> for T {}

    /// A further transition into a state whose input type is already set.
    pub fn flow<A: FlowsInto<B>, B>(_value: A, _slot: &mut Option<B>) {}

    /// The value given to a task fits its input type.
    #[diagnostic::on_unimplemented(
        message = "the task's input is `{B}`, but this gives it `{Self}`",
        label = "expected `{B}`",
        note = "a task receives the state's document, or the part of it that input_path selects, or what parameters builds"
    )]
    pub trait FitsInput<B> {}
    impl<T> FitsInput<T> for T {}
    impl<T> FitsInput<(Undecided, T)> for T {}

    /// Checks a task's input.
    pub fn task_gets<T: Task, V: FitsInput<T::Input>>(_value: &V) {}

    /// Checks a transition into a task state that gives its task the whole document.
    pub fn flow_into_task<T: Task, V: FlowsInto<T::Input>>(_value: &V) {}

    /// The value that ends a workflow, a branch or an item processor fits its output.
    #[diagnostic::on_unimplemented(
        message = "this ends with `{Self}`, but the output is `{B}`",
        label = "the output is `{B}`",
        note = "a workflow's output is the type it declares (`-> Type`); every end of a branch or item processor gives the same type"
    )]
    pub trait EndsWith<B> {}
    impl<T> EndsWith<T> for T {}
    impl<T> EndsWith<(Undecided, T)> for T {}

    /// A further end of a workflow, branch or item processor whose output type is set.
    pub fn end<A: EndsWith<B>, B>(_value: A, _slot: &mut Option<B>) {}

    /// A value read at a path fits the field of the struct literal it is given to (a field of
    /// type `Option<T>` takes a `T`).
    #[diagnostic::on_unimplemented(
        message = "this path gives `{Self}`, but the field is `{F}`",
        label = "expected `{F}`"
    )]
    pub trait FitsField<F> {}
    impl<T> FitsField<T> for T {}
    impl<T> FitsField<Option<T>> for T {}
    impl<T> FitsField<(Undecided, T)> for T {}

    /// The value of a struct literal's field, read at a path.
    pub fn field<F, V: FitsField<F> + ?Sized>(_value: &V) -> F {
        never()
    }

    /// A result written at a path fits the field there (a field of type `Option<T>` takes a
    /// `T`).
    #[diagnostic::on_unimplemented(
        message = "a result of type `{V}` does not fit this field of type `{Self}`",
        label = "this field is `{Self}`"
    )]
    pub trait Slot<V> {}
    impl<T> Slot<T> for T {}
    impl<T> Slot<T> for Option<T> {}
    impl<T> Slot<(Undecided, T)> for T {}

    /// Checks a write through result_path (only the types matter: it is never run).
    pub fn put<S: Slot<V> + ?Sized, V>(_slot: &S, _value: V) {}

    /// A number, for numeric comparisons.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not a number: a numeric comparison needs a numeric field",
        label = "not numeric",
        note = "compare strings with a string literal (\"...\"), booleans with true or false"
    )]
    pub trait Numeric {}
    macro_rules! numeric {
        ($($t:ty),*) => { $(impl Numeric for $t {})* };
    }
    numeric!(
        u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64
    );
    impl<T: Numeric> Numeric for Option<T> {}
    impl Numeric for Value {}

    /// A string, for string and timestamp comparisons.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not a string: a string comparison needs a string field",
        label = "not a string"
    )]
    pub trait Stringy {}
    impl Stringy for String {}
    impl Stringy for str {}
    impl Stringy for &str {}
    impl<T: Stringy> Stringy for Option<T> {}
    impl Stringy for Value {}

    /// A boolean, for boolean comparisons.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not a boolean: a boolean comparison needs a bool field",
        label = "not a boolean"
    )]
    pub trait Boolean {}
    impl Boolean for bool {}
    impl<T: Boolean> Boolean for Option<T> {}
    impl Boolean for Value {}

    /// An array, for a Map's items.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not a list: a `map` state iterates over an array",
        label = "not a Vec or array"
    )]
    pub trait Items {
        /// The item type.
        type Item;
    }
    impl<T> Items for Vec<T> {
        type Item = T;
    }
    impl<T, const N: usize> Items for [T; N] {
        type Item = T;
    }
    impl<T> Items for [T] {
        type Item = T;
    }
    impl Items for Value {
        type Item = Value;
    }

    /// An item of a list, or of the result of a Parallel state (a tuple, one item per
    /// branch), at a constant index: `$.items[0]`, `$[1]`.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` has no item at this index",
        label = "not a Vec, an array, or the result of a Parallel state with so many branches"
    )]
    pub trait Nth<const I: usize> {
        /// The item's type.
        type Output: ?Sized;
    }
    impl<T, const I: usize> Nth<I> for Vec<T> {
        type Output = T;
    }
    impl<T, const I: usize> Nth<I> for [T] {
        type Output = T;
    }
    impl<T, const N: usize, const I: usize> Nth<I> for [T; N] {
        type Output = T;
    }
    impl<const I: usize> Nth<I> for Value {
        type Output = Value;
    }
    macro_rules! tuple_nth {
        ($generics:tt $tuple:ty; $($i:tt => $item:ident),+) => {
            $( tuple_nth!(@one $generics $tuple; $i => $item); )+
        };
        (@one [$($t:ident),+] $tuple:ty; $i:tt => $item:ident) => {
            impl<$($t),+> Nth<$i> for $tuple {
                type Output = $item;
            }
        };
    }
    tuple_nth!([A] (A,); 0 => A);
    tuple_nth!([A, B] (A, B); 0 => A, 1 => B);
    tuple_nth!([A, B, C] (A, B, C); 0 => A, 1 => B, 2 => C);
    tuple_nth!([A, B, C, D] (A, B, C, D); 0 => A, 1 => B, 2 => C, 3 => D);
    tuple_nth!([A, B, C, D, E] (A, B, C, D, E); 0 => A, 1 => B, 2 => C, 3 => D, 4 => E);
    tuple_nth!([A, B, C, D, E, F] (A, B, C, D, E, F);
        0 => A, 1 => B, 2 => C, 3 => D, 4 => E, 5 => F);
    tuple_nth!([A, B, C, D, E, F, G] (A, B, C, D, E, F, G);
        0 => A, 1 => B, 2 => C, 3 => D, 4 => E, 5 => F, 6 => G);
    tuple_nth!([A, B, C, D, E, F, G, H] (A, B, C, D, E, F, G, H);
        0 => A, 1 => B, 2 => C, 3 => D, 4 => E, 5 => F, 6 => G, 7 => H);

    /// The item at index `I`.
    pub fn nth<T, O, const I: usize>(_list: &T) -> &O
    where
        T: Nth<I, Output = O> + ?Sized,
        O: ?Sized,
    {
        never()
    }

    /// Checks a numeric comparison.
    pub fn numeric<V: Numeric + ?Sized>(_: &V) {}
    /// Checks a string comparison.
    pub fn string<V: Stringy + ?Sized>(_: &V) {}
    /// Checks a boolean comparison.
    pub fn boolean<V: Boolean + ?Sized>(_: &V) {}
    /// A Map's item type.
    pub fn item_of<I, T>(_: &I) -> T
    where
        I: Items<Item = T> + ?Sized,
    {
        never()
    }
    /// A path's value as an owned value of its type.
    pub fn owned<T>(_: &T) -> T {
        never()
    }
    /// The output of a task.
    pub fn output_of<T: Task>() -> T::Output {
        never()
    }
    /// The error type of a task, to check Catch patterns against.
    pub fn error_of<T: Task>() -> T::Error {
        never()
    }
}
