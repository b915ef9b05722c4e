//! What each state type does, one module per type; `run` dispatches on the type.
//! What several types share is here too: reading a `...Path` field of the state input.

mod choice;
mod fail;
mod parallel_map;
mod pass;
mod succeed;
mod task;
mod wait;

pub(super) use parallel_map::Children;
pub(super) use task::TaskWait;
pub use task::task_result_too_large;

use super::path_numbers::IntegerField;
use super::*;

/// How AWS shows a value in its messages (Jackson's text of it): a string bare, a number with
/// a fraction or an exponent as Java's `Double.toString`, anything else as JSON. Recorded for
/// the `...Path` number fields (see `path_numbers`) and Wait's `TimestampPath` (its cases,
/// `wait/wait_timestamp_path_*`, all hold strings, shown bare as here); a Fail state's
/// `ErrorPath` and `CausePath` show what they select the same way.
pub(crate) fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => {
            crate::intrinsics::java_double(n.as_f64().unwrap_or_default())
        }
        other => other.to_string(),
    }
}

impl Execution {
    /// Runs one attempt of the frame's current state (it has been entered).
    pub(super) fn run(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        entropy: &mut dyn Entropy,
    ) -> Outcome {
        match self.try_run(frame, state, entropy) {
            Ok(outcome) => outcome,
            Err(failure) => self.fail(frame, state, failure, false, entropy),
        }
    }

    fn try_run(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        entropy: &mut dyn Entropy,
    ) -> Result<Outcome, Failure> {
        match &state.kind {
            Kind::Pass { result } => self.run_pass(frame, state, result, entropy),
            Kind::Succeed => self.run_succeed(frame, state, entropy),
            Kind::Fail { error, cause } => self.run_fail(frame, state, error, cause, entropy),
            Kind::Choice { rules, default } => {
                self.run_choice(frame, state, rules, default, entropy)
            }
            Kind::Wait(spec) => self.run_wait(frame, state, spec, entropy),
            Kind::Task(spec) => self.start_task(frame, state, spec, entropy),
            Kind::Parallel { branches } => self.start_parallel(frame, state, branches, entropy),
            Kind::Map(spec) => self.start_map(frame, state, spec),
        }
    }

    /// Selects the value of a path field (SecondsPath, MaxConcurrencyPath, ...).
    pub(in crate::execution) fn select_field(
        &self,
        frame: &Frame,
        state: &CompiledState,
        path: &crate::path::Path,
        input: &Value,
    ) -> Result<Value, Failure> {
        let selected = self.with_env(frame, state, input, |env| path.select_owned(env));
        selected.map_err(|_| {
            self.prefix(
                frame,
                state,
                StateFailure::runtime(format!(
                    "Invalid path '{}' : No results for path: {}",
                    path.text(),
                    path.normalized()
                )),
            )
        })
    }

    /// The number a `...Path` field selects (see [`IntegerField`]), or AWS's
    /// `States.Runtime` error for it.
    pub(in crate::execution) fn path_integer(
        &self,
        frame: &Frame,
        state: &CompiledState,
        field: IntegerField,
        path: &crate::path::Path,
        input: &Value,
    ) -> Result<u64, Failure> {
        let value = self.select_field(frame, state, path, input)?;
        field
            .read(&value, path.text())
            .map_err(|detail| self.prefix(frame, state, StateFailure::runtime(detail)))
    }
}
