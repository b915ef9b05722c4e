//! The macros of the workflow DSL: `#[task]`, `#[derive(TaskError)]` and `workflow!`.
//!
//! Use them through the `workflow` crate (`use workflow::prelude::*;`), whose documentation
//! of [`workflow!`](macro@workflow) is the syntax reference.
#![warn(missing_docs)]

use proc_macro::TokenStream;

mod task;
mod task_error;
mod workflow;

/// Makes an `async fn` a task that `workflow!` can run. See the `workflow` crate's
/// documentation of `task` for the whole reference.
#[proc_macro_attribute]
pub fn task(attr: TokenStream, item: TokenStream) -> TokenStream {
    task::expand(attr.into(), item.into()).into()
}

/// An enum whose variants are the ASL error names a task can raise. See the `workflow`
/// crate's documentation of `TaskError`.
#[proc_macro_derive(TaskError)]
pub fn derive_task_error(input: TokenStream) -> TokenStream {
    task_error::expand(input.into()).into()
}

/// Defines a state machine in Rust, checked at compile time. See the `workflow` crate's
/// documentation of `workflow!` for the syntax.
#[proc_macro]
pub fn workflow(input: TokenStream) -> TokenStream {
    workflow::expand(input.into()).into()
}
