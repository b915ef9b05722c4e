//! The macros of the workflow DSL: [`macro@task`], [`derive@TaskError`] and [`workflow!`].
//!
//! Use them through the `workflow` crate (`use workflow::prelude::*;`). A workflow written
//! with them is checked when it compiles: its state graph by the same validator that checks
//! ASL JSON files, its data flow by rustc; every mistake is reported on the token that caused
//! it. It then runs natively on tokio and exports as Amazon States Language.
#![warn(missing_docs)]

use proc_macro::TokenStream;

mod task;
mod task_error;
mod workflow;

/// Makes an `async fn` a task that [`workflow!`] can run. The function stays a normal
/// function you can call and test.
///
/// ```
/// use workflow::prelude::*;
///
/// #[derive(Serialize, Deserialize)]
/// pub struct ChargeRequest { pub order_id: String, pub amount: f64 }
/// #[derive(Serialize, Deserialize)]
/// pub struct Receipt { pub id: String }
///
/// #[derive(Debug, TaskError)]
/// pub enum PaymentError { CardDeclined { code: String }, GatewayTimeout }
///
/// #[task]
/// pub async fn charge_payment(request: ChargeRequest) -> Result<Receipt, PaymentError> {
///     if request.amount > 1000.0 {
///         return Err(PaymentError::CardDeclined { code: "limit".into() });
///     }
///     Ok(Receipt { id: format!("R-{}", request.order_id) })
/// }
/// # fn main() {}
/// ```
///
/// The function:
/// - is `async`;
/// - takes exactly one input, of a type that implements `Deserialize` (the task's JSON
///   input), and optionally, in any order around it, a `&TaskContext` for its task token,
///   retry count and heartbeats, and `State<T>` values (below);
/// - returns `Result<Output, Error>`: `Output` implements `Serialize` (the task's result);
///   `Error` is a [`derive@TaskError`] enum (each variant an ASL error name that Retry and
///   Catch match) or `TaskError` (any name).
///
/// # Dependencies: `State<T>`
///
/// What a task needs besides its input (a database pool, an HTTP client, a channel) is a
/// `State<T>` parameter, as in axum: `State(db): State<Arc<Db>>`. The value is given once,
/// where the workflow is bound to a runtime (`Checkout::bind(&runtime).state(db).finish()?`),
/// and each invocation gets a clone of it, so `T` is `Clone + Send + Sync + 'static` (put
/// what is not `Clone` behind an `Arc`). A task takes one value per type: give two values of
/// one type each a type of their own. A state that was not given is an error of the binding
/// (or of `start`), before anything runs; see `workflow::dsl::Binder`.
///
/// ```
/// use std::sync::Arc;
/// use workflow::dsl::State;
/// use workflow::prelude::*;
///
/// #[derive(Serialize, Deserialize)]
/// pub struct Item { pub sku: String }
/// #[derive(Serialize, Deserialize)]
/// pub struct Reservation { pub sku: String, pub bin: String }
/// #[derive(Debug, TaskError)]
/// pub enum StockError { OutOfStock(String) }
///
/// /// The warehouse's database (a stand-in).
/// pub struct Db { pub bins: std::collections::HashMap<String, String> }
///
/// #[task]
/// pub async fn reserve_item(State(db): State<Arc<Db>>, item: Item) -> Result<Reservation, StockError> {
///     match db.bins.get(&item.sku) {
///         Some(bin) => Ok(Reservation { bin: bin.clone(), sku: item.sku }),
///         None => Err(StockError::OutOfStock(item.sku)),
///     }
/// }
/// # fn main() {}
/// ```
///
/// # Its name
///
/// A task's name is its resource in the exported ASL, `${Name}`, the name a runtime binds
/// it by, and the name of its function when it is deployed: the function's name in
/// PascalCase (`charge_payment` is `ChargePayment`), or the one given with
/// `#[task(name = "ChargeCard")]` (1 to 64 ASCII letters and digits, a letter first, as
/// CloudFormation's logical IDs are alphanumeric). Two functions of one name in one workflow
/// (`kitchen::notify` and `billing::notify` are both `Notify`) are a compile error on the
/// second; a runtime refuses to bind a second function to a name bound to another one, with
/// both named (the function's path, from `module_path!()`, tells them apart). The options
/// combine: `#[task(callback, name = "AskManager")]`.
///
/// `#[task(callback)]` makes a `.waitForTaskToken` task: the function returns
/// `Result<Callback<T>, E>` once it has handed `ctx.task_token()` to whoever will answer;
/// the task's result, of type `T`, arrives when the token is answered with a `T` (or an `E`
/// for a failure): by token with `workflow::dsl::Callbacks::<request_approval>::new(&runtime)
/// .succeed(token, approval)`, or from a typed execution's list,
/// `execution.pending::<request_approval>()`, each `.succeed(approval)` or `.fail(error)`;
/// an answer of another type does not compile. In the exported ASL such a task is what
/// AWS runs: `"Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken"` with
/// `"FunctionName": "${RequestApproval}"` and a `Payload` that is the task's input (its
/// `parameters`, or the state's input) plus the token as `"TaskToken.$": "$$.Task.Token"`, so
/// the deployed Lambda function finds the token in its event's `TaskToken` field. (Without
/// `parameters`, the state's input must be a JSON object, for the token to be added to it.)
///
/// ```
/// use workflow::prelude::*;
///
/// #[derive(Serialize, Deserialize)]
/// pub struct ApprovalRequest { pub order_id: String }
/// #[derive(Serialize, Deserialize)]
/// pub struct Approval { pub approved: bool }
///
/// #[task(callback)]
/// pub async fn request_approval(ctx: &TaskContext, request: ApprovalRequest) -> Result<Callback<Approval>, TaskError> {
///     let token = ctx.task_token().unwrap_or_default();
///     println!("approve order {} with token {token}", request.order_id);
///     Ok(Callback::pending())
/// }
/// # fn main() {}
/// ```
///
/// Next to the function, `#[task]` defines a type of the same name (in the type namespace,
/// so the function is unaffected) that implements `workflow::dsl::Task`: the input, output
/// and error types, the task's name (`${ChargePayment}`), its function's path, and the
/// handler the runtime calls, made with the states it takes (and, for a callback task,
/// `workflow::dsl::CallbackTask`). That type is how a test names the task it replaces by a
/// double, `Checkout::bind(&runtime).replace::<charge_payment>(|request| ...)`, and how a
/// callback task's answers are typed, `Callbacks::<request_approval>::new(&runtime)`.
///
/// Mistakes are compile errors on the signature: a function that is not `async`, that takes
/// no input or two, that does not return a `Result`, whose input does not deserialize, or
/// that takes a `&State<T>` or a state that is not `Clone`; and on the attribute: an
/// unknown option, one given twice, a name that is not a string of letters and digits.
#[proc_macro_attribute]
pub fn task(attr: TokenStream, item: TokenStream) -> TokenStream {
    task::expand(attr.into(), item.into()).into()
}

/// An enum whose variants are the ASL error names a task can raise.
///
/// ```
/// use workflow::prelude::*;
/// use workflow::dsl::TaskErrorKind;
///
/// #[derive(Debug, TaskError)]
/// pub enum PaymentError {
///     /// The error name is `CardDeclined`; its cause, the fields as JSON: {"code":"limit"}.
///     CardDeclined { code: String },
///     /// `GatewayTimeout`, no cause.
///     GatewayTimeout,
///     /// `Rejected`; the cause is the string itself.
///     Rejected(String),
/// }
///
/// assert_eq!(PaymentError::GatewayTimeout.error_name(), "GatewayTimeout");
/// assert_eq!(PaymentError::CardDeclined { code: "limit".into() }.cause().unwrap(), r#"{"code":"limit"}"#);
/// assert_eq!(PaymentError::Rejected("no".into()).cause().unwrap(), "no");
/// ```
///
/// In a workflow, `retry` and `catch` name these variants (`PaymentError::GatewayTimeout`);
/// rustc checks that the task's error type has them.
#[proc_macro_derive(TaskError)]
pub fn derive_task_error(input: TokenStream) -> TokenStream {
    task_error::expand(input.into()).into()
}

/// Defines a state machine in Rust, checked when it compiles, that runs natively and exports
/// as Amazon States Language (ASL).
///
/// ```
/// use workflow::prelude::*;
///
/// #[derive(Clone, Serialize, Deserialize)]
/// pub struct Order { pub id: String, pub total: f64, pub items: Vec<String> }
/// #[derive(Clone, Serialize, Deserialize)]
/// pub struct Receipt { pub id: String }
/// #[derive(Clone, Serialize, Deserialize)]
/// pub struct ChargeRequest { pub order_id: String, pub amount: f64 }
/// #[derive(Clone, Serialize, Deserialize)]
/// pub struct OrderDoc { pub order: Order, pub payment: Option<Receipt>, pub error: Option<ErrorOutput> }
///
/// #[derive(Debug, TaskError)]
/// pub enum PaymentError { CardDeclined { code: String }, GatewayTimeout }
///
/// #[task]
/// async fn charge_payment(request: ChargeRequest) -> Result<Receipt, PaymentError> {
///     Ok(Receipt { id: format!("R-{}", request.order_id) })
/// }
///
/// workflow! {
///     /// Charges an order; large ones wait an hour first.
///     pub ChargeOrder(OrderDoc) -> OrderDoc {
///         timeout_seconds: 86400,
///
///         choice CheckTotal {
///             when $.order.total > 1000 => CoolingOff,
///             default => Charge,
///         }
///         wait CoolingOff { seconds: 3600, next: Charge }
///         task Charge = charge_payment {
///             parameters: ChargeRequest { order_id: $.order.id, amount: $.order.total },
///             result_path: $.payment,
///             retry: [ PaymentError::GatewayTimeout => { interval_seconds: 2, max_attempts: 3, backoff_rate: 2.0 } ],
///             catch: [ PaymentError::CardDeclined => Declined { result_path: $.error } ],
///             end,
///         }
///         fail Declined { error: "PaymentDeclined", cause_path: $.error.Cause }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let runtime = Runtime::new();
/// let order = Order { id: "A1".into(), total: 20.0, items: vec!["book".into()] };
/// let execution = ChargeOrder::start(&runtime, OrderDoc { order, payment: None, error: None }).await.unwrap();
/// let done = execution.output().await.unwrap();
/// assert_eq!(done.payment.unwrap().id, "R-A1");
/// assert!(ChargeOrder::asl_json().contains("\"Resource\": \"${ChargePayment}\""));
/// # }
/// ```
///
/// # The header
///
/// `/// doc` (becomes the ASL `Comment`), visibility, name, the input type in parentheses,
/// and optionally `-> Output`. With `Value` as the input type the workflow is untyped: its
/// graph is still checked, its data is not.
///
/// Settings come first: `timeout_seconds: N` (the execution's TimeoutSeconds),
/// `comment: "..."`, `machine_type: EXPRESS` (or `STANDARD`), `version: "1.0"`.
///
/// # States
///
/// States follow, the first being where the workflow starts. The keyword is the ASL type in
/// lower case; the fields are the ASL fields in snake_case.
///
/// | state | syntax |
/// |---|---|
/// | Task | `task Name = function { ... }` (a `#[task]` function), or `task Name = "arn:..." { ... }` (an untyped resource) |
/// | Pass | `pass Name { result: { ... }, ... }` |
/// | Choice | `choice Name { when <condition> => Target, ..., default => Target }` |
/// | Wait | `wait Name { seconds: 60 \| timestamp: "2030-01-01T00:00:00Z" \| seconds_path: $.s \| timestamp_path: $.t, next: X }` |
/// | Succeed | `succeed Name;` (or with `{ input_path, output_path }`) |
/// | Fail | `fail Name { error: "...", cause: "...", error_path: $.e, cause_path: $.c }` |
/// | Parallel | `parallel Name { branch { states }, branch { states }, ... }` |
/// | Map | `map Name { items_path: $.items, item_processor { states }, ... }` |
///
/// `///` doc comments on a state become its `Comment`.
///
/// Fields, by state type (the validator reports a field a state type does not allow):
///
/// | field | value | states |
/// |---|---|---|
/// | `next: State` / `end` | a state of the same scope, or end the scope | Task, Pass, Wait, Parallel, Map |
/// | `input_path`, `output_path` | a path, or `null` | all but Fail |
/// | `parameters` | a template | Task, Pass, Parallel, Map |
/// | `result_selector` | a template | Task, Parallel, Map |
/// | `result_path` | a reference path, or `null` | Task, Pass, Parallel, Map |
/// | `assign` | `{ variable: value, ... }` | all but Succeed and Fail |
/// | `retry: [ E1 \| E2 => { interval_seconds, max_attempts, backoff_rate, max_delay_seconds, jitter_strategy: FULL } ]` | retriers | Task, Parallel, Map |
/// | `catch: [ E1 \| E2 => Target { result_path, assign } ]` | catchers | Task, Parallel, Map |
/// | `timeout_seconds`, `heartbeat_seconds`, `timeout_seconds_path`, `heartbeat_seconds_path` | seconds, or a path | Task |
/// | `callback` | a `#[task(callback)]` function (`.waitForTaskToken`) | Task |
/// | `result` | a literal value (no paths) | Pass |
/// | `items_path`, `item_selector`, `max_concurrency`, `max_concurrency_path`, `tolerated_failure_count`, `tolerated_failure_percentage` (and their `_path`), `mode: INLINE \| DISTRIBUTED`, `execution_type`, `label` | | Map |
/// | `comment` | a string | all |
///
/// Errors in `retry` and `catch` are `States.ALL`, `States.Timeout`, ... (the predefined
/// names), a variant of the task's error enum (`PaymentError::CardDeclined`), or a string.
///
/// # The results of `parallel` and `map`
///
/// A `parallel` state's result is a **tuple of its branches' outputs, in the order the
/// branches are written** (each branch's output is what its last state gives): two branches
/// ending with `EmailSent` and `SmsSent` give `(EmailSent, SmsSent)`. On the wire it is a
/// JSON array, which serde reads into the tuple; a path indexes it as a list (`$.sent[0]`).
///
/// ```
/// use workflow::prelude::*;
///
/// #[derive(Clone, Serialize, Deserialize)]
/// pub struct Customer { pub email: String, pub phone: String }
/// #[derive(Clone, Serialize, Deserialize)]
/// pub struct EmailSent { pub to: String }
/// #[derive(Clone, Serialize, Deserialize)]
/// pub struct SmsSent { pub to: String, pub parts: u32 }
/// #[derive(Clone, Serialize, Deserialize)]
/// pub struct Doc { pub customer: Customer, pub sent: Option<(EmailSent, SmsSent)> }
///
/// #[task]
/// async fn send_email(customer: Customer) -> Result<EmailSent, TaskError> {
///     Ok(EmailSent { to: customer.email })
/// }
/// #[task]
/// async fn send_sms(customer: Customer) -> Result<SmsSent, TaskError> {
///     Ok(SmsSent { to: customer.phone, parts: 1 })
/// }
///
/// workflow! {
///     pub Notify(Doc) -> Doc {
///         parallel SendBoth {
///             branch { task Email = send_email { input_path: $.customer, end } },
///             branch { task Sms = send_sms { input_path: $.customer, end } },
///             // (EmailSent, SmsSent): the first branch's output, then the second's.
///             result_path: $.sent,
///             end,
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let runtime = Runtime::new();
/// let customer = Customer { email: "a@example.com".into(), phone: "+15550100".into() };
/// let execution = Notify::start(&runtime, Doc { customer, sent: None }).await.unwrap();
/// let (email, sms) = execution.output().await.unwrap().sent.unwrap();
/// assert_eq!((email.to.as_str(), sms.to.as_str()), ("a@example.com", "+15550100"));
/// # }
/// ```
///
/// A `map` state's result is a **`Vec` of its item processor's output**, one for each item,
/// in the order of the items (the item processor gets each item, or what `item_selector`
/// builds from it).
///
/// ```
/// use workflow::prelude::*;
///
/// #[derive(Clone, Serialize, Deserialize)]
/// pub struct Item { pub sku: String, pub quantity: u32 }
/// #[derive(Clone, Serialize, Deserialize)]
/// pub struct Reservation { pub sku: String, pub reserved: u32 }
/// #[derive(Clone, Serialize, Deserialize)]
/// pub struct Doc { pub items: Vec<Item>, pub reservations: Option<Vec<Reservation>> }
///
/// #[task]
/// async fn reserve(item: Item) -> Result<Reservation, TaskError> {
///     Ok(Reservation { sku: item.sku, reserved: item.quantity })
/// }
///
/// workflow! {
///     pub ReserveStock(Doc) -> Doc {
///         map ReserveAll {
///             items_path: $.items,
///             max_concurrency: 2,
///             item_processor { task Reserve = reserve { end } },
///             // Vec<Reservation>: the item processor's output for each item, in order.
///             result_path: $.reservations,
///             end,
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let runtime = Runtime::new();
/// let items = vec![
///     Item { sku: "book".into(), quantity: 2 },
///     Item { sku: "pen".into(), quantity: 5 },
/// ];
/// let execution = ReserveStock::start(&runtime, Doc { items, reservations: None }).await.unwrap();
/// let reservations = execution.output().await.unwrap().reservations.unwrap();
/// let skus: Vec<&str> = reservations.iter().map(|r| r.sku.as_str()).collect();
/// assert_eq!(skus, ["book", "pen"]);
/// # }
/// ```
///
/// A `result_path` field of another type is a compile error on the path (`a result of type
/// ... does not fit this field of type ...`).
///
/// # Paths, templates and conditions
///
/// Paths are tokens: `$` (the document), `$.order.total`, `$.items[0]`, `$$.Execution.Id`
/// and `$$.Map.Item.Value` (the context object), `$name` (a variable). Paths tokens cannot
/// express (wildcards, filters, slices, names with hyphens) are written as strings:
/// `"$.items[*].sku"`; they are untyped.
///
/// A template is a struct literal, `ChargeRequest { order_id: $.order.id, amount: 10 }`
/// (typed: rustc checks every field), or an object, `{ FunctionName: "f", "Payload": { id:
/// $.id } }` (untyped). Values are literals, paths, nested objects and arrays, or intrinsic
/// functions with double-quoted strings: `States.Format("Order {} shipped", $.order.id)`.
///
/// A condition compares a path with a literal, `$.total > 1000` (a number: Numeric*),
/// `$.status == "paid"` (String*), `$.gift == true` (BooleanEquals),
/// `$.due < timestamp("2030-01-01T00:00:00Z")` (Timestamp*); two paths with the type to
/// compare as, `numeric($.a) <= $.b` (also `string`, `timestamp`, `boolean`); or tests
/// `is_present($.x)`, `is_null`, `is_numeric`, `is_string`, `is_boolean`, `is_timestamp`,
/// `matches($.name, "log-*")`; combined with `&&`, `||`, `!` and parentheses. A `when` arm
/// may end with `assign: { ... }`.
///
/// # What is checked
///
/// The graph (by the validator that checks ASL files, errors on the token): unknown targets
/// (with "did you mean"), unreachable states, missing `next`/`end`, a cycle with no way out,
/// transitions into or out of a branch, `States.ALL` out of place, out-of-range numbers,
/// malformed paths and intrinsics (an unknown or misspelled function, a wrong number of
/// arguments). What the validator only warns about in a JSON file (an unknown `States.*`
/// error name, a branch that cannot finish, a `retry` or `catch` naming `States.Runtime`,
/// which AWS never retries or catches, or a name AWS reserves for future use:
/// `States.IntrinsicFailure`, `States.NoChoiceMatched` and `States.ParameterPathFailure`,
/// whose failures AWS reports as `States.Runtime`) is an error here: a macro cannot warn, and
/// the workflow is yours to fix. The data (by rustc, errors on the token): a path to a
/// field the document does not have, a task given the wrong input type, a result written
/// into a field of another type, two states linked by a transition that disagree on the
/// document's type, a comparison of the wrong type, a template struct missing a field, a
/// Catch on an error the task cannot raise. See `workflow::dsl::type_errors` for how to read
/// those errors.
///
/// The messages name what you wrote, not its ASL: `backoff_rate` (not `'BackoffRate'`),
/// `end` (not `"End": true`), the key `amount` of a template (not `'amount.$'`), `wait`
/// states, the state a JSON pointer leads to.
///
/// One mistake gives one error. After a syntax error, or a field the macro cannot read, the
/// workflow's type is still defined (so the code using it compiles on), what the validator
/// would then say of the state only repeats the mistake and is not reported, and rustc does
/// not check the data flow through that state (what it would find after a misspelt
/// `result_path` is the mistake again). Fix it and the rest is checked.
///
/// # What it defines
///
/// A unit struct of the workflow's name implementing `workflow::dsl::WorkflowDefinition`,
/// with `definition()` (the validated model), `asl_json()` (the ASL, task resources as
/// `${Name}` substitution variables), `asl_json_resolved(|name| ...)` (resources resolved to
/// ARNs), `bind(&runtime)` (a `workflow::dsl::Binder`: give the states the tasks take with
/// `.state(value)`, replace tasks by typed test doubles with `.replace::<function>(closure)`,
/// then `.finish()` binds) and `start(&runtime, input)` (a typed execution whose
/// `output().await` is the typed output and whose `pending::<function>().await` lists the
/// callbacks of a callback task waiting for their token, answered with the task's types; it
/// binds the tasks not bound yet, and never replaces a binding made before). Each task of
/// the workflow implements `workflow::dsl::TaskOf<ItsWorkflow>`, so that a double can only
/// replace a task the workflow runs, and each function of a `callback` state
/// `workflow::dsl::CallbackOf<ItsWorkflow>` (with the names of those states), so that
/// `pending` lists only the callbacks of a task the workflow runs.
#[proc_macro]
pub fn workflow(input: TokenStream) -> TokenStream {
    workflow::expand(input.into()).into()
}
