//! The Parallel and Map states: branches and iterations run as child frames, at most
//! MaxConcurrency at a time, with Map's tolerated failures; their results gathered in order.

use super::super::path_numbers::{IntegerField, read_percentage};
use super::super::*;

#[derive(Debug)]
pub(in crate::execution) struct Children {
    pub(in crate::execution) is_map: bool,
    pub(in crate::execution) effective: Arc<Value>,
    /// Map items (empty for Parallel).
    pub(in crate::execution) items: Vec<Value>,
    /// The JSON size of `effective`, which every Parallel branch gets as its input (Map
    /// items are measured one by one; 0 for a Map).
    pub(in crate::execution) branch_input_size: usize,
    /// One per branch or item.
    pub(in crate::execution) results: Vec<Option<Value>>,
    pub(in crate::execution) next: usize,
    pub(in crate::execution) running: Vec<(usize, FrameRef)>,
    pub(in crate::execution) limit: usize,
    pub(in crate::execution) failures: usize,
    pub(in crate::execution) tolerated_count: Option<u64>,
    pub(in crate::execution) tolerated_percentage: Option<f64>,
    pub(in crate::execution) distributed: bool,
    /// The type of a distributed Map's child executions.
    pub(in crate::execution) child_type: MachineType,
    pub(in crate::execution) done: bool,
    /// The branches or iterations that failed or were aborted, as they stood: what a
    /// redrive of the execution restarts (the others keep their results).
    pub(in crate::execution) halted: Vec<(usize, Box<Halted>)>,
    /// Branches or iterations to restart before any new one starts (a redrive's), the
    /// lowest slot last.
    pub(in crate::execution) to_restart: Vec<(usize, Box<Halted>)>,
    /// True once `results` went to the state's result processing (they are no longer kept).
    pub(in crate::execution) consumed: bool,
    /// A distributed Map's Map Run: its ARN and how many times it was redriven.
    pub(in crate::execution) map_run: Option<(String, u32)>,
}

impl Execution {
    /// Starts a Parallel state: its branches start one by one (see `pump`).
    pub(in crate::execution) fn start_parallel(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        branches: &[ScopeId],
        entropy: &mut dyn Entropy,
    ) -> Result<Outcome, Failure> {
        let effective = self.effective_input(frame, state, entropy)?;
        let branch_input_size = if Arc::ptr_eq(&effective, &frame.raw_input) {
            frame.input_size
        } else {
            let measured = measure(&effective);
            if measured.too_deep() {
                return Err(too_deep_failure(&state.name, "an input"));
            }
            measured.size
        };
        self.record(
            Some(frame),
            EventType::ParallelStateStarted,
            EventDetails::None,
        );
        frame.phase = Phase::AwaitChildren(Box::new(Children {
            is_map: false,
            effective,
            items: Vec::new(),
            branch_input_size,
            results: vec![None; branches.len()],
            next: 0,
            running: Vec::new(),
            limit: 0,
            failures: 0,
            tolerated_count: None,
            tolerated_percentage: None,
            distributed: false,
            child_type: MachineType::Standard,
            done: false,
            halted: Vec::new(),
            to_restart: Vec::new(),
            consumed: false,
            map_run: None,
        }));
        self.work.push(Work::Pump(frame.me));
        Ok(Outcome::Blocked)
    }

    pub(in crate::execution) fn start_map(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        spec: &MapSpec,
    ) -> Result<Outcome, Failure> {
        let effective = self.filter(frame, state, &state.input_path, &frame.raw_input)?;
        let items = match &spec.items_path {
            None => (*effective).clone(),
            Some(p) => self.select_field(frame, state, p, &effective)?,
        };
        let items = match items {
            Value::Array(items) => items,
            other => {
                return Err(self.prefix(
                    frame,
                    state,
                    StateFailure::runtime(format!(
                        "Map state input must be an array but was: {other}"
                    )),
                ));
            }
        };
        let limit = match &spec.max_concurrency {
            None => 0,
            Some(Count::Literal(n)) => *n,
            Some(Count::Path(p)) => {
                self.path_integer(frame, state, IntegerField::MaxConcurrency, p, &effective)?
            }
        };
        self.record(
            Some(frame),
            EventType::MapStateStarted,
            EventDetails::MapStarted {
                length: items.len(),
            },
        );
        let tolerated_count = match &spec.tolerated_count {
            None => None,
            Some(Count::Literal(n)) => Some(*n),
            Some(Count::Path(p)) => Some(self.path_integer(
                frame,
                state,
                IntegerField::ToleratedFailureCount,
                p,
                &effective,
            )?),
        };
        let tolerated_percentage = match &spec.tolerated_percentage {
            None => None,
            Some(Percentage::Literal(v)) => Some(*v),
            Some(Percentage::Path(p)) => {
                let value = self.select_field(frame, state, p, &effective)?;
                let percentage = read_percentage(&value, p.text())
                    .map_err(|detail| self.prefix(frame, state, StateFailure::runtime(detail)))?;
                Some(percentage)
            }
        };
        let map_run = if spec.distributed {
            let map_run_arn = format!(
                "arn:aws:states:{}:{}:mapRun:{}/{}:{}",
                self.info.region,
                self.info.account,
                self.info.state_machine_name,
                state.name,
                self.last_event_id
            );
            self.record(
                Some(frame),
                EventType::MapRunStarted,
                EventDetails::MapRunStarted {
                    map_run_arn: map_run_arn.clone(),
                },
            );
            Some((map_run_arn, 0))
        } else {
            None
        };
        let results = vec![None; items.len()];
        frame.phase = Phase::AwaitChildren(Box::new(Children {
            is_map: true,
            effective,
            items,
            branch_input_size: 0,
            results,
            next: 0,
            running: Vec::new(),
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
            failures: 0,
            tolerated_count,
            tolerated_percentage,
            distributed: spec.distributed,
            child_type: spec.child_type,
            done: false,
            halted: Vec::new(),
            to_restart: Vec::new(),
            consumed: false,
            map_run,
        }));
        self.work.push(Work::Pump(frame.me));
        Ok(Outcome::Blocked)
    }

    /// Starts the next branch or iteration, or finishes the state when all are done.
    pub(in crate::execution) fn pump(&mut self, r: FrameRef, entropy: &mut dyn Entropy) {
        let Some(mut frame) = self.take(r) else {
            return;
        };
        let plan = self.plan.clone();
        let state = &plan.scopes[frame.scope].states[frame.state];
        let Phase::AwaitChildren(children) = &mut frame.phase else {
            self.put(r, frame);
            return;
        };
        if children.done {
            self.put(r, frame);
            return;
        }
        let total = children.results.len();
        let has_room = children.limit == 0 || children.running.len() < children.limit;
        if has_room && let Some((slot, halted)) = children.to_restart.pop() {
            self.restart_child(r, frame, state, slot, halted);
            return;
        }
        let can_start = has_room && children.next < total;
        if can_start {
            let slot = children.next;
            children.next += 1;
            let distributed = children.distributed;
            let effective = Arc::clone(&children.effective);
            let (scope, input) = match &state.kind {
                Kind::Map(spec) => {
                    let item = std::mem::take(&mut children.items[slot]);
                    let input = match &spec.item_selector {
                        None => Ok(item),
                        Some(selector) => {
                            let mut ctx = Self::context(&self.info, &frame, state);
                            ctx.map_item = Some((slot, &item));
                            let env = Env {
                                input: &effective,
                                context: &ctx,
                                variables: &*frame.vars,
                            };
                            selector
                                .evaluate(&env, entropy)
                                .map_err(|f| self.prefix(&frame, state, f))
                        }
                    };
                    let input = input.and_then(|v| {
                        let measured = measure(&v);
                        if measured.too_deep() {
                            return Err(too_deep_failure(&state.name, "an item input"));
                        }
                        Ok((measured.size, Arc::new(v)))
                    });
                    (spec.processor, input)
                }
                // Every branch shares the state's effective input, measured once.
                Kind::Parallel { branches } => {
                    (branches[slot], Ok((children.branch_input_size, effective)))
                }
                _ => unreachable!("only Map and Parallel have children"),
            };
            let (input_size, input) = match input {
                Ok(input) => input,
                Err(failure) => {
                    self.abort_children(&mut frame, state);
                    let outcome = self.fail(&mut frame, state, failure, false, entropy);
                    self.settle(r, frame, outcome);
                    return;
                }
            };
            let child_execution = self.begin_child(&mut frame, state, slot);
            // Distributed iterations are child executions: outer variables are not visible.
            // Others read the enclosing scope until they assign something of their own.
            let (vars, vars_owned) = if distributed {
                (Arc::new(Vars::default()), true)
            } else {
                (frame.vars.clone(), false)
            };
            let child = self.new_frame(Frame {
                me: r,
                scope,
                parent: Some((r, slot)),
                silent: frame.silent || distributed,
                child: child_execution,
                vars,
                vars_owned,
                state: plan.scopes[scope].start,
                input_size,
                output_bound: None,
                raw_input: input,
                entered_event: 0,
                entered_time: self.now,
                retry_counts: Vec::new(),
                retry_total: 0,
                task_token: None,
                last_event: frame.last_event,
                phase: Phase::Enter,
            });
            if let Phase::AwaitChildren(children) = &mut frame.phase {
                children.running.push((slot, child));
            }
            self.put(r, frame);
            self.work.push(Work::Pump(r));
            self.work.push(Work::Advance(child));
            return;
        }
        if !children.running.is_empty() || children.next < total || !children.to_restart.is_empty()
        {
            self.put(r, frame);
            return;
        }
        // Every branch or iteration has finished.
        children.done = true;
        children.consumed = true;
        let is_map = children.is_map;
        let distributed = children.distributed;
        let results: Vec<Value> = children
            .results
            .iter_mut()
            .map(|r| r.take().unwrap_or(Value::Null))
            .collect();
        if is_map {
            if distributed {
                self.record(
                    Some(&mut frame),
                    EventType::MapRunSucceeded,
                    EventDetails::None,
                );
            }
            self.record(
                Some(&mut frame),
                EventType::MapStateSucceeded,
                EventDetails::None,
            );
        }
        let outcome = match self.process_result(
            &mut frame,
            state,
            StateResult::Owned(Value::Array(results)),
            None,
            entropy,
        ) {
            Ok((output, assigned)) => {
                self.complete(&mut frame, state, output, assigned, None, entropy)
            }
            Err(failure) => self.fail(&mut frame, state, failure, false, entropy),
        };
        self.settle(r, frame, outcome);
    }

    /// Begins the branch or iteration `slot` of the Parallel or Map state `frame` is in:
    /// records an inline iteration's start, and returns the child execution it runs in (a
    /// new one, with limits of its own, for a distributed Map's iteration; the one `frame`
    /// runs in otherwise).
    pub(in crate::execution) fn begin_child(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        slot: usize,
    ) -> Option<ChildExecution> {
        let Phase::AwaitChildren(children) = &frame.phase else {
            return frame.child;
        };
        let (is_map, distributed, child_type) =
            (children.is_map, children.distributed, children.child_type);
        if is_map && !distributed {
            self.record(
                Some(frame),
                EventType::MapIterationStarted,
                EventDetails::MapIteration {
                    name: state.name.clone(),
                    index: slot,
                },
            );
        }
        if distributed {
            self.next_child += 1;
            Some(ChildExecution {
                id: self.next_child,
                machine_type: child_type,
                started: self.now,
                root: true,
            })
        } else {
            frame.child.map(|c| ChildExecution { root: false, ..c })
        }
    }

    /// A branch or iteration ended.
    pub(in crate::execution) fn child_done(
        &mut self,
        parent: FrameRef,
        slot: usize,
        result: Result<Arc<Value>, Failure>,
        halted: Option<Box<Halted>>,
        entropy: &mut dyn Entropy,
    ) {
        let Some(mut frame) = self.take(parent) else {
            return;
        };
        let plan = self.plan.clone();
        let state = &plan.scopes[frame.scope].states[frame.state];
        let Phase::AwaitChildren(children) = &mut frame.phase else {
            self.put(parent, frame);
            return;
        };
        children.running.retain(|(s, _)| *s != slot);
        let is_map = children.is_map;
        let record_iterations = is_map && !children.distributed;
        match result {
            Ok(output) => {
                children.results[slot] = Some(Arc::unwrap_or_clone(output));
                if record_iterations {
                    self.record(
                        Some(&mut frame),
                        EventType::MapIterationSucceeded,
                        EventDetails::MapIteration {
                            name: state.name.clone(),
                            index: slot,
                        },
                    );
                }
                self.put(parent, frame);
                self.work.push(Work::Pump(parent));
            }
            Err(failure) => {
                if let Some(halted) = halted {
                    children.halted.push((slot, halted));
                }
                children.failures += 1;
                let failures = children.failures as f64;
                let total = children.results.len().max(1) as f64;
                let has_tolerance =
                    children.tolerated_count.is_some() || children.tolerated_percentage.is_some();
                // A States.Runtime error "will always cause the execution to fail": an inline
                // iteration runs in this execution, so no tolerance absorbs it. A distributed
                // iteration is a child execution, which that error fails; for this one it
                // is a failed item like any other.
                let never_handled = !children.distributed
                    && failure
                        .error
                        .as_deref()
                        .is_some_and(|e| Handling::of(e) == Handling::Never);
                let has_tolerance = has_tolerance && !never_handled;
                let exceeded = !has_tolerance
                    || children
                        .tolerated_count
                        .is_some_and(|c| children.failures as u64 > c)
                    || children
                        .tolerated_percentage
                        .is_some_and(|p| failures * 100.0 / total > p);
                if !exceeded {
                    children.results[slot] = Some(failure.error_output());
                }
                if record_iterations {
                    self.record(
                        Some(&mut frame),
                        EventType::MapIterationFailed,
                        EventDetails::MapIteration {
                            name: state.name.clone(),
                            index: slot,
                        },
                    );
                }
                if !exceeded {
                    self.put(parent, frame);
                    self.work.push(Work::Pump(parent));
                    return;
                }
                let failure = if has_tolerance {
                    Failure::new(
                        names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
                        "The specified tolerated failure threshold was exceeded",
                    )
                } else {
                    failure
                };
                self.abort_children(&mut frame, state);
                let distributed = matches!(&frame.phase, Phase::AwaitChildren(c) if c.distributed);
                if distributed {
                    self.record(
                        Some(&mut frame),
                        EventType::MapRunFailed,
                        failure.details(None),
                    );
                }
                let outcome = self.fail(&mut frame, state, failure, true, entropy);
                self.settle(parent, frame, outcome);
            }
        }
    }

    /// Aborts every running branch or iteration of a frame's Parallel or Map state.
    fn abort_children(&mut self, frame: &mut Frame, state: &CompiledState) {
        let Phase::AwaitChildren(children) = &mut frame.phase else {
            return;
        };
        children.done = true;
        let running = std::mem::take(&mut children.running);
        let record_iterations = children.is_map && !children.distributed;
        let aborted = self.abort_running(frame, state, running, record_iterations);
        if let Phase::AwaitChildren(children) = &mut frame.phase {
            children.halted.extend(aborted);
        }
    }

    /// Aborts the given branches or iterations (`slot`, frame), recording each iteration's
    /// abort when `record_iterations`. Returns them as they stood, for a redrive.
    pub(in crate::execution) fn abort_running(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        running: Vec<(usize, FrameRef)>,
        record_iterations: bool,
    ) -> Vec<(usize, Box<Halted>)> {
        let mut aborted = Vec::with_capacity(running.len());
        for (slot, child) in running {
            if record_iterations {
                self.record(
                    Some(frame),
                    EventType::MapIterationAborted,
                    EventDetails::MapIteration {
                        name: state.name.clone(),
                        index: slot,
                    },
                );
            }
            if let Some(halted) = self.abort_frame(child) {
                aborted.push((slot, halted));
            }
        }
        aborted
    }
}
