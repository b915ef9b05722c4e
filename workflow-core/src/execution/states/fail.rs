//! The Fail state: ends its scope with an error and a cause, literal or computed.

use super::super::*;
use super::shown;

impl Execution {
    /// Runs a Fail state: its error and cause end the scope.
    pub(in crate::execution) fn run_fail(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        error: &FailText,
        cause: &FailText,
        entropy: &mut dyn Entropy,
    ) -> Result<Outcome, Failure> {
        let error = self.fail_text(frame, state, error, "ErrorPath", entropy)?;
        let cause = self.fail_text(frame, state, cause, "CausePath", entropy)?;
        Ok(Outcome::Finished(Err(Failure { error, cause })))
    }

    fn fail_text(
        &self,
        frame: &Frame,
        state: &CompiledState,
        text: &FailText,
        field: &str,
        entropy: &mut dyn Entropy,
    ) -> Result<Option<String>, Failure> {
        match text {
            FailText::None => Ok(None),
            FailText::Literal(s) => Ok(Some(s.clone())),
            FailText::Dynamic(dynamic) => {
                let value = self
                    .with_env(frame, state, &frame.raw_input, |env| {
                        dynamic.evaluate(env, entropy, field)
                    })
                    .map_err(|f| self.prefix(frame, state, f))?;
                Ok(Some(shown(&value)))
            }
        }
    }
}
