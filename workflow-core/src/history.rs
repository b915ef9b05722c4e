//! The execution history: the journal of an execution, with AWS's event types, ids and
//! previous-event ids, and the inputs and outputs AWS records.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Weak};

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
    ExecutionRedriven,
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
    MapRunRedriven,
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
            ExecutionRedriven => "ExecutionRedriven",
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
            MapRunRedriven => "MapRunRedriven",
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
        input: Payload,
        /// The execution role.
        role_arn: String,
    },
    /// `ExecutionSucceeded`.
    ExecutionSucceeded {
        /// The execution output.
        output: Payload,
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
        input: Payload,
    },
    /// `*StateExited`.
    StateExited {
        /// State name.
        name: Arc<str>,
        /// The state's output.
        output: Payload,
        /// Variables the state assigned, if any, with their values.
        assigned: Option<Arc<Vec<(String, Payload)>>>,
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
        parameters: Payload,
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
        output: Option<Payload>,
    },
    /// `LambdaFunctionScheduled`.
    LambdaScheduled {
        /// The function ARN.
        resource: String,
        /// The function's input.
        input: Payload,
        /// TimeoutSeconds, when set.
        timeout_seconds: Option<u64>,
    },
    /// `LambdaFunctionSucceeded`.
    LambdaSucceeded {
        /// The function's result.
        output: Payload,
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
    /// `ExecutionRedriven` (AWS's `ExecutionRedrivenEventDetails`).
    ExecutionRedriven {
        /// How many times the execution has been redriven, this redrive included.
        redrive_count: u32,
    },
    /// `MapRunRedriven` (AWS's `MapRunRedrivenEventDetails`).
    MapRunRedriven {
        /// The map run ARN.
        map_run_arn: String,
        /// How many times the Map Run has been redriven, this redrive included.
        redrive_count: u32,
    },
}

/// A payload an event records (an input, an output, a task's parameters or result).
///
/// An execution's history keeps every payload it records, 25,000 events' worth, while the step
/// logic keeps only the current ones. So the history shares a payload with the step logic and
/// between the events that carry it (a state's output is the next state's input) instead of
/// copying it, and keeps a large one as its compact JSON text (what `GetExecutionHistory`
/// gives anyway), which takes a fraction of the memory of a `serde_json::Value` (a
/// `{"a": ...}` level is 6 bytes of text but some 200 bytes of `Value`). A text that differs
/// from an earlier one only in a stretch (a loop that updates a counter in a large document)
/// is kept as that stretch and a reference to the earlier text.
#[derive(Clone, Debug)]
pub struct Payload(Repr);

/// Two words: an event is moved and copied as it is recorded.
#[derive(Clone, Debug)]
enum Repr {
    /// A small payload, shared with the step logic as it is.
    Value(Arc<Value>),
    /// A larger one, as its compact JSON text.
    Text(Arc<String>),
    /// A text that is close to an earlier one.
    Delta(Arc<Delta>),
}

/// A text that is `base` with the bytes between its first `prefix` and its last `suffix`
/// replaced by `middle`.
#[derive(Debug)]
struct Delta {
    base: Arc<String>,
    prefix: usize,
    middle: Box<str>,
    suffix: usize,
}

impl Payload {
    /// The compact JSON text, as `GetExecutionHistory` gives it.
    pub fn json(&self) -> Cow<'_, str> {
        match &self.0 {
            Repr::Value(v) => Cow::Owned(compact_json(v)),
            Repr::Text(t) => Cow::Borrowed(t.as_str()),
            Repr::Delta(d) => {
                let mut text = String::with_capacity(d.prefix + d.middle.len() + d.suffix);
                text.push_str(&d.base[..d.prefix]);
                text.push_str(&d.middle);
                text.push_str(&d.base[d.base.len() - d.suffix..]);
                Cow::Owned(text)
            }
        }
    }

    /// Writes the compact JSON text ([`Payload::json`]) to `out`, without building it.
    pub(crate) fn write_json(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        match &self.0 {
            Repr::Value(v) => serde_json::to_writer(out, &**v).map_err(std::io::Error::other),
            Repr::Text(t) => out.write_all(t.as_bytes()),
            Repr::Delta(d) => {
                out.write_all(&d.base.as_bytes()[..d.prefix])?;
                out.write_all(d.middle.as_bytes())?;
                out.write_all(&d.base.as_bytes()[d.base.len() - d.suffix..])
            }
        }
    }

    /// The payload as a JSON value.
    pub fn to_value(&self) -> Value {
        match &self.0 {
            Repr::Value(v) => Value::clone(v),
            // Written from a value within the nesting bound, which serde_json reads back.
            _ => serde_json::from_str(&self.json()).unwrap_or(Value::Null),
        }
    }

    /// The memory the payload holds on its own, in bytes, not counting what it shares with
    /// other payloads (the text a delta refers to) or with the step logic (a small value):
    /// what recording it cost.
    #[cfg(test)]
    fn retained_bytes(&self) -> usize {
        match &self.0 {
            Repr::Value(_) => 0,
            Repr::Text(t) => t.len(),
            Repr::Delta(d) => d.middle.len(),
        }
    }

    /// The same shared payload (not merely an equal one).
    fn shares(&self, other: &Payload) -> bool {
        match (&self.0, &other.0) {
            (Repr::Value(a), Repr::Value(b)) => Arc::ptr_eq(a, b),
            (Repr::Text(a), Repr::Text(b)) => Arc::ptr_eq(a, b),
            (Repr::Delta(a), Repr::Delta(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl From<Arc<Value>> for Payload {
    fn from(value: Arc<Value>) -> Payload {
        Payload(Repr::Value(value))
    }
}

impl From<Value> for Payload {
    fn from(value: Value) -> Payload {
        Payload(Repr::Value(Arc::new(value)))
    }
}

/// Equal when their JSON texts are.
impl PartialEq for Payload {
    fn eq(&self, other: &Payload) -> bool {
        self.shares(other) || self.json() == other.json()
    }
}

/// Turns the payloads an execution records into [`Payload`]s that share what they can: one
/// per execution, fed every payload in the order they are recorded.
#[derive(Debug, Default)]
pub(crate) struct PayloadRecorder {
    /// The large value recorded last and what it became: the next event often carries the
    /// same one.
    last: Option<(Weak<Value>, Payload)>,
    /// The address of the small value recorded last, which the history keeps (so no other
    /// value can have it while the history lives): the next event, the next state's entry,
    /// often carries it again, and need not be looked at twice.
    last_small: usize,
    /// The last payloads kept as whole texts, the latest last: later texts are kept as
    /// differences from the one they share most with. More than one, because a state's
    /// input, its task's result and its output can each be large and unlike the others.
    keyframes: VecDeque<Arc<String>>,
}

/// How many whole texts a later text is compared with.
const KEYFRAMES: usize = 4;

/// A payload of at most this many JSON nodes, and this many bytes of strings and keys, stays a
/// value: serializing it would cost more time than it saves memory (the benchmarks' payloads
/// are such), and 25,000 of them take at most some 200 MiB (a node of a `Value` takes about
/// 100 bytes with its share of its container).
const SMALL_NODES: usize = 64;
const SMALL_STRING_BYTES: usize = 512;

impl PayloadRecorder {
    /// What to keep of `payload` in the history.
    #[cfg(test)]
    fn record(&mut self, mut payload: Payload) -> Payload {
        self.record_in_place(&mut payload);
        payload
    }

    /// Replaces `payload` with what to keep of it in the history. A small value is left as it
    /// is, at the cost of a look at its first nodes.
    pub(crate) fn record_in_place(&mut self, payload: &mut Payload) {
        let Repr::Value(value) = &payload.0 else {
            return;
        };
        if let Some((last, kept)) = &self.last
            && std::ptr::eq(last.as_ptr(), Arc::as_ptr(value))
        {
            *payload = kept.clone();
            return;
        }
        let address = Arc::as_ptr(value) as usize;
        if address == self.last_small {
            return;
        }
        if is_small(value) {
            self.last_small = address;
            return;
        }
        let weak = Arc::downgrade(value);
        let kept = Payload(self.compact(compact_json(value)));
        self.last = Some((weak, kept.clone()));
        *payload = kept;
    }

    /// `text` as a difference from the keyframe it shares most with, when that is most of
    /// it, else as a new keyframe.
    fn compact(&mut self, text: String) -> Repr {
        let closest = self
            .keyframes
            .iter()
            .map(|base| (base, common_ends(base, &text)))
            .max_by_key(|(_, (prefix, suffix))| prefix + suffix);
        if let Some((base, (prefix, suffix))) = closest {
            let middle = &text[prefix..text.len() - suffix];
            if middle.len() <= text.len() / 4 {
                return Repr::Delta(Arc::new(Delta {
                    base: base.clone(),
                    prefix,
                    middle: middle.into(),
                    suffix,
                }));
            }
        }
        let text = Arc::new(text);
        if self.keyframes.len() == KEYFRAMES {
            self.keyframes.pop_front();
        }
        self.keyframes.push_back(text.clone());
        Repr::Text(text)
    }
}

/// The compact JSON text of `value`, written straight to bytes (`Value`'s `Display` goes
/// through the slower `fmt` machinery).
fn compact_json(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// True for a value of at most [`SMALL_NODES`] nodes and [`SMALL_STRING_BYTES`] of text:
/// looks no further than that (so it recurses at most [`SMALL_NODES`] levels).
fn is_small(value: &Value) -> bool {
    /// Takes `v` off the budget of nodes and bytes left; false once it is spent.
    fn fits(v: &Value, budget: &mut (usize, usize)) -> bool {
        if budget.0 == 0 {
            return false;
        }
        budget.0 -= 1;
        match v {
            Value::String(s) => take(&mut budget.1, s.len()),
            Value::Array(items) => {
                for item in items {
                    if !fits(item, budget) {
                        return false;
                    }
                }
                true
            }
            Value::Object(map) => {
                for (k, item) in map {
                    if !take(&mut budget.1, k.len()) || !fits(item, budget) {
                        return false;
                    }
                }
                true
            }
            _ => true,
        }
    }
    fn take(left: &mut usize, n: usize) -> bool {
        match left.checked_sub(n) {
            Some(rest) => {
                *left = rest;
                true
            }
            None => false,
        }
    }
    fits(value, &mut (SMALL_NODES, SMALL_STRING_BYTES))
}

/// The lengths of the longest common prefix and suffix of `a` and `b` that do not overlap in
/// either, on character boundaries.
fn common_ends(a: &str, b: &str) -> (usize, usize) {
    /// The length of the common start of two byte strings: whole chunks compared at once
    /// (`memcmp`), then the bytes of the chunk that differs.
    fn common_start<'x>(
        x: impl Iterator<Item = &'x [u8]>,
        y: impl Iterator<Item = &'x [u8]>,
        backwards: bool,
    ) -> usize {
        let mut same = 0;
        for (p, q) in x.zip(y) {
            if p == q {
                same += p.len();
                continue;
            }
            let bytes = p.iter().zip(q);
            same += if backwards {
                bytes.rev().take_while(|(u, v)| u == v).count()
            } else {
                bytes.take_while(|(u, v)| u == v).count()
            };
            break;
        }
        same
    }
    const CHUNK: usize = 256;
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let shortest = x.len().min(y.len());
    let mut prefix = common_start(
        x[..shortest].chunks(CHUNK),
        y[..shortest].chunks(CHUNK),
        false,
    );
    while !b.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let room = shortest - prefix;
    let mut suffix = common_start(
        x[x.len() - room..].rchunks(CHUNK),
        y[y.len() - room..].rchunks(CHUNK),
        true,
    );
    while !b.is_char_boundary(b.len() - suffix) {
        suffix -= 1;
    }
    (prefix, suffix)
}

impl EventDetails {
    /// Puts every payload of the details through `recorder`, in order.
    #[inline]
    pub(crate) fn record_payloads(&mut self, recorder: &mut PayloadRecorder) {
        let mut record = |p: &mut Payload| recorder.record_in_place(p);
        match self {
            EventDetails::ExecutionStarted { input, .. }
            | EventDetails::StateEntered { input, .. }
            | EventDetails::LambdaScheduled { input, .. } => record(input),
            EventDetails::ExecutionSucceeded { output }
            | EventDetails::LambdaSucceeded { output } => record(output),
            EventDetails::StateExited {
                output, assigned, ..
            } => {
                record(output);
                if let Some(vars) = assigned {
                    for (_, value) in Arc::make_mut(vars) {
                        record(value);
                    }
                }
            }
            EventDetails::TaskScheduled { parameters, .. } => record(parameters),
            EventDetails::Task { output, .. } => output.iter_mut().for_each(record),
            EventDetails::None
            | EventDetails::Failure { .. }
            | EventDetails::MapStarted { .. }
            | EventDetails::MapIteration { .. }
            | EventDetails::MapRunStarted { .. }
            | EventDetails::ExecutionRedriven { .. }
            | EventDetails::MapRunRedriven { .. } => {}
        }
    }
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
        let data = |p: &Payload| Value::String(p.json().into_owned());
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
            EventDetails::ExecutionRedriven { redrive_count } => {
                json!({ "redriveCount": redrive_count })
            }
            EventDetails::MapRunRedriven {
                map_run_arn,
                redrive_count,
            } => json!({ "mapRunArn": map_run_arn, "redriveCount": redrive_count }),
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
        ExecutionRedriven => "executionRedrivenEventDetails",
        MapRunRedriven => "mapRunRedrivenEventDetails",
        EvaluationFailed => "evaluationFailedEventDetails",
        t if t.as_str().ends_with("StateEntered") => "stateEnteredEventDetails",
        t if t.as_str().ends_with("StateExited") => "stateExitedEventDetails",
        _ => return None,
    };
    Some(key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn large(counter: &str) -> Arc<Value> {
        let items: Vec<Value> = (0..100).map(|i| json!({"id": i, "name": "ü"})).collect();
        Arc::new(json!({"items": items, "counter": counter}))
    }

    #[test]
    fn payloads_are_kept_as_their_json_text() {
        let mut recorder = PayloadRecorder::default();
        for value in [
            json!(null),
            json!({"small": [1, "two"]}),
            Value::clone(&large("x")),
        ] {
            let kept = recorder.record(Arc::new(value.clone()).into());
            assert_eq!(kept.json(), serde_json::to_string(&value).unwrap());
            assert_eq!(kept.to_value(), value);
        }
    }

    #[test]
    fn the_same_value_is_kept_once() {
        let mut recorder = PayloadRecorder::default();
        let value = large("x");
        let first = recorder.record(value.clone().into());
        let second = recorder.record(value.clone().into());
        assert!(first.shares(&second));
        assert_eq!(first.retained_bytes(), value.to_string().len());
        // A small one stays the value, shared with whoever holds it.
        let small = Arc::new(json!({"a": 1}));
        let kept = recorder.record(small.clone().into());
        assert_eq!(kept.retained_bytes(), 0);
        assert!(kept.shares(&small.into()));
    }

    #[test]
    fn a_text_close_to_an_earlier_one_keeps_only_the_difference() {
        let mut recorder = PayloadRecorder::default();
        let whole = recorder.record(large("ü").into());
        // The two texts differ in a multi-byte character: the difference starts on its first
        // byte, not inside it.
        let next = large("ä");
        let kept = recorder.record(next.clone().into());
        assert_eq!(kept.json(), next.to_string());
        assert!(kept.retained_bytes() <= "ä".len(), "{kept:?}");
        assert!(whole.retained_bytes() > 1000);
        // A text unlike the first is kept whole, and is the one the next are compared with.
        let other = Arc::new(json!({"other": "x".repeat(2000)}));
        let kept = recorder.record(other.clone().into());
        assert_eq!(kept.retained_bytes(), other.to_string().len());
    }

    #[test]
    fn common_ends_stay_on_character_boundaries() {
        assert_eq!(common_ends("aüb", "aäb"), (1, 1));
        assert_eq!(common_ends("abc", "abc"), (3, 0));
        assert_eq!(common_ends("ab", "abab"), (2, 0));
        assert_eq!(common_ends("xab", "ab"), (0, 2));
    }
}
