//! Binding a typed workflow's tasks to a runtime: the states its functions take, the test
//! doubles that replace some of them, and the rule that keeps one name for one function
//! (documented on [`Binder`]).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use serde_json::Value;
use workflow_core::error::names;
use workflow_runtime::{
    BindConflict, BoxFuture, Runtime, TaskContext, TaskError, TaskHandler, WeakRuntime,
};

use super::{__private, Task, WorkflowDefinition};

/// A value a `#[task]` function takes besides its input: a database pool, an HTTP client, a
/// channel. Write it as a parameter, `State(db): State<Arc<Db>>`, in any position; give the
/// value when the workflow is bound ([`Binder::state`]). Each invocation gets a clone, so
/// share what must be shared behind an `Arc` (or use a type whose clones share, like a pool
/// or a channel's sender).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct State<T>(pub T);

/// The states given to a binding: one value per type. [`Binder::state`] fills one; a task's
/// handler is made from it with [`TaskInfo::handler`] (so that code which serves tasks
/// outside a runtime, a Lambda function for one, gives them their states the same way).
#[derive(Clone, Default)]
pub struct TaskStates {
    /// Each value, with its type's name.
    values: HashMap<TypeId, (Arc<dyn Any + Send + Sync>, &'static str)>,
}

impl std::fmt::Debug for TaskStates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskStates")
            .field("values", &self.values.len())
            .finish()
    }
}

impl TaskStates {
    /// No states.
    pub fn new() -> TaskStates {
        TaskStates::default()
    }

    /// Adds a value, for the tasks that take a `State<T>` of its type; returns the value of
    /// that type given before, if any (which this one replaces).
    pub fn insert<T: Clone + Send + Sync + 'static>(&mut self, value: T) -> Option<T> {
        let name = std::any::type_name::<T>();
        self.values
            .insert(TypeId::of::<T>(), (Arc::new(value), name))
            .and_then(|(old, _)| old.downcast_ref::<T>().cloned())
    }

    /// With a value added (see [`insert`](TaskStates::insert)).
    pub fn with<T: Clone + Send + Sync + 'static>(mut self, value: T) -> TaskStates {
        self.insert(value);
        self
    }

    /// Adds a value as a binding gives it: a second value of one type is a problem, noted in
    /// `problems` (binders report every problem at once).
    pub(crate) fn give<T: Clone + Send + Sync + 'static>(
        &mut self,
        value: T,
        problems: &mut Vec<BindProblem>,
    ) {
        if self.insert(value).is_some() {
            problems.push(BindProblem::StateGivenTwice(std::any::type_name::<T>()));
        }
    }

    /// A clone of the value of type `T`, if one was given.
    pub fn get<T: Clone + 'static>(&self) -> Option<T> {
        self.values
            .get(&TypeId::of::<T>())
            .and_then(|(value, _)| value.downcast_ref::<T>())
            .cloned()
    }

    /// Whether a value of the type `id` was given.
    pub fn contains(&self, id: TypeId) -> bool {
        self.values.contains_key(&id)
    }
}

/// Why a task's handler could not be made: the states it takes that were not given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "task '{task}' (`{function}`) takes {}, which {} not given: give {} where the workflow is bound, `bind(&runtime).state(value).finish()`, before it starts",
    states_list(.states),
    if .states.len() == 1 { "was" } else { "were" },
    if .states.len() == 1 { "it" } else { "them" }
)]
#[non_exhaustive]
pub struct MissingStates {
    /// The task's name.
    pub task: &'static str,
    /// Its function's path.
    pub function: &'static str,
    /// The types of the states missing (`alloc::sync::Arc<orders::Db>`).
    pub states: Vec<&'static str>,
}

fn states_list(states: &[&'static str]) -> String {
    let list: Vec<String> = states.iter().map(|s| format!("State<{s}>")).collect();
    list.join(" and ")
}

impl MissingStates {
    /// The states of `T` whose types are not in `given`; `types` is each state type's id and
    /// name, as the `#[task]` function declares them.
    pub(crate) fn of<T: Task>(given: &TaskStates, types: &[(TypeId, &'static str)]) -> Self {
        MissingStates {
            task: T::NAME,
            function: T::FUNCTION,
            states: types
                .iter()
                .filter(|(id, _)| !given.contains(*id))
                .map(|(_, name)| *name)
                .collect(),
        }
    }
}

/// One task of a workflow ([`WorkflowDefinition::tasks`]): its name, its function, and how
/// to make its handler.
#[derive(Clone, Copy)]
pub struct TaskInfo {
    name: &'static str,
    function: &'static str,
    callback: bool,
    handler: fn(&TaskStates) -> Result<Arc<dyn TaskHandler>, MissingStates>,
}

impl std::fmt::Debug for TaskInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskInfo")
            .field("name", &self.name)
            .field("function", &self.function)
            .field("callback", &self.callback)
            .finish_non_exhaustive()
    }
}

impl TaskInfo {
    /// The task of the `#[task]` function `T`.
    pub fn of<T: Task>() -> TaskInfo {
        TaskInfo {
            name: T::NAME,
            function: T::FUNCTION,
            callback: T::CALLBACK,
            handler: T::handler,
        }
    }

    /// Its name: the `${Name}` resource of the exported ASL, and the name it is bound by.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Its function's path (`orders::billing::notify`).
    pub fn function(&self) -> &'static str {
        self.function
    }

    /// Whether it is a `#[task(callback)]` (a `.waitForTaskToken` task).
    pub fn is_callback(&self) -> bool {
        self.callback
    }

    /// Its handler, given the states its function takes.
    pub fn handler(&self, states: &TaskStates) -> Result<Arc<dyn TaskHandler>, MissingStates> {
        (self.handler)(states)
    }
}

/// A `#[task]` function that the workflow `W` runs: what [`Binder::replace`] accepts.
/// `workflow!` implements it for each task of the workflow.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a task of the workflow `{W}`",
    label = "`{W}` has no state that runs this function",
    note = "a double replaces a task the workflow runs: name one of the functions of its `task` states"
)]
pub trait TaskOf<W>: Task {}

/// One problem a binding found.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BindProblem {
    /// The name is bound to another function.
    #[error(transparent)]
    Conflict(#[from] BindConflict),
    /// A task takes states that were not given.
    #[error(transparent)]
    MissingStates(#[from] MissingStates),
    /// Two values of one type were given to [`Binder::state`]: a task takes one value per
    /// type (wrap one of them in a type of its own).
    #[error(
        "two states of type {0} were given: a task takes one value per type; give each a type of its own (a newtype)"
    )]
    StateGivenTwice(&'static str),
    /// Two functions of one task name were given to one program to serve (as Lambda
    /// functions, `workflow::lambda::Tasks`): a function is told its task by name.
    #[error(
        "the functions `{first}` and `{second}` both have the task name '{name}': a program serves one function per task name; give one of them #[task(name = \"...\")]"
    )]
    SameName {
        /// The task name.
        name: &'static str,
        /// The function given first (its path).
        first: &'static str,
        /// The other one.
        second: &'static str,
    },
}

/// Why a workflow's tasks could not be bound (every problem found, none of them bound).
#[derive(Debug)]
pub struct BindError {
    workflow: &'static str,
    problems: Vec<BindProblem>,
}

impl BindError {
    /// The problems, in the order of the workflow's tasks.
    pub fn problems(&self) -> &[BindProblem] {
        &self.problems
    }
}

impl std::fmt::Display for BindError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the tasks of {} cannot be bound", self.workflow)?;
        write_problems(f, &self.problems)
    }
}

/// The problems after the sentence they complete: `: the one`, or `(n problems):` and a list.
pub(crate) fn write_problems(
    f: &mut std::fmt::Formatter<'_>,
    problems: &[BindProblem],
) -> std::fmt::Result {
    match problems {
        [one] => write!(f, ": {one}"),
        many => {
            write!(f, " ({} problems):", many.len())?;
            for problem in many {
                write!(f, "\n  - {problem}")?;
            }
            Ok(())
        }
    }
}

impl std::error::Error for BindError {}

/// Binds a workflow's tasks to a runtime: `Checkout::bind(&runtime)`, then the states its
/// functions take ([`state`](Binder::state)), the test doubles that replace some of them
/// ([`replace`](Binder::replace)), and [`finish`](Binder::finish), which binds.
///
/// ```
/// use std::sync::Arc;
/// use workflow::dsl::State;
/// use workflow::prelude::*;
///
/// #[derive(Clone, Serialize, Deserialize)]
/// pub struct Order { pub id: String, pub total: f64 }
/// #[derive(Clone, Serialize, Deserialize)]
/// pub struct Receipt { pub id: String }
/// #[derive(Debug, TaskError)]
/// pub enum PaymentError { CardDeclined }
///
/// /// The payment gateway's client: what the task needs besides its input.
/// pub struct Gateway { pub limit: f64 }
///
/// #[task(name = "ChargeCard")]
/// async fn charge(State(gateway): State<Arc<Gateway>>, order: Order) -> Result<Receipt, PaymentError> {
///     if order.total > gateway.limit {
///         return Err(PaymentError::CardDeclined);
///     }
///     Ok(Receipt { id: format!("R-{}", order.id) })
/// }
///
/// workflow! {
///     pub Checkout(Order) -> Receipt {
///         task Charge = charge { end }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let order = || Order { id: "A-1".into(), total: 42.0 };
///
/// // In production: the dependencies, given once.
/// let runtime = Runtime::new();
/// Checkout::bind(&runtime).state(Arc::new(Gateway { limit: 1000.0 })).finish()?;
/// let receipt = Checkout::start(&runtime, order()).await?.output().await?;
/// assert_eq!(receipt.id, "R-A-1");
///
/// // In a test: a double with the task's own types, which `start` keeps.
/// let test_runtime = Runtime::new();
/// Checkout::bind(&test_runtime)
///     .replace::<charge>(|_order: Order| async move { Err(PaymentError::CardDeclined) })
///     .finish()?;
/// let outcome = Checkout::start(&test_runtime, order()).await?.outcome().await;
/// assert_eq!(outcome.failure().unwrap().error.as_deref(), Some("CardDeclined"));
/// # Ok(())
/// # }
/// ```
///
/// # The rule
///
/// A runtime binds each task name (the `${Name}` resource of the exported ASL) to one piece
/// of code, and a binding is never replaced behind your back:
///
/// - [`Binder::finish`] (the explicit binding, `Checkout::bind(&runtime)...finish()`) and
///   `Checkout::start` (which binds what is still unbound) bind a task when its name is
///   free. When the name is bound to the same function, to a test double of it, or to a
///   handler given to [`Runtime::bind`], that binding stays. When it is bound to *another*
///   function, the binding is refused with an error naming both functions: two functions of
///   one name would otherwise run each other's code.
/// - Only [`Binder::replace`] (and the untyped [`Runtime::bind`]) put a handler in place of
///   a binding, because you asked for exactly that.
///
/// So a test binds its doubles first and then starts the workflow: `start` keeps them.
///
/// # States
///
/// A `#[task]` function takes what it needs besides its input as [`State<T>`] parameters
/// (`State(db): State<Arc<Db>>`, as axum's `State`). The values are given when the workflow
/// is bound: `Checkout::bind(&runtime).state(db).finish()?`. A task's handler takes its own
/// clone of each value when it is bound, so an invocation looks nothing up; a state that was
/// not given is an error of `finish` (or of `start`, for a task `start` has to bind), before
/// anything runs.
///
/// Why states are given to a binding and not to each call of `start`: a runtime binds a
/// task name once, and every workflow that runs the task shares that binding. A second
/// workflow using the same function finds it bound with the states it was given first.
///
/// Why a builder ending in `finish` rather than binding at each `.state(..)`: a workflow's
/// tasks may take several states, and some of them may be replaced by doubles (which take
/// none); only when everything is given can the binder tell what is missing, and it then
/// reports every problem at once (all the missing states, all the conflicts) and binds
/// nothing when there is one.
#[must_use = "nothing is bound until `.finish()`"]
pub struct Binder<'r, W> {
    runtime: &'r Runtime,
    states: TaskStates,
    doubles: Vec<(&'static str, Arc<dyn TaskHandler>)>,
    problems: Vec<BindProblem>,
    workflow: PhantomData<fn() -> W>,
}

impl<W> std::fmt::Debug for Binder<'_, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Binder")
            .field("states", &self.states)
            .field(
                "doubles",
                &self.doubles.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl<'r, W: WorkflowDefinition> Binder<'r, W> {
    /// Starts binding the tasks of `W` to `runtime`.
    pub fn new(runtime: &'r Runtime) -> Self {
        Binder {
            runtime,
            states: TaskStates::new(),
            doubles: Vec::new(),
            problems: Vec::new(),
            workflow: PhantomData,
        }
    }

    /// Gives the tasks that take a `State<T>` this value (each invocation gets a clone).
    pub fn state<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.states.give(value, &mut self.problems);
        self
    }

    /// Gives the tasks every value of `states` (as [`state`](Binder::state) does each), for
    /// states shared by several workflows.
    pub fn states(mut self, states: TaskStates) -> Self {
        for (id, (value, name)) in states.values {
            if self.states.values.insert(id, (value, name)).is_some() {
                self.problems.push(BindProblem::StateGivenTwice(name));
            }
        }
        self
    }

    /// Replaces the task `T` in this runtime by `double`, a closure with the task's own input,
    /// output and error types: `.replace::<charge>(|order: Order| async move {
    /// Err(PaymentError::CardDeclined) })`. It takes no states. For a `#[task(callback)]`,
    /// the double stands for the whole exchange: its `Ok` answers the task token with that
    /// result (once the double has returned), its `Err` fails the task. A replacement is
    /// the one way to put a handler in place of a task bound before.
    pub fn replace<T: TaskOf<W>>(
        mut self,
        double: impl TaskDouble<T::Input, T::Output, T::Error>,
    ) -> Self {
        let double = Arc::new(double);
        let handler = if T::CALLBACK {
            answering_double::<T>(self.runtime.downgrade(), double)
        } else {
            __private::handler::<T, _, _>(T::NAME, move |input, _ctx| double.call(input))
        };
        self.doubles
            .retain(|(function, _)| *function != T::FUNCTION);
        self.doubles.push((T::FUNCTION, handler));
        self
    }

    /// Binds every task of the workflow: a double where one was given, else the task's
    /// function with its states, following the [rule](Binder#the-rule). Reports every problem at once
    /// (a state given twice, a task whose states were not all given, a name bound to another
    /// function), and then binds nothing.
    pub fn finish(self) -> Result<(), BindError> {
        let mut problems = self.problems;
        let mut doubles = Vec::new();
        let mut functions = Vec::new();
        for task in W::tasks() {
            if let Some((_, double)) = self.doubles.iter().find(|(f, _)| *f == task.function) {
                doubles.push((task, double.clone()));
                continue;
            }
            if let Err(conflict) = self.runtime.check_function(task.name, task.function) {
                problems.push(conflict.into());
            }
            match task.handler(&self.states) {
                Ok(handler) => functions.push((task, handler)),
                Err(missing) => problems.push(missing.into()),
            }
        }
        no_problems::<W>(problems)?;
        for (task, double) in doubles {
            self.runtime
                .replace_function(task.name, task.function, double);
        }
        bind_functions::<W>(self.runtime, functions)
    }
}

/// Binds each task's function, after the checks: a conflict here comes from another binding
/// made meanwhile.
fn bind_functions<W: WorkflowDefinition>(
    runtime: &Runtime,
    functions: Vec<(TaskInfo, Arc<dyn TaskHandler>)>,
) -> Result<(), BindError> {
    let problems: Vec<BindProblem> = functions
        .into_iter()
        .filter_map(|(task, handler)| {
            runtime
                .bind_function(task.name, task.function, handler)
                .err()
        })
        .map(BindProblem::from)
        .collect();
    no_problems::<W>(problems)
}

/// `Ok` when there is no problem, else the error of the binding of `W` listing them.
fn no_problems<W: WorkflowDefinition>(problems: Vec<BindProblem>) -> Result<(), BindError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(BindError {
            workflow: W::NAME,
            problems,
        })
    }
}

/// Binds the tasks of `W` that are not bound yet, as `start` does: a task whose name is
/// bound to its function, to a double of it or to a handler given to `Runtime::bind` keeps
/// that binding; a name bound to another function, or an unbound task that takes states,
/// is an error.
pub(crate) fn bind_unbound<W: WorkflowDefinition>(runtime: &Runtime) -> Result<(), BindError> {
    let mut problems = Vec::new();
    let mut functions = Vec::new();
    let no_states = TaskStates::new();
    for task in W::tasks() {
        if let Err(conflict) = runtime.check_function(task.name, task.function) {
            problems.push(BindProblem::from(conflict));
        } else if runtime.bound(task.name).is_none() {
            match task.handler(&no_states) {
                Ok(handler) => functions.push((task, handler)),
                Err(missing) => problems.push(missing.into()),
            }
        }
    }
    no_problems::<W>(problems)?;
    bind_functions::<W>(runtime, functions)
}

/// A closure that can stand in for a task whose input is `I`, output `O` and error `E`:
/// any `Fn(I) -> impl Future<Output = Result<O, E>>` (sendable, `'static`). What
/// [`Binder::replace`] takes.
#[diagnostic::on_unimplemented(
    message = "this closure cannot stand in for the task: a double takes `{I}` and returns a future of `Result<{O}, {E}>`",
    label = "not a double of this task"
)]
pub trait TaskDouble<I, O, E>: Send + Sync + 'static {
    /// What a call returns.
    type Future: Future<Output = Result<O, E>> + Send + 'static;
    /// Runs the double.
    fn call(&self, input: I) -> Self::Future;
}

impl<F, I, O, E, Fut> TaskDouble<I, O, E> for F
where
    F: Fn(I) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O, E>> + Send + 'static,
{
    type Future = Fut;

    fn call(&self, input: I) -> Fut {
        self(input)
    }
}

/// The handler of a double of a `#[task(callback)]`: the double runs, and its result then
/// answers the task token (a failure fails the task at once, as the task's function
/// failing would).
fn answering_double<T: Task>(
    runtime: WeakRuntime,
    double: Arc<impl TaskDouble<T::Input, T::Output, T::Error>>,
) -> Arc<dyn TaskHandler> {
    Arc::new(
        move |input: Value, ctx: TaskContext| -> BoxFuture<Result<Value, TaskError>> {
            let double = Arc::clone(&double);
            let runtime = runtime.clone();
            Box::pin(async move {
                let input: T::Input = __private::task_input(T::NAME, input)?;
                let output = match double.call(input).await {
                    Ok(output) => __private::task_output(T::NAME, &output)?,
                    Err(error) => return Err(__private::task_error(error)),
                };
                let token = ctx.task_token().map(str::to_string).ok_or_else(|| {
                    TaskError::new(
                        names::RUNTIME,
                        format!("the callback task {} has no task token", T::NAME),
                    )
                })?;
                // Answered once the double has returned (the task is then submitted), as
                // whoever holds a token answers it after the function that sent it.
                tokio::spawn(async move {
                    if let Some(runtime) = runtime.upgrade() {
                        // The task may be over by then (timed out, its execution stopped).
                        let _ = runtime.send_task_success(&token, output).await;
                    }
                });
                Ok(Value::Null)
            })
        },
    )
}
