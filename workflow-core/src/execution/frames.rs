//! Frames, the scopes under way (the top level, a Parallel branch, a Map iteration): where
//! they are kept, how one runs through its states, and how its end reaches its parent.

use super::recording::aborted_event;
use super::*;

impl Execution {
    pub(super) fn new_frame(&mut self, mut frame: Frame) -> FrameRef {
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                self.frames.push(None);
                self.generations.push(0);
                (self.frames.len() - 1) as u32
            }
        };
        let generation = self.generations[index as usize];
        let me = FrameRef { index, generation };
        frame.me = me;
        self.frames[index as usize] = Some(frame);
        me
    }

    pub(super) fn take(&mut self, r: FrameRef) -> Option<Frame> {
        let slot = self.frames.get_mut(r.index as usize)?;
        match slot {
            Some(f) if f.me.generation == r.generation => slot.take(),
            _ => None,
        }
    }

    pub(super) fn put(&mut self, r: FrameRef, frame: Frame) {
        self.frames[r.index as usize] = Some(frame);
    }

    pub(super) fn release(&mut self, r: FrameRef) {
        self.frames[r.index as usize] = None;
        self.generations[r.index as usize] = self.generations[r.index as usize].wrapping_add(1);
        self.free.push(r.index);
    }

    /// Puts a frame back after it changed, scheduling what its outcome calls for.
    pub(super) fn settle(&mut self, r: FrameRef, frame: Frame, outcome: Outcome) {
        match outcome {
            Outcome::Continue => {
                self.put(r, frame);
                self.work.push(Work::Advance(r));
            }
            Outcome::Blocked => self.put(r, frame),
            Outcome::Finished(result) => self.finish_frame(r, frame, result),
        }
    }

    pub(super) fn advance(&mut self, r: FrameRef, entropy: &mut dyn Entropy) {
        let Some(mut frame) = self.take(r) else {
            return;
        };
        let plan = self.plan.clone();
        let outcome = loop {
            let state = &plan.scopes[frame.scope].states[frame.state];
            match frame.phase {
                Phase::Enter if self.budget == 0 => {
                    // The rest is for the next call (Event::Continue).
                    self.put(r, frame);
                    self.work.push(Work::Advance(r));
                    return;
                }
                Phase::Enter => {
                    self.budget -= 1;
                    self.enter(&mut frame, state);
                    if let Some(failure) = self.child_over_limit(&frame) {
                        break self.fail(&mut frame, state, failure, false, entropy);
                    }
                }
                Phase::Run => match self.run(&mut frame, state, entropy) {
                    Outcome::Continue => {}
                    other => break other,
                },
                _ => break Outcome::Blocked,
            }
        };
        match outcome {
            Outcome::Finished(result) => self.finish_frame(r, frame, result),
            _ => self.put(r, frame),
        }
    }

    /// The failure of a frame that runs in a distributed Map's child execution past that
    /// execution's own limit, checked as it enters a state (a loop enters states): a STANDARD
    /// child's history quota, an EXPRESS child's five minutes. Without it, a child that loops
    /// forever would run until the parent's limit (a STANDARD parent's year).
    fn child_over_limit(&self, frame: &Frame) -> Option<Failure> {
        let child = frame.child?;
        match child.machine_type {
            MachineType::Standard => {
                let limit = self.history_limit?;
                let recorded = self.child_events.get(&child.id).copied().unwrap_or(0);
                // Its ExecutionStarted and the state just entered are counted: the state's
                // exit and the child's last event must fit too.
                (recorded + 3 > limit).then(|| super::recording::full_history_failure(limit))
            }
            MachineType::Express => {
                (self.now.saturating_sub(child.started) >= EXPRESS_LIMIT_MS).then(|| {
                    Failure::new(
                        names::TIMEOUT,
                        "The child execution of the distributed Map ran longer than an EXPRESS execution's five minutes.",
                    )
                })
            }
        }
    }

    pub(super) fn finish_frame(
        &mut self,
        r: FrameRef,
        mut frame: Frame,
        result: Result<Arc<Value>, Failure>,
    ) {
        // A scope may end with a failure that no state handled (a Fail state's CausePath).
        let result = result.map_err(Failure::within_aws_bounds);
        let plan = self.plan.clone();
        let state = &plan.scopes[frame.scope].states[frame.state];
        self.release(r);
        if let Some(child) = frame.child.filter(|c| c.root) {
            self.child_events.remove(&child.id);
        }
        match frame.parent {
            None => {
                let timer = self.execution_timer.take();
                self.cancel_timer(timer);
                match result {
                    Ok(output) => {
                        self.record(
                            Some(&mut frame),
                            EventType::ExecutionSucceeded,
                            EventDetails::ExecutionSucceeded {
                                output: output.clone().into(),
                            },
                        );
                        self.status = ExecutionStatus::Succeeded(output);
                    }
                    Err(failure) => {
                        self.record(
                            Some(&mut frame),
                            EventType::ExecutionFailed,
                            failure.details(None),
                        );
                        self.halted = Some(Halted::failed(frame, &failure));
                        self.status = ExecutionStatus::Failed(failure);
                    }
                }
            }
            Some((parent, slot)) => {
                if result.is_err() {
                    // The state that failed its branch never exited: it is aborted with it.
                    if let Some(t) = aborted_event(&state.kind) {
                        self.record(Some(&mut frame), t, EventDetails::None);
                    }
                }
                if !frame.silent {
                    // The parent's next event follows this frame's last one.
                    if let Some(p) = self.frames[parent.index as usize].as_mut() {
                        p.last_event = p.last_event.max(frame.last_event);
                    }
                }
                let halted = match &result {
                    Err(failure) => Some(Halted::failed(frame, failure)),
                    Ok(_) => None,
                };
                self.work.push(Work::ChildDone {
                    parent,
                    slot,
                    result,
                    halted,
                });
            }
        }
    }
}
