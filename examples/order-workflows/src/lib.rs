//! The order-processing examples of the workflow DSL: the domain types, the tasks, and six
//! workflows (five patterns and the complete order), shared by the example binaries
//! (`cargo run --example order_complete`) and the tests.
#![warn(missing_docs)]

pub mod domain;
pub mod report;
pub mod tasks;
pub mod workflows;

pub use domain::*;
pub use workflows::*;
