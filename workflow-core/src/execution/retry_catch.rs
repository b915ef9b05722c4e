//! Error handling: a failed state is retried (Retry), caught (Catch) or ends its scope.

use super::input_output::StateResult;
use super::timers::TimerPurpose;
use super::*;

impl Execution {
    /// A state failed: retry it, catch the error, or end the scope with it.
    pub(super) fn fail(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        failure: Failure,
        children_failed: bool,
        entropy: &mut dyn Entropy,
    ) -> Outcome {
        let failure = failure.within_aws_bounds();
        let name = failure.error.as_deref().unwrap_or_default();
        if let Some(i) = state.retry.iter().position(|r| r.matcher.matches(name)) {
            let retrier = &state.retry[i];
            if frame.retry_counts[i] < retrier.max_attempts {
                frame.retry_counts[i] += 1;
                frame.retry_total += 1;
                let attempt = frame.retry_counts[i];
                let mut delay = retrier.interval_seconds
                    * retrier.backoff_rate.powi(attempt.saturating_sub(1) as i32);
                if let Some(max) = retrier.max_delay_seconds {
                    delay = delay.min(max);
                }
                if retrier.full_jitter {
                    delay *= entropy.next_f64();
                }
                let delay_ms = (delay * 1000.0).min(1.0e15) as i64;
                let timer = self.start_timer(
                    Some(frame.me),
                    self.now.saturating_add(delay_ms),
                    TimerPurpose::Retry,
                );
                frame.phase = Phase::AwaitRetry { timer };
                return Outcome::Blocked;
            }
        }
        if children_failed && matches!(state.kind, Kind::Map(_)) {
            self.record(Some(frame), EventType::MapStateFailed, EventDetails::None);
        }
        if let Some(catcher) = state.catch.iter().find(|c| c.matcher.matches(name)) {
            let error_output = failure.error_output();
            let caught = self
                .assign(frame, state, &catcher.assign, &error_output, entropy)
                .and_then(|assigned| {
                    self.place_result(
                        frame,
                        state,
                        &catcher.result_path,
                        StateResult::Owned(error_output),
                    )
                    .map(|output| (output, assigned))
                });
            // A catcher's own output that cannot be kept ends the scope, as one that cannot be
            // placed does: it is not retried or caught again (a catcher that names the error
            // would otherwise catch its own failure without end).
            return match caught.and_then(|(output, assigned)| {
                let (size, assigned) = self.within_limits(frame, state, &output, assigned)?;
                Ok((output, size, assigned))
            }) {
                Ok((output, size, assigned)) => {
                    self.exit(frame, state, output, size, assigned, Some(catcher.next))
                }
                Err(f) => Outcome::Finished(Err(f)),
            };
        }
        Outcome::Finished(Err(failure))
    }
}
