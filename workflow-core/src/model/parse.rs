//! From JSON values to the model. Lenient: it goes on after a problem so that every
//! structural problem of a definition is reported at once.

use serde_json::{Map, Number, Value};

use super::*;
use crate::diagnostic::{Diagnostic, codes, push_pointer};

/// Fields of the top level.
const MACHINE_FIELDS: &[&str] = &[
    "Comment",
    "StartAt",
    "States",
    "Version",
    "TimeoutSeconds",
    "QueryLanguage",
];

/// Fields of a Parallel branch or Map item processor.
const BRANCH_FIELDS: &[&str] = &["Comment", "StartAt", "States", "ProcessorConfig"];

/// Fields any state may carry in the model. Which state types and query languages allow
/// each one is checked by the validator, so that models built in code are checked the same
/// way.
const COMMON_FIELDS: &[&str] = &[
    "Type",
    "Comment",
    "QueryLanguage",
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "Retry",
    "Catch",
    "Assign",
    "Arguments",
    "Output",
    "Next",
    "End",
];

const PASS_FIELDS: &[&str] = &["Result"];
const TASK_FIELDS: &[&str] = &[
    "Resource",
    "TimeoutSeconds",
    "TimeoutSecondsPath",
    "HeartbeatSeconds",
    "HeartbeatSecondsPath",
    "Credentials",
];
const CHOICE_FIELDS: &[&str] = &["Choices", "Default"];
const WAIT_FIELDS: &[&str] = &["Seconds", "Timestamp", "SecondsPath", "TimestampPath"];
const FAIL_FIELDS: &[&str] = &["Error", "Cause", "ErrorPath", "CausePath"];
const PARALLEL_FIELDS: &[&str] = &["Branches"];
const MAP_FIELDS: &[&str] = &[
    "ItemProcessor",
    "Iterator",
    "ItemsPath",
    "Items",
    "ItemSelector",
    "MaxConcurrency",
    "MaxConcurrencyPath",
    "ToleratedFailureCount",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentage",
    "ToleratedFailurePercentagePath",
    "ItemReader",
    "ItemBatcher",
    "ResultWriter",
    "Label",
];

const RETRIER_FIELDS: &[&str] = &[
    "ErrorEquals",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
    "Comment",
];

const CATCHER_FIELDS: &[&str] = &[
    "ErrorEquals",
    "Next",
    "ResultPath",
    "Assign",
    "Output",
    "Comment",
];

const STATE_TYPES: &[&str] = &[
    "Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map",
];

/// Parses a definition already read as JSON. Returns the model (best effort, even when there
/// are problems) and the structural problems found.
pub fn parse_value(value: &Value) -> (StateMachine, Vec<Diagnostic>) {
    use crate::nesting::{MAX_JSON_DEPTH, exceeds_depth};
    // The parser recurses into nested scopes: a value built in code may nest without bound
    // (text that nests this deep is not JSON to serde_json).
    if exceeds_depth(value, MAX_JSON_DEPTH) {
        let d = Diagnostic::error(
            codes::NESTING_TOO_DEEP,
            "",
            crate::nesting::too_deep("The definition"),
        );
        return (StateMachine::default(), vec![d]);
    }
    let mut p = Parser { diags: Vec::new() };
    let machine = p.machine(value);
    (machine, p.diags)
}

struct Parser {
    diags: Vec<Diagnostic>,
}

/// Interns a field name found in `allowed` so the model can keep `&'static str` orders.
fn known(name: &str, allowed: &[&'static str]) -> Option<&'static str> {
    allowed.iter().copied().find(|k| *k == name)
}

impl Parser {
    fn push(&mut self, code: &'static str, pointer: &str, message: String) {
        self.diags.push(Diagnostic::error(code, pointer, message));
    }

    fn warn(&mut self, code: &'static str, pointer: &str, message: String) {
        self.diags.push(Diagnostic::warning(code, pointer, message));
    }

    /// AWS's wording for missing fields, then what they are for.
    fn missing(&mut self, pointer: &str, fields: &[&str], help: &str) {
        if !fields.is_empty() {
            self.push(
                codes::MISSING_FIELD,
                pointer,
                format!("These fields are required: [{}]{help}", fields.join(", ")),
            );
        }
    }

    fn object<'v>(
        &mut self,
        value: &'v Value,
        pointer: &str,
        what: &str,
    ) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            other => {
                let message = if pointer.is_empty() {
                    format!(
                        "Definition must be a valid JSON object, not {}: {{\"StartAt\": ..., \"States\": {{...}}}}",
                        type_name(other)
                    )
                } else {
                    format!("{what} must be a JSON object, not {}", type_name(other))
                };
                self.push(codes::NOT_AN_OBJECT, pointer, message);
                None
            }
        }
    }

    fn unknown_field(&mut self, pointer: &str, key: &str, allowed: &[&[&str]], context: &str) {
        let candidates = allowed.iter().flat_map(|a| a.iter().copied());
        let hint = crate::suggest::hint(key, candidates);
        self.push(
            codes::UNKNOWN_FIELD,
            &push_pointer(pointer, key),
            format!("Field '{key}' is not supported {context}{hint}"),
        );
    }

    fn string(&mut self, value: &Value, pointer: &str, field: &str) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            other => {
                self.push(
                    codes::WRONG_TYPE,
                    pointer,
                    format!("'{field}' must be a string, not {}", type_name(other)),
                );
                None
            }
        }
    }

    fn boolean(&mut self, value: &Value, pointer: &str, field: &str) -> Option<bool> {
        match value {
            Value::Bool(b) => Some(*b),
            other => {
                self.push(
                    codes::WRONG_TYPE,
                    pointer,
                    format!("'{field}' must be a boolean, not {}", type_name(other)),
                );
                None
            }
        }
    }

    fn integer(&mut self, value: &Value, pointer: &str, field: &str) -> Option<i64> {
        match value {
            Value::Number(n) => match n.as_i64() {
                Some(i) => Some(i),
                None => {
                    self.push(
                        codes::WRONG_TYPE,
                        pointer,
                        format!("'{field}' must be an integer, not {n}"),
                    );
                    None
                }
            },
            other => {
                self.push(
                    codes::WRONG_TYPE,
                    pointer,
                    format!("'{field}' must be an integer, not {}", type_name(other)),
                );
                None
            }
        }
    }

    fn number(&mut self, value: &Value, pointer: &str, field: &str) -> Option<Number> {
        match value {
            Value::Number(n) => Some(n.clone()),
            other => {
                self.push(
                    codes::WRONG_TYPE,
                    pointer,
                    format!("'{field}' must be a number, not {}", type_name(other)),
                );
                None
            }
        }
    }

    /// An integer, or a JSONata expression string.
    fn int_expr(&mut self, value: &Value, pointer: &str, field: &str) -> Option<Expr<i64>> {
        if let Value::String(s) = value {
            return Some(Expr::Jsonata(s.clone()));
        }
        self.integer(value, pointer, field).map(Expr::Literal)
    }

    fn number_expr(&mut self, value: &Value, pointer: &str, field: &str) -> Option<Expr<Number>> {
        if let Value::String(s) = value {
            return Some(Expr::Jsonata(s.clone()));
        }
        self.number(value, pointer, field).map(Expr::Literal)
    }

    fn path_field(&mut self, value: &Value, pointer: &str, field: &str) -> Option<PathField> {
        match value {
            Value::Null => Some(PathField::Null),
            Value::String(s) => Some(PathField::Path(s.clone())),
            other => {
                self.push(
                    codes::WRONG_TYPE,
                    pointer,
                    format!(
                        "'{field}' must be a path string or null, not {}",
                        type_name(other)
                    ),
                );
                None
            }
        }
    }

    fn query_language(&mut self, value: &Value, pointer: &str) -> Option<QueryLanguage> {
        match value.as_str() {
            Some("JSONPath") => Some(QueryLanguage::JsonPath),
            Some("JSONata") => Some(QueryLanguage::Jsonata),
            _ => {
                self.push(
                    codes::INVALID_VALUE,
                    pointer,
                    format!("'QueryLanguage' must be \"JSONPath\" or \"JSONata\", not {value}"),
                );
                None
            }
        }
    }

    fn error_equals(&mut self, value: &Value, pointer: &str) -> Vec<String> {
        let Value::Array(items) = value else {
            self.push(
                codes::WRONG_TYPE,
                pointer,
                format!(
                    "'ErrorEquals' must be an array of strings, not {}",
                    type_name(value)
                ),
            );
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if let Some(s) =
                self.string(item, &push_pointer(pointer, &i.to_string()), "ErrorEquals")
            {
                out.push(s);
            }
        }
        out
    }

    fn machine(&mut self, value: &Value) -> StateMachine {
        let mut machine = StateMachine::default();
        let Some(map) = self.object(value, "", "A state machine definition") else {
            return machine;
        };
        let mut missing = Vec::new();
        if !map.contains_key("States") {
            missing.push("States");
        }
        if !map.contains_key("StartAt") {
            missing.push("StartAt");
        }
        self.missing(
            "",
            &missing,
            ": a state machine names its states in 'States' and the first one to run in 'StartAt'",
        );
        for (key, v) in map {
            let pointer = push_pointer("", key);
            let Some(name) = known(key, MACHINE_FIELDS) else {
                self.unknown_field(
                    "",
                    key,
                    &[MACHINE_FIELDS],
                    "at the top level of a state machine",
                );
                continue;
            };
            machine.key_order.push(name);
            match name {
                "Comment" => machine.comment = self.string(v, &pointer, key),
                "StartAt" => machine.start_at = self.string(v, &pointer, key).unwrap_or_default(),
                "States" => machine.states = self.states(v, &pointer),
                "Version" => machine.version = self.string(v, &pointer, key),
                "TimeoutSeconds" => machine.timeout_seconds = self.integer(v, &pointer, key),
                "QueryLanguage" => machine.query_language = self.query_language(v, &pointer),
                _ => unreachable!("every known field is handled"),
            }
        }
        machine
    }

    fn branch(&mut self, value: &Value, pointer: &str, what: &str) -> Branch {
        let mut branch = Branch::default();
        let Some(map) = self.object(value, pointer, what) else {
            return branch;
        };
        let missing: Vec<&str> = ["States", "StartAt"]
            .into_iter()
            .filter(|f| !map.contains_key(*f))
            .collect();
        self.missing(
            pointer,
            &missing,
            &format!(" in {what}, which is a state machine of its own ('StartAt' and 'States')"),
        );
        for (key, v) in map {
            let field_pointer = push_pointer(pointer, key);
            let Some(name) = known(key, BRANCH_FIELDS) else {
                self.unknown_field(pointer, key, &[BRANCH_FIELDS], &format!("in {what}"));
                continue;
            };
            branch.key_order.push(name);
            match name {
                "Comment" => branch.comment = self.string(v, &field_pointer, key),
                "StartAt" => {
                    branch.start_at = self.string(v, &field_pointer, key).unwrap_or_default()
                }
                "States" => branch.states = self.states(v, &field_pointer),
                "ProcessorConfig" => branch.processor_config = Some(v.clone()),
                _ => unreachable!("every known field is handled"),
            }
        }
        branch
    }

    fn states(&mut self, value: &Value, pointer: &str) -> States {
        let mut states = States::new();
        let Some(map) = self.object(value, pointer, "'States'") else {
            return states;
        };
        for (name, v) in map {
            let state_pointer = push_pointer(pointer, name);
            if let Some(state) = self.state(v, &state_pointer) {
                states.insert(name.clone(), state);
            }
        }
        states
    }

    fn state(&mut self, value: &Value, pointer: &str) -> Option<State> {
        let map = self.object(value, pointer, "A state")?;
        let type_name = match map.get("Type") {
            None => {
                self.missing(
                    pointer,
                    &["Type"],
                    ": every state needs a 'Type': Pass, Task, Choice, Wait, Succeed, Fail, Parallel or Map",
                );
                return None;
            }
            Some(Value::String(t)) if STATE_TYPES.contains(&t.as_str()) => t.as_str(),
            Some(other) => {
                let hint = other
                    .as_str()
                    .and_then(|t| crate::suggest::closest(t, STATE_TYPES.iter().copied()))
                    .map(|s| format!(" (did you mean '{s}'?)"))
                    .unwrap_or_default();
                self.push(
                    codes::UNKNOWN_STATE_TYPE,
                    &push_pointer(pointer, "Type"),
                    format!(
                        "'Type' must be one of Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map; found {other}{hint}"
                    ),
                );
                return None;
            }
        };
        let specific: &[&'static str] = match type_name {
            "Pass" => PASS_FIELDS,
            "Task" => TASK_FIELDS,
            "Choice" => CHOICE_FIELDS,
            "Wait" => WAIT_FIELDS,
            "Fail" => FAIL_FIELDS,
            "Parallel" => PARALLEL_FIELDS,
            "Map" => MAP_FIELDS,
            _ => &[],
        };
        let mut kind = match type_name {
            "Pass" => StateKind::Pass(Pass::default()),
            "Task" => StateKind::Task(Box::default()),
            "Choice" => StateKind::Choice(Choice::default()),
            "Wait" => StateKind::Wait(Wait::default()),
            "Succeed" => StateKind::Succeed,
            "Fail" => StateKind::Fail(Fail::default()),
            "Parallel" => StateKind::Parallel(Parallel::default()),
            _ => StateKind::Map(Box::default()),
        };
        let mut state = State::new(StateKind::Succeed);
        for (key, v) in map {
            let fp = push_pointer(pointer, key);
            if let Some(name) = known(key, COMMON_FIELDS) {
                state.key_order.push(name);
                self.common_field(&mut state, name, v, &fp);
                continue;
            }
            if type_name == "Map" && key == "Iterator" && map.contains_key("ItemProcessor") {
                // Reported below; 'ItemProcessor' wins.
                continue;
            }
            let Some(name) = known(key, specific) else {
                self.unknown_field(
                    pointer,
                    key,
                    &[COMMON_FIELDS, specific],
                    &format!("by {type_name} states"),
                );
                continue;
            };
            state.key_order.push(name);
            self.specific_field(&mut kind, name, v, &fp);
        }
        match &kind {
            StateKind::Task(_) if !map.contains_key("Resource") => self.missing(
                pointer,
                &["Resource"],
                ": a Task state names what it runs in 'Resource' (a Lambda function, activity or service integration ARN)",
            ),
            StateKind::Choice(_) if !map.contains_key("Choices") => self.missing(
                pointer,
                &["Choices"],
                ": a Choice state needs a non-empty array of rules in 'Choices'",
            ),
            StateKind::Parallel(_) if !map.contains_key("Branches") => self.missing(
                pointer,
                &["Branches"],
                ": a Parallel state runs the state machines listed in 'Branches'",
            ),
            StateKind::Map(_)
                if !map.contains_key("ItemProcessor") && !map.contains_key("Iterator") =>
            {
                self.missing(
                    pointer,
                    &["ItemProcessor"],
                    ": a Map state runs the state machine in 'ItemProcessor' for each item",
                )
            }
            StateKind::Map(_) if map.contains_key("ItemProcessor") && map.contains_key("Iterator") => {
                self.warn(
                    codes::INVALID_PROCESSOR,
                    &push_pointer(pointer, "Iterator"),
                    "A Map state has both 'ItemProcessor' and 'Iterator', its deprecated name: only 'ItemProcessor' is used. Remove 'Iterator'".to_string(),
                )
            }
            _ => {}
        }
        state.kind = kind;
        Some(state)
    }

    fn common_field(&mut self, state: &mut State, name: &str, v: &Value, fp: &str) {
        match name {
            "Type" => {}
            "Comment" => state.comment = self.string(v, fp, name),
            "QueryLanguage" => state.query_language = self.query_language(v, fp),
            "InputPath" => state.input_path = self.path_field(v, fp, name),
            "OutputPath" => state.output_path = self.path_field(v, fp, name),
            "ResultPath" => state.result_path = self.path_field(v, fp, name),
            "Parameters" => state.parameters = Some(v.clone()),
            "ResultSelector" => state.result_selector = Some(v.clone()),
            "Assign" => state.assign = Some(v.clone()),
            "Arguments" => state.arguments = Some(v.clone()),
            "Output" => state.output = Some(v.clone()),
            "Next" => state.next = self.string(v, fp, name),
            "End" => state.end = self.boolean(v, fp, name),
            "Retry" => state.retry = self.retriers(v, fp),
            "Catch" => state.catch = self.catchers(v, fp),
            _ => unreachable!("every common field is handled"),
        }
    }

    fn specific_field(&mut self, kind: &mut StateKind, name: &str, v: &Value, fp: &str) {
        match kind {
            StateKind::Pass(pass) => pass.result = Some(v.clone()),
            StateKind::Task(task) => match name {
                "Resource" => task.resource = self.string(v, fp, name).unwrap_or_default(),
                "TimeoutSeconds" => task.timeout_seconds = self.int_expr(v, fp, name),
                "TimeoutSecondsPath" => task.timeout_seconds_path = self.string(v, fp, name),
                "HeartbeatSeconds" => task.heartbeat_seconds = self.int_expr(v, fp, name),
                "HeartbeatSecondsPath" => task.heartbeat_seconds_path = self.string(v, fp, name),
                _ => task.credentials = Some(v.clone()),
            },
            StateKind::Choice(choice) => match name {
                "Choices" => choice.choices = self.choice_rules(v, fp),
                _ => choice.default = self.string(v, fp, name),
            },
            StateKind::Wait(wait) => match name {
                "Seconds" => wait.seconds = self.int_expr(v, fp, name),
                "Timestamp" => wait.timestamp = self.string(v, fp, name),
                "SecondsPath" => wait.seconds_path = self.string(v, fp, name),
                _ => wait.timestamp_path = self.string(v, fp, name),
            },
            StateKind::Fail(fail) => match name {
                "Error" => fail.error = self.string(v, fp, name),
                "Cause" => fail.cause = self.string(v, fp, name),
                "ErrorPath" => fail.error_path = self.string(v, fp, name),
                _ => fail.cause_path = self.string(v, fp, name),
            },
            StateKind::Parallel(parallel) => {
                let Value::Array(items) = v else {
                    self.push(
                        codes::WRONG_TYPE,
                        fp,
                        format!("'Branches' must be an array, not {}", type_name(v)),
                    );
                    return;
                };
                parallel.branches = items
                    .iter()
                    .enumerate()
                    .map(|(i, b)| {
                        self.branch(b, &push_pointer(fp, &i.to_string()), "a Parallel branch")
                    })
                    .collect();
            }
            StateKind::Map(map) => match name {
                "ItemProcessor" | "Iterator" => {
                    map.legacy_iterator = name == "Iterator";
                    map.item_processor = self.branch(v, fp, &format!("a Map state's '{name}'"));
                }
                "ItemsPath" => map.items_path = self.string(v, fp, name),
                "Items" => map.items = Some(v.clone()),
                "ItemSelector" => map.item_selector = Some(v.clone()),
                "MaxConcurrency" => map.max_concurrency = self.int_expr(v, fp, name),
                "MaxConcurrencyPath" => map.max_concurrency_path = self.string(v, fp, name),
                "ToleratedFailureCount" => map.tolerated_failure_count = self.int_expr(v, fp, name),
                "ToleratedFailureCountPath" => {
                    map.tolerated_failure_count_path = self.string(v, fp, name)
                }
                "ToleratedFailurePercentage" => {
                    map.tolerated_failure_percentage = self.number_expr(v, fp, name)
                }
                "ToleratedFailurePercentagePath" => {
                    map.tolerated_failure_percentage_path = self.string(v, fp, name)
                }
                "ItemReader" => map.item_reader = Some(v.clone()),
                "ItemBatcher" => map.item_batcher = Some(v.clone()),
                "ResultWriter" => map.result_writer = Some(v.clone()),
                _ => map.label = self.string(v, fp, name),
            },
            StateKind::Succeed => {}
        }
    }

    fn retriers(&mut self, value: &Value, pointer: &str) -> Option<Vec<Retrier>> {
        let Value::Array(items) = value else {
            self.push(
                codes::WRONG_TYPE,
                pointer,
                format!("'Retry' must be an array, not {}", type_name(value)),
            );
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let rp = push_pointer(pointer, &i.to_string());
            let Some(map) = self.object(item, &rp, "A retrier") else {
                continue;
            };
            let mut r = Retrier::default();
            if !map.contains_key("ErrorEquals") {
                self.missing(
                    &rp,
                    &["ErrorEquals"],
                    ": a retrier lists the errors it retries in 'ErrorEquals'",
                );
            }
            for (key, v) in map {
                let fp = push_pointer(&rp, key);
                let Some(name) = known(key, RETRIER_FIELDS) else {
                    self.unknown_field(&rp, key, &[RETRIER_FIELDS], "in a retrier");
                    continue;
                };
                r.key_order.push(name);
                match name {
                    "ErrorEquals" => r.error_equals = self.error_equals(v, &fp),
                    "IntervalSeconds" => r.interval_seconds = self.integer(v, &fp, name),
                    "MaxAttempts" => r.max_attempts = self.integer(v, &fp, name),
                    "BackoffRate" => r.backoff_rate = self.number(v, &fp, name),
                    "MaxDelaySeconds" => r.max_delay_seconds = self.integer(v, &fp, name),
                    "JitterStrategy" => r.jitter_strategy = self.string(v, &fp, name),
                    _ => r.comment = self.string(v, &fp, name),
                }
            }
            out.push(r);
        }
        Some(out)
    }

    fn catchers(&mut self, value: &Value, pointer: &str) -> Option<Vec<Catcher>> {
        let Value::Array(items) = value else {
            self.push(
                codes::WRONG_TYPE,
                pointer,
                format!("'Catch' must be an array, not {}", type_name(value)),
            );
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let cp = push_pointer(pointer, &i.to_string());
            let Some(map) = self.object(item, &cp, "A catcher") else {
                continue;
            };
            let mut c = Catcher::default();
            let missing: Vec<&str> = ["ErrorEquals", "Next"]
                .into_iter()
                .filter(|f| !map.contains_key(*f))
                .collect();
            self.missing(
                &cp,
                &missing,
                ": a catcher lists the errors it catches in 'ErrorEquals' and the state to go to in 'Next'",
            );
            for (key, v) in map {
                let fp = push_pointer(&cp, key);
                let Some(name) = known(key, CATCHER_FIELDS) else {
                    self.unknown_field(&cp, key, &[CATCHER_FIELDS], "in a catcher");
                    continue;
                };
                c.key_order.push(name);
                match name {
                    "ErrorEquals" => c.error_equals = self.error_equals(v, &fp),
                    "Next" => c.next = self.string(v, &fp, name).unwrap_or_default(),
                    "ResultPath" => c.result_path = self.path_field(v, &fp, name),
                    "Assign" => c.assign = Some(v.clone()),
                    "Output" => c.output = Some(v.clone()),
                    _ => c.comment = self.string(v, &fp, name),
                }
            }
            out.push(c);
        }
        Some(out)
    }

    fn choice_rules(&mut self, value: &Value, pointer: &str) -> Vec<ChoiceRule> {
        let Value::Array(items) = value else {
            self.push(
                codes::WRONG_TYPE,
                pointer,
                format!("'Choices' must be an array, not {}", type_name(value)),
            );
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let rp = push_pointer(pointer, &i.to_string());
            let Some(map) = self.object(item, &rp, "A Choice rule") else {
                continue;
            };
            let mut rule = ChoiceRule::default();
            for (key, v) in map {
                let fp = push_pointer(&rp, key);
                rule.key_order.push(key.clone());
                match key.as_str() {
                    "Next" => rule.next = self.string(v, &fp, key),
                    "Assign" => rule.assign = Some(v.clone()),
                    "Output" => rule.output = Some(v.clone()),
                    "Comment" => rule.comment = self.string(v, &fp, key),
                    _ => {
                        rule.condition.insert(key.clone(), v.clone());
                    }
                }
            }
            out.push(rule);
        }
        out
    }
}

/// "a string", "an array", ... for messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
