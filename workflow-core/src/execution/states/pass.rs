//! The Pass state: passes its input, or its Result, on.

use super::super::*;

impl Execution {
    /// Runs a Pass state: its Result (or its input) through the data pipeline.
    pub(in crate::execution) fn run_pass(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        result: &Option<Value>,
        entropy: &mut dyn Entropy,
    ) -> Result<Outcome, Failure> {
        let effective = self.effective_input(frame, state, entropy)?;
        let (result, size) = match result {
            Some(v) => (StateResult::Owned(v.clone()), None),
            None => {
                // The input passed on as it is: shared with the history, not copied.
                let size = Arc::ptr_eq(&effective, &frame.raw_input).then_some(Measure {
                    size: frame.input_size,
                    depth: 0,
                });
                (StateResult::Shared(effective), size)
            }
        };
        let (output, assigned) = self.process_result(frame, state, result, size, entropy)?;
        Ok(self.complete(frame, state, output, assigned, None, entropy))
    }
}
