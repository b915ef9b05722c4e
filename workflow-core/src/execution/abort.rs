//! Ending from outside (a stop, the execution's time limit) and aborting scopes: tasks
//! cancelled, timers dropped, the running states recorded as aborted.

use super::recording::aborted_event;
use super::*;

impl Execution {
    pub(super) fn stop(&mut self, failure: Failure) {
        self.end_execution(EventType::ExecutionAborted, failure);
    }

    /// Its state machine was deleted: it fails as AWS fails it (see
    /// [`Event::StateMachineDeleted`]).
    pub(super) fn state_machine_deleted(&mut self) {
        let cause = format!(
            "State machine {} has been deleted.",
            self.info.state_machine_name
        );
        let failure = Failure::new(names::RUNTIME, cause).within_aws_bounds();
        self.end_execution(EventType::ExecutionFailed, failure);
    }

    /// Ends the execution from outside (stop, timeout, its state machine deleted): everything
    /// running is aborted.
    pub(super) fn end_execution(&mut self, event_type: EventType, failure: Failure) {
        self.abort_everything();
        self.record(None, event_type, failure.details(None));
        self.status = match event_type {
            EventType::ExecutionTimedOut => ExecutionStatus::TimedOut(failure),
            EventType::ExecutionFailed => ExecutionStatus::Failed(failure),
            _ => ExecutionStatus::Aborted(failure),
        };
        self.work.clear();
    }

    /// Aborts every scope under way and the execution's time limit, keeping the top scope as
    /// it stood for a redrive.
    pub(super) fn abort_everything(&mut self) {
        let tops: Vec<FrameRef> = self
            .frames
            .iter()
            .flatten()
            .filter(|f| f.parent.is_none())
            .map(|f| f.me)
            .collect();
        for top in tops {
            if let Some(halted) = self.abort_frame(top) {
                self.halted = Some(halted);
            }
        }
        let timer = self.execution_timer.take();
        self.cancel_timer(timer);
    }

    /// Aborts a frame and everything below it: running tasks are cancelled, timers dropped,
    /// and the state that was running is recorded as aborted. Returns the frame as it stood,
    /// with the branches or iterations aborted below it, for a redrive.
    pub(super) fn abort_frame(&mut self, r: FrameRef) -> Option<Box<Halted>> {
        let mut frame = self.take(r)?;
        let plan = self.plan.clone();
        let state = &plan.scopes[frame.scope].states[frame.state];
        match std::mem::replace(&mut frame.phase, Phase::Enter) {
            Phase::AwaitTask(wait) => {
                self.tasks.remove(&wait.task);
                self.commands.push(Command::Cancel { task: wait.task });
                self.cancel_timer(wait.timeout_timer);
                self.cancel_timer(wait.heartbeat_timer);
                self.record(
                    Some(&mut frame),
                    EventType::TaskStateAborted,
                    EventDetails::None,
                );
            }
            Phase::AwaitWait { timer, .. } => {
                self.cancel_timer(Some(timer));
                self.record(
                    Some(&mut frame),
                    EventType::WaitStateAborted,
                    EventDetails::None,
                );
            }
            Phase::AwaitRetry { timer } => {
                self.cancel_timer(Some(timer));
                if let Some(t) = aborted_event(&state.kind) {
                    self.record(Some(&mut frame), t, EventDetails::None);
                }
            }
            Phase::AwaitChildren(mut children) => {
                let record_iterations = children.is_map && !children.distributed;
                let running = std::mem::take(&mut children.running);
                let aborted = self.abort_running(&mut frame, state, running, record_iterations);
                children.halted.extend(aborted);
                children.done = true;
                let distributed = children.distributed;
                // Kept with what its branches or iterations left, for a redrive.
                frame.phase = Phase::AwaitChildren(children);
                if distributed {
                    self.record(
                        Some(&mut frame),
                        EventType::MapRunAborted,
                        EventDetails::None,
                    );
                }
                if let Some(t) = aborted_event(&state.kind) {
                    self.record(Some(&mut frame), t, EventDetails::None);
                }
            }
            Phase::Enter | Phase::Run => {}
        }
        self.release(r);
        Some(Halted::aborted(frame))
    }
}
