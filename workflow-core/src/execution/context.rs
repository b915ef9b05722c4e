//! The context object (`$$`) and workflow variables (`$name`) as paths see them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::history::format_timestamp;
use crate::path::{ContextLookup, Segment, VariableLookup};
use crate::plan::MachineType;

/// Who and what an execution is: the data behind `$$.Execution` and `$$.StateMachine`.
#[derive(Clone, Debug)]
pub struct ExecutionInfo {
    /// `$$.Execution.Id`: the execution ARN.
    pub execution_arn: String,
    /// `$$.Execution.Name`.
    pub name: String,
    /// `$$.StateMachine.Id`: the state machine ARN.
    pub state_machine_arn: String,
    /// `$$.StateMachine.Name`.
    pub state_machine_name: String,
    /// `$$.Execution.RoleArn`.
    pub role_arn: String,
    /// The region in ARNs and task events.
    pub region: String,
    /// The account in ARNs.
    pub account: String,
    /// `$$.Execution.StartTime`, in milliseconds since the epoch.
    pub start_time: i64,
    /// `$$.Execution.Input`.
    pub input: Arc<Value>,
    /// STANDARD or EXPRESS.
    pub machine_type: MachineType,
    /// `$$.Execution.RedriveCount` (STANDARD only): how many times the execution has been
    /// [redriven](super::Execution::redrive).
    pub redrive_count: u32,
    /// `$$.Execution.RedriveTime`, in milliseconds since the epoch: when the execution was
    /// last redriven. AWS's Context object page
    /// (<https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html>):
    /// "`RedriveTime` Context object is only available if you've redriven an execution".
    pub redrive_time: Option<i64>,
}

/// The fields of `$$.Execution`, in order.
const EXECUTION_FIELDS: [&str; 7] = [
    "Id",
    "Input",
    "StartTime",
    "Name",
    "RoleArn",
    "RedriveCount",
    "RedriveTime",
];

impl ExecutionInfo {
    /// One field of `$$.Execution` (`None` when it has no such field).
    fn execution_field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "Id" => Value::String(self.execution_arn.clone()),
            "Input" => (*self.input).clone(),
            "StartTime" => Value::String(format_timestamp(self.start_time)),
            "Name" => Value::String(self.name.clone()),
            "RoleArn" => Value::String(self.role_arn.clone()),
            "RedriveCount" if self.machine_type == MachineType::Standard => {
                Value::from(self.redrive_count)
            }
            "RedriveTime" => Value::String(format_timestamp(self.redrive_time?)),
            _ => return None,
        })
    }

    fn execution_object(&self) -> Value {
        let mut m = Map::new();
        for name in EXECUTION_FIELDS {
            if let Some(value) = self.execution_field(name) {
                m.insert(name.into(), value);
            }
        }
        Value::Object(m)
    }

    fn state_machine_object(&self) -> Value {
        let mut m = Map::new();
        m.insert("Id".into(), Value::String(self.state_machine_arn.clone()));
        m.insert(
            "Name".into(),
            Value::String(self.state_machine_name.clone()),
        );
        Value::Object(m)
    }
}

/// The context object as seen from one state.
pub(crate) struct ContextView<'a> {
    pub info: &'a ExecutionInfo,
    pub state_name: &'a str,
    pub entered_time: i64,
    pub retry_count: Option<u32>,
    pub task_token: Option<&'a str>,
    pub map_item: Option<(usize, &'a Value)>,
}

impl ContextView<'_> {
    fn state_object(&self) -> Value {
        let mut m = Map::new();
        m.insert("Name".into(), Value::String(self.state_name.to_string()));
        m.insert(
            "EnteredTime".into(),
            Value::String(format_timestamp(self.entered_time)),
        );
        if let Some(r) = self.retry_count {
            m.insert("RetryCount".into(), Value::from(r));
        }
        Value::Object(m)
    }

    fn map_object(&self) -> Option<Value> {
        let (index, value) = self.map_item?;
        let mut item = Map::new();
        item.insert("Index".into(), Value::from(index));
        item.insert("Value".into(), value.clone());
        let mut m = Map::new();
        m.insert("Item".into(), Value::Object(item));
        Some(Value::Object(m))
    }

    fn task_object(&self) -> Option<Value> {
        let token = self.task_token?;
        let mut m = Map::new();
        m.insert("Token".into(), Value::String(token.to_string()));
        Some(Value::Object(m))
    }

    /// The whole context object.
    pub fn materialize(&self) -> Value {
        let mut m = Map::new();
        m.insert("Execution".into(), self.info.execution_object());
        m.insert("StateMachine".into(), self.info.state_machine_object());
        m.insert("State".into(), self.state_object());
        if let Some(task) = self.task_object() {
            m.insert("Task".into(), task);
        }
        if let Some(map) = self.map_object() {
            m.insert("Map".into(), map);
        }
        Value::Object(m)
    }
}

fn is_name(segment: Option<&Segment>, name: &str) -> bool {
    matches!(segment, Some(Segment::Name(n)) if &**n == name)
}

impl ContextLookup for ContextView<'_> {
    fn context_node(&self, segments: &[Segment]) -> Option<(Cow<'_, Value>, usize)> {
        // The common lookups are answered without building the whole object; in particular
        // `$$.Execution.Input` and `$$.Map.Item.Value` are borrowed, never copied, and the
        // other fields of `$$.Execution` and `$$.Map.Item` are built alone (the rest of the
        // path applies to a scalar, so it cannot tell the difference).
        match segments.first() {
            Some(Segment::Name(first)) => match &**first {
                "Execution" => match segments.get(1) {
                    Some(Segment::Name(name)) if &**name == "Input" => {
                        Some((Cow::Borrowed(&*self.info.input), 2))
                    }
                    Some(Segment::Name(name)) if let Some(v) = self.info.execution_field(name) => {
                        Some((Cow::Owned(v), 2))
                    }
                    _ => Some((Cow::Owned(self.info.execution_object()), 1)),
                },
                "StateMachine" => Some((Cow::Owned(self.info.state_machine_object()), 1)),
                "State" => Some((Cow::Owned(self.state_object()), 1)),
                "Task" => self.task_object().map(|t| (Cow::Owned(t), 1)),
                "Map" => {
                    let (index, value) = self.map_item?;
                    if !is_name(segments.get(1), "Item") {
                        return self.map_object().map(|m| (Cow::Owned(m), 1));
                    }
                    match segments.get(2) {
                        Some(Segment::Name(name)) if &**name == "Value" => {
                            Some((Cow::Borrowed(value), 3))
                        }
                        Some(Segment::Name(name)) if &**name == "Index" => {
                            Some((Cow::Owned(Value::from(index)), 3))
                        }
                        _ => self.map_object().map(|m| (Cow::Owned(m), 1)),
                    }
                }
                _ => None,
            },
            _ => Some((Cow::Owned(self.materialize()), 0)),
        }
    }
}

/// The variables of one scope, chained to the enclosing scope's.
#[derive(Clone, Debug, Default)]
pub(crate) struct Vars {
    pub parent: Option<Arc<Vars>>,
    pub values: HashMap<String, Value>,
}

impl Vars {
    pub fn child(parent: &Arc<Vars>) -> Arc<Vars> {
        Arc::new(Vars {
            parent: Some(parent.clone()),
            values: HashMap::new(),
        })
    }
}

impl VariableLookup for Vars {
    fn variable(&self, name: &str) -> Option<&Value> {
        match self.values.get(name) {
            Some(v) => Some(v),
            None => self.parent.as_ref()?.variable(name),
        }
    }
}
