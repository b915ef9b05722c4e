//! Recording the history: each event's id and predecessor, the state events of each state
//! type, silent (distributed Map) scopes, and the history quota.

use super::*;

pub(super) fn entered_event(kind: &Kind) -> EventType {
    match kind {
        Kind::Pass { .. } => EventType::PassStateEntered,
        Kind::Task(_) => EventType::TaskStateEntered,
        Kind::Choice { .. } => EventType::ChoiceStateEntered,
        Kind::Wait(_) => EventType::WaitStateEntered,
        Kind::Succeed => EventType::SucceedStateEntered,
        Kind::Fail { .. } => EventType::FailStateEntered,
        Kind::Parallel { .. } => EventType::ParallelStateEntered,
        Kind::Map(_) => EventType::MapStateEntered,
    }
}

pub(super) fn exited_event(kind: &Kind) -> EventType {
    match kind {
        Kind::Pass { .. } => EventType::PassStateExited,
        Kind::Task(_) => EventType::TaskStateExited,
        Kind::Choice { .. } => EventType::ChoiceStateExited,
        Kind::Wait(_) => EventType::WaitStateExited,
        Kind::Succeed => EventType::SucceedStateExited,
        Kind::Parallel { .. } => EventType::ParallelStateExited,
        Kind::Map(_) => EventType::MapStateExited,
        Kind::Fail { .. } => EventType::FailStateEntered,
    }
}

pub(super) fn aborted_event(kind: &Kind) -> Option<EventType> {
    match kind {
        Kind::Task(_) => Some(EventType::TaskStateAborted),
        Kind::Wait(_) => Some(EventType::WaitStateAborted),
        Kind::Parallel { .. } => Some(EventType::ParallelStateAborted),
        Kind::Map(_) => Some(EventType::MapStateAborted),
        _ => None,
    }
}

impl Execution {
    /// Appends an event (unless the frame is silent) and returns its id.
    pub(super) fn record(
        &mut self,
        frame: Option<&mut Frame>,
        event_type: EventType,
        details: EventDetails,
    ) -> u64 {
        let previous = match &frame {
            Some(f) if f.silent => {
                if let Some(child) = f.child {
                    *self.child_events.entry(child.id).or_default() += 1;
                }
                return 0;
            }
            Some(f) => f.last_event,
            None => self.last_event_id,
        };
        if self.history_exhausted {
            return 0;
        }
        let id = self.last_event_id + 1;
        let limit = self.history_limit.unwrap_or(usize::MAX);
        match self.info.machine_type {
            MachineType::Standard
                if self.history.len() + 1 == limit
                    && event_type != EventType::ExecutionSucceeded =>
            {
                // The drain loop ends the execution before anything else happens.
                self.history_exhausted = true;
                return 0;
            }
            MachineType::Express
                if self.history.len() >= limit
                    && !matches!(
                        event_type,
                        EventType::ExecutionSucceeded
                            | EventType::ExecutionFailed
                            | EventType::ExecutionTimedOut
                            | EventType::ExecutionAborted
                    ) =>
            {
                // Counted, not kept.
                self.last_event_id = id;
                if let Some(f) = frame {
                    f.last_event = id;
                }
                return id;
            }
            _ => {}
        }
        self.last_event_id = id;
        let mut details = details;
        details.record_payloads(&mut self.payloads);
        self.history.push(HistoryEvent {
            id,
            previous_event_id: previous,
            timestamp: self.now,
            event_type,
            details,
        });
        if let Some(f) = frame {
            f.last_event = id;
        }
        id
    }

    /// Ends a STANDARD execution whose history is full: whatever runs is cancelled without
    /// further events, and the 25,000th event is `ExecutionFailed`.
    pub(super) fn fail_on_full_history(&mut self) {
        self.abort_everything();
        let failure = full_history_failure(self.history_limit.unwrap_or(HISTORY_LIMIT));
        // The last event there is room for, past the checks of `record`.
        self.last_event_id += 1;
        self.history.push(HistoryEvent {
            id: self.last_event_id,
            previous_event_id: self.last_event_id - 1,
            timestamp: self.now,
            event_type: EventType::ExecutionFailed,
            details: failure.details(None),
        });
        self.history_limit_recorded = true;
        self.status = ExecutionStatus::Failed(failure);
        self.work.clear();
    }
}

/// The failure of a STANDARD execution (or a distributed Map's STANDARD child) whose history
/// reached its quota of `limit` events.
pub(super) fn full_history_failure(limit: usize) -> Failure {
    Failure::new(
        names::RUNTIME,
        format!(
            "The execution reached the limit of {limit} events in its history (a STANDARD execution's hard quota)."
        ),
    )
}
