//! Entering a state and leaving it: the Entered and Exited events, the payload limits on
//! what it leaves, variables assigned, and the move to the next state.

use super::recording::{entered_event, exited_event};
use super::*;

impl Execution {
    pub(super) fn enter(&mut self, frame: &mut Frame, state: &CompiledState) {
        frame.entered_time = self.now;
        frame.retry_counts.clear();
        frame.retry_counts.resize(state.retry.len(), 0);
        frame.retry_total = 0;
        frame.task_token = None;
        let input = frame.raw_input.clone();
        let id = self.record(
            Some(frame),
            entered_event(&state.kind),
            EventDetails::StateEntered {
                name: state.name.clone(),
                input: input.into(),
            },
        );
        frame.entered_event = id;
        frame.phase = Phase::Run;
    }

    /// Records the state's exit and moves to `next` (or the state's own Next), or ends the
    /// scope. An output or a variable over the payload limits fails the state.
    pub(super) fn complete(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        output: Arc<Value>,
        assigned: Option<Map<String, Value>>,
        next: Option<StateId>,
        entropy: &mut dyn Entropy,
    ) -> Outcome {
        match self.within_limits(frame, state, &output, assigned) {
            Ok((size, assigned)) => self.exit(frame, state, output, size, assigned, next),
            Err(failure) => self.fail(frame, state, failure, false, entropy),
        }
    }

    /// The size of a state's `output` and its non-empty `assigned`, or the
    /// `States.DataLimitExceeded` failure of an output or a variable over the payload limits.
    pub(super) fn within_limits(
        &self,
        frame: &mut Frame,
        state: &CompiledState,
        output: &Arc<Value>,
        assigned: Option<Map<String, Value>>,
    ) -> Result<(usize, Option<Map<String, Value>>), Failure> {
        let bound = frame.output_bound.take();
        let measured = if Arc::ptr_eq(output, &frame.raw_input) {
            Measure {
                size: frame.input_size,
                depth: 0,
            }
        } else {
            match bound {
                Some(b) if b.size <= PAYLOAD_LIMIT_BYTES && !b.too_deep() => b,
                _ => measure(output),
            }
        };
        if measured.size > PAYLOAD_LIMIT_BYTES {
            return Err(Failure::new(
                names::DATA_LIMIT_EXCEEDED,
                result_too_large_cause(&state.name),
            ));
        }
        let assigned = assigned.filter(|m| !m.is_empty());
        if measured.too_deep() {
            return Err(too_deep_failure(&state.name, "a result"));
        }
        if assigned
            .as_ref()
            .is_some_and(|m| m.values().any(|v| measure(v).too_deep()))
        {
            return Err(too_deep_failure(&state.name, "a variable"));
        }
        Ok((measured.size, assigned))
    }

    /// Records the state's exit with `output` (of `size` bytes) and the variables it
    /// `assigned`, and moves to `next` (or the state's own Next), or ends the scope.
    pub(super) fn exit(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        output: Arc<Value>,
        size: usize,
        assigned: Option<Map<String, Value>>,
        next: Option<StateId>,
    ) -> Outcome {
        let assigned = assigned.map(|m| {
            if !frame.vars_owned {
                frame.vars = Vars::child(&frame.vars);
                frame.vars_owned = true;
            }
            let vars = Arc::make_mut(&mut frame.vars);
            for (k, v) in &m {
                vars.values.insert(k.clone(), v.clone());
            }
            Arc::new(m.into_iter().map(|(k, v)| (k, v.into())).collect())
        });
        self.record(
            Some(frame),
            exited_event(&state.kind),
            EventDetails::StateExited {
                name: state.name.clone(),
                output: output.clone().into(),
                assigned,
            },
        );
        match next.or(state.next) {
            Some(n) => {
                frame.state = n;
                frame.raw_input = output;
                frame.input_size = size;
                frame.phase = Phase::Enter;
                Outcome::Continue
            }
            None => Outcome::Finished(Ok(output)),
        }
    }
}
