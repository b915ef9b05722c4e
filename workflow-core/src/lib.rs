//! The core of the workflow engine: the Amazon States Language (ASL) model, validation,
//! JSONPath, payload templates, intrinsic functions, Choice rules, variables and the step
//! logic. Pure and synchronous: no I/O, no clock and no randomness that is not passed in.
#![warn(missing_docs)]

pub mod choice;
pub mod definition;
pub mod deploy;
pub mod diagnostic;
pub mod entropy;
pub mod error;
pub mod execution;
pub mod history;
pub mod intrinsics;
pub mod journal;
pub mod lint;
pub mod model;
pub mod nesting;
pub mod path;
pub mod plan;
pub mod source;
pub mod suggest;
pub mod template;
pub mod timestamp;
pub mod transitions;

pub use diagnostic::{Diagnostic, Diagnostics, Location, Severity};
pub use entropy::Entropy;
pub use error::AslError;
