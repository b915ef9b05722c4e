//! workflow: AWS Step Functions, done natively in Rust.
#![warn(missing_docs)]

pub use workflow_core as core;
pub use workflow_runtime as runtime;
