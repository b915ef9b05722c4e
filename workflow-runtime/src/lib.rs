//! The tokio driver of the workflow engine: load an Amazon States Language definition, bind
//! its Task resources to async Rust handlers, and run executions with AWS's semantics (Retry,
//! Catch, timeouts, heartbeats, Parallel, Map, Wait, task tokens), each with an execution
//! history in AWS's format.
//!
//! The step logic lives in `workflow-core`; this crate carries out its commands: it calls
//! handlers, keeps timers, and feeds the outcomes back. Every wait goes through a [`Clock`],
//! so tests under `tokio::time::pause()` run a one-year Wait at once.
#![warn(missing_docs)]

mod arn;
mod bindings;
mod builder;
mod clock;
mod deletion;
mod driver;
mod error;
mod executions;
mod fast_hash;
mod handle;
mod handler;
mod inbox;
pub mod lambda;
mod options;
mod parking;
mod pending;
mod recovery;
mod redrive;
mod registry;
mod runtime;
mod start;
pub mod store;
mod workflow;

pub use bindings::{BindConflict, BoundCode};
pub use builder::{EntropySource, RuntimeBuilder};
pub use clock::{Clock, TokioClock, Work};
pub use error::{CallbackError, LoadError, RedriveError, RegisterError, RegistryError, StartError};
pub use handle::ExecutionHandle;
pub use handler::{BoxFuture, TaskContext, TaskError, TaskHandler, panic_cause};
pub use options::{LoadOptions, RedriveOptions, StartOptions};
pub use pending::PendingCallback;
pub use redrive::RedriveStatus;
pub use runtime::{Runtime, WeakRuntime};
pub use workflow::Workflow;
pub use workflow_core::execution::{ExecutionStatus, Failure};
pub use workflow_core::history::{EventType, HistoryEvent};
pub use workflow_core::plan::MachineType;
