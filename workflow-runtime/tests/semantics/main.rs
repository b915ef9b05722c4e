//! Integration tests of the runtime's execution semantics: Retry, Catch, timeouts, Parallel,
//! Map, Wait, callbacks, payload limits, robustness, history, variables and scaled clocks.
//!
//! Every test runs under tokio's paused clock: waits of any length finish at once, while the
//! history timestamps move by the time waited, so waits are checked to the millisecond.
//! Expected values are derived from the ASL semantics (the spec, AWS's documentation and the
//! AWS-recorded conformance corpus), never copied from this engine's own output.

mod common;

mod callbacks;
mod catch;
mod clock;
mod definitions;
mod history;
mod limits;
mod map;
mod parallel;
mod path_fields;
mod retry;
mod robustness;
mod runtime_errors;
mod timeouts;
mod variables;
mod wait;
