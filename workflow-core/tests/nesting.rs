//! No recursion follows the depth of user input without a bound (see `workflow_core::nesting`):
//! paths, payload templates, intrinsic calls, Choice rules, nested scopes and JSON values that
//! nest past the bounds are refused by the validator, or fail the state that builds them, and
//! none of it exhausts a stack.
//!
//! Tests that would overflow a stack without the bounds run on a thread with a small one:
//! 256 KiB where the work is a refusal, 2 MiB (a tokio worker's) where a value at the bound is
//! processed in full.

use serde_json::{Map, Value, json};
use workflow_core::definition::Definition;
use workflow_core::diagnostic::{Diagnostic, codes};
use workflow_core::entropy::SplitMix64;
use workflow_core::execution::{
    Command, Event, Execution, ExecutionConfig, ExecutionStatus, StartError,
};
use workflow_core::history::EventType;
use workflow_core::model::{ChoiceRule, Parallel, Pass, State, StateKind, StateMachine};
use workflow_core::nesting::{MAX_JSON_DEPTH, MAX_SCOPE_DEPTH, drop_deep, json_depth};
use workflow_core::plan::CompileOptions;

const SMALL_STACK: usize = 256 * 1024;
const WORKER_STACK: usize = 2 * 1024 * 1024;

/// Runs `f` on a thread with a stack of `bytes`.
fn on_stack<T: Send + 'static>(bytes: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(bytes)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// `{"a": {"a": ... leaf ...}}`, `levels` objects deep, built without recursion (`json!` would
/// copy the value through a recursive serialization).
fn nested(levels: usize, key: &str, leaf: Value) -> Value {
    let mut v = leaf;
    for _ in 0..levels {
        let mut map = Map::new();
        map.insert(key.to_string(), v);
        v = Value::Object(map);
    }
    v
}

fn problems(text: &str) -> Vec<Diagnostic> {
    Definition::from_json_str(text, &CompileOptions::default())
        .err()
        .map(|d| d.0)
        .unwrap_or_default()
}

/// The problems of a machine built in code, which must be refused.
fn refused(machine: StateMachine) -> Vec<Diagnostic> {
    match Definition::from_machine(machine, &CompileOptions::default()) {
        Ok(_) => panic!("the machine was accepted"),
        Err(problems) => problems.0,
    }
}

fn one_pass(fields: Value) -> String {
    let mut state = json!({"Type": "Pass", "End": true});
    for (k, v) in fields.as_object().unwrap() {
        state[k] = v.clone();
    }
    json!({"StartAt": "P", "States": {"P": state}}).to_string()
}

/// Runs a definition that needs no task to its end.
fn run(text: &str, input: Value) -> Execution {
    let definition = Definition::from_json_str(text, &CompileOptions::default()).unwrap();
    let config = ExecutionConfig {
        history_limit: None,
        ..ExecutionConfig::default()
    };
    let (mut execution, _) = Execution::start(
        definition.plan().unwrap(),
        &config,
        input,
        0,
        &mut SplitMix64(1),
    )
    .unwrap();
    while execution.has_pending_work() {
        execution.handle(Event::Continue, 0, &mut SplitMix64(1));
    }
    execution
}

fn failure(execution: &Execution) -> (String, String) {
    let f = execution.status().failure().expect("the execution failed");
    (f.error.clone().unwrap(), f.cause.clone().unwrap())
}

#[test]
fn a_ten_thousand_step_result_path_is_refused_at_its_pointer() {
    let path = format!("${}", ".a".repeat(10_000));
    let found = on_stack(SMALL_STACK, move || {
        problems(&one_pass(json!({ "ResultPath": path })))
    });
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].code, codes::INVALID_PATH);
    assert_eq!(found[0].pointer, "/States/P/ResultPath");
    assert!(
        found[0].message.contains("at most 127 levels deep"),
        "{}",
        found[0].message
    );
    // Every path is bounded the same way, wherever it is written.
    let deep = format!("${}", ".a".repeat(MAX_JSON_DEPTH + 1));
    for (fields, pointer) in [
        (json!({ "InputPath": deep }), "/States/P/InputPath"),
        (
            json!({"Parameters": {"x.$": deep}}),
            "/States/P/Parameters/x.$",
        ),
        (
            json!({"Parameters": {"x.$": format!("States.Array({deep})")}}),
            "/States/P/Parameters/x.$",
        ),
    ] {
        let found = problems(&one_pass(fields));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].pointer, pointer);
        assert!(found[0].message.contains("at most 127 levels deep"));
    }
}

/// The deepest ResultPath there is writes a value as deep as a value may be: on a tokio
/// worker's stack, the write, the history and the drop of it all keep within the stack.
#[test]
fn the_deepest_result_path_runs() {
    let path = format!("${}", ".a".repeat(MAX_JSON_DEPTH));
    let execution = on_stack(WORKER_STACK, move || {
        run(
            &one_pass(json!({"Result": 1, "ResultPath": path})),
            json!({}),
        )
    });
    let output = execution.status().output().expect("it succeeded");
    assert_eq!(json_depth(output), MAX_JSON_DEPTH);
    // One more level below it is too deep for the result of a state.
    let path = format!("${}", ".a".repeat(MAX_JSON_DEPTH));
    let execution = on_stack(WORKER_STACK, move || {
        run(
            &one_pass(json!({"Result": [], "ResultPath": path})),
            json!({}),
        )
    });
    assert_eq!(
        failure(&execution),
        (
            "States.DataLimitExceeded".to_string(),
            "The state/task 'P' returned a result nested deeper than the maximum of 127 levels."
                .to_string()
        )
    );
}

/// `And` and `Or` nested as deep as a definition's text can hold them compile and run; deeper
/// ones built in code are refused with `nesting-too-deep` at the rule, without recursing.
#[test]
fn deep_and_or_nesting() {
    // Each level is an object and the array holding it.
    let levels = (MAX_JSON_DEPTH - 6) / 2;
    let mut rule = json!({"Variable": "$.x", "NumericEquals": 1});
    for i in 0..levels {
        let mut combined = Map::new();
        let operator = if i % 2 == 0 { "And" } else { "Or" };
        combined.insert(operator.into(), Value::Array(vec![rule]));
        rule = Value::Object(combined);
    }
    let mut top = rule.as_object().unwrap().clone();
    top.insert("Next".into(), json!("Yes"));
    let text = json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [top], "Default": "No"},
        "Yes": {"Type": "Succeed"}, "No": {"Type": "Fail", "Error": "No"}}})
    .to_string();
    let execution = on_stack(WORKER_STACK, move || run(&text, json!({"x": 1})));
    assert!(matches!(execution.status(), ExecutionStatus::Succeeded(_)));

    // Built in code, 10,000 levels deep.
    let verdict = on_stack(SMALL_STACK, || {
        let mut condition = json!({"Variable": "$.x", "IsPresent": true});
        for _ in 0..10_000 {
            let mut and = Map::new();
            and.insert("And".into(), Value::Array(vec![condition]));
            condition = Value::Object(and);
        }
        let Value::Object(condition) = condition else {
            unreachable!()
        };
        let mut machine = StateMachine {
            start_at: "C".into(),
            ..StateMachine::default()
        };
        machine.states.insert(
            "C".into(),
            State::new(StateKind::Choice(workflow_core::model::Choice {
                choices: vec![ChoiceRule {
                    condition,
                    next: Some("Done".into()),
                    ..ChoiceRule::default()
                }],
                default: None,
            })),
        );
        machine
            .states
            .insert("Done".into(), State::new(StateKind::Succeed));
        refused(machine)
    });
    assert_eq!(verdict.len(), 1, "{verdict:?}");
    assert_eq!(verdict[0].code, codes::NESTING_TOO_DEEP);
    assert_eq!(verdict[0].pointer, "/States/C/Choices/0/And");
}

#[test]
fn deep_parameters_templates() {
    // In JSON text, a template cannot nest past the bound: the text is not JSON.
    let template = nested(MAX_JSON_DEPTH, "a", json!({"x.$": "$"}));
    let found = problems(&one_pass(json!({ "Parameters": template })));
    assert_eq!(found[0].code, codes::INVALID_JSON);
    assert!(
        found[0]
            .message
            .contains("nests deeper than 127 levels, the most a JSON value may nest"),
        "{}",
        found[0].message
    );
    // Built in code: refused at its pointer.
    let found = on_stack(SMALL_STACK, || {
        let mut state = State::new(StateKind::Pass(Pass::default()));
        state.parameters = Some(nested(10_000, "a", json!({"x.$": "$"})));
        state.end = Some(true);
        let mut machine = StateMachine {
            start_at: "P".into(),
            ..StateMachine::default()
        };
        machine.states.insert("P".into(), state);
        refused(machine)
    });
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].code, codes::NESTING_TOO_DEEP);
    assert_eq!(found[0].pointer, "/States/P/Parameters");
    // At run time, a template places its input some levels down: 101 levels of template around
    // an input 30 deep is too deep a result; around one a level deep it is not.
    let text = one_pass(json!({ "Parameters": nested(100, "t", json!({"x.$": "$"})) }));
    let (deep_input, shallow_input) = (nested(30, "i", json!(1)), json!([]));
    let text2 = text.clone();
    let failed = on_stack(WORKER_STACK, move || run(&text, deep_input));
    assert_eq!(failure(&failed).0, "States.DataLimitExceeded");
    let succeeded = on_stack(WORKER_STACK, move || run(&text2, shallow_input));
    assert_eq!(json_depth(succeeded.status().output().unwrap()), 102);
}

#[test]
fn deep_intrinsic_nesting() {
    let call = format!("{}1{}", "States.Array(".repeat(10_000), ")".repeat(10_000));
    let found = on_stack(SMALL_STACK, move || {
        problems(&one_pass(json!({"Parameters": {"x.$": call}})))
    });
    assert_eq!(found[0].code, codes::INVALID_INTRINSIC);
    assert!(
        found[0]
            .message
            .contains("at most 10 intrinsic function calls")
    );
    // Ten, the most a field may hold, run.
    let call = format!("{}1{}", "States.Array(".repeat(10), ")".repeat(10));
    let execution = run(&one_pass(json!({"Parameters": {"x.$": call}})), json!({}));
    assert_eq!(json_depth(execution.status().output().unwrap()), 11);
}

#[test]
fn deep_inputs_are_refused_and_the_deepest_runs() {
    let definition =
        Definition::from_json_str(&one_pass(json!({})), &CompileOptions::default()).unwrap();
    let plan = definition.plan().unwrap();
    let plan2 = plan.clone();
    let refused = on_stack(SMALL_STACK, move || {
        let input = nested(10_000, "a", json!(1));
        Execution::start(
            plan,
            &ExecutionConfig::default(),
            input,
            0,
            &mut SplitMix64(1),
        )
        .err()
        .unwrap()
    });
    assert_eq!(refused, StartError::InputTooDeep);
    assert_eq!(
        refused.to_string(),
        "the execution input nests deeper than 127 levels, the most a JSON value may nest"
    );
    let succeeded = on_stack(WORKER_STACK, move || {
        let input = nested(MAX_JSON_DEPTH, "a", json!(1));
        let (execution, _) = Execution::start(
            plan2,
            &ExecutionConfig::default(),
            input,
            0,
            &mut SplitMix64(1),
        )
        .unwrap();
        let history: Vec<Value> = execution
            .history()
            .iter()
            .map(|e| e.to_aws_json())
            .collect();
        (execution.status().clone(), history.len())
    });
    assert!(matches!(succeeded.0, ExecutionStatus::Succeeded(_)));
    assert_eq!(succeeded.1, 4);
}

/// A loop that nests its payload one level deeper per pass fails when the payload would nest
/// past the bound, with AWS's error of the payload limits; a pass of the loop is a Pass state
/// and a Choice state, four events.
#[test]
fn a_payload_nesting_loop_fails_at_the_bound() {
    let text = json!({"StartAt": "Nest", "States": {
        "Nest": {"Type": "Pass", "Parameters": {"a.$": "$"}, "Next": "Loop"},
        "Loop": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": true, "Next": "Nest"}],
                 "Default": "Done"},
        "Done": {"Type": "Succeed"}}})
    .to_string();
    let execution = on_stack(WORKER_STACK, move || run(&text, json!({})));
    assert_eq!(
        failure(&execution),
        (
            "States.DataLimitExceeded".to_string(),
            "The state/task 'Nest' returned a result nested deeper than the maximum of 127 levels."
                .to_string()
        )
    );
    // The input `{}` is one level deep, the n-th pass's output n + 1: 126 passes succeed and
    // the 127th Pass fails. ExecutionStarted, 4 events a pass, PassStateEntered,
    // ExecutionFailed.
    assert_eq!(execution.history().len(), 1 + 4 * 126 + 1 + 1);
}

/// A task result nested too deep is not kept, not even in the history: the task fails.
#[test]
fn a_task_result_nested_too_deep_fails_the_task() {
    let text = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": true}}})
    .to_string();
    let (status, types) = on_stack(SMALL_STACK, move || {
        let definition = Definition::from_json_str(&text, &CompileOptions::default()).unwrap();
        let (mut execution, commands) = Execution::start(
            definition.plan().unwrap(),
            &ExecutionConfig::default(),
            json!({}),
            0,
            &mut SplitMix64(1),
        )
        .unwrap();
        let task = commands
            .iter()
            .find_map(|c| match c {
                Command::Invoke(inv) => Some(inv.task),
                _ => None,
            })
            .unwrap();
        let output = nested(10_000, "a", json!(1));
        execution.handle(Event::TaskSucceeded { task, output }, 0, &mut SplitMix64(1));
        let types: Vec<EventType> = execution.history().iter().map(|e| e.event_type).collect();
        (execution.status().clone(), types)
    });
    let failure = status.failure().unwrap();
    assert_eq!(failure.error.as_deref(), Some("States.DataLimitExceeded"));
    assert_eq!(
        failure.cause.as_deref(),
        Some(
            "The state/task 'arn:aws:lambda:us-east-1:123456789012:function:f' returned a result nested deeper than the maximum of 127 levels."
        )
    );
    assert!(
        types.contains(&EventType::LambdaFunctionFailed),
        "{types:?}"
    );
    assert!(!types.contains(&EventType::LambdaFunctionSucceeded));
}

/// Parallel states nested in code past the scope bound are refused at the first branch too
/// deep; at the bound they validate on a tokio worker's stack.
#[test]
fn nested_scopes() {
    fn machine(levels: usize) -> StateMachine {
        let mut inner = StateMachine::default();
        let mut leaf = State::new(StateKind::Pass(Pass::default()));
        leaf.end = Some(true);
        inner.start_at = "S0".into();
        inner.states.insert("S0".into(), leaf);
        for level in 1..levels {
            let mut parallel = State::new(StateKind::Parallel(Parallel {
                branches: vec![workflow_core::model::Branch {
                    start_at: inner.start_at.clone(),
                    states: std::mem::take(&mut inner.states),
                    ..workflow_core::model::Branch::default()
                }],
            }));
            parallel.end = Some(true);
            inner.start_at = format!("S{level}");
            inner.states.insert(inner.start_at.clone(), parallel);
        }
        inner
    }
    let too_deep = on_stack(SMALL_STACK, || refused(machine(10_000)));
    assert_eq!(too_deep.len(), 1);
    assert_eq!(too_deep[0].code, codes::NESTING_TOO_DEEP);
    let expected = format!(
        "{}/Branches/0",
        (0..MAX_SCOPE_DEPTH)
            .map(|i| format!("/States/S{}", 9_999 - i))
            .collect::<Vec<_>>()
            .join("/Branches/0")
    );
    assert_eq!(too_deep[0].pointer, expected);
    let at_the_bound = on_stack(WORKER_STACK, || {
        Definition::from_machine(machine(MAX_SCOPE_DEPTH), &CompileOptions::default()).is_ok()
    });
    assert!(at_the_bound);
}

/// `drop_deep` is what refusing a deep value relies on.
#[test]
fn deep_values_are_dropped_without_recursion() {
    on_stack(SMALL_STACK, || drop_deep(nested(100_000, "a", json!(1))));
}

/// Writing below a path longer than a value may nest is refused, whatever built the path.
#[test]
fn a_reference_write_deeper_than_the_bound_is_refused() {
    use workflow_core::path::{Segment, with_reference};
    let refused = on_stack(SMALL_STACK, || {
        let segments = vec![Segment::Name("a".into()); 10_000];
        with_reference(&json!({}), &segments, json!(1)).is_err()
    });
    assert!(refused);
}

/// The deepest value a state builds before its result is checked: a template as deep as a
/// definition holds around an input as deep as values go, written below the longest
/// ResultPath. Built, measured, refused and dropped on a tokio worker's stack.
#[test]
fn the_deepest_transient_value_is_refused_on_a_worker_stack() {
    let text = one_pass(json!({
        "Parameters": nested(120, "t", json!({"x.$": "$"})),
        "ResultPath": format!("${}", ".r".repeat(MAX_JSON_DEPTH)),
    }));
    let execution = on_stack(WORKER_STACK, move || {
        run(&text, nested(MAX_JSON_DEPTH, "i", json!(1)))
    });
    assert_eq!(failure(&execution).0, "States.DataLimitExceeded");
}
