//! The Task state: the invocation it asks the driver for, its history events (Lambda,
//! activity or service integration), its TimeoutSeconds and HeartbeatSeconds, callbacks, and
//! how its result or error comes back.

use super::super::path_numbers::IntegerField;
use super::super::timers::{TimerPurpose, seconds_to_millis};
use super::super::*;

#[derive(Debug)]
pub(in crate::execution) struct TaskWait {
    pub(in crate::execution) task: TaskId,
    pub(in crate::execution) timeout_timer: Option<TimerId>,
    pub(in crate::execution) heartbeat_timer: Option<TimerId>,
    pub(in crate::execution) heartbeat_ms: Option<i64>,
    pub(in crate::execution) events: TaskEvents,
}

/// Which family of history events a task writes.
#[derive(Clone, Debug)]
pub(in crate::execution) enum TaskEvents {
    Lambda {
        arn: String,
    },
    Activity {
        arn: String,
    },
    Task {
        resource_type: String,
        resource: String,
    },
}

fn task_events(resource: &str, kind: &ResourceKind) -> TaskEvents {
    match kind {
        ResourceKind::LambdaFunction { .. } => TaskEvents::Lambda {
            arn: resource.to_string(),
        },
        ResourceKind::Activity { .. } => TaskEvents::Activity {
            arn: resource.to_string(),
        },
        ResourceKind::LambdaInvoke { integration } => TaskEvents::Task {
            resource_type: "lambda".into(),
            resource: with_suffix("invoke", *integration),
        },
        ResourceKind::Service {
            service,
            action,
            integration,
        } => TaskEvents::Task {
            resource_type: service.clone(),
            resource: with_suffix(action, *integration),
        },
        ResourceKind::Substitution { name, integration } => TaskEvents::Task {
            resource_type: "task".into(),
            resource: with_suffix(name, *integration),
        },
    }
}

impl TaskEvents {
    /// What AWS names when the task's result is over the payload limit: the function's or
    /// activity's ARN, or the integration's service (`aws-sdk:s3`).
    pub(in crate::execution) fn result_owner(&self) -> &str {
        match self {
            TaskEvents::Lambda { arn } | TaskEvents::Activity { arn } => arn,
            TaskEvents::Task { resource_type, .. } => resource_type,
        }
    }
}

/// The failure of a task whose result is over the payload limit, worded and named as the
/// execution words it, for a handler that measures its result before it has all of it (a
/// command's output, an HTTP body): `States.DataLimitExceeded`, naming the function's or
/// activity's ARN or the integration's service of `resource`.
pub fn task_result_too_large(resource: &str) -> crate::AslError {
    let owner = match crate::plan::classify_resource(resource) {
        Ok(kind) => task_events(resource, &kind).result_owner().to_string(),
        Err(_) => resource.to_string(),
    };
    crate::AslError::new(names::DATA_LIMIT_EXCEEDED, result_too_large_cause(&owner))
}

fn with_suffix(action: &str, integration: Integration) -> String {
    match integration {
        Integration::RequestResponse => action.to_string(),
        Integration::Sync => format!("{action}.sync"),
        Integration::Callback => format!("{action}.waitForTaskToken"),
    }
}

impl Execution {
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

    pub(in crate::execution) fn start_task(
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

    pub(in crate::execution) fn on_task_result(
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

    pub(in crate::execution) fn record_task_failure(
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

    pub(in crate::execution) fn on_task_submitted(&mut self, task: TaskId, output: Value) {
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

    pub(in crate::execution) fn on_heartbeat(&mut self, task: TaskId) {
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
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::definition::Definition;
    use crate::entropy::SplitMix64;
    use crate::execution::{Command, Event, Execution, ExecutionConfig, TaskInvocation};
    use crate::plan::CompileOptions;

    /// A Parallel state whose first branch waits for a task token and whose second runs a
    /// Lambda function: each task is under way in a state of a branch.
    const TWO_BRANCHES: &str = r#"{"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "Parameters": {"FunctionName": "Approve", "Payload": {"token.$": "$$.Task.Token"}}, "End": true}}},
        {"StartAt": "Charge", "States": {"Charge": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge", "End": true}}}
    ]}}}"#;

    #[test]
    fn a_task_under_way_names_its_state_until_it_ends() {
        let plan = Definition::from_json_str(TWO_BRANCHES, &CompileOptions::default())
            .unwrap()
            .plan()
            .unwrap();
        let mut entropy = SplitMix64(7);
        let (mut execution, commands) = Execution::start(
            plan,
            &ExecutionConfig::default(),
            json!({}),
            0,
            &mut entropy,
        )
        .unwrap();
        let invoked: Vec<&TaskInvocation> = commands
            .iter()
            .filter_map(|c| match c {
                Command::Invoke(inv) => Some(&**inv),
                _ => None,
            })
            .collect();
        assert_eq!(invoked.len(), 2);
        for inv in &invoked {
            assert_eq!(
                execution.task_state_name(inv.task).map(|n| &**n),
                Some(&*inv.state_name)
            );
        }
        let ask = invoked.iter().find(|inv| inv.task_token.is_some()).unwrap();
        let (ask, charge) = (
            ask.task,
            invoked
                .iter()
                .find(|inv| inv.task != ask.task)
                .unwrap()
                .task,
        );
        assert_eq!(execution.task_state_name(ask).map(|n| &**n), Some("Ask"));
        // Handed over, the callback task still waits in its state.
        execution.handle(
            Event::TaskSubmitted {
                task: ask,
                output: json!({}),
            },
            1,
            &mut entropy,
        );
        assert_eq!(execution.task_state_name(ask).map(|n| &**n), Some("Ask"));
        // Answered, it has ended; the other branch's task is still under way.
        execution.handle(
            Event::TaskSucceeded {
                task: ask,
                output: json!({"approved": true}),
            },
            2,
            &mut entropy,
        );
        assert_eq!(execution.task_state_name(ask), None);
        assert_eq!(
            execution.task_state_name(charge).map(|n| &**n),
            Some("Charge")
        );
    }
}
