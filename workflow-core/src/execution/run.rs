//! What each state type does, and how tasks, timers, branches and iterations report back.

use std::sync::Arc;

use serde_json::Value;

use super::path_numbers::{IntegerField, read_percentage};
use super::*;

impl Execution {
    /// Runs one attempt of the frame's current state (it has been entered).
    pub(super) fn run(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        entropy: &mut dyn Entropy,
    ) -> Outcome {
        match self.try_run(frame, state, entropy) {
            Ok(outcome) => outcome,
            Err(failure) => self.fail(frame, state, failure, false, entropy),
        }
    }

    fn try_run(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        entropy: &mut dyn Entropy,
    ) -> Result<Outcome, Failure> {
        match &state.kind {
            Kind::Pass { result } => {
                let effective = self.effective_input(frame, state, entropy)?;
                let (result, size) = match result {
                    Some(v) => (StateResult::Owned(v.clone()), None),
                    None => {
                        // The input passed on as it is: shared with the history, not copied.
                        let size = Arc::ptr_eq(&effective, &frame.raw_input).then_some(Measure {
                            size: frame.input_size,
                            depth: 0,
                        });
                        (StateResult::Shared(effective), size)
                    }
                };
                let (output, assigned) =
                    self.process_result(frame, state, result, size, entropy)?;
                Ok(self.complete(frame, state, output, assigned, None, entropy))
            }
            Kind::Succeed => {
                let effective = self.filter(frame, state, &state.input_path, &frame.raw_input)?;
                let output = self.filter(frame, state, &state.output_path, &effective)?;
                Ok(self.complete(frame, state, output, None, None, entropy))
            }
            Kind::Fail { error, cause } => {
                let error = self.fail_text(frame, state, error, "ErrorPath", entropy)?;
                let cause = self.fail_text(frame, state, cause, "CausePath", entropy)?;
                Ok(Outcome::Finished(Err(Failure { error, cause })))
            }
            Kind::Choice { rules, default } => {
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
            Kind::Wait(spec) => {
                let effective = self.filter(frame, state, &state.input_path, &frame.raw_input)?;
                let until = self.wait_until(frame, state, spec, &effective)?;
                if until <= self.now {
                    return self.finish_wait(frame, state, effective, entropy);
                }
                let timer = self.start_timer(Some(frame.me), until, TimerPurpose::Wait);
                frame.phase = Phase::AwaitWait { timer, effective };
                Ok(Outcome::Blocked)
            }
            Kind::Task(spec) => self.start_task(frame, state, spec, entropy),
            Kind::Parallel { branches } => {
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
                    done: false,
                }));
                self.work.push(Work::Pump(frame.me));
                Ok(Outcome::Blocked)
            }
            Kind::Map(spec) => self.start_map(frame, state, spec),
        }
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

    /// Selects the value of a path field (SecondsPath, MaxConcurrencyPath, ...).
    fn select_field(
        &self,
        frame: &Frame,
        state: &CompiledState,
        path: &crate::path::Path,
        input: &Value,
    ) -> Result<Value, Failure> {
        let selected = self.with_env(frame, state, input, |env| path.select_owned(env));
        selected.map_err(|_| {
            self.prefix(
                frame,
                state,
                StateFailure::runtime(format!(
                    "Invalid path '{}' : No results for path: {}",
                    path.text(),
                    path.normalized()
                )),
            )
        })
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

    fn finish_wait(
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

    /// The number a `...Path` field selects (see [`IntegerField`]), or AWS's
    /// `States.Runtime` error for it.
    fn path_integer(
        &self,
        frame: &Frame,
        state: &CompiledState,
        field: IntegerField,
        path: &crate::path::Path,
        input: &Value,
    ) -> Result<u64, Failure> {
        let value = self.select_field(frame, state, path, input)?;
        field
            .read(&value, path.text())
            .map_err(|detail| self.prefix(frame, state, StateFailure::runtime(detail)))
    }

    /// TimeoutSeconds or HeartbeatSeconds, given literally or by a path.
    fn seconds(
        &self,
        frame: &Frame,
        state: &CompiledState,
        seconds: &Option<Seconds>,
        input: &Value,
        field: IntegerField,
    ) -> Result<Option<u64>, Failure> {
        match seconds {
            None => Ok(None),
            Some(Seconds::Literal(s)) => Ok(Some(*s)),
            Some(Seconds::Path(p)) => self.path_integer(frame, state, field, p, input).map(Some),
        }
    }

    fn start_task(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        spec: &crate::plan::TaskSpec,
        entropy: &mut dyn Entropy,
    ) -> Result<Outcome, Failure> {
        if spec.resource_kind.integration() == Integration::Callback {
            frame.task_token = Some(Arc::from(format!(
                "{}{}",
                uuid_v4(entropy).replace('-', ""),
                uuid_v4(entropy).replace('-', "")
            )));
        }
        // TimeoutSecondsPath and HeartbeatSecondsPath read the state input (after InputPath),
        // not the Parameters output that goes to the resource.
        let filtered = self.filter(frame, state, &state.input_path, &frame.raw_input)?;
        let timeout = self.seconds(
            frame,
            state,
            &spec.timeout,
            &filtered,
            IntegerField::TimeoutSeconds,
        )?;
        let heartbeat = self.seconds(
            frame,
            state,
            &spec.heartbeat,
            &filtered,
            IntegerField::HeartbeatSeconds,
        )?;
        let effective = match &state.parameters {
            None => filtered,
            Some(t) => Arc::new(self.evaluate(frame, state, t, &filtered, entropy)?),
        };
        let credentials = match &spec.credentials {
            Some(t) => Some(self.evaluate(frame, state, t, &effective, entropy)?),
            None => None,
        };
        let measured = if Arc::ptr_eq(&effective, &frame.raw_input) {
            Measure {
                size: frame.input_size,
                depth: 0,
            }
        } else {
            measure(&effective)
        };
        if measured.size > PAYLOAD_LIMIT_BYTES {
            return Err(Failure::new(
                names::DATA_LIMIT_EXCEEDED,
                format!(
                    "The state/task '{}' has an input with a size exceeding the maximum number of bytes service limit.",
                    state.name
                ),
            ));
        }
        if measured.too_deep() {
            return Err(too_deep_failure(&state.name, "an input"));
        }
        let task = TaskId(self.next_task);
        self.next_task += 1;
        let events = task_events(&spec.resource, &spec.resource_kind);
        match &events {
            TaskEvents::Lambda { arn } => {
                self.record(
                    Some(frame),
                    EventType::LambdaFunctionScheduled,
                    EventDetails::LambdaScheduled {
                        resource: arn.clone(),
                        input: effective.clone().into(),
                        timeout_seconds: timeout,
                    },
                );
                self.record(
                    Some(frame),
                    EventType::LambdaFunctionStarted,
                    EventDetails::None,
                );
            }
            TaskEvents::Activity { arn } => {
                self.record(
                    Some(frame),
                    EventType::ActivityScheduled,
                    EventDetails::LambdaScheduled {
                        resource: arn.clone(),
                        input: effective.clone().into(),
                        timeout_seconds: timeout,
                    },
                );
                self.record(Some(frame), EventType::ActivityStarted, EventDetails::None);
            }
            TaskEvents::Task {
                resource_type,
                resource,
            } => {
                self.record(
                    Some(frame),
                    EventType::TaskScheduled,
                    EventDetails::TaskScheduled {
                        resource_type: resource_type.clone(),
                        resource: resource.clone(),
                        region: self.info.region.clone(),
                        parameters: effective.clone().into(),
                        timeout_seconds: timeout,
                        heartbeat_seconds: heartbeat,
                    },
                );
                self.record(
                    Some(frame),
                    EventType::TaskStarted,
                    EventDetails::Task {
                        resource_type: resource_type.clone(),
                        resource: resource.clone(),
                        output: None,
                    },
                );
            }
        }
        let timeout_timer = timeout.map(|t| {
            self.start_timer(
                Some(frame.me),
                self.now.saturating_add(seconds_to_millis(t)),
                TimerPurpose::TaskTimeout,
            )
        });
        let heartbeat_ms = heartbeat.map(seconds_to_millis);
        let heartbeat_timer = heartbeat_ms.map(|h| {
            self.start_timer(
                Some(frame.me),
                self.now.saturating_add(h),
                TimerPurpose::TaskHeartbeat,
            )
        });
        self.tasks.insert(task, frame.me);
        self.commands.push(Command::Invoke(Box::new(TaskInvocation {
            task,
            state_name: state.name.clone(),
            resource: spec.resource.clone(),
            resource_kind: spec.resource_kind.clone(),
            input: Arc::unwrap_or_clone(effective),
            task_token: frame.task_token.as_deref().map(str::to_string),
            retry_count: frame.retry_total,
            timeout_seconds: timeout,
            heartbeat_seconds: heartbeat,
            credentials,
        })));
        frame.phase = Phase::AwaitTask(Box::new(TaskWait {
            task,
            timeout_timer,
            heartbeat_timer,
            heartbeat_ms,
            events,
        }));
        Ok(Outcome::Blocked)
    }

    fn start_map(
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
        if spec.distributed {
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
                EventDetails::MapRunStarted { map_run_arn },
            );
        }
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
            done: false,
        }));
        self.work.push(Work::Pump(frame.me));
        Ok(Outcome::Blocked)
    }

    /// Starts the next branch or iteration, or finishes the state when all are done.
    pub(super) fn pump(&mut self, r: FrameRef, entropy: &mut dyn Entropy) {
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
        let can_start = children.next < total
            && (children.limit == 0 || children.running.len() < children.limit);
        if can_start {
            let slot = children.next;
            children.next += 1;
            let is_map = children.is_map;
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
            if is_map && !distributed {
                self.record(
                    Some(&mut frame),
                    EventType::MapIterationStarted,
                    EventDetails::MapIteration {
                        name: state.name.clone(),
                        index: slot,
                    },
                );
            }
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
        if !children.running.is_empty() || children.next < total {
            self.put(r, frame);
            return;
        }
        // Every branch or iteration has finished.
        children.done = true;
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

    /// A branch or iteration ended.
    pub(super) fn child_done(
        &mut self,
        parent: FrameRef,
        slot: usize,
        result: Result<Arc<Value>, Failure>,
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
        self.abort_running(frame, state, running, record_iterations);
    }

    /// Aborts the given branches or iterations (`slot`, frame), recording each iteration's
    /// abort when `record_iterations`.
    fn abort_running(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        running: Vec<(usize, FrameRef)>,
        record_iterations: bool,
    ) {
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
            self.abort_frame(child);
        }
    }

    /// Aborts a frame and everything below it: running tasks are cancelled, timers dropped,
    /// and the state that was running is recorded as aborted.
    pub(super) fn abort_frame(&mut self, r: FrameRef) {
        let Some(mut frame) = self.take(r) else {
            return;
        };
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
            Phase::AwaitChildren(children) => {
                let record_iterations = children.is_map && !children.distributed;
                self.abort_running(&mut frame, state, children.running, record_iterations);
                if children.distributed {
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
    }

    pub(super) fn on_task_result(
        &mut self,
        task: TaskId,
        result: Result<Value, Failure>,
        entropy: &mut dyn Entropy,
    ) {
        let Some(r) = self.tasks.remove(&task) else {
            return;
        };
        let Some(mut frame) = self.take(r) else {
            return;
        };
        let wait = match std::mem::replace(&mut frame.phase, Phase::Run) {
            Phase::AwaitTask(wait) if wait.task == task => wait,
            other => {
                frame.phase = other;
                self.put(r, frame);
                return;
            }
        };
        self.cancel_timer(wait.timeout_timer);
        self.cancel_timer(wait.heartbeat_timer);
        let plan = self.plan.clone();
        let state = &plan.scopes[frame.scope].states[frame.state];
        let outcome = match result {
            Ok(output) => {
                let measured = measure(&output);
                if measured.too_deep() {
                    let outcome =
                        self.too_deep_result(&mut frame, state, &wait.events, output, entropy);
                    self.settle(r, frame, outcome);
                    return;
                }
                let output = Arc::new(output);
                let (event_type, details) = match &wait.events {
                    TaskEvents::Lambda { .. } => (
                        EventType::LambdaFunctionSucceeded,
                        EventDetails::LambdaSucceeded {
                            output: output.clone().into(),
                        },
                    ),
                    TaskEvents::Activity { .. } => (
                        EventType::ActivitySucceeded,
                        EventDetails::LambdaSucceeded {
                            output: output.clone().into(),
                        },
                    ),
                    TaskEvents::Task {
                        resource_type,
                        resource,
                    } => (
                        EventType::TaskSucceeded,
                        EventDetails::Task {
                            resource_type: resource_type.clone(),
                            resource: resource.clone(),
                            output: Some(output.clone().into()),
                        },
                    ),
                };
                self.record(Some(&mut frame), event_type, details);
                if measured.size > PAYLOAD_LIMIT_BYTES {
                    // AWS names the resource that returned too much: the function or
                    // activity ARN, or the integration's resource type (`aws-sdk:s3`).
                    let failure = Failure::new(
                        names::DATA_LIMIT_EXCEEDED,
                        result_too_large_cause(wait.events.result_owner()),
                    );
                    self.fail(&mut frame, state, failure, false, entropy)
                } else {
                    let output = StateResult::Shared(output);
                    match self.process_result(&mut frame, state, output, Some(measured), entropy) {
                        Ok((output, assigned)) => {
                            self.complete(&mut frame, state, output, assigned, None, entropy)
                        }
                        Err(failure) => self.fail(&mut frame, state, failure, false, entropy),
                    }
                }
            }
            Err(failure) => {
                self.record_task_failure(&mut frame, &wait.events, &failure, false);
                self.fail(&mut frame, state, failure, false, entropy)
            }
        };
        self.settle(r, frame, outcome);
    }

    /// A task returned a result nested too deep to keep: it is dropped (not even the history
    /// keeps it, see `crate::nesting`) and the task fails with `States.DataLimitExceeded`,
    /// naming the resource as the size limit's message does.
    fn too_deep_result(
        &mut self,
        frame: &mut Frame,
        state: &CompiledState,
        events: &TaskEvents,
        output: Value,
        entropy: &mut dyn Entropy,
    ) -> Outcome {
        crate::nesting::drop_deep(output);
        let failure = too_deep_failure(events.result_owner(), "a result");
        self.record_task_failure(frame, events, &failure, false);
        self.fail(frame, state, failure, false, entropy)
    }

    fn record_task_failure(
        &mut self,
        frame: &mut Frame,
        events: &TaskEvents,
        failure: &Failure,
        timed_out: bool,
    ) {
        let (event_type, resource) = match (events, timed_out) {
            (TaskEvents::Lambda { .. }, false) => (EventType::LambdaFunctionFailed, None),
            (TaskEvents::Lambda { .. }, true) => (EventType::LambdaFunctionTimedOut, None),
            (TaskEvents::Activity { .. }, false) => (EventType::ActivityFailed, None),
            (TaskEvents::Activity { .. }, true) => (EventType::ActivityTimedOut, None),
            (
                TaskEvents::Task {
                    resource_type,
                    resource,
                },
                timed_out,
            ) => (
                if timed_out {
                    EventType::TaskTimedOut
                } else {
                    EventType::TaskFailed
                },
                Some((resource_type.clone(), resource.clone())),
            ),
        };
        self.record(Some(frame), event_type, failure.details(resource));
    }

    pub(super) fn on_task_submitted(&mut self, task: TaskId, output: Value) {
        let Some(r) = self.tasks.get(&task).copied() else {
            return;
        };
        let Some(mut frame) = self.take(r) else {
            return;
        };
        if let Phase::AwaitTask(wait) = &frame.phase
            && let TaskEvents::Task {
                resource_type,
                resource,
            } = &wait.events
        {
            // A response too deep to keep is left out.
            let output = if measure(&output).too_deep() {
                crate::nesting::drop_deep(output);
                None
            } else {
                Some(output.into())
            };
            let details = EventDetails::Task {
                resource_type: resource_type.clone(),
                resource: resource.clone(),
                output,
            };
            self.record(Some(&mut frame), EventType::TaskSubmitted, details);
        }
        self.put(r, frame);
        // The wait for the token starts now: so does the HeartbeatSeconds clock.
        self.on_heartbeat(task);
    }

    pub(super) fn on_heartbeat(&mut self, task: TaskId) {
        let Some(r) = self.tasks.get(&task).copied() else {
            return;
        };
        let Some(mut frame) = self.take(r) else {
            return;
        };
        let mut restart = None;
        if let Phase::AwaitTask(wait) = &mut frame.phase
            && let (Some(old), Some(ms)) = (wait.heartbeat_timer, wait.heartbeat_ms)
        {
            restart = Some((old, ms));
        }
        if let Some((old, ms)) = restart {
            self.cancel_timer(Some(old));
            let timer = self.start_timer(
                Some(r),
                self.now.saturating_add(ms),
                TimerPurpose::TaskHeartbeat,
            );
            if let Phase::AwaitTask(wait) = &mut frame.phase {
                wait.heartbeat_timer = Some(timer);
            }
        }
        self.put(r, frame);
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

    pub(super) fn stop(&mut self, failure: Failure) {
        self.end_execution(EventType::ExecutionAborted, failure);
    }

    /// Aborts every scope under way and the execution's time limit.
    pub(super) fn abort_everything(&mut self) {
        let tops: Vec<FrameRef> = self
            .frames
            .iter()
            .flatten()
            .filter(|f| f.parent.is_none())
            .map(|f| f.me)
            .collect();
        for top in tops {
            self.abort_frame(top);
        }
        let timer = self.execution_timer.take();
        self.cancel_timer(timer);
    }

    /// Ends the execution from outside (stop, timeout): everything running is aborted.
    fn end_execution(&mut self, event_type: EventType, failure: Failure) {
        self.abort_everything();
        self.record(None, event_type, failure.details(None));
        self.status = match event_type {
            EventType::ExecutionTimedOut => ExecutionStatus::TimedOut(failure),
            _ => ExecutionStatus::Aborted(failure),
        };
        self.work.clear();
    }
}

/// Whole seconds (a timeout, a heartbeat, a Wait) as milliseconds, saturating: a `...Path`
/// may hold any `u64`, and a limit must never wrap around into one that has already passed.
fn seconds_to_millis(seconds: u64) -> Millis {
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
