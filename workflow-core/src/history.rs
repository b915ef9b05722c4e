//! The execution history: the journal of an execution, with AWS's event types, ids and
//! previous-event ids, and the inputs and outputs AWS records.

use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value, json};

/// Every event type of the AWS execution history.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    ActivityFailed,
    ActivityScheduled,
    ActivityScheduleFailed,
    ActivityStarted,
    ActivitySucceeded,
    ActivityTimedOut,
    ChoiceStateEntered,
    ChoiceStateExited,
    ExecutionAborted,
    ExecutionFailed,
    ExecutionStarted,
    ExecutionSucceeded,
    ExecutionTimedOut,
    FailStateEntered,
    LambdaFunctionFailed,
    LambdaFunctionScheduled,
    LambdaFunctionScheduleFailed,
    LambdaFunctionStarted,
    LambdaFunctionStartFailed,
    LambdaFunctionSucceeded,
    LambdaFunctionTimedOut,
    MapIterationAborted,
    MapIterationFailed,
    MapIterationStarted,
    MapIterationSucceeded,
    MapStateAborted,
    MapStateEntered,
    MapStateExited,
    MapStateFailed,
    MapStateStarted,
    MapStateSucceeded,
    ParallelStateAborted,
    ParallelStateEntered,
    ParallelStateExited,
    ParallelStateFailed,
    ParallelStateStarted,
    ParallelStateSucceeded,
    PassStateEntered,
    PassStateExited,
    SucceedStateEntered,
    SucceedStateExited,
    TaskFailed,
    TaskScheduled,
    TaskStarted,
    TaskStartFailed,
    TaskStateAborted,
    TaskStateEntered,
    TaskStateExited,
    TaskSubmitFailed,
    TaskSubmitted,
    TaskSucceeded,
    TaskTimedOut,
    WaitStateAborted,
    WaitStateEntered,
    WaitStateExited,
    MapRunAborted,
    MapRunFailed,
    MapRunStarted,
    MapRunSucceeded,
    EvaluationFailed,
}

impl EventType {
    /// The AWS name, e.g. `PassStateEntered`.
    pub fn as_str(self) -> &'static str {
        use EventType::*;
        match self {
            ActivityFailed => "ActivityFailed",
            ActivityScheduled => "ActivityScheduled",
            ActivityScheduleFailed => "ActivityScheduleFailed",
            ActivityStarted => "ActivityStarted",
            ActivitySucceeded => "ActivitySucceeded",
            ActivityTimedOut => "ActivityTimedOut",
            ChoiceStateEntered => "ChoiceStateEntered",
            ChoiceStateExited => "ChoiceStateExited",
            ExecutionAborted => "ExecutionAborted",
            ExecutionFailed => "ExecutionFailed",
            ExecutionStarted => "ExecutionStarted",
            ExecutionSucceeded => "ExecutionSucceeded",
            ExecutionTimedOut => "ExecutionTimedOut",
            FailStateEntered => "FailStateEntered",
            LambdaFunctionFailed => "LambdaFunctionFailed",
            LambdaFunctionScheduled => "LambdaFunctionScheduled",
            LambdaFunctionScheduleFailed => "LambdaFunctionScheduleFailed",
            LambdaFunctionStarted => "LambdaFunctionStarted",
            LambdaFunctionStartFailed => "LambdaFunctionStartFailed",
            LambdaFunctionSucceeded => "LambdaFunctionSucceeded",
            LambdaFunctionTimedOut => "LambdaFunctionTimedOut",
            MapIterationAborted => "MapIterationAborted",
            MapIterationFailed => "MapIterationFailed",
            MapIterationStarted => "MapIterationStarted",
            MapIterationSucceeded => "MapIterationSucceeded",
            MapStateAborted => "MapStateAborted",
            MapStateEntered => "MapStateEntered",
            MapStateExited => "MapStateExited",
            MapStateFailed => "MapStateFailed",
            MapStateStarted => "MapStateStarted",
            MapStateSucceeded => "MapStateSucceeded",
            ParallelStateAborted => "ParallelStateAborted",
            ParallelStateEntered => "ParallelStateEntered",
            ParallelStateExited => "ParallelStateExited",
            ParallelStateFailed => "ParallelStateFailed",
            ParallelStateStarted => "ParallelStateStarted",
            ParallelStateSucceeded => "ParallelStateSucceeded",
            PassStateEntered => "PassStateEntered",
            PassStateExited => "PassStateExited",
            SucceedStateEntered => "SucceedStateEntered",
            SucceedStateExited => "SucceedStateExited",
            TaskFailed => "TaskFailed",
            TaskScheduled => "TaskScheduled",
            TaskStarted => "TaskStarted",
            TaskStartFailed => "TaskStartFailed",
            TaskStateAborted => "TaskStateAborted",
            TaskStateEntered => "TaskStateEntered",
            TaskStateExited => "TaskStateExited",
            TaskSubmitFailed => "TaskSubmitFailed",
            TaskSubmitted => "TaskSubmitted",
            TaskSucceeded => "TaskSucceeded",
            TaskTimedOut => "TaskTimedOut",
            WaitStateAborted => "WaitStateAborted",
            WaitStateEntered => "WaitStateEntered",
            WaitStateExited => "WaitStateExited",
            MapRunAborted => "MapRunAborted",
            MapRunFailed => "MapRunFailed",
            MapRunStarted => "MapRunStarted",
            MapRunSucceeded => "MapRunSucceeded",
            EvaluationFailed => "EvaluationFailed",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an event records, beyond its type.
#[derive(Clone, Debug, PartialEq)]
pub enum EventDetails {
    /// No details.
    None,
    /// `ExecutionStarted`.
    ExecutionStarted {
        /// The execution input.
        input: Arc<Value>,
        /// The execution role.
        role_arn: String,
    },
    /// `ExecutionSucceeded`.
    ExecutionSucceeded {
        /// The execution output.
        output: Arc<Value>,
    },
    /// A failure: `ExecutionFailed`, `ExecutionAborted`, `ExecutionTimedOut`, `TaskFailed`,
    /// `LambdaFunctionFailed`, `MapRunFailed`, ...
    Failure {
        /// Error name, when there is one.
        error: Option<String>,
        /// Cause, when there is one.
        cause: Option<String>,
        /// For task events: the resource type and resource.
        resource: Option<(String, String)>,
    },
    /// `*StateEntered`.
    StateEntered {
        /// State name.
        name: Arc<str>,
        /// The state's input.
        input: Arc<Value>,
    },
    /// `*StateExited`.
    StateExited {
        /// State name.
        name: Arc<str>,
        /// The state's output.
        output: Arc<Value>,
        /// Variables the state assigned, if any.
        assigned: Option<Arc<Map<String, Value>>>,
    },
    /// `TaskScheduled`.
    TaskScheduled {
        /// e.g. `lambda`.
        resource_type: String,
        /// e.g. `invoke`.
        resource: String,
        /// The region.
        region: String,
        /// The effective parameters.
        parameters: Arc<Value>,
        /// TimeoutSeconds, when set.
        timeout_seconds: Option<u64>,
        /// HeartbeatSeconds, when set.
        heartbeat_seconds: Option<u64>,
    },
    /// `TaskStarted`, `TaskSubmitted`, `TaskSucceeded`: resource and, for the last two, output.
    Task {
        /// e.g. `lambda`.
        resource_type: String,
        /// e.g. `invoke`.
        resource: String,
        /// The task's output (submitted response or result).
        output: Option<Arc<Value>>,
    },
    /// `LambdaFunctionScheduled`.
    LambdaScheduled {
        /// The function ARN.
        resource: String,
        /// The function's input.
        input: Arc<Value>,
        /// TimeoutSeconds, when set.
        timeout_seconds: Option<u64>,
    },
    /// `LambdaFunctionSucceeded`.
    LambdaSucceeded {
        /// The function's result.
        output: Arc<Value>,
    },
    /// `MapStateStarted`.
    MapStarted {
        /// Number of items.
        length: usize,
    },
    /// `MapIteration*`.
    MapIteration {
        /// The Map state's name.
        name: Arc<str>,
        /// The item's index.
        index: usize,
    },
    /// `MapRunStarted`.
    MapRunStarted {
        /// The map run ARN.
        map_run_arn: String,
    },
}

/// One history event.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryEvent {
    /// 1-based, in the order the events happened.
    pub id: u64,
    /// The event this one follows in its branch of execution (0 for none).
    pub previous_event_id: u64,
    /// Milliseconds since the Unix epoch.
    pub timestamp: i64,
    /// The AWS event type.
    pub event_type: EventType,
    /// What it records.
    pub details: EventDetails,
}

/// Formats milliseconds since the epoch as AWS does (`2024-05-01T12:00:00.123Z`, the fraction
/// left out when it is zero).
pub fn format_timestamp(millis: i64) -> String {
    use chrono::{DateTime, SecondsFormat, Utc};
    let t = DateTime::<Utc>::from_timestamp_millis(millis).unwrap_or_default();
    if millis.rem_euclid(1000) == 0 {
        t.to_rfc3339_opts(SecondsFormat::Secs, true)
    } else {
        t.to_rfc3339_opts(SecondsFormat::Millis, true)
    }
}

impl HistoryEvent {
    /// The event in the shape of AWS's `GetExecutionHistory` response.
    pub fn to_aws_json(&self) -> Value {
        let mut event = Map::new();
        event.insert(
            "timestamp".into(),
            Value::String(format_timestamp(self.timestamp)),
        );
        event.insert(
            "type".into(),
            Value::String(self.event_type.as_str().into()),
        );
        event.insert("id".into(), Value::from(self.id));
        event.insert(
            "previousEventId".into(),
            Value::from(self.previous_event_id),
        );
        if let Some((key, details)) = self.details_json() {
            event.insert(key, details);
        }
        Value::Object(event)
    }

    fn details_json(&self) -> Option<(String, Value)> {
        let key = details_key(self.event_type)?;
        let data = |v: &Value| Value::String(v.to_string());
        let details = match &self.details {
            EventDetails::None => return None,
            EventDetails::ExecutionStarted { input, role_arn } => json!({
                "input": data(input), "inputDetails": {"truncated": false}, "roleArn": role_arn
            }),
            EventDetails::ExecutionSucceeded { output } => {
                json!({"output": data(output), "outputDetails": {"truncated": false}})
            }
            EventDetails::Failure {
                error,
                cause,
                resource,
            } => {
                let mut m = Map::new();
                if let Some((resource_type, resource)) = resource {
                    m.insert("resourceType".into(), Value::String(resource_type.clone()));
                    m.insert("resource".into(), Value::String(resource.clone()));
                }
                if let Some(e) = error {
                    m.insert("error".into(), Value::String(e.clone()));
                }
                if let Some(c) = cause {
                    m.insert("cause".into(), Value::String(c.clone()));
                }
                Value::Object(m)
            }
            EventDetails::StateEntered { name, input } => json!({
                "name": &**name, "input": data(input), "inputDetails": {"truncated": false}
            }),
            EventDetails::StateExited {
                name,
                output,
                assigned,
            } => {
                let mut m = Map::new();
                m.insert("name".into(), Value::String(name.to_string()));
                m.insert("output".into(), data(output));
                m.insert("outputDetails".into(), json!({"truncated": false}));
                if let Some(vars) = assigned {
                    let rendered: Map<String, Value> =
                        vars.iter().map(|(k, v)| (k.clone(), data(v))).collect();
                    m.insert("assignedVariables".into(), Value::Object(rendered));
                    m.insert(
                        "assignedVariablesDetails".into(),
                        json!({"truncated": false}),
                    );
                }
                Value::Object(m)
            }
            EventDetails::TaskScheduled {
                resource_type,
                resource,
                region,
                parameters,
                timeout_seconds,
                heartbeat_seconds,
            } => {
                let mut m = Map::new();
                m.insert("resourceType".into(), Value::String(resource_type.clone()));
                m.insert("resource".into(), Value::String(resource.clone()));
                m.insert("region".into(), Value::String(region.clone()));
                m.insert("parameters".into(), data(parameters));
                if let Some(t) = timeout_seconds {
                    m.insert("timeoutInSeconds".into(), Value::from(*t));
                }
                if let Some(h) = heartbeat_seconds {
                    m.insert("heartbeatInSeconds".into(), Value::from(*h));
                }
                Value::Object(m)
            }
            EventDetails::Task {
                resource_type,
                resource,
                output,
            } => {
                let mut m = Map::new();
                m.insert("resourceType".into(), Value::String(resource_type.clone()));
                m.insert("resource".into(), Value::String(resource.clone()));
                if let Some(o) = output {
                    m.insert("output".into(), data(o));
                    m.insert("outputDetails".into(), json!({"truncated": false}));
                }
                Value::Object(m)
            }
            EventDetails::LambdaScheduled {
                resource,
                input,
                timeout_seconds,
            } => {
                let mut m = Map::new();
                m.insert("resource".into(), Value::String(resource.clone()));
                m.insert("input".into(), data(input));
                m.insert("inputDetails".into(), json!({"truncated": false}));
                if let Some(t) = timeout_seconds {
                    m.insert("timeoutInSeconds".into(), Value::from(*t));
                }
                Value::Object(m)
            }
            EventDetails::LambdaSucceeded { output } => {
                json!({"output": data(output), "outputDetails": {"truncated": false}})
            }
            EventDetails::MapStarted { length } => json!({ "length": length }),
            EventDetails::MapIteration { name, index } => json!({"name": &**name, "index": index}),
            EventDetails::MapRunStarted { map_run_arn } => json!({ "mapRunArn": map_run_arn }),
        };
        Some((key, details))
    }
}

/// The name of the details member for an event type, as in `GetExecutionHistory`.
fn details_key(t: EventType) -> Option<String> {
    use EventType::*;
    let key = match t {
        ExecutionStarted => "executionStartedEventDetails",
        ExecutionSucceeded => "executionSucceededEventDetails",
        ExecutionFailed => "executionFailedEventDetails",
        ExecutionAborted => "executionAbortedEventDetails",
        ExecutionTimedOut => "executionTimedOutEventDetails",
        TaskScheduled => "taskScheduledEventDetails",
        TaskStarted => "taskStartedEventDetails",
        TaskSubmitted => "taskSubmittedEventDetails",
        TaskSucceeded => "taskSucceededEventDetails",
        TaskFailed => "taskFailedEventDetails",
        TaskTimedOut => "taskTimedOutEventDetails",
        TaskStartFailed => "taskStartFailedEventDetails",
        TaskSubmitFailed => "taskSubmitFailedEventDetails",
        LambdaFunctionScheduled => "lambdaFunctionScheduledEventDetails",
        LambdaFunctionSucceeded => "lambdaFunctionSucceededEventDetails",
        LambdaFunctionFailed => "lambdaFunctionFailedEventDetails",
        LambdaFunctionTimedOut => "lambdaFunctionTimedOutEventDetails",
        LambdaFunctionScheduleFailed => "lambdaFunctionScheduleFailedEventDetails",
        LambdaFunctionStartFailed => "lambdaFunctionStartFailedEventDetails",
        ActivityFailed => "activityFailedEventDetails",
        ActivityScheduled => "activityScheduledEventDetails",
        ActivityScheduleFailed => "activityScheduleFailedEventDetails",
        ActivityStarted => "activityStartedEventDetails",
        ActivitySucceeded => "activitySucceededEventDetails",
        ActivityTimedOut => "activityTimedOutEventDetails",
        MapStateStarted => "mapStateStartedEventDetails",
        MapIterationStarted => "mapIterationStartedEventDetails",
        MapIterationSucceeded => "mapIterationSucceededEventDetails",
        MapIterationFailed => "mapIterationFailedEventDetails",
        MapIterationAborted => "mapIterationAbortedEventDetails",
        MapRunStarted => "mapRunStartedEventDetails",
        MapRunFailed => "mapRunFailedEventDetails",
        EvaluationFailed => "evaluationFailedEventDetails",
        t if t.as_str().ends_with("StateEntered") => "stateEnteredEventDetails",
        t if t.as_str().ends_with("StateExited") => "stateExitedEventDetails",
        _ => return None,
    };
    Some(key.to_string())
}
