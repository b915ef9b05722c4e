//! # workflow: AWS Step Functions, done natively in Rust
//!
//! Write workflows as Rust code with [`workflow!`] and [`#[task]`](macro@task), checked at
//! compile time, or load Amazon States Language (ASL) JSON; run either in-process on tokio,
//! with the semantics of AWS Step Functions: Retry with back-off and jitter, Catch, timeouts
//! and heartbeats, Parallel, Map with MaxConcurrency, Wait, task tokens, variables, intrinsic
//! functions, and an execution history in AWS's format. A `workflow!` exports as ASL to deploy
//! on AWS; any ASL JSON that runs on AWS runs here (JSONPath states today), far faster than an
//! emulator, with every definition problem reported at once with its line and column.
//!
//! The workspace:
//! * [`core`] (`workflow-core`): the ASL model, the validator, JSONPath, payload templates,
//!   intrinsic functions, Choice rules and the deterministic step logic. Pure and synchronous.
//! * [`runtime`] (`workflow-runtime`): the tokio driver, task handlers, timers and history.
//! * [`dsl`] and the macros ([`workflow!`], [`#[task]`](macro@task),
//!   [`#[derive(TaskError)]`](derive@TaskError)) from `workflow-macros`: typed workflows.
//! * `lambda` (the `lambda` feature, `workflow-lambda`): the `#[task]` functions served as
//!   AWS Lambda functions.
//!
//! Loading ASL JSON and binding its resources to Rust code:
//!
//! ```
//! use workflow::prelude::*;
//!
//! # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
//! # rt.block_on(async {
//! let runtime = Runtime::new();
//! runtime.bind_lambda("charge", |order: Value, _ctx: TaskContext| async move {
//!     let total = order["total"].as_f64().unwrap_or_default();
//!     if total > 1000.0 {
//!         return Err(TaskError::new("CardDeclined", "over the card's limit"));
//!     }
//!     Ok(json!({"charged": total}))
//! });
//! let workflow = runtime.load(r#"{
//!   "StartAt": "Charge",
//!   "States": {
//!     "Charge": {
//!       "Type": "Task",
//!       "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge",
//!       "ResultPath": "$.payment",
//!       "Catch": [{"ErrorEquals": ["CardDeclined"], "ResultPath": "$.error", "Next": "Declined"}],
//!       "End": true
//!     },
//!     "Declined": {"Type": "Fail", "Error": "PaymentDeclined"}
//!   }
//! }"#).unwrap();
//!
//! let paid = runtime.start(&workflow, json!({"total": 42})).await.unwrap().outcome().await;
//! assert_eq!(paid.output(), Some(&json!({"total": 42, "payment": {"charged": 42.0}})));
//!
//! let declined = runtime.start(&workflow, json!({"total": 5000})).await.unwrap().outcome().await;
//! assert_eq!(declined.failure().unwrap().error.as_deref(), Some("PaymentDeclined"));
//! # });
//! ```
#![warn(missing_docs)]

pub use workflow_core as core;
pub use workflow_runtime as runtime;

pub mod deploy;
pub mod dsl;
#[cfg(feature = "lambda")]
pub mod lambda;

pub use workflow_macros::{TaskError, task, workflow};

/// The names most programs need.
pub mod prelude {
    pub use serde::{Deserialize, Serialize};
    pub use serde_json::{Value, json};
    pub use workflow_core::definition::Definition;
    pub use workflow_core::diagnostic::{Diagnostic, Diagnostics};
    pub use workflow_core::execution::{ExecutionStatus, Failure};
    pub use workflow_core::history::{EventType, HistoryEvent};
    pub use workflow_core::plan::{CompileOptions, MachineType};
    /// `#[derive(TaskError)]`: an enum whose variants are the ASL error names a task raises.
    pub use workflow_macros::TaskError;
    pub use workflow_runtime::{
        CallbackError, ExecutionHandle, LoadError, LoadOptions, Runtime, StartError, StartOptions,
        TaskContext, TaskError, TaskHandler, Workflow,
    };

    pub use crate::deploy::Deploy;
    pub use crate::dsl::{Callback, ErrorOutput, TaskErrorKind, WorkflowDefinition};
    pub use crate::{task, workflow};
}

/// The README's Rust code, compiled and run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
