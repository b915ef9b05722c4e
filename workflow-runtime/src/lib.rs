//! The tokio driver of the workflow engine.
#![warn(missing_docs)]
