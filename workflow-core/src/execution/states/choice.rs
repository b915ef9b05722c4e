//! The Choice state: picks the next state by the first rule that matches.

use super::super::*;

impl Execution {
    /// Runs a Choice state: the first rule that matches, or the Default, is the next state.
    pub(in crate::execution) fn run_choice(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        rules: &[ChoiceRule],
        default: &Option<StateId>,
        entropy: &mut dyn Entropy,
    ) -> Result<Outcome, Failure> {
        let effective = self.filter(frame, state, &state.input_path, &frame.raw_input)?;
        let chosen = self
            .with_env(frame, state, &effective, |env| {
                for rule in rules {
                    if rule.condition.evaluate(env)? {
                        return Ok(Some(rule));
                    }
                }
                Ok(None)
            })
            .map_err(|e: crate::AslError| self.prefix(frame, state, e.into()))?;
        let (next, assign) = match (chosen, default) {
            (Some(rule), _) => (rule.next, &rule.assign),
            (None, Some(d)) => (*d, &state.assign),
            // AWS's "Error handling in Step Functions" page: `States.NoChoiceMatched`
            // is "reserved for future use"; when no choice matches, the error is
            // reported with the `States.Runtime` name, which no retrier or catcher
            // handles (see `names::RESERVED`). The sentence after AWS's prefix is
            // ours: the AWS-recorded corpus has no Choice that matches nothing, and
            // no AWS page, AWS re:Post or Stack Overflow page, or GitHub issue in the
            // stored search corpora quotes what AWS prints for one.
            (None, None) => {
                return Err(self.prefix(
                    frame,
                    state,
                    StateFailure::runtime(
                        "No Choice rule matched the input and the Choice state has no Default.",
                    ),
                ));
            }
        };
        let assigned = self.assign(frame, state, assign, &effective, entropy)?;
        let output = self.filter(frame, state, &state.output_path, &effective)?;
        Ok(self.complete(frame, state, output, assigned, Some(next), entropy))
    }
}
