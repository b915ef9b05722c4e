//! # Reading the compile errors of `workflow!`
//!
//! `workflow!` checks a workflow twice while it compiles. Mistakes in the state graph (an
//! unknown `next`, an unreachable state, `States.ALL` out of place, a bad number or path) are
//! found by the same validator that checks ASL JSON files, and reported on the token that
//! caused them, with the validator's message in the DSL's words (`backoff_rate`, not the ASL
//! field 'BackoffRate'). Mistakes in the data (a task fed the wrong type,
//! a path to a field that does not exist, a numeric comparison on a string) are found by
//! rustc itself: the macro emits, next to the workflow, a function that is never run and that
//! walks the workflow's data flow with your types. rustc's errors then land on the DSL token
//! that caused them.
//!
//! The errors you will meet, and what to do:
//!
//! | the error says | it means | what to do |
//! |---|---|---|
//! | ``Missing `next` target: ChargePaymnt (did you mean `ChargePayment`?)`` | a transition names no state of its scope | fix the name |
//! | ``State `X` is not reachable.`` | no transition leads to X | link it, or remove it |
//! | `no field `totl` on type `&Order`` | a path names a field the document type does not have | fix the path, or add the field |
//! | ``the output of this state, `Receipt`, does not fit the input of the next state, `Order` `` | two states linked by a transition disagree on the document's type | keep the document with `result_path: $.field`, or pick a part with `output_path` |
//! | ``the task's input is `ChargeRequest`, but this gives it `Order` `` | the state gives its task the wrong type | select the right part with `input_path`, or build the input with `parameters: ChargeRequest { .. }` |
//! | ``a result of type `Receipt` does not fit this field of type `Order` `` | `result_path` writes the task's result into a field of another type | point `result_path` at a field of the result's type (an `Option<T>` field takes a `T`) |
//! | ``this path gives `String`, but the field is `f64` `` | a path in a `parameters` struct reads a field of another type than the struct's field | point the path at a field of the struct field's type, or change the struct |
//! | ``this ends with `Receipt`, but the output is `OrderDoc` `` | a state that ends the workflow (or a branch, or an item processor) leaves a document of another type than the declared output | keep the document with `result_path`, or change `-> Type` |
//! | ``missing field `amount` in initializer of `ChargeRequest` `` | a `parameters` struct leaves a field out | give it a value or a path |
//! | ``` `String` is not a number: a numeric comparison needs a numeric field ``` | `when $.x > 1` on a string field | compare with a string, or use a numeric field |
//! | ``no variant named `Declined` found for enum `PaymentError` `` | a `catch` or `retry` names an error the task cannot raise | use a variant of the task's error type |
//! | ``` `Receipt` is not a list: a `map` state iterates over an array ``` | `items_path` selects something other than a `Vec` or array | point `items_path` at a list field |
//! | ``` `Receipt` has no item at this index ``` | `$.field[2]` on a value that is not a list, or on a Parallel result with fewer branches | index a `Vec`, an array, or a Parallel result within its branches |
//! | ``` `charge_payment` is not a #[task(callback)] function ``` | a state is marked `callback` but its task does not wait for a token | remove `callback`, or make the function `#[task(callback)]` |
//! | ``` `request_approval` is a #[task(callback)] function: its state must be marked `callback` ``` | a callback task's state lacks `callback` | add `callback` to the state's fields |
//! | ``` `String` cannot be the error type of a task ``` | a `#[task]` returns `Result<T, E>` with an `E` that is not a `#[derive(TaskError)]` enum | derive `TaskError` on the enum, or return `TaskError` |
//! | `#[task] functions must be async` | `#[task]` is on a plain `fn` | make it `async fn` |
//! | ``evaluation panicked: the task name 'Notify' of `billing::notify` is the name of `kitchen::notify` too`` | two functions of the workflow have one task name (their names in PascalCase, or `#[task(name = ..)]`) | give one of them its own with `#[task(name = "...")]` |
//! | ``` `Db` cannot be a task's state ``` | a `State<Db>` parameter whose type is not `Clone + Send + Sync + 'static` | take `State<Arc<Db>>` |
//! | ``` `refund` is not a task of the workflow `Pay` ``` | `.replace::<refund>(..)` names a function no state of the workflow runs | replace one of the workflow's tasks |
//! | ``conflicting implementations of trait `TaskOf<Pay>` for type `notify` `` | two states name one function by two paths (`notify` and `tasks::notify`): a macro cannot tell they are one | write the same path in both |
//! | ``type mismatch in closure arguments``, on `.replace` | a test double's closure does not take the task's input type | take the task's input (the error shows it), return its output and error types |
//! | ``expected `Approval`, found `Value` ``, on `.succeed` | a callback task's token is answered with another type than the `T` of its `Callback<T>` (or `.fail` with another error type) | answer with a `T` (the error shows it) |
//! | ``` `request_refund` is not a callback task of the workflow `Approve` ``` | `execution.pending::<request_refund>()` names a function that no state marked `callback` of the workflow runs | name one of the workflow's callback tasks |
//! | ``` `charge` is not a #[task(callback)] function: only a callback task waits for its task token to be answered ``` | `Callbacks::<charge>::new(..)` names a plain task | name the `#[task(callback)]` function whose token is answered |
//!
//! A note on `Option`: a path steps through `Option` fields as if they were plain
//! (`$.approval.approved` with `approval: Option<Approval>`), as the JSON document does; at
//! run time a missing field is a `States.Runtime` error, as on AWS.
