//! Redrive: an execution that ended without succeeding goes on from the states that did not
//! succeed, as AWS's `RedriveExecution` does; and, beyond AWS, with a patched definition.
//!
//! What AWS does, and where it says so:
//! - "Restarting state machine executions with redrive"
//!   (<https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html>):
//!   - a FAILED, TIMED_OUT or ABORTED STANDARD execution may be redriven, "from the
//!     unsuccessful step", with "the same input"; the successful steps keep their results
//!     and their history and "are not rerun";
//!   - eligibility: the status is not SUCCEEDED; the execution ended at most 14 days ago
//!     ("the redrivable period ... starts from the day a state machine completes its
//!     execution"); it has not exceeded "the maximum open time of one year"; its history
//!     holds fewer than 24,999 events ("Redriven executions append their event history to
//!     the existing event history ... to accommodate the `ExecutionRedriven` history event
//!     and at least one other history event");
//!   - "Redriven executions use the same state machine definition": to change the
//!     definition, AWS starts a new execution ([`Execution::redrive_with`] goes beyond);
//!   - "the state machine level timeout, if defined, is reset to 0": `TimeoutSeconds` runs
//!     again from the redrive;
//!   - per state: a Task is scheduled again (its `TimeoutSeconds` reset); a Choice reevaluates
//!     its rules; a Wait with a `Timestamp` in the past goes on at once; a Fail state is
//!     entered again and fails again; a Pass that had exited is not run again; a Parallel
//!     reruns only "those branches that failed or aborted", an inline Map only "those
//!     iterations that failed or aborted", a distributed Map "the unsuccessful child workflow
//!     executions in a Map Run"; but a Parallel or Map that failed with
//!     `States.DataLimitExceeded` reruns whole, the successful branches or iterations
//!     included;
//!   - "Retry behavior of redriven executions": for a rerun Task, Parallel or inline Map,
//!     "the retry attempt count for these states is reset to 0" (`$$.State.RetryCount`).
//! - "Redriving Map Runs" (<https://docs.aws.amazon.com/step-functions/latest/dg/redrive-map-run.html>):
//!   a redrive reruns the states that have a `<stateType>Entered` event and no
//!   `<stateType>Exited` event; a Map Run not started in the first attempt is started.
//! - The API reference: `RedriveExecution` refuses with `ExecutionNotRedrivable`
//!   (<https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html>);
//!   `ExecutionRedrivenEventDetails.redriveCount` is "the number of times you've redriven an
//!   execution" (<https://docs.aws.amazon.com/step-functions/latest/apireference/API_ExecutionRedrivenEventDetails.html>),
//!   so the first redrive records 1; `MapRunRedrivenEventDetails` holds the Map Run's ARN
//!   and its own redrive count; `DescribeExecution`'s `redriveStatusReason`
//!   (<https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html>)
//!   words the refusals ([`RedriveError::status_reason`]).
//! - The Context object page (<https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html>):
//!   `$$.Execution.RedriveCount`, and `$$.Execution.RedriveTime` "only available if you've
//!   redriven an execution".
//!
//! What AWS does not document, decided here with the reasoning:
//! - The events of a rerun. Each state a redrive reruns is entered again (its
//!   `...StateEntered` with the input it had), so that every run of a state in the history
//!   is framed by its own Entered and Exited; a Parallel or Map that reruns some of its
//!   branches or iterations records its `...StateEntered` and `...StateStarted` again (a
//!   distributed Map then `MapRunRedriven` instead of a new `MapRunStarted`), each inline
//!   iteration rerun its `MapIterationStarted`, and the state ends as it would have, with
//!   the results of every branch or iteration in their order. Event ids go on from the
//!   earlier attempts; `ExecutionRedriven` follows the event that ended the execution.
//! - A Map's tolerated failures are counted again from none: its failed iterations, the
//!   tolerated ones included, are rerun, and counting their first failures too would count
//!   one iteration twice.
//! - A Parallel or Map whose branches or iterations all succeeded and that failed after
//!   (its ResultSelector, ResultPath, OutputPath, the size of its output) reruns whole: its
//!   results went to that processing and are not kept (AWS documents this for the size
//!   case, `States.DataLimitExceeded`).
//! - A distributed Map's rerun iteration is a new child execution, with limits of its own
//!   counted from the redrive.
//! - Without `TimeoutSeconds`, the year an execution may be open counts from its start: a
//!   redriven execution times out a year after it started.

use std::collections::HashMap;

use super::*;

/// How long after it ended an execution may be redriven: 14 days.
pub const REDRIVABLE_PERIOD_MS: Millis = 14 * 24 * 3600 * 1000;

/// A scope as it stood when it ended without succeeding (failed, or aborted by a sibling's
/// failure, a stop or a time-out): the state it did not leave, that state's input, its
/// variables and, when that state is a Parallel or Map, the results of its branches or
/// iterations and the halted ones below it.
#[derive(Debug)]
pub(super) struct Halted {
    frame: Frame,
    /// The scope failed with `States.DataLimitExceeded`: a Parallel or Map it was in reruns
    /// whole.
    data_limit_exceeded: bool,
}

impl Halted {
    /// A scope that failed with `failure`.
    pub(super) fn failed(frame: Frame, failure: &Failure) -> Box<Halted> {
        Box::new(Halted {
            frame,
            data_limit_exceeded: failure.error.as_deref() == Some(names::DATA_LIMIT_EXCEEDED),
        })
    }

    /// A scope aborted from outside it.
    pub(super) fn aborted(frame: Frame) -> Box<Halted> {
        Box::new(Halted {
            frame,
            data_limit_exceeded: false,
        })
    }

    /// The branches or iterations a redrive restarts, when it restarts only some: the
    /// scope's state is a Parallel or Map that started them, kept their results, and did not
    /// fail with `States.DataLimitExceeded`. `None`: the state is entered again as a whole.
    fn children(&self) -> Option<&Children> {
        match &self.frame.phase {
            Phase::AwaitChildren(children) if !children.consumed && !self.data_limit_exceeded => {
                Some(children)
            }
            _ => None,
        }
    }
}

/// AWS's exception for a redrive it refuses.
const EXECUTION_NOT_REDRIVABLE: &str = "ExecutionNotRedrivable";

/// AWS's `redriveStatusReason`s (`DescribeExecution`).
mod reasons {
    pub(super) const RUNNING: &str = "Execution is RUNNING and cannot be redriven.";
    pub(super) const SUCCEEDED: &str = "Execution is SUCCEEDED and cannot be redriven.";
    pub(super) const HISTORY: &str = "Execution history event limit exceeded.";
    pub(super) const MAX_TIME: &str = "Execution has exceeded the max execution time.";
    pub(super) const PERIOD: &str = "Execution redrivable period exceeded.";
}

/// Why an execution cannot be redriven. The refusals AWS makes are its
/// `ExecutionNotRedrivable` ([`RedriveError::aws_error`]), worded as its
/// `redriveStatusReason`; [`RedriveError::DoesNotFit`] refuses a patched definition.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedriveError {
    /// AWS's `RedriveExecution` "is not supported by EXPRESS state machines".
    #[error(
        "ExecutionNotRedrivable: an EXPRESS execution cannot be redriven (only STANDARD executions can)"
    )]
    Express,
    /// The execution is still running.
    #[error("ExecutionNotRedrivable: {}", reasons::RUNNING)]
    Running,
    /// The execution succeeded.
    #[error("ExecutionNotRedrivable: {}", reasons::SUCCEEDED)]
    Succeeded,
    /// The history has no room for `ExecutionRedriven` and one more event.
    #[error(
        "ExecutionNotRedrivable: {} (it holds {events} events; a redrive needs room for ExecutionRedriven and at least one more event within its {limit})",
        reasons::HISTORY
    )]
    HistoryLimitExceeded {
        /// The events the history holds.
        events: usize,
        /// The history quota.
        limit: usize,
    },
    /// The execution started more than a year ago, the most a STANDARD execution is open.
    #[error(
        "ExecutionNotRedrivable: {} (it started more than a year ago)",
        reasons::MAX_TIME
    )]
    MaxExecutionTimeExceeded,
    /// The execution ended more than [14 days](REDRIVABLE_PERIOD_MS) ago.
    #[error(
        "ExecutionNotRedrivable: {} (it ended {} ago; an execution can be redriven for 14 days after it ends)",
        reasons::PERIOD,
        days(*.since)
    )]
    RedrivablePeriodExceeded {
        /// How long ago it ended, in milliseconds.
        since: Millis,
    },
    /// The patched definition does not fit the execution.
    #[error("the new definition does not fit the execution: {0}")]
    DoesNotFit(#[from] FitError),
}

impl RedriveError {
    /// The AWS exception a `RedriveExecution` call gets for this refusal:
    /// `ExecutionNotRedrivable`; `None` for [`RedriveError::DoesNotFit`], which AWS has no
    /// call for.
    pub fn aws_error(&self) -> Option<&'static str> {
        match self {
            RedriveError::DoesNotFit(_) => None,
            _ => Some(EXECUTION_NOT_REDRIVABLE),
        }
    }

    /// AWS's `redriveStatusReason` for this refusal, as `DescribeExecution` gives it for an
    /// execution whose `redriveStatus` is `NOT_REDRIVABLE` (`None`: AWS has none, for an
    /// EXPRESS execution, which `DescribeExecution` does not describe, and for a patched
    /// definition).
    pub fn status_reason(&self) -> Option<&'static str> {
        Some(match self {
            RedriveError::Running => reasons::RUNNING,
            RedriveError::Succeeded => reasons::SUCCEEDED,
            RedriveError::HistoryLimitExceeded { .. } => reasons::HISTORY,
            RedriveError::MaxExecutionTimeExceeded => reasons::MAX_TIME,
            RedriveError::RedrivablePeriodExceeded { .. } => reasons::PERIOD,
            RedriveError::Express | RedriveError::DoesNotFit(_) => return None,
        })
    }
}

/// A duration in days and hours, for a message.
fn days(ms: Millis) -> String {
    let hours = ms / 3_600_000;
    format!("{} days {} hours", hours / 24, hours % 24)
}

/// Why a patched definition does not fit an execution ([`Execution::redrive_with`]).
/// `scope` says where the state is: "the top level", "branch 2 of the Parallel state 'Fan'
/// (in the top level)", "the iterations of the Map state 'Each' (in ...)".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FitError {
    /// The definition is of another type (STANDARD or EXPRESS).
    #[error("the new definition is {new}, the execution {execution}")]
    MachineType {
        /// The execution's type.
        execution: &'static str,
        /// The new definition's.
        new: &'static str,
    },
    /// A state the execution stands in is not in the new definition.
    #[error(
        "the state '{state}' in {scope}, where the execution stopped, is not in the new definition"
    )]
    StateMissing {
        /// The state's name.
        state: String,
        /// Where it is.
        scope: String,
    },
    /// A state the execution stands in is of another type in the new definition.
    #[error(
        "the state '{state}' in {scope} is a {execution} state in the execution and a {new} state in the new definition"
    )]
    TypeChanged {
        /// The state's name.
        state: String,
        /// Where it is.
        scope: String,
        /// Its type in the execution.
        execution: &'static str,
        /// Its type in the new definition.
        new: &'static str,
    },
    /// A Parallel state whose branches are redriven has another number of branches.
    #[error(
        "the Parallel state '{state}' in {scope} has {execution} branches in the execution and {new} in the new definition"
    )]
    BranchesChanged {
        /// The state's name.
        state: String,
        /// Where it is.
        scope: String,
        /// Its branches in the execution.
        execution: usize,
        /// Its branches in the new definition.
        new: usize,
    },
    /// A Map state whose iterations are redriven runs them another way (inline, or
    /// distributed with STANDARD or EXPRESS child executions).
    #[error(
        "the Map state '{state}' in {scope} runs {execution} in the execution and {new} in the new definition"
    )]
    MapModeChanged {
        /// The state's name.
        state: String,
        /// Where it is.
        scope: String,
        /// How it runs its iterations in the execution.
        execution: &'static str,
        /// How in the new definition.
        new: &'static str,
    },
}

/// How a Map runs its iterations, for [`FitError::MapModeChanged`].
fn map_mode(spec: &MapSpec) -> &'static str {
    match (spec.distributed, spec.child_type) {
        (false, _) => "inline",
        (true, MachineType::Standard) => "distributed (STANDARD child executions)",
        (true, MachineType::Express) => "distributed (EXPRESS child executions)",
    }
}

impl Execution {
    /// Whether the execution may be [redriven](Execution::redrive) at `now`, and if not,
    /// why (AWS's refusals; see the module documentation for their sources).
    pub fn redrivable(&self, now: Millis) -> Result<(), RedriveError> {
        if self.info.machine_type == MachineType::Express {
            return Err(RedriveError::Express);
        }
        match self.status {
            ExecutionStatus::Running => return Err(RedriveError::Running),
            ExecutionStatus::Succeeded(_) => return Err(RedriveError::Succeeded),
            _ => {}
        }
        if let Some(limit) = self.history_limit
            && self.history.len() + 2 > limit
        {
            return Err(RedriveError::HistoryLimitExceeded {
                events: self.history.len(),
                limit,
            });
        }
        if now.saturating_sub(self.info.start_time) > YEAR_MS {
            return Err(RedriveError::MaxExecutionTimeExceeded);
        }
        let stopped = self.history.last().map_or(self.now, |e| e.timestamp);
        let since = now.saturating_sub(stopped);
        if since > REDRIVABLE_PERIOD_MS {
            return Err(RedriveError::RedrivablePeriodExceeded { since });
        }
        Ok(())
    }

    /// Redrives the execution at `now`, as AWS's `RedriveExecution` does: records
    /// `ExecutionRedriven`, raises the redrive count (`$$.Execution.RedriveCount`, and
    /// `$$.Execution.RedriveTime` is `now`), runs the execution's `TimeoutSeconds` again from
    /// `now`, and goes on from the states that did not succeed, with the input each had:
    /// inside a Parallel or Map, only the branches or iterations that failed or were aborted
    /// run again, the others keep their results. Each state run again starts with its retry
    /// counts at 0. Returns the commands to carry out, as [`Execution::handle`] does.
    ///
    /// A driver journals [`Event::Redrive`] for a redrive that was not refused, so that a
    /// replay does the same; a refused one changes nothing.
    pub fn redrive(
        &mut self,
        now: Millis,
        entropy: &mut dyn Entropy,
    ) -> Result<Vec<Command>, RedriveError> {
        self.redrivable(now)?;
        Ok(self.go_on(now, entropy))
    }

    /// Redrives the execution as [`Execution::redrive`] does, but with `plan`, a patched
    /// definition (AWS redrives with the definition the execution ran only): a corrected
    /// Parameters, Retry, Catch, ResultPath, resource or `TimeoutSeconds`, new states, ...
    /// The execution goes on in the new definition's states, from there on.
    ///
    /// The fit rule: the execution's states are found in `plan` by their names, scope by
    /// scope, so that every scope the redrive goes on in means the same in both. Each state
    /// the execution stopped in (every scope that did not succeed, down to the branches and
    /// iterations rerun) must be in the same scope of `plan` under its name and be of the
    /// same type; a Parallel whose branches are rerun must have as many branches (its
    /// branches are matched by their order); a Map whose iterations are rerun must run them
    /// the same way (inline, or distributed with child executions of the same type); and
    /// `plan` must be of the execution's type. Everything else may change: the other states
    /// (the ones that succeeded are not run again), fields, transitions. A plan that does
    /// not fit is refused with [`RedriveError::DoesNotFit`] and changes nothing.
    pub fn redrive_with(
        &mut self,
        plan: Arc<Plan>,
        now: Millis,
        entropy: &mut dyn Entropy,
    ) -> Result<Vec<Command>, RedriveError> {
        self.redrivable(now)?;
        let places = self.fit(&plan)?;
        if let Some(top) = self.halted.as_deref_mut() {
            Self::move_to(top, places);
        }
        self.plan = plan;
        Ok(self.go_on(now, entropy))
    }

    /// Where each halted scope's state is in `plan` (scope, state), in the order of a
    /// depth-first walk of the halted scopes ([`Execution::move_to`] walks them alike), or
    /// why `plan` does not fit.
    fn fit(&self, plan: &Plan) -> Result<Vec<(ScopeId, StateId)>, FitError> {
        if plan.machine_type() != self.plan.machine_type() {
            return Err(FitError::MachineType {
                execution: self.plan.machine_type().as_str(),
                new: plan.machine_type().as_str(),
            });
        }
        let Some(top) = self.halted.as_deref() else {
            return Ok(Vec::new());
        };
        let old = &self.plan;
        // The states of each scope of `plan` by name, made when first needed.
        let mut by_name: HashMap<ScopeId, HashMap<&str, StateId>> = HashMap::new();
        let mut places = Vec::new();
        let mut stack: Vec<(&Halted, ScopeId, Arc<str>)> = vec![(top, 0, "the top level".into())];
        while let Some((halted, scope, location)) = stack.pop() {
            let state = &old.scopes[halted.frame.scope].states[halted.frame.state];
            let names = by_name.entry(scope).or_insert_with(|| {
                plan.scopes[scope]
                    .states
                    .iter()
                    .enumerate()
                    .map(|(id, s)| (&*s.name, id))
                    .collect()
            });
            let Some(&id) = names.get(&*state.name) else {
                return Err(FitError::StateMissing {
                    state: state.name.to_string(),
                    scope: location.to_string(),
                });
            };
            let new = &plan.scopes[scope].states[id];
            if std::mem::discriminant(&state.kind) != std::mem::discriminant(&new.kind) {
                return Err(FitError::TypeChanged {
                    state: state.name.to_string(),
                    scope: location.to_string(),
                    execution: state.kind.type_name(),
                    new: new.kind.type_name(),
                });
            }
            places.push((scope, id));
            let Some(children) = halted.children() else {
                continue;
            };
            match (&state.kind, &new.kind) {
                (Kind::Parallel { branches: was }, Kind::Parallel { branches: now }) => {
                    if was.len() != now.len() {
                        return Err(FitError::BranchesChanged {
                            state: state.name.to_string(),
                            scope: location.to_string(),
                            execution: was.len(),
                            new: now.len(),
                        });
                    }
                    for (slot, child) in &children.halted {
                        let within = format!(
                            "branch {} of the Parallel state '{}' (in {location})",
                            slot + 1,
                            state.name
                        );
                        stack.push((child, now[*slot], within.into()));
                    }
                }
                (Kind::Map(was), Kind::Map(now)) => {
                    if map_mode(was) != map_mode(now) {
                        return Err(FitError::MapModeChanged {
                            state: state.name.to_string(),
                            scope: location.to_string(),
                            execution: map_mode(was),
                            new: map_mode(now),
                        });
                    }
                    let within: Arc<str> = format!(
                        "the iterations of the Map state '{}' (in {location})",
                        state.name
                    )
                    .into();
                    for (_, child) in &children.halted {
                        stack.push((child, now.processor, within.clone()));
                    }
                }
                _ => {}
            }
        }
        Ok(places)
    }

    /// Moves the halted scopes to their `places` in a new plan ([`Execution::fit`]'s, in the
    /// order of the same walk).
    fn move_to(top: &mut Halted, places: Vec<(ScopeId, StateId)>) {
        let mut places = places.into_iter();
        let mut stack: Vec<&mut Halted> = vec![top];
        while let Some(halted) = stack.pop() {
            let Some((scope, state)) = places.next() else {
                return;
            };
            halted.frame.scope = scope;
            halted.frame.state = state;
            if halted.children().is_none() {
                continue;
            }
            if let Phase::AwaitChildren(children) = &mut halted.frame.phase {
                stack.extend(children.halted.iter_mut().map(|(_, child)| &mut **child));
            }
        }
    }

    /// The redrive itself, once allowed: see [`Execution::redrive`].
    fn go_on(&mut self, now: Millis, entropy: &mut dyn Entropy) -> Vec<Command> {
        self.now = now.max(self.now);
        self.budget = STATES_PER_CALL;
        let info = Arc::make_mut(&mut self.info);
        info.redrive_count += 1;
        info.redrive_time = Some(self.now);
        let redrive_count = info.redrive_count;
        self.status = ExecutionStatus::Running;
        // Nothing runs: no child execution of a distributed Map is under way any more.
        self.child_events.clear();
        let redriven = self.record(
            None,
            EventType::ExecutionRedriven,
            EventDetails::ExecutionRedriven { redrive_count },
        );
        // TimeoutSeconds runs again from the redrive, within the year the execution may be
        // open, counted from its start.
        let limit_ms = time_limit_ms(&self.plan);
        let year_end = self.info.start_time.saturating_add(YEAR_MS + 1);
        let deadline = self.now.saturating_add(limit_ms);
        if deadline > year_end {
            self.arm_time_limit(year_end, YEAR_MS);
        } else {
            self.arm_time_limit(deadline, limit_ms);
        }
        match self.halted.take() {
            Some(top) => {
                self.reactivate(top, None, redriven, None);
            }
            None => {
                // Nothing was kept of how it ended (no end leaves none): it starts over.
                let input = self.info.input.clone();
                let size = measure(&input).size;
                let top = self.new_frame(top_frame(&self.plan, input, size, self.now, redriven));
                self.work.push(Work::Advance(top));
            }
        }
        self.drain(entropy);
        let mut commands = std::mem::take(&mut self.commands);
        if self.status != ExecutionStatus::Running {
            // Ended at once: whatever it started (its time limit) it has already cancelled.
            commands.clear();
        }
        commands
    }

    /// Puts a halted scope back to run, under `parent`, its next event following
    /// `last_event`: a Parallel or Map that restarts some of its branches or iterations is
    /// entered again and restarts them (see `pump`); any other state is entered again.
    fn reactivate(
        &mut self,
        halted: Box<Halted>,
        parent: Option<(FrameRef, usize)>,
        last_event: u64,
        child: Option<ChildExecution>,
    ) -> FrameRef {
        let restarts_children = halted.children().is_some();
        let Halted { mut frame, .. } = *halted;
        frame.parent = parent;
        frame.last_event = last_event;
        frame.child = child;
        frame.output_bound = None;
        let phase = std::mem::replace(&mut frame.phase, Phase::Enter);
        let mut children = match phase {
            Phase::AwaitChildren(children) if restarts_children => children,
            _ => {
                let r = self.new_frame(frame);
                self.work.push(Work::Advance(r));
                return r;
            }
        };
        let plan = self.plan.clone();
        let state = &plan.scopes[frame.scope].states[frame.state];
        self.enter(&mut frame, state);
        children.done = false;
        children.failures = 0;
        children.running.clear();
        let mut halted = std::mem::take(&mut children.halted);
        for (slot, _) in &halted {
            if let Some(result) = children.results.get_mut(*slot) {
                *result = None;
            }
        }
        // The lowest slot last: `pump` takes them from the end.
        halted.sort_by_key(|(slot, _)| std::cmp::Reverse(*slot));
        children.to_restart = halted;
        if children.is_map {
            self.record(
                Some(&mut frame),
                EventType::MapStateStarted,
                EventDetails::MapStarted {
                    length: children.results.len(),
                },
            );
            if let Some((map_run_arn, redrives)) = &mut children.map_run {
                *redrives += 1;
                let details = EventDetails::MapRunRedriven {
                    map_run_arn: map_run_arn.clone(),
                    redrive_count: *redrives,
                };
                self.record(Some(&mut frame), EventType::MapRunRedriven, details);
            }
        } else {
            self.record(
                Some(&mut frame),
                EventType::ParallelStateStarted,
                EventDetails::None,
            );
        }
        frame.phase = Phase::AwaitChildren(children);
        let r = self.new_frame(frame);
        self.work.push(Work::Pump(r));
        r
    }

    /// Restarts a halted branch or iteration (`slot`) of the Parallel or Map state the frame
    /// `r` is in (taken out as `frame`), as `pump` starts a new one.
    pub(super) fn restart_child(
        &mut self,
        r: FrameRef,
        mut frame: Frame,
        state: &CompiledState,
        slot: usize,
        halted: Box<Halted>,
    ) {
        // A distributed iteration rerun is a new child execution, with limits of its own.
        let child_execution = self.begin_child(&mut frame, state, slot);
        // The parent goes on after the child's first steps, as for a new branch.
        self.work.push(Work::Pump(r));
        let child = self.reactivate(halted, Some((r, slot)), frame.last_event, child_execution);
        if let Phase::AwaitChildren(children) = &mut frame.phase {
            children.running.push((slot, child));
        }
        self.put(r, frame);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::definition::Definition;
    use crate::entropy::SplitMix64;
    use crate::plan::CompileOptions;

    const T0: Millis = 1_700_000_000_000;
    const DAY: Millis = 24 * 3600 * 1000;

    fn plan(text: &str) -> Arc<Plan> {
        Definition::from_json_str(text, &CompileOptions::default())
            .unwrap()
            .plan()
            .unwrap()
    }

    /// An execution of `text` whose one task failed with `Boom` at `T0 + 1`.
    fn failed(text: &str) -> Execution {
        let mut entropy = SplitMix64(3);
        let (mut execution, commands) = Execution::start(
            plan(text),
            &ExecutionConfig::default(),
            json!({}),
            T0,
            &mut entropy,
        )
        .unwrap();
        let task = commands
            .iter()
            .find_map(|c| match c {
                Command::Invoke(inv) => Some(inv.task),
                _ => None,
            })
            .expect("a task");
        execution.handle(
            Event::TaskFailed {
                task,
                failure: Failure::new("Boom", "it broke"),
            },
            T0 + 1,
            &mut entropy,
        );
        assert!(matches!(execution.status(), ExecutionStatus::Failed(_)));
        execution
    }

    const ONE_TASK: &str = r#"{"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "F"}, "End": true}}}"#;

    #[test]
    fn the_redrivable_period_is_fourteen_days_from_the_end() {
        let execution = failed(ONE_TASK);
        // It ended at T0 + 1 (the ExecutionFailed event's time).
        assert_eq!(execution.redrivable(T0 + 1 + REDRIVABLE_PERIOD_MS), Ok(()));
        let error = execution
            .redrivable(T0 + 2 + REDRIVABLE_PERIOD_MS)
            .unwrap_err();
        assert_eq!(
            error,
            RedriveError::RedrivablePeriodExceeded {
                since: REDRIVABLE_PERIOD_MS + 1
            }
        );
        assert_eq!(error.aws_error(), Some("ExecutionNotRedrivable"));
        // DescribeExecution's redriveStatusReason, as AWS's SDK documentation lists it.
        assert_eq!(
            error.status_reason(),
            Some("Execution redrivable period exceeded.")
        );
        assert!(
            error.to_string().starts_with(
                "ExecutionNotRedrivable: Execution redrivable period exceeded. (it ended 14 days 0 hours ago"
            ),
            "{error}"
        );
        assert_eq!(REDRIVABLE_PERIOD_MS, 14 * DAY);
    }

    #[test]
    fn a_year_after_its_start_an_execution_is_no_longer_redrivable() {
        let execution = failed(ONE_TASK);
        // Refused for the year before the 14 days are looked at.
        assert_eq!(
            execution.redrivable(T0 + YEAR_MS + 1),
            Err(RedriveError::MaxExecutionTimeExceeded)
        );
    }

    #[test]
    fn an_execution_still_running_is_not_redrivable() {
        let (execution, _) = Execution::start(
            plan(ONE_TASK),
            &ExecutionConfig::default(),
            json!({}),
            T0,
            &mut SplitMix64(1),
        )
        .unwrap();
        let error = execution.redrivable(T0).unwrap_err();
        assert_eq!(error, RedriveError::Running);
        assert_eq!(
            error.to_string(),
            "ExecutionNotRedrivable: Execution is RUNNING and cannot be redriven."
        );
    }

    #[test]
    fn a_patch_that_is_express_does_not_fit() {
        let mut execution = failed(ONE_TASK);
        let express = Definition::from_json_str(
            ONE_TASK,
            &CompileOptions {
                machine_type: MachineType::Express,
            },
        )
        .unwrap()
        .plan()
        .unwrap();
        let error = execution
            .redrive_with(express, T0 + 2, &mut SplitMix64(1))
            .unwrap_err();
        assert_eq!(
            error,
            RedriveError::DoesNotFit(FitError::MachineType {
                execution: "STANDARD",
                new: "EXPRESS"
            })
        );
        assert_eq!(error.aws_error(), None);
        // Nothing changed: a redrive with the execution's own plan still goes.
        assert_eq!(execution.info().redrive_count, 0);
        assert!(execution.redrive(T0 + 2, &mut SplitMix64(1)).is_ok());
    }

    #[test]
    fn durations_read_in_days_and_hours() {
        assert_eq!(days(15 * DAY + 3 * 3_600_000 + 59_999), "15 days 3 hours");
    }
}
