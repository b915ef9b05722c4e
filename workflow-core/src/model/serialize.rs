//! From the model back to ASL JSON, in the field order the definition was written in.

use serde_json::{Map, Value};

use super::*;

/// Fields in the order given by `order` first (the order they were parsed in), then any other
/// present field in canonical order.
fn ordered<K: AsRef<str>>(fields: Vec<(&str, Value)>, order: &[K]) -> Value {
    let mut out = Map::with_capacity(fields.len());
    let mut fields: Vec<Option<(&str, Value)>> = fields.into_iter().map(Some).collect();
    for key in order {
        if let Some(slot) = fields
            .iter_mut()
            .find(|f| f.as_ref().is_some_and(|(k, _)| *k == key.as_ref()))
            && let Some((k, v)) = slot.take()
        {
            out.insert(k.to_string(), v);
        }
    }
    for (k, v) in fields.into_iter().flatten() {
        out.insert(k.to_string(), v);
    }
    Value::Object(out)
}

fn push_opt(fields: &mut Vec<(&'static str, Value)>, key: &'static str, value: Option<Value>) {
    if let Some(v) = value {
        fields.push((key, v));
    }
}

fn string(s: &Option<String>) -> Option<Value> {
    s.as_ref().map(|s| Value::String(s.clone()))
}

fn path_field(p: &Option<PathField>) -> Option<Value> {
    p.as_ref().map(|p| match p {
        PathField::Null => Value::Null,
        PathField::Path(s) => Value::String(s.clone()),
    })
}

fn int_expr(e: &Option<Expr<i64>>) -> Option<Value> {
    e.as_ref().map(|e| match e {
        Expr::Literal(i) => Value::from(*i),
        Expr::Jsonata(s) => Value::String(s.clone()),
    })
}

fn states(states: &States) -> Value {
    let mut map = Map::with_capacity(states.len());
    for (name, state) in states {
        map.insert(name.clone(), self::state(state));
    }
    Value::Object(map)
}

pub(super) fn machine(m: &StateMachine) -> Value {
    let mut fields = Vec::new();
    push_opt(&mut fields, "Comment", string(&m.comment));
    push_opt(
        &mut fields,
        "QueryLanguage",
        m.query_language.map(|q| Value::String(q.as_str().into())),
    );
    fields.push(("StartAt", Value::String(m.start_at.clone())));
    push_opt(&mut fields, "Version", string(&m.version));
    push_opt(
        &mut fields,
        "TimeoutSeconds",
        m.timeout_seconds.map(Value::from),
    );
    fields.push(("States", states(&m.states)));
    ordered(fields, &m.key_order)
}

pub(super) fn branch(b: &Branch) -> Value {
    let mut fields = Vec::new();
    push_opt(&mut fields, "Comment", string(&b.comment));
    push_opt(&mut fields, "ProcessorConfig", b.processor_config.clone());
    fields.push(("StartAt", Value::String(b.start_at.clone())));
    fields.push(("States", states(&b.states)));
    ordered(fields, &b.key_order)
}

fn retrier(r: &Retrier) -> Value {
    let mut fields = vec![(
        "ErrorEquals",
        Value::Array(r.error_equals.iter().cloned().map(Value::String).collect()),
    )];
    push_opt(
        &mut fields,
        "IntervalSeconds",
        r.interval_seconds.map(Value::from),
    );
    push_opt(&mut fields, "MaxAttempts", r.max_attempts.map(Value::from));
    push_opt(
        &mut fields,
        "BackoffRate",
        r.backoff_rate.clone().map(Value::Number),
    );
    push_opt(
        &mut fields,
        "MaxDelaySeconds",
        r.max_delay_seconds.map(Value::from),
    );
    push_opt(&mut fields, "JitterStrategy", string(&r.jitter_strategy));
    push_opt(&mut fields, "Comment", string(&r.comment));
    ordered(fields, &r.key_order)
}

fn catcher(c: &Catcher) -> Value {
    let mut fields = vec![(
        "ErrorEquals",
        Value::Array(c.error_equals.iter().cloned().map(Value::String).collect()),
    )];
    push_opt(&mut fields, "ResultPath", path_field(&c.result_path));
    push_opt(&mut fields, "Assign", c.assign.clone());
    push_opt(&mut fields, "Output", c.output.clone());
    fields.push(("Next", Value::String(c.next.clone())));
    push_opt(&mut fields, "Comment", string(&c.comment));
    ordered(fields, &c.key_order)
}

fn choice_rule(rule: &ChoiceRule) -> Value {
    let mut fields: Vec<(&str, Value)> = rule
        .condition
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let others = [
        ("Assign", rule.assign.clone()),
        ("Output", rule.output.clone()),
        ("Next", rule.next.clone().map(Value::String)),
        ("Comment", rule.comment.clone().map(Value::String)),
    ];
    fields.extend(others.into_iter().filter_map(|(k, v)| Some((k, v?))));
    ordered(fields, &rule.key_order)
}

pub(super) fn state(s: &State) -> Value {
    let mut f: Vec<(&'static str, Value)> = vec![("Type", Value::String(s.type_name().into()))];
    push_opt(&mut f, "Comment", string(&s.comment));
    push_opt(
        &mut f,
        "QueryLanguage",
        s.query_language.map(|q| Value::String(q.as_str().into())),
    );
    push_opt(&mut f, "InputPath", path_field(&s.input_path));
    match &s.kind {
        StateKind::Pass(p) => push_opt(&mut f, "Result", p.result.clone()),
        StateKind::Task(t) => {
            f.push(("Resource", Value::String(t.resource.clone())));
            push_opt(&mut f, "Credentials", t.credentials.clone());
            push_opt(&mut f, "TimeoutSeconds", int_expr(&t.timeout_seconds));
            push_opt(
                &mut f,
                "TimeoutSecondsPath",
                string(&t.timeout_seconds_path),
            );
            push_opt(&mut f, "HeartbeatSeconds", int_expr(&t.heartbeat_seconds));
            push_opt(
                &mut f,
                "HeartbeatSecondsPath",
                string(&t.heartbeat_seconds_path),
            );
        }
        StateKind::Choice(c) => {
            f.push((
                "Choices",
                Value::Array(c.choices.iter().map(choice_rule).collect()),
            ));
            push_opt(&mut f, "Default", string(&c.default));
        }
        StateKind::Wait(w) => {
            push_opt(&mut f, "Seconds", int_expr(&w.seconds));
            push_opt(&mut f, "Timestamp", string(&w.timestamp));
            push_opt(&mut f, "SecondsPath", string(&w.seconds_path));
            push_opt(&mut f, "TimestampPath", string(&w.timestamp_path));
        }
        StateKind::Succeed => {}
        StateKind::Fail(x) => {
            push_opt(&mut f, "Error", string(&x.error));
            push_opt(&mut f, "ErrorPath", string(&x.error_path));
            push_opt(&mut f, "Cause", string(&x.cause));
            push_opt(&mut f, "CausePath", string(&x.cause_path));
        }
        StateKind::Parallel(p) => {
            f.push((
                "Branches",
                Value::Array(p.branches.iter().map(branch).collect()),
            ));
        }
        StateKind::Map(m) => {
            push_opt(&mut f, "ItemsPath", string(&m.items_path));
            push_opt(&mut f, "Items", m.items.clone());
            push_opt(&mut f, "ItemReader", m.item_reader.clone());
            push_opt(&mut f, "ItemSelector", m.item_selector.clone());
            push_opt(&mut f, "ItemBatcher", m.item_batcher.clone());
            push_opt(&mut f, "MaxConcurrency", int_expr(&m.max_concurrency));
            push_opt(
                &mut f,
                "MaxConcurrencyPath",
                string(&m.max_concurrency_path),
            );
            push_opt(
                &mut f,
                "ToleratedFailureCount",
                int_expr(&m.tolerated_failure_count),
            );
            push_opt(
                &mut f,
                "ToleratedFailureCountPath",
                string(&m.tolerated_failure_count_path),
            );
            push_opt(
                &mut f,
                "ToleratedFailurePercentage",
                m.tolerated_failure_percentage.as_ref().map(|e| match e {
                    Expr::Literal(n) => Value::Number(n.clone()),
                    Expr::Jsonata(s) => Value::String(s.clone()),
                }),
            );
            push_opt(
                &mut f,
                "ToleratedFailurePercentagePath",
                string(&m.tolerated_failure_percentage_path),
            );
            push_opt(&mut f, "Label", string(&m.label));
            f.push((m.processor_field(), branch(&m.item_processor)));
            push_opt(&mut f, "ResultWriter", m.result_writer.clone());
        }
    }
    push_opt(&mut f, "Parameters", s.parameters.clone());
    push_opt(&mut f, "Arguments", s.arguments.clone());
    push_opt(&mut f, "ResultSelector", s.result_selector.clone());
    push_opt(&mut f, "ResultPath", path_field(&s.result_path));
    push_opt(&mut f, "OutputPath", path_field(&s.output_path));
    push_opt(&mut f, "Output", s.output.clone());
    push_opt(&mut f, "Assign", s.assign.clone());
    if let Some(r) = &s.retry {
        f.push(("Retry", Value::Array(r.iter().map(retrier).collect())));
    }
    if let Some(c) = &s.catch {
        f.push(("Catch", Value::Array(c.iter().map(catcher).collect())));
    }
    push_opt(&mut f, "Next", string(&s.next));
    push_opt(&mut f, "End", s.end.map(Value::Bool));
    ordered(f, &s.key_order)
}
