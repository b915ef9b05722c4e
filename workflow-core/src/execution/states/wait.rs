//! The Wait state: Seconds, Timestamp, SecondsPath or TimestampPath, then its timer.

use super::super::path_numbers::IntegerField;
use super::super::timers::{TimerPurpose, seconds_to_millis};
use super::super::*;
use super::shown;

impl Execution {
    /// Runs a Wait state: starts its timer, or goes on at once when the time has come.
    pub(in crate::execution) fn run_wait(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        spec: &WaitSpec,
        entropy: &mut dyn Entropy,
    ) -> Result<Outcome, Failure> {
        let effective = self.filter(frame, state, &state.input_path, &frame.raw_input)?;
        let until = self.wait_until(frame, state, spec, &effective)?;
        if until <= self.now {
            return self.finish_wait(frame, state, effective, entropy);
        }
        let timer = self.start_timer(Some(frame.me), until, TimerPurpose::Wait);
        frame.phase = Phase::AwaitWait { timer, effective };
        Ok(Outcome::Blocked)
    }

    fn wait_until(
        &self,
        frame: &Frame,
        state: &CompiledState,
        spec: &WaitSpec,
        effective: &Value,
    ) -> Result<Millis, Failure> {
        Ok(match spec {
            WaitSpec::Seconds(s) => self.now.saturating_add(seconds_to_millis(*s)),
            // AWS waits to the second: the fraction of a timestamp is ignored.
            WaitSpec::Timestamp(ms) => ms.div_euclid(1000) * 1000,
            WaitSpec::SecondsPath(path) => {
                let seconds =
                    self.path_integer(frame, state, IntegerField::Seconds, path, effective)?;
                self.now.saturating_add(seconds_to_millis(seconds))
            }
            WaitSpec::TimestampPath(path) => {
                let value = self.select_field(frame, state, path, effective)?;
                match value.as_str().and_then(crate::timestamp::parse_timestamp) {
                    Some(t) => t.timestamp_millis().div_euclid(1000) * 1000,
                    None => {
                        return Err(self.prefix(
                            frame,
                            state,
                            StateFailure::runtime(format!(
                                "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {} == {}",
                                path.text(),
                                shown(&value)
                            )),
                        ));
                    }
                }
            }
        })
    }

    pub(in crate::execution) fn finish_wait(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        effective: Arc<Value>,
        entropy: &mut dyn Entropy,
    ) -> Result<Outcome, Failure> {
        let assigned = self.assign(frame, state, &state.assign, &effective, entropy)?;
        let output = self.filter(frame, state, &state.output_path, &effective)?;
        Ok(self.complete(frame, state, output, assigned, None, entropy))
    }
}
