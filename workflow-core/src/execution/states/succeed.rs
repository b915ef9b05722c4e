//! The Succeed state: ends its scope with its input.

use super::super::*;

impl Execution {
    /// Runs a Succeed state: InputPath and OutputPath, and the scope ends.
    pub(in crate::execution) fn run_succeed(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        entropy: &mut dyn Entropy,
    ) -> Result<Outcome, Failure> {
        let effective = self.filter(frame, state, &state.input_path, &frame.raw_input)?;
        let output = self.filter(frame, state, &state.output_path, &effective)?;
        Ok(self.complete(frame, state, output, None, None, entropy))
    }
}
