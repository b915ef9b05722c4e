//! Timers: starting and cancelling them, and what each one does when it fires (a Wait
//! ends, a retry starts, a task times out, the execution times out).

use super::*;

#[derive(Clone, Copy, Debug)]
pub(super) enum TimerPurpose {
    Wait,
    Retry,
    TaskTimeout,
    TaskHeartbeat,
    ExecutionTimeout,
}

impl Execution {
    pub(super) fn start_timer(
        &mut self,
        frame: Option<FrameRef>,
        at: Millis,
        purpose: TimerPurpose,
    ) -> TimerId {
        let timer = TimerId(self.next_timer);
        self.next_timer += 1;
        self.timers.insert(timer, (frame, purpose));
        self.commands.push(Command::StartTimer { timer, at });
        timer
    }

    pub(super) fn cancel_timer(&mut self, timer: Option<TimerId>) {
        if let Some(timer) = timer
            && self.timers.remove(&timer).is_some()
        {
            self.commands.push(Command::CancelTimer { timer });
        }
    }

    pub(super) fn on_timer(&mut self, timer: TimerId, entropy: &mut dyn Entropy) {
        let Some((owner, purpose)) = self.timers.remove(&timer) else {
            return;
        };
        if let TimerPurpose::ExecutionTimeout = purpose {
            self.execution_timer = None;
            // The limit itself: the timer may be seen a little late (at the end of a long run
            // of states), but what ran out is the limit.
            let seconds = self.time_limit_seconds;
            self.end_execution(
                EventType::ExecutionTimedOut,
                Failure::new(
                    names::TIMEOUT,
                    format!("The execution ran longer than its time limit of {seconds} seconds."),
                ),
            );
            return;
        }
        let Some(r) = owner else { return };
        let Some(mut frame) = self.take(r) else {
            return;
        };
        let plan = self.plan.clone();
        let state = &plan.scopes[frame.scope].states[frame.state];
        match (purpose, std::mem::replace(&mut frame.phase, Phase::Run)) {
            (
                TimerPurpose::Wait,
                Phase::AwaitWait {
                    timer: t,
                    effective,
                },
            ) if t == timer => {
                let outcome = match self.finish_wait(&mut frame, state, effective, entropy) {
                    Ok(o) => o,
                    Err(f) => self.fail(&mut frame, state, f, false, entropy),
                };
                self.settle(r, frame, outcome);
            }
            (TimerPurpose::Retry, Phase::AwaitRetry { timer: t }) if t == timer => {
                self.put(r, frame);
                self.work.push(Work::Advance(r));
            }
            (TimerPurpose::TaskTimeout | TimerPurpose::TaskHeartbeat, Phase::AwaitTask(wait))
                if wait.timeout_timer == Some(timer) || wait.heartbeat_timer == Some(timer) =>
            {
                self.tasks.remove(&wait.task);
                self.commands.push(Command::Cancel { task: wait.task });
                let heartbeat = wait.heartbeat_timer == Some(timer);
                self.cancel_timer(if heartbeat {
                    wait.timeout_timer
                } else {
                    wait.heartbeat_timer
                });
                let failure = if heartbeat {
                    Failure::new(
                        names::HEARTBEAT_TIMEOUT,
                        format!(
                            "The task in state '{}' sent no heartbeat for {} seconds (HeartbeatSeconds).",
                            state.name,
                            wait.heartbeat_ms.unwrap_or_default() / 1000
                        ),
                    )
                } else {
                    Failure::new(
                        names::TIMEOUT,
                        format!(
                            "The task in state '{}' did not finish within its TimeoutSeconds.",
                            state.name
                        ),
                    )
                };
                self.record_task_failure(&mut frame, &wait.events, &failure, true);
                let outcome = self.fail(&mut frame, state, failure, false, entropy);
                self.settle(r, frame, outcome);
            }
            (_, phase) => {
                frame.phase = phase;
                self.put(r, frame);
            }
        }
    }
}

/// Whole seconds (a timeout, a heartbeat, a Wait) as milliseconds, saturating: a `...Path`
/// may hold any `u64`, and a limit must never wrap around into one that has already passed.
pub(super) fn seconds_to_millis(seconds: u64) -> Millis {
    i64::try_from(seconds).map_or(Millis::MAX, |s| s.saturating_mul(1000))
}

#[cfg(test)]
mod tests {
    use super::seconds_to_millis;

    #[test]
    fn seconds_saturate_into_millis() {
        assert_eq!(seconds_to_millis(0), 0);
        assert_eq!(seconds_to_millis(99_999_999), 99_999_999_000);
        // 10^17 s is 10^20 ms: past i64; u64::MAX is past i64 already as seconds.
        assert_eq!(seconds_to_millis(100_000_000_000_000_000), i64::MAX);
        assert_eq!(seconds_to_millis(u64::MAX), i64::MAX);
    }
}
