//! # Reading the compile errors of `workflow!`
//!
//! `workflow!` checks a workflow twice while it compiles. Mistakes in the state graph (an
//! unknown `next`, an unreachable state, `States.ALL` out of place, a bad number or path) are
//! found by the same validator that checks ASL JSON files, and reported on the token that
//! caused them, with the validator's message. Mistakes in the data (a task fed the wrong type,
//! a path to a field that does not exist, a numeric comparison on a string) are found by
//! rustc itself: the macro emits, next to the workflow, a function that is never run and that
//! walks the workflow's data flow with your types. rustc's errors then land on the DSL token
//! that caused them.
//!
//! The errors you will meet, and what to do:
//!
//! | the error says | it means | what to do |
//! |---|---|---|
//! | `Missing 'Next' target: ChargePaymnt (did you mean 'ChargePayment'?)` | a transition names no state of its scope | fix the name |
//! | `State "X" is not reachable.` | no transition leads to X | link it, or remove it |
//! | `no field `totl` on type `&Order`` | a path names a field the document type does not have | fix the path, or add the field |
//! | ``the output of this state, `Receipt`, does not fit the input of the next state, `Order` `` | two states linked by a transition disagree on the document's type | keep the document with `result_path: $.field`, or pick a part with `output_path` |
//! | ``the task's input is `ChargeRequest`, but this gives it `Order` `` | the state gives its task the wrong type | select the right part with `input_path`, or build the input with `parameters: ChargeRequest { .. }` |
//! | ``a result of type `Receipt` does not fit this field of type `Order` `` | `result_path` writes the task's result into a field of another type | point `result_path` at a field of the result's type (an `Option<T>` field takes a `T`) |
//! | ``missing field `amount` in initializer of `ChargeRequest` `` | a `parameters` struct leaves a field out | give it a value or a path |
//! | ``` `String` is not a number: a numeric comparison needs a numeric field ``` | `when $.x > 1` on a string field | compare with a string, or use a numeric field |
//! | ``no variant named `Declined` found for enum `PaymentError` `` | a `catch` or `retry` names an error the task cannot raise | use a variant of the task's error type |
//! | `#[task] functions must be async` | `#[task]` is on a plain `fn` | make it `async fn` |
//!
//! A note on `Option`: a path steps through `Option` fields as if they were plain
//! (`$.approval.approved` with `approval: Option<Approval>`), as the JSON document does; at
//! run time a missing field is a `States.Runtime` error, as on AWS.
